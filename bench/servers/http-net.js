// node:http over node:net sockets (the reference): http.createServer's own
// listener, the shared handler. Plain JavaScript run by plain `node`.
//
// Usage: node bench/servers/http-net.js [--port N]
// Prints the port on stdout once it accepts connections.
'use strict'

const http = require('node:http')
const { portFlag } = require('./args.js')
const { handler } = require('./http-handler.js')

const server = http.createServer({ keepAliveTimeout: 60_000 }, handler)
server.listen(portFlag(), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})

process.on('SIGTERM', () => process.exit(0))
