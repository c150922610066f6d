// TCP echo over loopback: one server coroutine, 64 KiB messages sent and
// received at once (they may not fit the socket buffers), every byte checked.

import { check, done, echoThread, ok, pair, socket } from './lib.mjs'

const SIZE = 64 * 1024
const ROUNDS = 50
const [client, conn] = await pair()
const serving = echoThread(conn)
const out = new Uint8Array(SIZE)
const back = new Uint8Array(SIZE)
for (let round = 0; round < ROUNDS; round++) {
  for (let i = 0; i < SIZE; i++) out[i] = (round * 31 + i) & 0xff
  const [sent, received] = await Promise.all([
    client.sendall(out, SIZE, socket.clock() + 20),
    client.recvall(back, SIZE, socket.clock() + 20),
  ])
  ok(sent, 'sendall')
  ok(received, 'recvall')
  check(back.every((b, i) => b === out[i]), `round ${round}: echoed bytes differ`)
}
client.close()
await serving.done
await done(`${ROUNDS} x ${SIZE} bytes`)
