// The server of the accept benchmark (bench/accept.ts): accepts connections
// as fast as they come, reads (up to) one byte from each, and closes it.
// socket2: an accept loop and a coroutine (`newThread`) per connection
// doing `recv` then `close`; node:net: a 'connection' listener destroying
// the socket on its first 'data' (or 'end', or 'error').
//
// Usage: node bench/servers/accept-server.js --impl socket2|net [--port N]
// Prints the port on stdout once it accepts connections.
'use strict'

const { portFlag } = require('./args.js')
const { acceptEach } = require('./socket2-accept.js')
const { flagValue } = require('./threads-report.js')

const impl = flagValue('impl', 'socket2')

function serveSocket2() {
  const socket = require('../../dist/index.js')
  // One byte is all each connection brings; the buffer is shared.
  const one = Buffer.alloc(1)

  async function serve(conn) {
    await conn.recv(one)
    conn.close()
  }

  void acceptEach(socket, serve)
}

function serveNet() {
  const net = require('node:net')
  const server = net.createServer((conn) => {
    const done = () => conn.destroy()
    conn.once('data', done)
    conn.once('end', done)
    conn.on('error', done)
  })
  server.listen(portFlag(), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
}

if (impl === 'socket2') serveSocket2()
else if (impl === 'net') serveNet()
else throw new RangeError(`--impl must be socket2 or net, got ${impl}`)

process.on('SIGTERM', () => process.exit(0))
