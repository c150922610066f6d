//! The native reference of the bulk benchmark: plain blocking sockets, 64
//! KiB `read(2)`/`write(2)` calls, one connection at a time on the main
//! thread (the benchmark opens one; its CPU time then stays in a thread the
//! harness can still read when the connection has ended). Each connection
//! says what it wants with its first byte, as for the JavaScript servers
//! (`bench/servers/fairness-server.js`): `B`, the peer sends and the server
//! reads and drops; `S`, the server sends 64 KiB blocks as fast as the peer
//! reads.
//!
//! Usage: `bulk-server [--port N]`; prints the port once it listens.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

use socket2_bench::{fail, flag};

const BLOCK: usize = 64 * 1024;

fn main() {
    let port: u16 = flag("port", 0);
    let listener =
        TcpListener::bind(("127.0.0.1", port)).unwrap_or_else(|e| fail(&format!("bind: {e}")));
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(0);
    println!("{port}");
    let _ = io::stdout().flush();
    for stream in listener.incoming().flatten() {
        serve(stream);
    }
}

/// Serves one connection until the peer goes away (any error ends it).
fn serve(mut stream: TcpStream) {
    let mut role = [0u8; 1];
    if stream.read_exact(&mut role).is_err() {
        return;
    }
    let mut block = vec![0x73u8; BLOCK];
    loop {
        let moved = match role[0] {
            b'B' => stream.read(&mut block),
            b'S' => stream.write(&block),
            _ => return,
        };
        if !matches!(moved, Ok(n) if n > 0) {
            return;
        }
    }
}
