//! Shared pieces of the benchmark binaries: command-line flags and the
//! edge-triggered "read until it would block" step both tools rely on.

use std::io::{self, Read, Write};
use std::str::FromStr;

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
