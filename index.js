"use strict";
// socket2: coroutine-style async sockets for Node.js.
//
// The data path: a call here → `src/socket.ts` → the napi binding
// (`binding.js`, crates/binding) → the Rust core (crates/core) → the system
// call. Readiness comes back from the core's poller through the binding's
// libuv driver to `src/scheduler.ts`, which resumes the waiting coroutine.
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
exports.start = exports.sleepUntil = exports.sleep = exports.poll = exports.newThread = exports.currentThread = exports.Thread = exports.release = exports.detachedCount = exports.adopt = exports.connectDuplex = exports.SocketDuplex = exports.tcp = exports.TcpSocket = exports.Socket = exports.errorNames = exports.udp = exports.sockaddr = exports.raw = exports.UdpSocket = exports.SockAddr = exports.RawSocket = exports.DatagramSocket = exports.lookup = exports.addr = exports.AddrInfo = void 0;
exports.clock = clock;
exports.epollFd = epollFd;
exports.iocp = iocp;
exports.driverName = driverName;
exports.stats = stats;
const native = __importStar(require("./src/native.js"));
const scheduler_js_1 = require("./src/scheduler.js");
const threads_js_1 = require("./src/threads.js");
var addr_js_1 = require("./src/addr.js");
Object.defineProperty(exports, "AddrInfo", { enumerable: true, get: function () { return addr_js_1.AddrInfo; } });
Object.defineProperty(exports, "addr", { enumerable: true, get: function () { return addr_js_1.addr; } });
Object.defineProperty(exports, "lookup", { enumerable: true, get: function () { return addr_js_1.lookup; } });
var datagram_js_1 = require("./src/datagram.js");
Object.defineProperty(exports, "DatagramSocket", { enumerable: true, get: function () { return datagram_js_1.DatagramSocket; } });
Object.defineProperty(exports, "RawSocket", { enumerable: true, get: function () { return datagram_js_1.RawSocket; } });
Object.defineProperty(exports, "SockAddr", { enumerable: true, get: function () { return datagram_js_1.SockAddr; } });
Object.defineProperty(exports, "UdpSocket", { enumerable: true, get: function () { return datagram_js_1.UdpSocket; } });
Object.defineProperty(exports, "raw", { enumerable: true, get: function () { return datagram_js_1.raw; } });
Object.defineProperty(exports, "sockaddr", { enumerable: true, get: function () { return datagram_js_1.sockaddr; } });
Object.defineProperty(exports, "udp", { enumerable: true, get: function () { return datagram_js_1.udp; } });
var result_js_1 = require("./src/result.js");
Object.defineProperty(exports, "errorNames", { enumerable: true, get: function () { return result_js_1.errorNames; } });
var socket_js_1 = require("./src/socket.js");
Object.defineProperty(exports, "Socket", { enumerable: true, get: function () { return socket_js_1.Socket; } });
Object.defineProperty(exports, "TcpSocket", { enumerable: true, get: function () { return socket_js_1.TcpSocket; } });
Object.defineProperty(exports, "tcp", { enumerable: true, get: function () { return socket_js_1.tcp; } });
var duplex_js_1 = require("./src/duplex.js");
Object.defineProperty(exports, "SocketDuplex", { enumerable: true, get: function () { return duplex_js_1.SocketDuplex; } });
Object.defineProperty(exports, "connectDuplex", { enumerable: true, get: function () { return duplex_js_1.connectDuplex; } });
var threads_share_js_1 = require("./src/threads-share.js");
Object.defineProperty(exports, "adopt", { enumerable: true, get: function () { return threads_share_js_1.adopt; } });
Object.defineProperty(exports, "detachedCount", { enumerable: true, get: function () { return threads_share_js_1.detachedCount; } });
Object.defineProperty(exports, "release", { enumerable: true, get: function () { return threads_share_js_1.release; } });
var threads_js_2 = require("./src/threads.js");
Object.defineProperty(exports, "Thread", { enumerable: true, get: function () { return threads_js_2.Thread; } });
Object.defineProperty(exports, "currentThread", { enumerable: true, get: function () { return threads_js_2.currentThread; } });
Object.defineProperty(exports, "newThread", { enumerable: true, get: function () { return threads_js_2.newThread; } });
Object.defineProperty(exports, "poll", { enumerable: true, get: function () { return threads_js_2.poll; } });
Object.defineProperty(exports, "sleep", { enumerable: true, get: function () { return threads_js_2.sleep; } });
Object.defineProperty(exports, "sleepUntil", { enumerable: true, get: function () { return threads_js_2.sleepUntil; } });
Object.defineProperty(exports, "start", { enumerable: true, get: function () { return threads_js_2.start; } });
Object.defineProperty(exports, "stop", { enumerable: true, get: function () { return threads_js_2.stop; } });
/** Monotonic time in seconds: the clock `expires` arguments are measured on. */
function clock() {
    return (0, scheduler_js_1.clock)();
}
function epollFd(fd) {
    if (fd !== undefined) {
        if (typeof fd !== 'number' || !Number.isInteger(fd) || fd < 0) {
            throw new TypeError(`epollFd(fd) takes a descriptor (a non-negative integer), got ${String(fd)}`);
        }
        native.setSharedPoller(fd);
        return [true];
    }
    (0, scheduler_js_1.ensureInit)();
    const fd_ = native.pollerFd();
    return fd_ >= 0 ? fd_ : null;
}
/**
 * The seed's `socket.iocp([iocp_h])`. There is no completion port to get
 * or set: on Windows each thread's driver owns its own. Always throws,
 * saying so; move sockets between threads with `detach()`/`share()` and
 * `adopt()` instead.
 */
function iocp(handle) {
    void handle;
    throw new TypeError('socket.iocp() is not supported: each thread\'s driver owns its IOCP port; ' +
        'move or share sockets between threads with detach()/share() and adopt()');
}
/**
 * Which driver carries readiness to JavaScript in this thread: `'libuv'`
 * (a `uv_poll` on Node's loop) or `'thread'` (a poller thread); `null` before
 * the first socket opens.
 */
function driverName() {
    return native.driverName();
}
/** What is open and waiting in this thread, for leak checks and diagnostics. */
function stats() {
    return { sockets: (0, scheduler_js_1.openCount)(), waiting: (0, scheduler_js_1.waitingCount)(), threads: (0, threads_js_1.threadCount)() };
}
