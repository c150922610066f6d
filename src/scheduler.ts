// The scheduler: the one place that owns readiness and wake-ups.
//
// The Rust driver watches the poller on Node's own loop and, for each batch
// of events, writes (slot, generation, readiness) triples into `events` and
// calls `dispatch(count)`. Here each event marks its socket ready and wakes
// the coroutines waiting on it; a coroutine is any async function awaiting
// `wait()`. Deadlines live in one min-heap behind a single Node timer.

import * as native from './native.js'

// Shared with Rust (crates/binding `constants.rs`), read once here.
const BATCH = native.DISPATCH_BATCH
const READABLE = native.READABLE
const WRITABLE = native.WRITABLE
const READ_CLOSED = native.READ_CLOSED
const WRITE_CLOSED = native.WRITE_CLOSED
/** A socket id is `generation * SLOT_SPAN + slot`. */
const SLOT_SPAN = 2 ** native.ID_SLOT_BITS

/** How a wait ended. */
export const Wake = { Ready: 0, Timeout: 1, Closed: 2, Aborted: 3 } as const
export type Wake = (typeof Wake)[keyof typeof Wake]

/**
 * When a wait gives up: an absolute time in seconds on {@link clock}, an
 * `AbortSignal`, or `undefined` for never.
 */
export type Deadline = number | AbortSignal | undefined

export type Resolve = (outcome: Wake) => void

/** `Waiter.listIndex` of a waiter in no list (yet). */
const NOT_LISTED = -1
/** `Waiter.listIndex` of a waiter a socket holds without a list. */
const HELD_READER = -2
const HELD_WRITER = -3
/** `Waiter.listIndex` of a waiter whose wait has ended (until it waits again). */
const SETTLED = -4

/**
 * A pending wait: on a socket direction, a deadline, a signal, or a list of
 * the scheduler's own. Subclasses say what happens when it ends ({@link
 * wake}); a hot path's waiter carries its own state, so a pending call
 * costs one object rather than a waiter plus a closure and its context.
 * What a wait with a deadline or signal needs more is in a {@link Timing}
 * made for such waits only: an idle connection's `recv` has neither.
 */
export abstract class Waiter {
  /**
   * Where it waits: a list, or the socket whose one reader (or writer) it
   * is (a socket holds its first waiter without a list); null in neither.
   */
  list: Waiter[] | SocketState | null = null
  /**
   * Where it stands in `list` (so leaving it is O(1): 10 000 waits on one
   * socket happen), the side of a socket it holds, or {@link SETTLED} once
   * its wait has ended (one field for both: an idle connection's `recv`
   * holds a waiter).
   */
  listIndex = NOT_LISTED
  /** Its deadline and signal, if it has one; kept for the waiter's next wait. */
  timing: Timing | null = null
  /** Called once per wait, after it has left every list, with how it ended. */
  abstract wake(outcome: Wake): void
}

/** The deadline and signal of a {@link Waiter}'s wait (see {@link arm}). */
class Timing {
  /** The `expires` it was armed with, for the waiter's next wait ({@link lastExpires}). */
  expires: Deadline = undefined
  deadline = Infinity
  heapIndex = -1
  signal: AbortSignal | null = null
  /** What passing `deadline` means: `Timeout`, or `Ready` for a back-off's end. */
  onDeadline: Wake = Wake.Timeout
  constructor(readonly waiter: Waiter) {}
}

/** The `expires` of `waiter`'s last wait: how a waiter that waits again keeps its deadline or signal. */
export function lastExpires(waiter: Waiter): Deadline {
  return waiter.timing === null ? undefined : waiter.timing.expires
}

/** A waiter that calls a function. */
class CallbackWaiter extends Waiter {
  constructor(private readonly then: Resolve) {
    super()
  }

  wake(outcome: Wake): void {
    this.then(outcome)
  }
}

// SocketState's flags, as bits of one field: every idle connection holds a
// SocketState, and five booleans cost five fields (8 bytes each on 64-bit
// V8) where one small integer costs one.
const IS_READABLE = 1
const IS_WRITABLE = 2
const IS_READ_CLOSED = 4
const IS_CLOSED = 8
const IS_BOUND = 16

/** Per-socket readiness, indexed by the socket's slot. */
export class SocketState {
  private flags = IS_READABLE | IS_WRITABLE
  /**
   * Who waits to read (to write): nobody (null), the one waiter (the usual
   * case: no list), or a list, made when a second one comes and kept.
   */
  readers: Waiter | Waiter[] | null = null
  writers: Waiter | Waiter[] | null = null
  /** `generation * SLOT_SPAN + slot` (see {@link track}). */
  constructor(readonly id: number) {}

  /** Set by events, cleared when a call would block (or a stream read was short). */
  get readable(): boolean {
    return (this.flags & IS_READABLE) !== 0
  }
  set readable(on: boolean) {
    this.setFlag(IS_READABLE, on)
  }

  get writable(): boolean {
    return (this.flags & IS_WRITABLE) !== 0
  }
  set writable(on: boolean) {
    this.setFlag(IS_WRITABLE, on)
  }

  /**
   * The peer closed (or the socket failed): no edge will follow the one
   * that said so, so a short read no longer means "drained" (EOF or the
   * error is still to be read).
   */
  get readClosed(): boolean {
    return (this.flags & IS_READ_CLOSED) !== 0
  }
  set readClosed(on: boolean) {
    this.setFlag(IS_READ_CLOSED, on)
  }

  /** Closed (or detached) in this thread. */
  get closed(): boolean {
    return (this.flags & IS_CLOSED) !== 0
  }
  set closed(on: boolean) {
    this.setFlag(IS_CLOSED, on)
  }

  /** Bound to a local address (by us, or it came so): `listen` need not bind it. */
  get bound(): boolean {
    return (this.flags & IS_BOUND) !== 0
  }
  set bound(on: boolean) {
    this.setFlag(IS_BOUND, on)
  }

  private setFlag(bit: number, on: boolean): void {
    this.flags = on ? this.flags | bit : this.flags & ~bit
  }
}

/** The id of socket `slot` in generation `generation`. */
function idOf(slot: number, generation: number): number {
  return generation * SLOT_SPAN + slot
}

const events = new Uint32Array(BATCH * 3)
const bySlot: (SocketState | undefined)[] = []
let waiting = 0
/** Waits that should not keep the process alive (see {@link unrefWaits}). */
let unrefed = 0
let active = false
let initialized = false

/** Loads the driver for this environment (main thread or worker). */
export function ensureInit(): void {
  if (initialized) return
  native.init(events, dispatch)
  initialized = true
}

function setWaiting(delta: number): void {
  waiting += delta
  const shouldBeActive = waiting > unrefed
  if (shouldBeActive !== active) {
    active = shouldBeActive
    native.setActive(active)
  }
}

/**
 * Counts waits that should not keep the process alive (an unref'd duplex
 * waiting for data, as `net.Socket#unref()`): +1 while such a wait is
 * pending, -1 when it ends. The driver keeps the process alive only while
 * other waits remain.
 */
export function unrefWaits(delta: number): void {
  unrefed += delta
  setWaiting(0)
}

/** Registers a native socket id with the scheduler. */
export function track(id: number): SocketState {
  ensureInit()
  const state = new SocketState(id)
  bySlot[id % SLOT_SPAN] = state
  return state
}

/** Closes the socket and wakes everything waiting on it with `Closed`. */
export function untrack(state: SocketState): boolean {
  if (!forget(state)) return false
  const closed = native.close(state.id)
  if (fdWaiters.length > 0) wakeAll(fdWaiters, Wake.Ready)
  return closed
}

/**
 * Marks the socket closed in this thread and wakes everything waiting on it
 * with `Closed`, without touching the native socket: what `close` does
 * before closing it, and all `detach` does here (the socket itself leaves
 * for another thread). False if it was closed already.
 */
export function forget(state: SocketState): boolean {
  if (state.closed) return false
  state.closed = true
  const slot = state.id % SLOT_SPAN
  if (bySlot[slot] === state) bySlot[slot] = undefined
  wakeSide(state, false, Wake.Closed)
  wakeSide(state, true, Wake.Closed)
  return true
}

/** Wakes whoever waits to read (or write) on `state`. */
function wakeSide(state: SocketState, write: boolean, outcome: Wake): void {
  const held = write ? state.writers : state.readers
  if (held === null) return
  if (Array.isArray(held)) {
    wakeAll(held, outcome)
    return
  }
  // The one waiter, held without a list.
  if (write) state.writers = null
  else state.readers = null
  held.list = null
  settle(held, outcome)
}

/** How many wait to read (or write) on `state`, for tests. */
export function waitersOn(state: SocketState, write: boolean): number {
  const held = write ? state.writers : state.readers
  return held === null ? 0 : Array.isArray(held) ? held.length : 1
}

function wakeAll(list: Waiter[], outcome: Wake): void {
  const count = list.length
  if (count === 0) return
  if (count === 1) {
    // The usual case (one coroutine per direction): no array copy.
    const waiter = list.pop()!
    waiter.list = null
    settle(waiter, outcome)
    return
  }
  const woken = list.splice(0, count)
  for (const waiter of woken) {
    waiter.list = null
    settle(waiter, outcome)
  }
}

function settle(waiter: Waiter, outcome: Wake): void {
  const index = waiter.listIndex
  if (index === SETTLED) return
  waiter.listIndex = SETTLED
  const list = waiter.list
  if (list !== null) {
    waiter.list = null
    if (Array.isArray(list)) {
      // Swap with the last: waiters of one list are woken together, so their
      // order matters little, and a timed-out wait leaves in O(1).
      const last = list.pop()!
      if (last !== waiter) {
        list[index] = last
        last.listIndex = index
      }
    } else if (index === HELD_READER) list.readers = null
    else list.writers = null
  }
  const timing = waiter.timing
  if (timing !== null) {
    if (timing.heapIndex >= 0) heapRemove(timing)
    if (timing.signal !== null) unwatchSignal(waiter, timing)
  }
  setWaiting(-1)
  waiter.wake(outcome)
}

function dispatch(count: number): void {
  newTurn(count)
  for (let i = 0; i < count; i++) {
    const slot = events[i * 3]
    const state = bySlot[slot]
    if (state === undefined || state.id !== idOf(slot, events[i * 3 + 1])) continue
    const bits = events[i * 3 + 2]
    if (bits & (READABLE | READ_CLOSED)) {
      state.readable = true
      if (bits & READ_CLOSED) state.readClosed = true
      if (state.readers !== null) wakeSide(state, false, Wake.Ready)
    }
    if (bits & (WRITABLE | WRITE_CLOSED)) {
      state.writable = true
      if (state.writers !== null) wakeSide(state, true, Wake.Ready)
    }
  }
  if (pollers.length > 0) wakePollers()
}

/**
 * The socket reads no more (our own `shutdown` for reading): readable from
 * now on (each read returns 0), and its waiting readers are woken to read
 * it. Left to the poller, this is lost where no event follows a local
 * shutdown (mio's IOCP poller under Wine reports none).
 */
export function readShutDown(state: SocketState): void {
  state.readable = true
  state.readClosed = true
  wakeSide(state, false, Wake.Ready)
}

/**
 * Waits until `state` is readable (or writable), `expires` passes (seconds
 * on {@link clock}) or its signal aborts, or the socket is closed.
 */
export function waitReadable(state: SocketState, expires?: Deadline): Promise<Wake> {
  return new Promise<Wake>((resolve) => waitOn(state, false, expires, new CallbackWaiter(resolve)))
}

export function waitWritable(state: SocketState, expires?: Deadline): Promise<Wake> {
  return new Promise<Wake>((resolve) => waitOn(state, true, expires, new CallbackWaiter(resolve)))
}

/** Waits until `expires` passes (or its signal aborts). */
export function waitUntil(expires: Deadline): Promise<Wake> {
  return new Promise<Wake>((resolve) => waitThen(null, expires, new CallbackWaiter(resolve)))
}

/**
 * {@link waitReadable} / {@link waitWritable} without a promise: `then` is
 * called once with the outcome, from the event dispatch, the deadline timer
 * or `untrack`.
 */
export function whenReadable(state: SocketState, expires: Deadline, then: Resolve): void {
  waitOn(state, false, expires, new CallbackWaiter(then))
}

export function whenWritable(state: SocketState, expires: Deadline, then: Resolve): void {
  waitOn(state, true, expires, new CallbackWaiter(then))
}

/**
 * The wait every socket call goes through: queues `waiter` on `state`'s
 * readers (or writers) until the socket is ready or closed, or `expires`
 * ends it. A waiter may wait again from its own `wake`.
 */
export function waitOn(state: SocketState, write: boolean, expires: Deadline, waiter: Waiter): void {
  if (!arm(waiter, expires, Infinity)) return
  const held = write ? state.writers : state.readers
  if (held === null) {
    // The first waiter: held by the socket itself, no list.
    waiter.list = state
    waiter.listIndex = write ? HELD_WRITER : HELD_READER
    if (write) state.writers = waiter
    else state.readers = waiter
  } else if (Array.isArray(held)) {
    waiter.list = held
    waiter.listIndex = held.push(waiter) - 1
  } else {
    // A second one: both move to a list, which the socket keeps.
    const list = [held, waiter]
    held.list = list
    held.listIndex = 0
    waiter.list = list
    waiter.listIndex = 1
    if (write) state.writers = list
    else state.readers = list
  }
}

/**
 * Queues `waiter` on `list` (if any) until `expires`; with `readyAt`, the
 * wait also ends, as `Ready`, at that time (unless `expires` comes first).
 */
function waitThen(list: Waiter[] | null, expires: Deadline, waiter: Waiter, readyAt = Infinity): void {
  if (!arm(waiter, expires, readyAt)) return
  if (list !== null) {
    waiter.list = list
    waiter.listIndex = list.push(waiter) - 1
  }
}

/**
 * Starts a wait: its deadline (a number: on the heap, `Timeout` when it
 * passes; a past one ends the wait at once) or signal (`Timeout` if its
 * reason is a `TimeoutError`, as `AbortSignal.timeout()` gives, else
 * `Aborted`). False when it ended at once.
 */
function arm(waiter: Waiter, expires: Deadline, readyAt: number): boolean {
  waiter.listIndex = NOT_LISTED
  setWaiting(1)
  if (expires === undefined && readyAt === Infinity) {
    if (waiter.timing !== null) waiter.timing.expires = undefined
    return true
  }
  let timing = waiter.timing
  if (timing === null) timing = waiter.timing = new Timing(waiter)
  timing.expires = expires
  timing.deadline = Infinity
  timing.onDeadline = Wake.Timeout
  if (typeof expires === 'number') {
    if (expires <= clock()) {
      settle(waiter, Wake.Timeout)
      return false
    }
    timing.deadline = expires
  } else if (expires !== undefined) {
    if (expires.aborted) {
      settle(waiter, abortOutcome(expires))
      return false
    }
    watchSignal(waiter, timing, expires)
  }
  if (readyAt < timing.deadline) {
    timing.deadline = readyAt
    timing.onDeadline = Wake.Ready
  }
  if (timing.deadline !== Infinity) heapPush(timing)
  return true
}

/** Monotonic time in seconds. */
export function clock(): number {
  return performance.now() / 1000
}

// ---- abort signals: one listener per signal, however many waits use it --

const bySignal = new Map<AbortSignal, Set<Waiter>>()

function abortOutcome(signal: AbortSignal): Wake {
  const reason: unknown = signal.reason
  const name = typeof reason === 'object' && reason !== null ? (reason as { name?: unknown }).name : undefined
  return name === 'TimeoutError' ? Wake.Timeout : Wake.Aborted
}

function watchSignal(waiter: Waiter, timing: Timing, signal: AbortSignal): void {
  let waiters = bySignal.get(signal)
  if (waiters === undefined) {
    waiters = new Set()
    bySignal.set(signal, waiters)
    signal.addEventListener('abort', onAbort)
  }
  waiters.add(waiter)
  timing.signal = signal
}

function unwatchSignal(waiter: Waiter, timing: Timing): void {
  const signal = timing.signal!
  timing.signal = null
  const waiters = bySignal.get(signal)
  if (waiters === undefined) return
  waiters.delete(waiter)
  if (waiters.size === 0) {
    bySignal.delete(signal)
    signal.removeEventListener('abort', onAbort)
  }
}

function onAbort(event: Event): void {
  const signal = event.target as AbortSignal
  const waiters = bySignal.get(signal)
  if (waiters === undefined) return
  const outcome = abortOutcome(signal)
  for (const waiter of [...waiters]) settle(waiter, outcome)
}

// ---- deadlines: a binary min-heap of waiters and one Node timer --------

// The heap holds the waits' {@link Timing}s. Cancelling a wait removes it from the heap in O(log n) (each waiter knows
// its index). The timer is re-armed only when a new deadline comes before
// it; a timer left early by a cancelled wait fires, finds nothing due and
// re-arms, so a wait that completes in time costs no timer calls at all.
// With no deadline pending the timer is unref'd: it keeps no process alive.

const heap: Timing[] = []
let timer: NodeJS.Timeout | undefined
let timerAt = Infinity
let timerRefed = false
let firing = false
/** Heap entries moved by sift steps since start: the work the heap does, for tests. */
let heapMoves = 0

/**
 * The deadline heap's size and the entries its sift steps have moved so
 * far: a test counts the moves per removal to check they stay O(log n)
 * (a count, not a clock: speed is the benchmark's).
 */
export function deadlineHeapStats(): { size: number; moves: number } {
  return { size: heap.length, moves: heapMoves }
}

function heapPush(timing: Timing): void {
  timing.heapIndex = heap.length
  heap.push(timing)
  siftUp(timing.heapIndex)
  if (timing.heapIndex === 0) armTimer()
}

function heapRemove(timing: Timing): void {
  const at = timing.heapIndex
  timing.heapIndex = -1
  const last = heap.pop()!
  if (at < heap.length) {
    heap[at] = last
    last.heapIndex = at
    siftDown(at)
    siftUp(at)
  }
  if (heap.length === 0 && !firing) armTimer()
}

/** One sift step: the entry at `from` moves to `to` (whose entry moved on). */
function moveEntry(from: number, to: number): void {
  heap[to] = heap[from]
  heap[to].heapIndex = to
  heapMoves++
}

function siftUp(at: number): void {
  const item = heap[at]
  while (at > 0) {
    const parent = (at - 1) >> 1
    if (heap[parent].deadline <= item.deadline) break
    moveEntry(parent, at)
    at = parent
  }
  heap[at] = item
  item.heapIndex = at
}

function siftDown(at: number): void {
  const item = heap[at]
  const n = heap.length
  for (;;) {
    let child = at * 2 + 1
    if (child >= n) break
    if (child + 1 < n && heap[child + 1].deadline < heap[child].deadline) child++
    if (heap[child].deadline >= item.deadline) break
    moveEntry(child, at)
    at = child
  }
  heap[at] = item
  item.heapIndex = at
}

function armTimer(): void {
  if (heap.length === 0) {
    if (timerRefed) timer!.unref()
    timerRefed = false
    return
  }
  const next = heap[0].deadline
  if (timer !== undefined && timerAt <= next) {
    if (!timerRefed) timer.ref()
    timerRefed = true
    return
  }
  if (timer !== undefined) clearTimeout(timer)
  timerAt = next
  // Node caps timers at 2^31-1 ms; a farther deadline fires early and re-arms.
  const ms = Math.min(0x7fff_ffff, Math.max(1, Math.ceil((next - clock()) * 1000)))
  timer = setTimeout(onTimer, ms)
  timerRefed = true
}

function onTimer(): void {
  newTurn()
  timer = undefined
  timerAt = Infinity
  timerRefed = false
  const now = clock()
  firing = true
  try {
    while (heap.length > 0 && heap[0].deadline <= now) settle(heap[0].waiter, heap[0].onDeadline)
  } finally {
    firing = false
  }
  armTimer()
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
//
// tokio's budget is per task; ours is per turn, because which coroutine
// runs is not known for free on any runtime (see `trackThreads`). So each event
// of an I/O batch adds a coroutine's worth of calls ({@link WAKE_ALLOWANCE})
// to the turn's budget: 256 connections woken together each get their
// retry and their reply in this turn (a flat 128 deferred half of them to a
// `setImmediate`, measured 7% more CPU per echo round trip), while one
// socket that stays ready still yields every {@link TURN_BUDGET} calls, and
// the time slice bounds the turn however many events it had.

/** Calls that may complete without waiting in one turn of the event loop. */
export const TURN_BUDGET = 128
/**
 * Calls added to the turn's budget per event of its I/O batch: what a woken
 * coroutine makes before it waits again (the retried call, its reply, a
 * second read that finds the socket drained), with room to spare.
 */
export const WAKE_ALLOWANCE = 4
/** How long one turn's calls may run before the next one yields (seconds). */
export const TURN_SLICE = 0.002
/** How often (in calls) the time slice is checked: clock reads are not free. */
const SLICE_CHECK_EVERY = 16

let budget = TURN_BUDGET
let sliceEnds = 0
/** Calls waiting for the next turn (a waiter list like a socket's). */
const yielders: Waiter[] = []
let turnScheduled = false

/** Refills the budget for a turn whose I/O batch had `events` events. */
function newTurn(events = 0): void {
  budget = TURN_BUDGET + WAKE_ALLOWANCE * events
  sliceEnds = 0
}

/**
 * Takes one call from this turn's budget: `true` if the call may run now,
 * `false` if its result must wait for the next turn ({@link completed}).
 */
export function spend(): boolean {
  if (budget <= 0) return false
  budget--
  if (budget % SLICE_CHECK_EVERY === 0) {
    const now = clock()
    if (sliceEnds === 0) sliceEnds = now + TURN_SLICE
    else if (now > sliceEnds) budget = 0
  }
  return true
}

/**
 * A call's result, already in hand: resolved now while this turn's budget
 * lasts, else after the event loop's next turn. The call itself has been
 * made (a send is on the wire before a `close()` that follows it); only
 * the caller's continuation waits.
 */
export function completed<T>(value: T | PromiseLike<T>): Promise<T> {
  if (spend()) return Promise.resolve(value)
  return new Promise<T>((resolve) => yieldTurn(undefined, new Deferred(resolve, value)))
}

/**
 * {@link completed} for a constant result, with `now` the promise already
 * settled with it: while the budget lasts every call returns that same
 * promise. A fulfilled promise can be awaited any number of times, and
 * resolving with an array looks up its `then` each time (a full prototype
 * walk), so sharing one saves that and the allocation on the commonest
 * result, `sendall`'s `[true]`.
 */
export function completedAs<T>(value: T, now: Promise<T>): Promise<T> {
  if (spend()) return now
  return new Promise<T>((resolve) => yieldTurn(undefined, new Deferred(resolve, value)))
}

/** A result held until the next turn ({@link completed}). */
class Deferred<T> extends Waiter {
  constructor(
    private readonly resolve: (value: T | PromiseLike<T>) => void,
    private readonly value: T | PromiseLike<T>,
  ) {
    super()
  }

  wake(): void {
    this.resolve(this.value)
  }
}

/**
 * Wakes `waiter` once the event loop has had a turn (or `expires` passes):
 * how a call that found the budget spent yields.
 */
export function yieldTurn(expires: Deadline, waiter: Waiter): void {
  waitThen(yielders, expires, waiter)
  if (!turnScheduled) {
    turnScheduled = true
    setImmediate(onTurn)
  }
}

function onTurn(): void {
  turnScheduled = false
  newTurn()
  wakeAll(yielders, Wake.Ready)
}

// ---- descriptors released ------------------------------------------------

/** Waits (an accept out of descriptors) for this process to close a socket. */
const fdWaiters: Waiter[] = []

/**
 * Resolves `Ready` when this process closes a socket or at `notAfter`,
 * whichever comes first (or as a wait ends when `expires` passes first).
 */
export function whenFdReleased(notAfter: number, expires: Deadline): Promise<Wake> {
  return new Promise<Wake>((resolve) => waitThen(fdWaiters, expires, new CallbackWaiter(resolve), notAfter))
}

// ---- poll / start / stop -------------------------------------------------

const pollers: Array<(woke: boolean) => void> = []

function wakePollers(): void {
  for (const resolve of pollers.splice(0, pollers.length)) resolve(true)
}

/**
 * Resolves `true` after the next batch of I/O events has been dispatched
 * (and the coroutines it woke have run to their next wait), or `false` when
 * `timeout` seconds pass first.
 */
export function nextBatch(timeout: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (woke: boolean): void => {
      cancel()
      resolve(woke)
    }
    const cancel = listUntil(pollers, done, timeout, () => resolve(false))
  })
}

const noop = (): void => {}

/**
 * Puts `entry` in `list`, where whoever settles it finds it; after
 * `timeout` seconds (never for `Infinity`) it leaves the list and
 * `onTimeout` runs instead. Returns what stops that timer: to call when
 * the entry is settled from the list.
 */
export function listUntil<T>(list: T[], entry: T, timeout: number, onTimeout: () => void): () => void {
  list.push(entry)
  if (timeout === Infinity) return noop
  const timer = setTimeout(() => {
    const at = list.indexOf(entry)
    if (at >= 0) list.splice(at, 1)
    onTimeout()
  }, Math.ceil(timeout * 1000))
  return () => clearTimeout(timer)
}

/** Coroutines waiting on a socket or a deadline, for leak checks. */
export function waitingCount(): number {
  return waiting
}

/** Sockets open in this environment, for leak checks. */
export function openCount(): number {
  return initialized ? native.openCount() : 0
}
