/**
 * Every error name, in the order of the Rust core's list
 * (`crates/core/src/error.rs`, `ERROR_NAMES`), which is the one mapping from
 * OS errors to names. This copy exists only so that TypeScript knows the
 * names as a type; `__test__/errors.spec.ts` fails if it and the list the
 * binding exports ({@link errorNames}) ever differ.
 */
export declare const ERROR_NAME_TYPE_LIST: readonly ['aborted', 'access_denied', 'address_already_in_use', 'address_not_available', 'already_connected', 'already_exists', 'already_in_progress', 'bad_address', 'bad_descriptor', 'broken_pipe', 'canceled', 'closed', 'connection_aborted', 'connection_refused', 'connection_reset', 'destination_address_required', 'eof', 'family_not_supported', 'host_down', 'host_unreachable', 'in_progress', 'interrupted', 'invalid_argument', 'io_error', 'is_a_directory', 'message_too_long', 'message_truncated', 'name_lookup_again', 'name_not_found', 'network_down', 'network_reset', 'network_unreachable', 'no_buffer_space', 'no_space_left', 'no_such_device', 'not_a_directory', 'not_a_socket', 'not_connected', 'not_found', 'not_supported', 'os_error', 'out_of_memory', 'path_too_long', 'protocol_error', 'protocol_not_supported', 'quota_exceeded', 'read_only_filesystem', 'service_not_found', 'shut_down', 'socket_type_not_supported', 'system_file_table_full', 'timeout', 'too_many_open_files', 'too_many_references', 'too_many_symbolic_links', 'would_block', 'wrong_protocol_type'];
/**
 * The name in an error tuple: a closed set of lowercase snake_case names
 * (no free-form strings, so a misspelt name does not compile). An OS error
 * with no name of its own is `'os_error'`, with its code. Never empty, which
 * is what lets `if (err)` narrow a tuple.
 */
export type ErrorName = (typeof ERROR_NAME_TYPE_LIST)[number];
/** The same as {@link ErrorName} (kept for code written against 0.1). */
export type KnownErrorName = ErrorName;
/**
 * Every error name, as the Rust core maps OS errors to them (exported by
 * the binding): `socket.errorNames.includes(err)` is always true.
 */
export declare const errorNames: readonly ErrorName[];
/** Success: the value, and no error. */
export type Ok<T> = [value: T, err?: undefined, code?: undefined];
/** Failure: `null`, a normalized error name, and the OS error code if any. */
export type Fail = [value: null, err: ErrorName, code?: number];
/** What every call that can fail returns. */
export type Result<T> = Ok<T> | Fail;
/** The failure tuple for a negative native result code. */
export declare function fail(code: number): Fail;
/** A failure with a name of our own, and the OS or resolver code if any. */
export declare function failWith(name: ErrorName, code?: number | null): Fail;
export declare const CLOSED: Fail;
/** A datagram longer than the buffer: the buffer holds its start, the OS dropped the rest. */
export declare const TRUNCATED: Fail;
export declare const TIMEOUT: Fail;
/** A wait ended by its `AbortSignal`. */
export declare const ABORTED: Fail;
export declare const OK_TRUE: Ok<true>;
