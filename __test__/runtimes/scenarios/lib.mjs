// Shared by the scenarios: plain ESM that Node, Bun and Deno all run as is.
// Files starting with `_` are helpers the scenarios run, not scenarios.
// Each scenario is a main program: it imports the compiled package, checks
// its case with `check`/`ok`, and ends with `done()`, which prints one
// `PASS …` line; any failure throws (a non-zero exit). The runner
// (`../runner.cjs`) kills a scenario that does not finish in time.

import * as socket from '../../../dist/index.mjs'

export { socket }

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`)
}

/** The value of a success tuple; throws naming the failure otherwise. */
export function ok(result, what = 'call') {
  if (result[1] !== undefined) throw new Error(`${what}: expected success, got ${result[1]} (code ${result[2]})`)
  return result[0]
}

/** The error name of a failure tuple; throws on success. */
export function failure(result, what = 'call') {
  if (result[1] === undefined) throw new Error(`${what}: expected a failure, got ${String(result[0])}`)
  return result[1]
}

/** A TCP listener on 127.0.0.1 (any port) and its port. */
export async function listener(family = 'inet', host = '127.0.0.1') {
  const server = ok(socket.tcp(family), 'tcp')
  ok(await server.listen(host, 0), 'listen')
  return { server, port: ok(server.localAddr(), 'localAddr').port() }
}

/** A connected TCP pair over loopback: [client, accepted]. */
export async function pair() {
  const { server, port } = await listener()
  const client = ok(socket.tcp(), 'tcp')
  const accepted = server.accept(socket.clock() + 10)
  ok(await client.connect('127.0.0.1', port, socket.clock() + 10), 'connect')
  const conn = ok(await accepted, 'accept')
  server.close()
  return [client, conn]
}

/** A coroutine echoing everything `conn` receives until EOF, then closing it. */
export function echoThread(conn, size = 64 * 1024) {
  return socket.newThread(async () => {
    const buf = new Uint8Array(size)
    for (;;) {
      const n = ok(await conn.recv(buf, undefined, socket.clock() + 20), 'echo recv')
      if (n === 0) break
      ok(await conn.sendall(buf, n, socket.clock() + 20), 'echo sendall')
    }
    conn.close()
  })
}

/** Fails unless nothing is left open or waiting; prints the PASS line. */
export async function done(detail = '') {
  // Let closes and finalizers settle.
  await new Promise((resolve) => setTimeout(resolve, 20))
  const stats = socket.stats()
  check(stats.sockets === 0, `${stats.sockets} socket(s) still open`)
  check(stats.waiting === 0, `${stats.waiting} coroutine(s) still waiting`)
  const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node'
  console.log(`PASS ${runtime} driver=${socket.driverName()}${detail ? ` ${detail}` : ''}`)
}
