//! The native reference: a single-threaded, edge-triggered mio TCP echo
//! server on 127.0.0.1. Each readiness event drains the socket (reads until
//! `WouldBlock`) and writes every chunk straight back; bytes the kernel will
//! not take yet wait in a per-connection buffer until the socket is writable.
//!
//! Usage: `echo-server [--port N]` (0, the default, lets the OS choose).
//! Prints the port on stdout once it accepts connections.

use mio::net::TcpStream;
use mio::Interest;
use socket2_bench::{
    fail, flag, flush_pending, read_until_blocked, serve_mio, write_some, Drained,
};

struct Connection {
    stream: TcpStream,
    /// Echo bytes the socket did not accept yet, in order.
    pending: Vec<u8>,
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
                pending: Vec::new(),
            })
        },
        |conn: &mut Connection| &mut conn.stream,
        |conn| echo(conn, &mut buf),
    );
    if let Err(e) = served {
        fail(&format!("echo-server: {e}"));
    }
}

/// Handles one event on a connection: flushes what is pending, then echoes
/// everything readable. Returns `false` once the connection is finished.
fn echo(conn: &mut Connection, buf: &mut [u8]) -> bool {
    match flush_pending(&mut conn.stream, &mut conn.pending) {
        Ok(true) => {}
        // Still blocked on writing: a writable event will bring us back, and
        // reading resumes then (its edge is not lost, the data stays queued).
        Ok(false) => return true,
        Err(_) => return false,
    }
    let Connection { stream, pending } = conn;
    let outcome = read_until_blocked(stream, buf, |stream, chunk| {
        let written = write_some(stream, chunk)?;
        if written < chunk.len() {
            pending.extend_from_slice(&chunk[written..]);
            return Ok(false);
        }
        Ok(true)
    });
    matches!(outcome, Ok(Drained::Empty))
}
