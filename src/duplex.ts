// Stream sockets as `node:stream` Duplexes (issue #12), so that `node:http`,
// `node:tls` and every stream-based client run over socket2 connections.
//
// A `SocketDuplex` owns its socket. Reads go through the socket's own `recv`
// (the normal try → wait → retry path and its scheduling), into a buffer of
// the duplex's own; writes through `sendall`. Node's stream machinery does
// the buffering and the backpressure (`highWaterMark`, `write()` → false,
// 'drain'); the socket only ever holds one read and one write in flight.
//
// Reading: while the socket is not known to be readable the duplex waits
// for readability without holding a buffer (an idle connection pins no read
// memory beyond its small reusable one), then receives into its buffer.
// A short read (at most COPY_MAX bytes: requests, responses, TLS records) is
// copied out into a right-sized Buffer (small ones come from Node's shared
// allocation pool) and the buffer is reused; a larger read hands the buffer
// itself to the stream (no copy) and a new one is allocated for the next
// read, growing to BIG_READ while reads keep filling it (bulk transfers) and
// back to SMALL_READ when they do not.

import { Duplex } from 'node:stream'

import type { Family } from './addr.js'
import type { ErrorName, Result } from './result.js'
import { type SocketState, Wake, unrefWaits, whenReadable } from './scheduler.js'
import { type TcpSocket, tcp } from './socket.js'

/** The read buffer of a connection that reads little at a time. */
const SMALL_READ = 16 * 1024
/** The read buffer of a connection whose reads fill it (bulk transfer). */
const BIG_READ = 64 * 1024
/** Reads up to this size are copied out and the buffer reused. */
const COPY_MAX = 4 * 1024

/** Options of {@link SocketDuplex} (`tcp.toDuplex(options)`). */
export interface SocketDuplexOptions {
  /**
   * Keep the writable side open after the peer's FIN ('end'): `false` (the
   * default, as `node:net`) ends ours too; `true` leaves that to you.
   */
  allowHalfOpen?: boolean
  /** Bytes the readable side buffers before it stops receiving (default 64 KiB). */
  readableHighWaterMark?: number
  /** Bytes the writable side buffers before `write()` returns false (default 64 KiB). */
  writableHighWaterMark?: number
  /** Both high-water marks at once. */
  highWaterMark?: number
  /** Destroy when both sides are done (default true, as `node:net`). */
  autoDestroy?: boolean
  /** Idle timeout in milliseconds, as `setTimeout(ms)` (0: none). */
  timeout?: number
  /** An `AbortSignal` that destroys the duplex. */
  signal?: AbortSignal
}

/** Options of {@link connectDuplex}: where to connect, plus {@link SocketDuplexOptions}. */
export interface ConnectDuplexOptions extends SocketDuplexOptions {
  /** Host name or IP (default `'localhost'`). */
  host?: string | null
  /** Port number or service name; required unless `path` is given. */
  port?: number | string | null
  /** A Unix socket path (or `@abstract` name): a Unix stream connection. */
  path?: string | null
  /** `'inet'`/`4` or `'inet6'`/`6` (default, or 0: IPv6 for an IPv6 literal, else IPv4). */
  family?: 'inet' | 'inet6' | number | null
  /** `TCP_NODELAY` once connected. */
  noDelay?: boolean
  /** TCP keep-alive once connected, with `keepAliveInitialDelay` ms before the first probe. */
  keepAlive?: boolean
  /** Milliseconds of idle before the first keep-alive probe (with `keepAlive`). */
  keepAliveInitialDelay?: number
}

/**
 * The `Error` a duplex emits for a failed socket call: `code` is socket2's
 * error name (`'connection_reset'`, `'connection_refused'`, `'timeout'`, …),
 * `errno` the OS error number where there is one, `syscall` the call.
 */
export interface SocketDuplexError extends Error {
  /** socket2's error name, as in the tuple (`'connection_refused'`). */
  code: ErrorName
  /** The OS error number, where there is one. */
  errno?: number
  /** The call that failed: `'connect'`, `'read'`, `'write'`, `'shutdown'`. */
  syscall: string
}

/** An `Error` for a socket2 failure tuple, with the name as its `code`. */
export function duplexError(err: ErrorName, errno: number | undefined, syscall: string): SocketDuplexError {
  const error = new Error(`${syscall} failed: ${err}`) as SocketDuplexError
  error.code = err
  if (errno !== undefined) error.errno = errno
  error.syscall = syscall
  return error
}

type Recv = [number, undefined?, undefined?] | [null, ErrorName, number?]
type Sent = [true, ...unknown[]] | [null, ErrorName, number | undefined, number]

/**
 * A `node:stream` Duplex over a socket2 stream socket (TCP or Unix), with the
 * parts of `net.Socket` that `node:http`, `node:tls` and clients use:
 * addresses, `setNoDelay`, `setKeepAlive`, `setTimeout`/'timeout',
 * `ref`/`unref`, `bytesRead`/`bytesWritten`, `connecting`/'connect',
 * `destroySoon`. Made by `tcp.toDuplex()` or {@link connectDuplex}.
 */
export class SocketDuplex extends Duplex {
  /** The socket this duplex owns (closed when the duplex is destroyed). */
  readonly socket: TcpSocket
  /** True while a {@link connectDuplex} connection is being set up. */
  connecting = false
  /** Bytes received so far. */
  bytesRead = 0
  /** Bytes sent so far (the socket accepted them). */
  private sent = 0
  /** The idle timeout in ms (0: none), as set by {@link setTimeout}. */
  timeout = 0

  private readonly state: SocketState
  private readonly family: Family
  private buf: Buffer | null = null
  private readSize = SMALL_READ
  /** A recv or a readability wait is under way. */
  private reading = false
  /** The stream wants data (`_read` called, not yet satisfied). */
  private wanted = false
  private eof = false
  private refed = true
  /** Our pending read is counted as not keeping the process alive (see {@link unref}). */
  private unrefCounted = false
  private afterConnect: Array<() => void> | null = null
  private timer: NodeJS.Timeout | null = null
  /** When {@link timer} fires (performance.now() ms). */
  private timerDue = 0
  private lastActive = 0
  private peer: { address?: string; port?: number; family?: string } | null = null
  private local: { address?: string; port?: number; family?: string } | null = null

  constructor(socket: TcpSocket, options: SocketDuplexOptions = {}) {
    super({
      allowHalfOpen: options.allowHalfOpen ?? false,
      highWaterMark: options.highWaterMark,
      readableHighWaterMark: options.readableHighWaterMark,
      writableHighWaterMark: options.writableHighWaterMark,
      autoDestroy: options.autoDestroy ?? true,
      signal: options.signal,
      emitClose: true,
      decodeStrings: true,
    })
    this.socket = socket
    this.state = socket.state
    this.family = socket.family()
    if (options.timeout) this.setTimeout(options.timeout)
  }

  // ---- reading ------------------------------------------------------------

  /** node:stream's hook: starts receiving (no need to call it). */
  override _read(): void {
    this.wanted = true
    if (!this.reading) this.readMore()
  }

  /** Receives the next chunk, first waiting (bufferless) for readability. */
  private readMore(): void {
    if (this.afterConnect !== null) {
      this.deferUntilConnected(() => this.readMore())
      return
    }
    const state = this.state
    if (this.reading || state.closed || this.eof) return
    this.reading = true
    if (!this.refed) this.countUnref()
    if (!state.readable) {
      whenReadable(state, undefined, this.onReadable)
      return
    }
    const buf = this.buf ?? (this.buf = Buffer.allocUnsafe(this.readSize))
    this.socket.recv(buf).then(this.onRecv, this.onReadFailure)
  }

  /**
   * An unref'd duplex's read (its readability wait, or a recv that waits)
   * does not keep the process alive: counted from start to end.
   */
  private countUnref(): void {
    if (!this.unrefCounted) {
      this.unrefCounted = true
      unrefWaits(1)
    }
  }

  private uncountUnref(): void {
    if (this.unrefCounted) {
      this.unrefCounted = false
      unrefWaits(-1)
    }
  }

  private readonly onReadable = (outcome: Wake): void => {
    this.uncountUnref()
    this.reading = false
    if (outcome !== Wake.Ready || this.destroyed) return
    if (this.wanted) this.readMore()
  }

  private readonly onRecv = (result: Recv): void => {
    this.uncountUnref()
    this.reading = false
    if (this.destroyed) return
    const n = result[0]
    if (n === null) {
      this.destroy(duplexError(result[1]!, result[2], 'recv'))
      return
    }
    if (n === 0) {
      this.eof = true
      this.wanted = false
      this.push(null)
      return
    }
    this.bytesRead += n
    if (this.timeout > 0) this.touch()
    const buf = this.buf!
    let chunk: Buffer
    if (n <= COPY_MAX) {
      chunk = Buffer.allocUnsafe(n)
      buf.copy(chunk, 0, 0, n)
      if (buf.length > SMALL_READ) {
        // Reads got small again: a big buffer is not worth keeping.
        this.buf = null
        this.readSize = SMALL_READ
      }
    } else {
      chunk = n === buf.length ? buf : buf.subarray(0, n)
      this.buf = null
      this.readSize = n === buf.length ? BIG_READ : SMALL_READ
    }
    this.wanted = this.push(chunk)
    if (this.wanted && !this.reading) this.readMore()
  }

  private readonly onReadFailure = (error: unknown): void => {
    this.uncountUnref()
    this.reading = false
    this.destroy(error instanceof Error ? error : new Error(String(error)))
  }

  // ---- writing ------------------------------------------------------------

  /** node:stream's hook for `write()` (no need to call it). */
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.afterConnect !== null) {
      this.deferUntilConnected(() => this._write(chunk, _encoding, callback))
      return
    }
    this.sendChunk(chunk, callback)
  }

  /** node:stream's hook for corked writes (no need to call it). */
  override _writev(
    chunks: Array<{ chunk: Buffer; encoding: BufferEncoding }>,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.afterConnect !== null) {
      this.deferUntilConnected(() => this._writev(chunks, callback))
      return
    }
    // One send of the concatenation: a few small chunks (headers and a
    // body, TLS records) cost one copy instead of one system call each.
    // Big chunks are sent one by one, uncopied.
    let total = 0
    for (const { chunk } of chunks) total += chunk.length
    if (total <= BIG_READ) {
      this.sendChunk(Buffer.concat(chunks.map((c) => c.chunk), total), callback)
      return
    }
    let at = 0
    const next = (error?: Error | null): void => {
      if (error || at === chunks.length) return callback(error)
      this.sendChunk(chunks[at++].chunk, next)
    }
    next()
  }

  private sendChunk(chunk: Buffer, callback: (error?: Error | null) => void): void {
    void this.socket.sendall(chunk).then(
      (result: Sent) => {
        if (result[0] === true) {
          this.sent += chunk.length
          if (this.timeout > 0) this.touch()
          callback()
        } else {
          this.sent += result[3]
          callback(duplexError(result[1], result[2], 'send'))
        }
      },
      (error: unknown) => {
        callback(error instanceof Error ? error : new Error(String(error)))
      },
    )
  }

  /** node:stream's hook for `end()`: sends FIN (`shutdown('w')`). */
  override _final(callback: (error?: Error | null) => void): void {
    if (this.afterConnect !== null) {
      this.deferUntilConnected(() => this._final(callback))
      return
    }
    if (this.state.closed) return callback()
    const [, err, code] = this.socket.shutdown('w')
    // The peer already gone (reset): nothing left to tell it.
    callback(err && err !== 'not_connected' ? duplexError(err, code, 'shutdown') : null)
  }

  // ---- ending ---------------------------------------------------------------

  /** node:stream's hook for `destroy()`: closes the socket. */
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.clearTimer()
    // What write() took is on the wire already unless the socket buffer was
    // full: the scheduler makes every ready send(2) at once (its fairness
    // budget only delays the result), so a write-then-destroy delivers it,
    // as with node:net (node:http answers a malformed or timed-out request
    // that way).
    this.closeNow(error, callback)
  }

  private closeNow(error: Error | null, callback: (error?: Error | null) => void): void {
    // Wakes our waits (readability, recv, sendall, connect) with 'closed'.
    this.socket.close()
    if (this.afterConnect !== null) this.connected()
    callback(error)
  }

  /** Ends the writable side, and destroys once everything is written (as `net.Socket`). */
  destroySoon(): void {
    if (this.writable) this.end()
    if (this.writableFinished) this.destroy()
    else this.once('finish', () => this.destroy())
  }

  // ---- connecting -----------------------------------------------------------

  /** @internal Starts `connect` on the owned socket; I/O waits until it completes. */
  startConnect(connecting: Promise<Result<true>>): void {
    this.connecting = true
    this.afterConnect = []
    connecting.then(
      ([, err, code]) => {
        if (this.destroyed) return
        // Destroying closes the socket, then runs what waited (it sees 'closed').
        if (err) return void this.destroy(duplexError(err, code, 'connect'))
        this.connecting = false
        if (this.timeout > 0) this.touch()
        this.emit('connect')
        this.emit('ready')
        this.connected()
      },
      (error: unknown) => this.destroy(error instanceof Error ? error : new Error(String(error))),
    )
  }

  private deferUntilConnected(fn: () => void): void {
    this.afterConnect!.push(fn)
  }

  /** Runs what waited for the connection (after a failure, they see it closed). */
  private connected(): void {
    const waiting = this.afterConnect
    this.afterConnect = null
    this.connecting = false
    if (waiting !== null) for (const fn of waiting) fn()
  }

  /** `'opening'`, `'open'`, `'readOnly'`, `'writeOnly'` or `'closed'`, as `net.Socket`. */
  get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed' {
    if (this.connecting) return 'opening'
    if (this.readable && this.writable) return 'open'
    if (this.readable) return 'readOnly'
    if (this.writable) return 'writeOnly'
    return 'closed'
  }

  /** True until connected, as `net.Socket#pending`. */
  get pending(): boolean {
    return this.connecting || this.state.closed
  }

  // ---- what net.Socket users read -----------------------------------------

  /** Bytes sent plus bytes still queued to send, as `net.Socket#bytesWritten`. */
  get bytesWritten(): number {
    return this.sent + this.writableLength
  }

  /** The peer's IP address, as `net.Socket#remoteAddress` (`undefined` for Unix sockets). */
  get remoteAddress(): string | undefined {
    return this.peerInfo().address
  }

  /** The peer's port, as `net.Socket#remotePort`. */
  get remotePort(): number | undefined {
    return this.peerInfo().port
  }

  /** `'IPv4'` or `'IPv6'`, as `net.Socket#remoteFamily`. */
  get remoteFamily(): string | undefined {
    return this.peerInfo().family
  }

  /** Our IP address, as `net.Socket#localAddress`. */
  get localAddress(): string | undefined {
    return this.localInfo().address
  }

  /** Our port, as `net.Socket#localPort`. */
  get localPort(): number | undefined {
    return this.localInfo().port
  }

  /** `'IPv4'` or `'IPv6'`, as `net.Socket#localFamily`. */
  get localFamily(): string | undefined {
    return this.localInfo().family
  }

  /** `{ address, family, port }` of our end, as `net.Socket#address()` (`{}` for Unix sockets). */
  address(): {
    /** Our IP address. */
    address?: string
    /** `'IPv4'` or `'IPv6'`. */
    family?: string
    /** Our port. */
    port?: number
  } {
    return { ...this.localInfo() }
  }

  private peerInfo(): { address?: string; port?: number; family?: string } {
    if (this.peer === null) {
      const info = this.addressOf('remote')
      if (info === null) return {}
      this.peer = info
    }
    return this.peer
  }

  private localInfo(): { address?: string; port?: number; family?: string } {
    if (this.local === null) {
      const info = this.addressOf('local')
      if (info === null) return {}
      this.local = info
    }
    return this.local
  }

  /** The address as `net.Socket` shows it, or null while it cannot be known yet. */
  private addressOf(which: 'local' | 'remote'): { address?: string; port?: number; family?: string } | null {
    if (this.family === 'unix') return {}
    if (this.connecting || this.state.closed) return null
    const [ai, err] = which === 'local' ? this.socket.localAddr() : this.socket.remoteAddr()
    if (err) return null
    const address = ai.ip() ?? undefined
    const port = ai.port() ?? undefined
    ai.free()
    return { address, port, family: this.family === 'inet6' ? 'IPv6' : 'IPv4' }
  }

  /** `TCP_NODELAY` (default on), as `net.Socket#setNoDelay`; a no-op on Unix sockets. */
  setNoDelay(noDelay = true): this {
    if (this.family !== 'unix') this.whenOpen(() => this.socket.setopt('nodelay', noDelay))
    return this
  }

  /**
   * TCP keep-alive, as `net.Socket#setKeepAlive`: `initialDelay` ms of idle
   * before the first probe (rounded up to whole seconds; 0 keeps the OS's).
   */
  setKeepAlive(enable = false, initialDelay = 0): this {
    if (this.family === 'unix') return this
    this.whenOpen(() => {
      this.socket.setopt('keepalive', enable)
      if (enable && initialDelay > 0) this.socket.setopt('keepidle', Math.min(32767, Math.max(1, Math.ceil(initialDelay / 1000))))
    })
    return this
  }

  private whenOpen(fn: () => void): void {
    if (this.afterConnect !== null) this.deferUntilConnected(() => this.state.closed || fn())
    else if (!this.state.closed) fn()
  }

  /**
   * Emits 'timeout' after `ms` without reads or writes, as
   * `net.Socket#setTimeout` (the duplex stays open; 0 turns it off). The
   * timer does not keep the process alive.
   */
  setTimeout(ms: number, callback?: () => void): this {
    if (typeof ms !== 'number' || !(ms >= 0) || !Number.isFinite(ms)) {
      throw new RangeError(`timeout must be a non-negative number of milliseconds, got ${String(ms)}`)
    }
    this.timeout = ms
    if (callback !== undefined) {
      if (ms === 0) this.off('timeout', callback)
      else this.once('timeout', callback)
    }
    if (ms > 0 && !this.destroyed) {
      this.lastActive = performance.now()
      // node:http sets a timeout around every request (0, then its
      // keep-alive timeout): a pending timer that fires no later than the
      // new one is kept (it re-arms itself for the rest), so that costs no
      // timer calls. A timer left by setTimeout(0) fires and does nothing.
      if (this.timer !== null && this.timerDue > this.lastActive + ms) this.clearTimer()
      if (this.timer === null) this.armTimer(ms)
    }
    return this
  }

  /** Activity (bytes in or out, connected): the idle period starts again. */
  private touch(): void {
    this.lastActive = performance.now()
    if (this.timer === null && !this.destroyed) this.armTimer(this.timeout)
  }

  private armTimer(ms: number): void {
    const delay = Math.max(1, Math.ceil(ms))
    this.timerDue = performance.now() + delay
    this.timer = setTimeout(this.onTimer, delay)
    this.timer.unref()
  }

  private readonly onTimer = (): void => {
    this.timer = null
    if (this.timeout === 0 || this.destroyed) return
    const idle = performance.now() - this.lastActive
    if (idle < this.timeout) {
      this.armTimer(this.timeout - idle)
      return
    }
    // As net.Socket: once per idle period; the next activity re-arms it.
    this.emit('timeout')
  }

  private clearTimer(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
  }

  /** Lets the process exit while this duplex only waits for data, as `net.Socket#unref`. */
  unref(): this {
    if (this.refed) {
      this.refed = false
      if (this.reading) this.countUnref()
    }
    return this
  }

  /** Undoes {@link unref}. */
  ref(): this {
    if (!this.refed) {
      this.refed = true
      this.uncountUnref()
    }
    return this
  }
}

/** `tcp.toDuplex(options)`: the duplex that owns `socket` from now on. */
export function toDuplex(socket: TcpSocket, options?: SocketDuplexOptions): SocketDuplex {
  if (socket.type() !== 'tcp') throw new TypeError('toDuplex needs a stream socket (TCP or Unix stream)')
  if (socket.isClosed()) throw new Error('toDuplex: the socket is closed')
  return new SocketDuplex(socket, options)
}

/**
 * Opens a socket2 connection as a {@link SocketDuplex}, returned at once
 * (`connecting` until 'connect'; writes wait for it), the way
 * `net.createConnection(options)` does: a drop-in `createConnection` for
 * `http.Agent`. Failures (`'connection_refused'`, …) are 'error' events.
 *
 * @example
 * ```ts
 * const agent = new http.Agent({ keepAlive: true })
 * agent.createConnection = (options, onConnect) => socket.connectDuplex(options, onConnect)
 * http.get({ host: '127.0.0.1', port, agent }, (res) => res.resume())
 * ```
 */
export function connectDuplex(options: ConnectDuplexOptions, onConnect?: () => void): SocketDuplex {
  if (options === null || typeof options !== 'object') throw new TypeError('connectDuplex takes an options object')
  const path = options.path ?? undefined
  const host = options.host ?? 'localhost'
  const family: Family =
    path !== undefined
      ? 'unix'
      : options.family === 'inet6' || options.family === 6 || (options.family == null && host.includes(':'))
        ? 'inet6'
        : 'inet'
  const [s, err, code] = tcp(family)
  // No socket at all (out of descriptors): nothing to emit an event on.
  if (err) throw duplexError(err, code, 'socket')
  const duplex = new SocketDuplex(s, options)
  if (onConnect !== undefined) duplex.once('connect', onConnect)
  const port = path !== undefined ? undefined : typeof options.port === 'string' ? Number(options.port) : (options.port ?? 0)
  duplex.startConnect(s.connect(path ?? host, port))
  if (options.noDelay) duplex.setNoDelay(true)
  if (options.keepAlive) duplex.setKeepAlive(true, options.keepAliveInitialDelay ?? 0)
  return duplex
}
