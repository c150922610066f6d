export { AddrInfo, addr, lookup } from './src/addr.js';
export { DatagramSocket, RawSocket, SockAddr, UdpSocket, raw, sockaddr, udp } from './src/datagram.js';
export type { Destination } from './src/datagram.js';
export type { Family, Host, LookupFlag, Port, Protocol, SocketType } from './src/addr.js';
export type { ErrorName, Fail, KnownErrorName, Ok, Result } from './src/result.js';
export { errorNames } from './src/result.js';
export { Socket, TcpSocket, tcp } from './src/socket.js';
export { SocketDuplex, connectDuplex } from './src/duplex.js';
export type { ConnectDuplexOptions, SocketDuplexError, SocketDuplexOptions } from './src/duplex.js';
export type { Expires, Transferred } from './src/socket.js';
export type { GetOptionName, GetOptions, Membership, SetOptionName, SetOptions } from './src/options.js';
export { adopt, detachedCount, release } from './src/threads-share.js';
export type { SocketDescriptor, SocketOf } from './src/threads-share.js';
export { Thread, currentThread, newThread, poll, sleep, sleepUntil, start, stop } from './src/threads.js';
/** Monotonic time in seconds: the clock `expires` arguments are measured on. */
export declare function clock(): number;
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
 * poller of this process, or under the thread driver (Bun, Deno, Windows,
 * `SOCKET2_DRIVER=thread`).
 */
export declare function epollFd(): number | null;
export declare function epollFd(fd: number): [true];
/**
 * The seed's `socket.iocp([iocp_h])`. There is no completion port to get
 * or set: on Windows each thread's driver owns its own. Always throws,
 * saying so; move sockets between threads with `detach()`/`share()` and
 * `adopt()` instead.
 */
export declare function iocp(handle?: unknown): never;
/**
 * Which driver carries readiness to JavaScript in this thread: `'libuv'`
 * (a `uv_poll` on Node's loop) or `'thread'` (a poller thread); `null` before
 * the first socket opens.
 */
export declare function driverName(): 'libuv' | 'thread' | null;
/** What is open and waiting in this thread, for leak checks and diagnostics. */
export declare function stats(): {
    sockets: number;
    waiting: number;
    threads: number;
};
