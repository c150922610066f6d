import { type ErrorName, type Fail, type Result } from './result.js';
import { type Deadline, type SocketState, Wake } from './scheduler.js';
/**
 * Throws unless `buf` is a byte array (not detached) and `maxlen` fits in
 * it, and is at least `min`; returns the length to use (default: all of `buf`).
 */
export declare function checkBuffer(buf: unknown, maxlen: unknown, min?: number): number;
/**
 * When a waiting call gives up: an absolute time in seconds on
 * `socket.clock()` (`[null, 'timeout']`), or an `AbortSignal`
 * (`[null, 'aborted']`, or `'timeout'` when its reason is a `TimeoutError`
 * as from `AbortSignal.timeout(ms)`).
 */
export type Expires = number | AbortSignal;
/** Throws unless `expires` is absent, a time on `socket.clock()`, or an `AbortSignal`. */
export declare function checkExpires(expires: unknown): void;
export declare function expiresOf(expires: Expires | null | undefined): Deadline;
/** The tuple for a wait that ended without readiness. */
export declare function notReady(outcome: Wake): Fail;
/**
 * What `sendall`/`recvall` return: `[true]` once every byte is through, or
 * the failure with the count moved before it. `err` is set exactly when it
 * failed, so `if (err)` narrows as for every other tuple.
 */
export type Transferred = [value: true, err?: undefined, code?: undefined, transferred?: undefined] | [value: null, err: ErrorName, code: number | undefined, transferred: number];
/** Moves `buf[0..total]` through `transfer` until done, EOF or an error. */
export declare function moveAll(state: SocketState, io: Io, call: TransferCall<undefined>, buf: Uint8Array, total: number, expires: Deadline): Promise<Transferred>;
/**
 * What a {@link transfer} moves, which decides the readiness it waits for
 * and what a short count means.
 */
export interface Io {
    /** It sends, so it waits for writability (else it receives: readability). */
    readonly write: boolean;
    /** On a stream a short count tells of readiness; a datagram's size does not. */
    readonly stream: boolean;
}
export declare const Io: {
    /** Bytes from a stream: a short read means drained where `SHORT_READ_DRAINS`. */
    readonly StreamRead: {
        readonly write: false;
        readonly stream: true;
    };
    /** Bytes to a stream: a short write means the buffer is full. */
    readonly StreamWrite: {
        readonly write: true;
        readonly stream: true;
    };
    /** One datagram in: its size says nothing of what is queued behind it. */
    readonly DatagramRead: {
        readonly write: false;
        readonly stream: false;
    };
    /** One datagram out: all or nothing. */
    readonly DatagramWrite: {
        readonly write: true;
        readonly stream: false;
    };
};
/**
 * A native call moving bytes between `buf[0..len]` and socket `id`, with one
 * more argument (a peer address, or nothing). Returns a count,
 * `WOULD_BLOCK`, or a negative error code.
 */
export type TransferCall<A> = (id: number, buf: Uint8Array, len: number, extra: A) => number;
/**
 * The one try → WOULD_BLOCK → wait → retry path of every send and recv.
 * When the socket looks ready the call is tried at once and the result
 * returned without further async machinery; otherwise it waits for
 * readiness (or `expires`, or close) and tries again.
 */
export declare function transfer<A>(state: SocketState, io: Io, call: TransferCall<A>, buf: Uint8Array, len: number, extra: A, expires: Deadline): Promise<Result<number>>;
