//! Datagram operations (UDP, raw and Unix datagram sockets) and the
//! `SockAddr` class that carries their addresses.
//!
//! A `SockAddr` is a socket address held in Rust, reusable across calls:
//! `recvFrom` writes the sender into one, `sendTo` reads the destination
//! from one, so a receive-reply loop allocates nothing per datagram. Results
//! are numbers, as in [`crate::ops`], plus [`TRUNCATED`].

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::addr::{self, Parts};
use socket2_core::socket::{empty_addr, Datagram};
use socket2_core::Family;

use crate::addr::AddrList;
use crate::ops::{encode, on_socket, DETACHED};

/// `recvFrom` result: the datagram was longer than the buffer; its first
/// `maxlen` bytes are in the buffer, the rest is lost.
#[napi]
pub const TRUNCATED: i32 = i32::MIN + 0x100;
/// The OS code reported with [`TRUNCATED`] (`EMSGSIZE`, `WSAEMSGSIZE`).
#[napi]
pub const MESSAGE_TOO_LONG: i32 = socket2_core::socket::MESSAGE_TOO_LONG;

/// A socket address (IPv4, IPv6 or Unix), empty until something fills it.
#[napi]
pub struct SockAddr {
    inner: socket2::SockAddr,
}

impl SockAddr {
    fn parts(&self) -> Option<Parts> {
        addr::parts(&self.inner)
    }

    /// The address, for the batched calls (`batch.rs`).
    pub(crate) fn inner(&self) -> &socket2::SockAddr {
        &self.inner
    }

    /// Replaces the address (a batch's sender).
    pub(crate) fn set(&mut self, addr: socket2::SockAddr) {
        self.inner = addr;
    }
}

#[napi]
impl SockAddr {
    /// An empty address (no family).
    #[napi(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> SockAddr {
        SockAddr {
            inner: empty_addr(),
        }
    }

    /// `'inet'`, `'inet6'`, `'unix'`, or `null` while empty.
    #[napi(ts_return_type = "'inet' | 'inet6' | 'unix' | null")]
    pub fn family(&self) -> Option<&'static str> {
        Family::from_raw(i32::from(self.inner.domain())).map(Family::name)
    }

    /// The IP address as text, or `null` (Unix or empty).
    #[napi]
    pub fn ip(&self) -> Option<String> {
        match self.parts()? {
            Parts::Ip(ip) => Some(ip.ip().to_string()),
            Parts::Unix(_) => None,
        }
    }

    /// The port, or `null` (Unix or empty).
    #[napi]
    pub fn port(&self) -> Option<u32> {
        match self.parts()? {
            Parts::Ip(ip) => Some(u32::from(ip.port())),
            Parts::Unix(_) => None,
        }
    }

    /// The Unix path (`@name` for abstract ones, `''` for an unnamed
    /// sender), or `null` (IP or empty).
    #[napi]
    pub fn path(&self) -> Option<String> {
        match self.parts()? {
            Parts::Unix(path) => Some(path),
            Parts::Ip(_) => None,
        }
    }

    /// `127.0.0.1:80`, `[::1]:80`, the Unix path, or `''` while empty.
    #[napi(js_name = "toString")]
    pub fn to_text(&self) -> String {
        match self.parts() {
            Some(_) => addr::to_string(&self.inner),
            None => String::new(),
        }
    }
}

/// Copies entry `index` of `list` into `target`; false if there is none.
#[napi]
pub fn sockaddr_from_list(target: &mut SockAddr, list: &AddrList, index: u32) -> bool {
    match list.sockaddr(index) {
        Some(found) => {
            target.inner = found;
            true
        }
        None => false,
    }
}

/// Copies `source` into `target`.
#[napi]
pub fn sockaddr_copy(target: &mut SockAddr, source: &SockAddr) {
    target.inner = source.inner.clone();
}

/// `recvmsg(2)` of one datagram into `buf[0..maxlen]`, writing the sender
/// into `from` when given. Returns its length, [`TRUNCATED`] when it did not
/// fit, or [`DETACHED`] when the buffer is shorter than `maxlen`.
#[napi]
pub fn recv_from(
    id_raw: f64,
    mut buf: Uint8ArraySlice,
    maxlen: u32,
    from: Option<&mut SockAddr>,
) -> i32 {
    // SAFETY: JavaScript is paused for the length of this call and nothing
    // keeps the slice past it, so no other code reads or writes the bytes.
    let buf = unsafe { buf.as_mut() };
    if buf.len() < maxlen as usize {
        return DETACHED;
    }
    let len = maxlen as usize;
    let mut scratch;
    let from = match from {
        Some(from) => &mut from.inner,
        None => {
            scratch = empty_addr();
            &mut scratch
        }
    };
    on_socket(id_raw, |s| match s.recv_from(&mut buf[..len], from) {
        Ok(Datagram {
            truncated: true, ..
        }) => TRUNCATED,
        received => encode(received.map(|d| d.len)),
    })
}

/// `sendto(2)`: one datagram of `buf[0..maxlen]` to `to` ([`DETACHED`]
/// when the buffer is shorter than `maxlen`).
#[napi]
pub fn send_to(id_raw: f64, buf: Uint8ArraySlice, maxlen: u32, to: &SockAddr) -> i32 {
    if buf.len() < maxlen as usize {
        return DETACHED;
    }
    let len = maxlen as usize;
    on_socket(id_raw, |s| encode(s.send_to(&buf[..len], &to.inner)))
}

/// `connect(2)` of a datagram socket to `to`: sets its only peer. Never
/// waits.
#[napi]
pub fn connect_peer(id_raw: f64, to: &SockAddr) -> i32 {
    on_socket(id_raw, |s| encode(s.connect(&to.inner).map(|_| 0)))
}

/// Dissolves the peer set by `connectPeer` (see `Socket::disconnect`).
#[napi]
pub fn disconnect(id_raw: f64) -> i32 {
    on_socket(id_raw, |s| encode(s.disconnect().map(|()| 0)))
}
