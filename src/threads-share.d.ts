import { type SocketType } from './addr.js';
import { RawSocket, UdpSocket } from './datagram.js';
import { type SocketDescriptor } from './descriptor.js';
import { type Result } from './result.js';
import { TcpSocket } from './socket.js';
export type { SocketDescriptor } from './descriptor.js';
/** The socket class `adopt` returns for a descriptor of type `T`. */
export type SocketOf<T extends SocketType> = T extends 'tcp' ? TcpSocket : T extends 'udp' ? UdpSocket : T extends 'raw' ? RawSocket : never;
/**
 * Makes a socket detached or shared by any thread of this process (its
 * descriptor came through `postMessage`) this thread's own: registered
 * with this thread's poller, of the same type, family and protocol, with
 * everything in its kernel buffers. Each descriptor is adopted once: the
 * second `adopt` (in any thread) returns `[null, 'closed']`. Anything that
 * is not a descriptor of this process throws `TypeError`.
 */
export declare function adopt<T extends SocketType>(descriptor: SocketDescriptor<T>): Result<SocketOf<T>>;
/**
 * Closes the socket behind a descriptor nobody adopted (or will adopt):
 * `[true]`, or `[null, 'closed']` if it was adopted or released already.
 */
export declare function release(descriptor: SocketDescriptor): Result<true>;
/**
 * Sockets detached or shared by any thread of this process and not yet
 * adopted or released (for leak checks: 0 when every descriptor found a home).
 */
export declare function detachedCount(): number;
