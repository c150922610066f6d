//! The native reference of the plain HTTP/1.1 benchmark: a single-threaded,
//! edge-triggered mio server answering keep-alive requests the way
//! `bench/servers/http-plain.js` does (the same parsing: request line,
//! Content-Length, Connection, chunked bodies refused; the same responses:
//! `GET /` → "hello, world\n", POST/PUT → the body's length, 404/405/400).
//! Each event drains the socket, answers every complete request with one
//! write, and keeps an incomplete request's bytes for the next event.
//!
//! Usage: `http-server [--port N]` (0, the default, lets the OS choose).
//! Prints the port on stdout once it accepts connections.

use std::io;

use mio::net::TcpStream;
use mio::Interest;
use socket2_bench::{
    fail, flag, flush_pending, read_until_blocked, serve_mio, write_some, Drained,
};

/// Longest request head accepted, as the JavaScript servers'.
const MAX_HEAD_BYTES: usize = 16 * 1024;
const HELLO: &[u8] = b"hello, world\n";
/// The commonest response, built once (the JavaScript servers cache their heads too).
const HELLO_RESPONSE: &[u8] =
    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\nhello, world\n";

struct Connection {
    stream: TcpStream,
    /// Bytes of requests not complete yet.
    input: Vec<u8>,
    /// Response bytes the socket did not accept yet, in order.
    output: Vec<u8>,
    /// Close once `output` is sent.
    closing: bool,
}

fn main() {
    let port: u16 = flag("port", 0);
    let mut buf = vec![0u8; 64 * 1024];
    let served = serve_mio(
        port,
        Interest::READABLE | Interest::WRITABLE,
        |stream| {
            stream.set_nodelay(true)?;
            Ok(Connection {
                stream,
                input: Vec::new(),
                output: Vec::new(),
                closing: false,
            })
        },
        |conn: &mut Connection| &mut conn.stream,
        |conn| serve(conn, &mut buf).unwrap_or(false),
    );
    if let Err(e) = served {
        fail(&format!("http-server: {e}"));
    }
}

/// Handles one event: flushes pending output, then reads and answers every
/// complete request. `Ok(false)` once the connection is finished.
fn serve(conn: &mut Connection, buf: &mut [u8]) -> io::Result<bool> {
    if !flush_pending(&mut conn.stream, &mut conn.output)? {
        // Still blocked on writing: the writable event brings us back, and
        // the readable edge is not lost (the bytes stay queued).
        return Ok(true);
    }
    if conn.closing {
        return Ok(false);
    }
    let Connection {
        stream,
        input,
        output,
        closing,
    } = conn;
    let drained = read_until_blocked(stream, buf, |stream, chunk| {
        // The usual case (nothing kept) parses the chunk where it lies.
        if input.is_empty() {
            let consumed = handle_requests(chunk, output, closing);
            input.extend_from_slice(&chunk[consumed..]);
        } else {
            input.extend_from_slice(chunk);
            let consumed = handle_requests(input, output, closing);
            input.drain(..consumed);
        }
        if input.len() > 2 * MAX_HEAD_BYTES {
            *closing = true;
        }
        if !output.is_empty() {
            let written = write_some(stream, output)?;
            output.drain(..written);
        }
        Ok(output.is_empty() && !*closing)
    })?;
    if matches!(drained, Drained::Closed) {
        return Ok(false);
    }
    Ok(!(conn.closing && conn.output.is_empty()))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Appends the responses to the complete requests at the start of `buf` to
/// `out`; returns the bytes they took. Sets `close` after a request that
/// asked for it or a malformed one (nothing after it is parsed).
fn handle_requests(buf: &[u8], out: &mut Vec<u8>, close: &mut bool) -> usize {
    let mut at = 0;
    while at < buf.len() && !*close {
        let rest = &buf[at..];
        let Some(head_end) = find(rest, b"\r\n\r\n") else {
            if rest.len() > MAX_HEAD_BYTES {
                reject(out, close);
            }
            break;
        };
        let head = &rest[..head_end];
        let mut lines = head
            .split(|&b| b == b'\n')
            .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        let request_line = lines.next().unwrap_or_default();
        let mut parts = request_line.splitn(3, |&b| b == b' ');
        let (Some(method), Some(path), Some(_version)) = (parts.next(), parts.next(), parts.next())
        else {
            reject(out, close);
            break;
        };
        let mut content_length = 0usize;
        let mut malformed = false;
        let mut wants_close = false;
        for line in lines {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                malformed = true;
                break;
            };
            let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            if name.eq_ignore_ascii_case(b"content-length") {
                match std::str::from_utf8(value).ok().and_then(|v| v.parse().ok()) {
                    Some(n) => content_length = n,
                    None => malformed = true,
                }
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                malformed = true;
            } else if name.eq_ignore_ascii_case(b"connection") {
                wants_close = value.len() >= 5 && value[..5].eq_ignore_ascii_case(b"close");
            }
        }
        if malformed {
            reject(out, close);
            break;
        }
        let body_start = head_end + 4;
        if rest.len() - body_start < content_length {
            break;
        }
        respond(method, path, content_length, wants_close, out);
        at += body_start + content_length;
        *close = wants_close;
    }
    at
}

fn respond(method: &[u8], path: &[u8], body_length: usize, close: bool, out: &mut Vec<u8>) {
    match method {
        b"GET" if path == b"/" && !close => out.extend_from_slice(HELLO_RESPONSE),
        b"GET" if path == b"/" => write_response(out, 200, "OK", HELLO, close),
        b"GET" => write_response(out, 404, "Not Found", b"", close),
        b"POST" | b"PUT" => {
            write_response(out, 200, "OK", format!("{body_length}\n").as_bytes(), close)
        }
        _ => write_response(out, 405, "Method Not Allowed", b"", close),
    }
}

fn reject(out: &mut Vec<u8>, close: &mut bool) {
    write_response(out, 400, "Bad Request", b"", true);
    *close = true;
}

fn write_response(out: &mut Vec<u8>, status: u16, reason: &str, body: &[u8], close: bool) {
    use std::io::Write;
    let connection = if close { "Connection: close\r\n" } else { "" };
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n{connection}\r\n",
        body.len()
    );
    out.extend_from_slice(body);
}
