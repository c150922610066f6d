import type { Family, SocketType } from './addr.js';
/**
 * A socket on its way to another thread of this process: pass it through
 * `postMessage`, then `socket.adopt(descriptor)` there (once), or
 * `socket.release(descriptor)` to close it unadopted.
 */
export interface SocketDescriptor<T extends SocketType = SocketType> {
    /** Always `'socket2.descriptor'`: tells a descriptor from other messages. */
    readonly kind: 'socket2.descriptor';
    /** The process it belongs to: descriptors do not cross processes. */
    readonly pid: number;
    /** The socket's key in the process-wide hand-off table (used once). */
    readonly token: number;
    readonly type: T;
    readonly family: Family;
    readonly protocol: string;
}
export declare const DESCRIPTOR_KIND = "socket2.descriptor";
export declare function makeDescriptor<T extends SocketType>(token: number, type: T, family: Family, protocol: string): SocketDescriptor<T>;
/** True for something shaped like a {@link SocketDescriptor} (whatever its token). */
export declare function isDescriptor(value: unknown): value is SocketDescriptor;
