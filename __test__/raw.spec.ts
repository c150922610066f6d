// Raw sockets: ICMP echo (ping) of 127.0.0.1 and ::1 checked byte for byte,
// and `access_denied` without the privilege. Raw sockets need CAP_NET_RAW
// (root): without it the echo tests are skipped, with the reason in their
// title and on the console, and the access_denied test runs in-process.

import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { join } from 'node:path'

import test, { type ExecutionContext } from 'ava'

import * as socket from '../index'
import { checkLeaksAtEnd, ok } from './helpers'

checkLeaksAtEnd(test)

/** Why a raw socket of `family` cannot be opened here, or null when it can. */
function rawUnavailable(family: 'inet' | 'inet6'): string | null {
  const [s, err, code] = socket.raw(family)
  if (s !== null) {
    s.close()
    return null
  }
  return `raw ${family} sockets unavailable: ${err} (code ${code})${err === 'access_denied' ? ', needs root / CAP_NET_RAW' : ''}`
}

const noRaw4 = rawUnavailable('inet')
const noRaw6 = rawUnavailable('inet6') ?? (hasIpv6Loopback() ? null : 'no ::1 on this machine')

function hasIpv6Loopback(): boolean {
  const [s] = socket.udp('inet6')
  if (s === null) return false
  const bound = s.bindTo(socket.addr('::1', 0, 'udp', 'inet6'))
  s.close()
  return bound[1] === undefined
}

/** A test that runs when `reason` is null, else is skipped with the reason in its title (and on the console). */
function testIf(reason: string | null, title: string, fn: (t: ExecutionContext) => Promise<void>): void {
  if (reason === null) {
    test(title, fn)
    return
  }
  console.log(`raw.spec: skipping "${title}": ${reason}`)
  test.skip(`${title} (skipped: ${reason})`, fn)
}

/** The Internet checksum (RFC 1071) of `bytes`, starting from `sum`. */
function checksum(bytes: Uint8Array, sum = 0): number {
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i] << 8) | (bytes[i + 1] ?? 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

/** An ICMP (or ICMPv6) echo request: type, code 0, checksum, identifier, sequence, payload. */
function echoRequest(type: number, id: number, seq: number, payload: Buffer, pseudo?: (len: number) => number): Buffer {
  const msg = Buffer.alloc(8 + payload.length)
  msg[0] = type
  msg.writeUInt16BE(id, 4)
  msg.writeUInt16BE(seq, 6)
  payload.copy(msg, 8)
  msg.writeUInt16BE(checksum(msg, pseudo?.(msg.length) ?? 0), 2)
  return msg
}

/** The sum of the ICMPv6 pseudo-header (RFC 4443 §2.3) for ::1 → ::1. */
function loopbackPseudoHeaderSum(length: number): number {
  const header = Buffer.alloc(40)
  header[15] = 1 // source ::1
  header[31] = 1 // destination ::1
  header.writeUInt32BE(length, 32)
  header[39] = 58 // next header: ICMPv6
  let sum = 0
  for (let i = 0; i < header.length; i += 2) sum += header.readUInt16BE(i)
  return sum
}

const PAYLOAD = Buffer.from('socket2 raw echo, byte for byte: 0123456789')

/** A fresh identifier per test, so concurrent pings (other test files) never match ours. */
function identifier(): number {
  return (process.pid ^ Math.floor(Math.random() * 0x10000)) & 0xffff
}

/**
 * Receives on `s` until `pick` finds our reply in a datagram, at most 50
 * datagrams and 3 seconds: a raw ICMP socket sees every ICMP message of the
 * host (our own request too). Returns the datagram, or why none came.
 */
async function receiveReply(
  s: socket.RawSocket,
  from: socket.SockAddr,
  pick: (datagram: Buffer) => boolean,
): Promise<Buffer | string> {
  const buf = Buffer.alloc(1500)
  const deadline = socket.clock() + 3
  for (let i = 0; i < 50; i++) {
    const [n, err] = await s.recv(buf, null, from, deadline)
    if (err) return `no echo reply: ${err}`
    if (pick(buf.subarray(0, n))) return buf.subarray(0, n)
  }
  return 'no echo reply among 50 ICMP messages'
}

testIf(noRaw4, 'ICMP echo of 127.0.0.1: the reply matches byte for byte, after the IPv4 header', async (t) => {
  const s = ok(socket.raw('inet', 'icmp'))
  t.teardown(() => s.close())
  t.is(s.type(), 'raw')
  t.is(s.protocol(), 'icmp')
  const id = identifier()
  const seq = 0x1234
  const request = echoRequest(8, id, seq, PAYLOAD)
  t.deepEqual(await s.send(request, null, '127.0.0.1'), [request.length])

  const from = socket.sockaddr()
  // IPv4 raw sockets deliver the IP header first, as the OS does.
  const icmpOf = (datagram: Buffer): Buffer => datagram.subarray((datagram[0] & 0x0f) * 4)
  const reply = await receiveReply(s, from, (d) => icmpOf(d)[0] === 0 && icmpOf(d).readUInt16BE(4) === id)
  if (typeof reply === 'string') return t.fail(reply)
  const headerLength = (reply[0] & 0x0f) * 4
  t.is(reply[0] >> 4, 4, 'IPv4 header')
  t.is(reply[9], 1, 'protocol ICMP')
  t.is(reply.readUInt16BE(2), reply.length, 'IP total length is what recv returned')
  t.deepEqual([...reply.subarray(12, 16)], [127, 0, 0, 1], 'IP source')
  t.deepEqual([...reply.subarray(16, 20)], [127, 0, 0, 1], 'IP destination')
  t.is(checksum(reply.subarray(0, headerLength)), 0, 'IP header checksum verifies')
  const icmp = icmpOf(reply)
  t.is(icmp.length, request.length)
  t.is(icmp[1], 0, 'code 0')
  t.is(icmp.readUInt16BE(6), seq, 'sequence')
  t.is(checksum(icmp), 0, 'ICMP checksum verifies')
  t.deepEqual(icmp.subarray(8), PAYLOAD, 'payload')
  t.is(from.family(), 'inet')
  t.is(from.ip(), '127.0.0.1')
})

testIf(noRaw6, 'ICMPv6 echo of ::1: the reply matches byte for byte (no IPv6 header)', async (t) => {
  const s = ok(socket.raw('inet6'))
  t.teardown(() => s.close())
  t.is(s.protocol(), 'icmpv6')
  const id = identifier()
  const seq = 0x4321
  const request = echoRequest(128, id, seq, PAYLOAD, loopbackPseudoHeaderSum)
  t.deepEqual(await s.send(request, null, '::1'), [request.length])

  const from = socket.sockaddr()
  const icmp = await receiveReply(s, from, (d) => d[0] === 129 && d.readUInt16BE(4) === id)
  if (typeof icmp === 'string') return t.fail(icmp)
  t.is(icmp.length, request.length)
  t.is(icmp[1], 0, 'code 0')
  t.is(icmp.readUInt16BE(6), seq, 'sequence')
  t.is(checksum(icmp, loopbackPseudoHeaderSum(icmp.length)), 0, 'ICMPv6 checksum (with pseudo-header) verifies')
  t.deepEqual(icmp.subarray(8), PAYLOAD, 'payload')
  t.is(from.family(), 'inet6')
  t.is(from.ip(), '::1')
})

testIf(noRaw4, 'a raw socket receives what another sends it, with the sender address', async (t) => {
  // Protocol 253 is reserved for experiments (RFC 3692): nothing else uses it.
  const a = ok(socket.raw('inet', 253))
  t.teardown(() => a.close())
  const b = ok(socket.raw('inet', 253))
  t.teardown(() => b.close())
  ok(await a.bind('127.0.0.1'))
  ok(await b.connect('127.0.0.1'))
  t.deepEqual(await b.send(Buffer.from('raw!')), [4], 'connected: send without an address')
  const buf = Buffer.alloc(64)
  const from = socket.sockaddr()
  const [n, err] = await a.recv(buf, null, from, socket.clock() + 2)
  if (err) return t.fail(err)
  const headerLength = (buf[0] & 0x0f) * 4
  t.is(buf[9], 253)
  t.is(buf.toString('utf8', headerLength, n), 'raw!')
  t.is(from.ip(), '127.0.0.1')
  t.is(from.port(), 0, 'raw addresses have no port')
  const [m, terr] = await a.recv(buf, 4, from, socket.clock() + 0.05)
  t.deepEqual([m, terr], [null, 'timeout'])
})

const setpriv = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p))

/**
 * A world-readable copy (0755, under /tmp whatever TMPDIR says) of what the
 * unprivileged fixture loads: package.json, the compiled package with its
 * addon (dist/), and the fixture itself.
 */
function readableCopy(): string {
  const repo = join(__dirname, '..')
  if (!existsSync(join(repo, 'dist', 'index.js'))) throw new Error('dist/ is not built: run `npm run build` first')
  const dir = mkdtempSync(join('/tmp', 'socket2-raw-'))
  chmodSync(dir, 0o755)
  copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'))
  cpSync(join(repo, 'dist'), join(dir, 'dist'), { recursive: true })
  mkdirSync(join(dir, '__test__', 'fixtures'), { recursive: true })
  copyFileSync(join(__dirname, 'fixtures', 'raw-unprivileged.js'), join(dir, '__test__', 'fixtures', 'raw-unprivileged.js'))
  execFileSync('chmod', ['-R', 'a+rX', dir])
  return dir
}

test('without the privilege, raw() returns [null, "access_denied", code]', async (t) => {
  if (process.platform === 'win32') {
    // The Windows build offers no raw sockets, privileged or not.
    t.deepEqual(socket.raw('inet').slice(0, 2), [null, 'not_supported'])
    return
  }
  if (noRaw4 !== null) {
    // Already unprivileged: check the tuple right here.
    const [s, err, code] = socket.raw('inet')
    t.is(s, null)
    t.is(err, 'access_denied')
    t.true(code === 1 || code === 13, `EPERM or EACCES, got ${code}`)
    return
  }
  // Privileged: prove it in a child that drops to nobody (setuid from root
  // clears the capabilities).
  if (setpriv === undefined) return t.fail('running privileged and setpriv(1) is missing: cannot drop privileges')
  // nobody may not be able to read the checkout (a clone under a private
  // directory): run the fixture and the compiled package from a copy it can.
  const copy = readableCopy()
  t.teardown(() => rmSync(copy, { recursive: true, force: true }))
  const fixture = join(copy, '__test__', 'fixtures', 'raw-unprivileged.js')
  const out = await new Promise<string>((resolve, reject) => {
    execFile(
      setpriv,
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, fixture],
      { cwd: copy, timeout: 20_000, env: { ...process.env, HOME: '/tmp' } },
      (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)),
    )
  })
  const { uid, results } = JSON.parse(out) as { uid: number; results: Record<string, unknown[]> }
  t.is(uid, 65534)
  t.deepEqual(results.inet, [null, 'access_denied', 1], 'EPERM')
  t.deepEqual(results.inet6, [null, 'access_denied', 1], 'EPERM')
})

test('raw(): protocols by name or number; a bad one throws at the call', (t) => {
  t.throws(() => socket.raw('inet', 'bogus' as never), { instanceOf: TypeError })
  t.throws(() => socket.raw('inet', 256), { instanceOf: TypeError })
  t.throws(() => socket.raw('ipx' as never), { instanceOf: TypeError })
  const [s, err] = socket.raw('inet', 'raw')
  if (s === null) {
    t.is(err, process.platform === 'win32' ? 'not_supported' : 'access_denied')
    return
  }
  t.is(s.protocol(), 'raw')
  t.true(s instanceof socket.RawSocket)
  s.close()
})
