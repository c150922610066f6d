//! The load of the accept benchmark: opens TCP connections to
//! 127.0.0.1:`--port` as fast as the server takes them, `--concurrency` at a
//! time (default 32), from one thread with one mio poller.
//!
//! Each connection: a non-blocking `connect`, one byte sent once it is
//! connected, then a wait until the server closes it (`read` returns 0, or
//! an error); it is then closed with `SO_LINGER` 0 (a RST, so neither side
//! keeps it in `TIME_WAIT` and the ephemeral ports of 127.0.0.1 never run
//! out), counted, and replaced by a new one.
//!
//! After `--warmup` seconds it prints `measuring`, counts the connections
//! completed in the next `--duration` seconds and prints
//! `{"connections":N,"errors":E,"seconds":S,"rate":N/S}` (`errors`: connect
//! or read failures in the window, not counted as connections).

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::time::Duration;

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use socket2::{Domain, Socket, Type};
use socket2_bench::{fail, flag, Phase, Window};

struct Connection {
    stream: TcpStream,
    /// The byte went out.
    sent: bool,
}

fn main() {
    let port: u16 = flag("port", 0);
    let concurrency: usize = flag("concurrency", 32);
    let warmup: f64 = flag("warmup", 1.0);
    let duration: f64 = flag("duration", 3.0);
    if port == 0 || concurrency == 0 || !(duration > 0.0 && warmup >= 0.0) {
        fail("usage: connector --port N [--concurrency N] [--warmup S] [--duration S]");
    }
    let target = SocketAddr::from(([127, 0, 0, 1], port));
    match run(target, concurrency, Window::new(warmup, duration)) {
        Ok((connections, errors, seconds)) => println!(
            "{{\"connections\":{connections},\"errors\":{errors},\"seconds\":{seconds:.6},\"rate\":{:.1}}}",
            connections as f64 / seconds
        ),
        Err(e) => fail(&format!("connector: {e}")),
    }
}

/// A new connection to `target` in `slot`, registered with `poll`.
fn open(poll: &Poll, target: SocketAddr, slot: usize) -> io::Result<Connection> {
    let mut stream = connect(target)?;
    poll.registry().register(
        &mut stream,
        Token(slot),
        Interest::READABLE | Interest::WRITABLE,
    )?;
    Ok(Connection {
        stream,
        sent: false,
    })
}

/// A new non-blocking connection to `target`, closed with a RST when dropped.
fn connect(target: SocketAddr) -> io::Result<TcpStream> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None)?;
    socket.set_linger(Some(Duration::ZERO))?;
    socket.set_nonblocking(true)?;
    match socket.connect(&target.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(TcpStream::from_std(socket.into()))
}

/// Runs the load; returns (connections completed, errors, seconds) in the window.
fn run(target: SocketAddr, concurrency: usize, mut window: Window) -> io::Result<(u64, u64, f64)> {
    let mut poll = Poll::new()?;
    let mut slots = (0..concurrency)
        .map(|slot| open(&poll, target, slot))
        .collect::<io::Result<Vec<_>>>()?;
    let (mut completed, mut errors) = (0u64, 0u64);
    let mut errors_at_open = None;
    let mut events = Events::with_capacity(1024);
    loop {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(10))) {
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        for event in events.iter() {
            let slot = event.token().0;
            match step(&mut slots[slot]) {
                Ok(false) => continue,
                Ok(true) => completed += 1,
                Err(_) => errors += 1,
            }
            // Dropping the old stream closes it (a RST: linger 0).
            drop(std::mem::replace(
                &mut slots[slot],
                open(&poll, target, slot)?,
            ));
        }
        if let Phase::Done { count, seconds } = window.check(completed)? {
            return Ok((count, errors - errors_at_open.unwrap_or(0), seconds));
        }
        if window.is_open() && errors_at_open.is_none() {
            errors_at_open = Some(errors);
        }
    }
}

/// Moves one connection on: sends its byte once connected, and reads until
/// the server's close. `Ok(true)` when the server closed it.
fn step(conn: &mut Connection) -> io::Result<bool> {
    if !conn.sent {
        if let Some(e) = conn.stream.take_error()? {
            return Err(e);
        }
        match conn.stream.write(b"x") {
            Ok(_) => conn.sent = true,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            // Not connected yet: the writable event that follows says when.
            Err(e) if e.kind() == io::ErrorKind::NotConnected => return Ok(false),
            Err(e) => return Err(e),
        }
    }
    let mut buf = [0u8; 16];
    loop {
        match conn.stream.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
