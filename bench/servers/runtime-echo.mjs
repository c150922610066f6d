// The echo server of the runtimes benchmark (bench/runtimes.ts) on Bun and
// Deno (Node runs the main part's socket2-echo.js and net-echo.js), plain
// ESM against the compiled package:
//
//   --impl socket2   a coroutine per connection with a 16 KiB buffer, `recv`
//                    then `sendall`: bench/servers/echo-connection.js, as
//                    socket2-echo.js serves it (on Bun and Deno socket2 runs
//                    its poller-thread driver)
//   --impl builtin   the runtime's own sockets, its documented idiom:
//                    Bun.listen's `data` callback writing back (what is
//                    not taken waits for `drain`); Deno.listen with a read
//                    loop and a write loop per connection
//
// Every server sets TCP_NODELAY. Prints the port once it accepts connections.
// Usage: bun|deno run -A bench/servers/runtime-echo.mjs --impl socket2|builtin [--port N]

import { createRequire } from 'node:module'

const at = (name, fallback) => {
  const args = globalThis.Deno ? Deno.args : process.argv.slice(2)
  const i = args.indexOf(`--${name}`)
  return i < 0 ? fallback : args[i + 1]
}
const impl = at('impl', 'socket2')
const port = Number(at('port', '0'))
// The socket2 server's connections are socket2-echo.js's own.
const { BUFFER_BYTES, serveConnection } = createRequire(import.meta.url)('./echo-connection.js')

async function serveSocket2() {
  // Loaded here: the builtin servers run without it.
  const socket = await import('../../dist/index.mjs')
  const [server, err] = socket.tcp()
  if (err !== undefined) throw new Error(`tcp: ${err}`)
  const [, lerr] = await server.listen('127.0.0.1', port)
  if (lerr !== undefined) throw new Error(`listen: ${lerr}`)
  console.log(server.localAddr()[0].port())
  for (;;) {
    const [conn, cerr] = await server.accept()
    if (cerr !== undefined) throw new Error(`accept: ${cerr}`)
    socket.newThread(serveConnection, conn)
  }
}

function serveBun() {
  const server = Bun.listen({
    hostname: '127.0.0.1',
    port,
    socket: {
      open(s) {
        s.setNoDelay(true)
        s.data = { pending: null }
      },
      data(s, chunk) {
        if (s.data.pending !== null) {
          s.data.pending = Buffer.concat([s.data.pending, chunk])
          return
        }
        const wrote = s.write(chunk)
        if (wrote < chunk.length) s.data.pending = chunk.subarray(Math.max(wrote, 0))
      },
      drain(s) {
        const rest = s.data.pending
        if (rest === null) return
        const wrote = s.write(rest)
        s.data.pending = wrote < rest.length ? rest.subarray(Math.max(wrote, 0)) : null
      },
    },
  })
  console.log(server.port)
}

async function serveDeno() {
  const listener = Deno.listen({ hostname: '127.0.0.1', port })
  console.log(listener.addr.port)
  for await (const conn of listener) {
    void (async () => {
      conn.setNoDelay(true)
      const buf = new Uint8Array(BUFFER_BYTES)
      try {
        for (;;) {
          const n = await conn.read(buf)
          if (n === null) break
          for (let done = 0; done < n; ) done += await conn.write(buf.subarray(done, n))
        }
      } catch {
        // A reset peer: the connection ends here.
      } finally {
        conn.close()
      }
    })()
  }
}

if (impl === 'socket2') await serveSocket2()
else if (impl !== 'builtin') throw new RangeError(`--impl must be socket2 or builtin, got ${impl}`)
else if (globalThis.Bun) serveBun()
else if (globalThis.Deno) await serveDeno()
else throw new Error('--impl builtin: Bun and Deno only (Node has bench/servers/net-echo.js)')
