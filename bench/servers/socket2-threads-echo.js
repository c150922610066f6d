// The multi-worker socket2 echo server of the threads benchmark: N
// worker_threads, each with its own poller and coroutines, serving one
// port. `--mode share` (default): the main thread listens once and hands
// each worker a duplicate (`share()` → `adopt()`); `--mode reuseport`: each
// worker opens its own SO_REUSEPORT listener on the port.
//
// `--poller shared`: every worker uses the main thread's poller
// (`socket.epollFd(fd)`) instead of one of its own.
//
// Usage: node bench/servers/socket2-threads-echo.js [--threads N] [--mode share|reuseport] [--poller own|shared]
// Prints the port, then answers `report` lines on stdin (threads-report.js).
'use strict'

const { Worker, isMainThread, parentPort, workerData } = require('node:worker_threads')

const socket = require('../../dist/index.js')
const { answerReports, counters, flagValue, threadCpuNs } = require('./threads-report.js')

function must(result, what) {
  if (result[1] !== undefined) throw new Error(`${what}: ${result[1]}`)
  return result[0]
}

async function reusePortListener(port) {
  const server = must(socket.tcp(), 'tcp')
  must(server.setopt('reuseport', true), 'reuseport')
  must(await server.listen('127.0.0.1', port), 'listen')
  return server
}

async function serveConnection(conn, count) {
  conn.setopt('nodelay', true)
  const buf = Buffer.allocUnsafe(16 * 1024)
  for (;;) {
    const [n, rerr] = await conn.recv(buf)
    if (rerr !== undefined || n === 0) break
    count.messages++
    const [, serr] = await conn.sendall(buf, n)
    if (serr !== undefined) break
  }
  conn.close()
}

async function worker() {
  const job = workerData
  if (job.pollerFd !== undefined) socket.epollFd(job.pollerFd)
  const server = job.mode === 'share' ? must(socket.adopt(job.descriptor), 'adopt') : await reusePortListener(job.port)
  const count = counters()
  parentPort.on('message', () => parentPort.postMessage({ ...count, cpu_ns: threadCpuNs() }))
  parentPort.postMessage('ready')
  for (;;) {
    const [conn, err] = await server.accept()
    if (err === 'closed') break
    if (err !== undefined) continue
    count.served++
    socket.newThread(serveConnection, conn, count)
  }
}

async function main() {
  const threads = Number(flagValue('threads', '2'))
  const mode = flagValue('mode', 'share')
  const pollerFd = flagValue('poller', 'own') === 'shared' ? socket.epollFd() : undefined
  let listener
  let port
  if (mode === 'share') {
    listener = must(socket.tcp(), 'tcp')
    must(await listener.listen('127.0.0.1', 0), 'listen')
  } else {
    listener = await reusePortListener(0)
  }
  port = must(listener.localAddr(), 'localAddr').port()
  const workers = []
  for (let i = 0; i < threads; i++) {
    const job = mode === 'share' ? { mode, descriptor: must(listener.share(), 'share') } : { mode, port }
    job.pollerFd = pollerFd
    const w = new Worker(__filename, { workerData: job })
    await new Promise((resolve, reject) => {
      w.once('message', resolve)
      w.once('error', reject)
    })
    workers.push(w)
  }
  listener.close()
  answerReports(async () => ({
    workers: await Promise.all(
      workers.map((w) => new Promise((resolve) => {
        w.once('message', resolve)
        w.postMessage('report')
      })),
    ),
    pids: [process.pid],
  }))
  process.stdout.write(`${port}\n`)
}

if (isMainThread) {
  process.on('SIGTERM', () => process.exit(0))
  void main()
} else {
  void worker()
}
