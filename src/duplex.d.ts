import { Duplex } from 'node:stream';
import type { ErrorName } from './result.js';
import { type TcpSocket } from './socket.js';
/** Options of {@link SocketDuplex} (`tcp.toDuplex(options)`). */
export interface SocketDuplexOptions {
    /**
     * Keep the writable side open after the peer's FIN ('end'): `false` (the
     * default, as `node:net`) ends ours too; `true` leaves that to you.
     */
    allowHalfOpen?: boolean;
    /** Bytes the readable side buffers before it stops receiving (default 64 KiB). */
    readableHighWaterMark?: number;
    /** Bytes the writable side buffers before `write()` returns false (default 64 KiB). */
    writableHighWaterMark?: number;
    /** Both high-water marks at once. */
    highWaterMark?: number;
    /** Destroy when both sides are done (default true, as `node:net`). */
    autoDestroy?: boolean;
    /** Idle timeout in milliseconds, as `setTimeout(ms)` (0: none). */
    timeout?: number;
    /** An `AbortSignal` that destroys the duplex. */
    signal?: AbortSignal;
}
/** Options of {@link connectDuplex}: where to connect, plus {@link SocketDuplexOptions}. */
export interface ConnectDuplexOptions extends SocketDuplexOptions {
    /** Host name or IP (default `'localhost'`). */
    host?: string | null;
    port?: number | string | null;
    /** A Unix socket path (or `@abstract` name): a Unix stream connection. */
    path?: string | null;
    /** `'inet'`/`4` or `'inet6'`/`6` (default, or 0: IPv6 for an IPv6 literal, else IPv4). */
    family?: 'inet' | 'inet6' | number | null;
    /** `TCP_NODELAY` once connected. */
    noDelay?: boolean;
    /** TCP keep-alive once connected, with `keepAliveInitialDelay` ms before the first probe. */
    keepAlive?: boolean;
    keepAliveInitialDelay?: number;
}
/**
 * The `Error` a duplex emits for a failed socket call: `code` is socket2's
 * error name (`'connection_reset'`, `'connection_refused'`, `'timeout'`, …),
 * `errno` the OS error number where there is one, `syscall` the call.
 */
export interface SocketDuplexError extends Error {
    code: ErrorName;
    errno?: number;
    syscall: string;
}
/** An `Error` for a socket2 failure tuple, with the name as its `code`. */
export declare function duplexError(err: ErrorName, errno: number | undefined, syscall: string): SocketDuplexError;
/**
 * A `node:stream` Duplex over a socket2 stream socket (TCP or Unix), with the
 * parts of `net.Socket` that `node:http`, `node:tls` and clients use:
 * addresses, `setNoDelay`, `setKeepAlive`, `setTimeout`/'timeout',
 * `ref`/`unref`, `bytesRead`/`bytesWritten`, `connecting`/'connect',
 * `destroySoon`. Made by `tcp.toDuplex()` or {@link connectDuplex}.
 */
export declare class SocketDuplex extends Duplex {
    /** The socket this duplex owns (closed when the duplex is destroyed). */
    readonly socket: TcpSocket;
    /** True while a {@link connectDuplex} connection is being set up. */
    connecting: boolean;
    /** Bytes received so far. */
    bytesRead: number;
    /** Bytes sent so far (the socket accepted them). */
    private sent;
    /** The idle timeout in ms (0: none), as set by {@link setTimeout}. */
    timeout: number;
    private readonly state;
    private readonly family;
    private buf;
    private readSize;
    /** A recv or a readability wait is under way. */
    private reading;
    /** The stream wants data (`_read` called, not yet satisfied). */
    private wanted;
    private eof;
    private refed;
    /** Our pending read is counted as not keeping the process alive (see {@link unref}). */
    private unrefCounted;
    private afterConnect;
    private timer;
    /** When {@link timer} fires (performance.now() ms). */
    private timerDue;
    private lastActive;
    private peer;
    private local;
    constructor(socket: TcpSocket, options?: SocketDuplexOptions);
    _read(): void;
    /** Receives the next chunk, first waiting (bufferless) for readability. */
    private readMore;
    /**
     * An unref'd duplex's read (its readability wait, or a recv that waits)
     * does not keep the process alive: counted from start to end.
     */
    private countUnref;
    private uncountUnref;
    private readonly onReadable;
    private readonly onRecv;
    private readonly onReadFailure;
    _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void;
    _writev(chunks: Array<{
        chunk: Buffer;
        encoding: BufferEncoding;
    }>, callback: (error?: Error | null) => void): void;
    private sendChunk;
    _final(callback: (error?: Error | null) => void): void;
    _destroy(error: Error | null, callback: (error?: Error | null) => void): void;
    private closeNow;
    /** Ends the writable side, and destroys once everything is written (as `net.Socket`). */
    destroySoon(): void;
    private deferUntilConnected;
    /** Runs what waited for the connection (after a failure, they see it closed). */
    private connected;
    /** `'opening'`, `'open'`, `'readOnly'`, `'writeOnly'` or `'closed'`, as `net.Socket`. */
    get readyState(): 'opening' | 'open' | 'readOnly' | 'writeOnly' | 'closed';
    /** True until connected, as `net.Socket#pending`. */
    get pending(): boolean;
    /** Bytes sent plus bytes still queued to send, as `net.Socket#bytesWritten`. */
    get bytesWritten(): number;
    get remoteAddress(): string | undefined;
    get remotePort(): number | undefined;
    get remoteFamily(): string | undefined;
    get localAddress(): string | undefined;
    get localPort(): number | undefined;
    get localFamily(): string | undefined;
    /** `{ address, family, port }` of our end, as `net.Socket#address()` (`{}` for Unix sockets). */
    address(): {
        address?: string;
        family?: string;
        port?: number;
    };
    private peerInfo;
    private localInfo;
    /** The address as `net.Socket` shows it, or null while it cannot be known yet. */
    private addressOf;
    /** `TCP_NODELAY` (default on), as `net.Socket#setNoDelay`; a no-op on Unix sockets. */
    setNoDelay(noDelay?: boolean): this;
    /**
     * TCP keep-alive, as `net.Socket#setKeepAlive`: `initialDelay` ms of idle
     * before the first probe (rounded up to whole seconds; 0 keeps the OS's).
     */
    setKeepAlive(enable?: boolean, initialDelay?: number): this;
    private whenOpen;
    /**
     * Emits 'timeout' after `ms` without reads or writes, as
     * `net.Socket#setTimeout` (the duplex stays open; 0 turns it off). The
     * timer does not keep the process alive.
     */
    setTimeout(ms: number, callback?: () => void): this;
    /** Activity (bytes in or out, connected): the idle period starts again. */
    private touch;
    private armTimer;
    private readonly onTimer;
    private clearTimer;
    /** Lets the process exit while this duplex only waits for data, as `net.Socket#unref`. */
    unref(): this;
    /** Undoes {@link unref}. */
    ref(): this;
}
/** `tcp.toDuplex(options)`: the duplex that owns `socket` from now on. */
export declare function toDuplex(socket: TcpSocket, options?: SocketDuplexOptions): SocketDuplex;
/**
 * Opens a socket2 connection as a {@link SocketDuplex}, returned at once
 * (`connecting` until 'connect'; writes wait for it), the way
 * `net.createConnection(options)` does: a drop-in `createConnection` for
 * `http.Agent`. Failures (`'connection_refused'`, …) are 'error' events.
 */
export declare function connectDuplex(options: ConnectDuplexOptions, onConnect?: () => void): SocketDuplex;
