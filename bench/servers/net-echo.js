// The node:net echo server of the benchmark: the idiomatic Node server,
// `socket.on('data', d => socket.write(d))`. Plain JavaScript run by plain
// `node`, like the socket2 one.
//
// Usage: node bench/servers/net-echo.js [--port N]
// Prints the port on stdout once it accepts connections.
//
// `noDelay: true` (TCP_NODELAY on accepted sockets), as the mio reference
// sets it too; in this one-message-in-flight ping-pong it makes no
// measurable difference either way. See bench/README.md.
'use strict'

const net = require('node:net')
const { portFlag } = require('./args.js')

const server = net.createServer({ noDelay: true }, (conn) => {
  conn.on('data', (data) => conn.write(data))
  conn.on('error', () => conn.destroy())
})
server.listen(portFlag(), '127.0.0.1', () => {
  process.stdout.write(`${server.address().port}\n`)
})

// Exit normally on SIGTERM (the driver's stop) so `--cpu-prof` gets written.
process.on('SIGTERM', () => process.exit(0))
