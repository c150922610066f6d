// The transfer engine: the one try → WOULD_BLOCK → wait → retry path of
// every send and recv (stream and datagram), the all-or-error loops of
// `sendall`/`recvall`, and the argument checks those calls share.

import * as native from './native.js'
import { ABORTED, CLOSED, type ErrorName, type Fail, OK_TRUE, type Result, TIMEOUT, fail } from './result.js'
import { type Deadline, type SocketState, Wake, Waiter, completed, completedAs, lastExpires, waitOn } from './scheduler.js'

const WOULD_BLOCK = native.WOULD_BLOCK
const DETACHED = native.DETACHED
const SHORT_READ_DRAINS = native.SHORT_READ_DRAINS
/** `[true]`, settled once: what a `sendall`/`recvall` done in one call returns. */
const OK_TRUE_NOW: Promise<Transferred> = Promise.resolve(OK_TRUE)

/**
 * Throws unless `buf` is a byte array (not detached) and `maxlen` fits in
 * it, and is at least `min`; returns the length to use (default: all of `buf`).
 */
export function checkBuffer(buf: unknown, maxlen: unknown, min = 0): number {
  if (!(buf instanceof Uint8Array)) {
    throw new TypeError('buf must be a Uint8Array or Buffer')
  }
  // A detached buffer reads as empty: refuse it rather than move 0 bytes.
  if (buf.length === 0 && isDetached(buf)) throw new TypeError('buf is detached (its ArrayBuffer was transferred)')
  let len = buf.length
  if (maxlen !== undefined && maxlen !== null) {
    if (typeof maxlen !== 'number') throw new TypeError('maxlen must be a number')
    if (!Number.isInteger(maxlen) || maxlen < 0 || maxlen > buf.length) {
      throw new RangeError(`maxlen must be an integer from 0 to buf.length (${buf.length}), got ${maxlen}`)
    }
    len = maxlen
  }
  if (len < min) {
    throw new RangeError(`maxlen must be at least ${min} here (a stream read of 0 bytes would read as end of stream), got ${len}`)
  }
  return len
}

/**
 * Throws unless `bufs` is a non-empty array of byte arrays (none detached);
 * returns the total length of the first `count` (what the native call
 * checks again to find one detached while the call waited).
 */
export function checkBuffers(bufs: unknown, count: number): number {
  if (!Array.isArray(bufs)) throw new TypeError('bufs must be an array of Uint8Arrays or Buffers')
  if (bufs.length === 0) throw new RangeError('bufs must hold at least one buffer')
  let total = 0
  for (let i = 0; i < bufs.length; i++) {
    const buf: unknown = bufs[i]
    if (!(buf instanceof Uint8Array)) throw new TypeError(`bufs[${i}] must be a Uint8Array or Buffer`)
    if (buf.length === 0 && isDetached(buf)) throw new TypeError(`bufs[${i}] is detached (its ArrayBuffer was transferred)`)
    if (i < count) total += buf.length
  }
  return total
}

function isDetached(buf: Uint8Array): boolean {
  if (buf.buffer.byteLength !== 0) return false
  try {
    // Node 20 has no `ArrayBuffer.prototype.detached`; a view on a detached buffer cannot be made.
    new Uint8Array(buf.buffer)
    return false
  } catch {
    return true
  }
}

/**
 * When a waiting call gives up: an absolute time in seconds on
 * `socket.clock()` (`[null, 'timeout']`), or an `AbortSignal`
 * (`[null, 'aborted']`, or `'timeout'` when its reason is a `TimeoutError`
 * as from `AbortSignal.timeout(ms)`).
 */
export type Expires = number | AbortSignal

/** Throws unless `expires` is absent, a time on `socket.clock()`, or an `AbortSignal`. */
export function checkExpires(expires: unknown): void {
  if (expires === undefined || expires === null || expires instanceof AbortSignal) return
  if (typeof expires !== 'number' || Number.isNaN(expires)) {
    throw new TypeError('expires must be a time in seconds on socket.clock() or an AbortSignal')
  }
}

export function expiresOf(expires: Expires | null | undefined): Deadline {
  return expires === null ? undefined : expires
}

/** The tuple for a wait that ended without readiness. */
export function notReady(outcome: Wake): Fail {
  return outcome === Wake.Timeout ? TIMEOUT : outcome === Wake.Aborted ? ABORTED : CLOSED
}

/**
 * What `sendall`/`recvall` return: `[true]` once every byte is through, or
 * the failure with the count moved before it. `err` is set exactly when it
 * failed, so `if (err)` narrows as for every other tuple.
 */
export type Transferred =
  | [value: true, err?: undefined, code?: undefined, transferred?: undefined]
  | [value: null, err: ErrorName, code: number | undefined, transferred: number]

/**
 * How {@link moveAll} goes on after a partial transfer: the buffer and the
 * extra argument for the call that moves the rest, `done` bytes in.
 */
export interface Resume<B, A> {
  at(buf: B, done: number): B
  extra(done: number): A
}

/** One byte array: the rest is a view past what moved (made only after a partial transfer). */
export const BYTES: Resume<Uint8Array, undefined> = {
  at: (buf, done) => (done === 0 ? buf : buf.subarray(done)),
  extra: () => undefined,
}

/**
 * Moves `total` bytes of `buf` through `transfer` until done, EOF or an
 * error; `resume` says how to go on after a partial transfer ({@link BYTES}
 * for one byte array).
 */
export function moveAll<B, A>(
  state: SocketState,
  io: Io,
  call: TransferCall<A, B>,
  buf: B,
  total: number,
  expires: Deadline,
  resume: Resume<B, A>,
): Promise<Transferred> {
  // The common case, everything in one call on a ready socket, settles here
  // without an async function; the loop below takes over otherwise.
  if (total > 0 && !state.closed && isReady(state, io)) {
    const n = call(state.id, buf, total, resume.extra(0))
    if (n === total) return completedAs<Transferred>(OK_TRUE, OK_TRUE_NOW)
    if (n === WOULD_BLOCK) markBlocked(state, io)
    else if (n < 0) return completed(failedAfter(fail(n), 0))
    else if (n === 0) return completed([null, 'eof', undefined, 0])
    else {
      noteCount(state, io, n, total)
      return moveRest(state, io, call, buf, total, n, expires, resume)
    }
  }
  return moveRest(state, io, call, buf, total, 0, expires, resume)
}

/** `moveAll` from `done` bytes on, waiting as needed. */
async function moveRest<B, A>(
  state: SocketState,
  io: Io,
  call: TransferCall<A, B>,
  buf: B,
  total: number,
  done: number,
  expires: Deadline,
  resume: Resume<B, A>,
): Promise<Transferred> {
  while (done < total) {
    // A view only after a partial transfer: the common single call allocates nothing.
    const rest = resume.at(buf, done)
    const [n, err, code] = await transfer(state, io, call, rest, total - done, resume.extra(done), expires)
    if (err) return [null, err, code, done]
    if (n === 0) return [null, 'eof', undefined, done]
    done += n
  }
  return OK_TRUE
}

function failedAfter(failure: Fail, done: number): Transferred {
  return [null, failure[1], failure[2], done]
}

/**
 * What a {@link transfer} moves, which decides the readiness it waits for
 * and what a short count means.
 */
export interface Io {
  /** It sends, so it waits for writability (else it receives: readability). */
  readonly write: boolean
  /** On a stream a short count tells of readiness; a datagram's size does not. */
  readonly stream: boolean
}

export const Io = {
  /** Bytes from a stream: a short read means drained where `SHORT_READ_DRAINS`. */
  StreamRead: { write: false, stream: true },
  /** Bytes to a stream: a short write means the buffer is full. */
  StreamWrite: { write: true, stream: true },
  /** One datagram in: its size says nothing of what is queued behind it. */
  DatagramRead: { write: false, stream: false },
  /** One datagram out: all or nothing. */
  DatagramWrite: { write: true, stream: false },
} as const satisfies Record<string, Io>

/**
 * A native call moving bytes between `buf[0..len]` and socket `id`, with one
 * more argument (a peer address, or nothing). Returns a count,
 * `WOULD_BLOCK`, or a negative error code.
 */
export type TransferCall<A, B = Uint8Array> = (id: number, buf: B, len: number, extra: A) => number

/**
 * The one try → WOULD_BLOCK → wait → retry path of every send and recv.
 * When the socket looks ready the call is tried at once and the result
 * returned without further async machinery; otherwise it waits for
 * readiness (or `expires`, or close) and tries again.
 */
export function transfer<A, B = Uint8Array>(
  state: SocketState,
  io: Io,
  call: TransferCall<A, B>,
  buf: B,
  len: number,
  extra: A,
  expires: Deadline,
): Promise<Result<number>> {
  if (!state.closed && isReady(state, io)) {
    const n = call(state.id, buf, len, extra)
    if (n !== WOULD_BLOCK) return completed(transferred(state, io, n, len))
    markBlocked(state, io)
  }
  // Driven by the scheduler rather than an async function: one promise and
  // one waiter object per blocked call, and the retry runs right in the
  // event dispatch, before the woken coroutine resumes. The promise's
  // executor is one shared function, not a closure made per call.
  const promise = new Promise<Result<number>>(captureResolve)
  const resolve = captured!
  captured = undefined
  const pending =
    extra === undefined
      ? new PendingTransfer<A, B>(state, io, call, buf, len, resolve)
      : new PendingTransferWith<A, B>(state, io, call, buf, len, resolve, extra)
  pending.start(expires)
  return promise
}

type ResolveTransfer = (result: Result<number> | PromiseLike<Result<number>>) => void

/** The resolve function {@link captureResolve} was last given (taken at once by {@link transfer}). */
let captured: ResolveTransfer | undefined

/** The executor of every waiting transfer's promise: keeps its resolve function for the caller. */
function captureResolve(resolve: ResolveTransfer): void {
  captured = resolve
}

/**
 * A {@link transfer} that had to wait: its arguments, and the retry. Its
 * deadline or signal, if any, is in its `timing` (see `scheduler.ts`): an
 * idle connection's `recv` has neither, and this object is all it holds
 * beside its promise.
 */
class PendingTransfer<A, B = Uint8Array> extends Waiter {
  constructor(
    protected readonly state: SocketState,
    private readonly io: Io,
    protected readonly call: TransferCall<A, B>,
    protected readonly buf: B,
    protected readonly len: number,
    private readonly resolve: (result: Result<number> | PromiseLike<Result<number>>) => void,
  ) {
    super()
  }

  /** The native call, once. */
  protected attempt(): number {
    return this.call(this.state.id, this.buf, this.len, undefined as A)
  }

  /** Waits for readiness, as the call would block. */
  start(expires: Deadline): void {
    this.retry(Wake.Ready, expires)
  }

  wake(outcome: Wake): void {
    this.retry(outcome, lastExpires(this))
  }

  private retry(outcome: Wake, expires: Deadline): void {
    const { state, io } = this
    if (state.closed) return this.resolve(CLOSED)
    // A deadline or signal ended the wait: one last try, so bytes that are
    // there (readiness not seen yet) are never reported as a timeout.
    const gaveUp = outcome !== Wake.Ready
    if (gaveUp || isReady(state, io)) {
      const n = this.attempt()
      if (n !== WOULD_BLOCK) return this.resolve(transferred(state, io, n, this.len))
      markBlocked(state, io)
    }
    if (gaveUp) return this.resolve(notReady(outcome))
    waitOn(state, io.write, expires, this)
  }
}

/** A {@link PendingTransfer} with an argument more (a datagram's peer address or source holder). */
class PendingTransferWith<A, B = Uint8Array> extends PendingTransfer<A, B> {
  constructor(
    state: SocketState,
    io: Io,
    call: TransferCall<A, B>,
    buf: B,
    len: number,
    resolve: (result: Result<number> | PromiseLike<Result<number>>) => void,
    private readonly extra: A,
  ) {
    super(state, io, call, buf, len, resolve)
  }

  protected override attempt(): number {
    return this.call(this.state.id, this.buf, this.len, this.extra)
  }
}

function isReady(state: SocketState, io: Io): boolean {
  return io.write ? state.writable : state.readable
}

function markBlocked(state: SocketState, io: Io): void {
  if (io.write) state.writable = false
  else state.readable = false
}

/**
 * The tuple for a call's count or error; a short stream count clears
 * readiness. A buffer detached while the call waited rejects the call's
 * promise with `TypeError` (misuse found too late to throw at the call).
 */
function transferred(state: SocketState, io: Io, n: number, len: number): Result<number> | Promise<never> {
  if (n === DETACHED) return Promise.reject(detachedError())
  if (n < 0) return fail(n)
  noteCount(state, io, n, len)
  return [n]
}

function detachedError(): TypeError {
  return new TypeError('buf was detached while the call waited on it')
}

/**
 * What a short count says about readiness: a stream write that moved less
 * than asked found the buffer full; a stream read, the socket drained
 * (where `SHORT_READ_DRAINS`, and unless the peer closed: no edge follows).
 */
function noteCount(state: SocketState, io: Io, n: number, len: number): void {
  if (n < len && io.stream) {
    if (io.write) state.writable = false
    else if (SHORT_READ_DRAINS && n > 0 && !state.readClosed) state.readable = false
  }
}
