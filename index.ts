// socket2: coroutine-style async sockets for Node.js.
//
// The data path: a call here → `src/socket.ts` → the napi binding
// (`binding.js`, crates/binding) → the Rust core (crates/core) → the system
// call. Readiness comes back from the core's poller through the binding's
// libuv driver to `src/scheduler.ts`, which resumes the waiting coroutine.

import * as native from './src/native.js'
import { ensureInit, openCount, waitingCount, clock as monotonic } from './src/scheduler.js'
import { threadCount } from './src/threads.js'

export { AddrInfo, addr, lookup } from './src/addr.js'
export { BATCH_MAX, DatagramSocket, RawSocket, SockAddr, UdpSocket, raw, sockaddr, udp } from './src/datagram.js'
export type { Destination } from './src/datagram.js'
export type { Family, Host, LookupArgs, LookupFlag, Port, Protocol, SocketType } from './src/addr.js'
export type { ErrorName, Fail, KnownErrorName, Ok, Result } from './src/result.js'
export { errorNames } from './src/result.js'
export { Socket, TcpSocket, tcp } from './src/socket.js'
export { SocketDuplex, connectDuplex } from './src/duplex.js'
export type { ConnectDuplexOptions, SocketDuplexError, SocketDuplexOptions } from './src/duplex.js'
export type { Expires, Transferred } from './src/socket.js'
export type { GetOptionName, GetOptions, Membership, SetOptionName, SetOptions } from './src/options.js'
export { adopt, detachedCount, release } from './src/workers.js'
export type { SocketDescriptor, SocketOf } from './src/workers.js'
export { Thread, currentThread, newThread, poll, sleep, sleepUntil, start, stop, trackThreads } from './src/threads.js'

/** Monotonic time in seconds: the clock `expires` arguments are measured on. */
export function clock(): number {
  return monotonic()
}

/**
 * Without an argument: the poller's descriptor for this thread (the epoll
 * fd on Linux, the kqueue on macOS and FreeBSD); `null` on Windows (see
 * `iocp()`).
 *
 * With one, in a worker thread before its first socket: use the poller
 * `fd` of another thread of this process (that thread's `epollFd()`)
 * instead of one of its own; returns `[true]`. Events still reach only the
 * thread that owns each socket, under either driver. Throws `TypeError`
 * for a non-integer, and an `Error` saying why when this thread already
 * has a poller (a socket was opened, or `epollFd()` was called), when `fd`
 * is not a socket2 poller of this process, on a 32-bit system, and on
 * Windows (use `iocp(handle)`).
 */
export function epollFd(): number | null
export function epollFd(fd: number): [true]
export function epollFd(fd?: number): number | null | [true] {
  if (fd !== undefined) {
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
      throw new TypeError(`epollFd(fd) takes a descriptor (a non-negative integer), got ${String(fd)}`)
    }
    if (process.platform === 'win32') {
      throw new Error('socket.epollFd(fd): there is no epoll on Windows; share a completion port with socket.iocp(handle)')
    }
    native.setSharedPoller(fd)
    return [true]
  }
  if (process.platform === 'win32') return null
  ensureInit()
  const fd_ = native.pollerFd()
  return fd_ >= 0 ? fd_ : null
}

/**
 * The seed's `socket.iocp([iocp_h])`, on Windows. Without an argument: this
 * thread's completion port, as a number that names it to `iocp(handle)` in
 * other threads of this process (socket2's own number for the port: mio,
 * which owns it, does not expose its `HANDLE`).
 *
 * With one, in a worker thread before its first socket: use that port
 * (another thread's `iocp()`) instead of one of its own, as `epollFd(fd)`
 * does on Unix; returns `[true]`. The same errors as `epollFd(fd)`.
 * Elsewhere it throws a `TypeError` saying to use `epollFd()`.
 */
export function iocp(): number
export function iocp(handle: number): [true]
export function iocp(handle?: number): number | [true] {
  if (process.platform !== 'win32') {
    throw new TypeError('socket.iocp() is not supported here: IOCP is Windows only; use socket.epollFd([fd])')
  }
  if (handle !== undefined) {
    if (typeof handle !== 'number' || !Number.isInteger(handle) || handle < 0) {
      throw new TypeError(`iocp(handle) takes a handle (a non-negative integer), got ${String(handle)}`)
    }
    native.setSharedPoller(handle)
    return [true]
  }
  ensureInit()
  return native.pollerFd()
}

/**
 * Which driver carries readiness to JavaScript in this thread: `'libuv'`
 * (a `uv_poll` on Node's loop) or `'poller-thread'` (a poller on an OS thread of its own); `null` before
 * the first socket opens.
 */
export function driverName(): 'libuv' | 'poller-thread' | null {
  return native.driverName() as 'libuv' | 'poller-thread' | null
}

/**
 * What is open and waiting in this thread, for leak checks and diagnostics.
 *
 * @example
 * ```ts
 * // at the end of a test: nothing left open or waiting
 * assert.deepEqual(socket.stats(), { sockets: 0, waiting: 0, threads: 0 })
 * ```
 */
export function stats(): {
  /** Sockets open in this thread (not yet closed or collected). */
  sockets: number
  /** Calls waiting for readiness or a deadline. */
  waiting: number
  /** Coroutines ({@link newThread}) not yet finished. */
  threads: number
} {
  return { sockets: openCount(), waiting: waitingCount(), threads: threadCount() }
}
