// The request handling of the plain HTTP/1.1 benchmark servers
// (bench/servers/http-plain-server.js): the same parser and responder for
// the socket2 server and the node:net one, so that only the socket layer
// differs between them. No node:http: this is what a user writes who serves
// HTTP from raw sockets (a proxy, a gateway, an embedded server).
//
// It parses requests from a byte range, as they arrive, any number at once
// (pipelining) or in pieces: the request line, the headers (Content-Length,
// Connection, Transfer-Encoding) and a body of Content-Length bytes. For each
// complete request it appends the response, a head and a body buffer, to an
// array the caller sends with one vectored write.
//
//   GET /       200, "hello, world\n" (13 bytes)
//   POST, PUT   200, the request body's length in decimal
//   other       404 (GET of another path), 405 (another method)
// Malformed requests (no request line, a bad Content-Length, chunked
// bodies, heads over 16 KiB) get 400 and the connection is closed.
'use strict'

const CRLF = Buffer.from('\r\n')
const HEAD_END = Buffer.from('\r\n\r\n')
/** Longest request head accepted (as node:http's default is 16 KiB). */
const MAX_HEAD_BYTES = 16 * 1024

const HELLO = Buffer.from('hello, world\n')
const EMPTY = Buffer.alloc(0)

/** Response heads by status and body length, built once each. */
const heads = new Map()

function head(status, reason, length, close) {
  const key = `${status} ${length} ${close}`
  let bytes = heads.get(key)
  if (bytes === undefined) {
    const connection = close ? 'Connection: close\r\n' : ''
    bytes = Buffer.from(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain\r\nContent-Length: ${length}\r\n${connection}\r\n`)
    if (heads.size < 1024) heads.set(key, bytes)
  }
  return bytes
}

/** What {@link handleRequests} found: bytes consumed, and whether to close after sending. */
class Handled {
  constructor() {
    this.consumed = 0
    this.close = false
  }
}

/**
 * Case-insensitive: does `buf[at, at + name.length)` spell `name` (lower case)?
 */
function nameIs(buf, at, end, name) {
  if (end - at < name.length) return false
  for (let i = 0; i < name.length; i++) {
    // ASCII letters only differ by 0x20 in case; the names here have no other letters' neighbours.
    if ((buf[at + i] | 0x20) !== name.charCodeAt(i)) return false
  }
  return true
}

/** The decimal value of `buf[at, end)` without surrounding spaces, or -1 if it is not one. */
function decimal(buf, at, end) {
  while (at < end && buf[at] === 0x20) at++
  while (end > at && buf[end - 1] === 0x20) end--
  if (at === end || end - at > 15) return -1
  let value = 0
  for (let i = at; i < end; i++) {
    const digit = buf[i] - 0x30
    if (digit < 0 || digit > 9) return -1
    value = value * 10 + digit
  }
  return value
}

/**
 * Handles the complete requests in `buf[0, end)`: pushes each one's
 * response (head, body) onto `out`, and sets `handled.consumed` to the
 * bytes they took (an incomplete request at the end is left for the caller
 * to keep and complete) and `handled.close` when the connection must close
 * after the responses (the client asked, or a request was malformed; what
 * follows a malformed request is never parsed).
 */
function handleRequests(buf, end, out, handled) {
  handled.close = false
  let at = 0
  while (at < end) {
    // Buffer#indexOf has no end bound: a match must lie in [at, end).
    const headEnd = buf.indexOf(HEAD_END, at)
    if (headEnd < 0 || headEnd + 4 > end) {
      if (end - at > MAX_HEAD_BYTES) return reject(out, handled, at)
      break
    }
    const lineEnd = buf.indexOf(CRLF, at)
    const firstSpace = buf.indexOf(0x20, at)
    if (firstSpace <= at || firstSpace > lineEnd) return reject(out, handled, at)
    const pathEnd = buf.indexOf(0x20, firstSpace + 1)
    if (pathEnd < 0 || pathEnd > lineEnd) return reject(out, handled, at)
    let contentLength = 0
    let close = false
    // Headers: one per line until the empty line at headEnd.
    for (let line = lineEnd + 2; line < headEnd + 2; ) {
      const next = buf.indexOf(CRLF, line)
      const colon = buf.indexOf(0x3a, line)
      if (colon < 0 || colon > next) return reject(out, handled, at)
      if (nameIs(buf, line, colon, 'content-length') && colon - line === 14) {
        contentLength = decimal(buf, colon + 1, next)
        if (contentLength < 0) return reject(out, handled, at)
      } else if (nameIs(buf, line, colon, 'transfer-encoding') && colon - line === 17) {
        // Chunked bodies are not handled by this small parser: refuse them.
        return reject(out, handled, at)
      } else if (nameIs(buf, line, colon, 'connection') && colon - line === 10) {
        close = nameIs(buf, colon + 1 + (buf[colon + 1] === 0x20 ? 1 : 0), next, 'close')
      }
      line = next + 2
    }
    const bodyStart = headEnd + 4
    if (end - bodyStart < contentLength) break
    respond(buf, at, firstSpace, pathEnd, contentLength, close, out)
    at = bodyStart + contentLength
    if (close) {
      handled.close = true
      break
    }
  }
  handled.consumed = at
  return handled
}

function respond(buf, at, methodEnd, pathEnd, bodyLength, close, out) {
  const method = methodEnd - at
  const isGet = method === 3 && buf[at] === 0x47 && buf[at + 1] === 0x45 && buf[at + 2] === 0x54
  if (isGet) {
    // GET / only.
    if (pathEnd - methodEnd === 2 && buf[methodEnd + 1] === 0x2f) out.push(head(200, 'OK', HELLO.length, close), HELLO)
    else out.push(head(404, 'Not Found', 0, close), EMPTY)
    return
  }
  const isPost = method === 4 && buf.latin1Slice(at, methodEnd) === 'POST'
  const isPut = method === 3 && buf.latin1Slice(at, methodEnd) === 'PUT'
  if (isPost || isPut) {
    const body = Buffer.from(`${bodyLength}\n`)
    out.push(head(200, 'OK', body.length, close), body)
    return
  }
  out.push(head(405, 'Method Not Allowed', 0, close), EMPTY)
}

function reject(out, handled, at) {
  out.push(head(400, 'Bad Request', 0, true), EMPTY)
  handled.consumed = at
  handled.close = true
  return handled
}

module.exports = { handleRequests, Handled, MAX_HEAD_BYTES }
