// Sockets dropped without close(), under a limit of 1024 descriptors
// (lowered with prlimit where it exists): 5000 with no await between them
// (the out-of-descriptors path must force a collection and close the
// unreachable ones), then 5000 with an event-loop turn between them (V8
// must collect them on its own, seeing their kernel buffers as external
// memory, and the finalizers close them).

import { spawnSync } from 'node:child_process'
import { setImmediate } from 'node:timers'

import { check, done, socket } from './lib.mjs'

const lowered = spawnSync('prlimit', ['--pid', String(process.pid), '--nofile=1024:1024'])
const limit = lowered.status === 0 ? '1024 fds' : 'the fd limit as it was (no prlimit)'

for (let i = 0; i < 5000; i++) {
  const [, err] = socket.tcp()
  check(err === undefined, `socket #${i} without awaits: ${err}`)
}
for (let i = 0; i < 5000; i++) {
  const [, err] = socket.tcp()
  check(err === undefined, `socket #${i} with loop turns: ${err}`)
  await new Promise((resolve) => setImmediate(resolve))
}
// What is left open is closed by the finalizers, given turns of the loop.
for (let i = 0; i < 100 && socket.stats().sockets > 0; i++) {
  globalThis.Bun?.gc(true)
  await new Promise((resolve) => setTimeout(resolve, 20))
}
const left = socket.stats().sockets
check(left < 1024, `${left} sockets still open`)
console.log(`PASS ${globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node'} driver=${socket.driverName()} 2 x 5000 dropped sockets under ${limit}, ${left} left open`)
