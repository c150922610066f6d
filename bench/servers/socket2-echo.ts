// The socket2 echo server of the benchmark: one coroutine (`newThread`) per
// connection, each with one reusable buffer, echoing with `recv`/`send`.
//
// Usage: node --import tsx bench/servers/socket2-echo.ts [--port N]
// Prints the port on stdout once it accepts connections.
//
// TCP_NODELAY is set like the other servers do, through `setopt` where
// this tree has it (checked at run time, so the bench also runs on trees
// from before it). In this one-message-in-flight ping-pong Nagle never
// holds a segment back anyway. See bench/README.md.

import * as socket from '../../index'
import { portFlag } from './args'

const BUFFER_BYTES = 64 * 1024

type SetOpt = (name: string, value: boolean) => socket.Result<true>

function noDelay(conn: socket.TcpSocket): void {
  const setopt = (conn as unknown as { setopt?: SetOpt }).setopt
  if (typeof setopt !== 'function') return
  const [, err] = setopt.call(conn, 'nodelay', true)
  if (err !== undefined) throw new Error(`setopt nodelay: ${err}`)
}

async function serveConnection(conn: socket.TcpSocket): Promise<void> {
  noDelay(conn)
  const buf = Buffer.allocUnsafe(BUFFER_BYTES)
  for (;;) {
    const [n, rerr] = await conn.recv(buf)
    if (rerr !== undefined || n === 0) break
    let sent = 0
    while (sent < n) {
      // A partial send is rare (the socket buffer is full): only then slice.
      const [m, serr] = await (sent === 0 ? conn.send(buf, n) : conn.send(buf.subarray(sent, n)))
      if (serr !== undefined) {
        conn.close()
        return
      }
      sent += m
    }
  }
  conn.close()
}

async function main(): Promise<void> {
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

void main()

// Exit normally on SIGTERM (the driver's stop) so `--cpu-prof` gets written.
process.on('SIGTERM', () => process.exit(0))
