//! mio alone, none of our code: one thread waits in `Poll::poll` for a TCP
//! socket to become readable while another calls `shutdown(Read)` on it, as
//! our poller-thread driver does with `shutdown('r')` on a socket a coroutine waits
//! on. Prints how long `shutdown` took and whether the poll woke.
//!
//!   cargo run -p socket2-core --example mio_shutdown_read

use std::net::Shutdown;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

fn main() -> std::io::Result<()> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    let _peer = std::net::TcpStream::connect(listener.local_addr()?)?;
    let (accepted, _) = listener.accept()?;
    accepted.set_nonblocking(true)?;
    let mut stream = TcpStream::from_std(accepted);
    let mut poll = Poll::new()?;
    poll.registry()
        .register(&mut stream, Token(0), Interest::READABLE)?;
    let (tx, rx) = mpsc::channel();
    let poller = std::thread::spawn(move || {
        let mut events = Events::with_capacity(4);
        let started = Instant::now();
        let woke =
            poll.poll(&mut events, Some(Duration::from_secs(3))).is_ok() && !events.is_empty();
        tx.send((woke, started.elapsed())).unwrap();
    });
    std::thread::sleep(Duration::from_millis(200));
    let started = Instant::now();
    let result = stream.shutdown(Shutdown::Read);
    println!(
        "mio_shutdown_read: shutdown(Read) = {result:?} after {} ms",
        started.elapsed().as_millis()
    );
    let (woke, after) = rx.recv().unwrap();
    println!(
        "mio_shutdown_read: the waiting poll {} after {} ms",
        if woke {
            "woke with an event"
        } else {
            "got no event"
        },
        after.as_millis()
    );
    poller.join().unwrap();
    Ok(())
}
