//! Windows: IOCP through mio.
//!
//! mio polls sockets with the AFD driver and keeps each registration's state
//! (the pending `IOCTL_AFD_POLL`, the interests still armed) inside its own
//! socket objects. An event disarms the interests it reported, and only an
//! I/O call made *through that mio object* that fails with `WouldBlock`
//! arms them again; dropping the object deregisters it. So every registered
//! socket here is owned by a real mio source ([`Source`]), and every call
//! that may return `WouldBlock` runs inside [`Source::io`] (mio's `try_io`).
//! socket2 makes the calls themselves, through a non-owning view of the same
//! `SOCKET`.
//!
//! Raw and Unix-domain sockets are not offered here: opening one fails with
//! `not_supported`.

use std::io;
use std::mem::ManuallyDrop;
use std::ops::Deref;
use std::os::windows::io::{AsRawSocket, FromRawSocket};

use mio::event;
use socket2::Domain;

use crate::socket::{Family, Kind};

/// `WSAEOPNOTSUPP`: what opening a socket this build does not offer fails
/// with (named `not_supported` by the error mapping).
const WSAEOPNOTSUPP: i32 = 10045;

/// IOCP under mio re-arms only after `WouldBlock`.
pub const SHORT_READ_DRAINS: bool = false;

/// IOCP under mio re-arms writability only after `WouldBlock`, not after a
/// short send ([`crate::socket::Socket::send`] sends on until it blocks).
pub const SHORT_WRITE_REARMS: bool = false;

/// No `recvmmsg`/`sendmmsg` on Windows: one call per datagram.
pub(crate) use super::each::{recv_many, send_many};

/// Windows sends never raise signals.
pub const SEND_FLAGS: i32 = 0;

pub fn after_open(_socket: &socket2::Socket) -> io::Result<()> {
    Ok(())
}

/// `WSAEWOULDBLOCK` (std maps it to `WouldBlock`) or `WSAEINPROGRESS`.
pub fn is_connect_in_progress(err: &io::Error) -> bool {
    const WSAEINPROGRESS: i32 = 10036;
    err.kind() == io::ErrorKind::WouldBlock || err.raw_os_error() == Some(WSAEINPROGRESS)
}

pub fn is_timeout(err: &io::Error) -> bool {
    const WSAETIMEDOUT: i32 = 10060;
    err.raw_os_error() == Some(WSAETIMEDOUT)
}

/// Windows has no per-process limit on socket handles (memory is).
pub fn descriptor_limit() -> Option<u64> {
    None
}

/// Errors of `accept` that concern only the connection being accepted: it
/// was reset by its peer before we took it (`WSAECONNRESET`), or the call
/// was interrupted (`WSAEINTR`). The next pending connection can be taken.
pub fn is_transient_accept_error(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(WSAECONNRESET | WSAECONNABORTED | WSAEINTR)
    )
}

/// Out of socket handles (`WSAEMFILE`) or buffer space (`WSAENOBUFS`).
pub fn is_out_of_resources(code: i32) -> bool {
    matches!(code, WSAEMFILE | WSAENOBUFS)
}

const WSAEINTR: i32 = 10004;
const WSAEMFILE: i32 = 10024;
const WSAENOBUFS: i32 = 10055;
const WSAECONNABORTED: i32 = 10053;
const WSAECONNRESET: i32 = 10054;

/// Only TCP and UDP sockets are offered on Windows, the two kinds mio wraps
/// there; raw and Unix-domain sockets fail with `not_supported`.
pub fn check_supported(kind: Kind, family: Family) -> io::Result<()> {
    if kind == Kind::Raw || family == Family::Unix {
        return Err(io::Error::from_raw_os_error(WSAEOPNOTSUPP));
    }
    Ok(())
}

/// The mio object that owns the `SOCKET` and its registration state.
#[derive(Debug)]
enum Owner {
    /// Streams and listeners alike: mio's `TcpListener` has no `try_io`,
    /// and a `TcpStream`'s registration and re-arming are the same calls
    /// (its `try_io` works for `accept` as mio's own `accept` does).
    Tcp(mio::net::TcpStream),
    Udp(mio::net::UdpSocket),
}

/// A registered socket: the owning mio object plus a socket2 view of the
/// same `SOCKET` for the calls themselves.
#[derive(Debug)]
pub struct Source {
    owner: Owner,
    /// Never dropped: the `SOCKET` is closed once, by `owner`.
    view: ManuallyDrop<socket2::Socket>,
}

impl Source {
    pub fn new(socket: socket2::Socket, kind: Kind) -> io::Result<Source> {
        let raw = socket.as_raw_socket();
        let owner = match kind {
            Kind::Stream => Owner::Tcp(mio::net::TcpStream::from_std(socket.into())),
            Kind::Datagram => Owner::Udp(mio::net::UdpSocket::from_std(socket.into())),
            Kind::Raw => return Err(io::Error::from_raw_os_error(WSAEOPNOTSUPP)),
        };
        // SAFETY: `raw` is the open `SOCKET` now owned by `owner`, which lives
        // exactly as long as the view (both are fields of this `Source`); the
        // view is `ManuallyDrop`, so it never closes the socket.
        let view = ManuallyDrop::new(unsafe { socket2::Socket::from_raw_socket(raw) });
        Ok(Source { owner, view })
    }

    /// Runs one non-blocking call through mio's `try_io`: when it fails with
    /// `WouldBlock`, mio re-arms the socket's interests so the next change
    /// of readiness is reported.
    pub fn io<T>(&self, call: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        match &self.owner {
            Owner::Tcp(socket) => socket.try_io(call),
            Owner::Udp(socket) => socket.try_io(call),
        }
    }

    /// Runs `f` with what the poller registers for this socket: the mio
    /// object, whose registration starts an `IOCTL_AFD_POLL` on the
    /// poller's completion port (at the next poll, or at once if another
    /// thread is polling) and whose deregistration cancels it.
    pub fn with_event_source<R>(&mut self, f: impl FnOnce(&mut dyn event::Source) -> R) -> R {
        match &mut self.owner {
            Owner::Tcp(socket) => f(socket),
            Owner::Udp(socket) => f(socket),
        }
    }
}

impl Deref for Source {
    type Target = socket2::Socket;

    fn deref(&self) -> &socket2::Socket {
        &self.view
    }
}

/// Not told here: a listener shared between threads is registered like
/// any other socket (see [`register_exclusive`]).
pub fn listens(_source: &Source) -> bool {
    false
}

/// See `reactor::SHARED_LISTENER`: each thread's AFD poll on its handle
/// completes for a connection.
pub const SHARED_LISTENER: &str = "none";

/// `WSAEMSGSIZE`: reported with a truncated datagram.
pub const EMSGSIZE: i32 = 10040;

/// `WSAENAMETOOLONG`: a Unix socket path longer than `sun_path` holds.
pub const ENAMETOOLONG: i32 = 10063;

/// Windows dissolves a datagram socket's association on a `connect` to the
/// all-zero address of its family.
pub fn disconnect(socket: &socket2::Socket, domain: Domain) -> io::Result<()> {
    use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
    let any = if domain == Domain::IPV6 {
        SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))
    } else {
        SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))
    };
    socket.connect(&any.into())
}
