"use strict";
// Coroutines: `newThread`, `poll`, `start`, `stop`. A "thread" is an async
// function: it runs at once until its first I/O that must wait, then
// control returns to the caller, as the seed describes. Node's event loop
// (through the scheduler) resumes it when its socket is ready; `poll` and
// `start` only wait for that to happen, they never spin.
Object.defineProperty(exports, "__esModule", { value: true });
exports.Thread = void 0;
exports.newThread = newThread;
exports.currentThread = currentThread;
exports.sleepUntil = sleepUntil;
exports.sleep = sleep;
exports.poll = poll;
exports.start = start;
exports.stop = stop;
exports.threadCount = threadCount;
const node_async_hooks_1 = require("node:async_hooks");
const result_js_1 = require("./result.js");
const scheduler_js_1 = require("./scheduler.js");
/** A coroutine started by {@link newThread}. */
class Thread {
    /** `undefined` while running; then the value, or the error in {@link failure}. */
    value = undefined;
    failure = null;
    ended = false;
    /** @internal Settles (never rejects) when the thread's body has ended. */
    body = null;
    /** `'running'`, `'finished'` or `'failed'`. */
    status() {
        if (!this.ended)
            return 'running';
        return this.failure === null ? 'finished' : 'failed';
    }
    /**
     * The thread's return value. Asking for it makes the caller responsible
     * for the thread's error, if any (it rejects with it).
     */
    get done() {
        observed.add(this);
        return this.body.then(() => {
            if (this.failure !== null)
                throw this.failure.error;
            return this.value;
        });
    }
    /** @internal */
    end(value, failure) {
        this.value = value;
        this.failure = failure;
        this.ended = true;
    }
}
exports.Thread = Thread;
const running = new Set();
const observed = new WeakSet();
const starts = [];
/**
 * An exception from a thread is never lost: it rejects a running
 * `start()`; else, unless someone holds the thread's `done`, it surfaces
 * as an unhandled rejection (which ends the process by default).
 */
function report(thread, error) {
    if (starts.length > 0) {
        for (const start of starts.splice(0, starts.length))
            start.reject(error);
        return;
    }
    if (!observed.has(thread))
        void Promise.reject(error);
}
/**
 * Starts `fn(...args)` as a coroutine. It runs at once until its first I/O
 * that has to wait, then control returns here.
 */
function newThread(fn, ...args) {
    if (typeof fn !== 'function')
        throw new TypeError('newThread needs a function');
    const thread = new Thread();
    running.add(thread);
    let result;
    try {
        result = tracker === null ? fn(...args) : tracker.run(thread, fn, ...args);
    }
    catch (error) {
        result = Promise.reject(error);
    }
    // One reaction with two bound functions: what a waiting coroutine costs
    // beyond its own frame (an async wrapper or closures would cost more).
    thread.body = Promise.resolve(result).then(threadFinished.bind(thread), threadFailed.bind(thread));
    return thread;
}
function threadFinished(value) {
    this.end(value, null);
    threadEnded(this);
}
function threadFailed(error) {
    this.end(undefined, { error });
    report(this, error);
    threadEnded(this);
}
function threadEnded(thread) {
    running.delete(thread);
    if (running.size === 0)
        finishStarts();
}
// ---- currentThread() --------------------------------------------------------
//
// Which thread's code runs is tracked with AsyncLocalStorage. On Node 24 and
// later it rides on the engine's async context frames and costs next to
// nothing, so it is on from the start. On Node 20 and 22 it turns on promise
// hooks that make every `await` in the process slower (0.3–0.7 µs each,
// measured: about 5% of a 64-byte echo round trip), so it stays off until
// the first `currentThread()` call: threads started before that call are
// not tracked, and that first call returns null. (Finding those threads
// anyway, e.g. from async stack traces through a wrapper named per thread,
// was tried: it made every idle coroutine about 1 KB larger.)
/** Which thread's code is running: on from the start where it is cheap, else from the first `currentThread()` call. */
let tracker = trackingIsCheap() ? new node_async_hooks_1.AsyncLocalStorage() : null;
/** True on Node 24+, where AsyncLocalStorage uses async context frames, not promise hooks. */
function trackingIsCheap() {
    const major = Number(/^v(\d+)\./.exec(process.version)?.[1] ?? 0);
    return major >= 24 && !process.execArgv.includes('--no-async-context-frame');
}
/**
 * The {@link Thread} whose code is running, or `null` outside any thread.
 * It follows the thread across its waits. On Node 20 and 22 tracking starts
 * with the first call (call it once at start-up): threads started before
 * that report `null`.
 */
function currentThread() {
    if (tracker === null) {
        tracker = new node_async_hooks_1.AsyncLocalStorage();
        return null;
    }
    return tracker.getStore() ?? null;
}
/** Resolves once `socket.clock()` reaches `t` (at once when it has). */
function sleepUntil(t) {
    if (typeof t !== 'number' || Number.isNaN(t))
        throw new TypeError('sleepUntil takes a time in seconds on socket.clock()');
    return (0, scheduler_js_1.waitUntil)(t).then(nothing);
}
function nothing() { }
/** Resolves after `seconds` (0 or less: at once, after the current microtasks). */
function sleep(seconds) {
    if (typeof seconds !== 'number' || Number.isNaN(seconds))
        throw new TypeError('sleep takes a number of seconds');
    return sleepUntil((0, scheduler_js_1.clock)() + seconds);
}
function finishStarts() {
    for (const start of starts.splice(0, starts.length))
        start.resolve(result_js_1.OK_TRUE);
}
function seconds(timeout) {
    if (timeout === undefined || timeout === null)
        return Infinity;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
        throw new RangeError('timeout must be a non-negative number of seconds');
    }
    return timeout > 2 ** 31 - 1 ? Infinity : timeout;
}
/**
 * Waits for the next batch of I/O events and lets the coroutines it wakes
 * run: `[true]`, or `[false, 'timeout']` when `timeout` seconds pass first.
 */
function poll(timeout) {
    // Not `async`: a bad timeout must throw at the call, not reject.
    return (0, scheduler_js_1.nextBatch)(seconds(timeout)).then((woke) => (woke ? [true] : [false, 'timeout']));
}
/**
 * Keeps the coroutines running until all of them have finished, `stop()`
 * is called, or `timeout` seconds pass: `[true]` in each case (as in the
 * seed, which "stops after the timeout expires"). Rejects with the first
 * exception a thread throws meanwhile.
 */
function start(timeout) {
    const limit = seconds(timeout);
    if (running.size === 0)
        return Promise.resolve(result_js_1.OK_TRUE);
    return new Promise((resolve, reject) => {
        const entry = {
            resolve: (r) => {
                cancel();
                resolve(r);
            },
            reject: (e) => {
                cancel();
                reject(e);
            },
        };
        // As in the seed, stopping because the timeout expired is a success.
        const cancel = (0, scheduler_js_1.listUntil)(starts, entry, limit, () => resolve(result_js_1.OK_TRUE));
    });
}
/** Makes pending `start()` calls return `[true]`. */
function stop() {
    finishStarts();
}
/** Coroutines started with `newThread` that have not finished. */
function threadCount() {
    return running.size;
}
