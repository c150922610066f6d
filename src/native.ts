// The native addon (crates/binding) as every other module imports it: napi-rs's
// generated loader, `binding.js`, re-exported after `native-load.ts` has
// loaded it or thrown a readable error.

import './native-load.js'

export * from '../binding.js'
