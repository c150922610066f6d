//! Windows: the socket options Winsock lacks, or socket2 offers no call for
//! there, answer `WSAENOPROTOOPT` ("not supported").

use std::io;

use crate::options::KeepaliveParam;

const WSAENOPROTOOPT: i32 = 10042;
const WSAEOPNOTSUPP: i32 = 10045;

/// "No such option here" (`WSAENOPROTOOPT`).
fn not_supported() -> io::Error {
    io::Error::from_raw_os_error(WSAENOPROTOOPT)
}

/// True for the errors that mean "no such option here".
pub fn is_not_supported(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(WSAENOPROTOOPT | WSAEOPNOTSUPP))
}

/// Winsock has no `SO_RCVLOWAT` to read.
pub fn recv_lowat(_socket: &socket2::Socket) -> io::Result<u32> {
    Err(not_supported())
}

/// Winsock rejects `SO_RCVLOWAT`.
pub fn set_recv_lowat(_socket: &socket2::Socket, _bytes: u32) -> io::Result<()> {
    Err(not_supported())
}

/// `SO_ACCEPTCONN` has no socket2 call on Windows.
pub fn accepts_connections(_socket: &socket2::Socket) -> io::Result<bool> {
    Err(not_supported())
}

// Windows has no `SO_REUSEPORT`, and `IPV6_TCLASS` has no socket2 call here.
option_via_socket2! { "SO_REUSEPORT", reuse_port, set_reuse_port, bool, where any() }
option_via_socket2! { "IPV6_TCLASS", tclass_v6, set_tclass_v6, u32, where any() }

set_keepalive_param_via_socket2!();

/// `getsockopt(TCP_KEEPCNT)`; Winsock's idle time and interval are
/// write-only (`SIO_KEEPALIVE_VALS`).
pub fn keepalive_param(socket: &socket2::Socket, param: KeepaliveParam) -> io::Result<u32> {
    match param {
        KeepaliveParam::Count => socket.tcp_keepalive_retries(),
        KeepaliveParam::Idle | KeepaliveParam::Interval => Err(not_supported()),
    }
}
