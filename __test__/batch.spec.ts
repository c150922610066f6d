// Batched datagrams (`recvmany`/`sendmany`: recvmmsg/sendmmsg on Linux, a
// loop elsewhere) and vectored stream sends (`sendv`, `sendall` of several
// buffers): real sockets on loopback, partial batches, batches larger than
// what is queued or than BATCH_MAX, truncation, errors, deadlines, misuse,
// and the fairness budget.

import { constants } from 'node:os'

import test from 'ava'

import * as socket from '../index'
import * as native from '../src/native'
import { TURN_BUDGET } from '../src/scheduler'
import { boundUdp, checkLeaksAtEnd, ok, pair, portOf, recvExactly, whole, windows } from './helpers'

checkLeaksAtEnd(test)

const EMSGSIZE = windows ? 10040 : constants.errno.EMSGSIZE

/** `n` buffers of `size` bytes, an `Int32Array` for their sizes and `n` empty addresses. */
function batch(n: number, size: number): { bufs: Buffer[]; sizes: Int32Array; froms: socket.SockAddr[] } {
  return {
    bufs: Array.from({ length: n }, () => Buffer.alloc(size)),
    sizes: new Int32Array(n),
    froms: Array.from({ length: n }, () => socket.sockaddr()),
  }
}

/** Two bound UDP sockets on 127.0.0.1 and the receiver's address. */
async function udpPair(t: Parameters<typeof boundUdp>[0]): Promise<[socket.UdpSocket, socket.UdpSocket, socket.SockAddr]> {
  const receiver = await boundUdp(t, 'inet', '127.0.0.1')
  const sender = await boundUdp(t, 'inet', '127.0.0.1')
  return [receiver, sender, socket.sockaddr(ok(receiver.localAddr()))]
}

/** Waits until `n` datagrams are queued on `s` (loopback delivers at once, but not in the same tick everywhere). */
async function settle(): Promise<void> {
  await socket.sleep(0.02)
}

test('BATCH_MAX comes from the core', (t) => {
  t.is(typeof socket.BATCH_MAX, 'number')
  t.true(socket.BATCH_MAX >= 16)
})

test('recvmany: a partial batch, lengths and senders; then it waits for the next', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  const out = [Buffer.from('one'), Buffer.from('two!'), Buffer.alloc(0)]
  t.deepEqual(await sender.sendmany(out, null, null, to), [3])
  await settle()
  const { bufs, sizes, froms } = batch(8, 16)
  sizes.fill(99)
  t.deepEqual(await receiver.recvmany(bufs, sizes, froms), [3])
  t.deepEqual([...sizes.subarray(0, 4)], [3, 4, 0, 99], 'only the received entries are written')
  t.is(bufs[0].toString('utf8', 0, 3), 'one')
  t.is(bufs[1].toString('utf8', 0, 4), 'two!')
  for (const from of froms.slice(0, 3)) t.is(from.toString(), `127.0.0.1:${portOf(sender)}`)
  t.is(froms[3].family(), null)
  // Nothing queued: it waits until a datagram comes.
  const waiting = receiver.recvmany(bufs, sizes)
  await socket.sleep(0.02)
  ok(await sender.send(Buffer.from('late'), null, to))
  t.deepEqual(await waiting, [1])
  t.is(sizes[0], 4)
})

test('recvmany: more buffers than BATCH_MAX take BATCH_MAX; the rest comes next', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  const total = socket.BATCH_MAX + 6
  const out = Array.from({ length: total }, (_, i) => Buffer.from(`d${i}`))
  let sent = 0
  while (sent < total) sent += ok(await sender.sendmany(out.slice(sent), null, null, to))
  await settle()
  const { bufs, sizes } = batch(total + 10, 8)
  const first = ok(await receiver.recvmany(bufs, sizes))
  t.is(first, socket.BATCH_MAX)
  const second = ok(await receiver.recvmany(bufs, sizes))
  t.is(second, 6)
  t.is(bufs[5].toString('utf8', 0, sizes[5]), `d${total - 1}`)
})

test('recvmany: a datagram longer than its buffer is -1 in sizes, and the batch goes on', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  ok(await sender.send(Buffer.from('ok'), null, to))
  ok(await sender.send(Buffer.alloc(40, 7), null, to))
  ok(await sender.send(Buffer.from('after'), null, to))
  await settle()
  const { bufs, sizes } = batch(4, 8)
  t.deepEqual(await receiver.recvmany(bufs, sizes), [3])
  t.deepEqual([...sizes.subarray(0, 3)], [2, -1, 5])
  t.deepEqual([...bufs[1]], Array(8).fill(7), 'the truncated datagram’s start is in its buffer')
  t.is(bufs[2].toString('utf8', 0, 5), 'after')
})

test('recvmany: deadlines, AbortSignal and close end the wait with a tuple', async (t) => {
  const [receiver] = await udpPair(t)
  const { bufs, sizes } = batch(4, 8)
  t.deepEqual(await receiver.recvmany(bufs, sizes, null, socket.clock() + 0.05), [null, 'timeout'])
  t.deepEqual(await receiver.recvmany(bufs, sizes, null, AbortSignal.timeout(30)), [null, 'timeout'])
  const controller = new AbortController()
  const aborted = receiver.recvmany(bufs, sizes, null, controller.signal)
  controller.abort()
  t.deepEqual(await aborted, [null, 'aborted'])
  const closing = receiver.recvmany(bufs, sizes)
  receiver.close()
  t.deepEqual(await closing, [null, 'closed'])
  t.deepEqual(await receiver.recvmany(bufs, sizes), [null, 'closed'])
})

test('recvmany/sendmany: misuse throws at the call', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  const { bufs, sizes, froms } = batch(4, 8)
  t.throws(() => receiver.recvmany(Buffer.alloc(4) as never, sizes), { instanceOf: TypeError })
  t.throws(() => receiver.recvmany([], sizes), { instanceOf: RangeError })
  t.throws(() => receiver.recvmany([bufs[0], 'x' as never], sizes), { instanceOf: TypeError })
  t.throws(() => receiver.recvmany(bufs, new Uint32Array(4) as never), { instanceOf: TypeError })
  t.throws(() => receiver.recvmany(bufs, new Int32Array(3)), { instanceOf: RangeError })
  t.throws(() => receiver.recvmany(bufs, sizes, froms.slice(0, 2)), { instanceOf: RangeError })
  t.throws(() => receiver.recvmany(bufs, sizes, [1, 2, 3, 4] as never), { instanceOf: TypeError })
  t.throws(() => receiver.recvmany(bufs, sizes, null, 'soon' as never), { instanceOf: TypeError })
  t.throws(() => sender.sendmany(bufs, null, 0, to), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, null, 5, to), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, null, 1.5, to), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, Int32Array.of(1, 2, 9, 0), null, to), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, Int32Array.of(1, -1, 0, 0), null, to), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, null, null, [to, to]), { instanceOf: RangeError })
  t.throws(() => sender.sendmany(bufs, null, 2, [to, 'x' as never]), { instanceOf: TypeError })
})

test('recvmany: buffers may overlap (the OS fills them in order) and share an ArrayBuffer', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  const sizes = new Int32Array(2)
  const whole = Buffer.alloc(16)
  ok(await sender.send(Buffer.from('abcdef'), null, to))
  ok(await sender.send(Buffer.from('XY'), null, to))
  await settle()
  t.deepEqual(await receiver.recvmany([whole.subarray(0, 8), whole.subarray(4, 12)], sizes), [2])
  t.deepEqual([...sizes], [6, 2])
  t.is(whole.toString('latin1', 0, 6), 'abcdXY', 'the second datagram landed over the end of the first')
  ok(await sender.send(Buffer.from('1'), null, to))
  ok(await sender.send(Buffer.from('2'), null, to))
  await settle()
  t.deepEqual(await receiver.recvmany([whole.subarray(0, 8), whole.subarray(8, 16)], sizes), [2])
  t.is(whole.toString('latin1', 0, 1) + whole.toString('latin1', 8, 9), '12')
})

test('recvmany: a buffer detached while the call waits rejects with TypeError, nothing lost', async (t) => {
  const [receiver, sender, to] = await udpPair(t)
  const victim = new Uint8Array(new ArrayBuffer(8))
  const sizes = new Int32Array(2)
  const waiting = receiver.recvmany([new Uint8Array(8), victim], sizes)
  structuredClone(victim.buffer, { transfer: [victim.buffer] })
  ok(await sender.send(Buffer.from('kept'), null, to))
  await t.throwsAsync(waiting, { instanceOf: TypeError })
  const buf = Buffer.alloc(8)
  t.deepEqual(await receiver.recv(buf, null, null, socket.clock() + 1), [4])
})

test('sendmany: to one address, to one address each, to host/port, to the connected peer; sizes and count', async (t) => {
  const [a, sender, toA] = await udpPair(t)
  const b = await boundUdp(t, 'inet', '127.0.0.1')
  const toB = socket.sockaddr(ok(b.localAddr()))
  const bufs = [Buffer.from('alpha'), Buffer.from('beta'), Buffer.from('gamma')]
  t.deepEqual(await sender.sendmany(bufs, null, null, [toA, toB, toA]), [3])
  t.deepEqual(await sender.sendmany(bufs, Int32Array.of(1, 2, 3), 2, '127.0.0.1', portOf(b)), [2])
  ok(await sender.connect(toB))
  t.deepEqual(await sender.sendmany(bufs, null, 1), [1])
  await settle()
  const { bufs: into, sizes } = batch(8, 8)
  const textOf = (n: number): string[] => into.slice(0, n).map((buf, i) => buf.toString('utf8', 0, sizes[i]))
  t.deepEqual(textOf(ok(await a.recvmany(into, sizes))), ['alpha', 'gamma'])
  t.deepEqual(textOf(ok(await b.recvmany(into, sizes))), ['beta', 'a', 'be', 'alpha'])
})

test('sendmany: runtime errors are tuples; a failing datagram after the first ends the batch and comes next', async (t) => {
  const [, sender, to] = await udpPair(t)
  // Not connected, no address.
  const [, err] = await sender.sendmany([Buffer.from('x')])
  // POSIX says EDESTADDRREQ; Windows' send on an unconnected UDP socket
  // fails differently (Wine: WSAEINVAL). Either way a tuple, not a throw.
  if (process.platform === 'win32') t.true(err === 'invalid_argument' || err === 'not_connected', String(err))
  else t.is(err, 'destination_address_required')
  const tooBig = Buffer.alloc(70_000)
  t.deepEqual(await sender.sendmany([tooBig], null, null, to), [null, 'message_too_long', EMSGSIZE])
  t.deepEqual(await sender.sendmany([Buffer.from('fine'), tooBig], null, null, to), [1])
  t.deepEqual(await sender.sendmany([tooBig], null, null, to), [null, 'message_too_long', EMSGSIZE])
})

test('a sendmany loop on an always-writable socket yields to the event loop', async (t) => {
  const [, sender, to] = await udpPair(t)
  const bufs = Array.from({ length: 8 }, () => Buffer.alloc(16))
  let calls = 0
  let turns = 0
  let running = true
  const probe = (): void => {
    setImmediate(() => {
      turns++
      if (running) probe()
    })
  }
  probe()
  // The receiver never reads: loopback drops what does not fit, the sender never blocks.
  while (calls < 20 * TURN_BUDGET) {
    ok(await sender.sendmany(bufs, null, null, to))
    calls++
  }
  running = false
  t.true(turns >= calls / (3 * TURN_BUDGET), `${turns} event-loop turns in ${calls} calls`)
})

test('sendv: a header and a body in one call; empty buffers are fine', async (t) => {
  const [client, server] = await pair(t)
  const parts = [Buffer.from('HEAD '), Buffer.alloc(0), Buffer.from('body')]
  t.deepEqual(await client.sendv(parts), [9])
  const buf = Buffer.alloc(9)
  await recvExactly(server, buf)
  t.is(buf.toString(), 'HEAD body')
})

test('sendv: more buffers than fit inline (16) keep their order; the raw binding guards its arguments', async (t) => {
  const [client, server] = await pair(t)
  const parts = Array.from({ length: 40 }, (_, i) => Buffer.from(String.fromCharCode(65 + (i % 26))))
  t.deepEqual(await client.sendv(parts), [40])
  const buf = Buffer.alloc(40)
  await recvExactly(server, buf)
  t.is(buf.toString(), parts.map((p) => p.toString()).join(''))
  // Direct calls past index.ts's checks: a TypeError, never a crash.
  const id = (client as unknown as { state: { id: number } }).state.id
  t.is(typeof id, 'number')
  t.throws(() => native.sendv(id, 'abc' as never, 1, 1, 0, 1), { instanceOf: TypeError })
  // An element that is no longer a Uint8Array: the array changed while the call waited.
  t.is(native.sendv(id, [7 as never], 1, 1, 0, 1), native.DETACHED)
  t.throws(() => (native.sendv as (...args: unknown[]) => number)(id, parts), { instanceOf: TypeError })
  // A total that does not add up (a buffer detached while the call waited): nothing moves.
  t.is(native.sendv(id, parts, parts.length, 41, 0, 41), native.DETACHED)
  // skip and len select the middle of the concatenation, across buffers.
  t.is(native.sendv(id, parts, parts.length, 40, 3, 30), 30)
  const middle = Buffer.alloc(30)
  await recvExactly(server, middle)
  t.is(middle.toString(), buf.toString('latin1', 3, 33))
})

test('an element getter that detaches an earlier buffer: the raw calls answer DETACHED, never touch freed bytes', async (t) => {
  const [client, server] = await pair(t)
  const [udpB, udpA, to] = await udpPair(t)
  const id = (s: unknown): number => (s as { state: { id: number } }).state.id
  /** `[first, second]`, where reading index 1 detaches `first` (its memory is freed). */
  const treacherous = (): { bufs: Uint8Array[]; total: number } => {
    const first = new Uint8Array(4096).fill(0x41)
    const second = new Uint8Array(8).fill(0x42)
    const bufs: Uint8Array[] = [first]
    Object.defineProperty(bufs, 1, {
      enumerable: true,
      get() {
        structuredClone(first.buffer, { transfer: [first.buffer] })
        return second
      },
    })
    return { bufs, total: 4096 + 8 }
  }
  let v = treacherous()
  t.is(native.sendv(id(client), v.bufs, 2, v.total, 0, v.total), native.DETACHED)
  v = treacherous()
  t.is(native.sendMany(id(udpA), v.bufs, 2, v.total, null, null, null), native.DETACHED)
  v = treacherous()
  t.is(native.recvMany(id(udpB), v.bufs, 2, v.total, new Int32Array(2), null), native.DETACHED)
  // A buffer getter that detaches the sizes; a destination getter that detaches a buffer.
  const sizes = new Int32Array(2)
  const bufs = [new Uint8Array(8)]
  Object.defineProperty(bufs, 1, {
    get() {
      structuredClone(sizes.buffer, { transfer: [sizes.buffer] })
      return new Uint8Array(8)
    },
  })
  t.is(native.recvMany(id(udpB), bufs, 2, 16, sizes, null), native.DETACHED)
  const first = new Uint8Array(4096)
  const tos = [to]
  Object.defineProperty(tos, 1, {
    get() {
      structuredClone(first.buffer, { transfer: [first.buffer] })
      return to
    },
  })
  t.is(native.sendMany(id(udpA), [first, new Uint8Array(8)], 2, 4096 + 8, null, null, tos), native.DETACHED)
  // Nothing went out on the stream.
  t.deepEqual(await server.recv(Buffer.alloc(16), null, socket.clock() + 0.05), [null, 'timeout'])
})

test('sendall of several buffers: partial writes resume in the right place; len cuts the concatenation', async (t) => {
  const [client, server] = await pair(t)
  const big = Buffer.alloc(3 << 20)
  for (let i = 0; i < big.length; i++) big[i] = i % 251
  const parts = [Buffer.from('<'), big, Buffer.from('>'), Buffer.from('cut here')]
  const total = 1 + big.length + 1 + 3
  const sending = client.sendall(parts, total)
  const into = Buffer.alloc(total)
  await recvExactly(server, into)
  whole(await sending)
  t.is(into[0], '<'.charCodeAt(0))
  t.true(into.subarray(1, 1 + big.length).equals(big))
  t.is(into.toString('latin1', 1 + big.length), '>cut')
  t.throws(() => client.sendall(parts, total + 100), { instanceOf: RangeError })
  t.throws(() => client.sendall([Buffer.from('a'), 7 as never]), { instanceOf: TypeError })
  t.throws(() => client.sendv([]), { instanceOf: RangeError })
  t.throws(() => client.sendv('abc' as never), { instanceOf: TypeError })
})

test('sendall of several buffers: a failure reports the bytes that went out', async (t) => {
  const [client, server] = await pair(t)
  server.close()
  await socket.sleep(0.02)
  const parts = Array.from({ length: 4 }, () => Buffer.alloc(1 << 20))
  let result = await client.sendall(parts, null, socket.clock() + 2)
  // The first write may still be accepted before the reset comes back.
  if (!result[1]) result = await client.sendall(parts, null, socket.clock() + 2)
  const [, err, , sent] = result
  t.truthy(err)
  t.true(['connection_reset', 'broken_pipe', 'connection_aborted'].includes(err!), String(err))
  t.is(typeof sent, 'number')
  client.close()
  t.deepEqual(await client.sendv(parts), [null, 'closed'])
})
