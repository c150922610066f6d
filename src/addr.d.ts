import * as native from './native.js';
import { type Result } from './result.js';
export type SocketType = 'tcp' | 'udp' | 'raw';
export type Family = 'inet' | 'inet6' | 'unix';
export type Protocol = 'ip' | 'ipv6' | 'tcp' | 'udp' | 'raw' | 'icmp' | 'igmp' | 'icmpv6';
export type LookupFlag = 'passive' | 'canonname' | 'numerichost' | 'numericserv' | 'all' | 'v4mapped' | 'addrconfig';
/** A host: a name, an IP address, a Unix path, or `'*'`/`false`/omitted for all interfaces. */
export type Host = string | false | null | undefined;
/** A port number (0 = any free port) or a service name such as `'http'`. */
export type Port = number | string | null | undefined;
/**
 * One entry of a resolved address list, and a handle on the whole list:
 * `next()` walks it, `addrs()` (or `for…of`) iterates it, `free()` releases
 * the native list at once (it is released when collected otherwise).
 */
export declare class AddrInfo implements Iterable<AddrInfo> {
    /** Releases the native list; every entry of it reads as freed afterwards. Idempotent. */
    free(): void;
    /** The next address in the list, or `null`. */
    next(): AddrInfo | null;
    /** Iterates this entry and the ones after it. */
    addrs(): IterableIterator<AddrInfo>;
    [Symbol.iterator](): IterableIterator<AddrInfo>;
    /** `'tcp'`, `'udp'`, `'raw'`, or `null` if the lookup named no type. */
    type(): SocketType | null;
    /** `'inet'`, `'inet6'` or `'unix'`. */
    family(): Family;
    /** The protocol name (`'tcp'`, `'udp'`, …), or its number as a string. */
    protocol(): string;
    /** The canonical name (with the `canonname` flag), else `null`. */
    name(): string | null;
    /** The IP address as text, or `null` for Unix addresses. */
    ip(): string | null;
    /** The port, or `null` for Unix addresses. */
    port(): number | null;
    /** The Unix socket path (`@name` for abstract ones), or `null`. */
    path(): string | null;
    /** `127.0.0.1:80`, `[::1]:80`, or the Unix path. */
    toString(): string;
}
/** Throws `TypeError`/`RangeError` for a bad port; returns the service string. */
export declare function checkPort(port: Port): string | null;
/** Throws `TypeError` for a bad host; returns `null` for "all interfaces". */
export declare function checkHost(host: Host): string | null;
export declare function checkType(value: unknown): SocketType | null;
export declare function checkFamily(value: unknown): Family | null;
/** The protocol number for a protocol name (`undefined` → 0, the default). */
export declare function protocolNumber(value: unknown): number;
/** The name of a protocol number (`6` → `'tcp'`), or the number as text. */
export declare function protocolName(value: number): string;
/**
 * `socket.addr(host, port, type, family, protocol, flags)`: looks up an
 * address list with `getaddrinfo(3)` on the calling thread (as the seed
 * does: a name that needs DNS blocks until it resolves; prefer
 * {@link lookup} for names). An existing {@link AddrInfo} is passed through.
 */
export declare function addr(host: Host | AddrInfo, port?: Port, type?: SocketType, family?: Family, protocol?: Protocol | number, flags?: LookupFlag | LookupFlag[]): Result<AddrInfo>;
/**
 * `await socket.lookup(...)`: the same as {@link addr}, resolved on libuv's
 * thread pool so the event loop never waits for DNS.
 */
export declare function lookup(host: Host | AddrInfo, port?: Port, type?: SocketType, family?: Family, protocol?: Protocol | number, flags?: LookupFlag | LookupFlag[]): Promise<Result<AddrInfo>>;
/**
 * Resolves the address a socket call was given (`addr` or `host, port`)
 * for a socket of `type`/`family`: synchronously when that cannot block,
 * else off the loop. Misuse throws at the call.
 */
export declare function resolveFor(type: SocketType, family: Family, host: Host | AddrInfo, port: Port, passive: boolean): Result<AddrInfo> | Promise<Result<AddrInfo>>;
/** An address from a native `getsockname`/`getpeername` result. */
export declare function fromNative(found: native.AddrList | number): AddrInfo | number;
