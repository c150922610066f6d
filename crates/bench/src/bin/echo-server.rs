//! The native reference: a single-threaded, edge-triggered mio TCP echo
//! server on 127.0.0.1. Each readiness event drains the socket (reads until
//! `WouldBlock`) and writes every chunk straight back; bytes the kernel will
//! not take yet wait in a per-connection buffer until the socket is writable.
//!
//! Usage: `echo-server [--port N]` (0, the default, lets the OS choose).
//! Prints the port on stdout once it accepts connections.

use std::io::{self, Write};
use std::net::SocketAddr;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use socket2_bench::{fail, flag, read_until_blocked, write_some, Drained};

const LISTENER: Token = Token(usize::MAX);

struct Connection {
    stream: TcpStream,
    /// Echo bytes the socket did not accept yet, in order.
    pending: Vec<u8>,
}

fn main() {
    let port: u16 = flag("port", 0);
    if let Err(e) = serve(port) {
        fail(&format!("echo-server: {e}"));
    }
}

fn serve(port: u16) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;

    let mut connections: Vec<Option<Connection>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                accept_all(&listener, &poll, &mut connections, &mut free)?;
                continue;
            }
            let slot = event.token().0;
            let Some(conn) = connections.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            if !echo(conn, &mut buf) {
                if let Some(mut conn) = connections[slot].take() {
                    // Deregistering can only fail if it was never registered.
                    let _ = poll.registry().deregister(&mut conn.stream);
                }
                free.push(slot);
            }
        }
    }
}

fn accept_all(
    listener: &TcpListener,
    poll: &Poll,
    connections: &mut Vec<Option<Connection>>,
    free: &mut Vec<usize>,
) -> io::Result<()> {
    loop {
        let (mut stream, _) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        stream.set_nodelay(true)?;
        let slot = free.pop().unwrap_or_else(|| {
            connections.push(None);
            connections.len() - 1
        });
        poll.registry().register(
            &mut stream,
            Token(slot),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        connections[slot] = Some(Connection {
            stream,
            pending: Vec::new(),
        });
    }
}

/// Handles one event on a connection: flushes what is pending, then echoes
/// everything readable. Returns `false` once the connection is finished.
fn echo(conn: &mut Connection, buf: &mut [u8]) -> bool {
    match flush(conn) {
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

/// Writes the pending bytes; `Ok(true)` when none are left.
fn flush(conn: &mut Connection) -> io::Result<bool> {
    if conn.pending.is_empty() {
        return Ok(true);
    }
    let written = write_some(&mut conn.stream, &conn.pending)?;
    conn.pending.drain(..written);
    Ok(conn.pending.is_empty())
}
