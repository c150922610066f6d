// One poller for several threads (`socket.epollFd(fd)`): a worker thread
// uses the main thread's poller and both exchange round trips at once;
// every event must reach the thread that owns its socket (a lost or
// misrouted one shows up as a hang, which the runner's timeout fails).
// Then a second worker on the same poller is terminated mid-traffic and
// the main thread goes on.

import { Worker } from 'node:worker_threads'

import { check, done, ok, pair, socket } from './lib.mjs'

const workerFile = new URL('./_shared-poller-worker.mjs', import.meta.url)

async function pingpong(rounds) {
  const [client, conn] = await pair()
  const out = new Uint8Array(64)
  const echo = new Uint8Array(64)
  const back = new Uint8Array(64)
  for (let round = 0; round < rounds; round++) {
    out[0] = round & 0xff
    ok(await client.sendall(out), 'sendall')
    ok(await conn.recvall(echo), 'recvall')
    ok(await conn.sendall(echo), 'echo')
    ok(await client.recvall(back), 'recvall back')
    check(back[0] === (round & 0xff), `round ${round}: wrong byte back`)
  }
  client.close()
  conn.close()
}

function start(rounds) {
  const worker = new Worker(workerFile, { workerData: { fd: socket.epollFd(), rounds } })
  const result = new Promise((resolve, reject) => {
    worker.once('message', resolve)
    worker.once('error', reject)
  })
  const exited = new Promise((resolve) => worker.once('exit', resolve))
  return { worker, result, exited }
}

const mainFd = socket.epollFd()
check(typeof mainFd === 'number' && mainFd >= 0, `epollFd() = ${mainFd}`)
const sharing = start(3000)
await pingpong(3000)
const theirs = await sharing.result
check(theirs.error === undefined, `worker: ${theirs.error}`)
check(theirs.epollFd === mainFd, `the worker polls ${theirs.epollFd}, not the main thread's ${mainFd}`)
check(theirs.driver === socket.driverName(), `worker driver ${theirs.driver}`)
check(theirs.sockets === 0 && theirs.waiting === 0, `worker left ${theirs.sockets} socket(s), ${theirs.waiting} waiting`)
await sharing.exited

// Terminated while both threads' events go through the same poller.
const doomed = start(10_000_000)
const mine = pingpong(1500)
await new Promise((resolve) => setTimeout(resolve, 150))
await doomed.worker.terminate()
await mine
await pingpong(300)
await done(`3000 round trips in each of 2 threads on one poller, then a worker terminated mid-traffic`)
