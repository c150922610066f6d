"use strict";
// Sockets between worker threads: `adopt` and `release` (the other half of
// `Socket.detach()` / `Socket.share()`), and the count of sockets on their
// way. The native hand-off table (crates/core `handoff.rs`) owns a socket
// between detach/share and adopt, so every descriptor is used exactly once:
// a second `adopt` of the same descriptor gets `[null, 'closed']`, and a
// descriptor nobody adopts stays open there until `release` or the process
// exits.
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
exports.adopt = adopt;
exports.release = release;
exports.detachedCount = detachedCount;
const native = __importStar(require("./native.js"));
const addr_js_1 = require("./addr.js");
const datagram_js_1 = require("./datagram.js");
const descriptor_js_1 = require("./descriptor.js");
const result_js_1 = require("./result.js");
const scheduler_js_1 = require("./scheduler.js");
const socket_js_1 = require("./socket.js");
/** Throws `TypeError` unless `descriptor` is one of this process's descriptors. */
function checkDescriptor(descriptor, what) {
    if (!(0, descriptor_js_1.isDescriptor)(descriptor)) {
        throw new TypeError(`${what} takes a descriptor from socket.detach() or socket.share()`);
    }
    if (descriptor.pid !== process.pid) {
        throw new TypeError(`${what}: the descriptor belongs to process ${descriptor.pid}, not this one (${process.pid})`);
    }
}
/** The result for a native hand-off code: `'closed'` (used already), or a TypeError for a token never handed out. */
function refused(code, what) {
    if (code === native.UNKNOWN_TOKEN)
        throw new TypeError(`${what}: no such descriptor in this process`);
    return code === native.CLOSED ? result_js_1.CLOSED : (0, result_js_1.fail)(code);
}
/**
 * Makes a socket detached or shared by any thread of this process (its
 * descriptor came through `postMessage`) this thread's own: registered
 * with this thread's poller, of the same type, family and protocol, with
 * everything in its kernel buffers. Each descriptor is adopted once: the
 * second `adopt` (in any thread) returns `[null, 'closed']`. Anything that
 * is not a descriptor of this process throws `TypeError`.
 */
function adopt(descriptor) {
    checkDescriptor(descriptor, 'adopt');
    (0, scheduler_js_1.ensureInit)();
    const adopted = native.adopt(descriptor.token);
    if (typeof adopted === 'number')
        return refused(adopted, 'adopt');
    const state = (0, scheduler_js_1.track)(adopted.id);
    const type = adopted.kind;
    const family = adopted.family;
    const Class = type === 'tcp' ? socket_js_1.TcpSocket : type === 'udp' ? datagram_js_1.UdpSocket : datagram_js_1.RawSocket;
    const socket = new Class(state, type, family, adopted.protocol);
    // Bound already (a listener, a connected socket): `listen` must not bind again.
    const local = (0, addr_js_1.fromNative)(native.localAddr(adopted.id));
    if (typeof local !== 'number') {
        socket.bound = local.port() !== 0 && local.port() !== null ? true : (local.path() ?? '') !== '';
        local.free();
    }
    return [socket];
}
/**
 * Closes the socket behind a descriptor nobody adopted (or will adopt):
 * `[true]`, or `[null, 'closed']` if it was adopted or released already.
 */
function release(descriptor) {
    checkDescriptor(descriptor, 'release');
    const code = native.release(descriptor.token);
    return code < 0 ? refused(code, 'release') : result_js_1.OK_TRUE;
}
/**
 * Sockets detached or shared by any thread of this process and not yet
 * adopted or released (for leak checks: 0 when every descriptor found a home).
 */
function detachedCount() {
    return native.detachedCount();
}
