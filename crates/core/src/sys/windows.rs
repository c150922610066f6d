//! Windows: IOCP through mio.
//!
//! mio drives IOCP through the AFD driver and can only register its own
//! socket types, re-arming interest after an operation returns
//! `WouldBlock`. Arbitrary sockets (raw, Unix) cannot be registered; TCP and
//! UDP sockets are registered through mio's types. Short reads do not mean
//! "drained" here.

use std::io;
use std::os::windows::io::{AsRawSocket, FromRawSocket, IntoRawSocket};

use mio::{Interest, Registry, Token};
use socket2::Domain;

/// IOCP under mio re-arms only after `WouldBlock`.
pub const SHORT_READ_DRAINS: bool = false;

/// Windows sends never raise signals.
pub const SEND_FLAGS: i32 = 0;

pub fn unix_domain() -> Domain {
    Domain::UNIX
}

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

/// Registers through a borrowed mio `UdpSocket` view of the socket: mio's
/// Windows registration only needs the raw `SOCKET` and works for stream
/// and datagram sockets alike. The view is forgotten, never closed.
pub fn register(
    registry: &Registry,
    socket: &socket2::Socket,
    token: Token,
    interest: Interest,
) -> io::Result<()> {
    with_mio_view(socket, |view| registry.register(view, token, interest))
}

pub fn deregister(registry: &Registry, socket: &socket2::Socket) -> io::Result<()> {
    with_mio_view(socket, |view| registry.deregister(view))
}

fn with_mio_view<T>(
    socket: &socket2::Socket,
    f: impl FnOnce(&mut mio::net::UdpSocket) -> io::Result<T>,
) -> io::Result<T> {
    // SAFETY: the raw socket stays owned by `socket`; the view is turned back
    // into a raw socket (not closed) before returning.
    let mut view = unsafe { mio::net::UdpSocket::from_raw_socket(socket.as_raw_socket()) };
    let result = f(&mut view);
    let _ = view.into_raw_socket();
    result
}

/// `WSAEMSGSIZE`: reported with a truncated datagram.
pub const EMSGSIZE: i32 = 10040;

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
