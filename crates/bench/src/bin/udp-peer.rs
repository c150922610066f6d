//! The native side of the UDP benchmark, on 127.0.0.1, blocking sockets on
//! one thread:
//!
//! * `--mode recv`: receives datagrams on its port and counts them; with
//!   `--api plain` one `recvfrom(2)` each, with `--api mmsg` up to 64 per
//!   `recvmmsg(2)` (`MSG_WAITFORONE`). The reference receivers, and the
//!   sink of the send measurement.
//! * `--mode send --to PORT`: sends `--size`-byte datagrams (64) to
//!   127.0.0.1:PORT as fast as the kernel takes them and counts those it
//!   took, on a socket connected to the peer (as the JavaScript senders):
//!   `--api plain`: one `send(2)` each, `--api mmsg`: 64 per
//!   `sendmmsg(2)`. The reference senders, and the flood of the receive
//!   measurement.
//!
//! Prints its port first. Answers each `report` line on stdin with
//! `{"count":N}`, the datagrams received or sent so far (see `answer_reports`).
//! Runs until killed.

use std::io::{self, Write};
use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use socket2_bench::{answer_reports, fail, flag};

/// Datagrams per `recvmmsg`/`sendmmsg`.
const BATCH: usize = 64;
/// Room for one received datagram (the benchmark's are 64 bytes).
const SLOT: usize = 2048;

fn main() {
    let mode: String = flag("mode", String::from("recv"));
    let api: String = flag("api", String::from("plain"));
    let port: u16 = flag("port", 0);
    let to: u16 = flag("to", 0);
    let size: usize = flag("size", 64);
    let mmsg = match api.as_str() {
        "plain" => false,
        "mmsg" => true,
        _ => fail("--api must be plain or mmsg"),
    };
    if (mode != "recv" && mode != "send") || (mode == "send" && (to == 0 || size > SLOT)) {
        fail("usage: udp-peer --mode recv|send [--api plain|mmsg] [--port N] [--to PORT] [--size BYTES]");
    }
    let socket =
        UdpSocket::bind(("127.0.0.1", port)).unwrap_or_else(|e| fail(&format!("bind: {e}")));
    println!("{}", socket.local_addr().map(|a| a.port()).unwrap_or(0));
    let _ = io::stdout().flush();
    let count = Arc::new(AtomicU64::new(0));
    answer_reports(Arc::clone(&count));
    let outcome = if mode == "recv" {
        receive(&socket, mmsg, &count)
    } else {
        send(
            &socket,
            mmsg,
            SocketAddr::from(([127, 0, 0, 1], to)),
            size,
            &count,
        )
    };
    if let Err(e) = outcome {
        fail(&format!("udp-peer: {e}"));
    }
}

fn receive(socket: &UdpSocket, mmsg: bool, count: &AtomicU64) -> io::Result<()> {
    let mut bufs = vec![[0u8; SLOT]; BATCH];
    if !mmsg {
        loop {
            socket.recv_from(&mut bufs[0])?;
            count.fetch_add(1, Ordering::Relaxed);
        }
    }
    let mut iovecs: Vec<libc::iovec> = bufs
        .iter_mut()
        .map(|b| libc::iovec {
            iov_base: b.as_mut_ptr().cast(),
            iov_len: SLOT,
        })
        .collect();
    // SAFETY: all-zero `mmsghdr`s are valid empty headers.
    let mut msgs: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    for (msg, iov) in msgs.iter_mut().zip(iovecs.iter_mut()) {
        msg.msg_hdr.msg_iov = iov;
        msg.msg_hdr.msg_iovlen = 1;
    }
    loop {
        // SAFETY: `msgs` holds BATCH headers, each pointing at one iovec of
        // a live SLOT-byte buffer; no names or control data are asked for.
        let n = unsafe {
            libc::recvmmsg(
                socket.as_raw_fd(),
                msgs.as_mut_ptr(),
                BATCH as _,
                libc::MSG_WAITFORONE as _,
                std::ptr::null_mut(),
            )
        };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
}

fn send(
    socket: &UdpSocket,
    mmsg: bool,
    to: SocketAddr,
    size: usize,
    count: &AtomicU64,
) -> io::Result<()> {
    socket.connect(to)?;
    let payload = vec![0x75u8; size];
    if !mmsg {
        loop {
            // A full queue or a refused datagram is not counted; go on.
            if socket.send(&payload).is_ok() {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let mut iov = libc::iovec {
        iov_base: payload.as_ptr().cast_mut().cast(),
        iov_len: size,
    };
    // SAFETY: all-zero `mmsghdr`s are valid empty headers.
    let mut msgs: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    for msg in &mut msgs {
        msg.msg_hdr.msg_iov = &mut iov;
        msg.msg_hdr.msg_iovlen = 1;
    }
    loop {
        // SAFETY: `msgs` holds BATCH headers pointing at one live iovec
        // (the payload, only read); the socket is connected.
        let n = unsafe { libc::sendmmsg(socket.as_raw_fd(), msgs.as_mut_ptr(), BATCH as _, 0) };
        if n > 0 {
            count.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
}
