// node:http (or node:https with --tls DIR) over socket2 duplexes: a socket2
// listener's accept loop hands each connection to the same kind of server as
// `conn.toDuplex()` (its 'connection' event), with the shared handler.
// Plain JavaScript run by plain `node` against the compiled package.
//
// Usage: node bench/servers/http-socket2.js [--port N] [--tls DIR]
// Prints the port on stdout once it accepts connections.
'use strict'

const socket = require('../../dist/index.js')
const { portFlag } = require('./args.js')
const { createServer } = require('./http-handler.js')

const server = createServer()

async function main() {
  const [listener, err] = socket.tcp()
  if (err !== undefined) throw new Error(`tcp: ${err}`)
  const [, lerr] = await listener.listen('127.0.0.1', portFlag())
  if (lerr !== undefined) throw new Error(`listen: ${lerr}`)
  process.stdout.write(`${listener.localAddr()[0].port()}\n`)
  for (;;) {
    const [conn, aerr] = await listener.accept()
    if (aerr !== undefined) throw new Error(`accept: ${aerr}`)
    // As node:net's http.Server does for its connections (noDelay: true).
    conn.setopt('nodelay', true)
    // http.Server handles the peer's FIN itself (net.Server's allowHalfOpen).
    server.emit('connection', conn.toDuplex({ allowHalfOpen: true }))
  }
}

process.on('SIGTERM', () => process.exit(0))
void main()
