//! The native reference of the accept benchmark: a single-threaded,
//! edge-triggered mio server on 127.0.0.1 that accepts every pending
//! connection, reads (up to) one byte from each when it is readable, and
//! closes it. What the JavaScript servers (`bench/servers/accept-server.js`)
//! do, without a language runtime.
//!
//! Usage: `accept-server [--port N]`; prints the port once it listens.

use std::io::{self, Read};

use mio::net::TcpStream;
use mio::Interest;
use socket2_bench::{fail, flag, serve_mio};

fn main() {
    let port: u16 = flag("port", 0);
    let served = serve_mio(
        port,
        Interest::READABLE,
        Ok,
        |stream: &mut TcpStream| stream,
        |stream| {
            let mut byte = [0u8; 1];
            // Not readable after all: wait for the next event. Else the
            // byte, the end or an error: done with it either way.
            matches!(stream.read(&mut byte), Err(e) if e.kind() == io::ErrorKind::WouldBlock)
        },
    );
    if let Err(e) = served {
        fail(&format!("accept-server: {e}"));
    }
}
