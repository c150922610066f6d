// The sources (`src/*.ts`, run by tsx in the tests) import `../binding.js`;
// napi-rs generates the real loader, its types and the addon into `dist/`
// (`npm run build:native`), where the compiled `dist/src/*.js` find them
// by that same relative path. Not shipped.
module.exports = require('./dist/binding.js')
