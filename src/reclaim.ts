// Sockets dropped without close() are closed when the garbage collector
// takes them: their native side reports its kernel buffers to V8 as
// external memory (crates/binding `pressure.rs`), so V8 collects them
// before descriptors run out, and the FinalizationRegistry in socket.ts
// closes them on a later turn of the event loop.
//
// A loop that opens sockets without ever yielding to the event loop gives
// those finalizers no turn to run in. So when socket() or accept() fails
// for want of descriptors (or kernel memory: EMFILE, ENFILE, ENOBUFS,
// ENOMEM), this forces a full collection (where the
// runtime allows one) and closes at once every socket whose object it
// took, then the call is tried once more.

import * as v8 from 'node:v8'
import * as vm from 'node:vm'

import * as native from './native.js'

type Collect = () => void

let collect: Collect | null | undefined

/** A synchronous full garbage collection, or null where none can be had. */
function fullCollection(): Collect | null {
  const exposed = (globalThis as { gc?: unknown }).gc
  if (typeof exposed === 'function') return () => (exposed as () => void)()
  const bun = (globalThis as { Bun?: { gc?: (force: boolean) => void } }).Bun
  if (typeof bun?.gc === 'function') return () => bun.gc!(true)
  try {
    // V8's gc(), as --expose-gc gives it, in a context of its own: the
    // program's globals stay as they are.
    v8.setFlagsFromString('--expose-gc')
    const gc: unknown = vm.runInNewContext('typeof gc === "function" ? gc : undefined')
    if (typeof gc === 'function') return () => (gc as () => void)()
  } catch {
    // A runtime without it: the finalizers alone must do.
  }
  return null
}

/** Sockets opened or accepted since the last forced collection. */
let openedSince = Infinity

/** Counts a socket opened or accepted (see {@link reclaimed}). */
export function opened(): void {
  openedSince++
}

/**
 * After `code` (a failed native `open` or `accept`): true when it ran out
 * of resources and a full collection closed some unreachable sockets, so
 * the call is worth trying once more. A collection is forced only when
 * sockets were opened since the last one: a server that is simply full
 * (every socket in use) pays for one full GC per episode, not one per
 * failed accept.
 */
export function reclaimed(code: number): boolean {
  if (!native.isOutOfResources(code) || openedSince < RECLAIM_AFTER) return false
  if (collect === undefined) collect = fullCollection()
  if (collect === null) return false
  openedSince = 0
  collect()
  return native.reclaim() > 0
}

/** How many sockets must have been opened since the last forced collection for another. */
const RECLAIM_AFTER = 32
