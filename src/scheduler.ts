// The scheduler: the one place that owns readiness and wake-ups.
//
// The Rust driver watches the poller on Node's own loop and, for each batch
// of events, writes (slot, generation, readiness) triples into `events` and
// calls `dispatch(count)`. Here each event marks its socket ready and wakes
// the coroutines waiting on it; a coroutine is any async function awaiting
// `wait()`. Deadlines live in one min-heap behind a single Node timer.

import * as native from './native.js'

const BATCH = 1024
const READABLE = 1
const WRITABLE = 2
const READ_CLOSED = 4
const WRITE_CLOSED = 8

/** How a wait ended. */
export const Wake = { Ready: 0, Timeout: 1, Closed: 2 } as const
export type Wake = (typeof Wake)[keyof typeof Wake]

type Resolve = (outcome: Wake) => void

/** A pending wait: on one socket direction and/or a deadline. */
interface Waiter {
  done: boolean
  resolve: Resolve
  list: Waiter[] | null
  deadline: number
  heapIndex: number
}

/** Per-socket readiness, indexed by the socket's slot. */
export class SocketState {
  /** Set by events, cleared when a call would block (or a stream read was short). */
  readable = true
  writable = true
  closed = false
  readers: Waiter[] = []
  writers: Waiter[] = []
  constructor(
    readonly id: number,
    readonly slot: number,
    readonly generation: number,
  ) {}
}

const events = new Uint32Array(BATCH * 3)
const bySlot: (SocketState | undefined)[] = []
let waiting = 0
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
  const shouldBeActive = waiting > 0
  if (shouldBeActive !== active) {
    active = shouldBeActive
    native.setActive(active)
  }
}

/** Registers a native socket id with the scheduler. */
export function track(id: number): SocketState {
  ensureInit()
  const slot = id % 0x1_0000_0000
  const generation = Math.floor(id / 0x1_0000_0000)
  const state = new SocketState(id, slot, generation)
  bySlot[slot] = state
  return state
}

/** Closes the socket and wakes everything waiting on it with `Closed`. */
export function untrack(state: SocketState): boolean {
  if (state.closed) return false
  state.closed = true
  if (bySlot[state.slot] === state) bySlot[state.slot] = undefined
  wakeAll(state.readers, Wake.Closed)
  wakeAll(state.writers, Wake.Closed)
  return native.close(state.id)
}

function wakeAll(list: Waiter[], outcome: Wake): void {
  if (list.length === 0) return
  const woken = list.splice(0, list.length)
  for (const waiter of woken) {
    waiter.list = null
    settle(waiter, outcome)
  }
}

function settle(waiter: Waiter, outcome: Wake): void {
  if (waiter.done) return
  waiter.done = true
  if (waiter.list !== null) {
    const at = waiter.list.indexOf(waiter)
    if (at >= 0) waiter.list.splice(at, 1)
    waiter.list = null
  }
  if (waiter.heapIndex >= 0) heapRemove(waiter)
  setWaiting(-1)
  waiter.resolve(outcome)
}

function dispatch(count: number): void {
  for (let i = 0; i < count; i++) {
    const state = bySlot[events[i * 3]]
    if (state === undefined || state.generation !== events[i * 3 + 1]) continue
    const bits = events[i * 3 + 2]
    if (bits & (READABLE | READ_CLOSED)) {
      state.readable = true
      wakeAll(state.readers, Wake.Ready)
    }
    if (bits & (WRITABLE | WRITE_CLOSED)) {
      state.writable = true
      wakeAll(state.writers, Wake.Ready)
    }
  }
  if (pollers.length > 0) wakePollers()
}

/**
 * Waits until `state` is readable (or writable), `expires` passes (seconds
 * on {@link clock}), or the socket is closed.
 */
export function waitReadable(state: SocketState, expires?: number): Promise<Wake> {
  return wait(state.readers, expires)
}

export function waitWritable(state: SocketState, expires?: number): Promise<Wake> {
  return wait(state.writers, expires)
}

/** Waits until `expires` (seconds on {@link clock}) passes. */
export function waitUntil(expires: number): Promise<Wake> {
  return wait(null, expires)
}

function wait(list: Waiter[] | null, expires: number | undefined): Promise<Wake> {
  return new Promise<Wake>((resolve) => {
    const deadline = expires === undefined ? Infinity : expires
    const waiter: Waiter = { done: false, resolve, list: null, deadline, heapIndex: -1 }
    setWaiting(1)
    if (deadline !== Infinity) {
      if (deadline <= clock()) {
        settle(waiter, Wake.Timeout)
        return
      }
      heapPush(waiter)
    }
    if (list !== null) {
      waiter.list = list
      list.push(waiter)
    }
  })
}

/** Monotonic time in seconds. */
export function clock(): number {
  return performance.now() / 1000
}

// ---- deadlines: a binary min-heap of waiters and one Node timer --------

const heap: Waiter[] = []
let timer: NodeJS.Timeout | undefined
let timerAt = Infinity

function heapPush(waiter: Waiter): void {
  waiter.heapIndex = heap.length
  heap.push(waiter)
  siftUp(waiter.heapIndex)
  armTimer()
}

function heapRemove(waiter: Waiter): void {
  const at = waiter.heapIndex
  waiter.heapIndex = -1
  const last = heap.pop()!
  if (at < heap.length) {
    heap[at] = last
    last.heapIndex = at
    siftDown(at)
    siftUp(at)
  }
  armTimer()
}

function siftUp(at: number): void {
  const item = heap[at]
  while (at > 0) {
    const parent = (at - 1) >> 1
    if (heap[parent].deadline <= item.deadline) break
    heap[at] = heap[parent]
    heap[at].heapIndex = at
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
    heap[at] = heap[child]
    heap[at].heapIndex = at
    at = child
  }
  heap[at] = item
  item.heapIndex = at
}

function armTimer(): void {
  const next = heap.length > 0 ? heap[0].deadline : Infinity
  if (next === timerAt) return
  if (timer !== undefined) clearTimeout(timer)
  timer = undefined
  timerAt = next
  if (next === Infinity) return
  const ms = Math.max(0, Math.ceil((next - clock()) * 1000))
  timer = setTimeout(onTimer, ms)
}

function onTimer(): void {
  timer = undefined
  timerAt = Infinity
  const now = clock()
  while (heap.length > 0 && heap[0].deadline <= now) settle(heap[0], Wake.Timeout)
  armTimer()
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
    let timer: NodeJS.Timeout | undefined
    const done = (woke: boolean): void => {
      if (timer !== undefined) clearTimeout(timer)
      resolve(woke)
    }
    pollers.push(done)
    if (timeout !== Infinity) {
      timer = setTimeout(() => {
        const at = pollers.indexOf(done)
        if (at >= 0) pollers.splice(at, 1)
        resolve(false)
      }, Math.ceil(timeout * 1000))
    }
  })
}

/** Coroutines waiting on a socket or a deadline, for leak checks. */
export function waitingCount(): number {
  return waiting
}

/** Sockets open in this environment, for leak checks. */
export function openCount(): number {
  return initialized ? native.openCount() : 0
}
