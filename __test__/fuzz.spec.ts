// Property-based fuzzing of the public API's argument space (fast-check).
//
// The property: every call either returns a result tuple (or a Promise of
// one) or throws TypeError/RangeError synchronously. Nothing crashes, hangs,
// rejects, or returns anything else, and no socket, fd or waiting coroutine
// outlives the run (checkLeaksAtEnd). Arguments mix plausible values with odd
// ones: wrong types, NaN, negatives, huge numbers, strings with NUL bytes,
// Object.prototype names, detached and foreign buffers, aborted signals.
//
// Network hygiene: a host is never a free-form string (that would be a DNS
// query): only literals, 'localhost' (/etc/hosts) and strings that must throw
// before any look-up. Unix sockets bind only inside a temporary directory.
// A failing run prints fast-check's seed and shrunk counterexample.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import test from 'ava'
import fc from 'fast-check'

import * as socket from '../index'
import { checkLeaksAtEnd, ok, windows } from './helpers'

checkLeaksAtEnd(test)

const dir = mkdtempSync(join(tmpdir(), 'socket2-fuzz-'))
// Work inside the temporary directory: a relative path that reaches a Unix
// socket's bind (a host string such as '0.0.0.0' in a place forKind does
// not rewrite) then makes its file there, and goes with it, never in the
// repository. (This process is this file's alone: ava runs each spec file
// in a child process of its own.)
const cwd = process.cwd()
process.chdir(dir)
test.after.always(() => {
  process.chdir(cwd)
  rmSync(dir, { recursive: true, force: true })
})

// ---- values ------------------------------------------------------------------

const PROTOTYPE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), '__proto__']

function detached(length: number): Uint8Array {
  const buf = new Uint8Array(length)
  structuredClone(buf.buffer, { transfer: [buf.buffer] })
  return buf
}

/** Values that are wrong almost everywhere. */
const odd: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    undefined, null, true, false, Number.NaN, Infinity, -Infinity, -0, -1, 1.5, 2 ** 31, 2 ** 32 + 1, 2 ** 53,
    -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, '', '\0', 'a\0b', ' ', '-1', '1e3', '0x10', 10n, Symbol('s'),
    {}, [], [[]], () => 0, new Date(0), /re/, new ArrayBuffer(4), new Uint16Array(4), Object.create(null),
  ),
  fc.constantFrom<unknown>(...PROTOTYPE_NAMES),
  fc.integer({ min: -70000, max: 70000 }),
  fc.double(),
)

/**
 * `odd` without the strings a resolver would look up (' ', 'constructor',
 * '1e3', …): only those that must throw first (NUL) or mean "any" ('').
 */
const oddNoName = odd.filter((v) => typeof v !== 'string' || v.includes('\0') || v === '')

const hosts = fc.oneof(
  fc.constantFrom<unknown>('127.0.0.1', '::1', '0.0.0.0', '::', '*', false, 'localhost', '127.0.0.1\0x', '\0',
    'localhost\0.example', '::ffff:127.0.0.1'),
  oddNoName,
)
const unixPaths = fc.oneof(
  fc.constantFrom<unknown>(`${dir}/a.sock`, `${dir}/b.sock`, `${dir}/x\0y`, `${dir}/public\0/../../etc/secret`,
    `${dir}/${'x'.repeat(200)}`, '@socket2-fuzz', '@a\0b', '\0socket2-fuzz', ''),
  oddNoName,
)
const ports = fc.oneof(
  fc.constantFrom<unknown>(0, 1, 9, 65535, 65536, 'http', '80', 'no-such-service', 'http\0x', ''),
  odd,
)
const names = fc.oneof(
  fc.constantFrom<unknown>('tcp', 'udp', 'raw', 'ip', 'icmp', 'icmpv6', 'ipv6', 'igmp', 'inet', 'inet6', 'unix',
    'passive', 'canonname', 'numerichost', 'all', 'nodelay', 'reuseaddr', 'ttl', 'linger', 'error', 'type',
    'add_membership', 'r', 'w', 'rw', 6, 17, 255, 256, ['passive', 'all'], ['bogus']),
  odd,
)
const buffers = fc.oneof(
  fc.integer({ min: 0, max: 64 }).map((n) => Buffer.alloc(n) as unknown),
  fc.integer({ min: 0, max: 64 }).map((n) => detached(n) as unknown),
  fc.constantFrom<unknown>(new Uint8Array(new SharedArrayBuffer(8)), Buffer.alloc(16).subarray(4, 8)),
  odd,
)
const lengths = fc.oneof(fc.integer({ min: -2, max: 70 }), odd)
/** Arrays of buffers for the batched and vectored calls, or something else. */
const bufferLists = fc.oneof({ weight: 4, arbitrary: fc.array(buffers, { maxLength: 4 }) }, { weight: 1, arbitrary: odd })
/** `sizes` of `recvmany`/`sendmany`: an `Int32Array` (zeros or any values), or something else. */
const sizeLists = fc.oneof(
  fc.integer({ min: 0, max: 5 }).map((n) => new Int32Array(n) as unknown),
  fc.array(fc.integer({ min: -2, max: 70 }), { maxLength: 5 }).map((a) => Int32Array.from(a) as unknown),
  odd,
)
/** Deadlines: none, past, a little ahead (bounds a wait), signals, or wrong. */
const expires = fc.oneof(
  fc.constantFrom<unknown>(undefined, null, 0, -1, 'soon', Number.NaN),
  fc.double({ min: 0, max: 0.05, noNaN: true }).map((d) => socket.clock() + d),
  fc.constant(null).map(() => AbortSignal.abort() as unknown),
  fc.constant(null).map(() => AbortSignal.timeout(20) as unknown),
  odd,
)
const values = fc.oneof(fc.boolean(), fc.integer({ min: -5, max: 70000 }), fc.constantFrom<unknown>(
  { group: '239.1.2.3' }, { group: '239.1.2.3', interface: '127.0.0.1' }, { group: 'ff02::1', interface: 0 },
  { group: 'x' }, '127.0.0.1', 0), odd)
/** Seconds for sleep: never huge (an unbounded sleep is a legitimate, unending wait). */
const shortSeconds = fc.oneof(
  fc.constantFrom<unknown>(0, -1, -Infinity, 0.001, Number.NaN, '1', null, undefined, {}, 10n),
  fc.double({ min: -1e9, max: 0.02 }),
)

// ---- calls -------------------------------------------------------------------

type Kind = 'tcp' | 'tcp6' | 'tcpUnix' | 'udp' | 'udp6' | 'udpUnix' | 'raw' | 'pair'
/** The kinds this build can open: the Windows build has no Unix sockets (`NO_UNIX_ON_WINDOWS`). */
const usable = (list: Kind[]): Kind[] => (windows ? list.filter((kind) => kind !== 'tcpUnix' && kind !== 'udpUnix') : list)
const kinds = fc.constantFrom<Kind>(...usable(['tcp', 'tcp6', 'tcpUnix', 'udp', 'udp6', 'udpUnix', 'raw', 'pair']))

/** A call: on a socket of `kind` (or none), a method, its arguments. */
interface Call {
  kind: Kind | null
  method: string
  args: unknown[]
}

/**
 * `roles` as an argument tuple, each one sometimes replaced by an odd value
 * (never a string a resolver would look up), sometimes cut short.
 */
function argsOf(...roles: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown[]> {
  const slots = roles.map((role) => fc.oneof({ weight: 4, arbitrary: role }, { weight: 1, arbitrary: oddNoName }))
  return fc.tuple(fc.tuple(...slots), fc.nat(roles.length)).map(([args, cut]) => args.slice(0, args.length - (cut % 2 === 0 ? 0 : cut)))
}

function on(method: string, args: fc.Arbitrary<unknown[]>, only?: Kind[]): fc.Arbitrary<Call> {
  const k = only === undefined ? kinds : fc.constantFrom(...only)
  return fc.record({ kind: k, method: fc.constant(method), args })
}
function top(method: string, args: fc.Arbitrary<unknown[]>): fc.Arbitrary<Call> {
  return fc.record({ kind: fc.constant(null), method: fc.constant(method), args })
}

const STREAMS: Kind[] = usable(['tcp', 'tcp6', 'tcpUnix', 'pair'])
const DATAGRAMS: Kind[] = usable(['udp', 'udp6', 'udpUnix', 'raw'])

const calls: fc.Arbitrary<Call> = fc.oneof(
  top('tcp', argsOf(names, names)),
  top('udp', argsOf(names, names)),
  top('raw', argsOf(names, names)),
  top('addr', argsOf(hosts, ports, names, names, names, names)),
  top('lookup', argsOf(hosts, ports, names, names, names, names)),
  // Not through argsOf: a long sleep or poll is a legitimate, long wait.
  top('sleep', fc.tuple(shortSeconds)),
  top('sleepUntil', fc.tuple(shortSeconds.map((s) => (typeof s === 'number' ? socket.clock() + s : s)))),
  top('poll', fc.oneof(fc.tuple(shortSeconds), fc.constant<unknown[]>([]))),
  top('start', argsOf(odd)),
  top('newThread', argsOf(odd)),
  top('sockaddr', argsOf(odd)),
  on('bind', argsOf(hosts, ports)),
  on('listen', argsOf(fc.oneof(lengths, hosts), hosts, ports), STREAMS),
  on('connect', argsOf(hosts, ports, expires)),
  on('accept', argsOf(expires), STREAMS),
  on('send', argsOf(buffers, lengths, expires), STREAMS),
  on('recv', argsOf(buffers, lengths, expires), STREAMS),
  on('sendall', argsOf(buffers, lengths, expires), STREAMS),
  on('recvall', argsOf(buffers, lengths, expires), STREAMS),
  on('sendv', argsOf(bufferLists, expires), STREAMS),
  on('sendall', argsOf(bufferLists, lengths, expires), STREAMS),
  on('shutdown', argsOf(names), STREAMS),
  on('send', argsOf(buffers, lengths, hosts, ports, expires), DATAGRAMS),
  on('recv', argsOf(buffers, lengths, fc.constantFrom<unknown>(null, undefined, 'from'), expires), DATAGRAMS),
  on('recvmany', argsOf(bufferLists, sizeLists, fc.constantFrom<unknown>(null, undefined, 'froms'), expires), DATAGRAMS),
  on('sendmany', argsOf(bufferLists, sizeLists, lengths, hosts, ports, expires), DATAGRAMS),
  on('disconnect', fc.constant([]), DATAGRAMS),
  on('setopt', argsOf(names, values)),
  on('getopt', argsOf(names)),
  on('localAddr', fc.constant([])),
  on('remoteAddr', fc.constant([])),
  on('close', fc.constant([])),
)

/** Unix sockets bind and send to paths, never to host names (which would create files). */
function forKind(call: Call, pathArgs: unknown[]): unknown[] {
  if (call.kind !== 'tcpUnix' && call.kind !== 'udpUnix') return call.args
  if (!['bind', 'listen', 'connect', 'send', 'sendmany'].includes(call.method)) return call.args
  const args = [...call.args]
  const at =
    call.method === 'send' ? 2 : call.method === 'sendmany' ? 3 : call.method === 'listen' && typeof args[0] === 'number' ? 1 : 0
  if (typeof args[at] === 'string' || args[at] === false) args[at] = pathArgs[0]
  return args
}

// ---- the property ------------------------------------------------------------

/** A result tuple: `[value]` or `[null|false, name, code?, transferred?]`. */
function checkTuple(what: string, value: unknown): void {
  if (!Array.isArray(value) || value.length === 0) throw new Error(`${what}: returned ${String(value)}, not a tuple`)
  const [v, err, code] = value as unknown[]
  if (err === undefined) {
    // getopt('error') is [null] when no error is pending, else [name].
    if (what.includes('.getopt("error")')) {
      if (v !== null && !socket.errorNames.includes(v as socket.ErrorName)) throw new Error(`${what}: ${String(v)}`)
      return
    }
    if (v === null || v === undefined) throw new Error(`${what}: success tuple without a value`)
    return
  }
  if (v !== null && v !== false) throw new Error(`${what}: failure tuple with a value ${String(v)}`)
  if (!socket.errorNames.includes(err as socket.ErrorName)) throw new Error(`${what}: unknown error name ${String(err)}`)
  if (code !== undefined && !(Number.isInteger(code) && (code as number) > 0)) {
    throw new Error(`${what}: error code ${String(code)} is not a positive integer`)
  }
}

const PENDING = Symbol('pending')

/** How the calls ended, for the log (and to see the fuzzing reaches past the checks). */
const outcomes = { threw: 0, tuple: 0, failure: 0, waitedUntilClosed: 0 }

function settleWithin<T>(promise: Promise<T>, ms: number): Promise<T | typeof PENDING> {
  let timer: NodeJS.Timeout | undefined
  return Promise.race([
    promise,
    new Promise<typeof PENDING>((resolve) => {
      timer = setTimeout(resolve, ms, PENDING)
    }),
  ]).finally(() => clearTimeout(timer))
}

/** Opens the socket(s) a call needs; everything opened is in `opened`. */
async function target(kind: Kind, opened: socket.Socket[]): Promise<socket.Socket> {
  const keep = <S extends socket.Socket>(s: S): S => {
    opened.push(s)
    return s
  }
  switch (kind) {
    case 'tcp':
      return keep(ok(socket.tcp()))
    case 'tcp6':
      return keep(ok(socket.tcp('inet6')))
    case 'tcpUnix':
      return keep(ok(socket.tcp('unix')))
    case 'udp':
      return keep(ok(socket.udp()))
    case 'udp6':
      return keep(ok(socket.udp('inet6')))
    case 'udpUnix':
      return keep(ok(socket.udp('unix')))
    case 'raw': {
      // Needs CAP_NET_RAW; without it, a UDP socket stands in.
      const [s] = socket.raw()
      return keep(s ?? ok(socket.udp()))
    }
    case 'pair': {
      const server = keep(ok(socket.tcp()))
      ok(await server.listen('127.0.0.1', 0))
      const client = keep(ok(socket.tcp()))
      const accepted = server.accept(socket.clock() + 5)
      ok(await client.connect('127.0.0.1', ok(server.localAddr()).port()!, socket.clock() + 5))
      const conn = keep(ok(await accepted))
      ok(await conn.send(Buffer.from('some bytes')))
      return client
    }
  }
}

/** Why a call that has not settled after a while may still be waiting. */
function mayWait(call: Call): boolean {
  if (call.kind !== null) return true // waits on its socket: closing it must end the wait
  return call.method === 'lookup' // 'localhost' from /etc/hosts: quick, but the pool may be busy
}

/** `poll()` with no timeout waits for the next I/O batch, however long that takes. */
function pollsForever(call: Call): boolean {
  return call.method === 'poll' && call.kind === null && (call.args[0] === undefined || call.args[0] === null)
}

/** Arguments as text for a failure message (no value may make this throw). */
function show(args: unknown[]): string {
  return args
    .map((a) => {
      if (typeof a === 'symbol') return 'Symbol()'
      if (typeof a === 'bigint') return `${a}n`
      if (typeof a === 'function') return 'function'
      try {
        return JSON.stringify(a) ?? Object.prototype.toString.call(a)
      } catch {
        return Object.prototype.toString.call(a)
      }
    })
    .join(', ')
}

/** Closes a socket and frees an address list a call returned. */
function release(tuple: unknown): void {
  const [value] = tuple as [unknown]
  if (value instanceof socket.Socket) value.close()
  if (value instanceof socket.AddrInfo) value.free()
}

async function run(call: Call, unixPath: unknown): Promise<void> {
  const opened: socket.Socket[] = []
  const what = `${call.kind ?? 'socket'}.${call.method}(${show(call.args)})`
  try {
    let self: unknown = socket
    if (call.kind !== null) self = await target(call.kind, opened)
    const args = forKind(call, [unixPath])
    if (call.method === 'recv' && DATAGRAMS.includes(call.kind as Kind) && args[2] === 'from') args[2] = socket.sockaddr()
    if (call.method === 'recvmany' && args[2] === 'froms' && Array.isArray(args[0])) args[2] = args[0].map(() => socket.sockaddr())
    const method = (self as Record<string, (...a: unknown[]) => unknown>)[call.method]!
    let result: unknown
    try {
      result = method.apply(self, args)
    } catch (error) {
      if (error instanceof TypeError || error instanceof RangeError) {
        outcomes.threw++
        return
      }
      throw new Error(`${what}: threw ${String(error)}`)
    }
    if (call.method === 'sockaddr') {
      if (!(result instanceof socket.SockAddr)) throw new Error(`${what}: not a SockAddr`)
      return
    }
    if (call.method === 'newThread') {
      if (typeof args[0] !== 'function' || !(result instanceof socket.Thread)) throw new Error(`${what}: not a Thread`)
      await settleWithin(result.done, 1000)
      return
    }
    if (!(result instanceof Promise)) {
      if (call.method === 'sleep' || call.method === 'sleepUntil') throw new Error(`${what}: not a promise`)
      checkTuple(what, result)
      outcomes[(result as unknown[])[1] === undefined ? 'tuple' : 'failure']++
      release(result)
      return
    }
    let settled = await settleWithin(result, 100)
    if (settled === PENDING) {
      if (pollsForever(call)) return
      if (!mayWait(call)) settled = await settleWithin(result, 2000) // a loaded machine
      if (settled === PENDING && !mayWait(call)) throw new Error(`${what}: still pending after 2 s`)
      // Closing the socket must end any wait on it.
      for (const s of opened) s.close()
      if (settled === PENDING) {
        outcomes.waitedUntilClosed++
        settled = await settleWithin(result, call.kind === null ? 5000 : 2000)
      }
      if (settled === PENDING) throw new Error(`${what}: still pending after its socket closed`)
    }
    if (call.method === 'sleep' || call.method === 'sleepUntil') {
      if (settled !== undefined) throw new Error(`${what}: resolved with ${String(settled)}`)
      return
    }
    checkTuple(what, settled)
    outcomes[(settled as unknown[])[1] === undefined ? 'tuple' : 'failure']++
    release(settled)
  } catch (error) {
    if (error instanceof Error && error.message.startsWith(what)) throw error
    throw new Error(`${what}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
  } finally {
    for (const s of opened) s.close()
  }
}

/** fast-check's failure with what the shrunk call did, not only which call it was. */
function withCause(error: unknown): Error {
  const cause = (error as { cause?: unknown }).cause
  return new Error(`${(error as Error).message}\n${cause instanceof Error ? (cause.stack ?? cause.message) : String(cause)}`)
}

test.serial('fuzz: every call returns a tuple (or a promise of one) or throws TypeError/RangeError', async (t) => {
  const started = Date.now()
  let runs = 0
  try {
    await fc.assert(
      fc.asyncProperty(calls, unixPaths, async (call, unixPath) => {
        runs++
        await run(call, unixPath)
      }),
      { numRuns: 2000, interruptAfterTimeLimit: 12_000, markInterruptAsFailure: false },
    )
  } catch (error) {
    throw withCause(error)
  }
  t.log(`${runs} calls in ${Date.now() - started} ms: ${JSON.stringify(outcomes)}`)
  t.true(runs >= 50, `only ${runs} calls ran`)
})

test.serial('fuzz: the factories and look-ups alone, many more times (no socket waits)', (t) => {
  try {
    fcAssertFactories()
  } catch (error) {
    throw withCause(error)
  }
  t.pass()
})

function fcAssertFactories(): void {
  fc.assert(
    fc.property(fc.constantFrom('tcp', 'udp', 'raw', 'addr'), argsOf(names, names, names, names, names, names), (fn, args) => {
      let result: unknown
      try {
        if (fn === 'addr') result = socket.addr('127.0.0.1', ...(args as []))
        else result = (socket[fn as 'tcp'] as (...a: unknown[]) => unknown)(...args)
      } catch (error) {
        if (error instanceof TypeError || error instanceof RangeError) return
        throw error
      }
      checkTuple(`${fn}(${show(args)})`, result)
      release(result)
    }),
    { numRuns: 2000 },
  )
}
