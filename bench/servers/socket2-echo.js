// The socket2 echo server of the benchmark: one coroutine (`newThread`) per
// connection, each with one reusable buffer, echoing with `recv`/`send`.
//
// Plain JavaScript run by plain `node`, against the compiled package
// (`npm run build` emits dist/index.js), exactly as users run it: no TypeScript
// loader in the measured process (tsx wraps every closure in a
// `__name(fn)` → `Object.defineProperty` call, which is not what ships).
//
// Usage: node bench/servers/socket2-echo.js [--port N]
// Prints the port on stdout once it accepts connections.
'use strict'

const socket = require('../../dist/index.js')
const { portFlag } = require('./args.js')
const { serveConnection } = require('./echo-connection.js')

async function main() {
  const [server, err] = socket.tcp()
  if (err !== undefined) throw new Error(`tcp: ${err}`)
  const [, lerr] = await server.listen('127.0.0.1', portFlag())
  if (lerr !== undefined) throw new Error(`listen: ${lerr}`)
  const [addr, aerr] = server.localAddr()
  if (aerr !== undefined) throw new Error(`localAddr: ${aerr}`)
  process.stdout.write(`${addr.port()}\n`)
  for (;;) {
    const [conn, cerr] = await server.accept()
    if (cerr !== undefined) throw new Error(`accept: ${cerr}`)
    socket.newThread(serveConnection, conn)
  }
}

// Exit normally on SIGTERM (the driver's stop) so `--cpu-prof` gets written.
process.on('SIGTERM', () => process.exit(0))
void main()
