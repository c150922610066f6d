// Coroutines: `newThread`, `poll`, `start`, `stop`. A "thread" is an async
// function: it runs at once until its first I/O that must wait, then
// control returns to the caller, as the seed describes. Node's event loop
// (through the scheduler) resumes it when its socket is ready; `poll` and
// `start` only wait for that to happen, they never spin.

import { AsyncLocalStorage } from 'node:async_hooks'

import { type Result, OK_TRUE } from './result.js'
import { clock, nextBatch, waitUntil } from './scheduler.js'

/** A coroutine started by {@link newThread}. */
export class Thread<T = unknown> {
  /** @internal */ readonly settled: Promise<void>
  private outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined
  private readonly result: Promise<T>

  /** @internal `start` runs the body; it gets the thread before the body runs. */
  constructor(start: (thread: Thread<T>) => Promise<T>) {
    const result = start(this)
    this.result = result
    this.settled = result.then(
      (value) => {
        this.outcome = { ok: true, value }
      },
      (error: unknown) => {
        this.outcome = { ok: false, error }
        report(this, error)
      },
    )
  }

  /** `'running'`, `'finished'` or `'failed'`. */
  status(): 'running' | 'finished' | 'failed' {
    if (this.outcome === undefined) return 'running'
    return this.outcome.ok ? 'finished' : 'failed'
  }

  /**
   * The thread's return value. Asking for it makes the caller responsible
   * for the thread's error, if any (it rejects with it).
   */
  get done(): Promise<T> {
    observed.add(this)
    return new Promise<T>((resolve, reject) => {
      this.result.then(resolve, reject)
    })
  }
}

const running = new Set<Thread<unknown>>()
const observed = new WeakSet<Thread<unknown>>()
const starts: Array<{ resolve: (r: Result<true>) => void; reject: (e: unknown) => void }> = []
let stopRequested = false

/**
 * An exception from a thread is never lost: it rejects a running
 * `start()`; else, unless someone holds the thread's `done`, it surfaces
 * as an unhandled rejection (which ends the process by default).
 */
function report(thread: Thread<unknown>, error: unknown): void {
  if (starts.length > 0) {
    for (const start of starts.splice(0, starts.length)) start.reject(error)
    return
  }
  if (!observed.has(thread)) void Promise.reject(error)
}

/**
 * Starts `fn(...args)` as a coroutine. It runs at once until its first I/O
 * that has to wait, then control returns here.
 */
export function newThread<A extends unknown[], T>(
  fn: (...args: A) => T | Promise<T>,
  ...args: A
): Thread<Awaited<T>> {
  if (typeof fn !== 'function') throw new TypeError('newThread needs a function')
  const run = (): T | Promise<T> => fn(...args)
  let marker = -1
  const thread = new Thread<Awaited<T>>((self) => {
    try {
      if (tracker !== null) return Promise.resolve(tracker.run(self, run)) as Promise<Awaited<T>>
      marker = freeMarkers.pop() ?? markers.length
      marked[marker] = self
      return inMarked(marker, run) as Promise<Awaited<T>>
    } catch (error) {
      return Promise.reject(error)
    }
  })
  running.add(thread)
  void thread.settled.then(() => {
    if (marker >= 0) {
      marked[marker] = undefined
      freeMarkers.push(marker)
    }
    running.delete(thread)
    if (running.size === 0) finishStarts()
  })
  return thread
}

// ---- currentThread() --------------------------------------------------------
//
// Which thread's code runs is tracked with AsyncLocalStorage, which in Node
// 20 and 22 turns on promise hooks that make every `await` in the process
// slower (about 0.3–0.7 µs each, measured), a cost nobody should pay unasked.
// So it is off until the first `currentThread()` call. Threads started
// before that run inside an async wrapper whose function name carries a
// number (`socket2 thread #12`; the wrappers are reused once their thread
// settles): V8's async stack traces list the awaiting wrapper, so
// `currentThread()` finds such a thread from a stack trace (only for those
// threads, and only when asked: about 40 µs a call), and the first call
// answers like every later one. Threads started after it use the store.
// The cost to programs that never ask: one more async call and `await` per
// thread start (measured: 1–3 µs of CPU per thread on this machine), nothing
// per `await` inside a thread.

/** Which thread's code is running; off until the first `currentThread()` call. */
let tracker: AsyncLocalStorage<Thread<unknown>> | null = null
/** Threads started while tracking was off, by the number in their wrapper's name. */
const marked: Array<Thread<unknown> | undefined> = []
/** The wrappers, one per number, reused once their thread has settled. */
const markers: Array<(run: () => unknown) => Promise<unknown>> = []
const freeMarkers: number[] = []
const MARKER = 'socket2 thread #'

/** Runs `run` inside the async function named after `marker`, which awaits it. */
function inMarked<T>(marker: number, run: () => T | Promise<T>): Promise<T> {
  let wrapper = markers[marker]
  if (wrapper === undefined) {
    wrapper = async (body: () => unknown): Promise<unknown> => await body()
    Object.defineProperty(wrapper, 'name', { value: MARKER + marker })
    markers[marker] = wrapper
  }
  return wrapper(run) as Promise<T>
}

/** The innermost marked thread on the (async) stack, or null. */
function markedThread(): Thread<unknown> | null {
  if (freeMarkers.length === markers.length) return null
  const limit = Error.stackTraceLimit
  const prepare = Error.prepareStackTrace
  let sites: NodeJS.CallSite[] = []
  try {
    Error.stackTraceLimit = Infinity
    Error.prepareStackTrace = (_error, callSites) => callSites
    const holder: { stack?: unknown } = {}
    Error.captureStackTrace(holder, markedThread)
    if (Array.isArray(holder.stack)) sites = holder.stack as NodeJS.CallSite[]
  } finally {
    Error.stackTraceLimit = limit
    Error.prepareStackTrace = prepare
  }
  for (const site of sites) {
    const name = site.getFunctionName()
    if (name !== null && name.startsWith(MARKER)) {
      const thread = marked[Number(name.slice(MARKER.length))]
      if (thread !== undefined) return thread
    }
  }
  return null
}

/**
 * The {@link Thread} whose code is running, or `null` outside any thread.
 * It follows the thread across its waits. The first call turns tracking on
 * for threads started after it; threads started before are found too (see
 * above), at a higher cost per call.
 */
export function currentThread(): Thread<unknown> | null {
  if (tracker === null) tracker = new AsyncLocalStorage()
  return tracker.getStore() ?? markedThread()
}

/** Resolves once `socket.clock()` reaches `t` (at once when it has). */
export function sleepUntil(t: number): Promise<void> {
  if (typeof t !== 'number' || Number.isNaN(t)) throw new TypeError('sleepUntil takes a time in seconds on socket.clock()')
  return waitUntil(t).then(nothing)
}

function nothing(): void {}

/** Resolves after `seconds` (0 or less: at once, after the current microtasks). */
export function sleep(seconds: number): Promise<void> {
  if (typeof seconds !== 'number' || Number.isNaN(seconds)) throw new TypeError('sleep takes a number of seconds')
  return sleepUntil(clock() + seconds)
}

function finishStarts(): void {
  for (const start of starts.splice(0, starts.length)) start.resolve(OK_TRUE)
}

function seconds(timeout: unknown): number {
  if (timeout === undefined || timeout === null) return Infinity
  if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) {
    throw new RangeError('timeout must be a non-negative number of seconds')
  }
  return timeout > 2 ** 31 - 1 ? Infinity : timeout
}

/**
 * Waits for the next batch of I/O events and lets the coroutines it wakes
 * run: `[true]`, or `[false, 'timeout']` when `timeout` seconds pass first.
 */
export function poll(timeout?: number): Promise<[true] | [false, 'timeout']> {
  // Not `async`: a bad timeout must throw at the call, not reject.
  return nextBatch(seconds(timeout)).then((woke) => (woke ? [true] : [false, 'timeout']))
}

/**
 * Keeps the coroutines running until all of them have finished, `stop()`
 * is called, or `timeout` seconds pass: `[true]` in each case (as in the
 * seed, which "stops after the timeout expires"). Rejects with the first
 * exception a thread throws meanwhile.
 */
export function start(timeout?: number): Promise<Result<true>> {
  const limit = seconds(timeout)
  stopRequested = false
  if (running.size === 0) return Promise.resolve(OK_TRUE)
  return new Promise<Result<true>>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined
    const entry = {
      resolve: (r: Result<true>) => {
        if (timer !== undefined) clearTimeout(timer)
        resolve(r)
      },
      reject: (e: unknown) => {
        if (timer !== undefined) clearTimeout(timer)
        reject(e)
      },
    }
    starts.push(entry)
    if (limit !== Infinity) {
      // As in the seed, stopping because the timeout expired is a success.
      timer = setTimeout(() => {
        const at = starts.indexOf(entry)
        if (at >= 0) starts.splice(at, 1)
        resolve(OK_TRUE)
      }, Math.ceil(limit * 1000))
    }
  })
}

/** Makes pending `start()` calls return `[true]`. */
export function stop(): void {
  stopRequested = true
  finishStarts()
}

/** True after `stop()` until the next `start()`. */
export function stopped(): boolean {
  return stopRequested
}

/** Coroutines started with `newThread` that have not finished. */
export function threadCount(): number {
  return running.size
}
