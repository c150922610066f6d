"use strict";
// Address lookup: `socket.addr()` / `socket.lookup()` and the address
// objects they return (also used for `localAddr()` / `remoteAddr()`).
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
exports.AddrInfo = void 0;
exports.checkPort = checkPort;
exports.checkHost = checkHost;
exports.checkType = checkType;
exports.checkFamily = checkFamily;
exports.protocolNumber = protocolNumber;
exports.protocolName = protocolName;
exports.addr = addr;
exports.lookup = lookup;
exports.resolveFor = resolveFor;
exports.fromNative = fromNative;
const node_net_1 = require("node:net");
const native = __importStar(require("./native.js"));
const result_js_1 = require("./result.js");
const SOCKET_TYPES = new Set(['tcp', 'udp', 'raw']);
const FAMILIES = new Set(['inet', 'inet6', 'unix']);
/** Protocol numbers by name: the Rust core's table (`socket.rs` `PROTOCOLS`). */
const PROTOCOLS = Object.fromEntries(native.protocols().map((p) => [p.name, p.number]));
/**
 * One entry of a resolved address list, and a handle on the whole list:
 * `next()` walks it, `addrs()` (or `for…of`) iterates it, `free()` releases
 * the native list at once (it is released when collected otherwise).
 */
class AddrInfo {
    list;
    index;
    /** @internal */
    constructor(
    /** @internal */ list, 
    /** @internal */ index = 0) {
        this.list = list;
        this.index = index;
    }
    /** Releases the native list; every entry of it reads as freed afterwards. Idempotent. */
    free() {
        this.list.free();
    }
    /** The next address in the list, or `null`. */
    next() {
        return this.index + 1 < this.list.length ? new AddrInfo(this.list, this.index + 1) : null;
    }
    /** Iterates this entry and the ones after it. */
    *addrs() {
        for (let i = this.index; i < this.list.length; i++)
            yield new AddrInfo(this.list, i);
    }
    [Symbol.iterator]() {
        return this.addrs();
    }
    /** `'tcp'`, `'udp'`, `'raw'`, or `null` if the lookup named no type. */
    type() {
        return this.list.type(this.index);
    }
    /** `'inet'`, `'inet6'` or `'unix'`. */
    family() {
        return (this.list.family(this.index) ?? 'inet');
    }
    /** The protocol name (`'tcp'`, `'udp'`, …), or its number as a string. */
    protocol() {
        return this.list.protocol(this.index) ?? 'ip';
    }
    /** The canonical name (with the `canonname` flag), else `null`. */
    name() {
        return this.list.name(this.index);
    }
    /** The IP address as text, or `null` for Unix addresses. */
    ip() {
        return this.list.ip(this.index);
    }
    /** The port, or `null` for Unix addresses. */
    port() {
        return this.list.port(this.index);
    }
    /** The Unix socket path (`@name` for abstract ones), or `null`. */
    path() {
        return this.list.path(this.index);
    }
    /** `127.0.0.1:80`, `[::1]:80`, or the Unix path. */
    toString() {
        return this.list.format(this.index) ?? '(freed)';
    }
}
exports.AddrInfo = AddrInfo;
/** Throws `TypeError`/`RangeError` for a bad port; returns the service string. */
function checkPort(port) {
    if (port === undefined || port === null)
        return null;
    if (typeof port === 'number') {
        if (!Number.isInteger(port) || port < 0 || port > 65535) {
            throw new RangeError(`port must be an integer from 0 to 65535, got ${port}`);
        }
        return String(port);
    }
    if (typeof port === 'string') {
        if (port === '')
            throw new TypeError('port must not be an empty string');
        checkNoNul('a service name', port);
        if (/^\d+$/.test(port))
            return checkPort(Number(port));
        return port;
    }
    throw new TypeError(`port must be a number or a service name, got ${typeof port}`);
}
/** Throws `TypeError` for a bad host; returns `null` for "all interfaces". */
function checkHost(host) {
    if (host === undefined || host === null || host === false || host === '*' || host === '')
        return null;
    if (typeof host !== 'string')
        throw new TypeError(`host must be a string, '*' or false, got ${typeof host}`);
    checkNoNul('a host', host);
    return host;
}
/**
 * Throws `TypeError` for a NUL byte in a host, service or path: C reads
 * such a string only up to the NUL, so the call would reach another name
 * (a Unix path `'/tmp/x/public\0/../secret'` binds `/tmp/x/public`).
 */
function checkNoNul(what, text) {
    if (text.includes('\0'))
        throw new TypeError(`${what} must not contain a NUL byte, got ${JSON.stringify(text)}`);
}
function checkName(what, value, allowed) {
    if (value === undefined || value === null)
        return null;
    if (typeof value !== 'string' || !allowed.has(value)) {
        throw new TypeError(`${what} must be one of ${[...allowed].join(', ')}, got ${String(value)}`);
    }
    return value;
}
function checkType(value) {
    return checkName('socket type', value, SOCKET_TYPES);
}
function checkFamily(value) {
    return checkName('family', value, FAMILIES);
}
/** The protocol number for a protocol name (`undefined` → 0, the default). */
function protocolNumber(value) {
    if (value === undefined || value === null)
        return 0;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 255)
        return value;
    if (typeof value === 'string' && Object.hasOwn(PROTOCOLS, value))
        return PROTOCOLS[value];
    throw new TypeError(`protocol must be one of ${Object.keys(PROTOCOLS).join(', ')}, got ${String(value)}`);
}
/** The name of a protocol number (`6` → `'tcp'`), or the number as text. */
function protocolName(value) {
    for (const name in PROTOCOLS)
        if (PROTOCOLS[name] === value)
            return name;
    return String(value);
}
function flagBits(flags) {
    if (flags === undefined || flags === null)
        return 0;
    if (typeof flags === 'number' && Number.isInteger(flags))
        return flags;
    const list = typeof flags === 'string' ? [flags] : flags;
    if (!Array.isArray(list))
        throw new TypeError('flags must be a flag name or an array of flag names');
    let bits = 0;
    for (const name of list) {
        const bit = typeof name === 'string' ? native.lookupFlag(name) : null;
        if (bit === null)
            throw new TypeError(`unknown lookup flag: ${String(name)}`);
        bits |= bit;
    }
    return bits;
}
function parseQuery(host, port, type, family, protocol, flags) {
    const given = checkFamily(family);
    const sockType = checkType(type);
    const name = given === 'unix' ? checkUnixPath(host) : checkHost(host);
    // As in the seed, the family defaults to 'inet'; an IPv6 literal says
    // 'inet6' by itself.
    const fam = given ?? (name !== null && (0, node_net_1.isIP)(name) === 6 ? 'inet6' : 'inet');
    const query = {
        host: name,
        service: fam === 'unix' ? null : sockType === 'raw' ? checkNoPort(port) : checkPort(port),
        type: sockType,
        family: fam,
        protocol: protocolNumber(protocol),
        flags: flagBits(flags),
    };
    return query;
}
/** Raw addresses have no port: only none (or 0) is accepted. */
function checkNoPort(port) {
    if (port === undefined || port === null || port === 0)
        return null;
    throw new TypeError(`a raw address has no port, got ${String(port)}`);
}
function checkUnixPath(path) {
    if (typeof path !== 'string' || path === '')
        throw new TypeError('a unix address needs a path');
    // A leading NUL is the abstract-namespace spelling of '@'; any other ends the path early.
    checkNoNul('a unix path', path.startsWith('\0') ? path.slice(1) : path);
    return path;
}
function toResult(found) {
    if (found instanceof native.AddrList)
        return [new AddrInfo(found)];
    return (0, result_js_1.failWith)(found.name, found.code);
}
/** True when resolving `query` cannot block: no host, an IP literal, or a path. */
function isImmediate(query) {
    return query.host === null || query.family === 'unix' || (0, node_net_1.isIP)(query.host) !== 0;
}
function run(query) {
    return toResult(native.getaddrinfo(query));
}
/**
 * `socket.addr(host, port, type, family, protocol, flags)`: looks up an
 * address list with `getaddrinfo(3)` on the calling thread (as the seed
 * does: a name that needs DNS blocks until it resolves; prefer
 * {@link lookup} for names). An existing {@link AddrInfo} is passed through.
 */
function addr(host, port, type, family, protocol, flags) {
    if (host instanceof AddrInfo)
        return [host];
    return run(parseQuery(host, port, type, family, protocol, flags));
}
/**
 * `await socket.lookup(...)`: the same as {@link addr}, resolved on libuv's
 * thread pool so the event loop never waits for DNS.
 */
function lookup(host, port, type, family, protocol, flags) {
    // Not `async`: misuse must throw at the call, not reject.
    if (host instanceof AddrInfo)
        return Promise.resolve([host]);
    const query = parseQuery(host, port, type, family, protocol, flags);
    return runOffLoop(query);
}
/** Resolves `query` at once when that cannot block, else on libuv's thread pool. */
function runOffLoop(query) {
    if (isImmediate(query))
        return Promise.resolve(run(query));
    return native.lookup(query).then(toResult);
}
/**
 * Resolves the address a socket call was given (`addr` or `host, port`)
 * for a socket of `type`/`family`: synchronously when that cannot block,
 * else off the loop. Misuse throws at the call.
 */
function resolveFor(type, family, host, port, passive) {
    if (host instanceof AddrInfo)
        return [host];
    const query = parseQuery(host, port, type === 'raw' ? null : type, family, 0, null);
    if (passive && query.host === null)
        query.flags |= native.lookupFlag('passive') ?? 0;
    if (isImmediate(query))
        return run(query);
    return runOffLoop(query);
}
/** An address from a native `getsockname`/`getpeername` result. */
function fromNative(found) {
    return typeof found === 'number' ? found : new AddrInfo(found);
}
