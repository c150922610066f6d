// Types for the ESM entry point (index.mjs): the same API as index.d.ts.
export * from './index.js'
