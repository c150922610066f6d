//! A native load generator for the echo benchmark: `--connections` TCP
//! connections to 127.0.0.1:`--port`, each in a ping-pong loop (send a
//! `--size`-byte message, wait until all of it has been echoed, repeat),
//! all driven by one edge-triggered mio poller on one thread.
//!
//! After `--warmup` seconds it prints `measuring` on a line of its own,
//! counts completed round trips for `--duration` seconds and prints one
//! JSON line: `{"connections":N,"round_trips":R,"seconds":S,"rate":R/S}`.
//! The two lines mark the measured window for whoever watches the server
//! meanwhile (e.g. its CPU time).

use std::io::{self, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};
use socket2_bench::{fail, flag, read_until_blocked, write_some, Drained};

struct Connection {
    stream: TcpStream,
    /// Bytes of the current message written so far.
    sent: usize,
    /// Bytes of the current message's echo received so far.
    received: usize,
}

struct Settings {
    port: u16,
    connections: usize,
    size: usize,
    warmup: f64,
    duration: f64,
}

fn main() {
    let settings = Settings {
        port: flag("port", 0),
        connections: flag("connections", 64),
        size: flag("size", 64),
        warmup: flag("warmup", 1.0),
        duration: flag("duration", 3.0),
    };
    if settings.port == 0 || settings.connections == 0 || settings.size == 0 {
        fail(
            "usage: loadgen --port N [--connections N] [--size BYTES] [--warmup S] [--duration S]",
        );
    }
    if !(settings.duration > 0.0 && settings.warmup >= 0.0) {
        fail("loadgen: --duration must be > 0 and --warmup >= 0");
    }
    match run(&settings) {
        Ok(counted) => println!(
            "{{\"connections\":{},\"round_trips\":{},\"seconds\":{:.6},\"rate\":{:.1}}}",
            settings.connections,
            counted.round_trips,
            counted.seconds,
            counted.round_trips as f64 / counted.seconds,
        ),
        Err(e) => fail(&format!("loadgen: {e}")),
    }
}

/// What a run counted.
struct Counted {
    /// Round trips finished in the measured window.
    round_trips: u64,
    /// The measured window's length.
    seconds: f64,
}

/// Runs the load and counts round trips.
fn run(settings: &Settings) -> io::Result<Counted> {
    let mut poll = Poll::new()?;
    let target = SocketAddr::from(([127, 0, 0, 1], settings.port));
    let message = vec![0x5au8; settings.size];
    let mut connections = Vec::with_capacity(settings.connections);
    for slot in 0..settings.connections {
        let stream = std::net::TcpStream::connect(target)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        let mut stream = TcpStream::from_std(stream);
        poll.registry().register(
            &mut stream,
            Token(slot),
            Interest::READABLE | Interest::WRITABLE,
        )?;
        connections.push(Connection {
            stream,
            sent: 0,
            received: 0,
        });
    }
    for conn in &mut connections {
        send_rest(conn, &message)?;
    }

    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(settings.warmup);
    let measure_to = measure_from + Duration::from_secs_f64(settings.duration);
    let mut completed: u64 = 0;
    let mut window: Option<(Instant, u64)> = None;
    let mut events = Events::with_capacity(1024);
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        if let Err(e) = poll.poll(&mut events, Some(Duration::from_millis(10))) {
            if e.kind() != io::ErrorKind::Interrupted {
                return Err(e);
            }
        }
        for event in events.iter() {
            let conn = &mut connections[event.token().0];
            completed += on_event(conn, &message, &mut buf)?;
        }
        let now = Instant::now();
        match window {
            None if now >= measure_from => {
                window = Some((now, completed));
                println!("measuring");
                io::stdout().flush()?;
            }
            Some((from, at_start)) if now >= measure_to => {
                return Ok(Counted {
                    round_trips: completed - at_start,
                    seconds: (now - from).as_secs_f64(),
                });
            }
            _ => {}
        }
    }
}

/// Continues a connection's ping-pong; returns the round trips it finished.
fn on_event(conn: &mut Connection, message: &[u8], buf: &mut [u8]) -> io::Result<u64> {
    send_rest(conn, message)?;
    let size = message.len();
    let mut finished = 0;
    let Connection {
        stream,
        sent,
        received,
    } = conn;
    let drained = read_until_blocked(stream, buf, |stream, chunk| {
        *received += chunk.len();
        if *received > *sent {
            return Err(io::Error::other(
                "the server echoed bytes it was never sent",
            ));
        }
        if *received == size {
            finished += 1;
            *received = 0;
            *sent = write_some(stream, message)?;
        }
        Ok(true)
    })?;
    match drained {
        Drained::Empty => Ok(finished),
        Drained::Closed => Err(io::Error::other("the server closed a connection")),
    }
}

/// Writes what is left of the current message, as far as the socket takes it.
fn send_rest(conn: &mut Connection, message: &[u8]) -> io::Result<()> {
    if conn.sent < message.len() {
        conn.sent += write_some(&mut conn.stream, &message[conn.sent..])?;
    }
    Ok(())
}
