// The accept loop of the socket2 benchmark servers (fairness-server.js,
// accept-server.js): listen on 127.0.0.1, print the port on stdout, and run
// `serve(conn)` in a coroutine (`newThread`) for each connection.
'use strict'

const { portFlag } = require('./args.js')

/** Serves `--port` (0: any) until the listener is closed; throws if it cannot listen. */
async function acceptEach(socket, serve) {
  const [server, err] = socket.tcp()
  if (err) throw new Error(`tcp: ${err}`)
  const [, lerr] = await server.listen('127.0.0.1', portFlag())
  if (lerr) throw new Error(`listen: ${lerr}`)
  process.stdout.write(`${server.localAddr()[0].port()}\n`)
  for (;;) {
    const [conn, aerr] = await server.accept()
    if (aerr === 'closed') break
    if (aerr) continue
    socket.newThread(serve, conn)
  }
}

module.exports = { acceptEach }
