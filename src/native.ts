// The native addon (crates/binding) as every other module imports it: napi-rs's
// generated loader, `binding.js`, re-exported after `native-load.ts` has
// loaded it or thrown a readable error.

import './native-load.js'

export * from '../binding.js'

import * as binding from '../binding.js'

/**
 * `recv(2)` into `buf[0..maxlen]`: a byte count (0 on a stream: the peer
 * closed), `WOULD_BLOCK`, `CLOSED`, `DETACHED` (the buffer is shorter than
 * `maxlen`: detached while the call waited; nothing moved), or a negated OS
 * error code. `recv`, `send` and `sendv` are raw Node-API functions
 * (crates/binding `hot.rs`), so napi-rs generates no typings for them.
 */
export const recv = (binding as unknown as HotCalls).recv
/** `send(2)` from `buf[0..maxlen]`; results as for {@link recv}. */
export const send = (binding as unknown as HotCalls).send
/**
 * `sendmsg(2)` of the first `count` buffers of `bufs` (whose lengths add up
 * to `total`, else `DETACHED`), from byte `skip` on and at most `len` bytes:
 * a byte count, or a result as for {@link recv}.
 */
export const sendv = (binding as unknown as HotCalls).sendv

interface HotCalls {
  recv(id: number, buf: Uint8Array, maxlen: number): number
  send(id: number, buf: Uint8Array, maxlen: number): number
  sendv(id: number, bufs: Uint8Array[], count: number, total: number, skip: number, len: number): number
}
