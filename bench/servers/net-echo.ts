// The node:net echo server of the benchmark: the idiomatic Node server,
// `socket.on('data', d => socket.write(d))`.
//
// Usage: node --import tsx bench/servers/net-echo.ts [--port N]
// Prints the port on stdout once it accepts connections.
//
// `noDelay: true` (TCP_NODELAY on accepted sockets), as the mio reference
// sets it too; in this one-message-in-flight ping-pong it makes no
// measurable difference either way. See bench/README.md.

import * as net from 'node:net'
import type { AddressInfo } from 'node:net'

import { portFlag } from './args'

const server = net.createServer({ noDelay: true }, (conn) => {
  conn.on('data', (data) => conn.write(data))
  conn.on('error', () => conn.destroy())
})
server.listen(portFlag(), '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`)
})

// Exit normally on SIGTERM (the driver's stop) so `--cpu-prof` gets written.
process.on('SIGTERM', () => process.exit(0))
