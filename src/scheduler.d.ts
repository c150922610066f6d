/** How a wait ended. */
export declare const Wake: {
    readonly Ready: 0;
    readonly Timeout: 1;
    readonly Closed: 2;
    readonly Aborted: 3;
};
export type Wake = (typeof Wake)[keyof typeof Wake];
/**
 * When a wait gives up: an absolute time in seconds on {@link clock}, an
 * `AbortSignal`, or `undefined` for never.
 */
export type Deadline = number | AbortSignal | undefined;
export type Resolve = (outcome: Wake) => void;
/**
 * A pending wait: on a socket direction, a deadline, a signal, or a list of
 * the scheduler's own. Subclasses say what happens when it ends ({@link
 * wake}); a hot path's waiter carries its own state, so a pending call
 * costs one object rather than a waiter plus a closure and its context.
 */
export declare abstract class Waiter {
    done: boolean;
    list: Waiter[] | null;
    /** Where it stands in `list`, so leaving it is O(1) (10 000 waits on one socket happen). */
    listIndex: number;
    deadline: number;
    heapIndex: number;
    signal: AbortSignal | null;
    /** What passing `deadline` means: `Timeout`, or `Ready` for a back-off's end. */
    onDeadline: Wake;
    /** Called once per wait, after it has left every list, with how it ended. */
    abstract wake(outcome: Wake): void;
}
/** Per-socket readiness, indexed by the socket's slot. */
export declare class SocketState {
    readonly id: number;
    readonly slot: number;
    readonly generation: number;
    /** Set by events, cleared when a call would block (or a stream read was short). */
    readable: boolean;
    writable: boolean;
    /**
     * The peer closed (or the socket failed): no edge will follow the one
     * that said so, so a short read no longer means "drained" (EOF or the
     * error is still to be read).
     */
    readClosed: boolean;
    closed: boolean;
    /** Made at the first wait (most sockets never wait to write). */
    readers: Waiter[] | null;
    writers: Waiter[] | null;
    constructor(id: number, slot: number, generation: number);
}
/** Loads the driver for this environment (main thread or worker). */
export declare function ensureInit(): void;
/**
 * Counts waits that should not keep the process alive (an unref'd duplex
 * waiting for data, as `net.Socket#unref()`): +1 while such a wait is
 * pending, -1 when it ends. The driver keeps the process alive only while
 * other waits remain.
 */
export declare function unrefWaits(delta: number): void;
/** Registers a native socket id with the scheduler. */
export declare function track(id: number): SocketState;
/** Closes the socket and wakes everything waiting on it with `Closed`. */
export declare function untrack(state: SocketState): boolean;
/**
 * Marks the socket closed in this thread and wakes everything waiting on it
 * with `Closed`, without touching the native socket: what `close` does
 * before closing it, and all `detach` does here (the socket itself leaves
 * for another thread). False if it was closed already.
 */
export declare function forget(state: SocketState): boolean;
/**
 * The socket reads no more (our own `shutdown` for reading): readable from
 * now on (each read returns 0), and its waiting readers are woken to read
 * it. Left to the poller, this is lost where no event follows a local
 * shutdown (mio's IOCP poller under Wine reports none).
 */
export declare function readShutDown(state: SocketState): void;
/**
 * Waits until `state` is readable (or writable), `expires` passes (seconds
 * on {@link clock}) or its signal aborts, or the socket is closed.
 */
export declare function waitReadable(state: SocketState, expires?: Deadline): Promise<Wake>;
export declare function waitWritable(state: SocketState, expires?: Deadline): Promise<Wake>;
/** Waits until `expires` passes (or its signal aborts). */
export declare function waitUntil(expires: Deadline): Promise<Wake>;
/**
 * {@link waitReadable} / {@link waitWritable} without a promise: `then` is
 * called once with the outcome, from the event dispatch, the deadline timer
 * or `untrack`.
 */
export declare function whenReadable(state: SocketState, expires: Deadline, then: Resolve): void;
export declare function whenWritable(state: SocketState, expires: Deadline, then: Resolve): void;
/**
 * The wait every socket call goes through: queues `waiter` on `state`'s
 * readers (or writers) until the socket is ready or closed, or `expires`
 * ends it. A waiter may wait again from its own `wake`.
 */
export declare function waitOn(state: SocketState, write: boolean, expires: Deadline, waiter: Waiter): void;
/** Monotonic time in seconds. */
export declare function clock(): number;
/** Calls that may complete without waiting in one turn of the event loop. */
export declare const TURN_BUDGET = 128;
/** How long one turn's calls may run before the next one yields (seconds). */
export declare const TURN_SLICE = 0.002;
/**
 * Takes one call from this turn's budget: `true` if the call may run now,
 * `false` if its result must wait for the next turn ({@link completed}).
 */
export declare function spend(): boolean;
/**
 * A call's result, already in hand: resolved now while this turn's budget
 * lasts, else after the event loop's next turn. The call itself has been
 * made (a send is on the wire before a `close()` that follows it); only
 * the caller's continuation waits.
 */
export declare function completed<T>(value: T | PromiseLike<T>): Promise<T>;
/**
 * Wakes `waiter` once the event loop has had a turn (or `expires` passes):
 * how a call that found the budget spent yields.
 */
export declare function yieldTurn(expires: Deadline, waiter: Waiter): void;
/**
 * Resolves `Ready` when this process closes a socket or at `notAfter`,
 * whichever comes first (or as a wait ends when `expires` passes first).
 */
export declare function whenFdReleased(notAfter: number, expires: Deadline): Promise<Wake>;
/**
 * Resolves `true` after the next batch of I/O events has been dispatched
 * (and the coroutines it woke have run to their next wait), or `false` when
 * `timeout` seconds pass first.
 */
export declare function nextBatch(timeout: number): Promise<boolean>;
/**
 * Puts `entry` in `list`, where whoever settles it finds it; after
 * `timeout` seconds (never for `Infinity`) it leaves the list and
 * `onTimeout` runs instead. Returns what stops that timer: to call when
 * the entry is settled from the list.
 */
export declare function listUntil<T>(list: T[], entry: T, timeout: number, onTimeout: () => void): () => void;
/** Coroutines waiting on a socket or a deadline, for leak checks. */
export declare function waitingCount(): number;
/** Sockets open in this environment, for leak checks. */
export declare function openCount(): number;
