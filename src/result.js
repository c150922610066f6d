"use strict";
// Error tuples: the one place that turns native result codes into
// `[null, name, code]`. Names come from the Rust core's single OS-error
// mapping (`errorName`, `errorNames`), cached per code.
var __createBinding = (this && this.__createBinding) || (Object.create ? (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    var desc = Object.getOwnPropertyDescriptor(m, k);
    if (!desc || ("get" in desc ? !m.__esModule : desc.writable || desc.configurable)) {
      desc = { enumerable: true, get: function() { return m[k]; } };
    }
    Object.defineProperty(o, k2, desc);
}) : (function(o, m, k, k2) {
    if (k2 === undefined) k2 = k;
    o[k2] = m[k];
}));
var __setModuleDefault = (this && this.__setModuleDefault) || (Object.create ? (function(o, v) {
    Object.defineProperty(o, "default", { enumerable: true, value: v });
}) : function(o, v) {
    o["default"] = v;
});
var __importStar = (this && this.__importStar) || (function () {
    var ownKeys = function(o) {
        ownKeys = Object.getOwnPropertyNames || function (o) {
            var ar = [];
            for (var k in o) if (Object.prototype.hasOwnProperty.call(o, k)) ar[ar.length] = k;
            return ar;
        };
        return ownKeys(o);
    };
    return function (mod) {
        if (mod && mod.__esModule) return mod;
        var result = {};
        if (mod != null) for (var k = ownKeys(mod), i = 0; i < k.length; i++) if (k[i] !== "default") __createBinding(result, mod, k[i]);
        __setModuleDefault(result, mod);
        return result;
    };
})();
Object.defineProperty(exports, "__esModule", { value: true });
exports.OK_TRUE = exports.ABORTED = exports.TIMEOUT = exports.TRUNCATED = exports.CLOSED = exports.errorNames = exports.ERROR_NAME_TYPE_LIST = void 0;
exports.fail = fail;
exports.failWith = failWith;
const native = __importStar(require("./native.js"));
/**
 * Every error name, in the order of the Rust core's list
 * (`crates/core/src/error.rs`, `ERROR_NAMES`), which is the one mapping from
 * OS errors to names. This copy exists only so that TypeScript knows the
 * names as a type; `__test__/errors.spec.ts` fails if it and the list the
 * binding exports ({@link errorNames}) ever differ.
 */
exports.ERROR_NAME_TYPE_LIST = [
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
];
/**
 * Every error name, as the Rust core maps OS errors to them (exported by
 * the binding): `socket.errorNames.includes(err)` is always true.
 */
exports.errorNames = Object.freeze(native.errorNames());
const names = new Map();
/** The failure tuple for a negative native result code. */
function fail(code) {
    if (code === native.CLOSED)
        return exports.CLOSED;
    if (code === native.TRUNCATED)
        return exports.TRUNCATED;
    // Only reached if a buffer shrank under a call outside `transfer` (which
    // rejects instead); never a silent success.
    if (code === native.DETACHED)
        return [null, 'invalid_argument'];
    // EAGAIN where no wait can help (a Unix connect to a full backlog): the
    // binding keeps no OS code for it.
    if (code === native.WOULD_BLOCK)
        return WOULD_BLOCK;
    let name = names.get(code);
    if (name === undefined) {
        name = native.errorName(code);
        if (code !== native.OTHER)
            names.set(code, name);
    }
    return code === native.OTHER ? [null, name] : [null, name, -code];
}
/** A failure with a name of our own, and the OS or resolver code if any. */
function failWith(name, code) {
    return code === undefined || code === null ? [null, name] : [null, name, code];
}
exports.CLOSED = Object.freeze([null, 'closed']);
/** A datagram longer than the buffer: the buffer holds its start, the OS dropped the rest. */
exports.TRUNCATED = Object.freeze([null, 'message_truncated', native.MESSAGE_TOO_LONG]);
const WOULD_BLOCK = Object.freeze([null, 'would_block']);
exports.TIMEOUT = Object.freeze([null, 'timeout']);
/** A wait ended by its `AbortSignal`. */
exports.ABORTED = Object.freeze([null, 'aborted']);
exports.OK_TRUE = Object.freeze([true]);
