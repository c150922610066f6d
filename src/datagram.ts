// Datagram sockets: UDP (over IPv4, IPv6 and Unix paths) and raw IP. One
// base class holds sending, receiving and the peer filter; `UdpSocket` and
// `RawSocket` only name the socket type. Addresses travel as `SockAddr`
// objects (a socket address held in Rust), so a receive-reply loop that
// reuses one allocates nothing per datagram.

import type { SockAddr as NativeSockAddr } from '../binding.js'
import * as native from './native.js'
import { AddrInfo, type Family, type Host, type Port, type Protocol, resolveFor } from './addr.js'
import type { SocketDescriptor } from './descriptor.js'
import { CLOSED, type Fail, OK_TRUE, type Result, fail, failWith } from './result.js'
import { Socket, openSocket, pickEntry } from './socket.js'
import { type Expires, Io, checkBuffer, checkBuffers, checkExpires, expiresOf, transfer } from './transfer.js'

/**
 * A socket address (IPv4, IPv6 or Unix), held in Rust; empty until a
 * `recv` fills it. Make one with {@link sockaddr}.
 *
 * @example
 * ```ts
 * const from = socket.sockaddr()
 * const [n] = await udp.recv(buf, undefined, from)
 * console.log(from.ip(), from.port(), `${from}`)   // '127.0.0.1' 5000 '127.0.0.1:5000'
 * ```
 */
export interface SockAddr {
  /** `'inet'`, `'inet6'`, `'unix'`, or `null` while empty. */
  family(): Family | null
  /** The IP address as text, or `null` (Unix or empty). */
  ip(): string | null
  /** The port, or `null` (Unix or empty). */
  port(): number | null
  /** The Unix path (`@name` for abstract ones, `''` for an unnamed sender), or `null` (IP or empty). */
  path(): string | null
  /** `127.0.0.1:80`, `[::1]:80`, the Unix path, or `''` while empty. */
  toString(): string
}

/**
 * The class of {@link SockAddr} values, for `instanceof`; `new SockAddr()`
 * is an empty address, as `sockaddr()`.
 */
export const SockAddr: new () => SockAddr = native.SockAddr

// The declaration above is the native class's, written out for the
// reference: this fails to compile if the two ever differ.
void ((native: NativeSockAddr): SockAddr => native)
void ((ours: SockAddr): NativeSockAddr => ours)

// Read once: the module namespace re-exports through getters.
const nativeSend = native.send
const nativeSendTo = native.sendTo
const nativeRecvFrom = native.recvFrom
const nativeRecvMany = native.recvMany
const nativeSendMany = native.sendMany
/** The most datagrams one `recvmany`/`sendmany` call moves (one `recvmmsg(2)`/`sendmmsg(2)`). */
export const BATCH_MAX: number = native.BATCH_MAX

/** The checked arguments of a `recvmany` (what the native call needs besides the buffers). */
interface RecvMany {
  readonly total: number
  readonly sizes: Int32Array
  readonly froms: SockAddr[] | null
}

/** The checked arguments of a `sendmany`. */
interface SendMany {
  readonly total: number
  readonly sizes: Int32Array | null
  readonly to: SockAddr | null
  readonly tos: SockAddr[] | null
}

const recvMany = (id: number, bufs: Uint8Array[], count: number, a: RecvMany): number =>
  nativeRecvMany(id, bufs, count, a.total, a.sizes, a.froms)

const sendMany = (id: number, bufs: Uint8Array[], count: number, a: SendMany): number =>
  nativeSendMany(id, bufs, count, a.total, a.sizes, a.to, a.tos)

/** Throws unless `list` is an array of at least `count` `SockAddr`s. */
function checkAddrs(list: unknown, count: number, name: string): asserts list is SockAddr[] {
  if (!Array.isArray(list)) throw new TypeError(`${name} must be an array of addresses made by socket.sockaddr()`)
  if (list.length < count) throw new RangeError(`${name} must hold at least ${count} addresses, got ${list.length}`)
  for (let i = 0; i < count; i++) {
    if (!(list[i] instanceof native.SockAddr)) throw new TypeError(`${name}[${i}] must be an address made by socket.sockaddr()`)
  }
}

/** Throws unless `sizes` is an `Int32Array` of at least `count` entries. */
function checkSizes(sizes: unknown, count: number): asserts sizes is Int32Array {
  if (!(sizes instanceof Int32Array)) throw new TypeError('sizes must be an Int32Array')
  if (sizes.length < count) throw new RangeError(`sizes must hold at least ${count} entries, got ${sizes.length}`)
}

/**
 * `socket.sockaddr()`: an empty address for `recv` to fill with each
 * sender (reuse it across calls), or a copy of an {@link AddrInfo} entry or
 * of another `SockAddr`, to send to without resolving again.
 *
 * @example
 * ```ts
 * const from = socket.sockaddr()            // empty: recv fills it
 * await udp.recv(buf, undefined, from)
 * const [ai] = socket.addr('127.0.0.1', 53, 'udp')
 * const dns = socket.sockaddr(ai!)          // resolved once, sent to many times
 * ```
 */
export function sockaddr(from?: AddrInfo | SockAddr): SockAddr {
  const addr = new native.SockAddr()
  if (from instanceof AddrInfo) {
    if (!native.sockaddrFromList(addr, from.list, from.index)) throw new TypeError('the address list was freed')
  } else if (from instanceof SockAddr) {
    native.sockaddrCopy(addr, from)
  } else if (from !== undefined) {
    throw new TypeError('sockaddr() takes an address list entry, a SockAddr, or nothing')
  }
  return addr
}

/** Where a datagram goes: a host (name, IP, Unix path), an address list entry, or a `SockAddr`. */
export type Destination = Host | AddrInfo | SockAddr

/** What UDP and raw sockets share: datagrams to and from addresses, and an optional fixed peer. */
export class DatagramSocket extends Socket {
  // The last destination given as host/port or as an address list, and its
  // resolved address: sending to the same place again resolves nothing.
  // Never mutated once made, as a waiting send may still be using it.
  private lastHost: unknown = undefined
  private lastPort: unknown = undefined
  private lastTo: SockAddr | null = null

  /**
   * Sends one datagram of `buf[0..maxlen]` (default: all of `buf`), to the
   * connected peer, to a `SockAddr` or address list entry, or to
   * `host, port` (`host` only for raw sockets; the path for Unix ones).
   * Waits while the socket buffer is full; returns the bytes sent.
   */
  send(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>>
  send(buf: Uint8Array, maxlen: number | null | undefined, to: SockAddr | AddrInfo, expires?: Expires): Promise<Result<number>>
  send(buf: Uint8Array, maxlen: number | null | undefined, host: string, port?: Port, expires?: Expires): Promise<Result<number>>
  send(buf: Uint8Array, maxlen?: number | null, ...args: unknown[]): Promise<Result<number>> {
    const len = checkBuffer(buf, maxlen)
    const [to, port, expires] = this.destinationArgs(args, true)
    checkExpires(expires)
    const deadline = expiresOf(expires as Expires | undefined)
    if (to === undefined || to === null) {
      return transfer(this.state, Io.DatagramWrite, nativeSend, buf, len, undefined, deadline)
    }
    const found = this.resolve(to as Destination, port)
    if (found instanceof Promise) {
      return found.then((r): Result<number> | Promise<Result<number>> =>
        r[1] !== undefined ? r : transfer(this.state, Io.DatagramWrite, nativeSendTo, buf, len, r[0], deadline),
      )
    }
    if (isFail(found)) return Promise.resolve(found)
    return transfer(this.state, Io.DatagramWrite, nativeSendTo, buf, len, found, deadline)
  }

  /**
   * Receives the next datagram into `buf[0..maxlen]` (default: all of
   * `buf`), waiting until one arrives; returns its length (0 for an empty
   * datagram). `from`, when given, is filled with the sender's address. A
   * datagram longer than `maxlen` returns `[null, 'message_truncated',
   * EMSGSIZE]`: `buf` holds its first `maxlen` bytes, the OS dropped the rest.
   */
  recv(buf: Uint8Array, maxlen?: number | null, from?: SockAddr | null, expires?: Expires): Promise<Result<number>> {
    const len = checkBuffer(buf, maxlen)
    if (from !== undefined && from !== null && !(from instanceof SockAddr)) {
      throw new TypeError('from must be an address made by socket.sockaddr()')
    }
    checkExpires(expires)
    return transfer(this.state, Io.DatagramRead, nativeRecvFrom, buf, len, from ?? null, expiresOf(expires))
  }

  /**
   * Receives up to `bufs.length` datagrams at once (at most
   * `socket.BATCH_MAX` per call; `recvmmsg(2)` on Linux), datagram `i` into
   * `bufs[i]`, its length into `sizes[i]` (-1 when it was longer than
   * `bufs[i]`: truncated, `bufs[i]` holds its start), its sender into
   * `froms[i]` when `froms` is given. Waits until at least one is queued;
   * returns how many came. Allocates nothing per datagram.
   */
  recvmany(bufs: readonly Uint8Array[], sizes: Int32Array, froms?: readonly SockAddr[] | null, expires?: Expires): Promise<Result<number>> {
    const count = Math.min(bufs?.length, BATCH_MAX)
    const total = checkBuffers(bufs, count)
    checkSizes(sizes, bufs.length)
    if (froms !== undefined && froms !== null) checkAddrs(froms, bufs.length, 'froms')
    checkExpires(expires)
    const args: RecvMany = { total, sizes, froms: (froms as SockAddr[] | undefined) ?? null }
    return transfer(this.state, Io.DatagramRead, recvMany, bufs as Uint8Array[], count, args, expiresOf(expires))
  }

  /**
   * Sends `count` datagrams at once (default: all of `bufs`; at most
   * `socket.BATCH_MAX` per call; `sendmmsg(2)` on Linux): `bufs[i][0..sizes[i]]`
   * (`sizes` `null`: all of `bufs[i]`), to the connected peer, to one
   * address (`SockAddr`, `AddrInfo`, or `host, port` as for {@link send}),
   * or to `tos[i]` each (an array of `SockAddr`s). Waits while the socket
   * buffer is full; returns how many datagrams went out, which may be fewer
   * than `count`: send the rest again (a failed datagram is reported by
   * the next call, which starts with it).
   */
  sendmany(bufs: readonly Uint8Array[], sizes?: Int32Array | null, count?: number | null, expires?: Expires): Promise<Result<number>>
  sendmany(
    bufs: readonly Uint8Array[],
    sizes: Int32Array | null | undefined,
    count: number | null | undefined,
    to: SockAddr | AddrInfo | readonly SockAddr[],
    expires?: Expires,
  ): Promise<Result<number>>
  sendmany(
    bufs: readonly Uint8Array[],
    sizes: Int32Array | null | undefined,
    count: number | null | undefined,
    host: string,
    port?: Port,
    expires?: Expires,
  ): Promise<Result<number>>
  sendmany(bufs: readonly Uint8Array[], sizes?: Int32Array | null, count?: number | null, ...args: unknown[]): Promise<Result<number>> {
    const wanted = checkCount(count, bufs)
    const n = Math.min(wanted, BATCH_MAX)
    const total = checkBuffers(bufs, n)
    if (sizes !== undefined && sizes !== null) {
      checkSizes(sizes, wanted)
      for (let i = 0; i < wanted; i++) {
        if (sizes[i] < 0 || sizes[i] > bufs[i].length) {
          throw new RangeError(`sizes[${i}] must be from 0 to bufs[${i}].length (${bufs[i].length}), got ${sizes[i]}`)
        }
      }
    }
    const [to, port, expires] = this.destinationArgs(args, true)
    checkExpires(expires)
    const deadline = expiresOf(expires as Expires | undefined)
    const send = (target: SockAddr | null, tos: SockAddr[] | null): Promise<Result<number>> => {
      const a: SendMany = { total, sizes: sizes ?? null, to: target, tos }
      return transfer(this.state, Io.DatagramWrite, sendMany, bufs as Uint8Array[], n, a, deadline)
    }
    if (to === undefined || to === null) return send(null, null)
    if (Array.isArray(to)) {
      checkAddrs(to, wanted, 'to')
      return send(null, to)
    }
    const found = this.resolve(to as Destination, port)
    if (found instanceof Promise) return found.then((r) => (r[1] !== undefined ? r : send(r[0], null)))
    if (isFail(found)) return Promise.resolve(found)
    return send(found, null)
  }

  /**
   * Sets the only peer (`connect(2)`): `send` without an address goes
   * there, and datagrams from anyone else are dropped. Connecting again
   * changes the peer; {@link disconnect} removes it. Never waits (except to
   * resolve a host name).
   */
  connect(to: SockAddr | AddrInfo): Promise<Result<true>>
  connect(host: string, port?: Port): Promise<Result<true>>
  connect(...args: unknown[]): Promise<Result<true>> {
    const [to, port, extra] = this.destinationArgs(args, false)
    if (extra !== undefined) throw new TypeError('connect() takes an address, or a host and a port')
    if (to === undefined || to === null) throw new TypeError('connect() needs an address')
    const found = this.resolve(to as Destination, port)
    if (found instanceof Promise) {
      return found.then((r): Result<true> => (r[1] !== undefined ? r : this.connectPeer(r[0])))
    }
    return Promise.resolve(isFail(found) ? found : this.connectPeer(found))
  }

  /**
   * Removes the peer set by {@link connect} (`connect(2)` to `AF_UNSPEC`):
   * the socket receives from anyone again and `send` needs an address. It
   * keeps its local port (Linux would release a port the OS chose; it is
   * bound again), on the wildcard address unless one was bound explicitly.
   */
  disconnect(): Result<true> {
    if (this.state.closed) return CLOSED
    const rc = native.disconnect(this.state.id)
    return rc < 0 ? fail(rc) : OK_TRUE
  }

  private connectPeer(to: SockAddr): Result<true> {
    if (this.state.closed) return CLOSED
    const rc = native.connectPeer(this.state.id, to)
    if (rc < 0) return fail(rc)
    this.state.bound = true
    return OK_TRUE
  }

  /**
   * Splits `[to, port?, …rest]`: a port follows only a host string, and
   * only on UDP over IP; raw and Unix addresses have none.
   */
  private destinationArgs(args: unknown[], withExpires: boolean): [unknown, Port, unknown] {
    const [to] = args
    if ((typeof to === 'number' || to instanceof AbortSignal) && withExpires) return [undefined, undefined, to]
    const takesPort = typeof to === 'string' && this.type() === 'udp' && this.family() !== 'unix'
    return takesPort ? [to, args[1] as Port, args[2]] : [to, undefined, args[1]]
  }

  /** The `SockAddr` for a destination: at once when known or literal, else after a lookup. */
  private resolve(to: Destination, port: Port): SockAddr | Fail | Promise<Result<SockAddr>> {
    if (to instanceof SockAddr) return to
    if (to === this.lastHost && port === this.lastPort && this.lastTo !== null) return this.lastTo
    const found = resolveFor(this.type(), this.family(), to, port, false)
    if (found instanceof Promise) return found.then((r) => this.toSockAddr(r))
    const addr = this.toSockAddr(found)
    if (addr[1] === undefined) {
      this.lastHost = to
      this.lastPort = port
      this.lastTo = addr[0]
      return addr[0]
    }
    return addr
  }

  private toSockAddr(found: Result<AddrInfo>): Result<SockAddr> {
    if (found[1] !== undefined) return found
    const entry = pickEntry(found[0], this.family())
    if (entry === null) return failWith('address_not_available')
    return [sockaddr(entry)]
  }
}

/** The datagrams a `sendmany` sends: `count`, or all of `bufs`. */
function checkCount(count: unknown, bufs: readonly Uint8Array[]): number {
  if (!Array.isArray(bufs)) throw new TypeError('bufs must be an array of Uint8Arrays or Buffers')
  if (count === undefined || count === null) return bufs.length
  if (typeof count !== 'number') throw new TypeError('count must be a number')
  if (!Number.isInteger(count) || count < 1 || count > bufs.length) {
    throw new RangeError(`count must be an integer from 1 to bufs.length (${bufs.length}), got ${count}`)
  }
  return count
}

function isFail(found: SockAddr | Fail): found is Fail {
  return Array.isArray(found)
}

/** A UDP socket, or a Unix datagram socket with family `'unix'`. */
export class UdpSocket extends DatagramSocket {
  /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
  override detach(): Result<SocketDescriptor<'udp'>> {
    return super.detach() as Result<SocketDescriptor<'udp'>>
  }

  /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
  override share(): Result<SocketDescriptor<'udp'>> {
    return super.share() as Result<SocketDescriptor<'udp'>>
  }
}

/**
 * A raw IP socket. IPv4 raw sockets receive the IP header before the
 * payload, as the OS delivers it; IPv6 ones receive the payload only.
 */
export class RawSocket extends DatagramSocket {
  /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `RawSocket`. */
  override detach(): Result<SocketDescriptor<'raw'>> {
    return super.detach() as Result<SocketDescriptor<'raw'>>
  }

  /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `RawSocket`. */
  override share(): Result<SocketDescriptor<'raw'>> {
    return super.share() as Result<SocketDescriptor<'raw'>>
  }
}

/**
 * `socket.udp(family, protocol)`: a new UDP socket (`'inet'`, `'inet6'`),
 * or a Unix datagram socket (`'unix'`). A `protocol` other than the
 * default goes to `socket(2)` as is: `udp('inet', 'icmp')` is a Linux
 * "ping socket", unprivileged where `net.ipv4.ping_group_range` allows it.
 *
 * @example
 * ```ts
 * const [u] = socket.udp()
 * await u!.bind('127.0.0.1', 5000)
 * const buf = Buffer.alloc(1500)
 * const from = socket.sockaddr()
 * const [n] = await u!.recv(buf, undefined, from)
 * await u!.send(buf, n!, from)              // echo it back
 * ```
 */
export function udp(family: Family = 'inet', protocol?: Protocol | number): Result<UdpSocket> {
  return openSocket(UdpSocket, 'udp', family, protocol)
}

/**
 * `socket.raw(family, protocol)`: a new raw socket; the protocol defaults to
 * `'icmp'` (`'icmpv6'` for `'inet6'`). Needs `CAP_NET_RAW` (root) on Linux,
 * administrator rights on Windows: without them it returns
 * `[null, 'access_denied', code]`.
 *
 * @example
 * ```ts
 * const [r, err] = socket.raw()             // ICMP; err 'access_denied' without CAP_NET_RAW
 * ```
 */
export function raw(family: 'inet' | 'inet6' = 'inet', protocol?: Protocol | number): Result<RawSocket> {
  return openSocket(RawSocket, 'raw', family, protocol ?? (family === 'inet6' ? 'icmpv6' : 'icmp'))
}
