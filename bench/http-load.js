// The HTTP benchmark's fallback load generator, used when `wrk` is not
// installed: a Node keep-alive client in its own process. N connections
// (an http.Agent with keepAlive and maxSockets N, or https with --tls and
// --ca FILE), each issuing GET `--path` back to back. After `--warmup` s it
// prints `measuring`, then counts completed requests for `--duration` s
// and prints one JSON line {requests, seconds, rate, bytes, errors}.
//
// Usage: node bench/http-load.js --port P [--connections N] [--path /]
//        [--warmup S] [--duration S] [--close] [--tls --ca FILE]
// It is much slower than wrk (it is JavaScript too): with it, the server
// comparison is only meaningful in server CPU time per request.
'use strict'

const http = require('node:http')
const https = require('node:https')
const { readFileSync } = require('node:fs')

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : process.argv[at + 1]
}

const port = Number(flag('port'))
const connections = Number(flag('connections', 64))
const path = flag('path', '/')
const warmup = Number(flag('warmup', 1))
const duration = Number(flag('duration', 3))
const close = process.argv.includes('--close')
const useTls = process.argv.includes('--tls')
const lib = useTls ? https : http
const agent = new lib.Agent({
  keepAlive: !close,
  maxSockets: connections,
  ...(useTls ? { ca: readFileSync(flag('ca')) } : {}),
})

let counting = false
let requests = 0
let bytes = 0
let errors = 0
let running = true

function loop() {
  if (!running) return
  const req = lib.request({ host: '127.0.0.1', port, path, agent, servername: 'localhost', headers: close ? { connection: 'close' } : {} }, (res) => {
    res.on('data', (d) => {
      if (counting) bytes += d.length
    })
    res.on('end', () => {
      if (counting) requests++
      loop()
    })
  })
  req.on('error', () => {
    if (counting) errors++
    setImmediate(loop)
  })
  req.end()
}

for (let i = 0; i < connections; i++) loop()
setTimeout(() => {
  counting = true
  const started = process.hrtime.bigint()
  process.stdout.write('measuring\n')
  setTimeout(() => {
    counting = false
    running = false
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    process.stdout.write(`${JSON.stringify({ requests, seconds, rate: requests / seconds, bytes, errors })}\n`)
    agent.destroy()
    process.exit(0)
  }, duration * 1000)
}, warmup * 1000)
