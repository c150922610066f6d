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
export { DatagramSocket, RawSocket, SockAddr, UdpSocket, raw, sockaddr, udp } from './src/datagram.js'
export type { Destination } from './src/datagram.js'
export type { Family, Host, LookupFlag, Port, Protocol, SocketType } from './src/addr.js'
export type { ErrorName, Fail, KnownErrorName, Ok, Result } from './src/result.js'
export { Socket, TcpSocket, tcp } from './src/socket.js'
export type { Expires, Transferred } from './src/socket.js'
export type { GetOptionName, GetOptions, Membership, SetOptionName, SetOptions } from './src/options.js'
export { adopt, detachedCount, release } from './src/threads-share.js'
export type { SocketDescriptor } from './src/threads-share.js'
export { Thread, currentThread, newThread, poll, sleep, sleepUntil, start, stop } from './src/threads.js'

/** Monotonic time in seconds: the clock `expires` arguments are measured on. */
export function clock(): number {
  return monotonic()
}

/**
 * The poller's descriptor for this thread (the epoll fd on Linux, the
 * kqueue on macOS); `null` where there is none (Windows IOCP).
 */
export function epollFd(): number | null {
  ensureInit()
  const fd = native.pollerFd()
  return fd >= 0 ? fd : null
}

/**
 * Which driver carries readiness to JavaScript in this thread: `'libuv'`
 * (a `uv_poll` on Node's loop) or `'thread'` (a poller thread); `null` before
 * the first socket opens.
 */
export function driverName(): 'libuv' | 'thread' | null {
  return native.driverName() as 'libuv' | 'thread' | null
}

/** What is open and waiting in this thread, for leak checks and diagnostics. */
export function stats(): { sockets: number; waiting: number; threads: number } {
  return { sockets: openCount(), waiting: waitingCount(), threads: threadCount() }
}
