// Command-line parsing shared by the benchmark's echo servers.
'use strict'

/** The value of `--port N` (0, the default, lets the OS choose). */
function portFlag() {
  const at = process.argv.indexOf('--port')
  if (at < 0) return 0
  const port = Number(process.argv[at + 1])
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`--port must be an integer from 0 to 65535, got ${process.argv[at + 1]}`)
  }
  return port
}

module.exports = { portFlag }
