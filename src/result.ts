// Error tuples: the one place that turns native result codes into
// `[null, name, code]`. Names come from the Rust core's single OS-error
// mapping (`errorName`, `errorNames`), cached per code.

import * as native from './native.js'

/**
 * Every error name, in the order of the Rust core's list
 * (`crates/core/src/error.rs`, `ERROR_NAMES`), which is the one mapping from
 * OS errors to names. This copy exists only so that TypeScript knows the
 * names as a type; `__test__/errors.spec.ts` fails if it and the list the
 * binding exports ({@link errorNames}) ever differ.
 */
export const ERROR_NAME_TYPE_LIST = [
  'aborted',
  'access_denied',
  'address_already_in_use',
  'address_not_available',
  'already_connected',
  'already_exists',
  'already_in_progress',
  'bad_address',
  'bad_descriptor',
  'broken_pipe',
  'canceled',
  'closed',
  'connection_aborted',
  'connection_refused',
  'connection_reset',
  'destination_address_required',
  'eof',
  'family_not_supported',
  'host_down',
  'host_unreachable',
  'in_progress',
  'interrupted',
  'invalid_argument',
  'io_error',
  'is_a_directory',
  'message_too_long',
  'message_truncated',
  'name_lookup_again',
  'name_not_found',
  'network_down',
  'network_reset',
  'network_unreachable',
  'no_buffer_space',
  'no_space_left',
  'no_such_device',
  'not_a_directory',
  'not_a_socket',
  'not_connected',
  'not_found',
  'not_supported',
  'os_error',
  'out_of_memory',
  'path_too_long',
  'protocol_error',
  'protocol_not_supported',
  'quota_exceeded',
  'read_only_filesystem',
  'service_not_found',
  'shut_down',
  'socket_type_not_supported',
  'system_file_table_full',
  'timeout',
  'too_many_open_files',
  'too_many_references',
  'too_many_symbolic_links',
  'would_block',
  'wrong_protocol_type',
] as const

/**
 * The name in an error tuple: a closed set of lowercase snake_case names
 * (no free-form strings, so a misspelt name does not compile). An OS error
 * with no name of its own is `'os_error'`, with its code. Never empty, which
 * is what lets `if (err)` narrow a tuple.
 *
 * @useDeclaredType
 */
export type ErrorName = (typeof ERROR_NAME_TYPE_LIST)[number]

/** The same as {@link ErrorName} (kept for code written against 0.1). */
export type KnownErrorName = ErrorName

/**
 * Every error name, as the Rust core maps OS errors to them (exported by
 * the binding): `socket.errorNames.includes(err)` is always true.
 */
export const errorNames: readonly ErrorName[] = Object.freeze(native.errorNames() as ErrorName[])

/** Success: the value, and no error. */
export type Ok<T> = [value: T, err?: undefined, code?: undefined]
/** Failure: `null`, a normalized error name, and the OS error code if any. */
export type Fail = [value: null, err: ErrorName, code?: number]
/** What every call that can fail returns. */
export type Result<T> = Ok<T> | Fail

const names = new Map<number, ErrorName>()

/** The failure tuple for a negative native result code. */
export function fail(code: number): Fail {
  if (code === native.CLOSED) return CLOSED
  if (code === native.TRUNCATED) return TRUNCATED
  // Only reached if a buffer shrank under a call outside `transfer` (which
  // rejects instead); never a silent success.
  if (code === native.DETACHED) return [null, 'invalid_argument']
  // EAGAIN where no wait can help (a Unix connect to a full backlog): the
  // binding keeps no OS code for it.
  if (code === native.WOULD_BLOCK) return WOULD_BLOCK
  let name = names.get(code)
  if (name === undefined) {
    name = native.errorName(code) as ErrorName
    if (code !== native.OTHER) names.set(code, name)
  }
  return code === native.OTHER ? [null, name] : [null, name, -code]
}

/** A failure with a name of our own, and the OS or resolver code if any. */
export function failWith(name: ErrorName, code?: number | null): Fail {
  return code === undefined || code === null ? [null, name] : [null, name, code]
}

export const CLOSED: Fail = Object.freeze([null, 'closed']) as unknown as Fail
/** A datagram longer than the buffer: the buffer holds its start, the OS dropped the rest. */
export const TRUNCATED: Fail = Object.freeze([null, 'message_truncated', native.MESSAGE_TOO_LONG]) as unknown as Fail
const WOULD_BLOCK: Fail = Object.freeze([null, 'would_block']) as unknown as Fail
export const TIMEOUT: Fail = Object.freeze([null, 'timeout']) as unknown as Fail
/** A wait ended by its `AbortSignal`. */
export const ABORTED: Fail = Object.freeze([null, 'aborted']) as unknown as Fail
export const OK_TRUE: Ok<true> = Object.freeze([true]) as unknown as Ok<true>
