"use strict";
// Datagram sockets: UDP (over IPv4, IPv6 and Unix paths) and raw IP. One
// base class holds sending, receiving and the peer filter; `UdpSocket` and
// `RawSocket` only name the socket type. Addresses travel as `SockAddr`
// objects (a socket address held in Rust), so a receive-reply loop that
// reuses one allocates nothing per datagram.
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
exports.RawSocket = exports.UdpSocket = exports.DatagramSocket = exports.SockAddr = void 0;
exports.sockaddr = sockaddr;
exports.udp = udp;
exports.raw = raw;
const native = __importStar(require("./native.js"));
const addr_js_1 = require("./addr.js");
const result_js_1 = require("./result.js");
const socket_js_1 = require("./socket.js");
const transfer_js_1 = require("./transfer.js");
/**
 * A socket address (IPv4, IPv6 or Unix), empty until a `recv` fills it:
 * `family()`, `ip()`, `port()`, `path()`, `toString()`. Make one with
 * {@link sockaddr}.
 */
exports.SockAddr = native.SockAddr;
// Read once: the module namespace re-exports through getters.
const nativeSend = native.send;
const nativeSendTo = native.sendTo;
const nativeRecvFrom = native.recvFrom;
/**
 * `socket.sockaddr()`: an empty address for `recv` to fill with each
 * sender (reuse it across calls), or a copy of an {@link AddrInfo} entry or
 * of another `SockAddr`, to send to without resolving again.
 */
function sockaddr(from) {
    const addr = new native.SockAddr();
    if (from instanceof addr_js_1.AddrInfo) {
        if (!native.sockaddrFromList(addr, from.list, from.index))
            throw new TypeError('the address list was freed');
    }
    else if (from instanceof native.SockAddr) {
        native.sockaddrCopy(addr, from);
    }
    else if (from !== undefined) {
        throw new TypeError('sockaddr() takes an address list entry, a SockAddr, or nothing');
    }
    return addr;
}
/** What UDP and raw sockets share: datagrams to and from addresses, and an optional fixed peer. */
class DatagramSocket extends socket_js_1.Socket {
    // The last destination given as host/port or as an address list, and its
    // resolved address: sending to the same place again resolves nothing.
    // Never mutated once made, as a waiting send may still be using it.
    lastHost = undefined;
    lastPort = undefined;
    lastTo = null;
    send(buf, maxlen, ...args) {
        const len = (0, transfer_js_1.checkBuffer)(buf, maxlen);
        const [to, port, expires] = this.destinationArgs(args, true);
        (0, transfer_js_1.checkExpires)(expires);
        const deadline = (0, transfer_js_1.expiresOf)(expires);
        if (to === undefined || to === null) {
            return (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.DatagramWrite, nativeSend, buf, len, undefined, deadline);
        }
        const found = this.resolve(to, port);
        if (found instanceof Promise) {
            return found.then((r) => r[1] !== undefined ? r : (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.DatagramWrite, nativeSendTo, buf, len, r[0], deadline));
        }
        if (isFail(found))
            return Promise.resolve(found);
        return (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.DatagramWrite, nativeSendTo, buf, len, found, deadline);
    }
    /**
     * Receives the next datagram into `buf[0..maxlen]` (default: all of
     * `buf`), waiting until one arrives; returns its length (0 for an empty
     * datagram). `from`, when given, is filled with the sender's address. A
     * datagram longer than `maxlen` returns `[null, 'message_truncated',
     * EMSGSIZE]`: `buf` holds its first `maxlen` bytes, the OS dropped the rest.
     */
    recv(buf, maxlen, from, expires) {
        const len = (0, transfer_js_1.checkBuffer)(buf, maxlen);
        if (from !== undefined && from !== null && !(from instanceof native.SockAddr)) {
            throw new TypeError('from must be an address made by socket.sockaddr()');
        }
        (0, transfer_js_1.checkExpires)(expires);
        return (0, transfer_js_1.transfer)(this.state, transfer_js_1.Io.DatagramRead, nativeRecvFrom, buf, len, from ?? null, (0, transfer_js_1.expiresOf)(expires));
    }
    connect(...args) {
        const [to, port, extra] = this.destinationArgs(args, false);
        if (extra !== undefined)
            throw new TypeError('connect() takes an address, or a host and a port');
        if (to === undefined || to === null)
            throw new TypeError('connect() needs an address');
        const found = this.resolve(to, port);
        if (found instanceof Promise) {
            return found.then((r) => (r[1] !== undefined ? r : this.connectPeer(r[0])));
        }
        return Promise.resolve(isFail(found) ? found : this.connectPeer(found));
    }
    /**
     * Removes the peer set by {@link connect} (`connect(2)` to `AF_UNSPEC`):
     * the socket receives from anyone again and `send` needs an address. It
     * keeps its local port (Linux would release a port the OS chose; it is
     * bound again), on the wildcard address unless one was bound explicitly.
     */
    disconnect() {
        if (this.state.closed)
            return result_js_1.CLOSED;
        const rc = native.disconnect(this.state.id);
        return rc < 0 ? (0, result_js_1.fail)(rc) : result_js_1.OK_TRUE;
    }
    connectPeer(to) {
        if (this.state.closed)
            return result_js_1.CLOSED;
        const rc = native.connectPeer(this.state.id, to);
        if (rc < 0)
            return (0, result_js_1.fail)(rc);
        this.bound = true;
        return result_js_1.OK_TRUE;
    }
    /**
     * Splits `[to, port?, …rest]`: a port follows only a host string, and
     * only on UDP over IP; raw and Unix addresses have none.
     */
    destinationArgs(args, withExpires) {
        const [to] = args;
        if ((typeof to === 'number' || to instanceof AbortSignal) && withExpires)
            return [undefined, undefined, to];
        const takesPort = typeof to === 'string' && this.type() === 'udp' && this.family() !== 'unix';
        return takesPort ? [to, args[1], args[2]] : [to, undefined, args[1]];
    }
    /** The `SockAddr` for a destination: at once when known or literal, else after a lookup. */
    resolve(to, port) {
        if (to instanceof native.SockAddr)
            return to;
        if (to === this.lastHost && port === this.lastPort && this.lastTo !== null)
            return this.lastTo;
        const found = (0, addr_js_1.resolveFor)(this.type(), this.family(), to, port, false);
        if (found instanceof Promise)
            return found.then((r) => this.toSockAddr(r));
        const addr = this.toSockAddr(found);
        if (addr[1] === undefined) {
            this.lastHost = to;
            this.lastPort = port;
            this.lastTo = addr[0];
            return addr[0];
        }
        return addr;
    }
    toSockAddr(found) {
        if (found[1] !== undefined)
            return found;
        const entry = (0, socket_js_1.pickEntry)(found[0], this.family());
        if (entry === null)
            return (0, result_js_1.failWith)('address_not_available');
        return [sockaddr(entry)];
    }
}
exports.DatagramSocket = DatagramSocket;
function isFail(found) {
    return Array.isArray(found);
}
/** A UDP socket, or a Unix datagram socket with family `'unix'`. */
class UdpSocket extends DatagramSocket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
    detach() {
        return super.detach();
    }
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `UdpSocket`. */
    share() {
        return super.share();
    }
}
exports.UdpSocket = UdpSocket;
/**
 * A raw IP socket. IPv4 raw sockets receive the IP header before the
 * payload, as the OS delivers it; IPv6 ones receive the payload only.
 */
class RawSocket extends DatagramSocket {
    /** {@link Socket.detach}, typed: `socket.adopt()` of it gives a `RawSocket`. */
    detach() {
        return super.detach();
    }
    /** {@link Socket.share}, typed: `socket.adopt()` of it gives a `RawSocket`. */
    share() {
        return super.share();
    }
}
exports.RawSocket = RawSocket;
/**
 * `socket.udp(family, protocol)`: a new UDP socket (`'inet'`, `'inet6'`),
 * or a Unix datagram socket (`'unix'`).
 */
function udp(family = 'inet', protocol) {
    return (0, socket_js_1.openSocket)(UdpSocket, 'udp', family, protocol);
}
/**
 * `socket.raw(family, protocol)`: a new raw socket; the protocol defaults to
 * `'icmp'` (`'icmpv6'` for `'inet6'`). Needs `CAP_NET_RAW` (root) on Linux,
 * administrator rights on Windows: without them it returns
 * `[null, 'access_denied', code]`.
 */
function raw(family = 'inet', protocol) {
    return (0, socket_js_1.openSocket)(RawSocket, 'raw', family, protocol ?? (family === 'inet6' ? 'icmpv6' : 'icmp'));
}
