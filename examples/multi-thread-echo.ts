// One TCP echo service served by several worker threads, each with its own
// poller and its own coroutines: the kernel spreads the connections, no
// lock is shared on the per-message path.
//
//   node --import tsx examples/multi-thread-echo.ts [--threads N] [--port P] [--mode reuseport|share]
//
// Two ways to give every worker the listener:
// - reuseport (the default on Linux): each worker opens its own listening
//   socket on the same port with SO_REUSEPORT; the kernel picks one per
//   connection by a hash of its addresses, so each worker gets a fair share
//   and only that worker wakes (no thundering herd).
// - share (the default elsewhere): the main thread opens one listener and
//   hands each worker a duplicate (`share()` → `postMessage` → `adopt()`);
//   whichever worker accepts first takes each connection. Works
//   everywhere; balance follows which thread is free. Whether the others
//   wake too depends on the OS and driver (docs/api.md, "Listeners shared
//   by several threads": on Linux the listener is registered with
//   EPOLLEXCLUSIVE, which stops the herd under the poller-thread driver).
//
// Ctrl-C prints how many connections each worker served.

import { availableParallelism } from 'node:os'
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads'

import * as socket from '../index'

type Mode = 'reuseport' | 'share'
type Job = { mode: 'share'; descriptor: socket.SocketDescriptor } | { mode: 'reuseport'; port: number }

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`)
  return at >= 0 ? process.argv[at + 1] : fallback
}

function must<T>(result: socket.Result<T>, what: string): T {
  if (result[1] !== undefined) throw new Error(`${what}: ${result[1]}`)
  return result[0]
}

/** A listener with SO_REUSEPORT on `port` (0: any free port). */
async function reusePortListener(port: number): Promise<socket.TcpSocket> {
  const server = must(socket.tcp(), 'tcp')
  must(server.setopt('reuseport', true), 'setopt reuseport')
  must(await server.listen('127.0.0.1', port), 'listen')
  return server
}

// ---- worker: accept and echo -----------------------------------------------

async function worker(job: Job): Promise<void> {
  const server =
    job.mode === 'share'
      ? (must(socket.adopt(job.descriptor), 'adopt') as socket.TcpSocket)
      : await reusePortListener(job.port)
  let served = 0
  parentPort!.on('message', (msg: string) => {
    if (msg === 'report') parentPort!.postMessage({ served })
  })
  parentPort!.postMessage({ ready: true })
  for (;;) {
    const [conn, err] = await server.accept()
    if (err === 'closed') break
    if (err) continue // out of fds: accept backs off by itself
    served++
    socket.newThread(async () => {
      conn.setopt('nodelay', true)
      const buf = Buffer.allocUnsafe(16 * 1024)
      for (;;) {
        const [n, rerr] = await conn.recv(buf)
        if (rerr || n === 0) break
        const [, serr] = await conn.sendall(buf, n)
        if (serr) break
      }
      conn.close()
    })
  }
}

// ---- main: set up the listener(s), start the workers -------------------------

/** This file in a worker thread (through tsx's require hook when run as TypeScript). */
function startWorker(job: Job): Worker {
  if (!__filename.endsWith('.ts')) return new Worker(__filename, { workerData: job })
  const code = `require(${JSON.stringify(require.resolve('tsx/cjs'))}); require(${JSON.stringify(__filename)})`
  return new Worker(code, { eval: true, workerData: job })
}

async function main(): Promise<void> {
  const threads = Number(flag('threads', String(availableParallelism())))
  const mode = flag('mode', process.platform === 'linux' ? 'reuseport' : 'share') as Mode
  let port = Number(flag('port', '0'))
  let shared: socket.TcpSocket | null = null
  let first: socket.TcpSocket | null = null
  if (mode === 'share') {
    shared = must(socket.tcp(), 'tcp')
    must(await shared.listen('127.0.0.1', port), 'listen')
    port = must(shared.localAddr(), 'localAddr').port()!
  } else {
    // Take the port (an OS-chosen one if 0) with a first reuseport socket;
    // it is closed once the workers listen, before any client can connect.
    first = await reusePortListener(port)
    port = must(first.localAddr(), 'localAddr').port()!
  }
  const workers: Worker[] = []
  for (let i = 0; i < threads; i++) {
    const job: Job = mode === 'share' ? { mode, descriptor: must(shared!.share(), 'share') } : { mode, port }
    const w = startWorker(job)
    await new Promise((resolve) => w.once('message', resolve))
    workers.push(w)
  }
  // The workers hold their own handles now.
  shared?.close()
  first?.close()
  console.log(`echo on 127.0.0.1:${port}: ${threads} worker threads, mode ${mode}`)
  process.once('SIGINT', () => {
    void Promise.all(
      workers.map(
        (w) =>
          new Promise<number>((resolve) => {
            w.once('message', (m: { served: number }) => resolve(m.served))
            w.postMessage('report')
          }),
      ),
    ).then((served) => {
      console.log(`\nconnections served per worker: ${served.join(', ')}`)
      process.exit(0)
    })
  })
}

if (isMainThread) void main()
else void worker(workerData as Job)
