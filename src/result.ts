// Error tuples: the one place that turns native result codes into
// `[null, name, code]`. Names come from the Rust core's single OS-error
// mapping (`errorName`), cached per code.

import * as native from './native.js'

type Letter =
  | 'a' | 'b' | 'c' | 'd' | 'e' | 'f' | 'g' | 'h' | 'i' | 'j' | 'k' | 'l' | 'm'
  | 'n' | 'o' | 'p' | 'q' | 'r' | 's' | 't' | 'u' | 'v' | 'w' | 'x' | 'y' | 'z'

/** The error names socket2 normalizes OS errors to. */
export type KnownErrorName =
  | 'timeout'
  | 'aborted'
  | 'closed'
  | 'eof'
  | 'connection_refused'
  | 'connection_reset'
  | 'connection_aborted'
  | 'address_already_in_use'
  | 'address_not_available'
  | 'access_denied'
  | 'not_connected'
  | 'host_unreachable'
  | 'network_unreachable'
  | 'network_down'
  | 'broken_pipe'
  | 'name_not_found'
  | 'message_truncated'
  | 'invalid_argument'
  | 'not_supported'

/**
 * An error name: one of {@link KnownErrorName}, or the OS's own message in
 * lower case. Never empty, which is what lets `if (err)` narrow a tuple.
 */
export type ErrorName = KnownErrorName | `${Letter}${string}`

/** Success: the value, and no error. */
export type Ok<T> = [value: T, err?: undefined, code?: undefined]
/** Failure: `null`, a normalized error name, and the OS error code if any. */
export type Fail = [value: null, err: ErrorName, code?: number]
/** What every call that can fail returns. */
export type Result<T> = Ok<T> | Fail

const names = new Map<number, ErrorName>()

function normalize(name: string): ErrorName {
  const lower = name.toLowerCase()
  return (/^[a-z]/.test(lower) ? lower : `error ${lower}`) as ErrorName
}

/** The failure tuple for a negative native result code. */
export function fail(code: number): Fail {
  if (code === native.CLOSED) return CLOSED
  if (code === native.TRUNCATED) return TRUNCATED
  let name = names.get(code)
  if (name === undefined) {
    name = normalize(native.errorName(code))
    if (code !== native.OTHER) names.set(code, name)
  }
  return code === native.OTHER ? [null, name] : [null, name, -code]
}

/** A failure with a name of our own (no OS code). */
export function failWith(name: string, code?: number): Fail {
  return code === undefined ? [null, normalize(name)] : [null, normalize(name), code]
}

export const CLOSED: Fail = Object.freeze([null, 'closed']) as unknown as Fail
/** A datagram longer than the buffer: the buffer holds its start, the OS dropped the rest. */
export const TRUNCATED: Fail = Object.freeze([null, 'message_truncated', native.MESSAGE_TOO_LONG]) as unknown as Fail
export const TIMEOUT: Fail = Object.freeze([null, 'timeout']) as unknown as Fail
/** A wait ended by its `AbortSignal`. */
export const ABORTED: Fail = Object.freeze([null, 'aborted']) as unknown as Fail
export const OK_TRUE: Ok<true> = Object.freeze([true]) as unknown as Ok<true>
