"use strict";
// The scheduler: the one place that owns readiness and wake-ups.
//
// The Rust driver watches the poller on Node's own loop and, for each batch
// of events, writes (slot, generation, readiness) triples into `events` and
// calls `dispatch(count)`. Here each event marks its socket ready and wakes
// the coroutines waiting on it; a coroutine is any async function awaiting
// `wait()`. Deadlines live in one min-heap behind a single Node timer.
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.TURN_SLICE = exports.TURN_BUDGET = exports.SocketState = exports.Waiter = exports.Wake = void 0;
exports.ensureInit = ensureInit;
exports.unrefWaits = unrefWaits;
exports.track = track;
exports.untrack = untrack;
exports.forget = forget;
exports.readShutDown = readShutDown;
exports.waitReadable = waitReadable;
exports.waitWritable = waitWritable;
exports.waitUntil = waitUntil;
exports.whenReadable = whenReadable;
exports.whenWritable = whenWritable;
exports.waitOn = waitOn;
exports.clock = clock;
exports.spend = spend;
exports.completed = completed;
exports.yieldTurn = yieldTurn;
exports.whenFdReleased = whenFdReleased;
exports.nextBatch = nextBatch;
exports.listUntil = listUntil;
exports.waitingCount = waitingCount;
exports.openCount = openCount;
const native = __importStar(require("./native.js"));
// Shared with Rust (crates/binding `constants.rs`), read once here.
const BATCH = native.DISPATCH_BATCH;
const READABLE = native.READABLE;
const WRITABLE = native.WRITABLE;
const READ_CLOSED = native.READ_CLOSED;
const WRITE_CLOSED = native.WRITE_CLOSED;
/** A socket id is `generation * SLOT_SPAN + slot`. */
const SLOT_SPAN = 2 ** native.ID_SLOT_BITS;
/** How a wait ended. */
exports.Wake = { Ready: 0, Timeout: 1, Closed: 2, Aborted: 3 };
/**
 * A pending wait: on a socket direction, a deadline, a signal, or a list of
 * the scheduler's own. Subclasses say what happens when it ends ({@link
 * wake}); a hot path's waiter carries its own state, so a pending call
 * costs one object rather than a waiter plus a closure and its context.
 */
class Waiter {
    done = false;
    list = null;
    /** Where it stands in `list`, so leaving it is O(1) (10 000 waits on one socket happen). */
    listIndex = -1;
    deadline = Infinity;
    heapIndex = -1;
    signal = null;
    /** What passing `deadline` means: `Timeout`, or `Ready` for a back-off's end. */
    onDeadline = exports.Wake.Timeout;
}
exports.Waiter = Waiter;
/** A waiter that calls a function. */
class CallbackWaiter extends Waiter {
    then;
    constructor(then) {
        super();
        this.then = then;
    }
    wake(outcome) {
        this.then(outcome);
    }
}
/** Per-socket readiness, indexed by the socket's slot. */
class SocketState {
    id;
    slot;
    generation;
    /** Set by events, cleared when a call would block (or a stream read was short). */
    readable = true;
    writable = true;
    /**
     * The peer closed (or the socket failed): no edge will follow the one
     * that said so, so a short read no longer means "drained" (EOF or the
     * error is still to be read).
     */
    readClosed = false;
    closed = false;
    /** Made at the first wait (most sockets never wait to write). */
    readers = null;
    writers = null;
    constructor(id, slot, generation) {
        this.id = id;
        this.slot = slot;
        this.generation = generation;
    }
}
exports.SocketState = SocketState;
const events = new Uint32Array(BATCH * 3);
const bySlot = [];
let waiting = 0;
/** Waits that should not keep the process alive (see {@link unrefWaits}). */
let unrefed = 0;
let active = false;
let initialized = false;
/** Loads the driver for this environment (main thread or worker). */
function ensureInit() {
    if (initialized)
        return;
    native.init(events, dispatch);
    initialized = true;
}
function setWaiting(delta) {
    waiting += delta;
    const shouldBeActive = waiting > unrefed;
    if (shouldBeActive !== active) {
        active = shouldBeActive;
        native.setActive(active);
    }
}
/**
 * Counts waits that should not keep the process alive (an unref'd duplex
 * waiting for data, as `net.Socket#unref()`): +1 while such a wait is
 * pending, -1 when it ends. The driver keeps the process alive only while
 * other waits remain.
 */
function unrefWaits(delta) {
    unrefed += delta;
    setWaiting(0);
}
/** Registers a native socket id with the scheduler. */
function track(id) {
    ensureInit();
    const slot = id % SLOT_SPAN;
    const generation = Math.floor(id / SLOT_SPAN);
    const state = new SocketState(id, slot, generation);
    bySlot[slot] = state;
    return state;
}
/** Closes the socket and wakes everything waiting on it with `Closed`. */
function untrack(state) {
    if (!forget(state))
        return false;
    const closed = native.close(state.id);
    if (fdWaiters.length > 0)
        wakeAll(fdWaiters, exports.Wake.Ready);
    return closed;
}
/**
 * Marks the socket closed in this thread and wakes everything waiting on it
 * with `Closed`, without touching the native socket: what `close` does
 * before closing it, and all `detach` does here (the socket itself leaves
 * for another thread). False if it was closed already.
 */
function forget(state) {
    if (state.closed)
        return false;
    state.closed = true;
    if (bySlot[state.slot] === state)
        bySlot[state.slot] = undefined;
    wakeAll(state.readers, exports.Wake.Closed);
    wakeAll(state.writers, exports.Wake.Closed);
    return true;
}
function wakeAll(list, outcome) {
    if (list === null)
        return;
    const count = list.length;
    if (count === 0)
        return;
    if (count === 1) {
        // The usual case (one coroutine per direction): no array copy.
        const waiter = list.pop();
        waiter.list = null;
        settle(waiter, outcome);
        return;
    }
    const woken = list.splice(0, count);
    for (const waiter of woken) {
        waiter.list = null;
        settle(waiter, outcome);
    }
}
function settle(waiter, outcome) {
    if (waiter.done)
        return;
    waiter.done = true;
    if (waiter.list !== null) {
        // Swap with the last: waiters of one list are woken together, so their
        // order matters little, and a timed-out wait leaves in O(1).
        const list = waiter.list;
        const last = list.pop();
        if (last !== waiter) {
            list[waiter.listIndex] = last;
            last.listIndex = waiter.listIndex;
        }
        waiter.list = null;
    }
    if (waiter.heapIndex >= 0)
        heapRemove(waiter);
    if (waiter.signal !== null)
        unwatchSignal(waiter);
    setWaiting(-1);
    waiter.wake(outcome);
}
function dispatch(count) {
    newTurn();
    for (let i = 0; i < count; i++) {
        const state = bySlot[events[i * 3]];
        if (state === undefined || state.generation !== events[i * 3 + 1])
            continue;
        const bits = events[i * 3 + 2];
        if (bits & (READABLE | READ_CLOSED)) {
            state.readable = true;
            if (bits & READ_CLOSED)
                state.readClosed = true;
            wakeAll(state.readers, exports.Wake.Ready);
        }
        if (bits & (WRITABLE | WRITE_CLOSED)) {
            state.writable = true;
            wakeAll(state.writers, exports.Wake.Ready);
        }
    }
    if (pollers.length > 0)
        wakePollers();
}
/**
 * The socket reads no more (our own `shutdown` for reading): readable from
 * now on (each read returns 0), and its waiting readers are woken to read
 * it. Left to the poller, this is lost where no event follows a local
 * shutdown (mio's IOCP poller under Wine reports none).
 */
function readShutDown(state) {
    state.readable = true;
    state.readClosed = true;
    wakeAll(state.readers, exports.Wake.Ready);
}
/**
 * Waits until `state` is readable (or writable), `expires` passes (seconds
 * on {@link clock}) or its signal aborts, or the socket is closed.
 */
function waitReadable(state, expires) {
    return new Promise((resolve) => waitOn(state, false, expires, new CallbackWaiter(resolve)));
}
function waitWritable(state, expires) {
    return new Promise((resolve) => waitOn(state, true, expires, new CallbackWaiter(resolve)));
}
/** Waits until `expires` passes (or its signal aborts). */
function waitUntil(expires) {
    return new Promise((resolve) => waitThen(null, expires, new CallbackWaiter(resolve)));
}
/**
 * {@link waitReadable} / {@link waitWritable} without a promise: `then` is
 * called once with the outcome, from the event dispatch, the deadline timer
 * or `untrack`.
 */
function whenReadable(state, expires, then) {
    waitOn(state, false, expires, new CallbackWaiter(then));
}
function whenWritable(state, expires, then) {
    waitOn(state, true, expires, new CallbackWaiter(then));
}
/**
 * The wait every socket call goes through: queues `waiter` on `state`'s
 * readers (or writers) until the socket is ready or closed, or `expires`
 * ends it. A waiter may wait again from its own `wake`.
 */
function waitOn(state, write, expires, waiter) {
    if (!arm(waiter, expires, Infinity))
        return;
    const list = write ? state.writers : state.readers;
    if (list === null) {
        // Exactly one slot: an idle connection's one reader costs 8 bytes here.
        waiter.list = [waiter];
        waiter.listIndex = 0;
        if (write)
            state.writers = waiter.list;
        else
            state.readers = waiter.list;
    }
    else {
        waiter.list = list;
        waiter.listIndex = list.push(waiter) - 1;
    }
}
/**
 * Queues `waiter` on `list` (if any) until `expires`; with `readyAt`, the
 * wait also ends, as `Ready`, at that time (unless `expires` comes first).
 */
function waitThen(list, expires, waiter, readyAt = Infinity) {
    if (!arm(waiter, expires, readyAt))
        return;
    if (list !== null) {
        waiter.list = list;
        waiter.listIndex = list.push(waiter) - 1;
    }
}
/**
 * Starts a wait: its deadline (a number: on the heap, `Timeout` when it
 * passes; a past one ends the wait at once) or signal (`Timeout` if its
 * reason is a `TimeoutError`, as `AbortSignal.timeout()` gives, else
 * `Aborted`). False when it ended at once.
 */
function arm(waiter, expires, readyAt) {
    waiter.done = false;
    waiter.deadline = Infinity;
    waiter.onDeadline = exports.Wake.Timeout;
    setWaiting(1);
    if (typeof expires === 'number') {
        if (expires <= clock()) {
            settle(waiter, exports.Wake.Timeout);
            return false;
        }
        waiter.deadline = expires;
    }
    else if (expires !== undefined) {
        if (expires.aborted) {
            settle(waiter, abortOutcome(expires));
            return false;
        }
        watchSignal(waiter, expires);
    }
    if (readyAt < waiter.deadline) {
        waiter.deadline = readyAt;
        waiter.onDeadline = exports.Wake.Ready;
    }
    if (waiter.deadline !== Infinity)
        heapPush(waiter);
    return true;
}
/** Monotonic time in seconds. */
function clock() {
    return performance.now() / 1000;
}
// ---- abort signals: one listener per signal, however many waits use it --
const bySignal = new Map();
function abortOutcome(signal) {
    const reason = signal.reason;
    const name = typeof reason === 'object' && reason !== null ? reason.name : undefined;
    return name === 'TimeoutError' ? exports.Wake.Timeout : exports.Wake.Aborted;
}
function watchSignal(waiter, signal) {
    let waiters = bySignal.get(signal);
    if (waiters === undefined) {
        waiters = new Set();
        bySignal.set(signal, waiters);
        signal.addEventListener('abort', onAbort);
    }
    waiters.add(waiter);
    waiter.signal = signal;
}
function unwatchSignal(waiter) {
    const signal = waiter.signal;
    waiter.signal = null;
    const waiters = bySignal.get(signal);
    if (waiters === undefined)
        return;
    waiters.delete(waiter);
    if (waiters.size === 0) {
        bySignal.delete(signal);
        signal.removeEventListener('abort', onAbort);
    }
}
function onAbort(event) {
    const signal = event.target;
    const waiters = bySignal.get(signal);
    if (waiters === undefined)
        return;
    const outcome = abortOutcome(signal);
    for (const waiter of [...waiters])
        settle(waiter, outcome);
}
// ---- deadlines: a binary min-heap of waiters and one Node timer --------
// Cancelling a wait removes it from the heap in O(log n) (each waiter knows
// its index). The timer is re-armed only when a new deadline comes before
// it; a timer left early by a cancelled wait fires, finds nothing due and
// re-arms, so a wait that completes in time costs no timer calls at all.
// With no deadline pending the timer is unref'd: it keeps no process alive.
const heap = [];
let timer;
let timerAt = Infinity;
let timerRefed = false;
let firing = false;
function heapPush(waiter) {
    waiter.heapIndex = heap.length;
    heap.push(waiter);
    siftUp(waiter.heapIndex);
    if (waiter.heapIndex === 0)
        armTimer();
}
function heapRemove(waiter) {
    const at = waiter.heapIndex;
    waiter.heapIndex = -1;
    const last = heap.pop();
    if (at < heap.length) {
        heap[at] = last;
        last.heapIndex = at;
        siftDown(at);
        siftUp(at);
    }
    if (heap.length === 0 && !firing)
        armTimer();
}
function siftUp(at) {
    const item = heap[at];
    while (at > 0) {
        const parent = (at - 1) >> 1;
        if (heap[parent].deadline <= item.deadline)
            break;
        heap[at] = heap[parent];
        heap[at].heapIndex = at;
        at = parent;
    }
    heap[at] = item;
    item.heapIndex = at;
}
function siftDown(at) {
    const item = heap[at];
    const n = heap.length;
    for (;;) {
        let child = at * 2 + 1;
        if (child >= n)
            break;
        if (child + 1 < n && heap[child + 1].deadline < heap[child].deadline)
            child++;
        if (heap[child].deadline >= item.deadline)
            break;
        heap[at] = heap[child];
        heap[at].heapIndex = at;
        at = child;
    }
    heap[at] = item;
    item.heapIndex = at;
}
function armTimer() {
    if (heap.length === 0) {
        if (timerRefed)
            timer.unref();
        timerRefed = false;
        return;
    }
    const next = heap[0].deadline;
    if (timer !== undefined && timerAt <= next) {
        if (!timerRefed)
            timer.ref();
        timerRefed = true;
        return;
    }
    if (timer !== undefined)
        clearTimeout(timer);
    timerAt = next;
    // Node caps timers at 2^31-1 ms; a farther deadline fires early and re-arms.
    const ms = Math.min(0x7fff_ffff, Math.max(1, Math.ceil((next - clock()) * 1000)));
    timer = setTimeout(onTimer, ms);
    timerRefed = true;
}
function onTimer() {
    newTurn();
    timer = undefined;
    timerAt = Infinity;
    timerRefed = false;
    const now = clock();
    firing = true;
    try {
        while (heap.length > 0 && heap[0].deadline <= now)
            settle(heap[0], heap[0].onDeadline);
    }
    finally {
        firing = false;
    }
    armTimer();
}
// ---- fairness: a budget of calls per event-loop turn -------------------
// A call on a socket that is ready completes at once, and an `await` of a
// settled promise continues in the microtask queue: a coroutine that keeps
// finding its socket ready (a bulk stream, an accept loop under a flood)
// would never give the event loop a turn, starving timers, other sockets
// and Node's own I/O. So calls that complete without waiting spend from a
// budget shared by every coroutine of this thread, refilled whenever the
// loop gets a turn (an I/O batch, the deadline timer, a yield). Once it is
// spent, or a time slice has passed, a call still makes its system call at
// once, but its result is delivered after a `setImmediate` turn, when the
// loop has run its timers and polled for I/O ({@link completed}). (tokio's cooperative budget bounds a
// task the same way, by operations; Go preempts by time; we do both.)
/** Calls that may complete without waiting in one turn of the event loop. */
exports.TURN_BUDGET = 128;
/** How long one turn's calls may run before the next one yields (seconds). */
exports.TURN_SLICE = 0.002;
/** How often (in calls) the time slice is checked: clock reads are not free. */
const SLICE_CHECK_EVERY = 16;
let budget = exports.TURN_BUDGET;
let sliceEnds = 0;
/** Calls waiting for the next turn (a waiter list like a socket's). */
const yielders = [];
let turnScheduled = false;
function newTurn() {
    budget = exports.TURN_BUDGET;
    sliceEnds = 0;
}
/**
 * Takes one call from this turn's budget: `true` if the call may run now,
 * `false` if its result must wait for the next turn ({@link completed}).
 */
function spend() {
    if (budget <= 0)
        return false;
    budget--;
    if (budget % SLICE_CHECK_EVERY === 0) {
        const now = clock();
        if (sliceEnds === 0)
            sliceEnds = now + exports.TURN_SLICE;
        else if (now > sliceEnds)
            budget = 0;
    }
    return true;
}
/**
 * A call's result, already in hand: resolved now while this turn's budget
 * lasts, else after the event loop's next turn. The call itself has been
 * made (a send is on the wire before a `close()` that follows it); only
 * the caller's continuation waits.
 */
function completed(value) {
    if (spend())
        return Promise.resolve(value);
    return new Promise((resolve) => yieldTurn(undefined, new Deferred(resolve, value)));
}
/** A result held until the next turn ({@link completed}). */
class Deferred extends Waiter {
    resolve;
    value;
    constructor(resolve, value) {
        super();
        this.resolve = resolve;
        this.value = value;
    }
    wake() {
        this.resolve(this.value);
    }
}
/**
 * Wakes `waiter` once the event loop has had a turn (or `expires` passes):
 * how a call that found the budget spent yields.
 */
function yieldTurn(expires, waiter) {
    waitThen(yielders, expires, waiter);
    if (!turnScheduled) {
        turnScheduled = true;
        setImmediate(onTurn);
    }
}
function onTurn() {
    turnScheduled = false;
    newTurn();
    wakeAll(yielders, exports.Wake.Ready);
}
// ---- descriptors released ------------------------------------------------
/** Waits (an accept out of descriptors) for this process to close a socket. */
const fdWaiters = [];
/**
 * Resolves `Ready` when this process closes a socket or at `notAfter`,
 * whichever comes first (or as a wait ends when `expires` passes first).
 */
function whenFdReleased(notAfter, expires) {
    return new Promise((resolve) => waitThen(fdWaiters, expires, new CallbackWaiter(resolve), notAfter));
}
// ---- poll / start / stop -------------------------------------------------
const pollers = [];
function wakePollers() {
    for (const resolve of pollers.splice(0, pollers.length))
        resolve(true);
}
/**
 * Resolves `true` after the next batch of I/O events has been dispatched
 * (and the coroutines it woke have run to their next wait), or `false` when
 * `timeout` seconds pass first.
 */
function nextBatch(timeout) {
    return new Promise((resolve) => {
        const done = (woke) => {
            cancel();
            resolve(woke);
        };
        const cancel = listUntil(pollers, done, timeout, () => resolve(false));
    });
}
const noop = () => { };
/**
 * Puts `entry` in `list`, where whoever settles it finds it; after
 * `timeout` seconds (never for `Infinity`) it leaves the list and
 * `onTimeout` runs instead. Returns what stops that timer: to call when
 * the entry is settled from the list.
 */
function listUntil(list, entry, timeout, onTimeout) {
    list.push(entry);
    if (timeout === Infinity)
        return noop;
    const timer = setTimeout(() => {
        const at = list.indexOf(entry);
        if (at >= 0)
            list.splice(at, 1);
        onTimeout();
    }, Math.ceil(timeout * 1000));
    return () => clearTimeout(timer);
}
/** Coroutines waiting on a socket or a deadline, for leak checks. */
function waitingCount() {
    return waiting;
}
/** Sockets open in this environment, for leak checks. */
function openCount() {
    return initialized ? native.openCount() : 0;
}
