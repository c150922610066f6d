// The node:net counterpart of socket2-threads-echo.js: `cluster` with N
// worker processes, each `socket.on('data', d => socket.write(d))`, with
// Node's default scheduling (round-robin by the primary on Linux).
//
// Usage: node bench/servers/net-cluster-echo.js [--threads N]
// Prints the port, then answers `report` lines on stdin (threads-report.js).
'use strict'

const cluster = require('node:cluster')
const net = require('node:net')

const { answerReports, counters, flagValue, threadCpuNs } = require('./threads-report.js')

if (cluster.isPrimary) {
  const threads = Number(flagValue('threads', '2'))
  // Take a free port, then have every worker listen on it.
  const probe = net.createServer()
  probe.listen(0, '127.0.0.1', () => {
    const port = probe.address().port
    probe.close(() => {
      const workers = []
      let listening = 0
      for (let i = 0; i < threads; i++) {
        const w = cluster.fork({ ECHO_PORT: String(port) })
        w.on('message', (msg) => {
          if (msg === 'listening' && ++listening === threads) {
            answerReports(async () => ({
              workers: await Promise.all(
                workers.map((worker) => new Promise((resolve) => {
                  const onMessage = (m) => {
                    if (typeof m === 'object' && m !== null && 'served' in m) {
                      worker.off('message', onMessage)
                      resolve(m)
                    }
                  }
                  worker.on('message', onMessage)
                  worker.send('report')
                })),
              ),
              pids: [process.pid, ...workers.map((worker) => worker.process.pid)],
            }))
            process.stdout.write(`${port}\n`)
          }
        })
        workers.push(w)
      }
    })
  })
  process.on('SIGTERM', () => {
    for (const id in cluster.workers) cluster.workers[id].process.kill('SIGTERM')
    process.exit(0)
  })
} else {
  const count = counters()
  const server = net.createServer({ noDelay: true }, (conn) => {
    count.served++
    conn.on('data', (data) => {
      count.messages++
      conn.write(data)
    })
    conn.on('error', () => conn.destroy())
  })
  server.listen(Number(process.env.ECHO_PORT), '127.0.0.1', () => process.send('listening'))
  process.on('message', (msg) => {
    if (msg === 'report') process.send({ ...count, cpu_ns: threadCpuNs() })
  })
  process.on('SIGTERM', () => process.exit(0))
}
