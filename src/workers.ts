// Sockets between worker threads (OS threads, `node:worker_threads`): `adopt` and `release` (the other half of
// `Socket.detach()` / `Socket.share()`), and the count of sockets on their
// way. The native hand-off table (crates/core `handoff.rs`) owns a socket
// between detach/share and adopt, so every descriptor is used exactly once:
// a second `adopt` of the same descriptor gets `[null, 'closed']`, and a
// descriptor nobody adopts stays open there until `release` or the process
// exits.

import * as native from './native.js'
import { type Family, type SocketType, fromNative } from './addr.js'
import { RawSocket, UdpSocket } from './datagram.js'
import { type SocketDescriptor, isDescriptor } from './descriptor.js'
import { CLOSED, OK_TRUE, type Result, fail } from './result.js'
import { ensureInit, track } from './scheduler.js'
import { TcpSocket } from './socket.js'

export type { SocketDescriptor } from './descriptor.js'

/** The socket class `adopt` returns for a descriptor of type `T`. */
export type SocketOf<T extends SocketType> = T extends 'tcp'
  ? TcpSocket
  : T extends 'udp'
    ? UdpSocket
    : T extends 'raw'
      ? RawSocket
      : never

/** Throws `TypeError` unless `descriptor` is one of this process's descriptors. */
function checkDescriptor(descriptor: unknown, what: string): asserts descriptor is SocketDescriptor {
  if (!isDescriptor(descriptor)) {
    throw new TypeError(`${what} takes a descriptor from socket.detach() or socket.share()`)
  }
  if (descriptor.pid !== process.pid) {
    throw new TypeError(`${what}: the descriptor belongs to process ${descriptor.pid}, not this one (${process.pid})`)
  }
}

/** The result for a native hand-off code: `'closed'` (used already), or a TypeError for a token never handed out. */
function refused(code: number, what: string): Result<never> {
  if (code === native.UNKNOWN_TOKEN) throw new TypeError(`${what}: no such descriptor in this process`)
  return code === native.CLOSED ? CLOSED : fail(code)
}

/**
 * Makes a socket detached or shared by any thread of this process (its
 * descriptor came through `postMessage`) this thread's own: registered
 * with this thread's poller, of the same type, family and protocol, with
 * everything in its kernel buffers. Each descriptor is adopted once: the
 * second `adopt` (in any thread) returns `[null, 'closed']`. Anything that
 * is not a descriptor of this process throws `TypeError`.
 *
 * @example
 * ```ts
 * // main thread
 * const [d] = conn.detach()
 * worker.postMessage(d)
 * // in the worker
 * parentPort.on('message', (d) => {
 *   const [conn, err] = socket.adopt(d)     // a TcpSocket of this thread now
 * })
 * ```
 */
export function adopt<T extends SocketType>(descriptor: SocketDescriptor<T>): Result<SocketOf<T>> {
  checkDescriptor(descriptor, 'adopt')
  ensureInit()
  const adopted = native.adopt(descriptor.token)
  if (typeof adopted === 'number') return refused(adopted, 'adopt')
  const state = track(adopted.id)
  const type = adopted.kind as SocketType
  const family = adopted.family as Family
  const Class = type === 'tcp' ? TcpSocket : type === 'udp' ? UdpSocket : RawSocket
  const socket = new Class(state, type, family, adopted.protocol)
  // Bound already (a listener, a connected socket): `listen` must not bind again.
  const local = fromNative(native.localAddr(adopted.id))
  if (typeof local !== 'number') {
    socket.state.bound = local.port() !== 0 && local.port() !== null ? true : (local.path() ?? '') !== ''
    local.free()
  }
  return [socket as SocketOf<T>]
}

/**
 * Closes the socket behind a descriptor nobody adopted (or will adopt):
 * `[true]`, or `[null, 'closed']` if it was adopted or released already.
 *
 * @example
 * ```ts
 * const [d] = conn.detach()
 * socket.release(d)                         // nobody will adopt it: close it
 * ```
 */
export function release(descriptor: SocketDescriptor): Result<true> {
  checkDescriptor(descriptor, 'release')
  const code = native.release(descriptor.token)
  return code < 0 ? refused(code, 'release') : OK_TRUE
}

/**
 * Sockets detached or shared by any thread of this process and not yet
 * adopted or released (for leak checks: 0 when every descriptor found a home).
 */
export function detachedCount(): number {
  return native.detachedCount()
}
