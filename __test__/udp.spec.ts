// UDP sockets over IPv4 and IPv6 loopback: datagrams to host/port, to
// address lists and to reusable `sockaddr()` objects; sender addresses;
// truncation; connect/disconnect; deadlines and close.

import { constants } from 'node:os'

import test from 'ava'

import * as socket from '../index'
import { boundUdp, checkLeaksAtEnd, ok, portOf } from './helpers'

checkLeaksAtEnd(test)

const bound = boundUdp

test('udp(): type, family, protocol; bad arguments throw at the call', (t) => {
  const s = ok(socket.udp())
  t.is(s.type(), 'udp')
  t.is(s.family(), 'inet')
  t.is(s.protocol(), 'udp')
  t.true(s instanceof socket.UdpSocket)
  t.true(s instanceof socket.DatagramSocket)
  s.close()
  const s6 = ok(socket.udp('inet6', 'udp'))
  t.is(s6.family(), 'inet6')
  t.is(s6.protocol(), 'udp')
  s6.close()
  t.throws(() => socket.udp('ipx' as never), { instanceOf: TypeError })
  t.throws(() => socket.udp('inet', 'bogus' as never), { instanceOf: TypeError })
})

test('a datagram to host, port; the reply to the sender address that recv filled in', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t, 'inet', '127.0.0.1')
  const port = portOf(server)

  t.deepEqual(await client.send(Buffer.from('ping'), null, '127.0.0.1', port), [4])
  const buf = Buffer.alloc(64)
  const from = socket.sockaddr()
  t.is(from.family(), null)
  t.is(from.toString(), '')
  const [n, err] = await server.recv(buf, null, from)
  if (err) return t.fail(err)
  t.is(buf.toString('utf8', 0, n), 'ping')
  t.is(from.family(), 'inet')
  t.is(from.ip(), '127.0.0.1')
  t.is(from.port(), portOf(client))
  t.is(from.path(), null)
  t.is(from.toString(), `127.0.0.1:${portOf(client)}`)

  t.deepEqual(await server.send(Buffer.from('pong!'), 5, from), [5])
  const back = socket.sockaddr()
  const [m] = await client.recv(buf, 64, back)
  t.is(buf.toString('utf8', 0, m!), 'pong!')
  t.is(back.toString(), `127.0.0.1:${port}`)
})

test('IPv6 on ::1: send, recv, sender address', async (t) => {
  const server = await bound(t, 'inet6', '::1')
  const client = await bound(t, 'inet6', '::1')
  t.deepEqual(await client.send(Buffer.from('six'), null, '::1', portOf(server)), [3])
  const buf = Buffer.alloc(16)
  const from = socket.sockaddr()
  const [n] = await server.recv(buf, null, from)
  t.is(buf.toString('utf8', 0, n!), 'six')
  t.is(from.family(), 'inet6')
  t.is(from.ip(), '::1')
  t.is(from.toString(), `[::1]:${portOf(client)}`)
})

test('one sockaddr reused across receives from two senders tracks each sender', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const a = await bound(t, 'inet', '127.0.0.1')
  const b = await bound(t, 'inet', '127.0.0.1')
  const from = socket.sockaddr()
  const buf = Buffer.alloc(8)
  const seen: Array<[string, number | null]> = []
  for (const [sender, text] of [[a, 'a1'], [b, 'b1'], [a, 'a2']] as const) {
    ok(await sender.send(Buffer.from(text), null, '127.0.0.1', portOf(server)))
    const n = ok(await server.recv(buf, null, from))
    seen.push([buf.toString('utf8', 0, n), from.port()])
  }
  t.deepEqual(seen, [
    ['a1', portOf(a)],
    ['b1', portOf(b)],
    ['a2', portOf(a)],
  ])
})

test('send to an address list entry and to a sockaddr() copy of one', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  const ai = ok(socket.addr('127.0.0.1', portOf(server), 'udp', 'inet'))
  t.deepEqual(await client.send(Buffer.from('ai'), null, ai), [2])
  const to = socket.sockaddr(ai)
  t.is(to.toString(), `127.0.0.1:${portOf(server)}`)
  ai.free()
  t.throws(() => socket.sockaddr(ai), { instanceOf: TypeError })
  t.deepEqual(await client.send(Buffer.from('sa'), null, to), [2])
  t.is(socket.sockaddr(to).toString(), to.toString())
  const buf = Buffer.alloc(8)
  t.deepEqual(await server.recv(buf), [2])
  t.is(buf.toString('utf8', 0, 2), 'ai')
  t.deepEqual(await server.recv(buf), [2])
  t.is(buf.toString('utf8', 0, 2), 'sa')
})

test('send to a name resolves it off the loop', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  t.deepEqual(await client.send(Buffer.from('name'), null, 'localhost', portOf(server)), [4])
  const buf = Buffer.alloc(8)
  t.deepEqual(await server.recv(buf), [4])
  const [n, err] = await client.send(Buffer.from('x'), null, 'no-such-host.invalid', 9)
  t.is(n, null)
  t.is(err, 'name_not_found')
})

test('maxlen sends and receives part of a buffer; empty datagrams are datagrams', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  const port = portOf(server)
  t.deepEqual(await client.send(Buffer.from('abcdef'), 3, '127.0.0.1', port), [3])
  t.deepEqual(await client.send(new Uint8Array(0), 0, '127.0.0.1', port), [0])
  const buf = new Uint8Array(16)
  t.deepEqual(await server.recv(buf, 8), [3])
  t.is(Buffer.from(buf.subarray(0, 3)).toString(), 'abc')
  t.deepEqual(await server.recv(buf), [0], 'a zero-length datagram is received as 0, not as a close')
})

test('a datagram longer than maxlen: message_truncated, the start in buf, the rest dropped', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  const port = portOf(server)
  const big = Buffer.alloc(100)
  for (let i = 0; i < big.length; i++) big[i] = i
  ok(await client.send(big, null, '127.0.0.1', port))
  ok(await client.send(Buffer.from('next'), null, '127.0.0.1', port))
  const buf = Buffer.alloc(64)
  const from = socket.sockaddr()
  const [n, err, code] = await server.recv(buf, 10, from)
  t.is(n, null)
  t.is(err, 'message_truncated')
  t.is(code, constants.errno.EMSGSIZE)
  t.deepEqual([...buf.subarray(0, 10)], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.is(buf[10], 0, 'nothing beyond maxlen was written')
  t.is(from.port(), portOf(client), 'the sender is still reported')
  t.deepEqual(await server.recv(buf), [4], 'the next recv gets the next datagram')
  t.is(buf.toString('utf8', 0, 4), 'next')
})

test('a datagram too big for UDP fails with a tuple', async (t) => {
  const client = await bound(t)
  const [n, err, code] = await client.send(Buffer.alloc(70000), null, '127.0.0.1', 9)
  t.is(n, null)
  t.is(typeof err, 'string')
  t.is(code, constants.errno.EMSGSIZE)
})

test('connect() filters to one peer, allows send without an address, and can change peer', async (t) => {
  const a = await bound(t, 'inet', '127.0.0.1')
  const b = await bound(t, 'inet', '127.0.0.1')
  const c = await bound(t, 'inet', '127.0.0.1')
  t.deepEqual(await a.connect('127.0.0.1', portOf(b)), [true])
  t.is(ok(a.remoteAddr()).port(), portOf(b))

  // From c (not the peer): dropped by the kernel. From b: received.
  ok(await c.send(Buffer.from('from c'), null, '127.0.0.1', portOf(a)))
  ok(await b.send(Buffer.from('from b'), null, '127.0.0.1', portOf(a)))
  const buf = Buffer.alloc(16)
  const from = socket.sockaddr()
  const n = ok(await a.recv(buf, null, from))
  t.is(buf.toString('utf8', 0, n), 'from b')
  t.is(from.port(), portOf(b))
  t.deepEqual(await a.recv(buf, null, null, socket.clock() + 0.05), [null, 'timeout'])

  // send(buf, maxlen) goes to the peer.
  t.deepEqual(await a.send(Buffer.from('hi b')), [4])
  t.deepEqual(await b.recv(buf, null, from), [4])
  t.is(from.port(), portOf(a))

  // Connecting again changes the peer, here through a sockaddr.
  const toC = socket.sockaddr(ok(c.localAddr()))
  t.deepEqual(await a.connect(toC), [true])
  t.is(ok(a.remoteAddr()).port(), portOf(c))
  t.deepEqual(await a.send(Buffer.from('hi c'), 4, socket.clock() + 1), [4])
  t.deepEqual(await c.recv(buf), [4])
  t.is(buf.toString('utf8', 0, 4), 'hi c')
})

test('disconnect() makes a connected socket receive from anyone again', async (t) => {
  const a = await bound(t, 'inet', '127.0.0.1')
  const b = await bound(t, 'inet', '127.0.0.1')
  const c = await bound(t, 'inet', '127.0.0.1')
  const port = portOf(a)
  ok(await a.connect('127.0.0.1', portOf(b)))
  t.deepEqual(a.disconnect(), [true])
  t.is(a.remoteAddr()[1], 'not_connected')
  t.is(ok(a.localAddr()).toString(), `127.0.0.1:${port}`, 'the local address and port are kept')
  ok(await c.send(Buffer.from('c'), null, '127.0.0.1', portOf(a)))
  const buf = Buffer.alloc(4)
  const from = socket.sockaddr()
  t.deepEqual(await a.recv(buf, null, from), [1])
  t.is(from.port(), portOf(c))
  // No peer now: a send without an address fails with a tuple.
  const [n, err] = await a.send(Buffer.from('x'))
  t.is(n, null)
  t.is(typeof err, 'string')
})

test('a connected socket learns that nobody listens on the peer port', async (t) => {
  const closed = await bound(t, 'inet', '127.0.0.1')
  const port = portOf(closed)
  closed.close()
  const a = await bound(t)
  ok(await a.connect('127.0.0.1', port))
  ok(await a.send(Buffer.from('anyone?')))
  const [n, err] = await a.recv(Buffer.alloc(8), null, null, socket.clock() + 2)
  t.is(n, null)
  t.is(err, 'connection_refused')
})

test('recv waits until its deadline, or until close', async (t) => {
  const s = await bound(t, 'inet', '127.0.0.1')
  const start = socket.clock()
  t.deepEqual(await s.recv(Buffer.alloc(4), null, null, start + 0.05), [null, 'timeout'])
  t.true(socket.clock() - start >= 0.04)
  const waiting = s.recv(Buffer.alloc(4), null, socket.sockaddr())
  setTimeout(() => s.close(), 10)
  t.deepEqual(await waiting, [null, 'closed'])
  t.deepEqual(await s.send(Buffer.from('x'), null, '127.0.0.1', 9), [null, 'closed'])
  t.deepEqual(s.disconnect(), [null, 'closed'])
  t.deepEqual(await s.connect('127.0.0.1', 9), [null, 'closed'])
})

test('an AbortSignal in place of expires: recv and connected send give up with aborted', async (t) => {
  const s = await bound(t, 'inet', '127.0.0.1')
  const controller = new AbortController()
  const waiting = s.recv(Buffer.alloc(4), null, socket.sockaddr(), controller.signal)
  setTimeout(() => controller.abort(), 10)
  t.deepEqual(await waiting, [null, 'aborted'])
  t.deepEqual(await s.recv(Buffer.alloc(4), null, null, AbortSignal.timeout(20)), [null, 'timeout'])
  ok(await s.connect('127.0.0.1', portOf(s)))
  t.deepEqual(await s.send(Buffer.from('me'), null, new AbortController().signal), [2], 'send(buf, maxlen, signal)')
  t.deepEqual(await s.recv(Buffer.alloc(4), null, null, AbortSignal.timeout(1000)), [2])
})

test('a waiting recv wakes when a datagram arrives', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  const buf = Buffer.alloc(8)
  const waiting = server.recv(buf)
  await new Promise((resolve) => setTimeout(resolve, 20))
  ok(await client.send(Buffer.from('late'), null, '127.0.0.1', portOf(server)))
  t.deepEqual(await waiting, [4])
})

test('misuse throws at the call', (t) => {
  const s = ok(socket.udp())
  t.teardown(() => s.close())
  const buf = Buffer.alloc(4)
  t.throws(() => s.send(buf, 5, '127.0.0.1', 9), { instanceOf: RangeError })
  t.throws(() => s.send(buf, 4, '127.0.0.1', 70000), { instanceOf: RangeError })
  t.throws(() => s.send('text' as never, 4, '127.0.0.1', 9), { instanceOf: TypeError })
  t.throws(() => s.send(buf, 4, '127.0.0.1', 9, 'soon' as never), { instanceOf: TypeError })
  t.throws(() => s.recv(buf, 5), { instanceOf: RangeError })
  t.throws(() => s.recv(buf, 4, {} as never), { instanceOf: TypeError })
  t.throws(() => s.recv(buf, 4, null, 'soon' as never), { instanceOf: TypeError })
  t.throws(() => s.connect(undefined as never), { instanceOf: TypeError })
  t.throws(() => socket.sockaddr('127.0.0.1' as never), { instanceOf: TypeError })
})

test('many datagrams in a burst all arrive in order over loopback', async (t) => {
  const server = await bound(t, 'inet', '127.0.0.1')
  const client = await bound(t)
  const to = socket.sockaddr(ok(server.localAddr()))
  const count = 200
  const out = Buffer.alloc(4)
  for (let i = 0; i < count; i++) {
    out.writeUInt32BE(i)
    t.deepEqual(await client.send(out, 4, to), [4])
  }
  const buf = Buffer.alloc(4)
  const from = socket.sockaddr()
  for (let i = 0; i < count; i++) {
    const [n, err] = await server.recv(buf, 4, from, socket.clock() + 2)
    if (err) return t.fail(`datagram ${i}: ${err}`)
    t.is(n, 4)
    if (buf.readUInt32BE() !== i) return t.fail(`datagram ${i} arrived as ${buf.readUInt32BE()}`)
  }
  t.is(from.port(), portOf(client))
})
