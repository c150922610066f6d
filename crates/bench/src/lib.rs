//! Shared pieces of the benchmark binaries: command-line flags, the
//! edge-triggered "read until it would block" step, the loop of the mio
//! reference servers, the measured window of a load generator and the
//! `report` protocol of the UDP tools.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

/// The value following `--name` on the command line, parsed; `default` when
/// the flag is absent. Exits with a message when the value does not parse.
pub fn flag<T: FromStr>(name: &str, default: T) -> T {
    let wanted = format!("--{name}");
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        if arg == wanted {
            let Some(value) = args.next() else {
                fail(&format!("{wanted} needs a value"));
            };
            return value
                .parse()
                .unwrap_or_else(|_| fail(&format!("{wanted}: cannot parse {value:?}")));
        }
    }
    default
}

/// Prints `message` to stderr and exits with status 2.
pub fn fail(message: &str) -> ! {
    eprintln!("{message}");
    std::process::exit(2)
}

/// What one edge-triggered read pass found.
pub enum Drained {
    /// Every byte available was read (the last read returned `WouldBlock`).
    Empty,
    /// The peer closed its side (a read returned 0).
    Closed,
}

/// Reads from `source` until it would block or the peer closes, handing
/// every chunk to `chunk`. With edge triggering the socket must be drained
/// this way: no new event arrives for bytes already waiting. `chunk` gets
/// the source back (to answer on it) and returns `false` to stop early (e.g. when it cannot write more); the pass
/// then reports `Empty` and the caller must come back on the next event.
pub fn read_until_blocked<R: Read>(
    source: &mut R,
    buf: &mut [u8],
    mut chunk: impl FnMut(&mut R, &[u8]) -> io::Result<bool>,
) -> io::Result<Drained> {
    loop {
        match source.read(buf) {
            Ok(0) => return Ok(Drained::Closed),
            Ok(n) => {
                if !chunk(source, &buf[..n])? {
                    return Ok(Drained::Empty);
                }
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Drained::Empty),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// Writes as much of `data` as `sink` takes now (stopping at `WouldBlock`);
/// returns how many bytes that was.
pub fn write_some<W: Write>(sink: &mut W, data: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < data.len() {
        match sink.write(&data[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(written)
}

/// Writes what `pending` holds (bytes the socket did not take before) as
/// far as `sink` takes them now, dropping what went; `Ok(true)` when none
/// are left.
pub fn flush_pending<W: Write>(sink: &mut W, pending: &mut Vec<u8>) -> io::Result<bool> {
    if pending.is_empty() {
        return Ok(true);
    }
    let written = write_some(sink, pending)?;
    pending.drain(..written);
    Ok(pending.is_empty())
}

/// A load generator's measured window: `warmup` seconds not counted, then
/// `duration` seconds counted. Entering the window prints `measuring` on a
/// line of its own (the harness reads the server's CPU time then).
pub struct Window {
    from: Instant,
    to: Instant,
    /// When the window opened, and the count then.
    opened: Option<(Instant, u64)>,
}

/// What [`Window::check`] found.
pub enum Phase {
    /// Before or inside the window: go on.
    Running,
    /// The window has closed: `count` in `seconds`.
    Done { count: u64, seconds: f64 },
}

impl Window {
    pub fn new(warmup: f64, duration: f64) -> Window {
        let from = Instant::now() + Duration::from_secs_f64(warmup);
        Window {
            from,
            to: from + Duration::from_secs_f64(duration),
            opened: None,
        }
    }

    /// True once the window has opened.
    pub fn is_open(&self) -> bool {
        self.opened.is_some()
    }

    /// Checks the clock against the window; `count` is the running total of
    /// whatever is measured.
    pub fn check(&mut self, count: u64) -> io::Result<Phase> {
        let now = Instant::now();
        match self.opened {
            None if now >= self.from => {
                self.opened = Some((now, count));
                println!("measuring");
                io::stdout().flush()?;
            }
            Some((opened, at_open)) if now >= self.to => {
                return Ok(Phase::Done {
                    count: count - at_open,
                    seconds: (now - opened).as_secs_f64(),
                })
            }
            _ => {}
        }
        Ok(Phase::Running)
    }
}

/// Answers each `report` line on stdin with `{"count":N}` on stdout, `N` read
/// from `counter` then: how the harness samples a counter at the edges of
/// its measured window. Runs on a thread of its own until stdin closes.
pub fn answer_reports(counter: Arc<AtomicU64>) {
    std::thread::spawn(move || {
        for line in io::stdin().lines() {
            let Ok(line) = line else { break };
            if line.trim() == "report" {
                println!("{{\"count\":{}}}", counter.load(Ordering::Relaxed));
                let _ = io::stdout().flush();
            }
        }
    });
}

/// The token of the listener in [`serve_mio`].
const LISTENER: Token = Token(usize::MAX);

/// A single-threaded, edge-triggered mio server on 127.0.0.1:`port` (0:
/// any): prints its port, accepts every pending connection on each
/// listener event (registered for `interest`, made into a `T` by
/// `accepted`), and hands each event of a connection to `on_event` with
/// the connection; `on_event` returns `false` once it is finished, and it
/// is deregistered and dropped (closed). Runs until an error.
pub fn serve_mio<T>(
    port: u16,
    interest: Interest,
    mut accepted: impl FnMut(TcpStream) -> io::Result<T>,
    stream_of: impl Fn(&mut T) -> &mut TcpStream,
    mut on_event: impl FnMut(&mut T) -> bool,
) -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut listener = TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)?;
    println!("{}", listener.local_addr()?.port());
    io::stdout().flush()?;
    let mut connections: Vec<Option<T>> = Vec::new();
    let mut free: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    loop {
        if let Err(e) = poll.poll(&mut events, None) {
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                loop {
                    let mut stream = match listener.accept() {
                        Ok((stream, _)) => stream,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        // Interrupted, or a connection reset before it was taken.
                        Err(e)
                            if matches!(
                                e.kind(),
                                io::ErrorKind::Interrupted | io::ErrorKind::ConnectionAborted
                            ) =>
                        {
                            continue
                        }
                        Err(e) => return Err(e),
                    };
                    let slot = free.pop().unwrap_or_else(|| {
                        connections.push(None);
                        connections.len() - 1
                    });
                    poll.registry()
                        .register(&mut stream, Token(slot), interest)?;
                    connections[slot] = Some(accepted(stream)?);
                }
                continue;
            }
            let slot = event.token().0;
            let Some(conn) = connections.get_mut(slot).and_then(Option::as_mut) else {
                continue;
            };
            if !on_event(conn) {
                if let Some(mut conn) = connections[slot].take() {
                    // Deregistering can only fail if it was never registered.
                    let _ = poll.registry().deregister(stream_of(&mut conn));
                }
                free.push(slot);
            }
        }
    }
}
