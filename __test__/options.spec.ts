// Socket options: every option by a round trip (set, then get) or by its
// effect on real loopback sockets; misuse throws at the call; an option the
// socket or OS lacks is an error tuple. (linger 0's effect, close sending
// RST, is in errors.spec.ts; multicast over a real interface in
// multicast.spec.ts.)

import { readFileSync } from 'node:fs'

import type { ExecutionContext } from 'ava'
import test from 'ava'

import * as socket from '../index'
import { optionNames } from '../src/native'
import { OPTION_NAME_TYPE_LIST } from '../src/options'
import { boundUdp, checkLeaksAtEnd, ok, pair, portOf, skipIf, underWine, windows } from './helpers'

checkLeaksAtEnd(test)

function tcp(t: ExecutionContext, family: socket.Family = 'inet'): socket.TcpSocket {
  const s = ok(socket.tcp(family))
  t.teardown(() => s.close())
  return s
}

const udp = boundUdp

/** On Windows: an option Winsock lacks, or socket2 has no call for there, is `not_supported` (sys/options_windows.rs). */
function notOnWindows(t: ExecutionContext, result: socket.Result<unknown>, what: string): void {
  t.is(result[1], 'not_supported', what)
}

/** Sets `name` to each value and reads each back. */
function roundTrip<K extends socket.SetOptionName & socket.GetOptionName>(
  t: ExecutionContext,
  s: socket.Socket,
  name: K,
  values: socket.SetOptions[K][],
): void {
  for (const value of values) {
    t.deepEqual(s.setopt(name, value), [true], `setopt(${name}, ${String(value)})`)
    t.deepEqual(s.getopt(name), [value], `getopt(${name}) after ${String(value)}`)
  }
}

test('boolean options round-trip on TCP: reuseaddr, reuseport, nodelay (= tcp_nodelay), keepalive', (t) => {
  const s = tcp(t)
  for (const name of ['reuseaddr', 'reuseport', 'nodelay', 'keepalive'] as const) {
    if (windows && name === 'reuseport') notOnWindows(t, s.setopt(name, true), 'Windows has no SO_REUSEPORT')
    else roundTrip(t, s, name, [true, false, true])
  }
  ok(s.setopt('nodelay', false))
  t.deepEqual(s.getopt('tcp_nodelay'), [false])
  ok(s.setopt('tcp_nodelay', true))
  t.deepEqual(s.getopt('nodelay'), [true])
})

test('keepalive parameters round-trip; setting one turns keepalive on', (t) => {
  const s = tcp(t)
  t.deepEqual(s.getopt('keepalive'), [false])
  if (windows) {
    // Winsock's idle time and interval are write-only (SIO_KEEPALIVE_VALS).
    ok(s.setopt('keepidle', 30))
    t.deepEqual(s.getopt('keepalive'), [true])
    ok(s.setopt('keepintvl', 5))
    notOnWindows(t, s.getopt('keepidle'), 'getopt(keepidle)')
    notOnWindows(t, s.getopt('keepintvl'), 'getopt(keepintvl)')
    // Wine has no TCP_KEEPCNT (scripts/wine/repro.c, "keepcnt"); Windows 10 1703 and later have.
    if (!underWine) roundTrip(t, s, 'keepcnt', [3, 9])
    return
  }
  roundTrip(t, s, 'keepidle', [30, 7200])
  t.deepEqual(s.getopt('keepalive'), [true])
  roundTrip(t, s, 'keepintvl', [5, 75])
  roundTrip(t, s, 'keepcnt', [3, 9])
})

test('linger round-trips: seconds, 0, and false/null for off', (t) => {
  const s = tcp(t)
  t.deepEqual(s.getopt('linger'), [false])
  roundTrip(t, s, 'linger', [5, 0, false])
  ok(s.setopt('linger', 3))
  t.deepEqual(s.setopt('linger', null), [true])
  t.deepEqual(s.getopt('linger'), [false])
})

test('buffer sizes: rcvbuf and sndbuf read back at least what was set (Linux doubles it); rcvlowat exactly', (t) => {
  const s = tcp(t)
  for (const name of ['rcvbuf', 'sndbuf'] as const) {
    for (const size of [8192, 65536]) {
      ok(s.setopt(name, size))
      const got = ok(s.getopt(name))
      t.true(got >= size && got <= 4 * size, `${name}: set ${size}, got ${got}`)
    }
  }
  if (windows) notOnWindows(t, s.setopt('rcvlowat', 10), 'Winsock has no SO_RCVLOWAT')
  else roundTrip(t, s, 'rcvlowat', [10, 1])
})

test('IPv4 ttl and tos round-trip', (t) => {
  const s = tcp(t)
  roundTrip(t, s, 'ttl', [1, 17, 255])
  roundTrip(t, s, 'tos', [0x10, 0x08, 0])
})

test('IPv6: v6only, ttl (= unicast_hops), tos (traffic class), multicast hops/loop/if', async (t) => {
  const s = await udp(t, 'inet6')
  roundTrip(t, s, 'v6only', [true, false])
  roundTrip(t, s, 'ttl', [9, 64])
  ok(s.setopt('ttl', 33))
  t.deepEqual(s.getopt('unicast_hops'), [33])
  roundTrip(t, s, 'unicast_hops', [12])
  t.deepEqual(s.getopt('ttl'), [12])
  if (windows) notOnWindows(t, s.setopt('tos', 0x20), 'socket2 has no IPV6_TCLASS call on Windows')
  else roundTrip(t, s, 'tos', [0x20, 0])
  roundTrip(t, s, 'multicast_ttl', [3, 1])
  t.deepEqual(s.getopt('multicast_hops'), [1])
  roundTrip(t, s, 'multicast_hops', [7])
  roundTrip(t, s, 'multicast_loop', [false, true])
  roundTrip(t, s, 'multicast_if', [1, 0]) // 1: the loopback interface's index on Linux
})

test('IPv4 UDP: broadcast, multicast_ttl, multicast_loop, multicast_if', async (t) => {
  const s = await udp(t)
  roundTrip(t, s, 'broadcast', [true, false])
  roundTrip(t, s, 'multicast_ttl', [0, 4, 1])
  roundTrip(t, s, 'multicast_loop', [false, true])
  roundTrip(t, s, 'multicast_if', ['127.0.0.1', '0.0.0.0'])
})

test('read-only options: type, acceptconn, error', async (t) => {
  const s = tcp(t)
  t.deepEqual(s.getopt('type'), ['tcp'])
  if (windows) notOnWindows(t, s.getopt('acceptconn'), 'socket2 has no SO_ACCEPTCONN call on Windows')
  else t.deepEqual(s.getopt('acceptconn'), [false])
  t.deepEqual(s.getopt('error'), [null])
  ok(await s.listen('127.0.0.1', 0))
  if (!windows) t.deepEqual(s.getopt('acceptconn'), [true])
  const u = await udp(t)
  t.deepEqual(u.getopt('type'), ['udp'])
})

test('error: a refused datagram leaves SO_ERROR pending; reading it clears it', async (t) => {
  const gone = await udp(t, 'inet', '127.0.0.1')
  const port = portOf(gone)
  gone.close()
  const s = await udp(t, 'inet', '127.0.0.1')
  ok(await s.connect('127.0.0.1', port))
  ok(await s.send(Buffer.from('anyone?')))
  // The ICMP port-unreachable comes back through loopback at once; poll briefly.
  let pending: socket.ErrorName | null = null
  for (let i = 0; i < 50 && pending === null; i++) {
    await socket.sleep(0.01)
    pending = ok(s.getopt('error'))
  }
  t.is(pending, 'connection_refused')
  // Wine keeps reporting it (scripts/wine/repro.c, "udp_refused"); Linux
  // clears it on the read, and so should Windows.
  if (!underWine) t.deepEqual(s.getopt('error'), [null])
})

skipIf(
  windows && 'Windows lets a bind take the port of a TIME_WAIT connection without SO_REUSEADDR (which means more there)',
)('effect of reuseaddr: a server restarts on the port of a connection in TIME_WAIT', async (t) => {
  // Linux lets a bind share the port of a TIME_WAIT connection only when
  // both set reuseaddr; the connection inherits it from the listener.
  const server = tcp(t)
  ok(server.setopt('reuseaddr', true))
  ok(await server.listen('127.0.0.1', 0))
  const port = portOf(server)
  const client = tcp(t)
  const accepted = server.accept()
  ok(await client.connect('127.0.0.1', port))
  const conn = ok(await accepted)
  server.close()
  // The server side closes first, so its end (port `port`) goes to TIME_WAIT.
  conn.close()
  t.deepEqual(await client.recv(Buffer.alloc(1)), [0])
  client.close()

  const plain = tcp(t)
  const [, err] = await plain.bind('127.0.0.1', port)
  t.is(err, 'address_already_in_use', 'without reuseaddr the TIME_WAIT connection holds the port')
  const reusing = tcp(t)
  ok(reusing.setopt('reuseaddr', true))
  t.deepEqual(await reusing.bind('127.0.0.1', port), [true])
  t.deepEqual(await reusing.listen(), [true])
})

skipIf(windows && 'Windows has no SO_REUSEPORT')('effect of reuseport: two sockets bind one port only when both set it', async (t) => {
  const first = await udp(t)
  ok(first.setopt('reuseport', true))
  ok(await first.bind('127.0.0.1', 0))
  const port = portOf(first)
  const without = await udp(t)
  t.is((await without.bind('127.0.0.1', port))[1], 'address_already_in_use')
  const second = await udp(t)
  ok(second.setopt('reuseport', true))
  t.deepEqual(await second.bind('127.0.0.1', port), [true])
})

skipIf(windows && 'Winsock has no SO_RCVLOWAT')('effect of rcvlowat: a waiting recv is not woken until that many bytes are there', async (t) => {
  const [a, b] = await pair(t)
  ok(b.setopt('rcvlowat', 10))
  const buf = Buffer.alloc(64)
  let started = socket.clock()
  const early = b.recv(buf, null, started + 0.3)
  ok(await a.send(Buffer.from('12345')))
  // 5 bytes are below the mark: no wake-up; at the deadline the last try reads them.
  t.deepEqual(await early, [5])
  t.true(socket.clock() - started >= 0.29, `woken after ${socket.clock() - started}s, before the deadline`)
  started = socket.clock()
  const late = b.recv(buf, null, started + 5)
  ok(await a.send(Buffer.from('0123456789')))
  t.deepEqual(await late, [10])
  t.true(socket.clock() - started < 2.5, 'woken as soon as 10 bytes were there')
  t.is(buf.toString('utf8', 0, 10), '0123456789')
})

test('effect of broadcast: sending to the loopback broadcast address needs it (access_denied without)', async (t) => {
  // Bound to the broadcast address of lo's 127.0.0.0/8: receives only broadcasts there.
  const receiver = await udp(t, 'inet', '127.255.255.255')
  const port = portOf(receiver)
  const sender = await udp(t, 'inet', '127.0.0.1')
  const [, err, code] = await sender.send(Buffer.from('x'), null, '127.255.255.255', port)
  t.is(err, 'access_denied')
  t.is(typeof code, 'number')
  ok(sender.setopt('broadcast', true))
  t.deepEqual(await sender.send(Buffer.from('to all'), null, '127.255.255.255', port), [6])
  const buf = Buffer.alloc(16)
  const [n] = await receiver.recv(buf, null, null, socket.clock() + 2)
  t.is(buf.toString('utf8', 0, n!), 'to all')
})

/** The IPv4 groups the kernel lists for `lo` (from /proc/net/igmp), as dotted quads. */
function loopbackGroups(): string[] {
  const lines = readFileSync('/proc/net/igmp', 'utf8').split('\n')
  const groups: string[] = []
  let onLo = false
  for (const line of lines) {
    if (/^\d+\s/.test(line)) onLo = /^\d+\s+lo\s/.test(line)
    else if (onLo) {
      const hex = line.trim().split(/\s+/)[0]
      // Little-endian hex on x86: bytes in reverse order.
      if (hex !== undefined && /^[0-9A-F]{8}$/.test(hex)) groups.push(hex.match(/../g)!.reverse().map((b) => parseInt(b, 16)).join('.'))
    }
  }
  return groups
}

test('effect of IPv4 add_membership/drop_membership on loopback: datagrams to the group arrive only while joined', async (t) => {
  const group = '239.7.7.7'
  const receiver = await udp(t)
  ok(await receiver.bind(group, 0)) // bound to the group: receives nothing else
  const port = portOf(receiver)
  t.deepEqual(receiver.setopt('add_membership', { group, interface: '127.0.0.1' }), [true])
  if (process.platform === 'linux') t.true(loopbackGroups().includes(group), 'the kernel lists the group on lo')

  const sender = await udp(t, 'inet', '127.0.0.1')
  ok(sender.setopt('multicast_if', '127.0.0.1'))
  ok(sender.setopt('multicast_loop', true))
  ok(sender.setopt('multicast_ttl', 0)) // never beyond this host
  const buf = Buffer.alloc(32)
  t.deepEqual(await sender.send(Buffer.from('to the group'), null, group, port), [12])
  const [n, err] = await receiver.recv(buf, null, null, socket.clock() + 2)
  if (err) return t.fail(`no multicast delivery on loopback: ${err}`)
  t.is(buf.toString('utf8', 0, n), 'to the group')

  t.deepEqual(receiver.setopt('drop_membership', { group, interface: '127.0.0.1' }), [true])
  if (process.platform === 'linux') t.false(loopbackGroups().includes(group))
  ok(await sender.send(Buffer.from('anyone?'), null, group, port))
  t.deepEqual(await receiver.recv(buf, null, null, socket.clock() + 0.2), [null, 'timeout'])
  // Leaving a group not joined is the OS's refusal, as a tuple (Wine's is
  // WSAEINVAL: scripts/wine/repro.c, "option_errors"; Windows' own not seen yet).
  const refusal = receiver.setopt('drop_membership', { group, interface: '127.0.0.1' })[1]
  t.is(refusal, underWine ? 'invalid_argument' : 'address_not_available')
})

test('IPv6 add_membership/drop_membership on loopback (index 1): joined, listed, left', async (t) => {
  const group = 'ff02::1:2:3'
  const s = await udp(t, 'inet6')
  t.deepEqual(s.setopt('add_membership', { group, interface: 1 }), [true])
  const listed = (): boolean =>
    readFileSync('/proc/net/igmp6', 'utf8')
      .split('\n')
      .some((line) => /^\d+\s+lo\s+ff020000000000000000000100020003\s/.test(line))
  if (process.platform === 'linux') t.true(listed(), '/proc/net/igmp6 lists the group on lo')
  t.deepEqual(s.setopt('drop_membership', { group, interface: 1 }), [true])
  if (process.platform === 'linux') t.false(listed())
  t.is(s.setopt('drop_membership', { group, interface: 1 })[1], underWine ? 'invalid_argument' : 'address_not_available')
})

test('an option the socket lacks is an error tuple: not_supported with the OS code', async (t) => {
  const u = await udp(t)
  const [value, err, code] = u.setopt('nodelay', true)
  t.is(value, null)
  // Wine refuses TCP_NODELAY on UDP with WSAEINVAL (scripts/wine/repro.c,
  // "option_errors"); Windows' own answer not seen yet.
  t.is(err, underWine ? 'invalid_argument' : 'not_supported')
  t.is(typeof code, 'number')
  t.is(u.getopt('keepidle')[1], 'not_supported')
  if (windows) return // no Unix sockets on Windows
  const unix = tcp(t, 'unix')
  t.is(unix.setopt('ttl', 5)[1], 'not_supported')
})

test('a closed socket: setopt and getopt return [null, "closed"]', (t) => {
  const s = ok(socket.tcp())
  s.close()
  t.deepEqual(s.setopt('nodelay', true), [null, 'closed'])
  t.deepEqual(s.getopt('nodelay'), [null, 'closed'])
})

test('misuse throws at the call: unknown names, wrong value types, out of range, wrong direction', (t) => {
  const s = tcp(t)
  const u = ok(socket.udp('inet6'))
  t.teardown(() => u.close())
  const anyS = s as unknown as { setopt(n: unknown, v?: unknown): unknown; getopt(n: unknown): unknown }
  t.throws(() => anyS.setopt('SO_REUSEADDR', true), { instanceOf: TypeError, message: /unknown socket option/ })
  t.throws(() => anyS.getopt('bogus'), { instanceOf: TypeError })
  t.throws(() => anyS.getopt(7), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('toString', true), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('nodelay', 1), { instanceOf: TypeError, message: /boolean/ })
  t.throws(() => anyS.setopt('rcvbuf', '8k'), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('linger', true), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('ttl', 0), { instanceOf: RangeError })
  t.throws(() => anyS.setopt('ttl', 256), { instanceOf: RangeError })
  t.throws(() => anyS.setopt('rcvbuf', 1.5), { instanceOf: RangeError })
  t.throws(() => anyS.setopt('linger', -1), { instanceOf: RangeError })
  t.throws(() => anyS.setopt('type', 'udp'), { instanceOf: TypeError, message: /read-only/ })
  t.throws(() => anyS.setopt('error', null), { instanceOf: TypeError })
  t.throws(() => anyS.getopt('add_membership'), { instanceOf: TypeError, message: /only be set/ })
  t.throws(() => anyS.setopt('multicast_if', 1), { instanceOf: TypeError, message: /IPv4 address/ })
  t.throws(() => u.setopt('multicast_if', '::1'), { instanceOf: TypeError, message: /index/ })
  t.throws(() => anyS.setopt('add_membership', '239.1.2.3'), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('add_membership', { group: 'example.com' }), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('add_membership', { group: '239.1.2.3', interface: 1 }), { instanceOf: TypeError })
  t.throws(() => anyS.setopt('add_membership', { group: 'ff02::1', interface: '::1' }), { instanceOf: TypeError })
  // @ts-expect-error: the types reject a wrong value at compile time too
  t.throws(() => s.setopt('nodelay', 'yes'), { instanceOf: TypeError })
  // @ts-expect-error: and a read-only option
  t.throws(() => s.setopt('acceptconn', true), { instanceOf: TypeError })
})

test('getopt is typed per option', (t) => {
  const s = tcp(t)
  const [nodelay, err] = s.getopt('nodelay')
  if (err) return t.fail(err)
  const asBoolean: boolean = nodelay
  const [linger] = s.getopt('linger')
  const asLinger: number | false | undefined | null = linger
  const [type] = s.getopt('type')
  const asType: socket.SocketType | null | undefined = type
  t.is(typeof asBoolean, 'boolean')
  t.is(asLinger, false)
  t.is(asType, 'tcp')
})

test('option names: the TypeScript table and the Rust core name the same options', (t) => {
  t.deepEqual([...OPTION_NAME_TYPE_LIST].sort(), optionNames().sort())
})
