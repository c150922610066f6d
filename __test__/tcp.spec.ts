// TCP sockets over loopback (IPv4, IPv6) and Unix stream sockets: every
// method of `socket.tcp()` on real sockets.

import { join } from 'node:path'

import test from 'ava'

import * as socket from '../index'
import {
  checkLeaksAtEnd,
  driverFds,
  listener,
  NO_UNIX_ON_WINDOWS,
  ok,
  pair,
  recvExactly,
  runFixture,
  sendAll,
  skipIf,
  tempDir,
  windows,
} from './helpers'

checkLeaksAtEnd(test)

/** A new socket, closed when the test ends. */
function open(t: { teardown: (fn: () => void) => void }, family?: socket.Family): socket.TcpSocket {
  const s = ok(socket.tcp(family))
  t.teardown(() => s.close())
  return s
}

test('tcp(): type, family, protocol for each family', (t) => {
  const v4 = open(t)
  t.is(v4.type(), 'tcp')
  t.is(v4.family(), 'inet')
  t.is(v4.protocol(), 'tcp')
  const v6 = open(t, 'inet6')
  t.is(v6.family(), 'inet6')
  if (windows) {
    t.is(socket.tcp('unix')[1], 'not_supported')
  } else {
    const unix = open(t, 'unix')
    t.is(unix.family(), 'unix')
    t.is(unix.protocol(), 'ip')
    t.is(unix.type(), 'tcp')
  }
  const explicit = ok(socket.tcp('inet', 'tcp'))
  t.is(explicit.protocol(), 'tcp')
  explicit.close()
  t.true(v4 instanceof socket.TcpSocket)
  t.true(v4 instanceof socket.Socket)
})

test('tcp(): bad family or protocol throws at the call', (t) => {
  t.throws(() => socket.tcp('inet7' as never), { instanceOf: TypeError })
  t.throws(() => socket.tcp('inet', 'nope'), { instanceOf: TypeError })
})

test('close() twice is harmless; isClosed() tells', (t) => {
  const s = ok(socket.tcp())
  t.false(s.isClosed())
  t.deepEqual(s.close(), [true])
  t.true(s.isClosed())
  t.deepEqual(s.close(), [true])
})

test('bind() then localAddr(): family, ip, port, toString', async (t) => {
  const s = open(t)
  t.deepEqual(await s.bind('127.0.0.1', 0), [true])
  const local = ok(s.localAddr())
  t.is(local.family(), 'inet')
  t.is(local.ip(), '127.0.0.1')
  const port = local.port()!
  t.true(port > 0 && port < 65536)
  t.is(local.toString(), `127.0.0.1:${port}`)
  // Not connected: no remote address.
  const remote = s.remoteAddr()
  t.is(remote[0], null)
  t.is(remote[1], 'not_connected' as never)
})

test('bind() to an address list', async (t) => {
  const s = open(t)
  const where = ok(socket.addr('127.0.0.1', 0, 'tcp'))
  t.deepEqual(await s.bind(where), [true])
  t.is(ok(s.localAddr()).ip(), '127.0.0.1')
  where.free()
})

test('bind() to an address the machine does not have: address_not_available', async (t) => {
  const s = open(t)
  // 192.0.2.0/24 is TEST-NET-1: never a local address.
  const [ok_, err, code] = await s.bind('192.0.2.1', 0)
  t.is(ok_, null)
  t.is(err, 'address_not_available')
  t.is(typeof code, 'number')
})

test('listen(host, port), accept(): remoteAddr equals the client localAddr', async (t) => {
  const { server, port } = await listener(t)
  const client = open(t)
  const accepted = server.accept()
  t.deepEqual(await client.connect('127.0.0.1', port), [true])
  const conn = ok(await accepted)
  t.teardown(() => conn.close())
  t.is(ok(conn.remoteAddr()).toString(), ok(client.localAddr()).toString())
  t.is(ok(conn.localAddr()).toString(), ok(client.remoteAddr()).toString())
  t.is(ok(client.remoteAddr()).port(), port)
  t.is(conn.type(), 'tcp')
  t.is(conn.family(), 'inet')
})

test('listen(backlog, host, port) and listen() with nothing binds implicitly', async (t) => {
  const withBacklog = open(t)
  t.deepEqual(await withBacklog.listen(4, '127.0.0.1', 0), [true])
  t.is(ok(withBacklog.localAddr()).ip(), '127.0.0.1')

  // No host, no port: all interfaces, a port the OS chose.
  const implicit = open(t)
  t.deepEqual(await implicit.listen(), [true])
  const local = ok(implicit.localAddr())
  t.is(local.ip(), '0.0.0.0')
  t.true(local.port()! > 0)
  const client = open(t)
  const accepted = implicit.accept()
  t.deepEqual(await client.connect('127.0.0.1', local.port()!), [true])
  ok(await accepted).close()

  // Backlog only.
  const backlogOnly = open(t)
  t.deepEqual(await backlogOnly.listen(16), [true])
  t.true(ok(backlogOnly.localAddr()).port()! > 0)
})

test('listen() after bind() keeps the bound address', async (t) => {
  const s = open(t)
  ok(await s.bind('127.0.0.1', 0))
  const bound = ok(s.localAddr()).toString()
  t.deepEqual(await s.listen(), [true])
  t.is(ok(s.localAddr()).toString(), bound)
})

test('listen(): bad backlog throws at the call', (t) => {
  const s = open(t)
  t.throws(() => s.listen(-1, '127.0.0.1', 0), { instanceOf: RangeError })
  t.throws(() => s.listen(1.5, '127.0.0.1', 0), { instanceOf: RangeError })
  t.throws(() => s.listen('127.0.0.1', 70000), { instanceOf: RangeError })
})

test('a backlog of connections is accepted one by one', async (t) => {
  const { server, port } = await listener(t)
  const clients = [open(t), open(t), open(t)]
  await Promise.all(clients.map(async (c) => t.deepEqual(await c.connect('127.0.0.1', port), [true])))
  const seen = new Set<string>()
  for (let i = 0; i < clients.length; i++) {
    const conn = ok(await server.accept(socket.clock() + 5))
    seen.add(ok(conn.remoteAddr()).toString())
    conn.close()
  }
  t.deepEqual(seen, new Set(clients.map((c) => ok(c.localAddr()).toString())))
})

test("connect('localhost', port) resolves the name off the loop", async (t) => {
  const { server, port } = await listener(t)
  const client = open(t)
  const accepted = server.accept()
  // The call returns a promise; that the name is resolved off the loop
  // (other sockets keep going while DNS waits) is lookup.spec.ts's test,
  // with a DNS server that answers 500 ms late.
  const pending = client.connect('localhost', port)
  t.true(pending instanceof Promise)
  t.deepEqual(await pending, [true])
  const conn = ok(await accepted)
  conn.close()
  t.is(ok(client.remoteAddr()).toString(), `127.0.0.1:${port}`)
})

test('connect(ai) with an address list', async (t) => {
  const { server, port } = await listener(t)
  const client = open(t)
  const where = ok(socket.addr('127.0.0.1', port, 'tcp'))
  const accepted = server.accept()
  t.deepEqual(await client.connect(where), [true])
  ok(await accepted).close()
  where.free()
  // A list with no entry of the socket's family.
  const v6only = ok(socket.addr('::1', port, 'tcp'))
  const other = open(t)
  const [value, err] = await other.connect(v6only)
  t.is(value, null)
  t.is(err, 'address_not_available')
  v6only.free()
})

test('connect(ai, expires) takes the deadline as its second argument', async (t) => {
  const { server, port } = await listener(t)
  const client = open(t)
  const where = ok(socket.addr('127.0.0.1', port, 'tcp'))
  const accepted = server.accept()
  t.deepEqual(await client.connect(where, socket.clock() + 5), [true])
  ok(await accepted).close()
  where.free()
})

test('send/recv with a Buffer, a plain Uint8Array, maxlen and a subarray', async (t) => {
  const [client, server] = await pair(t)

  // Buffer → Buffer.
  t.deepEqual(await client.send(Buffer.from('hello')), [5])
  const buf = Buffer.alloc(16)
  await recvExactly(server, buf, 5)
  t.is(buf.toString('utf8', 0, 5), 'hello')

  // Plain Uint8Array both ways, written into the caller's own memory.
  const bytes = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])
  t.deepEqual(await server.send(bytes), [8])
  const into = new Uint8Array(8)
  await recvExactly(client, into)
  t.deepEqual([...into], [1, 2, 3, 4, 5, 6, 7, 8])

  // maxlen on send: only the first 3 bytes go.
  t.deepEqual(await client.send(Buffer.from('abcdef'), 3), [3])
  // maxlen on recv: at most 2 bytes land, the rest of the buffer is untouched.
  const small = Buffer.alloc(8, '.')
  const [n] = await server.recv(small, 2)
  t.true(n === 1 || n === 2)
  await recvExactly(server, small.subarray(n!), 3 - n!)
  t.is(small.toString('utf8', 0, 3), 'abc')
  t.is(small.toString('utf8', 3), '.....')

  // A subarray: the bytes land at its offset in the parent.
  const parent = new Uint8Array(10)
  t.deepEqual(await client.send(new Uint8Array([9, 9, 9, 9, 9, 7, 8, 9]).subarray(5)), [3])
  await recvExactly(server, parent.subarray(4, 7))
  t.deepEqual([...parent], [0, 0, 0, 0, 7, 8, 9, 0, 0, 0])

  // maxlen 0 sends nothing.
  t.deepEqual(await client.send(Buffer.from('x'), 0), [0])
  // A zero-length send of an empty buffer.
  t.deepEqual(await client.send(new Uint8Array(0)), [0])
})

test('recv returns 0 once the peer has closed (after the data)', async (t) => {
  const [client, server] = await pair(t)
  ok(await client.send(Buffer.from('last words')))
  client.close()
  const buf = Buffer.alloc(64)
  await recvExactly(server, buf, 10)
  t.is(buf.toString('utf8', 0, 10), 'last words')
  t.deepEqual(await server.recv(buf, undefined, socket.clock() + 5), [0])
  // And again: end of stream is sticky.
  t.deepEqual(await server.recv(buf, undefined, socket.clock() + 5), [0])
})

test('a waiting recv is woken by the peer closing', async (t) => {
  const [client, server] = await pair(t)
  const buf = Buffer.alloc(64)
  const pending = server.recv(buf, undefined, socket.clock() + 5)
  setTimeout(() => client.close(), 20)
  t.deepEqual(await pending, [0])
})

test('IPv6 on ::1: listen, connect, accept, send, recv, addresses', async (t) => {
  const server = open(t, 'inet6')
  t.deepEqual(await server.listen('::1', 0), [true])
  const local = ok(server.localAddr())
  t.is(local.family(), 'inet6')
  t.is(local.ip(), '::1')
  const port = local.port()!
  t.is(local.toString(), `[::1]:${port}`)
  const client = open(t, 'inet6')
  const accepted = server.accept()
  t.deepEqual(await client.connect('::1', port), [true])
  const conn = ok(await accepted)
  t.teardown(() => conn.close())
  t.is(ok(conn.remoteAddr()).toString(), ok(client.localAddr()).toString())
  t.is(ok(conn.remoteAddr()).family(), 'inet6')
  await sendAll(client, Buffer.from('over v6'))
  const buf = Buffer.alloc(7)
  await recvExactly(conn, buf)
  t.is(buf.toString(), 'over v6')
})

skipIf(NO_UNIX_ON_WINDOWS)('Unix stream sockets: listen, connect, accept, send, recv, addresses', async (t) => {
  const path = join(tempDir(t), 'echo.sock')
  const server = open(t, 'unix')
  t.deepEqual(await server.listen(path), [true])
  const local = ok(server.localAddr())
  t.is(local.family(), 'unix')
  t.is(local.toString(), path)
  t.is(local.path(), path)
  t.is(local.port(), null)
  t.is(local.ip(), null)

  const client = open(t, 'unix')
  const accepted = server.accept()
  t.deepEqual(await client.connect(path), [true])
  const conn = ok(await accepted)
  t.teardown(() => conn.close())
  t.is(conn.family(), 'unix')
  t.is(ok(client.remoteAddr()).toString(), path)

  await sendAll(client, Buffer.from('ping'))
  const buf = Buffer.alloc(4)
  await recvExactly(conn, buf)
  t.is(buf.toString(), 'ping')
  await sendAll(conn, Buffer.from('pong'))
  await recvExactly(client, buf)
  t.is(buf.toString(), 'pong')
  client.close()
  t.deepEqual(await conn.recv(buf, undefined, socket.clock() + 5), [0])
})

skipIf(NO_UNIX_ON_WINDOWS)('Unix: connect to a path nobody listens on fails with a tuple', async (t) => {
  const path = join(tempDir(t), 'nobody.sock')
  const client = open(t, 'unix')
  const [value, err, code] = await client.connect(path)
  t.is(value, null)
  t.truthy(err)
  t.is(typeof code, 'number')
})

test('many concurrent connections each get their own bytes', async (t) => {
  const { server, port } = await listener(t)
  const count = 20
  const serving = (async () => {
    for (let i = 0; i < count; i++) {
      const conn = ok(await server.accept(socket.clock() + 10))
      void (async () => {
        const buf = Buffer.alloc(4)
        await recvExactly(conn, buf, 4, socket.clock() + 10)
        await sendAll(conn, buf)
        conn.close()
      })()
    }
  })()
  const results = await Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const c = open(t)
      ok(await c.connect('127.0.0.1', port))
      const out = Buffer.alloc(4)
      out.writeUInt32BE(i * 7919)
      await sendAll(c, out)
      const back = Buffer.alloc(4)
      await recvExactly(c, back, 4, socket.clock() + 10)
      c.close()
      return back.readUInt32BE()
    }),
  )
  await serving
  t.deepEqual(
    results,
    Array.from({ length: count }, (_, i) => i * 7919),
  )
})

// ---- correctness under load: edge triggering, full duplex, GC ------------------

/** A small deterministic PRNG (xorshift32), so a failure can be replayed. */
function prng(seed: number): (below: number) => number {
  let x = seed >>> 0 || 1
  return (below) => {
    x ^= x << 13
    x >>>= 0
    x ^= x >>> 17
    x ^= x << 5
    x >>>= 0
    return x % below
  }
}

/** Bytes that depend on their position in the stream, to catch loss, duplication and reordering. */
function pattern(size: number, seed: number): Buffer {
  const random = prng(seed)
  const out = Buffer.alloc(size)
  for (let i = 0; i < size; i++) out[i] = random(256)
  return out
}

/**
 * Sends all of `data`, each call offering everything left, so a buffer larger
 * than the socket's is written partially and the next call has to wait.
 * Returns how many sends were partial. (Offering only small pieces would
 * measure Nagle's algorithm against delayed ACKs instead: 40 ms stalls.)
 */
async function sendRest(s: socket.TcpSocket, data: Buffer): Promise<number> {
  let partial = 0
  for (let off = 0; off < data.length; ) {
    const n = ok(await s.send(data.subarray(off), undefined, socket.clock() + 10))
    if (n < data.length - off) partial++
    off += n
  }
  return partial
}

/** Receives `expected.length` bytes with buffers of random small size; returns the first mismatch or -1. */
async function recvChunks(
  s: socket.TcpSocket,
  expected: Buffer,
  random: (below: number) => number,
  maxChunk: number,
): Promise<number> {
  const buf = Buffer.alloc(maxChunk)
  let off = 0
  while (off < expected.length) {
    const want = Math.min(1 + random(maxChunk), expected.length - off)
    const n = ok(await s.recv(buf, want, socket.clock() + 10))
    if (n === 0) throw new Error(`peer closed at ${off} of ${expected.length}`)
    if (buf.compare(expected, off, off + n, 0, n) !== 0) {
      for (let i = 0; i < n; i++) if (buf[i] !== expected[off + i]) return off + i
    }
    off += n
  }
  return -1
}

test('edge-triggered readiness never loses a wake-up: 2000 rounds of partial reads and writes', async (t) => {
  const [a, b] = await pair(t)
  const random = prng(0x5eed)
  // One pool of stream bytes; each round sends a slice of it.
  const pool = pattern(9 << 20, 7)
  const rounds = 2000
  let bytes = 0
  let partialSends = 0
  for (let round = 0; round < rounds; round++) {
    const [from, to] = round % 2 === 0 ? [a, b] : [b, a]
    // Mostly small messages read in smaller pieces; now and then a message
    // larger than the socket buffers (Linux autotunes up to ~4 MB, gVisor
    // too), so sends are partial and must wait.
    const size = round % 100 === 0 ? (5 << 20) + random(3 << 20) : 1 + random(4000)
    const start = random(pool.length - size)
    const message = pool.subarray(start, start + size)
    const maxChunk = size > 65536 ? 65536 : 1 + random(600)
    // The reader sometimes waits first, sometimes finds the data already there.
    const readerFirst = random(2) === 0
    const reading = readerFirst ? recvChunks(to, message, random, maxChunk) : null
    const sending = sendRest(from, message)
    const mismatch = await (reading ?? recvChunks(to, message, random, maxChunk))
    partialSends += await sending
    if (mismatch >= 0) return t.fail(`round ${round}: byte ${mismatch} of ${size} differs`)
    bytes += size
  }
  t.log(`${rounds} rounds, ${(bytes / 1e6).toFixed(1)} MB checked, ${partialSends} partial sends`)
  t.true(partialSends > 0, 'no send was partial: the large messages did not fill the socket buffer')
  t.is(socket.stats().waiting, 0)
})

test('full duplex: reads in one thread, writes in another, on the same socket, both ends, 8 MB each way', async (t) => {
  const [a, b] = await pair(t)
  // More than the socket buffers hold, so the writers have to wait for the readers.
  const size = 8 << 20
  const aToB = pattern(size, 11)
  const bToA = pattern(size, 13)
  const threads = [
    socket.newThread(() => sendRest(a, aToB)),
    socket.newThread(() => sendRest(b, bToA)),
    socket.newThread(() => recvChunks(a, bToA, prng(3), 16 * 1024)),
    socket.newThread(() => recvChunks(b, aToB, prng(4), 16 * 1024)),
  ]
  // All four run at once: each direction's reader and writer are separate coroutines.
  t.is(socket.stats().threads >= 4, true)
  const results = await Promise.all(threads.map((th) => th.done))
  // Partial sends prove the writers really had to wait while the readers ran.
  t.true((results[0] as number) > 0 && (results[1] as number) > 0, `partial sends: ${results[0]}, ${results[1]}`)
  t.deepEqual(results.slice(2), [-1, -1])
})

test('a socket nobody closed is closed when collected', async (t) => {
  const child = await runFixture('gc-close.ts', { nodeArgs: ['--expose-gc'], timeoutMs: 20_000 })
  t.is(child.code, 0, child.stderr)
  const { fdsStart, before, after } = JSON.parse(child.stdout) as {
    fdsStart: number
    before: { sockets: number; fds: number }
    after: { sockets: number; fds: number }
  }
  t.is(before.sockets, 31)
  t.is(after.sockets, 0)
  if (fdsStart < 0) return // no fd count here (Windows)
  t.true(before.fds >= fdsStart + 31, `fds ${fdsStart} → ${before.fds}`)
  // The driver's own descriptors stay.
  t.true(after.fds <= fdsStart + driverFds(), `fds ${fdsStart} → ${before.fds} → ${after.fds}`)
})
