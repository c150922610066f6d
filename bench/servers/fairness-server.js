// The server side of the fairness measurement: ping-pong connections beside
// a bulk stream that never lets its socket run dry. Used by `npm run bench`
// (bench/fairness.ts) and by __test__/fairness.spec.ts.
//
// Each connection says what it is with its first byte:
//   'P'  ping-pong: echo every message back (recv, then sendall)
//   'B'  blast in: the peer sends as fast as it can, the server reads and drops
//   'S'  blast out: the server sends 64 KiB blocks as fast as the peer reads
//
// Meanwhile a 1 ms interval timer measures how well the event loop gets
// turns: the longest gap between two of its ticks, and the most bulk
// operations (recv or send calls of 'B'/'S' connections) that ran between
// two ticks. On SIGTERM it prints them as one JSON line and exits.
//
// Usage: node bench/servers/fairness-server.js --impl socket2|net [--port N] [--no-ticker]
// Prints the port on stdout once it accepts connections. `--no-ticker`
// leaves the 1 ms timer out: the bulk benchmark (bench/bulk.ts) serves its
// 'B'/'S' connections with this server as a plain bulk server.
'use strict'

const { portFlag } = require('./args.js')
const { acceptEach } = require('./socket2-accept.js')

const BLOCK = 64 * 1024
const impl = process.argv.includes('--impl') ? process.argv[process.argv.indexOf('--impl') + 1] : 'socket2'

let bulkOps = 0
let bulkOpsSinceTick = 0
let maxBulkOpsPerTick = 0
let maxTickGapMs = 0
let lastTick = performance.now()
let ticks = 0

function countBulkOp() {
  bulkOps++
  bulkOpsSinceTick++
}

const ticker = process.argv.includes('--no-ticker') ? undefined : setInterval(() => {
  const now = performance.now()
  // The first second is warm-up (JIT, connection set-up).
  if (ticks++ > 0) {
    if (now - lastTick > maxTickGapMs) maxTickGapMs = now - lastTick
    if (bulkOpsSinceTick > maxBulkOpsPerTick) maxBulkOpsPerTick = bulkOpsSinceTick
  }
  bulkOpsSinceTick = 0
  lastTick = now
}, 1)

process.on('SIGTERM', () => {
  clearInterval(ticker)
  process.stdout.write(
    `${JSON.stringify({ impl, maxTickGapMs: Number(maxTickGapMs.toFixed(2)), maxBulkOpsPerTick, bulkOps, ticks })}\n`,
    () => process.exit(0),
  )
})

function serveSocket2() {
  const socket = require('../../dist/index.js')

  async function serve(conn) {
    conn.setopt('nodelay', true)
    const head = Buffer.alloc(1)
    const [n, err] = await conn.recv(head)
    if (err || n === 0) return conn.close()
    const role = String.fromCharCode(head[0])
    const buf = Buffer.alloc(role === 'P' ? 16 * 1024 : BLOCK)
    if (role === 'P') {
      for (;;) {
        const [got, rerr] = await conn.recv(buf)
        if (rerr || got === 0) break
        const [, serr] = await conn.sendall(buf, got)
        if (serr) break
      }
    } else if (role === 'B') {
      for (;;) {
        const [got, rerr] = await conn.recv(buf)
        countBulkOp()
        if (rerr || got === 0) break
      }
    } else if (role === 'S') {
      for (;;) {
        const [, serr] = await conn.sendall(buf)
        countBulkOp()
        if (serr) break
      }
    }
    conn.close()
  }

  void acceptEach(socket, serve)
}

function serveNet() {
  const net = require('node:net')
  const block = Buffer.alloc(BLOCK)
  const server = net.createServer({ noDelay: true }, (conn) => {
    conn.on('error', () => conn.destroy())
    conn.once('data', (first) => {
      const role = String.fromCharCode(first[0])
      if (role === 'P') {
        if (first.length > 1) conn.write(first.subarray(1))
        conn.on('data', (data) => conn.write(data))
      } else if (role === 'B') {
        conn.on('data', countBulkOp)
      } else if (role === 'S') {
        const pump = () => {
          do countBulkOp()
          while (conn.write(block))
        }
        conn.on('drain', pump)
        pump()
      }
    })
  })
  server.listen(portFlag(), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
}

if (impl === 'socket2') serveSocket2()
else if (impl === 'net') serveNet()
else throw new RangeError(`--impl must be socket2 or net, got ${impl}`)
