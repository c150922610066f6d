//! OS specifics, one file per OS family, as in mio and socket2.

/// Defines `set_keepalive_param`, one body for Windows and for the Unixes
/// where socket2 has all three keepalive parameters (`options_unix.rs`
/// names them; elsewhere it answers "not supported").
macro_rules! set_keepalive_param_via_socket2 {
    () => {
        /// `setsockopt(TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT)` (Windows:
        /// `SIO_KEEPALIVE_VALS` / `TCP_KEEPCNT`) through socket2's
        /// `set_tcp_keepalive`, which also turns `SO_KEEPALIVE` on (Windows
        /// resets the parameter not given to its default).
        pub fn set_keepalive_param(
            socket: &socket2::Socket,
            param: $crate::options::KeepaliveParam,
            value: u32,
        ) -> std::io::Result<()> {
            use $crate::options::KeepaliveParam;
            let none = socket2::TcpKeepalive::new();
            let time = std::time::Duration::from_secs(u64::from(value));
            let params = match param {
                KeepaliveParam::Idle => none.with_time(time),
                KeepaliveParam::Interval => none.with_interval(time),
                KeepaliveParam::Count => none.with_retries(value),
            };
            socket.set_tcp_keepalive(&params)
        }
    };
}

/// Defines the first items on the OSes `$cond` names and the second ones
/// elsewhere, so each OS list is written once.
#[allow(unused_macros)] // Windows has no OS list of its own
macro_rules! where_os {
    ($cond:meta, { $($yes:item)* } else { $($no:item)* }) => {
        $(#[cfg($cond)] $yes)*
        $(#[cfg(not($cond))] $no)*
    };
}

/// Defines `$get`/`$set` for the option `$name` through socket2's calls
/// of the same names, on the OSes `$cond` names; elsewhere both answer "not
/// supported" (the `not_supported()` of the file it is used in). Windows
/// passes `any()`, which names none.
macro_rules! option_via_socket2 {
    ($name:literal, $get:ident, $set:ident, $ty:ty, where $cond:meta) => {
        #[doc = concat!("`getsockopt(", $name, ")`.")]
        #[cfg($cond)]
        pub fn $get(socket: &socket2::Socket) -> std::io::Result<$ty> {
            socket.$get()
        }

        #[doc = concat!("`setsockopt(", $name, ")`.")]
        #[cfg($cond)]
        pub fn $set(socket: &socket2::Socket, value: $ty) -> std::io::Result<()> {
            socket.$set(value)
        }

        #[doc = concat!("No `", $name, "` here.")]
        #[cfg(not($cond))]
        pub fn $get(_socket: &socket2::Socket) -> std::io::Result<$ty> {
            Err(not_supported())
        }

        #[doc = concat!("No `", $name, "` here.")]
        #[cfg(not($cond))]
        pub fn $set(_socket: &socket2::Socket, _value: $ty) -> std::io::Result<()> {
            Err(not_supported())
        }
    };
}

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
#[cfg(unix)]
mod options_unix;
#[cfg(unix)]
pub use options_unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;
#[cfg(windows)]
mod options_windows;
#[cfg(windows)]
pub use options_windows::*;

/// No exclusive registration where the poller has none (kqueue; IOCP
/// under mio, where each handle's AFD poll completes on its own):
/// `Ok(false)`, the caller registers the socket as usual.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub fn register_exclusive(
    _registry: &mio::Registry,
    _source: &mut Source,
    _token: mio::Token,
) -> std::io::Result<bool> {
    Ok(false)
}

/// Batched datagram calls as one call per datagram, for the OSes without
/// `recvmmsg`/`sendmmsg` (or where we do not use them).
#[cfg_attr(any(target_os = "linux", target_os = "android"), allow(dead_code))]
pub(crate) mod each {
    use std::io::{self, IoSlice};

    use socket2::SockAddr;

    use crate::socket::{Datagram, Destinations, RawBuf, Socket};

    /// [`Socket::recv_many`] as a loop of `recv_from` (the slices have the
    /// batch's length already).
    ///
    /// # Safety
    /// As [`Socket::recv_many`].
    pub unsafe fn recv_many(
        socket: &Socket,
        bufs: &[RawBuf],
        got: &mut [Datagram],
        mut from: Option<&mut [SockAddr]>,
    ) -> io::Result<usize> {
        let limit = bufs.len();
        let mut scratch = crate::socket::empty_addr();
        for i in 0..limit {
            let sender = match from.as_deref_mut() {
                Some(from) => &mut from[i],
                None => &mut scratch,
            };
            // SAFETY: per the contract; this slice is the only reference to
            // those bytes, and it ends with the call.
            match socket.recv_from(unsafe { bufs[i].slice() }, sender) {
                Ok(datagram) => got[i] = datagram,
                Err(err) if i == 0 => return Err(err),
                Err(_) => return Ok(i),
            }
        }
        Ok(limit)
    }

    /// [`Socket::send_many`] as a loop of `send`/`send_to`.
    pub fn send_many(
        socket: &Socket,
        bufs: &[IoSlice<'_>],
        to: Destinations<'_>,
    ) -> io::Result<usize> {
        for (i, buf) in bufs.iter().enumerate() {
            let sent = match to.get(i) {
                Some(addr) => socket.send_to(buf, addr),
                None => socket.send(buf),
            };
            match sent {
                Ok(_) => {}
                Err(err) if i == 0 => return Err(err),
                Err(_) => return Ok(i),
            }
        }
        Ok(bufs.len())
    }
}

/// `recv(2)` with no flags (Linux: a raw system call in `unix.rs`).
#[cfg(not(target_os = "linux"))]
pub fn recv(socket: &socket2::Socket, buf: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    (&*socket).read(buf)
}

/// `send(2)` with `SEND_FLAGS` (Linux: a raw system call in `unix.rs`).
#[cfg(not(target_os = "linux"))]
pub fn send(socket: &socket2::Socket, buf: &[u8]) -> std::io::Result<usize> {
    socket.send_with_flags(buf, SEND_FLAGS)
}
