// ESM entry point (compiled to dist/index.mjs and dist/index.d.mts). The
// package has one implementation, the CommonJS build of index.ts; Node
// detects its named exports (cjs-module-lexer), so ESM and CommonJS users
// share one module instance and one poller.
export * from './index.js'
