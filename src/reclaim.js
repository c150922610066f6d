"use strict";
// Sockets dropped without close() are closed when the garbage collector
// takes them: their native side reports its kernel buffers to V8 as
// external memory (crates/binding `pressure.rs`), so V8 collects them
// before descriptors run out, and the FinalizationRegistry in socket.ts
// closes them on a later turn of the event loop.
//
// A loop that opens sockets without ever yielding to the event loop gives
// those finalizers no turn to run in. So when socket() or accept() fails
// for want of descriptors (or kernel memory: EMFILE, ENFILE, ENOBUFS,
// ENOMEM), this forces a full collection (where the
// runtime allows one) and closes at once every socket whose object it
// took, then the call is tried once more.
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
exports.opened = opened;
exports.reclaimed = reclaimed;
const v8 = __importStar(require("node:v8"));
const vm = __importStar(require("node:vm"));
const native = __importStar(require("./native.js"));
let collect;
/** A synchronous full garbage collection, or null where none can be had. */
function fullCollection() {
    const exposed = globalThis.gc;
    if (typeof exposed === 'function')
        return () => exposed();
    const bun = globalThis.Bun;
    if (typeof bun?.gc === 'function')
        return () => bun.gc(true);
    try {
        // V8's gc(), as --expose-gc gives it, in a context of its own: the
        // program's globals stay as they are.
        v8.setFlagsFromString('--expose-gc');
        const gc = vm.runInNewContext('typeof gc === "function" ? gc : undefined');
        if (typeof gc === 'function')
            return () => gc();
    }
    catch {
        // A runtime without it: the finalizers alone must do.
    }
    return null;
}
/** Sockets opened or accepted since the last forced collection. */
let openedSince = Infinity;
/** Counts a socket opened or accepted (see {@link reclaimed}). */
function opened() {
    openedSince++;
}
/**
 * After `code` (a failed native `open` or `accept`): true when it ran out
 * of resources and a full collection closed some unreachable sockets, so
 * the call is worth trying once more. A collection is forced only when
 * sockets were opened since the last one: a server that is simply full
 * (every socket in use) pays for one full GC per episode, not one per
 * failed accept.
 */
function reclaimed(code) {
    if (!native.isOutOfResources(code) || openedSince < RECLAIM_AFTER)
        return false;
    if (collect === undefined)
        collect = fullCollection();
    if (collect === null)
        return false;
    openedSince = 0;
    collect();
    return native.reclaim() > 0;
}
/** How many sockets must have been opened since the last forced collection for another. */
const RECLAIM_AFTER = 32;
