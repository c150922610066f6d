// currentThread() from its very first call, across socket waits and timers,
// with threads interleaving, after trackThreads(), on every runtime; without
// it a clear error, never a guess.

import { check, done, ok, pair, socket } from './lib.mjs'

// Off until asked for, on every runtime (it costs a frame per thread, or
// promise hooks on every await): without it a clear error.
let message = ''
try {
  socket.currentThread()
} catch (error) {
  message = String(error?.message)
}
check(/trackThreads\(\)/.test(message), `without tracking currentThread() must throw naming trackThreads(), got '${message}'`)
socket.trackThreads()

const [a, b] = await pair()
const seen = []
// Two threads whose continuations interleave: each wakes on its own socket
// and on a timer, and must always see itself.
function watcher(sock, label) {
  return socket.newThread(async () => {
    const self = socket.currentThread() // this thread's first call
    const buf = new Uint8Array(1)
    for (let i = 0; i < 20; i++) {
      ok(await sock.recv(buf, 1, socket.clock() + 10), `${label} recv`)
      check(socket.currentThread() === self, `${label}: after recv #${i}`)
      await socket.sleep(0)
      check(socket.currentThread() === self, `${label}: after sleep #${i}`)
      await Promise.resolve()
      check(socket.currentThread() === self, `${label}: after a plain await #${i}`)
    }
    seen.push(label)
    return self
  })
}
const ta = watcher(a, 'a')
const tb = watcher(b, 'b')
check(socket.currentThread() === null, 'outside any thread: null')
const one = new Uint8Array([1])
for (let i = 0; i < 20; i++) {
  ok(await a.send(one), 'send to a')
  ok(await b.send(one), 'send to b')
}
check((await ta.done) === ta, 'thread a saw itself')
check((await tb.done) === tb, 'thread b saw itself')
check(seen.length === 2, 'both finished')
a.close()
b.close()
await done('tracked after trackThreads()')
