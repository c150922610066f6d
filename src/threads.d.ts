import { type Result } from './result.js';
/** A coroutine started by {@link newThread}. */
export declare class Thread<T = unknown> {
    /** `undefined` while running; then the value, or the error in {@link failure}. */
    private value;
    private failure;
    private ended;
    /** `'running'`, `'finished'` or `'failed'`. */
    status(): 'running' | 'finished' | 'failed';
    /**
     * The thread's return value. Asking for it makes the caller responsible
     * for the thread's error, if any (it rejects with it).
     */
    get done(): Promise<T>;
}
/**
 * Starts `fn(...args)` as a coroutine. It runs at once until its first I/O
 * that has to wait, then control returns here.
 */
export declare function newThread<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>, ...args: A): Thread<Awaited<T>>;
/**
 * The {@link Thread} whose code is running, or `null` outside any thread.
 * It follows the thread across its waits. On Node 20 and 22 tracking starts
 * with the first call (call it once at start-up): threads started before
 * that report `null`.
 */
export declare function currentThread(): Thread<unknown> | null;
/** Resolves once `socket.clock()` reaches `t` (at once when it has). */
export declare function sleepUntil(t: number): Promise<void>;
/** Resolves after `seconds` (0 or less: at once, after the current microtasks). */
export declare function sleep(seconds: number): Promise<void>;
/**
 * Waits for the next batch of I/O events and lets the coroutines it wakes
 * run: `[true]`, or `[false, 'timeout']` when `timeout` seconds pass first.
 */
export declare function poll(timeout?: number): Promise<[true] | [false, 'timeout']>;
/**
 * Keeps the coroutines running until all of them have finished, `stop()`
 * is called, or `timeout` seconds pass: `[true]` in each case (as in the
 * seed, which "stops after the timeout expires"). Rejects with the first
 * exception a thread throws meanwhile.
 */
export declare function start(timeout?: number): Promise<Result<true>>;
/** Makes pending `start()` calls return `[true]`. */
export declare function stop(): void;
/** Coroutines started with `newThread` that have not finished. */
export declare function threadCount(): number;
