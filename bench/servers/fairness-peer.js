// The client side of the fairness measurement (see fairness-server.js):
// N ping-pong connections, each sending 64 bytes and timing the echo. The
// bulk connection that keeps the server busy meanwhile is a separate
// process (crates/bench blaster), so this one's loop only times echoes.
// After --warmup seconds it measures round-trip times for --duration
// seconds and prints one JSON line: round trips, p50/p99/max in ms.
//
// Plain node:net, so both servers face the same peer.
//
// Usage: node bench/servers/fairness-peer.js --port N [--connections 50]
//          [--warmup 1] [--duration 3]
'use strict'

const net = require('node:net')

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : process.argv[at + 1]
}

const port = Number(flag('port', '0'))
const connections = Number(flag('connections', '50'))
const warmup = Number(flag('warmup', '1'))
const duration = Number(flag('duration', '3'))
if (!(port > 0) || !(connections > 0) || !(duration > 0) || !(warmup >= 0)) {
  console.error('usage: fairness-peer.js --port N [--connections N] [--warmup S] [--duration S]')
  process.exit(2)
}

const MESSAGE = Buffer.alloc(64, 0x61)
const samples = []
let measuring = false

function pingPong() {
  const conn = net.connect({ port, host: '127.0.0.1', noDelay: true }, () => {
    conn.write('P')
    let sentAt = performance.now()
    let pending = MESSAGE.length
    conn.on('data', (data) => {
      pending -= data.length
      if (pending > 0) return
      const now = performance.now()
      if (measuring) samples.push(now - sentAt)
      sentAt = now
      pending = MESSAGE.length
      conn.write(MESSAGE)
    })
    conn.write(MESSAGE)
  })
  conn.on('error', () => {})
  return conn
}

const open = []
for (let i = 0; i < connections; i++) open.push(pingPong())

setTimeout(() => {
  measuring = true
  setTimeout(() => {
    measuring = false
    for (const conn of open) conn.destroy()
    samples.sort((a, b) => a - b)
    const at = (q) => (samples.length === 0 ? null : Number(samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(3)))
    const result = {
      connections,
      roundTrips: samples.length,
      p50Ms: at(0.5),
      p99Ms: at(0.99),
      maxMs: samples.length === 0 ? null : Number(samples[samples.length - 1].toFixed(3)),
    }
    process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0))
  }, duration * 1000)
}, warmup * 1000)
