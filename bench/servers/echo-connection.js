// One echo connection, as the socket2 echo servers serve it (socket2-echo.js
// on Node, runtime-echo.mjs on Bun and Deno): a coroutine with one reusable
// buffer, echoing with `recv`/`sendall`.
'use strict'

// Per connection, so it stays small: 256 connections × 64 KiB would be
// 16 MiB of buffers, far past the CPU caches (the mio reference shares one
// 64 KiB buffer among all its connections; node:net reads into one per loop).
const BUFFER_BYTES = 16 * 1024

async function serveConnection(conn) {
  // TCP_NODELAY, as the other servers set it (no effect on one message in flight).
  conn.setopt('nodelay', true)
  const buf = new Uint8Array(BUFFER_BYTES)
  for (;;) {
    const [n, rerr] = await conn.recv(buf)
    if (rerr !== undefined || n === 0) break
    // sendall: one send in the common case, a loop only when the buffer is full.
    const [, serr] = await conn.sendall(buf, n)
    if (serr !== undefined) break
  }
  conn.close()
}

module.exports = { BUFFER_BYTES, serveConnection }
