"use strict";
// Sockets: the TypeScript face of a native socket id. Every call that may
// wait follows one pattern: try the system call; if it would block, wait for
// readiness through the scheduler (or a deadline, or close) and try again
// (`transfer.ts` for sends and receives).
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
exports.TcpSocket = exports.Socket = void 0;
exports.openNative = openNative;
exports.pickEntry = pickEntry;
exports.tcp = tcp;
exports.openSocket = openSocket;
exports.checkFamilyArg = checkFamilyArg;
exports.protocolLabel = protocolLabel;
const native = __importStar(require("./native.js"));
const addr_js_1 = require("./addr.js");
const result_js_1 = require("./result.js");
const descriptor_js_1 = require("./descriptor.js");
const duplex_js_1 = require("./duplex.js");
const options_js_1 = require("./options.js");
const reclaim_js_1 = require("./reclaim.js");
const scheduler_js_1 = require("./scheduler.js");
const transfer_js_1 = require("./transfer.js");
const WOULD_BLOCK = native.WOULD_BLOCK;
// Read once: the module namespace re-exports through getters, too slow for
// the per-message path.
const nativeSend = native.send;
const nativeRecv = native.recv;
const isOutOfResources = native.isOutOfResources;
/** Closes sockets nobody closed once they are garbage-collected. */
const collector = new FinalizationRegistry((state) => {
    (0, scheduler_js_1.untrack)(state);
});
/** Opens a native socket, or returns the failure tuple. */
function openNative(type, family, protocol) {
    (0, scheduler_js_1.ensureInit)();
    let id = native.open(type, family, protocol);
    if (id < 0 && (0, reclaim_js_1.reclaimed)(id))
        id = native.open(type, family, protocol);
    if (id < 0)
        return (0, result_js_1.fail)(id);
    (0, reclaim_js_1.opened)();
    return [(0, scheduler_js_1.track)(id)];
}
/** What all sockets share: identity, close, bind, addresses. */
class Socket {
    socketType;
    socketFamily;
    socketProtocol;
    /** @internal */ state;
    /** @internal */ bound = false;
    /** @internal */
    constructor(state, socketType, socketFamily, socketProtocol) {
        this.socketType = socketType;
        this.socketFamily = socketFamily;
        this.socketProtocol = socketProtocol;
        this.state = state;
        collector.register(this, state, this);
        // Weakly, for when descriptors run out before the finalizer has run.
        native.watch(state.id, this);
    }
    /** `'tcp'`, `'udp'` or `'raw'`. */
    type() {
        return this.socketType;
    }
    /** `'inet'`, `'inet6'` or `'unix'`. */
    family() {
        return this.socketFamily;
    }
    /**
     * The protocol the OS uses for it: `'tcp'` for TCP, `'udp'` for UDP, the
     * one it was opened with for raw sockets and explicit protocols
     * (`'icmp'`, or the number as text when it has no name); `'ip'` (0) for
     * Unix sockets, which have none.
     */
    protocol() {
        return this.socketProtocol;
    }
    /** True once {@link close} was called. */
    isClosed() {
        return this.state.closed;
    }
    /**
     * Closes the socket. Coroutines waiting on it wake with `[null, 'closed']`.
     * Closing twice is harmless.
     */
    close() {
        if (!this.state.closed) {
            collector.unregister(this);
            (0, scheduler_js_1.untrack)(this.state);
        }
        return result_js_1.OK_TRUE;
    }
    /**
     * Gives up this thread's ownership of the socket, to move it to another
     * thread: deregisters it from this thread's poller without closing it
     * (nothing in its kernel buffers is lost), wakes coroutines waiting on it
     * here with `[null, 'closed']`, and returns a descriptor to `postMessage`
     * and `socket.adopt()` in the other thread. From then on this object
     * behaves as closed. `[null, 'closed']` if it was closed (or detached).
     */
    detach() {
        if (this.state.closed)
            return result_js_1.CLOSED;
        collector.unregister(this);
        (0, scheduler_js_1.forget)(this.state);
        const token = native.detach(this.state.id, this.socketProtocol);
        if (token < 0)
            return (0, result_js_1.fail)(token);
        return [(0, descriptor_js_1.makeDescriptor)(token, this.socketType, this.socketFamily, this.socketProtocol)];
    }
    /**
     * A descriptor of a duplicate of this socket (`dup(2)`;
     * `WSADuplicateSocket` on Windows), for another thread to `adopt()`:
     * this socket stays open and owned here, and both handles reach the same
     * kernel socket. How several threads serve one listener.
     */
    share() {
        if (this.state.closed)
            return result_js_1.CLOSED;
        const token = native.share(this.state.id, this.socketProtocol);
        if (token < 0)
            return (0, result_js_1.fail)(token);
        return [(0, descriptor_js_1.makeDescriptor)(token, this.socketType, this.socketFamily, this.socketProtocol)];
    }
    /** `bind(2)` to an address (`addr`) or `host, port` (host `'*'` = all interfaces). */
    bind(host, port) {
        const found = (0, addr_js_1.resolveFor)(this.socketType, this.socketFamily, host, port, true);
        return found instanceof Promise ? found.then((r) => this.bindTo(r)) : Promise.resolve(this.bindTo(found));
    }
    /** @internal */
    bindTo(found) {
        if (found[1] !== undefined)
            return found;
        if (this.state.closed)
            return result_js_1.CLOSED;
        const entry = pickEntry(found[0], this.socketFamily);
        if (entry === null)
            return (0, result_js_1.failWith)('address_not_available');
        const rc = native.bind(this.state.id, entry.list, entry.index);
        if (rc < 0)
            return (0, result_js_1.fail)(rc);
        this.bound = true;
        return result_js_1.OK_TRUE;
    }
    /** The address the socket is bound to (`getsockname(2)`). */
    localAddr() {
        return addrResult((0, addr_js_1.fromNative)(native.localAddr(this.state.id)));
    }
    /** The connected peer's address (`getpeername(2)`). */
    remoteAddr() {
        return addrResult((0, addr_js_1.fromNative)(native.remoteAddr(this.state.id)));
    }
    /**
     * Sets a socket option by name (`setsockopt(2)`): `[true]`, or an error
     * tuple when the OS refuses (`'not_supported'` where this socket or OS
     * lacks the option). An unknown name or a wrong value type throws.
     */
    setopt(name, value) {
        return (0, options_js_1.setOption)(this.state.id, this.socketFamily, name, value);
    }
    /** Reads a socket option by name (`getsockopt(2)`): `[value]`, typed per option. */
    getopt(name) {
        return (0, options_js_1.getOption)(this.state.id, name);
    }
}
exports.Socket = Socket;
function addrResult(found) {
    return typeof found === 'number' ? (0, result_js_1.fail)(found) : [found];
}
/** The first entry of `addr`'s list (from `addr` on) in `family`. */
function pickEntry(addr, family) {
    for (const entry of addr.addrs())
        if (entry.family() === family)
            return entry;
    return null;
}
/** A TCP socket (or a Unix stream socket, with family `'unix'`). */
class TcpSocket extends Socket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
    detach() {
        return super.detach();
    }
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `TcpSocket`. */
    share() {
        return super.share();
    }
    listen(...args) {
        let backlog = -1;
        if (typeof args[0] === 'number') {
            const given = args.shift();
            if (!Number.isInteger(given) || given < 0)
                throw new RangeError('backlog must be a non-negative integer');
            backlog = Math.min(given, 0x7fffffff);
        }
        const [host, port] = args;
        const listenNow = () => {
            if (this.state.closed)
                return result_js_1.CLOSED;
            const rc = native.listen(this.state.id, backlog);
            return rc < 0 ? (0, result_js_1.fail)(rc) : result_js_1.OK_TRUE;
        };
        if (this.bound)
            return Promise.resolve(listenNow());
        return this.bind(host, port).then((r) => (r[1] !== undefined ? r : listenNow()));
    }
    /** Waits for and accepts a connection; the new socket knows its `remoteAddr()`. */
    accept(expires) {
        (0, transfer_js_1.checkExpires)(expires);
        return this.acceptLoop((0, transfer_js_1.expiresOf)(expires));
    }
    async acceptLoop(expires) {
        const state = this.state;
        // Set when the deadline or signal ended the wait: one last try, then give up.
        let gaveUp = scheduler_js_1.Wake.Ready;
        let backedOff = false;
        for (;;) {
            if (state.closed)
                return result_js_1.CLOSED;
            const backoff = exhausted.get(state);
            if (backoff !== undefined && !backedOff && gaveUp === scheduler_js_1.Wake.Ready && (0, scheduler_js_1.clock)() < backoff.retryAt) {
                // Out of descriptors last time: wait until this process closes a
                // socket or the back-off passes, rather than fail again at once.
                gaveUp = await (0, scheduler_js_1.whenFdReleased)(backoff.retryAt, expires);
                backedOff = true;
                continue;
            }
            if (state.readable || gaveUp !== scheduler_js_1.Wake.Ready) {
                let id = native.accept(state.id);
                if (id < 0 && id !== WOULD_BLOCK && (0, reclaim_js_1.reclaimed)(id))
                    id = native.accept(state.id);
                if (id >= 0) {
                    (0, reclaim_js_1.opened)();
                    if (backoff !== undefined)
                        exhausted.delete(state);
                    const socket = new TcpSocket((0, scheduler_js_1.track)(id), this.type(), this.family(), this.protocol());
                    socket.bound = true;
                    return (0, scheduler_js_1.completed)([socket]);
                }
                if (id !== WOULD_BLOCK) {
                    // The connection stays queued and the listener readable.
                    if (isOutOfResources(id))
                        backOff(state, backoff);
                    return (0, result_js_1.fail)(id);
                }
                state.readable = false;
            }
            if (gaveUp !== scheduler_js_1.Wake.Ready)
                return (0, transfer_js_1.notReady)(gaveUp);
            gaveUp = await (0, scheduler_js_1.waitReadable)(state, expires);
        }
    }
    connect(host, port, expires) {
        if (host instanceof addr_js_1.AddrInfo) {
            expires = port;
            port = undefined;
        }
        (0, transfer_js_1.checkExpires)(expires);
        const found = (0, addr_js_1.resolveFor)(this.type(), this.family(), host, port, false);
        const deadline = (0, transfer_js_1.expiresOf)(expires);
        return found instanceof Promise
            ? found.then((r) => this.connectTo(r, deadline))
            : this.connectTo(found, deadline);
    }
    async connectTo(found, expires) {
        if (found[1] !== undefined)
            return found;
        const state = this.state;
        if (state.closed)
            return result_js_1.CLOSED;
        const entry = pickEntry(found[0], this.family());
        if (entry === null)
            return (0, result_js_1.failWith)('address_not_available');
        const rc = native.connect(state.id, entry.list, entry.index);
        if (rc < 0)
            return (0, result_js_1.fail)(rc);
        this.bound = true;
        if (rc === 0)
            return result_js_1.OK_TRUE;
        // Under way: completion (or failure) shows as writability.
        state.writable = false;
        for (;;) {
            const outcome = await (0, scheduler_js_1.waitWritable)(state, expires);
            if (outcome !== scheduler_js_1.Wake.Ready) {
                this.close();
                return (0, transfer_js_1.notReady)(outcome);
            }
            const result = native.connectResult(state.id);
            if (result === 0)
                return result_js_1.OK_TRUE;
            if (result !== WOULD_BLOCK)
                return (0, result_js_1.fail)(result);
            state.writable = false;
        }
    }
    /**
     * Sends up to `maxlen` bytes of `buf` (default: all of it), waiting while
     * the socket buffer is full. Returns how many bytes were sent.
     */
    send(buf, maxlen, expires) {
        const len = (0, transfer_js_1.checkBuffer)(buf, maxlen);
        (0, transfer_js_1.checkExpires)(expires);
        return (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.StreamWrite, nativeSend, buf, len, undefined, (0, transfer_js_1.expiresOf)(expires));
    }
    /**
     * Receives up to `maxlen` bytes into `buf` (default: its length), waiting
     * until some arrive. Returns the count; 0 means the peer closed, so
     * `maxlen` 0 (or an empty `buf`) throws `RangeError`.
     */
    recv(buf, maxlen, expires) {
        const len = (0, transfer_js_1.checkBuffer)(buf, maxlen, 1);
        (0, transfer_js_1.checkExpires)(expires);
        return (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.StreamRead, nativeRecv, buf, len, undefined, (0, transfer_js_1.expiresOf)(expires));
    }
    /**
     * Sends all `len` bytes of `buf` (default: all of it), as many `send(2)`
     * calls as it takes: `[true]`, or `[null, err, code, sent]` with the count
     * that went out before the failure (timeout, abort, reset, close).
     */
    sendall(buf, len, expires) {
        const total = (0, transfer_js_1.checkBuffer)(buf, len);
        (0, transfer_js_1.checkExpires)(expires);
        return (0, transfer_js_1.moveAll)(this.state, transfer_js_1.Io.StreamWrite, nativeSend, buf, total, (0, transfer_js_1.expiresOf)(expires));
    }
    /**
     * Receives exactly `len` bytes into `buf` (default: its length): `[true]`,
     * or `[null, err, code, received]`; `err` is `'eof'` when the peer closed
     * first. The bytes received before a failure are in `buf[0..received]`.
     */
    recvall(buf, len, expires) {
        const total = (0, transfer_js_1.checkBuffer)(buf, len, 1);
        (0, transfer_js_1.checkExpires)(expires);
        return (0, transfer_js_1.moveAll)(this.state, transfer_js_1.Io.StreamRead, nativeRecv, buf, total, (0, transfer_js_1.expiresOf)(expires));
    }
    /**
     * `shutdown(2)`: `'w'` sends FIN (the peer reads 0, and can still send to
     * us), `'r'` stops receiving (reads return 0), `'rw'` both. The socket
     * stays open until `close()`.
     */
    shutdown(how = 'rw') {
        const code = how === 'r' ? 0 : how === 'w' ? 1 : how === 'rw' ? 2 : -1;
        if (code < 0)
            throw new TypeError(`shutdown takes 'r', 'w' or 'rw', got ${String(how)}`);
        const rc = native.shutdown(this.state.id, code);
        if (rc < 0)
            return (0, result_js_1.fail)(rc);
        if (code !== 1)
            (0, scheduler_js_1.readShutDown)(this.state);
        return result_js_1.OK_TRUE;
    }
    /**
     * A `node:stream` Duplex over this connected socket, which it owns from
     * now on (destroying it closes the socket): for `node:http`, `node:tls`
     * and stream clients. See `src/duplex.ts`.
     */
    toDuplex(options) {
        return (0, duplex_js_1.toDuplex)(this, options);
    }
}
exports.TcpSocket = TcpSocket;
// ---- accept when out of descriptors --------------------------------------
// `accept` failing with EMFILE/ENFILE/ENOBUFS/ENOMEM leaves the connection
// queued and the listener readable, so retrying at once would fail the same
// way, as fast as the loop can spin. Such a failure is returned (so the
// server can log it), and the listener's next `accept` first waits until
// this process closes a socket or a back-off passes (10 ms, doubling up to
// 0.5 s, for descriptors freed elsewhere), then tries again: the server uses
// next to no CPU while out of descriptors, its timers and connections keep
// running, and queued clients are served as soon as descriptors free up.
// Nothing is shed: a client waits in the kernel's backlog until then.
const FIRST_BACKOFF = 0.01;
const MAX_BACKOFF = 0.5;
const exhausted = new WeakMap();
function backOff(state, last) {
    const delay = last === undefined ? FIRST_BACKOFF : Math.min(MAX_BACKOFF, last.delay * 2);
    exhausted.set(state, { retryAt: (0, scheduler_js_1.clock)() + delay, delay });
}
/** `socket.tcp(family, protocol)`: a new TCP (or Unix stream) socket. */
function tcp(family = 'inet', protocol) {
    return openSocket(TcpSocket, 'tcp', family, protocol);
}
/** `socket(2)` of `type`, wrapped in `Class`: what `tcp()`, `udp()` and `raw()` do. */
function openSocket(Class, type, family, protocol) {
    checkFamilyArg(family);
    const proto = (0, addr_js_1.protocolNumber)(protocol);
    const opened = openNative(type, family, proto);
    if (opened[1] !== undefined)
        return opened;
    return [new Class(opened[0], type, family, protocolLabel(type, family, proto))];
}
function checkFamilyArg(family) {
    if (family !== 'inet' && family !== 'inet6' && family !== 'unix') {
        throw new TypeError(`family must be 'inet', 'inet6' or 'unix', got ${String(family)}`);
    }
}
/**
 * The protocol the OS uses for a socket opened with protocol number
 * `proto`: 0 picks TCP for stream and UDP for datagram IP sockets (Unix
 * sockets have no protocol: 0, `'ip'`).
 */
function protocolLabel(type, family, proto) {
    if (proto === 0 && family !== 'unix') {
        if (type === 'tcp')
            return 'tcp';
        if (type === 'udp')
            return 'udp';
    }
    return (0, addr_js_1.protocolName)(proto);
}
