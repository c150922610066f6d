//! The bulk side of the fairness benchmark: one TCP connection to
//! 127.0.0.1:`--port` that keeps the server busy for `--seconds`.
//!
//! `--direction in` sends the role byte `B`, then 64 KiB blocks as fast as
//! the server reads them; `--direction out` sends `S` and reads (and drops)
//! whatever the server sends. Plain blocking `write(2)`/`read(2)` on one
//! thread: the kernel's flow control paces it, and it needs no poller.
//! With `--warmup W` the first `W` seconds are not counted: it prints
//! `measuring` when the counted `--seconds` begin (the bulk benchmark reads
//! the server's CPU time then). Prints `{"bytes":N,"seconds":S}` at the end:
//! the bytes moved in the counted window and its length.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use socket2_bench::{fail, flag, Phase, Window};

const BLOCK: usize = 64 * 1024;

fn main() {
    let port: u16 = flag("port", 0);
    let direction: String = flag("direction", String::from("in"));
    let seconds: f64 = flag("seconds", 5.0);
    let warmup: f64 = flag("warmup", 0.0);
    if port == 0
        || seconds.is_nan()
        || seconds <= 0.0
        || warmup.is_nan()
        || warmup < 0.0
        || (direction != "in" && direction != "out")
    {
        fail("usage: blaster --port N [--direction in|out] [--seconds S] [--warmup S]");
    }
    let mut stream =
        TcpStream::connect(("127.0.0.1", port)).unwrap_or_else(|e| fail(&format!("connect: {e}")));
    let role: &[u8] = if direction == "in" { b"B" } else { b"S" };
    stream
        .write_all(role)
        .unwrap_or_else(|e| fail(&format!("write: {e}")));
    // Blocking calls wake at least this often to check the clock.
    let tick = Some(Duration::from_millis(100));
    stream.set_read_timeout(tick).ok();
    stream.set_write_timeout(tick).ok();
    let mut window = Window::new(warmup, seconds);
    let mut block = vec![0x62u8; BLOCK];
    let mut bytes = 0u64;
    let (bytes, seconds) = loop {
        match window.check(bytes) {
            Ok(Phase::Done { count, seconds }) => break (count, seconds),
            Ok(Phase::Running) => {}
            Err(e) => fail(&format!("blaster: {e}")),
        }
        let moved = if direction == "in" {
            stream.write(&block)
        } else {
            stream.read(&mut block)
        };
        match moved {
            Ok(0) => fail("blaster: the server closed the connection"),
            Ok(n) => bytes += n as u64,
            Err(e)
                if e.kind() == std::io::ErrorKind::WouldBlock
                    || e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => fail(&format!("blaster: {e}")),
        }
    };
    println!("{{\"bytes\":{bytes},\"seconds\":{seconds:.3}}}");
}
