// Many small round trips, on one connection and then on 16 at once: each
// round trip is a batch handed from the driver to JavaScript, so a wake-up
// that can be lost (between the driver's hand-off and JavaScript taking
// the batch) shows up here as a hang, which the runner's timeout turns into
// a failure.

import { check, done, echoThread, ok, pair, socket } from './lib.mjs'

async function pingpong(rounds) {
  const [client, conn] = await pair()
  const serving = echoThread(conn, 256)
  const out = new Uint8Array(64)
  const back = new Uint8Array(64)
  for (let round = 0; round < rounds; round++) {
    out[0] = round & 0xff
    ok(await client.sendall(out), 'sendall')
    ok(await client.recvall(back), 'recvall')
    check(back[0] === (round & 0xff), `round ${round}: wrong byte back`)
  }
  client.close()
  await serving.done
}

const started = performance.now()
await pingpong(5000)
const single = performance.now() - started
await Promise.all(Array.from({ length: 16 }, () => pingpong(300)))
await done(`5000 round trips in ${Math.round(single)} ms, then 16 x 300`)
