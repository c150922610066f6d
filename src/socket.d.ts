import { AddrInfo, type Family, type Host, type Port, type SocketType } from './addr.js';
import { type Result } from './result.js';
import { type SocketDescriptor } from './descriptor.js';
import { type SocketDuplex, type SocketDuplexOptions } from './duplex.js';
import { type GetOptionName, type GetOptions, type SetOptionName, type SetOptions } from './options.js';
import { type SocketState } from './scheduler.js';
import { type Expires, type Transferred } from './transfer.js';
export type { Expires, Transferred } from './transfer.js';
/** Opens a native socket, or returns the failure tuple. */
export declare function openNative(type: SocketType, family: Family, protocol: number): Result<SocketState>;
/** What all sockets share: identity, close, bind, addresses. */
export declare class Socket {
    private readonly socketType;
    private readonly socketFamily;
    private readonly socketProtocol;
    /** `'tcp'`, `'udp'` or `'raw'`. */
    type(): SocketType;
    /** `'inet'`, `'inet6'` or `'unix'`. */
    family(): Family;
    /**
     * The protocol the OS uses for it: `'tcp'` for TCP, `'udp'` for UDP, the
     * one it was opened with for raw sockets and explicit protocols
     * (`'icmp'`, or the number as text when it has no name); `'ip'` (0) for
     * Unix sockets, which have none.
     */
    protocol(): string;
    /** True once {@link close} was called. */
    isClosed(): boolean;
    /**
     * Closes the socket. Coroutines waiting on it wake with `[null, 'closed']`.
     * Closing twice is harmless.
     */
    close(): Ok;
    /**
     * Gives up this thread's ownership of the socket, to move it to another
     * thread: deregisters it from this thread's poller without closing it
     * (nothing in its kernel buffers is lost), wakes coroutines waiting on it
     * here with `[null, 'closed']`, and returns a descriptor to `postMessage`
     * and `socket.adopt()` in the other thread. From then on this object
     * behaves as closed. `[null, 'closed']` if it was closed (or detached).
     */
    detach(): Result<SocketDescriptor>;
    /**
     * A descriptor of a duplicate of this socket (`dup(2)`;
     * `WSADuplicateSocket` on Windows), for another thread to `adopt()`:
     * this socket stays open and owned here, and both handles reach the same
     * kernel socket. How several threads serve one listener.
     */
    share(): Result<SocketDescriptor>;
    /** `bind(2)` to an address (`addr`) or `host, port` (host `'*'` = all interfaces). */
    bind(host?: Host | AddrInfo, port?: Port): Promise<Result<true>>;
    /** The address the socket is bound to (`getsockname(2)`). */
    localAddr(): Result<AddrInfo>;
    /** The connected peer's address (`getpeername(2)`). */
    remoteAddr(): Result<AddrInfo>;
    /**
     * Sets a socket option by name (`setsockopt(2)`): `[true]`, or an error
     * tuple when the OS refuses (`'not_supported'` where this socket or OS
     * lacks the option). An unknown name or a wrong value type throws.
     */
    setopt<K extends SetOptionName>(name: K, value: SetOptions[K]): Result<true>;
    /** Reads a socket option by name (`getsockopt(2)`): `[value]`, typed per option. */
    getopt<K extends GetOptionName>(name: K): Result<GetOptions[K]>;
}
type Ok = [true, undefined?, undefined?];
/** The first entry of `addr`'s list (from `addr` on) in `family`. */
export declare function pickEntry(addr: AddrInfo, family: Family): AddrInfo | null;
/** A TCP socket (or a Unix stream socket, with family `'unix'`). */
export declare class TcpSocket extends Socket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
    detach(): Result<SocketDescriptor<'tcp'>>;
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
    share(): Result<SocketDescriptor<'tcp'>>;
    /**
     * Puts the socket in listening mode, binding it first if it is not bound
     * (to `host, port` or `addr`; default all interfaces, any port). The
     * backlog defaults to the OS maximum.
     */
    listen(backlog?: number, host?: Host | AddrInfo, port?: Port): Promise<Result<true>>;
    listen(host?: Host | AddrInfo, port?: Port): Promise<Result<true>>;
    /** Waits for and accepts a connection; the new socket knows its `remoteAddr()`. */
    accept(expires?: Expires): Promise<Result<TcpSocket>>;
    private acceptLoop;
    /**
     * Connects to `host, port` or `addr`; resolves names off the event loop.
     * A connect that times out (or is aborted) closes the socket: a
     * half-open non-blocking connect cannot be restarted.
     */
    connect(addr: AddrInfo, expires?: Expires): Promise<Result<true>>;
    connect(host: Host | AddrInfo, port?: Port, expires?: Expires): Promise<Result<true>>;
    private connectTo;
    /**
     * Sends up to `maxlen` bytes of `buf` (default: all of it), waiting while
     * the socket buffer is full. Returns how many bytes were sent.
     */
    send(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>>;
    /**
     * Receives up to `maxlen` bytes into `buf` (default: its length), waiting
     * until some arrive. Returns the count; 0 means the peer closed, so
     * `maxlen` 0 (or an empty `buf`) throws `RangeError`.
     */
    recv(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>>;
    /**
     * Sends all `len` bytes of `buf` (default: all of it), as many `send(2)`
     * calls as it takes: `[true]`, or `[null, err, code, sent]` with the count
     * that went out before the failure (timeout, abort, reset, close).
     */
    sendall(buf: Uint8Array, len?: number | null, expires?: Expires): Promise<Transferred>;
    /**
     * Receives exactly `len` bytes into `buf` (default: its length): `[true]`,
     * or `[null, err, code, received]`; `err` is `'eof'` when the peer closed
     * first. The bytes received before a failure are in `buf[0..received]`.
     */
    recvall(buf: Uint8Array, len?: number | null, expires?: Expires): Promise<Transferred>;
    /**
     * `shutdown(2)`: `'w'` sends FIN (the peer reads 0, and can still send to
     * us), `'r'` stops receiving (reads return 0), `'rw'` both. The socket
     * stays open until `close()`.
     */
    shutdown(how?: 'r' | 'w' | 'rw'): Result<true>;
    /**
     * A `node:stream` Duplex over this connected socket, which it owns from
     * now on (destroying it closes the socket): for `node:http`, `node:tls`
     * and stream clients. See `src/duplex.ts`.
     */
    toDuplex(options?: SocketDuplexOptions): SocketDuplex;
}
/** `socket.tcp(family, protocol)`: a new TCP (or Unix stream) socket. */
export declare function tcp(family?: Family, protocol?: string | number): Result<TcpSocket>;
/** The constructor of a {@link Socket} class. */
export type SocketClass<S extends Socket> = new (state: SocketState, type: SocketType, family: Family, protocol: string) => S;
/** `socket(2)` of `type`, wrapped in `Class`: what `tcp()`, `udp()` and `raw()` do. */
export declare function openSocket<S extends Socket>(Class: SocketClass<S>, type: SocketType, family: unknown, protocol: string | number | undefined): Result<S>;
export declare function checkFamilyArg(family: unknown): asserts family is Family;
/**
 * The protocol the OS uses for a socket opened with protocol number
 * `proto`: 0 picks TCP for stream and UDP for datagram IP sockets (Unix
 * sockets have no protocol: 0, `'ip'`).
 */
export declare function protocolLabel(type: SocketType, family: Family, proto: number): string;
