// A socket2 echo server driven from another process: small request and
// response round trips as fast as they go, so each request arrives just as
// this process finishes the previous one and goes back to sleep in the
// runtime's event loop, with nothing else here to wake it. A wake-up the
// loop loses there stalls the server (Deno lost the poller-thread driver's
// hand-off this way: a hang, or seconds-long stalls when a timer woke it).
// Fails if the server ever went 1 s without a request while the client
// ran, or hangs (the runner's timeout). Measured under Deno with loadgen,
// 2 s of load per run: before the fix 7 of 30 runs stalled for 0.3-2 s
// (and runs of the benchmark hung outright); after it, 50 of 50 runs had
// no gap over 0.2 s.
//
// The client is crates/bench's native `loadgen` when SOCKET2_TEST_LOADGEN
// names it (the runner sets it when target/release/loadgen is built; it is
// fast enough to hit the window), else a socket2 client under
// SOCKET2_TEST_NODE (the Node that runs the runner) or this runtime.
// Argument: seconds of load (default 3).

import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

import { check, done, listener, socket } from './lib.mjs'

const SECONDS = Number(process.argv[2] ?? 3)
const CONNECTIONS = 4

/** Runs `bin args`, resolving its stdout; fails on a non-zero exit. */
function run(bin, args) {
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (d) => (out += d))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${bin} exited with ${code}`))))
  })
}

// No top-level await: the module finishes evaluating and the runtime's
// event loop runs on its own, as in a server's main script.
async function main() {
  const { server, port } = await listener()
  let last = 0
  let longestGap = 0
  let requests = 0
  let serving = true
  const accepting = socket.newThread(async () => {
    const threads = []
    for (;;) {
      const [conn, err] = await server.accept()
      if (err) break
      threads.push(
        socket.newThread(async () => {
          const buf = new Uint8Array(256)
          // loadgen drops its connections when its time is up, maybe with
          // a message in flight: a reset ends the connection like EOF.
          const ended = (err) => err === 'connection_reset' || err === 'broken_pipe'
          for (;;) {
            const [n, err] = await conn.recv(buf, undefined, socket.clock() + 30)
            if (ended(err) || n === 0) break
            check(err === undefined, `recv: ${err}`)
            const now = socket.clock()
            if (serving && last > 0) longestGap = Math.max(longestGap, now - last)
            last = now
            requests++
            const [, serr] = await conn.sendall(buf, n, socket.clock() + 30)
            if (ended(serr)) break
            check(serr === undefined, `sendall: ${serr}`)
          }
          conn.close()
        }),
      )
    }
    await Promise.all(threads.map((t) => t.done))
  })

  const loadgen = process.env.SOCKET2_TEST_LOADGEN
  let report
  if (loadgen && existsSync(loadgen)) {
    const one = await run(loadgen, ['--port', String(port), '--connections', '1', '--warmup', '0', '--duration', String(SECONDS)])
    last = 0
    const many = await run(loadgen, ['--port', String(port), '--connections', String(CONNECTIONS), '--warmup', '0', '--duration', '1'])
    const rate = (out) => Math.round(JSON.parse(out.trim().split('\n').pop()).rate)
    report = `loadgen: ${rate(one)}/s on 1 connection, ${rate(many)}/s on ${CONNECTIONS}`
  } else {
    const clientFile = fileURLToPath(new URL('./_echo-client.mjs', import.meta.url))
    const node = process.env.SOCKET2_TEST_NODE
    const [bin, args] = node ? [node, []] : [process.execPath, globalThis.Deno ? ['run', '-A'] : []]
    const rounds = Math.round(SECONDS * 5000)
    report = `socket2 client (no loadgen built): ${(await run(bin, [...args, clientFile, String(port), String(rounds), String(CONNECTIONS)])).trim()}`
  }
  serving = false
  // The clients have closed; the echo threads end on EOF.
  await new Promise((resolve) => setTimeout(resolve, 50))
  server.close()
  await accepting.done
  check(requests > 0, 'no request reached the server')
  check(longestGap < 1, `the server went ${longestGap.toFixed(2)} s without a request while the client ran`)
  await done(`${report}; longest gap between requests ${Math.round(longestGap * 1000)} ms`)
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
