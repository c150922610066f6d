//! Unix: epoll (Linux, Android), kqueue (macOS, BSDs) through mio.

use std::io;
use std::ops::Deref;
use std::os::fd::AsRawFd;

use mio::unix::SourceFd;
use mio::{Interest, Registry, Token};
use socket2::Domain;

use crate::socket::{Family, Kind};

/// epoll and kqueue raise a new edge whenever data arrives.
pub const SHORT_READ_DRAINS: bool = true;

/// epoll and kqueue raise a new writable edge after a short send.
pub const SHORT_WRITE_REARMS: bool = true;

/// Flags for every `send(2)`/`sendto(2)`: `MSG_NOSIGNAL` turns the `SIGPIPE`
/// a send to a reset connection would raise into an `EPIPE` error. Apple
/// platforms lack the flag and get `SO_NOSIGPIPE` in [`after_open`] instead.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
))]
pub const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "openbsd",
    target_os = "dragonfly",
    target_os = "illumos",
    target_os = "solaris"
)))]
pub const SEND_FLAGS: libc::c_int = 0;

/// `recv(2)` with no flags. On Linux it is made through `syscall(2)`:
/// glibc's `recv` is a thread cancellation point, and in a process with
/// threads (Node always has some) it wraps every call in
/// `__pthread_enable_asynccancel`/`__pthread_disable_asynccancel`, about a
/// tenth of our user-space cost of an echo round trip (perf). Nothing here
/// is ever cancelled. Elsewhere `sys/mod.rs` has the C library's function.
#[cfg(target_os = "linux")]
pub fn recv(socket: &socket2::Socket, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: `recvfrom(fd, buf, len, 0, NULL, NULL)` writes at most `len`
    // bytes into `buf`, which is valid and exclusively ours for the call;
    // no address is asked for. Every argument is passed as a full `c_long`
    // (the variadic `syscall` reads them so).
    let n = unsafe {
        libc::syscall(
            libc::SYS_recvfrom,
            libc::c_long::from(socket.as_raw_fd()),
            buf.as_mut_ptr(),
            buf.len(),
            0 as libc::c_long,
            std::ptr::null_mut::<libc::sockaddr>(),
            std::ptr::null_mut::<libc::socklen_t>(),
        )
    };
    syscall_count(n)
}

/// `send(2)` with [`SEND_FLAGS`]; on Linux through `syscall(2)`, as [`recv`].
#[cfg(target_os = "linux")]
pub fn send(socket: &socket2::Socket, buf: &[u8]) -> io::Result<usize> {
    // SAFETY: `sendto(fd, buf, len, flags, NULL, 0)` only reads `len` bytes
    // of `buf`, valid for the call; arguments as in `recv`.
    let n = unsafe {
        libc::syscall(
            libc::SYS_sendto,
            libc::c_long::from(socket.as_raw_fd()),
            buf.as_ptr(),
            buf.len(),
            libc::c_long::from(SEND_FLAGS),
            std::ptr::null::<libc::sockaddr>(),
            0 as libc::c_long,
        )
    };
    syscall_count(n)
}

/// A byte count from `syscall(2)`, or the `errno` it set.
#[cfg(target_os = "linux")]
fn syscall_count(n: libc::c_long) -> io::Result<usize> {
    if n < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(n as usize)
    }
}

/// Per-socket setup after `socket(2)`/`accept(2)`: `SO_NOSIGPIPE` on Apple
/// platforms, which lack `MSG_NOSIGNAL`.
#[cfg(target_vendor = "apple")]
pub fn after_open(socket: &socket2::Socket) -> io::Result<()> {
    socket.set_nosigpipe(true)
}

/// Per-socket setup after `socket(2)`/`accept(2)`: nothing here.
#[cfg(not(target_vendor = "apple"))]
pub fn after_open(_socket: &socket2::Socket) -> io::Result<()> {
    Ok(())
}

/// `EINPROGRESS`: a non-blocking connect has started.
pub fn is_connect_in_progress(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::EINPROGRESS)
}

/// `ETIMEDOUT` (std names it `TimedOut` already; kept here for symmetry with
/// Windows, where `WSAETIMEDOUT` needs the same treatment).
pub fn is_timeout(err: &io::Error) -> bool {
    err.raw_os_error() == Some(libc::ETIMEDOUT)
}

/// Errors of `accept(2)` that concern only the connection being accepted
/// (it was reset or refused by a filter before we took it), or an
/// interrupted call: the listener is fine and the next pending connection
/// can be taken at once. Linux also passes up pending network errors of the
/// new socket, which its man page says to treat like `EAGAIN`.
pub fn is_transient_accept_error(err: &io::Error) -> bool {
    let Some(code) = err.raw_os_error() else {
        return false;
    };
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if matches!(
        code,
        libc::ENETDOWN
            | libc::ENOPROTOOPT
            | libc::EHOSTDOWN
            | libc::ENONET
            | libc::EHOSTUNREACH
            | libc::EOPNOTSUPP
            | libc::ENETUNREACH
    ) {
        return true;
    }
    matches!(
        code,
        libc::ECONNABORTED | libc::EPROTO | libc::EPERM | libc::EINTR
    )
}

/// The process or the system is out of descriptors or kernel memory
/// (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`): retrying at once cannot help.
pub fn is_out_of_resources(code: i32) -> bool {
    matches!(
        code,
        libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM
    )
}

/// The soft `RLIMIT_NOFILE` (`getrlimit(2)`): how many descriptors this
/// process may hold; `None` if it cannot be read or is unlimited.
pub fn descriptor_limit() -> Option<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid, writable `rlimit`.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    // `rlim_t` is `u64` on Linux and macOS but `i64` on FreeBSD.
    #[allow(clippy::unnecessary_cast)]
    let current = limit.rlim_cur as u64;
    (rc == 0 && limit.rlim_cur != libc::RLIM_INFINITY).then_some(current)
}

/// Every socket type and family can be opened here.
pub fn check_supported(_kind: Kind, _family: Family) -> io::Result<()> {
    Ok(())
}

/// A socket as the poller knows it. epoll and kqueue keep no per-socket
/// state in user space, so the socket itself is all there is.
#[derive(Debug)]
pub struct Source(socket2::Socket);

impl Source {
    pub fn new(socket: socket2::Socket, _kind: Kind) -> io::Result<Source> {
        Ok(Source(socket))
    }

    /// Runs one non-blocking call. Nothing to re-arm after `EAGAIN`: the
    /// kernel raises the next edge by itself.
    #[inline]
    pub fn io<T>(&self, call: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        call()
    }
}

impl Deref for Source {
    type Target = socket2::Socket;

    fn deref(&self) -> &socket2::Socket {
        &self.0
    }
}

/// `EPOLL_CTL_ADD` / `EV_ADD` for the socket's fd, edge-triggered.
pub fn register(
    registry: &Registry,
    source: &mut Source,
    token: Token,
    interest: Interest,
) -> io::Result<()> {
    registry.register(&mut SourceFd(&source.0.as_raw_fd()), token, interest)
}

/// `EPOLL_CTL_DEL` / `EV_DELETE`.
pub fn deregister(registry: &Registry, source: &mut Source) -> io::Result<()> {
    registry.deregister(&mut SourceFd(&source.0.as_raw_fd()))
}

/// Reported with a truncated datagram.
pub const EMSGSIZE: i32 = libc::EMSGSIZE;

/// A Unix socket path longer than `sun_path` holds.
pub const ENAMETOOLONG: i32 = libc::ENAMETOOLONG;

/// `connect(2)` to an `AF_UNSPEC` address, which dissolves a datagram
/// socket's association (POSIX). macOS does it but may still report
/// `EAFNOSUPPORT`, which is not a failure here.
pub fn disconnect(socket: &socket2::Socket, _domain: Domain) -> io::Result<()> {
    // SAFETY: the storage is zeroed (family `AF_UNSPEC`); the length covers
    // exactly the family field, which is all an `AF_UNSPEC` address has.
    let unspec = unsafe {
        socket2::SockAddr::new(
            socket2::SockAddrStorage::zeroed(),
            std::mem::size_of::<libc::sa_family_t>() as libc::socklen_t,
        )
    };
    match socket.connect(&unspec) {
        Err(err) if err.raw_os_error() == Some(libc::EAFNOSUPPORT) => Ok(()),
        other => other,
    }
}
