// Stream helpers on TCP sockets: shutdown (half-close), sendall/recvall
// (all the bytes, or the count moved before a failure), and what close()
// sends. (RST on close, with unread data or linger 0: errors.spec.ts.)

import test from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, ok, pair } from './helpers'

checkLeaksAtEnd(test)

/**
 * The deadline of every wait here: only a guard against a hang (a lost
 * wake-up shows as 'timeout' instead of a stuck test), never a timing
 * bound, so it is generous: a busy 2-core machine running the rest of the
 * suite can hold a process off the CPU for seconds.
 */
function guard(): number {
  return socket.clock() + 30
}

/** Bytes 0..len-1 of a repeating pattern seeded by `seed`. */
function pattern(len: number, seed: number): Buffer {
  const buf = Buffer.alloc(len)
  let x = seed
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0
    buf[i] = x >>> 24
  }
  return buf
}

test("shutdown('w'): the peer reads the data, then 0, and can still send back", async (t) => {
  const [a, b] = await pair(t)
  ok(await a.send(Buffer.from('last words')))
  t.deepEqual(a.shutdown('w'), [true])
  const buf = Buffer.alloc(32)
  t.deepEqual(await b.recvall(buf, 10, guard()), [true])
  t.is(buf.toString('utf8', 0, 10), 'last words')
  t.deepEqual(await b.recv(buf, null, guard()), [0])
  // The other direction still works: half-close.
  t.deepEqual(await b.sendall(Buffer.from('reply')), [true])
  t.deepEqual(await a.recv(buf, null, guard()), [5])
  t.is(buf.toString('utf8', 0, 5), 'reply')
  // Writing after shutdown('w') is an error tuple.
  t.is((await a.send(Buffer.from('x')))[1], 'broken_pipe')
})

test("shutdown('r'): a waiting recv wakes with 0 and later reads return 0; sending still works", async (t) => {
  const [a, b] = await pair(t)
  const buf = Buffer.alloc(8)
  const waiting = b.recv(buf, null, guard())
  await socket.sleep(0.02)
  t.deepEqual(b.shutdown('r'), [true])
  t.deepEqual(await waiting, [0])
  t.deepEqual(await b.recv(buf), [0])
  ok(await b.send(Buffer.from('still')))
  t.deepEqual(await a.recv(buf, null, guard()), [5])
})

test("shutdown('rw') and shutdown(): the peer reads 0; our own recv returns 0", async (t) => {
  const [a, b] = await pair(t)
  t.deepEqual(a.shutdown('rw'), [true])
  const buf = Buffer.alloc(8)
  t.deepEqual(await b.recv(buf, null, guard()), [0])
  t.deepEqual(await a.recv(buf, null, guard()), [0])
  const [c, d] = await pair(t)
  t.deepEqual(c.shutdown(), [true])
  t.deepEqual(await d.recv(buf, null, guard()), [0])
})

test('shutdown: an unconnected socket is not_connected, a closed one closed; a bad direction throws', (t) => {
  const s = ok(socket.tcp())
  t.is(s.shutdown('w')[1], 'not_connected')
  t.throws(() => s.shutdown('x' as never), { instanceOf: TypeError })
  t.throws(() => s.shutdown('read' as never), { instanceOf: TypeError })
  s.close()
  t.deepEqual(s.shutdown('rw'), [null, 'closed'])
})

test('sendall/recvall move 16 MB (more than the socket buffers) byte for byte', async (t) => {
  const [a, b] = await pair(t)
  const size = 16 << 20
  const out = pattern(size, 1)
  const into = Buffer.alloc(size)
  const [sent, received] = await Promise.all([a.sendall(out), b.recvall(into)])
  t.deepEqual(sent, [true])
  t.deepEqual(received, [true])
  t.true(into.equals(out))
})

test('sendall/recvall with len move only buf[0..len]; sendall of 0 is done at once, recvall of 0 is misuse', async (t) => {
  const [a, b] = await pair(t)
  const out = Buffer.from('0123456789')
  t.deepEqual(await a.sendall(out, 4), [true])
  const into = Buffer.alloc(10, '.')
  t.deepEqual(await b.recvall(into, 4, guard()), [true])
  t.is(into.toString(), '0123......')
  t.deepEqual(await a.sendall(out, 0), [true])
  t.throws(() => b.recvall(into, 0), { instanceOf: RangeError })
  // Nothing more was sent: the next byte times out.
  t.deepEqual(await b.recvall(into, 1, socket.clock() + 0.05), [null, 'timeout', undefined, 0])
})

test("recvall: the peer closing first is [null, 'eof', undefined, received], with those bytes in buf", async (t) => {
  const [a, b] = await pair(t)
  t.deepEqual(await a.sendall(Buffer.from('only seven')), [true])
  a.close()
  const into = Buffer.alloc(100)
  const [done, err, code, received] = await b.recvall(into, null, guard())
  t.is(done, null)
  t.is(err, 'eof')
  t.is(code, undefined)
  t.is(received, 10)
  t.is(into.toString('utf8', 0, received), 'only seven')
})

test('sendall to a peer that resets: an error tuple with the OS code and the count that went out', async (t) => {
  const [a, b] = await pair(t)
  ok(b.setopt('linger', 0))
  b.close() // RST
  await socket.sleep(0.02)
  const [done, err, code, sent] = await a.sendall(Buffer.alloc(1 << 20), null, guard())
  t.is(done, null)
  t.true(err === 'connection_reset' || err === 'broken_pipe', String(err))
  t.is(typeof code, 'number')
  t.true(typeof sent === 'number' && sent >= 0 && sent < 1 << 20)
})

test('sendall/recvall narrow on if (err) like every tuple', async (t) => {
  const [a, b] = await pair(t)
  const result = await a.sendall(Buffer.from('abc'))
  const [ok1, err] = result
  if (err) return t.fail(err)
  const isTrue: true = ok1
  t.true(isTrue)
  const [, err2, , got] = await b.recvall(Buffer.alloc(4), 4, socket.clock() + 0.05)
  if (err2) {
    const count: number = got
    t.is(count, 3)
  } else t.fail('recvall of 4 when 3 were sent must fail')
})

test('sendall/recvall misuse throws at the call', (t) => {
  const s = ok(socket.tcp())
  t.teardown(() => s.close())
  t.throws(() => s.sendall('text' as never), { instanceOf: TypeError })
  t.throws(() => s.sendall(Buffer.alloc(2), 3), { instanceOf: RangeError })
  t.throws(() => s.recvall(Buffer.alloc(2), -1), { instanceOf: RangeError })
  t.throws(() => s.recvall(Buffer.alloc(2), 1, 'later' as never), { instanceOf: TypeError })
})

test('close() sends FIN after the queued data: the peer reads every byte, then 0', async (t) => {
  const [a, b] = await pair(t)
  const size = 4 << 20
  const out = pattern(size, 2)
  const into = Buffer.alloc(size + 1)
  // Nobody reads yet: sendall returns once the bytes are queued in the kernel
  // (its buffers grow to hold them), and close() must not drop them.
  const started = socket.clock()
  const reading = (async () => {
    await socket.sleep(0.05)
    return b.recvall(into, size + 1, started + 10)
  })()
  t.deepEqual(await a.sendall(out, null, started + 10), [true])
  a.close()
  const [, err, , received] = await reading
  // The FIN arrives while the reader is still draining data; its one edge
  // must not be lost to a short read (that would stall until the deadline).
  t.true(socket.clock() - started < 5, `EOF seen after ${socket.clock() - started}s`)
  t.is(err, 'eof')
  t.is(received, size)
  t.true(into.subarray(0, size).equals(out))
})
