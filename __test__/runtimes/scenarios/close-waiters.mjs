// close() wakes every coroutine waiting on the socket with 'closed', and
// the peer of a closed connection reads EOF.

import { check, done, failure, listener, ok, pair, socket } from './lib.mjs'

const [client, conn] = await pair()
const buf = new Uint8Array(16)
const readers = [client.recv(buf), client.recv(buf, undefined, socket.clock() + 30)]
setTimeout(() => client.close(), 20)
for (const reader of readers) check(failure(await reader) === 'closed', 'reader woken with closed')
check(ok(await conn.recv(buf, undefined, socket.clock() + 10)) === 0, 'peer reads EOF')
conn.close()
check(failure(await client.recv(buf)) === 'closed', 'I/O after close')

const { server } = await listener()
const accepting = server.accept()
setTimeout(() => server.close(), 20)
check(failure(await accepting) === 'closed', 'accept woken with closed')

// A thread that finishes lets start() return.
let finished = false
socket.newThread(async () => {
  await socket.sleep(0.01)
  finished = true
})
ok(await socket.start(10), 'start')
check(finished, 'the thread ran')
await done()
