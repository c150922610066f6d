// Address lookup: `socket.addr()` / `socket.lookup()` and the address
// objects they return (also used for `localAddr()` / `remoteAddr()`).

import { isIP } from 'node:net'

import * as native from './native.js'
import { type ErrorName, type Result, failWith } from './result.js'

/** A socket type: a stream (`'tcp'`, also for Unix stream sockets), datagrams (`'udp'`, also Unix datagram sockets), or raw IP. */
export type SocketType = 'tcp' | 'udp' | 'raw'
/** An address family: IPv4, IPv6, or Unix paths (and Linux `@abstract` names). */
export type Family = 'inet' | 'inet6' | 'unix'
/**
 * A protocol by name (a number is taken too). The numbers come from the
 * Rust core's table (`crates/core/src/socket.rs` `PROTOCOLS`).
 */
export type Protocol = 'ip' | 'ipv6' | 'tcp' | 'udp' | 'raw' | 'icmp' | 'igmp' | 'icmpv6'
/**
 * A `getaddrinfo(3)` flag, by its name without `AI_`: `'passive'` (an
 * address to bind, the wildcard when the host is omitted), `'canonname'`,
 * `'numerichost'` (no DNS: an IP literal or an error), `'numericserv'`,
 * `'all'`, `'v4mapped'`, `'addrconfig'`.
 */
export type LookupFlag =
  | 'passive'
  | 'canonname'
  | 'numerichost'
  | 'numericserv'
  | 'all'
  | 'v4mapped'
  | 'addrconfig'

/**
 * The arguments of {@link addr} and {@link lookup}, in the seed's order:
 * the host (omitted, `'*'` or `false`: all interfaces), the port or service
 * name, the socket type, the family (default `'inet'`; an IPv6 literal says
 * `'inet6'` by itself), the protocol, and `getaddrinfo(3)` flags. Only the
 * host is required; an {@link AddrInfo} in its place is passed through.
 */
export type LookupArgs = [
  host: Host | AddrInfo,
  port?: Port,
  type?: SocketType,
  family?: Family,
  protocol?: Protocol | number,
  flags?: LookupFlag | LookupFlag[],
]

/** A host: a name, an IP address, a Unix path, or `'*'`/`false`/omitted for all interfaces. */
export type Host = string | false | null | undefined
/** A port number (0 = any free port) or a service name such as `'http'`. */
export type Port = number | string | null | undefined

const SOCKET_TYPES = new Set(['tcp', 'udp', 'raw'])
const FAMILIES = new Set(['inet', 'inet6', 'unix'])
/** Protocol numbers by name: the Rust core's table (`socket.rs` `PROTOCOLS`). */
const PROTOCOLS: Record<string, number> = Object.fromEntries(native.protocols().map((p) => [p.name, p.number]))

/**
 * One entry of a resolved address list, and a handle on the whole list:
 * `next()` walks it, `addrs()` (or `for…of`) iterates it, `free()` releases
 * the native list at once (it is released when collected otherwise).
 */
export class AddrInfo implements Iterable<AddrInfo> {
  /** @internal */
  constructor(
    /** @internal */ readonly list: native.AddrList,
    /** @internal */ readonly index: number = 0,
  ) {}

  /** Releases the native list; every entry of it reads as freed afterwards. Idempotent. */
  free(): void {
    this.list.free()
  }

  /** The next address in the list, or `null`. */
  next(): AddrInfo | null {
    return this.index + 1 < this.list.length ? new AddrInfo(this.list, this.index + 1) : null
  }

  /** Iterates this entry and the ones after it. */
  *addrs(): IterableIterator<AddrInfo> {
    for (let i = this.index; i < this.list.length; i++) yield new AddrInfo(this.list, i)
  }

  /** `for (const entry of ai)`: the same as {@link addrs}. */
  [Symbol.iterator](): IterableIterator<AddrInfo> {
    return this.addrs()
  }

  /** `'tcp'`, `'udp'`, `'raw'`, or `null` if the lookup named no type. */
  type(): SocketType | null {
    return this.list.type(this.index) as SocketType | null
  }

  /** `'inet'`, `'inet6'` or `'unix'`. */
  family(): Family {
    return (this.list.family(this.index) ?? 'inet') as Family
  }

  /** The protocol name (`'tcp'`, `'udp'`, …), or its number as a string. */
  protocol(): string {
    return this.list.protocol(this.index) ?? 'ip'
  }

  /** The canonical name (with the `canonname` flag), else `null`. */
  name(): string | null {
    return this.list.name(this.index)
  }

  /** The IP address as text, or `null` for Unix addresses. */
  ip(): string | null {
    return this.list.ip(this.index)
  }

  /** The port, or `null` for Unix addresses. */
  port(): number | null {
    return this.list.port(this.index)
  }

  /** The Unix socket path (`@name` for abstract ones), or `null`. */
  path(): string | null {
    return this.list.path(this.index)
  }

  /** `127.0.0.1:80`, `[::1]:80`, or the Unix path. */
  toString(): string {
    return this.list.format(this.index) ?? '(freed)'
  }
}

/** Throws `TypeError`/`RangeError` for a bad port; returns the service string. */
export function checkPort(port: Port): string | null {
  if (port === undefined || port === null) return null
  if (typeof port === 'number') {
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`)
    }
    return String(port)
  }
  if (typeof port === 'string') {
    if (port === '') throw new TypeError('port must not be an empty string')
    checkNoNul('a service name', port)
    if (/^\d+$/.test(port)) return checkPort(Number(port))
    return port
  }
  throw new TypeError(`port must be a number or a service name, got ${typeof port}`)
}

/** Throws `TypeError` for a bad host; returns `null` for "all interfaces". */
export function checkHost(host: Host): string | null {
  if (host === undefined || host === null || host === false || host === '*' || host === '') return null
  if (typeof host !== 'string') throw new TypeError(`host must be a string, '*' or false, got ${typeof host}`)
  checkNoNul('a host', host)
  return host
}

/**
 * Throws `TypeError` for a NUL byte in a host, service or path: C reads
 * such a string only up to the NUL, so the call would reach another name
 * (a Unix path `'/tmp/x/public\0/../secret'` binds `/tmp/x/public`).
 */
function checkNoNul(what: string, text: string): void {
  if (text.includes('\0')) throw new TypeError(`${what} must not contain a NUL byte, got ${JSON.stringify(text)}`)
}

function checkName<T extends string>(what: string, value: unknown, allowed: Set<string>): T | null {
  if (value === undefined || value === null) return null
  if (typeof value !== 'string' || !allowed.has(value)) {
    throw new TypeError(`${what} must be one of ${[...allowed].join(', ')}, got ${String(value)}`)
  }
  return value as T
}

export function checkType(value: unknown): SocketType | null {
  return checkName<SocketType>('socket type', value, SOCKET_TYPES)
}

export function checkFamily(value: unknown): Family | null {
  return checkName<Family>('family', value, FAMILIES)
}

/** The protocol number for a protocol name (`undefined` → 0, the default). */
export function protocolNumber(value: unknown): number {
  if (value === undefined || value === null) return 0
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255) return value
  if (typeof value === 'string' && Object.hasOwn(PROTOCOLS, value)) return PROTOCOLS[value]!
  throw new TypeError(`protocol must be one of ${Object.keys(PROTOCOLS).join(', ')}, got ${String(value)}`)
}

/** The name of a protocol number (`6` → `'tcp'`), or the number as text. */
export function protocolName(value: number): string {
  for (const name in PROTOCOLS) if (PROTOCOLS[name] === value) return name
  return String(value)
}

function flagBits(flags: unknown): number {
  if (flags === undefined || flags === null) return 0
  if (typeof flags === 'number' && Number.isInteger(flags)) return flags
  const list = typeof flags === 'string' ? [flags] : flags
  if (!Array.isArray(list)) throw new TypeError('flags must be a flag name or an array of flag names')
  let bits = 0
  for (const name of list) {
    const bit = typeof name === 'string' ? native.lookupFlag(name) : null
    if (bit === null) throw new TypeError(`unknown lookup flag: ${String(name)}`)
    bits |= bit
  }
  return bits
}

interface Query {
  host: string | null
  service: string | null
  type: SocketType | null
  family: Family | null
  protocol: number
  flags: number
}

function parseQuery(
  host: Host,
  port: Port,
  type: unknown,
  family: unknown,
  protocol: unknown,
  flags: unknown,
): Query {
  const given = checkFamily(family)
  const sockType = checkType(type)
  const name = given === 'unix' ? checkUnixPath(host) : checkHost(host)
  // As in the seed, the family defaults to 'inet'; an IPv6 literal says
  // 'inet6' by itself.
  const fam = given ?? (name !== null && isIP(name) === 6 ? 'inet6' : 'inet')
  const query: Query = {
    host: name,
    service: fam === 'unix' ? null : sockType === 'raw' ? checkNoPort(port) : checkPort(port),
    type: sockType,
    family: fam,
    protocol: protocolNumber(protocol),
    flags: flagBits(flags),
  }
  return query
}

/** Raw addresses have no port: only none (or 0) is accepted. */
function checkNoPort(port: Port): null {
  if (port === undefined || port === null || port === 0) return null
  throw new TypeError(`a raw address has no port, got ${String(port)}`)
}

function checkUnixPath(path: Host): string {
  if (typeof path !== 'string' || path === '') throw new TypeError('a unix address needs a path')
  // A leading NUL is the abstract-namespace spelling of '@'; any other ends the path early.
  checkNoNul('a unix path', path.startsWith('\0') ? path.slice(1) : path)
  return path
}

function toResult(found: native.AddrList | native.LookupFailure): Result<AddrInfo> {
  if (found instanceof native.AddrList) return [new AddrInfo(found)]
  return failWith(found.name as ErrorName, found.code)
}

/** True when resolving `query` cannot block: no host, an IP literal, or a path. */
function isImmediate(query: Query): boolean {
  return query.host === null || query.family === 'unix' || isIP(query.host) !== 0
}

function run(query: Query): Result<AddrInfo> {
  return toResult(native.getaddrinfo(query))
}

/**
 * `socket.addr(host, port, type, family, protocol, flags)`: looks up an
 * address list with `getaddrinfo(3)` on the calling thread (as the seed
 * does: a name that needs DNS blocks until it resolves; prefer
 * {@link lookup} for names). An existing {@link AddrInfo} is passed through.
 *
 * @example
 * ```ts
 * const [ai, err] = socket.addr('127.0.0.1', 80, 'tcp')
 * for (const entry of ai!) console.log(entry.toString())   // '127.0.0.1:80'
 * const [any] = socket.addr(null, 8080, 'tcp', 'inet6', undefined, 'passive')   // [::]:8080
 * ```
 */
export function addr(...args: LookupArgs): Result<AddrInfo> {
  const [host, ...rest] = args
  if (host instanceof AddrInfo) return [host]
  return run(parseQuery(host, ...rest))
}

/**
 * `await socket.lookup(...)`: the same as {@link addr}, resolved on libuv's
 * thread pool so the event loop never waits for DNS.
 *
 * @example
 * ```ts
 * const [ai, err] = await socket.lookup('example.com', 'https', 'tcp')
 * if (err) console.log(err)                 // 'name_not_found', 'name_lookup_again', …
 * ```
 */
export function lookup(...args: LookupArgs): Promise<Result<AddrInfo>> {
  // Not `async`: misuse must throw at the call, not reject.
  const [host, ...rest] = args
  if (host instanceof AddrInfo) return Promise.resolve([host])
  return runOffLoop(parseQuery(host, ...rest))
}

/** Resolves `query` at once when that cannot block, else on libuv's thread pool. */
function runOffLoop(query: Query): Promise<Result<AddrInfo>> {
  if (isImmediate(query)) return Promise.resolve(run(query))
  return native.lookup(query).then(toResult)
}

/**
 * Resolves the address a socket call was given (`addr` or `host, port`)
 * for a socket of `type`/`family`: synchronously when that cannot block,
 * else off the loop. Misuse throws at the call.
 */
export function resolveFor(
  type: SocketType,
  family: Family,
  host: Host | AddrInfo,
  port: Port,
  passive: boolean,
): Result<AddrInfo> | Promise<Result<AddrInfo>> {
  if (host instanceof AddrInfo) return [host]
  const query = parseQuery(host, port, type === 'raw' ? null : type, family, 0, null)
  if (passive && query.host === null) query.flags |= native.lookupFlag('passive') ?? 0
  if (isImmediate(query)) return run(query)
  return runOffLoop(query)
}

/** An address from a native `getsockname`/`getpeername` result. */
export function fromNative(found: native.AddrList | number): AddrInfo | number {
  return typeof found === 'number' ? found : new AddrInfo(found)
}
