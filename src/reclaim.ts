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

/**
 * Runs `call` (a native `open` or `accept`: an id, or a negative error
 * code); if it ran out of resources and a full collection closed some
 * unreachable sockets, runs it once more.
 */
export function withReclaim(call: () => number): number {
  const first = call()
  if (first >= 0 || !native.isOutOfResources(first)) return first
  if (collect === undefined) collect = fullCollection()
  if (collect === null) return first
  collect()
  return native.reclaim() > 0 ? call() : first
}
