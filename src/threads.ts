// Coroutines: `newThread`, `poll`, `start`, `stop`. A "thread" is an async
// function: it runs at once until its first I/O that must wait, then
// control returns to the caller, as the seed describes. Node's event loop
// (through the scheduler) resumes it when its socket is ready; `poll` and
// `start` only wait for that to happen, they never spin.

import { AsyncLocalStorage } from 'node:async_hooks'

import { type Result, OK_TRUE } from './result.js'
import { clock, listUntil, nextBatch, waitUntil } from './scheduler.js'

const RUNNING = 0
const FINISHED = 1
const FAILED = 2

/** A coroutine started by {@link newThread}. */
export class Thread<T = unknown> {
  /** `undefined` while running; then the value, or the error if it failed. */
  private result: unknown = undefined
  private ending: typeof RUNNING | typeof FINISHED | typeof FAILED = RUNNING
  /** @internal Settles (never rejects) when the thread's body has ended. */
  body: Promise<void> | null = null

  /** `'running'`, `'finished'` or `'failed'`. */
  status(): 'running' | 'finished' | 'failed' {
    return this.ending === RUNNING ? 'running' : this.ending === FINISHED ? 'finished' : 'failed'
  }

  /**
   * The thread's return value. Asking for it makes the caller responsible
   * for the thread's error, if any (it rejects with it).
   */
  get done(): Promise<T> {
    observed.add(this)
    return this.body!.then(() => {
      if (this.ending === FAILED) throw this.result
      return this.result as T
    })
  }

  /** @internal The value it returned, or the error it threw (`failed`). */
  end(result: unknown, failed: boolean): void {
    this.result = result
    this.ending = failed ? FAILED : FINISHED
  }
}

/** Threads started and not yet ended (a count: each ends once). */
let running = 0
const observed = new WeakSet<Thread<unknown>>()
const starts: Array<{ resolve: (r: Result<true>) => void; reject: (e: unknown) => void }> = []

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
 *
 * @example
 * ```ts
 * const t = socket.newThread(async (conn: socket.TcpSocket) => {
 *   const [n] = await conn.recv(buf)        // waits without blocking the event loop
 *   return n
 * }, conn)
 * const n = await t.done                    // its return value (rejects if it threw)
 * ```
 */
export function newThread<A extends unknown[], T>(
  fn: (...args: A) => T | Promise<T>,
  ...args: A
): Thread<Awaited<T>> {
  if (typeof fn !== 'function') throw new TypeError('newThread needs a function')
  const thread = new Thread<Awaited<T>>()
  running++
  threadsStarted = true
  let result: unknown
  try {
    result = tracker === null ? fn(...args) : tracker.run(thread, fn, ...args)
  } catch (error) {
    result = Promise.reject(error)
  }
  // One reaction with two bound functions: what a waiting coroutine costs
  // beyond its own frame (an async wrapper or closures would cost more).
  thread.body = Promise.resolve(result).then(threadFinished.bind(thread), threadFailed.bind(thread))
  return thread
}

function threadFinished(this: Thread<unknown>, value: unknown): void {
  this.end(value, false)
  threadEnded()
}

function threadFailed(this: Thread<unknown>, error: unknown): void {
  this.end(error, true)
  report(this, error)
  threadEnded()
}

function threadEnded(): void {
  running--
  if (running === 0) finishStarts()
}

// ---- currentThread() --------------------------------------------------------
//
// Which thread's code runs is tracked with AsyncLocalStorage, and only when
// the program asks (trackThreads(), before its first thread): every runtime
// charges for it. Where AsyncLocalStorage rides on the engine's async
// context frames (Node 24+, Node 22 with --experimental-async-context-frame,
// Bun, Deno), each thread costs a frame of its own (on Node a Map: measured
// on Node 24, 370 B of heap per thread, a quarter of an idle connection;
// not measured on Bun and Deno). On Node 20 and 22 it turns on promise
// hooks that slow every `await` in the process, ours and the application's
// alike (measured: 70–170 ns per await, 5–10% of a 64-byte echo round
// trip). No other way is exact: after an `await`, only the engine knows
// which continuation runs. So currentThread() never guesses: where
// tracking is off it throws, naming the call that turns it on.

/** Which thread's code is running, once tracking is on; `null` until then. */
let tracker: AsyncLocalStorage<Thread<unknown>> | null = null
/** Set by the first newThread(): tracking turned on later would miss the threads before. */
let threadsStarted = false

/** True where AsyncLocalStorage uses async context frames, not promise hooks. */
function trackingUsesFrames(): boolean {
  const versions = process.versions as Record<string, string | undefined>
  if (versions.bun !== undefined || versions.deno !== undefined) return true
  const major = Number(versions.node?.split('.')[0] ?? 0)
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)]
  if (major >= 24) return !flags.includes('--no-async-context-frame')
  return major === 22 && flags.includes('--experimental-async-context-frame')
}

/**
 * Turns on {@link currentThread}. Call it once, before the first
 * {@link newThread}; later calls do nothing. Off by default because it
 * costs every thread or every `await`: an async context frame per thread
 * (370 B of heap measured on Node 24; Bun and Deno keep one per thread
 * too), or on Node 20 and 22 promise hooks that slow every `await` in the
 * process by about 0.1 µs.
 *
 * @throws Error when threads have already started without tracking.
 *
 * @example
 * socket.trackThreads()          // at start-up, before any newThread()
 * socket.newThread(async () => console.log(socket.currentThread()))
 */
export function trackThreads(): void {
  if (tracker !== null) return
  if (threadsStarted) {
    throw new Error('socket.trackThreads() must come before the first socket.newThread(): the threads already started are not tracked')
  }
  tracker = new AsyncLocalStorage()
}

/**
 * The {@link Thread} whose code is running, or `null` outside any thread.
 * It follows the thread across its waits and answers from its first call.
 * It needs {@link trackThreads} at start-up, and throws without it rather
 * than guess.
 *
 * @throws Error when thread tracking is off (no trackThreads() before the first thread).
 *
 * @example
 * socket.trackThreads()
 * socket.newThread(async () => {
 *   await socket.sleep(0.1)
 *   console.log(socket.currentThread()?.status())   // 'running'
 * })
 */
export function currentThread(): Thread<unknown> | null {
  if (tracker === null) {
    const cost = trackingUsesFrames()
      ? 'which costs each thread an async context frame (a Map) here'
      : `which on Node ${process.versions.node} slows every await (promise hooks here)`
    throw new Error(`socket.currentThread() needs thread tracking, ${cost}: call socket.trackThreads() once before starting threads`)
  }
  return tracker.getStore() ?? null
}

/**
 * Resolves once `socket.clock()` reaches `t` (at once when it has).
 *
 * @example
 * ```ts
 * await socket.sleepUntil(socket.clock() + 0.5)
 * ```
 */
export function sleepUntil(t: number): Promise<void> {
  if (typeof t !== 'number' || Number.isNaN(t)) throw new TypeError('sleepUntil takes a time in seconds on socket.clock()')
  return waitUntil(t).then(nothing)
}

function nothing(): void {}

/**
 * Resolves after `seconds` (0 or less: at once, after the current microtasks).
 *
 * @example
 * ```ts
 * await socket.sleep(0.25)                  // a quarter of a second, on socket.clock()
 * ```
 */
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
 *
 * @example
 * ```ts
 * const [ok, err] = await socket.poll(1)    // [false, 'timeout'] when nothing happened within 1 s
 * ```
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
 *
 * @example
 * ```ts
 * socket.newThread(server)
 * await socket.start()                      // until every thread ends, or stop()
 * ```
 */
export function start(timeout?: number): Promise<Result<true>> {
  const limit = seconds(timeout)
  if (running === 0) return Promise.resolve(OK_TRUE)
  return new Promise<Result<true>>((resolve, reject) => {
    const entry = {
      resolve: (r: Result<true>) => {
        cancel()
        resolve(r)
      },
      reject: (e: unknown) => {
        cancel()
        reject(e)
      },
    }
    // As in the seed, stopping because the timeout expired is a success.
    const cancel = listUntil(starts, entry, limit, () => resolve(OK_TRUE))
  })
}

/** Makes pending `start()` calls return `[true]`. */
export function stop(): void {
  finishStarts()
}

/** Coroutines started with `newThread` that have not finished. */
export function threadCount(): number {
  return running
}
