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
export type { Family, Host, LookupFlag, Port, Protocol, SocketType } from './src/addr.js'
export type { ErrorName, Fail, KnownErrorName, Ok, Result } from './src/result.js'
export { errorNames } from './src/result.js'
export { Socket, TcpSocket, tcp } from './src/socket.js'
export { SocketDuplex, connectDuplex } from './src/duplex.js'
export type { ConnectDuplexOptions, SocketDuplexError, SocketDuplexOptions } from './src/duplex.js'
export type { Expires, Transferred } from './src/socket.js'
export type { GetOptionName, GetOptions, Membership, SetOptionName, SetOptions } from './src/options.js'
export { adopt, detachedCount, release } from './src/workers.js'
export type { SocketDescriptor, SocketOf } from './src/workers.js'
export { Thread, currentThread, newThread, poll, sleep, sleepUntil, start, stop } from './src/threads.js'

/** Monotonic time in seconds: the clock `expires` arguments are measured on. */
export function clock(): number {
  return monotonic()
}

/**
 * Without an argument: the poller's descriptor for this thread (the epoll
 * fd on Linux, the kqueue on macOS and FreeBSD); `null` where there is none
 * (Windows IOCP).
 *
 * With one, in a worker thread before its first socket: use the poller
 * `fd` of another thread of this process (that thread's `epollFd()`)
 * instead of one of its own; returns `[true]`. Events still reach only the
 * thread that owns each socket. Throws `TypeError` for a non-integer, and
 * an `Error` saying why when this thread already has a poller (a socket
 * was opened, or `epollFd()` was called), when `fd` is not a socket2
 * poller of this process, or under the poller-thread driver (Bun, Deno, Windows,
 * `SOCKET2_DRIVER=poller-thread`).
 */
export function epollFd(): number | null
export function epollFd(fd: number): [true]
export function epollFd(fd?: number): number | null | [true] {
  if (fd !== undefined) {
    if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
      throw new TypeError(`epollFd(fd) takes a descriptor (a non-negative integer), got ${String(fd)}`)
    }
    native.setSharedPoller(fd)
    return [true]
  }
  ensureInit()
  const fd_ = native.pollerFd()
  return fd_ >= 0 ? fd_ : null
}

/**
 * The seed's `socket.iocp([iocp_h])`. There is no completion port to get
 * or set: on Windows each thread's driver owns its own. Always throws,
 * saying so; move sockets between threads with `detach()`/`share()` and
 * `adopt()` instead.
 */
export function iocp(handle?: unknown): never {
  void handle
  throw new TypeError(
    'socket.iocp() is not supported: each thread\'s driver owns its IOCP port; ' +
      'move or share sockets between threads with detach()/share() and adopt()',
  )
}

/**
 * Which driver carries readiness to JavaScript in this thread: `'libuv'`
 * (a `uv_poll` on Node's loop) or `'poller-thread'` (a poller on an OS thread of its own); `null` before
 * the first socket opens.
 */
export function driverName(): 'libuv' | 'poller-thread' | null {
  return native.driverName() as 'libuv' | 'poller-thread' | null
}

/** What is open and waiting in this thread, for leak checks and diagnostics. */
export function stats(): { sockets: number; waiting: number; threads: number } {
  return { sockets: openCount(), waiting: waitingCount(), threads: threadCount() }
}
