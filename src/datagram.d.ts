import type { SockAddr as NativeSockAddr } from '../binding.js';
import { AddrInfo, type Family, type Host, type Port, type Protocol } from './addr.js';
import type { SocketDescriptor } from './descriptor.js';
import { type Result } from './result.js';
import { Socket } from './socket.js';
import { type Expires } from './transfer.js';
/**
 * A socket address (IPv4, IPv6 or Unix), empty until a `recv` fills it:
 * `family()`, `ip()`, `port()`, `path()`, `toString()`. Make one with
 * {@link sockaddr}.
 */
export declare const SockAddr: typeof NativeSockAddr;
export type SockAddr = NativeSockAddr;
/**
 * `socket.sockaddr()`: an empty address for `recv` to fill with each
 * sender (reuse it across calls), or a copy of an {@link AddrInfo} entry or
 * of another `SockAddr`, to send to without resolving again.
 */
export declare function sockaddr(from?: AddrInfo | SockAddr): SockAddr;
/** Where a datagram goes: a host (name, IP, Unix path), an address list entry, or a `SockAddr`. */
export type Destination = Host | AddrInfo | SockAddr;
/** What UDP and raw sockets share: datagrams to and from addresses, and an optional fixed peer. */
export declare class DatagramSocket extends Socket {
    private lastHost;
    private lastPort;
    private lastTo;
    /**
     * Sends one datagram of `buf[0..maxlen]` (default: all of `buf`), to the
     * connected peer, to a `SockAddr` or address list entry, or to
     * `host, port` (`host` only for raw sockets; the path for Unix ones).
     * Waits while the socket buffer is full; returns the bytes sent.
     */
    send(buf: Uint8Array, maxlen?: number | null, expires?: Expires): Promise<Result<number>>;
    send(buf: Uint8Array, maxlen: number | null | undefined, to: SockAddr | AddrInfo, expires?: Expires): Promise<Result<number>>;
    send(buf: Uint8Array, maxlen: number | null | undefined, host: string, port?: Port, expires?: Expires): Promise<Result<number>>;
    /**
     * Receives the next datagram into `buf[0..maxlen]` (default: all of
     * `buf`), waiting until one arrives; returns its length (0 for an empty
     * datagram). `from`, when given, is filled with the sender's address. A
     * datagram longer than `maxlen` returns `[null, 'message_truncated',
     * EMSGSIZE]`: `buf` holds its first `maxlen` bytes, the OS dropped the rest.
     */
    recv(buf: Uint8Array, maxlen?: number | null, from?: SockAddr | null, expires?: Expires): Promise<Result<number>>;
    /**
     * Sets the only peer (`connect(2)`): `send` without an address goes
     * there, and datagrams from anyone else are dropped. Connecting again
     * changes the peer; {@link disconnect} removes it. Never waits (except to
     * resolve a host name).
     */
    connect(to: SockAddr | AddrInfo): Promise<Result<true>>;
    connect(host: string, port?: Port): Promise<Result<true>>;
    /**
     * Removes the peer set by {@link connect} (`connect(2)` to `AF_UNSPEC`):
     * the socket receives from anyone again and `send` needs an address. It
     * keeps its local port (Linux would release a port the OS chose; it is
     * bound again), on the wildcard address unless one was bound explicitly.
     */
    disconnect(): Result<true>;
    private connectPeer;
    /**
     * Splits `[to, port?, …rest]`: a port follows only a host string, and
     * only on UDP over IP; raw and Unix addresses have none.
     */
    private destinationArgs;
    /** The `SockAddr` for a destination: at once when known or literal, else after a lookup. */
    private resolve;
    private toSockAddr;
}
/** A UDP socket, or a Unix datagram socket with family `'unix'`. */
export declare class UdpSocket extends DatagramSocket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
    detach(): Result<SocketDescriptor<'udp'>>;
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
    share(): Result<SocketDescriptor<'udp'>>;
}
/**
 * A raw IP socket. IPv4 raw sockets receive the IP header before the
 * payload, as the OS delivers it; IPv6 ones receive the payload only.
 */
export declare class RawSocket extends DatagramSocket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `RawSocket`. */
    detach(): Result<SocketDescriptor<'raw'>>;
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `RawSocket`. */
    share(): Result<SocketDescriptor<'raw'>>;
}
/**
 * `socket.udp(family, protocol)`: a new UDP socket (`'inet'`, `'inet6'`),
 * or a Unix datagram socket (`'unix'`).
 */
export declare function udp(family?: Family, protocol?: Protocol | number): Result<UdpSocket>;
/**
 * `socket.raw(family, protocol)`: a new raw socket; the protocol defaults to
 * `'icmp'` (`'icmpv6'` for `'inet6'`). Needs `CAP_NET_RAW` (root) on Linux,
 * administrator rights on Windows: without them it returns
 * `[null, 'access_denied', code]`.
 */
export declare function raw(family?: 'inet' | 'inet6', protocol?: Protocol | number): Result<RawSocket>;
