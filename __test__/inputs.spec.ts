// Input rules (issue #7, item 5): what the API refuses at the call, and the
// input bugs that once slipped through. Each test here failed on the code
// before the fix (see the commit that added it).

import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'

import test from 'ava'

import * as socket from '../index'
import { boundUdp, checkLeaksAtEnd, NO_UNIX_ON_WINDOWS, ok, pair, runFixture, skipIf, tempDir, windows } from './helpers'

checkLeaksAtEnd(test)

/** Every name `Object.prototype` answers to, inherited by any plain object. */
const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__']

/** A Uint8Array whose ArrayBuffer has been transferred away (detached). */
function detached(length = 8): Uint8Array {
  const buf = new Uint8Array(length)
  structuredClone(buf.buffer, { transfer: [buf.buffer] })
  return buf
}

// ---- NUL bytes -------------------------------------------------------------

skipIf(windows && NO_UNIX_ON_WINDOWS)('a NUL inside a Unix path throws TypeError and creates nothing', async (t) => {
  const dir = tempDir(t)
  // Not path.join, which would resolve the '..' segments away.
  const evil = `${dir}/public\0/../../etc/secret`
  const s = ok(socket.tcp('unix'))
  t.teardown(() => s.close())
  t.throws(() => s.listen(evil), { instanceOf: TypeError })
  t.throws(() => s.bind(evil), { instanceOf: TypeError })
  t.throws(() => s.connect(evil), { instanceOf: TypeError })
  const d = ok(socket.udp('unix'))
  t.teardown(() => d.close())
  t.throws(() => d.bind(evil), { instanceOf: TypeError })
  t.throws(() => d.send(Buffer.from('x'), null, evil), { instanceOf: TypeError })
  t.throws(() => d.connect(evil), { instanceOf: TypeError })
  t.throws(() => socket.addr(evil, undefined, 'tcp', 'unix'), { instanceOf: TypeError })
  t.throws(() => socket.lookup(evil, undefined, 'tcp', 'unix'), { instanceOf: TypeError })
  t.throws(() => socket.addr('@abstract\0tail', undefined, 'tcp', 'unix'), { instanceOf: TypeError })
  // Give a wrongly accepted call time to create its file.
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.deepEqual(readdirSync(dir), [], 'nothing may be created')
  t.false(existsSync(join(dir, 'public')))
  // The socket is still usable with a good path.
  ok(await s.listen(join(dir, 'good.sock')))
})

test('a NUL inside a host or service name throws TypeError', (t) => {
  const s = ok(socket.tcp())
  t.teardown(() => s.close())
  t.throws(() => socket.addr('127.0.0.1\0evil', 80), { instanceOf: TypeError })
  t.throws(() => socket.addr('localhost\0', 80, 'tcp'), { instanceOf: TypeError })
  t.throws(() => socket.lookup('localhost\0.example', 80), { instanceOf: TypeError })
  t.throws(() => socket.addr('127.0.0.1', 'http\0x'), { instanceOf: TypeError })
  t.throws(() => s.connect('127.0.0.1\0', 80), { instanceOf: TypeError })
  t.throws(() => s.bind('\0', 0), { instanceOf: TypeError })
})

// ---- names are looked up as own keys only ----------------------------------

test('Object.prototype names are not protocols, types, families, flags or options', (t) => {
  const s = ok(socket.tcp())
  t.teardown(() => s.close())
  for (const name of PROTOTYPE_NAMES) {
    const any = name as never
    t.throws(() => socket.tcp('inet', any), { instanceOf: TypeError }, `tcp protocol ${name}`)
    t.throws(() => socket.udp('inet', any), { instanceOf: TypeError }, `udp protocol ${name}`)
    t.throws(() => socket.raw('inet', any), { instanceOf: TypeError }, `raw protocol ${name}`)
    t.throws(() => socket.tcp(any), { instanceOf: TypeError }, `tcp family ${name}`)
    t.throws(() => socket.addr('127.0.0.1', 80, any), { instanceOf: TypeError }, `addr type ${name}`)
    t.throws(() => socket.addr('127.0.0.1', 80, 'tcp', any), { instanceOf: TypeError }, `addr family ${name}`)
    t.throws(() => socket.addr('127.0.0.1', 80, 'tcp', 'inet', any), { instanceOf: TypeError }, `addr protocol ${name}`)
    t.throws(() => socket.addr('127.0.0.1', 80, 'tcp', 'inet', undefined, any), { instanceOf: TypeError }, `flag ${name}`)
    t.throws(() => socket.addr('127.0.0.1', 80, 'tcp', 'inet', undefined, [any]), { instanceOf: TypeError }, `flags [${name}]`)
    t.throws(() => s.setopt(any, 1 as never), { instanceOf: TypeError }, `setopt ${name}`)
    t.throws(() => s.getopt(any), { instanceOf: TypeError }, `getopt ${name}`)
    t.throws(() => s.shutdown(any), { instanceOf: TypeError }, `shutdown ${name}`)
  }
})

// ---- recv with maxlen 0 on a stream ------------------------------------------

test('recv/recvall with maxlen 0 on a stream socket throw RangeError; the data stays queued', async (t) => {
  const [client, server] = await pair(t)
  ok(await client.send(Buffer.from('queued')))
  const buf = Buffer.alloc(16)
  t.throws(() => server.recv(buf, 0), { instanceOf: RangeError })
  t.throws(() => server.recv(Buffer.alloc(0)), { instanceOf: RangeError })
  t.throws(() => server.recv(buf.subarray(0, 0), null), { instanceOf: RangeError })
  t.throws(() => server.recvall(buf, 0), { instanceOf: RangeError })
  t.throws(() => server.recvall(Buffer.alloc(0)), { instanceOf: RangeError })
  // Sending nothing is harmless and stays allowed; so is a 0 on a datagram socket.
  t.deepEqual(await client.send(buf, 0), [0])
  t.deepEqual(await client.sendall(buf, 0), [true])
  const n = ok(await server.recv(buf, null, socket.clock() + 5))
  t.is(buf.toString('utf8', 0, n), 'queued')
})

test('recv with maxlen 0 on a datagram socket is allowed (an empty datagram is not an end)', async (t) => {
  const a = await boundUdp(t, 'inet', '127.0.0.1')
  const b = await boundUdp(t, 'inet', '127.0.0.1')
  ok(await b.send(Buffer.alloc(0), null, '127.0.0.1', ok(a.localAddr()).port()!))
  t.deepEqual(await a.recv(Buffer.alloc(4), 0, null, socket.clock() + 5), [0])
})

// ---- detached buffers --------------------------------------------------------

test('a detached buffer throws TypeError at the call', async (t) => {
  const [client, server] = await pair(t)
  const u = await boundUdp(t, 'inet', '127.0.0.1')
  for (const buf of [detached(), detached(0)]) {
    t.throws(() => server.recv(buf), { instanceOf: TypeError })
    t.throws(() => server.recv(buf, null), { instanceOf: TypeError })
    t.throws(() => client.send(buf), { instanceOf: TypeError })
    t.throws(() => client.sendall(buf), { instanceOf: TypeError })
    t.throws(() => server.recvall(buf), { instanceOf: TypeError })
    t.throws(() => u.recv(buf), { instanceOf: TypeError })
    t.throws(() => u.send(buf, null, '127.0.0.1', 9), { instanceOf: TypeError })
  }
  // An empty buffer that is not detached is fine where 0 is allowed.
  t.deepEqual(await client.send(new Uint8Array(0)), [0])
})

test('a buffer detached while recv waits rejects with TypeError; the data stays queued', async (t) => {
  const [client, server] = await pair(t)
  const buf = new Uint8Array(16)
  const pending = server.recv(buf, null, socket.clock() + 5)
  structuredClone(buf.buffer, { transfer: [buf.buffer] })
  ok(await client.send(Buffer.from('late')))
  await t.throwsAsync(pending, { instanceOf: TypeError })
  const fresh = Buffer.alloc(16)
  const n = ok(await server.recv(fresh, null, socket.clock() + 5))
  t.is(fresh.toString('utf8', 0, n), 'late')
})

test('a buffer detached while a datagram recv waits rejects with TypeError; the datagram stays queued', async (t) => {
  const a = await boundUdp(t, 'inet', '127.0.0.1')
  const b = await boundUdp(t, 'inet', '127.0.0.1')
  const buf = new Uint8Array(16)
  const pending = a.recv(buf, null, null, socket.clock() + 5)
  structuredClone(buf.buffer, { transfer: [buf.buffer] })
  ok(await b.send(Buffer.from('dgram'), null, '127.0.0.1', ok(a.localAddr()).port()!))
  await t.throwsAsync(pending, { instanceOf: TypeError })
  const fresh = Buffer.alloc(16)
  const n = ok(await a.recv(fresh, null, null, socket.clock() + 5))
  t.is(fresh.toString('utf8', 0, n), 'dgram')
})

// ---- addr / lookup -----------------------------------------------------------

test("addr(host, undefined, 'raw') resolves: raw addresses have no service", async (t) => {
  const list = ok(socket.addr('127.0.0.1', undefined, 'raw'))
  t.is(list.type(), 'raw')
  t.is(list.ip(), '127.0.0.1')
  t.is(list.family(), 'inet')
  list.free()
  const any = ok(socket.addr(false, 0, 'raw'))
  t.is(any.ip(), '0.0.0.0')
  any.free()
  const v6 = ok(socket.addr('::1', null, 'raw', 'inet6'))
  t.is(v6.ip(), '::1')
  v6.free()
  const later = ok(await socket.lookup('localhost', undefined, 'raw'))
  t.is(later.type(), 'raw')
  later.free()
  // A raw address has no port: asking for one is misuse.
  t.throws(() => socket.addr('127.0.0.1', 80, 'raw'), { instanceOf: TypeError })
})

test("the family of addr() and lookup() defaults to 'inet' (an IPv6 literal implies 'inet6')", async (t) => {
  const any = ok(socket.addr(false, 80, 'tcp'))
  t.deepEqual([...any].map((e) => e.family()), ['inet'])
  any.free()
  const local = ok(await socket.lookup('localhost', 80, 'tcp'))
  t.true([...local].every((e) => e.family() === 'inet'))
  local.free()
  const v6 = ok(socket.addr('::1', 80, 'tcp'))
  t.is(v6.family(), 'inet6')
  v6.free()
})

// ---- protocol() ----------------------------------------------------------------

test("protocol() is the protocol the OS uses: 'tcp' and 'udp', not 'ip'", (t) => {
  const cases: Array<[socket.Result<socket.Socket>, string]> = [
    [socket.tcp(), 'tcp'],
    [socket.tcp('inet6'), 'tcp'],
    [socket.tcp('inet', 'tcp'), 'tcp'],
    [socket.tcp('inet', 6), 'tcp'],
    [socket.udp(), 'udp'],
    [socket.udp('inet6', 17), 'udp'],
  ]
  for (const [opened, expected] of cases) {
    const s = ok(opened)
    t.is(s.protocol(), expected)
    s.close()
  }
})

// ---- currentThread() -------------------------------------------------------------

/** Where AsyncLocalStorage rides on async context frames (the error names that cost), else promise hooks. */
function trackingUsesFrames(): boolean {
  const major = Number(process.versions.node.split('.')[0])
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  if (major >= 24) return !flags.includes('--no-async-context-frame')
  return major === 22 && flags.includes('--experimental-async-context-frame')
}

test('currentThread() after trackThreads(): the thread from its first call, across waits, in threads started first; null outside', async (t) => {
  const child = await runFixture('current-thread-first.ts', { args: ['tracked'], timeoutMs: 20_000 })
  t.is(child.code, 0, child.stderr)
  const seen = JSON.parse(child.stdout)
  t.deepEqual(seen, {
    first: 'self',
    afterWait: 'self',
    older: 'self',
    outside: null,
    // Tracking is already on, so a late call changes nothing.
    trackThreadsLate: null,
  })
})

test('currentThread() without trackThreads(): a clear Error naming it, on every runtime, never a guess', async (t) => {
  const child = await runFixture('current-thread-first.ts', { args: ['plain'], timeoutMs: 20_000 })
  t.is(child.code, 0, child.stderr)
  const seen = JSON.parse(child.stdout)
  const cost = trackingUsesFrames()
    ? 'which costs each thread an async context frame (a Map) here'
    : `which on Node ${process.versions.node} slows every await (promise hooks here)`
  const off = { threw: `Error: socket.currentThread() needs thread tracking, ${cost}: call socket.trackThreads() once before starting threads` }
  t.deepEqual(seen, {
    first: off,
    afterWait: off,
    older: off,
    outside: off,
    trackThreadsLate: {
      threw: 'Error: socket.trackThreads() must come before the first socket.newThread(): the threads already started are not tracked',
    },
  })
})
