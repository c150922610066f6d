"use strict";
// The native addon (crates/binding) as every other module imports it: napi-rs's
// generated loader, `binding.js`, re-exported after `native-load.ts` has
// loaded it or thrown a readable error.
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
var __exportStar = (this && this.__exportStar) || function(m, exports) {
    for (var p in m) if (p !== "default" && !Object.prototype.hasOwnProperty.call(exports, p)) __createBinding(exports, m, p);
};
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
exports.send = exports.recv = void 0;
require("./native-load.js");
__exportStar(require("../binding.js"), exports);
const binding = __importStar(require("../binding.js"));
/**
 * `recv(2)` into `buf[0..maxlen]`: a byte count (0 on a stream: the peer
 * closed), `WOULD_BLOCK`, `CLOSED`, `DETACHED` (the buffer is shorter than
 * `maxlen`: detached while the call waited; nothing moved), or a negated OS
 * error code. `recv` and `send` are raw Node-API functions (crates/binding
 * `hot.rs`), so napi-rs generates no typings for them.
 */
exports.recv = binding.recv;
/** `send(2)` from `buf[0..maxlen]`; results as for {@link recv}. */
exports.send = binding.send;
