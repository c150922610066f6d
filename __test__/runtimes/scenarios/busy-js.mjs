// JavaScript busy for longer than the poller-thread driver waits before repeating
// a wake-up (2 ms, doubling to 128 ms): while the main thread spins, the
// poller thread's batch waits and it nudges several times; every byte must
// still arrive once and in order, and nothing may be dispatched twice.

import { check, done, echoThread, ok, pair, socket } from './lib.mjs'

function spin(ms) {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // busy: no event-loop turn
  }
}

const [client, conn] = await pair()
const serving = echoThread(conn)
const SIZE = 4096
const out = new Uint8Array(SIZE)
const back = new Uint8Array(SIZE)
for (let round = 0; round < 6; round++) {
  out.fill(round + 1)
  ok(await client.sendall(out), 'sendall')
  // The echo arrives while this thread is busy.
  spin(round === 0 ? 20 : 300)
  ok(await client.recvall(back, SIZE, socket.clock() + 10), 'recvall')
  check(back.every((b) => b === round + 1), `round ${round}: wrong bytes back`)
}
client.close()
await serving.done
await done('6 rounds with the main thread busy for up to 300 ms')
