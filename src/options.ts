// Socket options by name: `s.setopt(name, value)` / `s.getopt(name)`.
//
// The table below is the one list of names and value types on this side:
// it checks every call (an unknown name or a wrong value type throws at the
// call), and the interfaces give `getopt('nodelay')` the type
// `Result<boolean>`. The Rust core (`crates/core/src/options.rs`) maps each
// name to its `setsockopt(2)` / `getsockopt(2)` call.

import { isIPv4, isIPv6 } from 'node:net'

import * as native from './native.js'
import type { Family, SocketType } from './addr.js'
import { type ErrorName, OK_TRUE, type Result, fail } from './result.js'

/** A multicast group to join or leave, and the interface to do it on. */
export interface Membership {
  /** The group's IP address: IPv4 (`'239.1.2.3'`) or IPv6 (`'ff02::1:2:3'`). */
  group: string
  /**
   * IPv4 groups: the address of the interface (`'127.0.0.1'`); IPv6 groups:
   * the interface index (`0`, or see `ip link`). Omitted: the OS chooses.
   */
  interface?: string | number
}

/** The options that read back what they take, by name. */
interface CommonOptions {
  /** `SO_REUSEADDR`. */
  reuseaddr: boolean
  /** `SO_REUSEPORT` (not on Windows): several sockets, even in several threads, on one port. */
  reuseport: boolean
  /** `TCP_NODELAY`: send small segments at once (no Nagle). */
  nodelay: boolean
  /** The same as `nodelay`. */
  tcp_nodelay: boolean
  /** `SO_KEEPALIVE`. */
  keepalive: boolean
  /** Seconds, 1–32767: `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on macOS); setting it turns `keepalive` on. */
  keepidle: number
  /** Seconds, 1–32767: `TCP_KEEPINTVL`; setting it turns `keepalive` on. */
  keepintvl: number
  /** Probes, 1–127: `TCP_KEEPCNT`; setting it turns `keepalive` on. */
  keepcnt: number
  /** Bytes: `SO_RCVBUF` (Linux reads back double what was set: its bookkeeping overhead). */
  rcvbuf: number
  /** Bytes: `SO_SNDBUF` (Linux reads back double, as for `rcvbuf`). */
  sndbuf: number
  /** Bytes: `SO_RCVLOWAT`; a waiting `recv` is woken only once that many bytes are there. */
  rcvlowat: number
  /** `SO_BROADCAST`: without it a send to a broadcast address is `'access_denied'`. */
  broadcast: boolean
  /** 1–255: `IP_TTL` (`IPV6_UNICAST_HOPS` on an `inet6` socket). */
  ttl: number
  /** 0–255: `IP_TOS` (`IPV6_TCLASS` on an `inet6` socket). */
  tos: number
  /** `IPV6_V6ONLY` (`inet6` sockets): no IPv4-mapped peers. */
  v6only: boolean
  /** 0–255: `IP_MULTICAST_TTL` (`IPV6_MULTICAST_HOPS` on an `inet6` socket). */
  multicast_ttl: number
  /** 0–255: `IPV6_MULTICAST_HOPS` (`inet6` sockets). */
  multicast_hops: number
  /** 0–255: `IPV6_UNICAST_HOPS` (`inet6` sockets). */
  unicast_hops: number
  /** `IP_MULTICAST_LOOP` / `IPV6_MULTICAST_LOOP`: receive our own multicast datagrams. */
  multicast_loop: boolean
  /**
   * `IP_MULTICAST_IF` / `IPV6_MULTICAST_IF`: IPv4 sockets take an interface
   * address (`'127.0.0.1'`), IPv6 sockets an interface index.
   */
  multicast_if: string | number
}

/**
 * What `getopt(name)` returns, by option name (`getsockopt(2)`):
 * `s.getopt('nodelay')` is a `Result<boolean>`.
 *
 * @example
 * ```ts
 * const [linger] = s.getopt('linger')   // false (off) or seconds
 * const [err] = s.getopt('error')       // the pending error's name, or null
 * ```
 */
export interface GetOptions extends CommonOptions {
  /** `SO_LINGER`: seconds, or `false` when off. */
  linger: number | false
  /** `SO_ERROR`: the pending error's name (reading clears it), or `null`. */
  error: ErrorName | null
  /** `SO_TYPE`: `'tcp'`, `'udp'` or `'raw'`. */
  type: SocketType
  /** `SO_ACCEPTCONN` (not on Windows): whether `listen` was called. */
  acceptconn: boolean
}

/**
 * What `setopt(name, value)` takes, by option name (`setsockopt(2)`): a
 * value of the wrong type does not compile, and throws `TypeError` at run
 * time; a number out of the option's range throws `RangeError`.
 *
 * @example
 * ```ts
 * s.setopt('nodelay', true)     // [true]
 * s.setopt('keepidle', 30)      // also turns keepalive on
 * u.setopt('add_membership', { group: '239.1.2.3', interface: '127.0.0.1' })
 * ```
 */
export interface SetOptions extends CommonOptions {
  /**
   * `SO_LINGER`: whole seconds 0–65535 (0: `close()` sends RST), or
   * `false`/`null` for off (the default). Above 0, `close()` can wait for
   * unsent data on Linux even on a non-blocking socket, blocking the event
   * loop: prefer `false` or `0`.
   */
  linger: number | false | null
  /**
   * `IP_ADD_MEMBERSHIP` for an IPv4 `group` (`interface`: an address,
   * default any), `IPV6_JOIN_GROUP` for an IPv6 one (`interface`: an
   * index, default 0).
   */
  add_membership: Membership
  /** `IP_DROP_MEMBERSHIP` / `IPV6_LEAVE_GROUP`, as `add_membership`. */
  drop_membership: Membership
}

/** The names `getopt` takes (the keys of {@link GetOptions}). */
export type GetOptionName = keyof GetOptions
/** The names `setopt` takes (the keys of {@link SetOptions}). */
export type SetOptionName = keyof SetOptions

/** How a value is checked and carried. */
type Kind = 'boolean' | 'integer' | 'linger' | 'interface' | 'membership' | 'error' | 'type'

interface Spec {
  kind: Kind
  get: boolean
  set: boolean
  /** Inclusive bounds of an integer value. */
  min?: number
  max?: number
}

const INT_MAX = 0x7fff_ffff
const both = (kind: Kind, min?: number, max?: number): Spec => ({ kind, get: true, set: true, min, max })
const readOnly = (kind: Kind): Spec => ({ kind, get: true, set: false })
const writeOnly = (kind: Kind): Spec => ({ kind, get: false, set: true })

/** Every option: its value kind, whether it reads and/or writes, bounds. */
const OPTIONS: Record<GetOptionName | SetOptionName, Spec> = {
  reuseaddr: both('boolean'),
  reuseport: both('boolean'),
  nodelay: both('boolean'),
  tcp_nodelay: both('boolean'),
  keepalive: both('boolean'),
  // Linux caps TCP_KEEPIDLE/TCP_KEEPINTVL at 32767 s and TCP_KEEPCNT at 127.
  keepidle: both('integer', 1, 32767),
  keepintvl: both('integer', 1, 32767),
  keepcnt: both('integer', 1, 127),
  linger: both('linger', 0, 65535),
  rcvbuf: both('integer', 0, INT_MAX),
  sndbuf: both('integer', 0, INT_MAX),
  rcvlowat: both('integer', 0, INT_MAX),
  broadcast: both('boolean'),
  ttl: both('integer', 1, 255),
  tos: both('integer', 0, 255),
  v6only: both('boolean'),
  multicast_ttl: both('integer', 0, 255),
  multicast_hops: both('integer', 0, 255),
  unicast_hops: both('integer', 0, 255),
  multicast_loop: both('boolean'),
  multicast_if: both('interface'),
  add_membership: writeOnly('membership'),
  drop_membership: writeOnly('membership'),
  error: readOnly('error'),
  type: readOnly('type'),
  acceptconn: readOnly('boolean'),
}

/** Every name in the table above (for the test that it matches the Rust core's `optionNames()`). */
export const OPTION_NAME_TYPE_LIST: readonly (GetOptionName | SetOptionName)[] = Object.freeze(
  Object.keys(OPTIONS) as (GetOptionName | SetOptionName)[],
)

function specOf(name: unknown, forSet: boolean): Spec {
  const spec = typeof name === 'string' && Object.hasOwn(OPTIONS, name) ? OPTIONS[name as SetOptionName] : undefined
  if (spec === undefined) throw new TypeError(`unknown socket option ${JSON.stringify(name)}`)
  if (forSet && !spec.set) throw new TypeError(`socket option '${String(name)}' is read-only`)
  if (!forSet && !spec.get) throw new TypeError(`socket option '${String(name)}' can only be set`)
  return spec
}

function checkInteger(name: string, value: unknown, spec: Spec): number {
  if (typeof value !== 'number') throw new TypeError(`socket option '${name}' takes a number, got ${typeof value}`)
  const min = spec.min ?? 0
  const max = spec.max ?? INT_MAX
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`socket option '${name}' takes an integer from ${min} to ${max}, got ${value}`)
  }
  return value
}

function checkMembership(name: string, value: unknown): native.Membership {
  if (typeof value !== 'object' || value === null) {
    throw new TypeError(`socket option '${name}' takes { group, interface? }`)
  }
  const { group, interface: iface } = value as Membership
  if (typeof group !== 'string' || (!isIPv4(group) && !isIPv6(group))) {
    throw new TypeError(`${name}: group must be an IPv4 or IPv6 address, got ${String(group)}`)
  }
  if (iface === undefined || iface === null) return { group }
  if (isIPv4(group)) {
    if (typeof iface !== 'string' || !isIPv4(iface)) {
      throw new TypeError(`${name}: an IPv4 group's interface is an IPv4 address, got ${String(iface)}`)
    }
  } else if (typeof iface !== 'number' || !Number.isInteger(iface) || iface < 0 || iface > 0xffff_ffff) {
    throw new TypeError(`${name}: an IPv6 group's interface is an interface index, got ${String(iface)}`)
  }
  return { group, interface: iface }
}

function checkInterface(value: unknown, family: Family): string | number {
  if (family === 'inet6') {
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff) return value
    throw new TypeError(`multicast_if of an IPv6 socket is an interface index, got ${String(value)}`)
  }
  if (typeof value === 'string' && isIPv4(value)) return value
  throw new TypeError(`multicast_if of an IPv4 socket is an IPv4 address, got ${String(value)}`)
}

/** The value as the binding takes it; throws on a wrong type. */
function toNative(name: string, spec: Spec, value: unknown, family: Family): boolean | number | string | native.Membership {
  switch (spec.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw new TypeError(`socket option '${name}' takes a boolean, got ${typeof value}`)
      return value
    case 'linger':
      if (value === false || value === null) return false
      return checkInteger(name, value, spec)
    case 'interface':
      return checkInterface(value, family)
    case 'membership':
      return checkMembership(name, value)
    default:
      return checkInteger(name, value, spec)
  }
}

/** `setsockopt(2)`: see {@link SetOptions}. Misuse throws; OS refusals are tuples. */
export function setOption(id: number, family: Family, name: unknown, value: unknown): Result<true> {
  const spec = specOf(name, true)
  const rc = native.setopt(id, name as string, toNative(name as string, spec, value, family))
  return rc < 0 ? fail(rc) : OK_TRUE
}

/** `getsockopt(2)`: see {@link GetOptions}. An unknown name throws. */
export function getOption(id: number, name: unknown): Result<GetOptions[GetOptionName]> {
  const spec = specOf(name, false)
  const got = native.getopt(id, name as string)
  if (typeof got !== 'number') return [got as GetOptions[GetOptionName]]
  if (got < 0) return fail(got)
  // `error`: the pending error's code, 0 for none.
  if (spec.kind === 'error') return got === 0 ? [null] : [fail(-got)[1]]
  return [got]
}
