// Types of the napi-rs loader for the sources; see binding.js. Not shipped.
export * from './dist/binding.js'
