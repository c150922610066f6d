//! mio alone, none of our code: moves 16 MB over a loopback TCP connection
//! with both ends non-blocking on one `Poll`, reading and writing until
//! `WouldBlock` after every event, as mio documents. Then the writer closes
//! and the reader must see EOF. Prints how far it got and exits 1 if a wait
//! of 5 s brought no event (a lost wake-up).
//!
//! scripts/test-windows.sh --repro runs it under Wine, next to
//! scripts/wine/repro.c: it tells Wine's AFD polling from our reactor.
//!
//!   cargo run -p socket2-core --example mio_transfer

use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};

const TOTAL: usize = 16 << 20;
const READER: Token = Token(0);
const WRITER: Token = Token(1);

fn main() -> io::Result<()> {
    let mut poll = Poll::new()?;
    let mut events = Events::with_capacity(16);
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let connected = std::net::TcpStream::connect(addr)?;
    connected.set_nonblocking(true)?;
    let mut writer = TcpStream::from_std(connected);
    let (accepted, _) = listener.accept()?;
    accepted.set_nonblocking(true)?;
    writer.set_nodelay(true)?;
    let mut reader = TcpStream::from_std(accepted);
    drop(TcpListener::from_std(listener));
    poll.registry()
        .register(&mut reader, READER, Interest::READABLE)?;
    poll.registry()
        .register(&mut writer, WRITER, Interest::WRITABLE)?;

    let out = vec![7u8; 64 * 1024];
    let mut buf = vec![0u8; 64 * 1024];
    let (mut sent, mut received, mut eof) = (0usize, 0usize, false);
    let mut writer = Some(writer);
    let started = Instant::now();
    while !eof {
        poll.poll(&mut events, Some(Duration::from_secs(5)))?;
        if events.is_empty() {
            println!(
                "mio_transfer: STALLED: no event for 5 s with {sent} of {TOTAL} bytes sent, {received} received, eof {eof}"
            );
            std::process::exit(1);
        }
        for event in events.iter() {
            match event.token() {
                WRITER => {
                    while let Some(w) = writer.as_mut() {
                        if sent == TOTAL {
                            // Close: the reader must see EOF after the data.
                            writer = None;
                            break;
                        }
                        let n = (TOTAL - sent).min(out.len());
                        match w.write(&out[..n]) {
                            Ok(n) => sent += n,
                            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                            Err(e) => return Err(e),
                        }
                    }
                }
                READER => loop {
                    match reader.read(&mut buf) {
                        Ok(0) => {
                            eof = true;
                            break;
                        }
                        Ok(n) => received += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                },
                _ => unreachable!(),
            }
        }
    }
    println!(
        "mio_transfer: ok: {received} of {TOTAL} bytes, then EOF, in {} ms",
        started.elapsed().as_millis()
    );
    Ok(())
}
