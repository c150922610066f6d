"use strict";
// The transfer engine: the one try → WOULD_BLOCK → wait → retry path of
// every send and recv (stream and datagram), the all-or-error loops of
// `sendall`/`recvall`, and the argument checks those calls share.
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
exports.Io = void 0;
exports.checkBuffer = checkBuffer;
exports.checkExpires = checkExpires;
exports.expiresOf = expiresOf;
exports.notReady = notReady;
exports.moveAll = moveAll;
exports.transfer = transfer;
const native = __importStar(require("./native.js"));
const result_js_1 = require("./result.js");
const scheduler_js_1 = require("./scheduler.js");
const WOULD_BLOCK = native.WOULD_BLOCK;
const DETACHED = native.DETACHED;
const SHORT_READ_DRAINS = native.SHORT_READ_DRAINS;
/**
 * Throws unless `buf` is a byte array (not detached) and `maxlen` fits in
 * it, and is at least `min`; returns the length to use (default: all of `buf`).
 */
function checkBuffer(buf, maxlen, min = 0) {
    if (!(buf instanceof Uint8Array)) {
        throw new TypeError('buf must be a Uint8Array or Buffer');
    }
    // A detached buffer reads as empty: refuse it rather than move 0 bytes.
    if (buf.length === 0 && isDetached(buf))
        throw new TypeError('buf is detached (its ArrayBuffer was transferred)');
    let len = buf.length;
    if (maxlen !== undefined && maxlen !== null) {
        if (typeof maxlen !== 'number')
            throw new TypeError('maxlen must be a number');
        if (!Number.isInteger(maxlen) || maxlen < 0 || maxlen > buf.length) {
            throw new RangeError(`maxlen must be an integer from 0 to buf.length (${buf.length}), got ${maxlen}`);
        }
        len = maxlen;
    }
    if (len < min) {
        throw new RangeError(`maxlen must be at least ${min} here (a stream read of 0 bytes would read as end of stream), got ${len}`);
    }
    return len;
}
function isDetached(buf) {
    if (buf.buffer.byteLength !== 0)
        return false;
    try {
        // Node 20 has no `ArrayBuffer.prototype.detached`; a view on a detached buffer cannot be made.
        new Uint8Array(buf.buffer);
        return false;
    }
    catch {
        return true;
    }
}
/** Throws unless `expires` is absent, a time on `socket.clock()`, or an `AbortSignal`. */
function checkExpires(expires) {
    if (expires === undefined || expires === null || expires instanceof AbortSignal)
        return;
    if (typeof expires !== 'number' || Number.isNaN(expires)) {
        throw new TypeError('expires must be a time in seconds on socket.clock() or an AbortSignal');
    }
}
function expiresOf(expires) {
    return expires === null ? undefined : expires;
}
/** The tuple for a wait that ended without readiness. */
function notReady(outcome) {
    return outcome === scheduler_js_1.Wake.Timeout ? result_js_1.TIMEOUT : outcome === scheduler_js_1.Wake.Aborted ? result_js_1.ABORTED : result_js_1.CLOSED;
}
/** Moves `buf[0..total]` through `transfer` until done, EOF or an error. */
function moveAll(state, io, call, buf, total, expires) {
    // The common case, everything in one call on a ready socket, settles here
    // without an async function; the loop below takes over otherwise.
    if (total > 0 && !state.closed && isReady(state, io)) {
        const n = call(state.id, buf, total, undefined);
        if (n === total)
            return (0, scheduler_js_1.completed)(result_js_1.OK_TRUE);
        if (n === WOULD_BLOCK)
            markBlocked(state, io);
        else if (n < 0)
            return (0, scheduler_js_1.completed)(failedAfter((0, result_js_1.fail)(n), 0));
        else if (n === 0)
            return (0, scheduler_js_1.completed)([null, 'eof', undefined, 0]);
        else {
            noteCount(state, io, n, total);
            return moveRest(state, io, call, buf, total, n, expires);
        }
    }
    return moveRest(state, io, call, buf, total, 0, expires);
}
/** `moveAll` from `done` bytes on, waiting as needed. */
async function moveRest(state, io, call, buf, total, done, expires) {
    while (done < total) {
        // A view only after a partial transfer: the common single call allocates nothing.
        const rest = done === 0 ? buf : buf.subarray(done);
        const [n, err, code] = await transfer(state, io, call, rest, total - done, undefined, expires);
        if (err)
            return [null, err, code, done];
        if (n === 0)
            return [null, 'eof', undefined, done];
        done += n;
    }
    return result_js_1.OK_TRUE;
}
function failedAfter(failure, done) {
    return [null, failure[1], failure[2], done];
}
exports.Io = {
    /** Bytes from a stream: a short read means drained where `SHORT_READ_DRAINS`. */
    StreamRead: { write: false, stream: true },
    /** Bytes to a stream: a short write means the buffer is full. */
    StreamWrite: { write: true, stream: true },
    /** One datagram in: its size says nothing of what is queued behind it. */
    DatagramRead: { write: false, stream: false },
    /** One datagram out: all or nothing. */
    DatagramWrite: { write: true, stream: false },
};
/**
 * The one try → WOULD_BLOCK → wait → retry path of every send and recv.
 * When the socket looks ready the call is tried at once and the result
 * returned without further async machinery; otherwise it waits for
 * readiness (or `expires`, or close) and tries again.
 */
function transfer(state, io, call, buf, len, extra, expires) {
    if (!state.closed && isReady(state, io)) {
        const n = call(state.id, buf, len, extra);
        if (n !== WOULD_BLOCK)
            return (0, scheduler_js_1.completed)(transferred(state, io, n, len));
        markBlocked(state, io);
    }
    // Driven by the scheduler rather than an async function: one promise and
    // one waiter object per blocked call, and the retry runs right in the
    // event dispatch, before the woken coroutine resumes.
    return new Promise((resolve) => {
        new PendingTransfer(state, io, call, buf, len, extra, expires, resolve).wake(scheduler_js_1.Wake.Ready);
    });
}
/** A {@link transfer} that had to wait: its arguments, and the retry. */
class PendingTransfer extends scheduler_js_1.Waiter {
    state;
    io;
    call;
    buf;
    len;
    extra;
    expires;
    resolve;
    constructor(state, io, call, buf, len, extra, expires, resolve) {
        super();
        this.state = state;
        this.io = io;
        this.call = call;
        this.buf = buf;
        this.len = len;
        this.extra = extra;
        this.expires = expires;
        this.resolve = resolve;
    }
    wake(outcome) {
        const { state, io } = this;
        if (state.closed)
            return this.resolve(result_js_1.CLOSED);
        // A deadline or signal ended the wait: one last try, so bytes that are
        // there (readiness not seen yet) are never reported as a timeout.
        const gaveUp = outcome !== scheduler_js_1.Wake.Ready;
        if (gaveUp || isReady(state, io)) {
            const n = this.call(state.id, this.buf, this.len, this.extra);
            if (n !== WOULD_BLOCK)
                return this.resolve(transferred(state, io, n, this.len));
            markBlocked(state, io);
        }
        if (gaveUp)
            return this.resolve(notReady(outcome));
        (0, scheduler_js_1.waitOn)(state, io.write, this.expires, this);
    }
}
function isReady(state, io) {
    return io.write ? state.writable : state.readable;
}
function markBlocked(state, io) {
    if (io.write)
        state.writable = false;
    else
        state.readable = false;
}
/**
 * The tuple for a call's count or error; a short stream count clears
 * readiness. A buffer detached while the call waited rejects the call's
 * promise with `TypeError` (misuse found too late to throw at the call).
 */
function transferred(state, io, n, len) {
    if (n === DETACHED)
        return Promise.reject(new TypeError('buf was detached while the call waited on it'));
    if (n < 0)
        return (0, result_js_1.fail)(n);
    noteCount(state, io, n, len);
    return [n];
}
/**
 * What a short count says about readiness: a stream write that moved less
 * than asked found the buffer full; a stream read, the socket drained
 * (where `SHORT_READ_DRAINS`, and unless the peer closed: no edge follows).
 */
function noteCount(state, io, n, len) {
    if (n < len && io.stream) {
        if (io.write)
            state.writable = false;
        else if (SHORT_READ_DRAINS && n > 0 && !state.readClosed)
            state.readable = false;
    }
}
