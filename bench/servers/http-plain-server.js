// The plain HTTP/1.1 benchmark servers (bench/http-plain.ts): keep-alive
// HTTP served straight from sockets with one request handler
// (bench/servers/http-plain.js) for both, so that only the socket layer
// differs.
//
// socket2   a coroutine (`newThread`) per connection: `recv` into the
//           connection's buffer after any bytes an incomplete request left
//           there, handle what is complete, `sendall` the responses (head
//           and body of each: one vectored write), move the rest to the front.
// net       node:net's idiom: a 'data' listener handles each chunk (joined
//           to an incomplete request's bytes, if any) and writes the
//           responses corked (one vectored write too).
//
// Both set TCP_NODELAY. Plain JavaScript run by plain `node` against the
// compiled package.
//
// Usage: node bench/servers/http-plain-server.js --impl socket2|net [--port N]
// Prints the port on stdout once it accepts connections.
'use strict'

const { portFlag } = require('./args.js')
const { Handled, MAX_HEAD_BYTES, handleRequests } = require('./http-plain.js')
const { acceptEach } = require('./socket2-accept.js')
const { flagValue } = require('./threads-report.js')

const impl = flagValue('impl', 'socket2')

/** A connection's first buffer; it doubles (up to a head and a bit) for longer requests. */
const FIRST_BUFFER_BYTES = 4 * 1024
const MAX_BUFFER_BYTES = 2 * MAX_HEAD_BYTES

function serveSocket2() {
  const socket = require('../../dist/index.js')

  async function serve(conn) {
    conn.setopt('nodelay', true)
    let buf = Buffer.allocUnsafe(FIRST_BUFFER_BYTES)
    let end = 0
    const out = []
    const handled = new Handled()
    for (;;) {
      // The usual case reads into the whole buffer: no view to allocate.
      const [n, err] = await (end === 0 ? conn.recv(buf) : conn.recv(buf.subarray(end)))
      if (err !== undefined || n === 0) break
      end += n
      handleRequests(buf, end, out, handled)
      if (out.length > 0) {
        const [, serr] = await conn.sendall(out)
        out.length = 0
        if (serr !== undefined) break
      }
      if (handled.close) break
      const rest = end - handled.consumed
      if (rest > 0 && handled.consumed > 0) buf.copyWithin(0, handled.consumed, end)
      end = rest
      if (end === buf.length) {
        // A request longer than the buffer (a body): grow it, within reason.
        if (buf.length >= MAX_BUFFER_BYTES) break
        const bigger = Buffer.allocUnsafe(buf.length * 2)
        buf.copy(bigger, 0, 0, end)
        buf = bigger
      }
    }
    conn.close()
  }

  void acceptEach(socket, serve)
}

function serveNet() {
  const net = require('node:net')
  const server = net.createServer({ noDelay: true }, (conn) => {
    let pending = null
    const out = []
    const handled = new Handled()
    conn.on('data', (chunk) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk])
      pending = null
      handleRequests(buf, buf.length, out, handled)
      if (out.length > 0) {
        conn.cork()
        for (const part of out) conn.write(part)
        conn.uncork()
        out.length = 0
      }
      if (handled.close) {
        conn.end()
        return
      }
      if (handled.consumed < buf.length) {
        if (buf.length - handled.consumed > MAX_BUFFER_BYTES) conn.destroy()
        else pending = buf.subarray(handled.consumed)
      }
    })
    conn.on('error', () => conn.destroy())
  })
  server.listen(portFlag(), '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`))
}

if (impl === 'socket2') serveSocket2()
else if (impl === 'net') serveNet()
else throw new RangeError(`--impl must be socket2 or net, got ${impl}`)

process.on('SIGTERM', () => process.exit(0))
