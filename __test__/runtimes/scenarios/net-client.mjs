// A socket2 echo server driven by the runtime's own node:net client:
// small request/response round trips, so between two requests this
// process sleeps in the runtime's event loop, and every request reaches
// socket2 as a fresh wake-up of the sleeping loop. A wake-up the loop
// loses leaves both sides waiting: a hang, which the runner's timeout
// turns into a failure.

import net from 'node:net'

import { check, done, echoThread, listener, ok, socket } from './lib.mjs'

const ROUNDS = Number(process.argv[2] ?? 20_000)
const CLIENTS = 4

const { server, port } = await listener()
const serving = socket.newThread(async () => {
  const threads = []
  for (let i = 0; i < CLIENTS + 1; i++) threads.push(echoThread(ok(await server.accept(socket.clock() + 20), 'accept'), 256))
  await Promise.all(threads.map((t) => t.done))
})

/** `rounds` round trips of 64 bytes over one node:net connection. */
function client(rounds) {
  return new Promise((resolve, reject) => {
    const conn = net.connect(port, '127.0.0.1')
    const message = Buffer.alloc(64, 7)
    let got = 0
    let done = 0
    conn.setNoDelay(true)
    conn.on('connect', () => conn.write(message))
    conn.on('data', (data) => {
      got += data.length
      while (got >= message.length) {
        got -= message.length
        if (++done === rounds) {
          conn.end()
          return
        }
        conn.write(message)
      }
    })
    conn.on('close', () => (done === rounds ? resolve() : reject(new Error(`closed after ${done} round trips`))))
    conn.on('error', reject)
  })
}

const started = performance.now()
await client(ROUNDS)
const single = performance.now() - started
await Promise.all(Array.from({ length: CLIENTS }, () => client(ROUNDS / 10)))
await serving.done
server.close()
await done(`${ROUNDS} round trips from node:net in ${Math.round(single)} ms (${Math.round((ROUNDS / single) * 1000)}/s), then ${CLIENTS} x ${ROUNDS / 10}`)
