"use strict";
// Socket options by name: `s.setopt(name, value)` / `s.getopt(name)`.
//
// The table below is the one list of names and value types on this side:
// it checks every call (an unknown name or a wrong value type throws at the
// call), and the interfaces give `getopt('nodelay')` the type
// `Result<boolean>`. The Rust core (`crates/core/src/options.rs`) maps each
// name to its `setsockopt(2)` / `getsockopt(2)` call.
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
exports.OPTION_NAME_TYPE_LIST = void 0;
exports.setOption = setOption;
exports.getOption = getOption;
const node_net_1 = require("node:net");
const native = __importStar(require("./native.js"));
const result_js_1 = require("./result.js");
const INT_MAX = 0x7fff_ffff;
const both = (kind, min, max) => ({ kind, get: true, set: true, min, max });
const readOnly = (kind) => ({ kind, get: true, set: false });
const writeOnly = (kind) => ({ kind, get: false, set: true });
/** Every option: its value kind, whether it reads and/or writes, bounds. */
const OPTIONS = {
    reuseaddr: both('boolean'),
    reuseport: both('boolean'),
    nodelay: both('boolean'),
    tcp_nodelay: both('boolean'),
    keepalive: both('boolean'),
    // Linux caps TCP_KEEPIDLE/TCP_KEEPINTVL at 32767 s and TCP_KEEPCNT at 127.
    keepidle: both('integer', 1, 32767),
    keepintvl: both('integer', 1, 32767),
    keepcnt: both('integer', 1, 127),
    linger: both('linger', 0, 65535),
    rcvbuf: both('integer', 0, INT_MAX),
    sndbuf: both('integer', 0, INT_MAX),
    rcvlowat: both('integer', 0, INT_MAX),
    broadcast: both('boolean'),
    ttl: both('integer', 1, 255),
    tos: both('integer', 0, 255),
    v6only: both('boolean'),
    multicast_ttl: both('integer', 0, 255),
    multicast_hops: both('integer', 0, 255),
    unicast_hops: both('integer', 0, 255),
    multicast_loop: both('boolean'),
    multicast_if: both('interface'),
    add_membership: writeOnly('membership'),
    drop_membership: writeOnly('membership'),
    error: readOnly('error'),
    type: readOnly('type'),
    acceptconn: readOnly('boolean'),
};
/** Every name in the table above (for the test that it matches the Rust core's `optionNames()`). */
exports.OPTION_NAME_TYPE_LIST = Object.freeze(Object.keys(OPTIONS));
function specOf(name, forSet) {
    const spec = typeof name === 'string' && Object.hasOwn(OPTIONS, name) ? OPTIONS[name] : undefined;
    if (spec === undefined)
        throw new TypeError(`unknown socket option ${JSON.stringify(name)}`);
    if (forSet && !spec.set)
        throw new TypeError(`socket option '${String(name)}' is read-only`);
    if (!forSet && !spec.get)
        throw new TypeError(`socket option '${String(name)}' can only be set`);
    return spec;
}
function checkInteger(name, value, spec) {
    if (typeof value !== 'number')
        throw new TypeError(`socket option '${name}' takes a number, got ${typeof value}`);
    const min = spec.min ?? 0;
    const max = spec.max ?? INT_MAX;
    if (!Number.isInteger(value) || value < min || value > max) {
        throw new RangeError(`socket option '${name}' takes an integer from ${min} to ${max}, got ${value}`);
    }
    return value;
}
function checkMembership(name, value) {
    if (typeof value !== 'object' || value === null) {
        throw new TypeError(`socket option '${name}' takes { group, interface? }`);
    }
    const { group, interface: iface } = value;
    if (typeof group !== 'string' || (!(0, node_net_1.isIPv4)(group) && !(0, node_net_1.isIPv6)(group))) {
        throw new TypeError(`${name}: group must be an IPv4 or IPv6 address, got ${String(group)}`);
    }
    if (iface === undefined || iface === null)
        return { group };
    if ((0, node_net_1.isIPv4)(group)) {
        if (typeof iface !== 'string' || !(0, node_net_1.isIPv4)(iface)) {
            throw new TypeError(`${name}: an IPv4 group's interface is an IPv4 address, got ${String(iface)}`);
        }
    }
    else if (typeof iface !== 'number' || !Number.isInteger(iface) || iface < 0 || iface > 0xffff_ffff) {
        throw new TypeError(`${name}: an IPv6 group's interface is an interface index, got ${String(iface)}`);
    }
    return { group, interface: iface };
}
function checkInterface(value, family) {
    if (family === 'inet6') {
        if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffff_ffff)
            return value;
        throw new TypeError(`multicast_if of an IPv6 socket is an interface index, got ${String(value)}`);
    }
    if (typeof value === 'string' && (0, node_net_1.isIPv4)(value))
        return value;
    throw new TypeError(`multicast_if of an IPv4 socket is an IPv4 address, got ${String(value)}`);
}
/** The value as the binding takes it; throws on a wrong type. */
function toNative(name, spec, value, family) {
    switch (spec.kind) {
        case 'boolean':
            if (typeof value !== 'boolean')
                throw new TypeError(`socket option '${name}' takes a boolean, got ${typeof value}`);
            return value;
        case 'linger':
            if (value === false || value === null)
                return false;
            return checkInteger(name, value, spec);
        case 'interface':
            return checkInterface(value, family);
        case 'membership':
            return checkMembership(name, value);
        default:
            return checkInteger(name, value, spec);
    }
}
/** `setsockopt(2)`: see {@link SetOptions}. Misuse throws; OS refusals are tuples. */
function setOption(id, family, name, value) {
    const spec = specOf(name, true);
    const rc = native.setopt(id, name, toNative(name, spec, value, family));
    return rc < 0 ? (0, result_js_1.fail)(rc) : result_js_1.OK_TRUE;
}
/** `getsockopt(2)`: see {@link GetOptions}. An unknown name throws. */
function getOption(id, name) {
    const spec = specOf(name, false);
    const got = native.getopt(id, name);
    if (typeof got !== 'number')
        return [got];
    if (got < 0)
        return (0, result_js_1.fail)(got);
    // `error`: the pending error's code, 0 for none.
    if (spec.kind === 'error')
        return got === 0 ? [null] : [(0, result_js_1.fail)(-got)[1]];
    return [got];
}
