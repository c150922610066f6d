"use strict";
// Socket descriptors: what `detach()` and `share()` return and `adopt()`
// takes. A plain object of strings and numbers, so it survives
// `postMessage` (structured clone) and even JSON; the socket itself waits
// in the native hand-off table under `token` (crates/core `handoff.rs`)
// until one thread adopts it, exactly once.
Object.defineProperty(exports, "__esModule", { value: true });
exports.DESCRIPTOR_KIND = void 0;
exports.makeDescriptor = makeDescriptor;
exports.isDescriptor = isDescriptor;
exports.DESCRIPTOR_KIND = 'socket2.descriptor';
function makeDescriptor(token, type, family, protocol) {
    return { kind: exports.DESCRIPTOR_KIND, pid: process.pid, token, type, family, protocol };
}
/** True for something shaped like a {@link SocketDescriptor} (whatever its token). */
function isDescriptor(value) {
    if (typeof value !== 'object' || value === null)
        return false;
    const d = value;
    return (d.kind === exports.DESCRIPTOR_KIND &&
        typeof d.pid === 'number' &&
        typeof d.token === 'number' &&
        Number.isSafeInteger(d.token) &&
        d.token > 0 &&
        (d.type === 'tcp' || d.type === 'udp' || d.type === 'raw') &&
        (d.family === 'inet' || d.family === 'inet6' || d.family === 'unix') &&
        typeof d.protocol === 'string');
}
