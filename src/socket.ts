// Sockets: the TypeScript face of a native socket id. Every call that may
// wait follows one pattern: try the system call; if it would block, wait for
// readiness through the scheduler (or a deadline, or close) and try again
// (`transfer.ts` for sends and receives).

import * as native from './native.js'
import {
  AddrInfo,
  type Family,
  type Host,
  type Port,
  type SocketType,
  fromNative,
  protocolName,
  protocolNumber,
  resolveFor,
} from './addr.js'
import { CLOSED, OK_TRUE, type Ok, type Result, fail, failWith } from './result.js'
import { type SocketDescriptor, makeDescriptor } from './descriptor.js'
import { type SocketDuplex, type SocketDuplexOptions, toDuplex } from './duplex.js'
import { type GetOptionName, type GetOptions, type SetOptionName, type SetOptions, getOption, setOption } from './options.js'
import { opened, reclaimed } from './reclaim.js'
import {
  type Deadline,
  type SocketState,
  Wake,
  clock,
  ensureInit,
  completed,
  forget,
  readShutDown,
  track,
  untrack,
  waitReadable,
  waitWritable,
  whenFdReleased,
} from './scheduler.js'
import {
  BYTES,
  type Expires,
  Io,
  type Resume,
  type Transferred,
  checkBuffer,
  checkBuffers,
  checkExpires,
  expiresOf,
  moveAll,
  notReady,
  transfer,
} from './transfer.js'

export type { Expires, Transferred } from './transfer.js'

const WOULD_BLOCK = native.WOULD_BLOCK
// Read once: the module namespace re-exports through getters, too slow for
// the per-message path.
const nativeSend = native.send
const nativeRecv = native.recv
const isOutOfResources = native.isOutOfResources
const nativeSendv = native.sendv

/** The buffers of a vectored send, checked: `total` bytes in `bufs`. */
interface Vectored {
  readonly bufs: readonly Uint8Array[]
  readonly total: number
}

/** `sendmsg(2)` of the vector's bytes from `skip` on, at most `len` of them. */
const sendVectored = (id: number, v: Vectored, len: number, skip: number): number =>
  nativeSendv(id, v.bufs as Uint8Array[], v.bufs.length, v.total, skip, len)

/** A vectored `sendall` goes on with the same buffers, skipping what went out. */
const VECTORED: Resume<Vectored, number> = { at: (v) => v, extra: (done) => done }

/**
 * Closes sockets nobody closed once they are garbage-collected. A socket
 * closed (or detached) before is left registered: its finalizer finds the
 * state closed and does nothing. Registering without an unregister token
 * saves the registry's token table entry on every open socket, and
 * `close()` an unregister call.
 */
const collector = new FinalizationRegistry<SocketState>((state) => {
  untrack(state)
})

/** Opens a native socket, or returns the failure tuple. */
export function openNative(type: SocketType, family: Family, protocol: number): Result<SocketState> {
  ensureInit()
  let id = native.open(type, family, protocol)
  if (id < 0 && reclaimed(id)) id = native.open(type, family, protocol)
  if (id < 0) return fail(id)
  opened()
  return [track(id)]
}

/** A socket's type, family and protocol: one object per combination, shared by its sockets. */
interface Kind {
  readonly type: SocketType
  readonly family: Family
  readonly protocol: string
}

const kinds = new Map<string, Kind>()
/** The last kind asked for: a server's accepted sockets are all of its kind. */
let lastKind: Kind = { type: 'tcp', family: 'inet', protocol: 'tcp' }

function kindOf(type: SocketType, family: Family, protocol: string): Kind {
  if (lastKind.type === type && lastKind.family === family && lastKind.protocol === protocol) return lastKind
  const key = `${type} ${family} ${protocol}`
  let kind = kinds.get(key)
  if (kind === undefined) {
    kind = { type, family, protocol }
    kinds.set(key, kind)
  }
  lastKind = kind
  return kind
}

/** What all sockets share: identity, close, bind, addresses. */
export class Socket {
  /** @internal */ readonly state: SocketState
  private readonly kind: Kind

  /** @internal */
  constructor(state: SocketState, type: SocketType, family: Family, protocol: string) {
    this.state = state
    this.kind = kindOf(type, family, protocol)
    collector.register(this, state)
    // Weakly, for when descriptors run out before the finalizer has run.
    native.watch(state.id, this)
  }

  /** `'tcp'`, `'udp'` or `'raw'`. */
  type(): SocketType {
    return this.kind.type
  }

  /** `'inet'`, `'inet6'` or `'unix'`. */
  family(): Family {
    return this.kind.family
  }

  /**
   * The protocol the OS uses for it: `'tcp'` for TCP, `'udp'` for UDP, the
   * one it was opened with for raw sockets and explicit protocols
   * (`'icmp'`, or the number as text when it has no name); `'ip'` (0) for
   * Unix sockets, which have none.
   */
  protocol(): string {
    return this.kind.protocol
  }

  /** True once {@link close} was called. */
  isClosed(): boolean {
    return this.state.closed
  }

  /**
   * Closes the socket. Coroutines waiting on it wake with `[null, 'closed']`.
   * Closing twice is harmless.
   */
  close(): Ok<true> {
    untrack(this.state)
    return OK_TRUE
  }

  /**
   * Gives up this thread's ownership of the socket, to move it to another
   * thread: deregisters it from this thread's poller without closing it
   * (nothing in its kernel buffers is lost), wakes coroutines waiting on it
   * here with `[null, 'closed']`, and returns a descriptor to `postMessage`
   * and `socket.adopt()` in the other thread. From then on this object
   * behaves as closed. `[null, 'closed']` if it was closed (or detached).
   */
  detach(): Result<SocketDescriptor> {
    if (this.state.closed) return CLOSED
    forget(this.state)
    const token = native.detach(this.state.id, this.kind.protocol)
    if (token < 0) return fail(token)
    return [makeDescriptor(token, this.kind.type, this.kind.family, this.kind.protocol)]
  }

  /**
   * A descriptor of a duplicate of this socket (`dup(2)`;
   * `WSADuplicateSocket` on Windows), for another thread to `adopt()`:
   * this socket stays open and owned here, and both handles reach the same
   * kernel socket. How several threads serve one listener.
   */
  share(): Result<SocketDescriptor> {
    if (this.state.closed) return CLOSED
    const token = native.share(this.state.id, this.kind.protocol)
    if (token < 0) return fail(token)
    return [makeDescriptor(token, this.kind.type, this.kind.family, this.kind.protocol)]
  }

  /** `bind(2)` to an address (`addr`) or `host, port` (host `'*'` = all interfaces). */
  bind(host?: Host | AddrInfo, port?: Port): Promise<Result<true>> {
    const found = resolveFor(this.kind.type, this.kind.family, host, port, true)
    return found instanceof Promise ? found.then((r) => this.bindTo(r)) : Promise.resolve(this.bindTo(found))
  }

  /** @internal */
  bindTo(found: Result<AddrInfo>): Result<true> {
    if (found[1] !== undefined) return found
    if (this.state.closed) return CLOSED
    const entry = pickEntry(found[0], this.kind.family)
    if (entry === null) return failWith('address_not_available')
    const rc = native.bind(this.state.id, entry.list, entry.index)
    if (rc < 0) return fail(rc)
    this.state.bound = true
    return OK_TRUE
  }

  /** The address the socket is bound to (`getsockname(2)`). */
  localAddr(): Result<AddrInfo> {
    return addrResult(fromNative(native.localAddr(this.state.id)))
  }

  /** The connected peer's address (`getpeername(2)`). */
  remoteAddr(): Result<AddrInfo> {
    return addrResult(fromNative(native.remoteAddr(this.state.id)))
  }

  /**
   * Sets a socket option by name (`setsockopt(2)`): `[true]`, or an error
   * tuple when the OS refuses (`'not_supported'` where this socket or OS
   * lacks the option). An unknown name or a wrong value type throws.
   */
  setopt<K extends SetOptionName>(name: K, value: SetOptions[K]): Result<true> {
    return setOption(this.state.id, this.kind.family, name, value)
  }

  /** Reads a socket option by name (`getsockopt(2)`): `[value]`, typed per option. */
  getopt<K extends GetOptionName>(name: K): Result<GetOptions[K]> {
    return getOption(this.state.id, name) as Result<GetOptions[K]>
  }
}

function addrResult(found: AddrInfo | number): Result<AddrInfo> {
  return typeof found === 'number' ? fail(found) : [found]
}

/** The first entry of `addr`'s list (from `addr` on) in `family`. */
export function pickEntry(addr: AddrInfo, family: Family): AddrInfo | null {
  for (const entry of addr.addrs()) if (entry.family() === family) return entry
  return null
}

/** A TCP socket (or a Unix stream socket, with family `'unix'`). */
export class TcpSocket extends Socket {
  /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
  override detach(): Result<SocketDescriptor<'tcp'>> {
    return super.detach() as Result<SocketDescriptor<'tcp'>>
  }

  /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
  override share(): Result<SocketDescriptor<'tcp'>> {
    return super.share() as Result<SocketDescriptor<'tcp'>>
  }

  /**
   * Puts the socket in listening mode, binding it first if it is not bound
   * (to `host, port` or `addr`; default all interfaces, any port). The
   * backlog defaults to the OS maximum.
   *
   * @example
   * ```ts
   * const [server] = socket.tcp()
   * const [, err] = await server!.listen('127.0.0.1', 8080)   // err: 'address_already_in_use', …
   * const [backlogged] = socket.tcp()
   * await backlogged!.listen(16, '127.0.0.1', 0)             // port 0: any free one
   * ```
   */
  listen(backlog?: number, host?: Host | AddrInfo, port?: Port): Promise<Result<true>>
  listen(host?: Host | AddrInfo, port?: Port): Promise<Result<true>>
  listen(...args: unknown[]): Promise<Result<true>> {
    let backlog = -1
    if (typeof args[0] === 'number') {
      const given = args.shift() as number
      if (!Number.isInteger(given) || given < 0) throw new RangeError('backlog must be a non-negative integer')
      backlog = Math.min(given, 0x7fffffff)
    }
    const [host, port] = args as [Host | AddrInfo, Port]
    const listenNow = (): Result<true> => {
      if (this.state.closed) return CLOSED
      const rc = native.listen(this.state.id, backlog)
      return rc < 0 ? fail(rc) : OK_TRUE
    }
    if (this.state.bound) return Promise.resolve(listenNow())
    return this.bind(host, port).then((r) => (r[1] !== undefined ? r : listenNow()))
  }

    /**
   * Waits for and accepts a connection (`accept4(2)`: non-blocking,
   * close-on-exec); the new socket knows its `remoteAddr()`. A connection
   * that fails before it is taken (reset by its client) is skipped; out of
   * descriptors it returns the error (`'too_many_open_files'`), and the next
   * `accept` first waits until a socket closes or a back-off passes, so an
   * accept loop never spins and no queued client is dropped
   * (docs/api.md, "Accepting under overload").
   *
   * @example
   * ```ts
   * const [conn, err] = await server.accept()
   * if (err === 'closed') return              // the listener was closed
   * const [peer] = conn!.remoteAddr()
   * ```
   */
  accept(expires?: Expires): Promise<Result<TcpSocket>> {
    checkExpires(expires)
    return this.acceptLoop(expiresOf(expires))
  }

  private async acceptLoop(expires: Deadline): Promise<Result<TcpSocket>> {
    const state = this.state
    // Set when the deadline or signal ended the wait: one last try, then give up.
    let gaveUp: Wake = Wake.Ready
    let backedOff = false
    for (;;) {
      if (state.closed) return CLOSED
      const backoff = exhausted.get(state)
      if (backoff !== undefined && !backedOff && gaveUp === Wake.Ready && clock() < backoff.retryAt) {
        // Out of descriptors last time: wait until this process closes a
        // socket or the back-off passes, rather than fail again at once.
        gaveUp = await whenFdReleased(backoff.retryAt, expires)
        backedOff = true
        continue
      }
      if (state.readable || gaveUp !== Wake.Ready) {
        let id = native.accept(state.id)
        if (id < 0 && id !== WOULD_BLOCK && reclaimed(id)) id = native.accept(state.id)
        if (id >= 0) {
          opened()
          if (backoff !== undefined) exhausted.delete(state)
          const socket = new TcpSocket(track(id), this.type(), this.family(), this.protocol())
          socket.state.bound = true
          return completed<Result<TcpSocket>>([socket])
        }
        if (id !== WOULD_BLOCK) {
          // The connection stays queued and the listener readable.
          if (isOutOfResources(id)) backOff(state, backoff)
          return fail(id)
        }
        state.readable = false
      }
      if (gaveUp !== Wake.Ready) return notReady(gaveUp)
      gaveUp = await waitReadable(state, expires)
    }
  }

  /**
   * Connects to `host, port` or `addr`; resolves names off the event loop.
   * A connect that times out (or is aborted) closes the socket: a
   * half-open non-blocking connect cannot be restarted.
   *
   * @example
   * ```ts
   * const [, err] = await s.connect('127.0.0.1', 8080, socket.clock() + 5)   // 'timeout' after 5 s
   * const [, aborted] = await s.connect('example.com', 443, AbortSignal.timeout(5000))
   * ```
   */
  connect(addr: AddrInfo, expires?: Expires): Promise<Result<true>>
  connect(host: Host | AddrInfo, port?: Port, expires?: Expires): Promise<Result<true>>
  connect(host: Host | AddrInfo, port?: Port | Expires, expires?: Expires): Promise<Result<true>> {
    if (host instanceof AddrInfo) {
      expires = port as Expires | undefined
      port = undefined
    }
    checkExpires(expires)
    const found = resolveFor(this.type(), this.family(), host, port as Port, false)
    const deadline = expiresOf(expires)
    return found instanceof Promise
      ? found.then((r) => this.connectTo(r, deadline))
      : this.connectTo(found, deadline)
  }

  private async connectTo(found: Result<AddrInfo>, expires: Deadline): Promise<Result<true>> {
    if (found[1] !== undefined) return found
    const state = this.state
    if (state.closed) return CLOSED
    const entry = pickEntry(found[0], this.family())
    if (entry === null) return failWith('address_not_available')
    const rc = native.connect(state.id, entry.list, entry.index)
    if (rc < 0) return fail(rc)
    this.state.bound = true
    if (rc === 0) return OK_TRUE
    // Under way: completion (or failure) shows as writability.
    state.writable = false
    for (;;) {
      const outcome = await waitWritable(state, expires)
      if (outcome !== Wake.Ready) {
        this.close()
        return notReady(outcome)
      }
      const result = native.connectResult(state.id)
      if (result === 0) return OK_TRUE
      if (result !== WOULD_BLOCK) return fail(result)
      state.writable = false
    }
  }

  /**
   * Sends up to `maxlen` bytes of `buf` (default: all of it), waiting while
   * the socket buffer is full. Returns how many bytes were sent (maybe
   * fewer than asked: see {@link sendall}), straight from `buf`, no copy.
   * Never raises `SIGPIPE`: a send to a reset peer is `'broken_pipe'` or
   * `'connection_reset'`.
   *
   * @example
   * ```ts
   * const [n, err] = await s.send(Buffer.from('hello'))   // n: bytes sent, maybe fewer than asked
   * ```
   */
  send(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>> {
    const len = checkBuffer(buf, maxlen)
    checkExpires(expires)
    return transfer(this.state, Io.StreamWrite, nativeSend, buf, len, undefined, expiresOf(expires))
  }

  /**
   * Receives up to `maxlen` bytes into `buf` (default: its length), waiting
   * until some arrive. Returns the count; 0 means the peer closed, so
   * `maxlen` 0 (or an empty `buf`) throws `RangeError`.
   *
   * @example
   * ```ts
   * const buf = Buffer.alloc(4096)
   * const [n, err] = await s.recv(buf)        // n === 0: the peer closed its side
   * ```
   */
  recv(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>> {
    const len = checkBuffer(buf, maxlen, 1)
    checkExpires(expires)
    return transfer(this.state, Io.StreamRead, nativeRecv, buf, len, undefined, expiresOf(expires))
  }

  /**
   * Sends several buffers as one stream write (`sendmsg(2)`/`writev`; a
   * header and a body in one system call), waiting while the socket buffer
   * is full. Returns how many bytes were sent, which may be fewer than all
   * (as for {@link send}).
   */
  sendv(bufs: readonly Uint8Array[], expires?: Expires): Promise<Result<number>> {
    const total = checkBuffers(bufs, bufs?.length)
    checkExpires(expires)
    return transfer(this.state, Io.StreamWrite, sendVectored, { bufs, total }, total, 0, expiresOf(expires))
  }

  /**
   * Sends all `len` bytes of `buf` (default: all of it), as many `send(2)`
   * calls as it takes: `[true]`, or `[null, err, code, sent]` with the count
   * that went out before the failure (timeout, abort, reset, close). An
   * array of buffers goes out as their concatenation, vectored
   * ({@link sendv}); `len` then counts from the first buffer's start.
   *
   * @example
   * ```ts
   * const [, err, , sent] = await s.sendall(body, body.length, socket.clock() + 10)
   * await s.sendall([header, body])   // one writev where the kernel takes it all
   * ```
   */
  sendall(buf: Uint8Array | readonly Uint8Array[], len?: number | null, expires?: Expires): Promise<Transferred> {
    if (Array.isArray(buf)) return this.sendallVectored(buf as readonly Uint8Array[], len, expires)
    const total = checkBuffer(buf, len)
    checkExpires(expires)
    return moveAll(this.state, Io.StreamWrite, nativeSend, buf as Uint8Array, total, expiresOf(expires), BYTES)
  }

  private sendallVectored(bufs: readonly Uint8Array[], len: number | null | undefined, expires: Expires | undefined): Promise<Transferred> {
    const all = checkBuffers(bufs, bufs.length)
    let total = all
    if (len !== undefined && len !== null) {
      if (typeof len !== 'number') throw new TypeError('len must be a number')
      if (!Number.isInteger(len) || len < 0 || len > all) {
        throw new RangeError(`len must be an integer from 0 to the buffers' total length (${all}), got ${len}`)
      }
      total = len
    }
    checkExpires(expires)
    const vector: Vectored = { bufs, total: all }
    return moveAll(this.state, Io.StreamWrite, sendVectored, vector, total, expiresOf(expires), VECTORED)
  }

  /**
   * Receives exactly `len` bytes into `buf` (default: its length): `[true]`,
   * or `[null, err, code, received]`; `err` is `'eof'` when the peer closed
   * first. The bytes received before a failure are in `buf[0..received]`.
   *
   * @example
   * ```ts
   * const header = Buffer.alloc(4)
   * const [, err, , got] = await s.recvall(header)   // err 'eof': the peer closed after `got` bytes
   * ```
   */
  recvall(buf: Uint8Array, len?: number | null, expires?: Expires): Promise<Transferred> {
    const total = checkBuffer(buf, len, 1)
    checkExpires(expires)
    return moveAll(this.state, Io.StreamRead, nativeRecv, buf, total, expiresOf(expires), BYTES)
  }

  /**
   * `shutdown(2)`: `'w'` sends FIN (the peer reads 0, and can still send to
   * us), `'r'` stops receiving (reads return 0), `'rw'` both. The socket
   * stays open until `close()`.
   *
   * @example
   * ```ts
   * s.shutdown('w')                           // FIN: the peer reads 0; we can still recv
   * ```
   */
  shutdown(how: 'r' | 'w' | 'rw' = 'rw'): Result<true> {
    const code = how === 'r' ? 0 : how === 'w' ? 1 : how === 'rw' ? 2 : -1
    if (code < 0) throw new TypeError(`shutdown takes 'r', 'w' or 'rw', got ${String(how)}`)
    const rc = native.shutdown(this.state.id, code)
    if (rc < 0) return fail(rc)
    if (code !== 1) readShutDown(this.state)
    return OK_TRUE
  }

  /**
   * A `node:stream` Duplex over this connected socket, which it owns from
   * now on (destroying it closes the socket): for `node:http`, `node:tls`
   * and stream clients. See `src/duplex.ts`.
   *
   * @example
   * ```ts
   * const server = http.createServer(handler)
   * socket.newThread(async () => {
   *   for (;;) {
   *     const [conn, err] = await listener.accept()
   *     if (err === 'closed') break
   *     if (!err) server.emit('connection', conn!.toDuplex())
   *   }
   * })
   * ```
   */
  toDuplex(options?: SocketDuplexOptions): SocketDuplex {
    return toDuplex(this, options)
  }
}

// ---- accept when out of descriptors --------------------------------------

// `accept` failing with EMFILE/ENFILE/ENOBUFS/ENOMEM leaves the connection
// queued and the listener readable, so retrying at once would fail the same
// way, as fast as the loop can spin. Such a failure is returned (so the
// server can log it), and the listener's next `accept` first waits until
// this process closes a socket or a back-off passes (10 ms, doubling up to
// 0.5 s, for descriptors freed elsewhere), then tries again: the server uses
// next to no CPU while out of descriptors, its timers and connections keep
// running, and queued clients are served as soon as descriptors free up.
// Nothing is shed: a client waits in the kernel's backlog until then.

const FIRST_BACKOFF = 0.01
const MAX_BACKOFF = 0.5

/** A listener whose last accept ran out of resources: when to try again. */
interface Backoff {
  retryAt: number
  delay: number
}
const exhausted = new WeakMap<SocketState, Backoff>()

function backOff(state: SocketState, last: Backoff | undefined): void {
  const delay = last === undefined ? FIRST_BACKOFF : Math.min(MAX_BACKOFF, last.delay * 2)
  exhausted.set(state, { retryAt: clock() + delay, delay })
}

/**
 * `socket.tcp(family, protocol)`: a new TCP (or Unix stream) socket.
 *
 * @example
 * ```ts
 * const [s, err] = socket.tcp()             // IPv4; tcp('inet6'), tcp('unix')
 * if (err) throw new Error(err)             // e.g. 'too_many_open_files'
 * ```
 */
export function tcp(family: Family = 'inet', protocol?: string | number): Result<TcpSocket> {
  return openSocket(TcpSocket, 'tcp', family, protocol)
}

/** The constructor of a {@link Socket} class. */
export type SocketClass<S extends Socket> = new (
  state: SocketState,
  type: SocketType,
  family: Family,
  protocol: string,
) => S

/** `socket(2)` of `type`, wrapped in `Class`: what `tcp()`, `udp()` and `raw()` do. */
export function openSocket<S extends Socket>(
  Class: SocketClass<S>,
  type: SocketType,
  family: unknown,
  protocol: string | number | undefined,
): Result<S> {
  checkFamilyArg(family)
  const proto = protocolNumber(protocol)
  const opened = openNative(type, family, proto)
  if (opened[1] !== undefined) return opened
  return [new Class(opened[0], type, family, protocolLabel(type, family, proto))]
}

export function checkFamilyArg(family: unknown): asserts family is Family {
  if (family !== 'inet' && family !== 'inet6' && family !== 'unix') {
    throw new TypeError(`family must be 'inet', 'inet6' or 'unix', got ${String(family)}`)
  }
}

/**
 * The protocol the OS uses for a socket opened with protocol number
 * `proto`: 0 picks TCP for stream and UDP for datagram IP sockets (Unix
 * sockets have no protocol: 0, `'ip'`).
 */
export function protocolLabel(type: SocketType, family: Family, proto: number): string {
  if (proto === 0 && family !== 'unix') {
    if (type === 'tcp') return 'tcp'
    if (type === 'udp') return 'udp'
  }
  return protocolName(proto)
}
