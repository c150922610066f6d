// The server side of the idle-memory measurement: accepts N connections and
// keeps each one waiting for data, as a chat or push server holds its idle
// clients: socket2 with a coroutine per connection waiting in `recv`
// (sharing one small buffer, so the figure is the library's own cost), or
// node:net with a 'data' listener on each socket.
//
// Prints the port; once N connections are in, collects garbage (run with
// --expose-gc) and prints one JSON line with RSS and heap before and after.
//
// Usage: node --expose-gc bench/servers/idle-server.js --impl socket2|net --connections N
'use strict'

const { portFlag } = require('./args.js')

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : process.argv[at + 1]
}

const impl = flag('impl', 'socket2')
const expected = Number(flag('connections', '10000'))

function settle() {
  for (let i = 0; i < 4; i++) global.gc?.()
  const m = process.memoryUsage()
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers }
}

let before = null
function report(count) {
  setTimeout(() => {
    const after = settle()
    const per = (key) => Math.round((after[key] - before[key]) / count)
    process.stdout.write(
      `${JSON.stringify({ impl, connections: count, rssPerConn: per('rss'), heapPerConn: per('heapUsed'), externalPerConn: per('external'), before, after })}\n`,
    )
  }, 200)
}

if (impl === 'socket2') {
  const socket = require('../../dist/index.js')
  const shared = Buffer.alloc(64)
  async function wait(conn) {
    for (;;) {
      const [n, err] = await conn.recv(shared)
      if (err || n === 0) break
    }
    conn.close()
  }
  async function main() {
    const [server, err] = socket.tcp()
    if (err) throw new Error(err)
    const [, lerr] = await server.listen('127.0.0.1', portFlag())
    if (lerr) throw new Error(lerr)
    before = settle()
    process.stdout.write(`${server.localAddr()[0].port()}\n`)
    let count = 0
    for (;;) {
      const [conn, aerr] = await server.accept()
      if (aerr === 'closed') break
      if (aerr) continue
      socket.newThread(wait, conn)
      if (++count === expected) report(count)
    }
  }
  void main()
} else {
  const net = require('node:net')
  let count = 0
  const server = net.createServer((conn) => {
    conn.on('data', () => {})
    conn.on('error', () => conn.destroy())
    if (++count === expected) report(count)
  })
  server.listen(portFlag(), '127.0.0.1', () => {
    before = settle()
    process.stdout.write(`${server.address().port}\n`)
  })
}

process.on('SIGTERM', () => process.exit(0))
