// node:http (or node:https with --tls DIR) over node:net sockets, the
// reference: the server's own listener, the shared handler. Plain
// JavaScript run by plain `node`.
//
// Usage: node bench/servers/http-net.js [--port N] [--tls DIR]
// Prints the port on stdout once it accepts connections.
'use strict'

const { portFlag } = require('./args.js')
const { createServer } = require('./http-handler.js')

const server = createServer()
server.listen(portFlag(), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})

process.on('SIGTERM', () => process.exit(0))
