// Sockets as node:stream Duplexes (issue #12): toDuplex() and connectDuplex()
// against real peers (node:net, node:http, curl, fetch): byte-exact data
// both ways, backpressure both ways, half-close both ways, destroy in every
// state, errors as Error objects with socket2's names, the net.Socket
// surface http and clients read. TLS is in tls.spec.ts.

import { execFile, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { writeFileSync } from 'node:fs'
import * as http from 'node:http'
import * as net from 'node:net'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'

import test, { type ExecutionContext } from 'ava'

import * as socket from '../index'
import { waitersOn } from '../src/scheduler'
import { NO_UNIX_ON_WINDOWS, checkLeaksAtEnd, listener, ok, pair, runFixture, skipIf, tempDir, underWine, windows } from './helpers'

checkLeaksAtEnd(test)

/** Resolves once `stream` has emitted 'close' (at once if it already has). */
function closed(stream: { closed: boolean } & NodeJS.EventEmitter): Promise<unknown> {
  return stream.closed ? Promise.resolve() : once(stream, 'close')
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** A node:net server on loopback, closed (with its connections) when the test ends. */
async function netServer(t: ExecutionContext, onConnection: (c: net.Socket) => void = () => {}): Promise<number> {
  const server = net.createServer({ allowHalfOpen: true }, onConnection)
  const conns = new Set<net.Socket>()
  server.on('connection', (c) => {
    conns.add(c)
    c.on('close', () => conns.delete(c))
    c.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const c of conns) c.destroy()
    server.close()
  })
  return (server.address() as net.AddressInfo).port
}

/** A socket2 duplex connected to a node:net socket: [duplex, net side]. */
async function duplexToNet(
  t: ExecutionContext,
  options: socket.SocketDuplexOptions = {},
): Promise<[socket.SocketDuplex, net.Socket]> {
  let gotPeer!: (c: net.Socket) => void
  const accepted = new Promise<net.Socket>((resolve) => (gotPeer = resolve))
  const port = await netServer(t, (c) => gotPeer(c))
  const [s, err] = socket.tcp()
  if (err) throw new Error(err)
  ok(await s.connect('127.0.0.1', port))
  const duplex = s.toDuplex(options)
  const peer = await accepted
  t.teardown(() => {
    duplex.destroy()
    peer.destroy()
  })
  return [duplex, peer]
}

/**
 * Collects a readable's bytes until 'end', without destroying it then (as a
 * `for await` loop would): its writable side may still be in use.
 */
function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    stream.on('data', (chunk: Buffer) => chunks.push(chunk))
    stream.once('end', () => resolve(Buffer.concat(chunks)))
    stream.once('error', reject)
  })
}

function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

/** Runs a command, resolving with its stdout; rejects with its stderr. */
function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} failed: ${err.message}\n${stderr}`))
      else resolve(stdout)
    })
  })
}

/**
 * A node:http server fed by a socket2 listener: each accepted connection
 * goes to the server as a duplex ('connection'). Returns the port and the
 * duplexes it made.
 */
async function httpOverSocket2(
  t: ExecutionContext,
  handler: http.RequestListener,
  options: http.ServerOptions = {},
): Promise<{ port: number; duplexes: socket.SocketDuplex[]; server: http.Server }> {
  const { server: ls, port } = await listener(t)
  const server = http.createServer(options, handler)
  // node:http tracks the connections it is given from then on.
  server.emit('listening')
  const duplexes: socket.SocketDuplex[] = []
  const loop = (async () => {
    for (;;) {
      const [conn, err] = await ls.accept()
      if (err) return
      const duplex = conn.toDuplex()
      duplexes.push(duplex)
      server.emit('connection', duplex)
    }
  })()
  t.teardown(async () => {
    ls.close()
    await loop
    server.close()
    for (const d of duplexes) d.destroy()
  })
  return { port, duplexes, server }
}

// ---- data both ways -----------------------------------------------------------

test('toDuplex: 8 MiB each way at once with a node:net peer, byte-exact', async (t) => {
  const [duplex, peer] = await duplexToNet(t, { allowHalfOpen: true })
  const up = randomBytes(8 * 1024 * 1024)
  const down = randomBytes(8 * 1024 * 1024)
  // Odd-sized writes, so chunk boundaries never line up with reads.
  const writeIn = async (w: NodeJS.WritableStream & { end(): void }, data: Buffer): Promise<void> => {
    for (let at = 0; at < data.length; ) {
      const n = Math.min(data.length - at, 1 + ((at * 7919) % 100_003))
      if (!w.write(data.subarray(at, at + n))) await once(w as unknown as NodeJS.EventEmitter, 'drain')
      at += n
    }
    w.end()
  }
  const [gotByPeer, gotByDuplex] = await Promise.all([readAll(peer), readAll(duplex), writeIn(duplex, up), writeIn(peer, down)])
  t.is(gotByPeer.length, up.length)
  t.true(gotByPeer.equals(up), 'the peer got our bytes, in order')
  t.true(gotByDuplex.equals(down), 'we got the peer bytes, in order')
  t.is(duplex.bytesRead, down.length)
  t.is(duplex.bytesWritten, up.length)
})

/**
 * Keepalive is on with an idle time of `secs`, read back where the OS lets
 * it be: Winsock's idle time is write-only (`SIO_KEEPALIVE_VALS`), so there
 * `getopt('keepidle')` is `not_supported` (as in options.spec).
 */
function keepIdleIs(t: ExecutionContext, s: socket.TcpSocket, secs: number): void {
  t.deepEqual(s.getopt('keepalive'), [true])
  if (windows) t.is(s.getopt('keepidle')[1], 'not_supported')
  else t.deepEqual(s.getopt('keepidle'), [secs])
}

test('net.Socket surface: addresses, setNoDelay, setKeepAlive, readyState, ref/unref', async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  t.is(duplex.remoteAddress, '127.0.0.1')
  t.is(duplex.remotePort, peer.localPort)
  t.is(duplex.remoteFamily, 'IPv4')
  t.is(duplex.localAddress, '127.0.0.1')
  t.is(duplex.localPort, peer.remotePort)
  t.deepEqual(duplex.address(), { address: '127.0.0.1', port: peer.remotePort, family: 'IPv4' })
  t.is(duplex.setNoDelay(true), duplex)
  t.deepEqual(duplex.socket.getopt('nodelay'), [true])
  t.is(duplex.setNoDelay(false), duplex)
  t.deepEqual(duplex.socket.getopt('nodelay'), [false])
  t.is(duplex.setKeepAlive(true, 30_000), duplex)
  keepIdleIs(t, duplex.socket, 30)
  t.is(duplex.readyState, 'open')
  t.false(duplex.pending)
  t.is(duplex.unref(), duplex)
  t.is(duplex.ref(), duplex)
  t.false(duplex.connecting)
  t.true(duplex instanceof socket.SocketDuplex)
})

skipIf(NO_UNIX_ON_WINDOWS)('a Unix stream socket as a duplex: data both ways, end, close', async (t) => {
  const path = join(tempDir(t), 's.sock')
  const [ls] = socket.tcp('unix')
  t.teardown(() => ls!.close())
  ok(await ls!.listen(path))
  const [c] = socket.tcp('unix')
  const accepted = ls!.accept()
  ok(await c!.connect(path))
  const a = c!.toDuplex()
  const b = ok(await accepted).toDuplex()
  const data = randomBytes(300_000)
  const got = readAll(b)
  a.resume() // to see b's FIN (b ends its side once it has read ours)
  a.end(data)
  t.true((await got).equals(data))
  t.deepEqual(a.address(), {})
  t.is(a.remoteAddress, undefined)
  t.is(a.setNoDelay(), a)
  await Promise.all([closed(a), closed(b)])
  t.true(a.socket.isClosed() && b.socket.isClosed())
})

// ---- backpressure -------------------------------------------------------------

test('backpressure out: a paused reader stops the writer; write() returns false, buffering stays bounded, then drains byte-exact', async (t) => {
  const hwm = 64 * 1024
  const [duplex, peer] = await duplexToNet(t, { writableHighWaterMark: hwm })
  peer.pause()
  const chunk = randomBytes(16 * 1024)
  let written = 0
  let maxBuffered = 0
  // Write until write() says stop; on 'drain' write on. Nothing reads, so
  // the kernel buffers fill (a few MB on loopback) and then no 'drain'
  // comes: the writable side must then hold about one high-water mark.
  for (;;) {
    while (duplex.write(chunk)) {
      written += chunk.length
      maxBuffered = Math.max(maxBuffered, duplex.writableLength)
    }
    written += chunk.length
    maxBuffered = Math.max(maxBuffered, duplex.writableLength)
    const drained = await Promise.race([once(duplex, 'drain').then(() => true), sleep(500).then(() => false)])
    if (!drained) break
    if (written > 512 * 1024 * 1024) return t.fail(`wrote ${written} bytes to a reader that reads nothing`)
  }
  t.true(duplex.writableNeedDrain, 'write() returned false and no drain came: the writer is held back')
  t.true(duplex.writableLength <= hwm + chunk.length, `buffered ${duplex.writableLength}`)
  t.true(maxBuffered <= hwm + chunk.length, `buffered up to ${maxBuffered}`)
  // The kernel holds some (socket buffers), the rest waits in the duplex.
  t.log(`${written} bytes written before the writer was held back; ${duplex.writableLength} buffered in the duplex`)
  // Now read: everything arrives, then drain.
  const got = readAll(peer)
  peer.resume()
  await once(duplex, 'drain')
  duplex.end()
  const data = await got
  t.is(data.length, written)
  for (let at = 0; at < data.length; at += chunk.length) {
    if (!data.subarray(at, at + chunk.length).equals(chunk)) return t.fail(`corrupt at ${at}`)
  }
})

test('backpressure in: a paused duplex stops receiving; the sender is held back, memory stays bounded', async (t) => {
  const hwm = 64 * 1024
  const [duplex, peer] = await duplexToNet(t, { readableHighWaterMark: hwm })
  const chunk = randomBytes(64 * 1024)
  const target = 32 * 1024 * 1024
  // Read the first MiB, then stop reading (pause) with data still coming.
  let got = 0
  const hash = createHash('sha256')
  let paused = false
  const pausedAt = new Promise<void>((resolve) => {
    duplex.on('data', (d: Buffer) => {
      got += d.length
      hash.update(d)
      if (got >= 1024 * 1024 && !paused) {
        paused = true
        duplex.pause()
        resolve()
      }
    })
  })
  let sent = 0
  // The peer writes 32 MiB as fast as we take it.
  const writer = (async () => {
    while (sent < target) {
      sent += chunk.length
      if (!peer.write(chunk)) await once(peer, 'drain')
    }
  })()
  await pausedAt
  const gotWhenPaused = got
  await sleep(800)
  // Paused: the stream holds at most one high-water mark plus one read,
  // and the kernel buffers the rest until the sender has to wait.
  t.true(duplex.readableLength <= hwm + 64 * 1024, `readableLength ${duplex.readableLength}`)
  t.is(got, gotWhenPaused, 'no data events while paused')
  t.true(sent < target, `the sender was held back after ${sent} bytes`)
  t.true(peer.writableLength > 0, 'the sender buffers: it is waiting for us')
  t.log(`paused after ${gotWhenPaused} bytes; sender held back after ${sent}; the duplex buffers ${duplex.readableLength}`)
  // Then read it all.
  duplex.resume()
  await writer
  peer.end()
  await once(duplex, 'end')
  const expected = createHash('sha256')
  for (let i = 0; i < target / chunk.length; i++) expected.update(chunk)
  t.is(got, target)
  t.is(hash.digest('hex'), expected.digest('hex'))
})

test('pipeline into a slow consumer: memory stays bounded', async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  const total = 24 * 1024 * 1024
  const block = randomBytes(256 * 1024)
  let maxBuffered = 0
  const source = (async () => {
    for (let sent = 0; sent < total; sent += block.length) {
      if (!peer.write(block)) await once(peer, 'drain')
    }
    peer.end()
  })()
  let got = 0
  const slow = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _enc, cb) {
      got += chunk.length
      maxBuffered = Math.max(maxBuffered, duplex.readableLength)
      // About 100 MB/s: far slower than loopback.
      setTimeout(cb, Math.ceil(chunk.length / 100_000))
    },
  })
  await Promise.all([pipeline(duplex, slow), source])
  t.is(got, total)
  t.true(maxBuffered <= 2 * 64 * 1024, `readableLength reached ${maxBuffered}`)
})

// ---- half-close ---------------------------------------------------------------

test("half-close, ours: end() sends FIN (shutdown('w')); the peer reads 'end' and can still answer", async (t) => {
  const [duplex, peer] = await duplexToNet(t, { allowHalfOpen: true })
  const fromPeer = readAll(duplex)
  duplex.end('request')
  t.is((await readAll(peer)).toString(), 'request')
  t.true(duplex.writableFinished)
  t.true(duplex.readable, 'our readable side is still open')
  peer.end('answer after our FIN')
  t.is((await fromPeer).toString(), 'answer after our FIN')
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

test("half-close, theirs: the peer's FIN is 'end'; with allowHalfOpen we can still write", async (t) => {
  const [duplex, peer] = await duplexToNet(t, { allowHalfOpen: true })
  const fromUs = readAll(peer)
  peer.end('question')
  t.is((await readAll(duplex)).toString(), 'question')
  t.true(duplex.writable)
  duplex.end('reply after their FIN')
  t.is((await fromUs).toString(), 'reply after their FIN')
  await closed(duplex)
})

test("without allowHalfOpen (the default) the peer's FIN ends our side too, then 'close'", async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  const fromUs = readAll(peer)
  duplex.resume()
  peer.end()
  await once(duplex, 'end')
  t.is((await fromUs).length, 0, 'the peer read our FIN')
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

// ---- destroy in every state, errors --------------------------------------------

test('destroy before connect completes: no connect, no error, the socket closed', async (t) => {
  const port = await netServer(t)
  const duplex = socket.connectDuplex({ host: '127.0.0.1', port })
  t.true(duplex.connecting)
  t.is(duplex.readyState, 'opening')
  let connected = false
  duplex.on('connect', () => (connected = true))
  duplex.on('error', (e) => t.fail(String(e)))
  const written = new Promise<Error | null | undefined>((resolve) => duplex.write('x', resolve))
  duplex.destroy()
  await closed(duplex)
  t.false(connected)
  t.true(duplex.socket.isClosed())
  t.truthy(await written, 'the write made while connecting fails')
})

test('connectDuplex: connects, writes made while connecting go out after, TCP options applied', async (t) => {
  let gotPeer!: (c: net.Socket) => void
  const accepted = new Promise<net.Socket>((resolve) => (gotPeer = resolve))
  const port = await netServer(t, (c) => gotPeer(c))
  const connects: string[] = []
  const duplex = socket.connectDuplex(
    { host: '127.0.0.1', port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 5000 },
    () => connects.push('callback'),
  )
  duplex.on('connect', () => connects.push('connect'))
  duplex.end('sent while connecting')
  const peer = await accepted
  t.is((await readAll(peer)).toString(), 'sent while connecting')
  t.deepEqual(connects, ['callback', 'connect'])
  t.deepEqual(duplex.socket.getopt('nodelay'), [true])
  keepIdleIs(t, duplex.socket, 5)
  duplex.destroy()
  await closed(duplex)
})

test("connectDuplex to a closed port: 'error' with code 'connection_refused', then 'close'", async (t) => {
  const { server, port } = await listener(t)
  server.close()
  const duplex = socket.connectDuplex({ host: '127.0.0.1', port })
  const [error] = (await once(duplex, 'error')) as [socket.SocketDuplexError]
  t.true(error instanceof Error)
  t.is(error.code, 'connection_refused')
  t.is(error.syscall, 'connect')
  t.is(typeof error.errno, 'number')
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

test('destroy mid-read (waiting for data): close, the wait ends, nothing waits on', async (t) => {
  const [duplex] = await duplexToNet(t)
  duplex.resume()
  await sleep(30)
  const waitingReaders = (): number => waitersOn(duplex.socket.state, false)
  t.is(waitingReaders(), 1, 'the duplex waits for data')
  duplex.destroy()
  t.is(waitingReaders(), 0, 'the wait ended with the close')
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

test('destroy mid-write (writer blocked on a full socket): the pending write fails, close', async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  peer.pause()
  const big = Buffer.alloc(32 * 1024 * 1024)
  const result = new Promise<Error | null | undefined>((resolve) => duplex.write(big, resolve))
  await sleep(100)
  t.true(duplex.writableLength > 0, 'the write is still in flight')
  duplex.destroy()
  await closed(duplex)
  const err = await result
  t.truthy(err, 'the write callback got an error')
  t.true(duplex.socket.isClosed())
})

test('write() then destroy() delivers what write() took, as node:net does, even after a busy turn', async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  const got = readAll(peer)
  // Many ready calls in this turn first: a scheduler with a per-turn budget
  // defers the next ready send to the next turn; the destroy must not drop it.
  const [a] = await pair(t)
  const one = Buffer.alloc(1)
  for (let i = 0; i < 300; i++) void a.send(one)
  duplex.write('last words before destroy')
  duplex.destroy()
  t.is((await got).toString(), 'last words before destroy')
  await closed(duplex)
  t.true(duplex.socket.isClosed())
})

test("destroy(err): 'error' with that error, then 'close'; destroy after end and close is harmless", async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  const boom = new Error('boom')
  duplex.destroy(boom)
  const [got] = await once(duplex, 'error')
  t.is(got, boom)
  t.true(duplex.destroyed)
  await once(peer, 'end')

  const [d2, p2] = await duplexToNet(t)
  d2.resume()
  p2.end()
  await closed(d2)
  d2.destroy()
  d2.destroy(new Error('late'))
  t.true(d2.socket.isClosed())
})

skipIf(underWine && 'Wine reports a reset peer to recv as EOF (0), not WSAECONNRESET: scripts/wine/repro.c, "reset"')("a peer reset mid-read is an 'error' with code 'connection_reset'", async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  duplex.resume()
  peer.resetAndDestroy()
  const [err] = (await once(duplex, 'error')) as [socket.SocketDuplexError]
  t.is(err.code, 'connection_reset')
  t.is(err.syscall, 'recv')
  await closed(duplex)
})

test("setTimeout: 'timeout' after idle ms, postponed by activity, off with 0; the duplex stays open", async (t) => {
  const [duplex, peer] = await duplexToNet(t)
  const timeout = 300
  let fired = 0
  // When data arrived: each arrival restarts the idle period.
  let lastData = performance.now()
  let maxGap = 0
  duplex.on('data', () => {
    const now = performance.now()
    maxGap = Math.max(maxGap, now - lastData)
    lastData = now
  })
  let callbacks = 0
  duplex.on('timeout', () => fired++)
  duplex.setTimeout(timeout, () => callbacks++) // a once listener, as net.Socket's
  // Activity every 30 ms for 600 ms keeps it quiet.
  for (let i = 0; i < 20; i++) {
    peer.write('.')
    await sleep(30)
  }
  if (maxGap < timeout) t.is(fired, 0, 'activity postponed the timeout')
  else t.log(`the machine stalled: ${Math.round(maxGap)} ms between arrivals, so the timeout may fire`)
  await once(duplex, 'timeout')
  t.true(performance.now() - lastData >= timeout - 5, 'a full idle period after the last arrival')
  t.false(duplex.destroyed)
  // Once per idle period: no second 'timeout' without activity…
  const afterFirst = fired
  await sleep(2.5 * timeout)
  t.is(fired, afterFirst, 'one timeout per idle period')
  // …and activity starts a new one.
  peer.write('.')
  await once(duplex, 'timeout')
  t.is(fired, afterFirst + 1)
  t.is(callbacks, 1, "setTimeout's callback ran once")
  duplex.setTimeout(0)
  const count = fired
  peer.write('.')
  await sleep(2 * timeout)
  t.is(fired, count, 'off')
  t.is(duplex.timeout, 0)
})

test('unref: an idle duplex does not keep the process alive; ref does', async (t) => {
  const unrefed = await runFixture('duplex-unref.ts', { args: ['unref'], timeoutMs: 20_000 })
  t.is(unrefed.code, 0, unrefed.stderr)
  t.false(unrefed.killed)
  t.regex(unrefed.stdout, /idle, unref'd/)
  const refed = await runFixture('duplex-unref.ts', { args: ['ref'], timeoutMs: 20_000, killAfterOutputMs: 1500 })
  t.true(refed.killed, 'a ref’d idle duplex keeps the process alive')
})

test('toDuplex refuses a closed socket; connectDuplex needs an options object', (t) => {
  const [s] = socket.tcp()
  s!.close()
  t.throws(() => s!.toDuplex(), { message: /closed/ })
  t.throws(() => socket.connectDuplex(null as unknown as socket.ConnectDuplexOptions), { instanceOf: TypeError })
})

// ---- node:http served from a socket2 listener ----------------------------------

/**
 * Why the tests whose client is Node's fetch skip under Wine: undici turns
 * keepalive on before it connects, libuv then sets `TCP_KEEPALIVE` on the
 * new socket, which Wine refuses (scripts/wine/repro.c, "keepidle"), and
 * node:net's connect fails with `UNKNOWN` against any server, node:net's own
 * too. Our side of these tests (node:http on socket2) runs under Wine in
 * the http.Agent and keepAliveTimeout tests.
 */
const FETCH_UNDER_WINE =
  underWine && "Wine refuses TCP_KEEPALIVE, which libuv sets for undici's fetch before it connects: node:net's connect fails (scripts/wine/repro.c, \"keepidle\")"

/** The test server's handler: GET → a body of `?size` bytes; POST → the body's sha256 and length. */
const echoHandler: http.RequestListener = (req, res) => {
  if (req.method === 'POST') {
    const hash = createHash('sha256')
    let length = 0
    req.on('data', (d: Buffer) => {
      hash.update(d)
      length += d.length
    })
    req.on('end', () => res.end(JSON.stringify({ sha256: hash.digest('hex'), length, remote: req.socket.remoteAddress })))
    return
  }
  const size = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('size') ?? 5)
  res.setHeader('content-type', 'application/octet-stream')
  res.end(Buffer.alloc(size, 'a'))
}

const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0
if (!hasCurl) console.log('duplex.spec: skipping the curl test: curl is not installed')

;(hasCurl ? test : test.skip)('node:http over socket2, hit by curl: keep-alive over one connection, a multi-MB POST byte-exact', async (t) => {
  const { port, duplexes } = await httpOverSocket2(t, echoHandler)
  const dir = tempDir(t)
  const body = randomBytes(5 * 1024 * 1024 + 17)
  writeFileSync(join(dir, 'body'), body)
  const base = `http://127.0.0.1:${port}`
  // Three URLs on one command line: curl reuses the connection.
  const out = await run('curl', ['-sS', '--fail', `${base}/?size=3`, `${base}/?size=2`, `${base}/?size=1000000`, '-w', '%{num_connects} %{size_download}\n'])
  const lines = out.split('\n').filter((l) => /^\d+ \d+$/.test(l.replace(/^a*/, '')))
  t.is(out.match(/ 3\n/g)?.length, 1, out.slice(0, 200))
  t.true(out.includes('0 1000000\n'), 'the third request reused the connection')
  t.true(lines.length >= 1)
  t.is(duplexes.length, 1, 'one connection for three requests')
  const posted = JSON.parse(await run('curl', ['-sS', '--fail', '--data-binary', `@${join(dir, 'body')}`, `${base}/upload`])) as {
    sha256: string
    length: number
    remote: string
  }
  t.is(posted.length, body.length)
  t.is(posted.sha256, sha256(body))
  t.is(posted.remote, '127.0.0.1')
})

skipIf(FETCH_UNDER_WINE)("node:http over socket2, hit by Node's fetch: keep-alive, several requests, POST bodies byte-exact", async (t) => {
  const { port, duplexes } = await httpOverSocket2(t, echoHandler)
  const base = `http://127.0.0.1:${port}`
  for (let i = 0; i < 5; i++) {
    const res = await fetch(`${base}/?size=${1000 * i + 1}`)
    t.is(res.status, 200)
    t.is((await res.arrayBuffer()).byteLength, 1000 * i + 1)
  }
  for (const size of [0, 1, 65_536, 3 * 1024 * 1024 + 5]) {
    const body = randomBytes(size)
    const res = await fetch(`${base}/upload`, { method: 'POST', body })
    const got = (await res.json()) as { sha256: string; length: number }
    t.is(got.length, size)
    t.is(got.sha256, sha256(body))
  }
  // undici opens a second connection for the second request (it does the
  // same against node:net), then keeps reusing them.
  t.true(duplexes.length <= 2, `fetch made ${duplexes.length} connections for nine requests`)
})

test('node:http client: a keep-alive http.Agent on socket2 connections (connectDuplex)', async (t) => {
  // The server is plain node:http on node:net: a real peer.
  const server = http.createServer(echoHandler)
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => server.close())
  const port = (server.address() as net.AddressInfo).port
  const made: socket.SocketDuplex[] = []
  class Socket2Agent extends http.Agent {
    override createConnection(options: socket.ConnectDuplexOptions): socket.SocketDuplex {
      const duplex = socket.connectDuplex(options)
      made.push(duplex)
      return duplex
    }
  }
  const agent = new Socket2Agent({ keepAlive: true, maxSockets: 2 })
  t.teardown(() => agent.destroy())
  const request = (path: string, body?: Buffer): Promise<{ status: number; data: Buffer; local: number | undefined }> =>
    new Promise((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port, path, agent, method: body ? 'POST' : 'GET' }, (res) => {
        const local = (res.socket as unknown as socket.SocketDuplex).localPort
        readAll(res).then((data) => resolve({ status: res.statusCode!, data, local }), reject)
      })
      req.on('error', reject)
      req.end(body)
    })
  const locals = new Set<number | undefined>()
  for (let i = 0; i < 6; i++) {
    const r = await request(`/?size=${i * 7000}`)
    t.is(r.status, 200)
    t.is(r.data.length, i * 7000)
    locals.add(r.local)
  }
  const body = randomBytes(4 * 1024 * 1024)
  const posted = JSON.parse((await request('/upload', body)).data.toString()) as { sha256: string; length: number }
  t.is(posted.sha256, sha256(body))
  // Concurrent requests: at most maxSockets connections.
  const many = await Promise.all(Array.from({ length: 8 }, (_, i) => request(`/?size=${i}`)))
  t.deepEqual(
    many.map((r) => r.data.length),
    [0, 1, 2, 3, 4, 5, 6, 7],
  )
  t.is(locals.size, 1, 'sequential requests reused one connection')
  t.true(made.length <= 2, `${made.length} connections`)
  agent.destroy()
  await Promise.all(made.map((d) => closed(d)))
})

test("node:http tracks given connections after emit('listening'): headersTimeout cuts a slow client, closeAllConnections closes", async (t) => {
  const { port, duplexes, server } = await httpOverSocket2(t, echoHandler, {
    headersTimeout: 300,
    requestTimeout: 600,
    connectionsCheckingInterval: 50,
  })
  // A client that sends half a request line and then nothing.
  const slow = socket.connectDuplex({ host: '127.0.0.1', port })
  slow.write('GET / HT')
  const started = performance.now()
  const reply = await readAll(slow)
  const waited = performance.now() - started
  t.regex(reply.toString(), /^HTTP\/1\.1 408/, 'node:http answered 408 Request Timeout')
  t.true(waited >= 250 && waited < 5000, `after ${Math.round(waited)} ms`)
  await closed(slow)
  // An idle keep-alive connection (one request answered, the connection
  // kept): closeAllConnections closes our duplex. The client is a duplex
  // too, not fetch, so this runs under Wine as well (FETCH_UNDER_WINE).
  const client = socket.connectDuplex({ host: '127.0.0.1', port })
  const clientClosed = closed(client)
  let response = ''
  const answered = new Promise<void>((resolve) =>
    client.on('data', (chunk: Buffer) => {
      response += chunk.toString()
      if (response.endsWith('\r\n\r\na')) resolve()
    }),
  )
  client.write('GET /?size=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')
  await answered
  t.regex(response, /^HTTP\/1\.1 200 /)
  t.regex(response, /\r\nconnection: keep-alive\r\n/i)
  const last = duplexes[duplexes.length - 1]
  t.false(last.destroyed)
  server.closeAllConnections()
  t.true(last.destroyed)
  await closed(last)
  t.true(last.socket.isClosed())
  await clientClosed
})

/** Runs an example with tsx, bounded; resolves with its stdout. */
function runExample(name: string, args: string[] = []): Promise<string> {
  return run(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'examples', name), ...args], 30_000)
}

skipIf(underWine && `it runs the example with tsx, which has no Windows binary here; its client is fetch (${FETCH_UNDER_WINE})`)('examples/http-server.ts: its demo serves node:http from socket2 to fetch and exits', async (t) => {
  const out = await runExample('http-server.ts')
  t.regex(out, /^http:\/\/127\.0\.0\.1:\d+\/\n200 GET \/demo: 0 bytes from 127\.0\.0\.1\n200 POST \/demo: 100000 bytes from 127\.0\.0\.1\n200 GET/)
})

const hasOpenssl = spawnSync('openssl', ['version'], { stdio: 'ignore' }).status === 0
if (!hasOpenssl) console.log('duplex.spec: skipping the https-agent example: openssl is not installed (it makes the certificate)')
;(hasOpenssl ? test : test.skip)('examples/https-agent.ts: its demo (needs openssl for the certificate) makes 3 requests over 1 connection', async (t) => {
  const out = await runExample('https-agent.ts')
  t.is(out.match(/^200 hello over TLS/gm)?.length, 3, out)
  t.regex(out, /1 socket2 connection\(s\) for 3 requests/)
})

test("node:http's keepAliveTimeout closes an idle keep-alive duplex (through setTimeout and 'timeout')", async (t) => {
  const { port, duplexes } = await httpOverSocket2(t, echoHandler, { keepAliveTimeout: 200 })
  const client = socket.connectDuplex({ host: '127.0.0.1', port })
  t.teardown(() => client.destroy())
  const reply = readAll(client)
  client.write('GET /?size=2 HTTP/1.1\r\nHost: x\r\n\r\n')
  const started = performance.now()
  // The server answers, keeps the connection, then closes it once idle.
  const text = (await reply).toString()
  const waited = performance.now() - started
  t.regex(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\naa$/)
  t.regex(text, /\r\nConnection: keep-alive\r\n/i, 'a keep-alive response: the server closed it later, idle')
  t.true(waited >= 150, `closed after ${Math.round(waited)} ms`)
  t.is(duplexes.length, 1)
  await closed(duplexes[0])
  t.true(duplexes[0].socket.isClosed())
})
