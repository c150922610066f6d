// Socket descriptors: what `detach()` and `share()` return and `adopt()`
// takes. A plain object of strings and numbers, so it survives
// `postMessage` (structured clone) and even JSON; the socket itself waits
// in the native hand-off table under `token` (crates/core `handoff.rs`)
// until one thread adopts it, exactly once.

import type { Family, SocketType } from './addr.js'

/**
 * A socket on its way to another thread of this process: pass it through
 * `postMessage`, then `socket.adopt(descriptor)` there (once), or
 * `socket.release(descriptor)` to close it unadopted.
 */
export interface SocketDescriptor<T extends SocketType = SocketType> {
  /** Always `'socket2.descriptor'`: tells a descriptor from other messages. */
  readonly kind: 'socket2.descriptor'
  /** The process it belongs to: descriptors do not cross processes. */
  readonly pid: number
  /** The socket's key in the process-wide hand-off table (used once). */
  readonly token: number
  /** The socket's type, as `s.type()`. */
  readonly type: T
  /** The socket's family, as `s.family()`. */
  readonly family: Family
  /** The socket's protocol, as `s.protocol()`. */
  readonly protocol: string
}

export const DESCRIPTOR_KIND = 'socket2.descriptor'

export function makeDescriptor<T extends SocketType>(token: number, type: T, family: Family, protocol: string): SocketDescriptor<T> {
  return { kind: DESCRIPTOR_KIND, pid: process.pid, token, type, family, protocol }
}

/** True for something shaped like a {@link SocketDescriptor} (whatever its token). */
export function isDescriptor(value: unknown): value is SocketDescriptor {
  if (typeof value !== 'object' || value === null) return false
  const d = value as Record<string, unknown>
  return (
    d.kind === DESCRIPTOR_KIND &&
    typeof d.pid === 'number' &&
    typeof d.token === 'number' &&
    Number.isSafeInteger(d.token) &&
    (d.token as number) > 0 &&
    (d.type === 'tcp' || d.type === 'udp' || d.type === 'raw') &&
    (d.family === 'inet' || d.family === 'inet6' || d.family === 'unix') &&
    typeof d.protocol === 'string'
  )
}
