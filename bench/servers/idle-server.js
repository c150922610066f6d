// The server side of the idle-memory measurement: accepts N connections and
// keeps each one waiting for data, as a chat or push server holds its idle
// clients: socket2 with a coroutine per connection waiting in `recv`
// (sharing one small buffer, so the figure is the library's own cost), or
// node:net with a 'data' listener on each socket.
//
// Prints the port; once N connections are in, collects garbage (run with
// --expose-gc) and prints one JSON line with RSS and heap before and after.
//
// `rssPerConn` leaves out the growth of V8's young generation: accepting N
// connections in a burst grows it from 1 MB to some 16 MB on both servers,
// a fixed cost (not per connection: the same at 1 000 connections as at
// 100 000, empty after the GC, and given back by V8's memory reducer once
// the server has been idle for ten seconds or so) whose size varies by
// ±3 MB from run to run. Counted in, it added 700–1 300 B to every
// connection of both servers at 10 000 (`rawRssPerConn` keeps it).
// `nativePerConn` is the RSS growth outside the V8 heap (malloc'd memory:
// libuv/Node handles for node:net, the reactor's table and Node-API
// references for socket2).
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

const v8 = require('node:v8')

function settle() {
  for (let i = 0; i < 4; i++) global.gc?.()
  const m = process.memoryUsage()
  let young = 0
  let heapPhysical = 0
  for (const space of v8.getHeapSpaceStatistics()) {
    heapPhysical += space.physical_space_size
    if (space.space_name === 'new_space' || space.space_name === 'new_large_object_space') young += space.physical_space_size
  }
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, young, heapPhysical }
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
      rssPerConn: per(growth('rss') - growth('young')),
      rawRssPerConn: per(growth('rss')),
      heapPerConn: per(growth('heapUsed')),
      nativePerConn: per(growth('rss') - growth('heapPhysical')),
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
