//! Unix: the socket options socket2 has no call for (`SO_RCVLOWAT`,
//! `SO_ACCEPTCONN`) or has only on some Unixes. Where the OS lacks an option
//! the answer is `ENOPROTOOPT`, as the kernel itself gives for an option it
//! does not know.

use std::io;
use std::mem::size_of;
use std::os::fd::AsRawFd;
use std::time::Duration;

use crate::options::KeepaliveParam;

/// "No such option here" (`ENOPROTOOPT`); unused where the OS has them all.
#[allow(dead_code)]
fn not_supported() -> io::Error {
    io::Error::from_raw_os_error(libc::ENOPROTOOPT)
}

/// True for the errors that mean "no such option here": `ENOPROTOOPT`
/// (the option is unknown at that level) and `EOPNOTSUPP`/`ENOTSUP`.
pub fn is_not_supported(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(code) if code == libc::ENOPROTOOPT || code == libc::EOPNOTSUPP || code == libc::ENOTSUP)
}

/// `getsockopt(SOL_SOCKET, name)` of an `int` option.
fn int_option(socket: &socket2::Socket, name: libc::c_int) -> io::Result<u32> {
    let mut value: libc::c_int = 0;
    let mut len = size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `value` and `len` are live locals; `len` holds the size of
    // `value`, so the kernel writes at most that many bytes into it.
    let rc = unsafe {
        libc::getsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (&mut value as *mut libc::c_int).cast(),
            &mut len,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(value.max(0) as u32)
}

/// `setsockopt(SOL_SOCKET, name)` of an `int` option.
fn set_int_option(socket: &socket2::Socket, name: libc::c_int, value: u32) -> io::Result<()> {
    let value = value.min(libc::c_int::MAX as u32) as libc::c_int;
    // SAFETY: the pointer and length describe `value`, a live local the
    // kernel only reads.
    let rc = unsafe {
        libc::setsockopt(
            socket.as_raw_fd(),
            libc::SOL_SOCKET,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// `getsockopt(SO_RCVLOWAT)`.
pub fn recv_lowat(socket: &socket2::Socket) -> io::Result<u32> {
    int_option(socket, libc::SO_RCVLOWAT)
}

/// `setsockopt(SO_RCVLOWAT)`.
pub fn set_recv_lowat(socket: &socket2::Socket, bytes: u32) -> io::Result<()> {
    set_int_option(socket, libc::SO_RCVLOWAT, bytes)
}

/// `getsockopt(SO_ACCEPTCONN)`: whether `listen(2)` was called.
pub fn accepts_connections(socket: &socket2::Socket) -> io::Result<bool> {
    int_option(socket, libc::SO_ACCEPTCONN).map(|on| on != 0)
}

option_via_socket2! {
    "SO_REUSEPORT", reuse_port, set_reuse_port, bool,
    where not(any(target_os = "solaris", target_os = "illumos", target_os = "cygwin"))
}

option_via_socket2! {
    "IPV6_TCLASS", tclass_v6, set_tclass_v6, u32,
    where any(target_os = "linux", target_os = "android", target_os = "macos", target_os = "freebsd",
              target_os = "netbsd", target_os = "openbsd", target_os = "dragonfly", target_os = "fuchsia",
              target_os = "illumos")
}

where_os!(any(
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "fuchsia",
    target_os = "illumos"
), {
    /// `getsockopt(TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT)`
    /// (`TCP_KEEPALIVE` for the idle time on Apple platforms).
    pub fn keepalive_param(socket: &socket2::Socket, param: KeepaliveParam) -> io::Result<u32> {
        let secs = |time: Duration| time.as_secs().min(u64::from(u32::MAX)) as u32;
        match param {
            KeepaliveParam::Idle => socket.tcp_keepalive_time().map(secs),
            KeepaliveParam::Interval => socket.tcp_keepalive_interval().map(secs),
            KeepaliveParam::Count => socket.tcp_keepalive_retries(),
        }
    }

    set_keepalive_param_via_socket2!();
} else {
    pub fn keepalive_param(_socket: &socket2::Socket, _param: KeepaliveParam) -> io::Result<u32> {
        Err(not_supported())
    }

    pub fn set_keepalive_param(_socket: &socket2::Socket, _param: KeepaliveParam, _value: u32) -> io::Result<()> {
        Err(not_supported())
    }
});
