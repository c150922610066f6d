import './native-load.js';
export * from '../binding.js';
/**
 * `recv(2)` into `buf[0..maxlen]`: a byte count (0 on a stream: the peer
 * closed), `WOULD_BLOCK`, `CLOSED`, `DETACHED` (the buffer is shorter than
 * `maxlen`: detached while the call waited; nothing moved), or a negated OS
 * error code. `recv` and `send` are raw Node-API functions (crates/binding
 * `hot.rs`), so napi-rs generates no typings for them.
 */
export declare const recv: (id: number, buf: Uint8Array, maxlen: number) => number;
/** `send(2)` from `buf[0..maxlen]`; results as for {@link recv}. */
export declare const send: (id: number, buf: Uint8Array, maxlen: number) => number;
