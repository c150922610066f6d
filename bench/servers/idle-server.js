// The server side of the idle-memory measurement: accepts N connections and
// keeps each one waiting for data, as a chat or push server holds its idle
// clients: socket2 with a coroutine per connection waiting in `recv`
// (sharing one small buffer, so the figure is the library's own cost), or
// node:net with a 'data' listener on each socket.
//
// Prints the port; once N connections are in, collects garbage (run with
// --expose-gc) and prints one JSON line with RSS and heap before and after.
//
// `rssPerConn` is the growth of the process's anonymous memory (RSS
// without file-backed pages), less the young generation's growth, per
// connection. Both left-out parts are fixed costs, not per connection, and
// both were counted before:
// - the young generation: accepting N connections in a burst grows it from
//   1 MB to some 16 MB on both servers, empty after the GC and given back by
//   V8's memory reducer once the server has been idle for ten seconds or
//   so; its size varies by ±3 MB from run to run. Counted in, it added
//   700–1 300 B to each connection of both servers at 10 000.
// - file-backed pages: the code the first connections run (Node's and V8's
//   own, in the node binary) paged in: 4.4 MB for node:net (440 B per
//   connection at 10 000), 0.5 MB for socket2; it does not grow from 5 000
//   connections to 10 000.
// `rawRssPerConn` keeps the plain RSS growth. `nativePerConn` is the
// anonymous memory outside the V8 heap (malloc'd: libuv/Node handles for
// node:net, the reactor's table and Node-API references for socket2).
// Without /proc/self/smaps_rollup (not Linux), RSS stands in for the
// anonymous memory.
'use strict'

const { portFlag } = require('./args.js')

function flag(name, fallback) {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? fallback : process.argv[at + 1]
}

const impl = flag('impl', 'socket2')
const expected = Number(flag('connections', '10000'))

const fs = require('node:fs')
const v8 = require('node:v8')

/** Anonymous resident memory (bytes), or RSS where the OS does not say. */
function anonymous(rss) {
  try {
    const found = /^Anonymous:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/self/smaps_rollup', 'utf8'))
    if (found) return Number(found[1]) * 1024
  } catch {
    // Not Linux.
  }
  return rss
}

function settle() {
  for (let i = 0; i < 4; i++) global.gc?.()
  const m = process.memoryUsage()
  let young = 0
  let heapPhysical = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    heapPhysical += space.physical_space_size
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') young += space.physical_space_size
  }
  return { rss: m.rss, anonymous: anonymous(m.rss), heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, young, heapPhysical }
}

let before = null
function report(count) {
  setTimeout(() => {
    const after = settle()
    const growth = (key) => after[key] - before[key]
    const per = (bytes) => Math.round(bytes / count)
    const line = {
      impl,
      connections: count,
      rssPerConn: per(growth('anonymous') - growth('young')),
      rawRssPerConn: per(growth('rss')),
      heapPerConn: per(growth('heapUsed')),
      nativePerConn: per(growth('anonymous') - growth('heapPhysical')),
      externalPerConn: per(growth('external')),
      before,
      after,
    }
    process.stdout.write(`${JSON.stringify(line)}\n`)
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
