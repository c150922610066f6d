import type { Family, SocketType } from './addr.js';
import { type ErrorName, type Result } from './result.js';
/** A multicast group to join or leave, and the interface to do it on. */
export interface Membership {
    /** The group's IP address: IPv4 (`'239.1.2.3'`) or IPv6 (`'ff02::1:2:3'`). */
    group: string;
    /**
     * IPv4 groups: the address of the interface (`'127.0.0.1'`); IPv6 groups:
     * the interface index (`0`, or see `ip link`). Omitted: the OS chooses.
     */
    interface?: string | number;
}
/** The options that read back what they take, by name. */
interface CommonOptions {
    reuseaddr: boolean;
    reuseport: boolean;
    nodelay: boolean;
    tcp_nodelay: boolean;
    keepalive: boolean;
    keepidle: number;
    keepintvl: number;
    keepcnt: number;
    rcvbuf: number;
    sndbuf: number;
    rcvlowat: number;
    broadcast: boolean;
    ttl: number;
    tos: number;
    v6only: boolean;
    multicast_ttl: number;
    multicast_hops: number;
    unicast_hops: number;
    multicast_loop: boolean;
    /** IPv4 sockets: an interface address; IPv6 sockets: an interface index. */
    multicast_if: string | number;
}
/** What `getopt(name)` returns, by option name. */
export interface GetOptions extends CommonOptions {
    /** Seconds, or `false` when off. */
    linger: number | false;
    /** The pending error's name (reading clears it), or `null`. */
    error: ErrorName | null;
    type: SocketType;
    acceptconn: boolean;
}
/** What `setopt(name, value)` takes, by option name. */
export interface SetOptions extends CommonOptions {
    /** Whole seconds (0: close sends RST), or `false`/`null` for off. */
    linger: number | false | null;
    add_membership: Membership;
    drop_membership: Membership;
}
export type GetOptionName = keyof GetOptions;
export type SetOptionName = keyof SetOptions;
/** Every name in the table above (for the test that it matches the Rust core's `optionNames()`). */
export declare const OPTION_NAME_TYPE_LIST: readonly (GetOptionName | SetOptionName)[];
/** `setsockopt(2)`: see {@link SetOptions}. Misuse throws; OS refusals are tuples. */
export declare function setOption(id: number, family: Family, name: unknown, value: unknown): Result<true>;
/** `getsockopt(2)`: see {@link GetOptions}. An unknown name throws. */
export declare function getOption(id: number, name: unknown): Result<GetOptions[GetOptionName]>;
export {};
