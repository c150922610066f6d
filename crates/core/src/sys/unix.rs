//! Unix: epoll (Linux, Android), kqueue (macOS, BSDs) through mio.

use std::io;
use std::ops::Deref;
use std::os::fd::AsRawFd;

use mio::event;
use mio::unix::SourceFd;
#[cfg(any(target_os = "linux", target_os = "android"))]
use mio::{Registry, Token};
use socket2::Domain;

use crate::socket::{Family, Kind};

/// epoll and kqueue raise a new edge whenever data arrives.
pub const SHORT_READ_DRAINS: bool = true;

/// epoll and kqueue raise a new writable edge after a short send.
pub const SHORT_WRITE_REARMS: bool = true;

where_os! {
    any(target_os = "linux", target_os = "android", target_os = "freebsd", target_os = "netbsd",
        target_os = "openbsd", target_os = "dragonfly", target_os = "illumos", target_os = "solaris"),
    {
        /// Flags for every `send(2)`/`sendto(2)`: `MSG_NOSIGNAL` turns the `SIGPIPE`
        /// a send to a reset connection would raise into an `EPIPE` error.
        pub const SEND_FLAGS: libc::c_int = libc::MSG_NOSIGNAL;
    } else {
        /// Flags for every `send(2)`/`sendto(2)`: none. These platforms (Apple's)
        /// lack `MSG_NOSIGNAL` and get `SO_NOSIGPIPE` in [`after_open`] instead.
        pub const SEND_FLAGS: libc::c_int = 0;
    }
}

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

    /// Runs `f` with what the poller registers for this socket: its fd
    /// (`EPOLL_CTL_ADD`/`EPOLL_CTL_DEL`, kqueue's `EV_ADD`/`EV_DELETE`).
    pub fn with_event_source<R>(&mut self, f: impl FnOnce(&mut dyn event::Source) -> R) -> R {
        f(&mut SourceFd(&self.0.as_raw_fd()))
    }
}

impl Deref for Source {
    type Target = socket2::Socket;

    fn deref(&self) -> &socket2::Socket {
        &self.0
    }
}

/// Whether the socket is listening (`SO_ACCEPTCONN`); false if that cannot
/// be told.
pub fn listens(source: &Source) -> bool {
    #[cfg(any(target_os = "linux", target_os = "android", target_os = "freebsd"))]
    {
        source.0.is_listener().unwrap_or(false)
    }
    #[cfg(not(any(target_os = "linux", target_os = "android", target_os = "freebsd")))]
    {
        let _ = source;
        false
    }
}

/// See `reactor::SHARED_LISTENER`.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub const SHARED_LISTENER: &str = "EPOLLEXCLUSIVE";
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub const SHARED_LISTENER: &str = "none";

/// Registers a listening socket whose other handles other pollers watch too
/// so that one connection wakes one of them: `EPOLL_CTL_ADD` with
/// `EPOLLIN | EPOLLET | EPOLLEXCLUSIVE` (Linux 4.5; a listener needs no
/// other event), with the token as mio encodes it (the `u64` data), done
/// here because mio does not expose the flag. [`deregister`] (mio's
/// `EPOLL_CTL_DEL`) removes it like any other. `Ok(false)` (nothing done)
/// where the flag does not exist or the kernel refuses it (`EINVAL` before
/// 4.5): the caller registers the socket as usual.
#[cfg(any(target_os = "linux", target_os = "android"))]
pub fn register_exclusive(
    registry: &Registry,
    source: &mut Source,
    token: Token,
) -> io::Result<bool> {
    let mut event = libc::epoll_event {
        events: (libc::EPOLLIN | libc::EPOLLET | libc::EPOLLEXCLUSIVE) as u32,
        u64: token.0 as u64,
    };
    // SAFETY: both fds are open (the registry's epoll fd, the socket owned
    // by `source`); `event` is a valid, initialized `epoll_event`.
    let rc = unsafe {
        libc::epoll_ctl(
            registry.as_raw_fd(),
            libc::EPOLL_CTL_ADD,
            source.0.as_raw_fd(),
            &mut event,
        )
    };
    if rc == 0 {
        return Ok(true);
    }
    let err = io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EINVAL) {
        return Ok(false);
    }
    Err(err)
}

/// One call per datagram where the OS has no `recvmmsg`/`sendmmsg` we use.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
pub(crate) use super::each::{recv_many, send_many};

#[cfg(any(target_os = "linux", target_os = "android"))]
pub(crate) use mmsg::{recv_many, send_many};

/// `recvmmsg(2)` and `sendmmsg(2)`: up to [`BATCH_MAX`] datagrams per
/// system call, their headers (and senders) in arrays on the stack.
#[cfg(any(target_os = "linux", target_os = "android"))]
mod mmsg {
    use std::ffi::c_void;
    use std::io::{self, IoSlice};
    use std::os::fd::AsRawFd;

    use socket2::{SockAddr, SockAddrStorage};

    use crate::socket::{Datagram, Destinations, RawBuf, Socket, BATCH_MAX};

    /// Headers for `n` messages, all zero (no name, no iovec, no control).
    fn headers() -> [libc::mmsghdr; BATCH_MAX] {
        // SAFETY: `mmsghdr` is a plain C struct of integers and pointers,
        // for which all-zero bytes are a valid (empty) value.
        unsafe { std::mem::zeroed() }
    }

    /// Runs `recvmmsg`/`sendmmsg` (`call`) on `msgs[..n]` through the
    /// socket's `io` (repeated on `EINTR`).
    fn run(
        socket: &Socket,
        msgs: &mut [libc::mmsghdr; BATCH_MAX],
        n: usize,
        call: unsafe fn(libc::c_int, *mut libc::mmsghdr, usize) -> libc::c_int,
    ) -> io::Result<usize> {
        let fd = socket.as_socket2().as_raw_fd();
        socket.io(|| {
            // SAFETY: `msgs[..n]` are initialized headers whose pointers
            // (iovecs, buffers, names) the callers keep alive for this call,
            // with no Rust reference to a receive buffer meanwhile;
            // `n <= BATCH_MAX`.
            let rc = unsafe { call(fd, msgs.as_mut_ptr(), n) };
            if rc < 0 {
                Err(io::Error::last_os_error())
            } else {
                Ok(rc as usize)
            }
        })
    }

    /// `recvmmsg(fd, msgs, n, 0, NULL)`.
    ///
    /// # Safety
    /// As `recvmmsg(2)`: `msgs[..n]` valid headers.
    unsafe fn recvmmsg(fd: libc::c_int, msgs: *mut libc::mmsghdr, n: usize) -> libc::c_int {
        // SAFETY: per the contract; a null timeout waits for nothing on a
        // non-blocking socket.
        unsafe { libc::recvmmsg(fd, msgs, n as _, 0, std::ptr::null_mut()) }
    }

    /// `sendmmsg(fd, msgs, n, SEND_FLAGS)`.
    ///
    /// # Safety
    /// As `sendmmsg(2)`: `msgs[..n]` valid headers.
    unsafe fn sendmmsg(fd: libc::c_int, msgs: *mut libc::mmsghdr, n: usize) -> libc::c_int {
        // SAFETY: per the contract.
        unsafe { libc::sendmmsg(fd, msgs, n as _, super::SEND_FLAGS as _) }
    }

    /// # Safety
    /// As [`Socket::recv_many`].
    pub unsafe fn recv_many(
        socket: &Socket,
        bufs: &[RawBuf],
        got: &mut [Datagram],
        mut from: Option<&mut [SockAddr]>,
    ) -> io::Result<usize> {
        // The slices have the batch's length already (at most BATCH_MAX).
        let n = bufs.len();
        if n == 0 {
            return Ok(0);
        }
        let mut names: [SockAddrStorage; BATCH_MAX] =
            std::array::from_fn(|_| SockAddrStorage::zeroed());
        let mut msgs = headers();
        let mut iovecs: [libc::iovec; BATCH_MAX] = std::array::from_fn(|i| libc::iovec {
            iov_base: bufs.get(i).map_or(std::ptr::null_mut(), |b| b.ptr.cast()),
            iov_len: bufs.get(i).map_or(0, |b| b.len),
        });
        for (i, (msg, iov)) in msgs.iter_mut().zip(iovecs.iter_mut()).take(n).enumerate() {
            msg.msg_hdr.msg_iov = iov;
            msg.msg_hdr.msg_iovlen = 1;
            if from.is_some() {
                msg.msg_hdr.msg_name = (&mut names[i] as *mut SockAddrStorage).cast::<c_void>();
                msg.msg_hdr.msg_namelen = names[i].size_of();
            }
        }
        let count = run(socket, &mut msgs, n, recvmmsg)?;
        for i in 0..count {
            let hdr = &msgs[i].msg_hdr;
            let truncated = hdr.msg_flags & libc::MSG_TRUNC != 0;
            got[i] = Datagram {
                len: if truncated {
                    bufs[i].len
                } else {
                    msgs[i].msg_len as usize
                },
                truncated,
            };
            if let Some(from) = from.as_deref_mut() {
                let storage = std::mem::replace(&mut names[i], SockAddrStorage::zeroed());
                // SAFETY: the kernel wrote an address of `msg_namelen` bytes
                // (at most the storage's size) into this storage.
                let sender = unsafe { SockAddr::new(storage, hdr.msg_namelen) };
                from[i] = socket.sender(sender)?;
            }
        }
        Ok(count)
    }

    pub fn send_many(
        socket: &Socket,
        bufs: &[IoSlice<'_>],
        to: Destinations<'_>,
    ) -> io::Result<usize> {
        let n = bufs.len();
        if n == 0 {
            return Ok(0);
        }
        let mut msgs = headers();
        for (i, (msg, buf)) in msgs.iter_mut().zip(bufs).take(n).enumerate() {
            // `IoSlice` is ABI-compatible with `iovec`; the kernel only reads it.
            msg.msg_hdr.msg_iov = (buf as *const IoSlice<'_>).cast_mut().cast::<libc::iovec>();
            msg.msg_hdr.msg_iovlen = 1;
            if let Some(addr) = to.get(i) {
                msg.msg_hdr.msg_name = addr.as_ptr().cast_mut().cast::<c_void>();
                msg.msg_hdr.msg_namelen = addr.len();
            }
        }
        run(socket, &mut msgs, n, sendmmsg)
    }
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
