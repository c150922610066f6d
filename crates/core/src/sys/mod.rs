//! OS specifics, one file per OS family, as in mio and socket2.

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

/// `setsockopt(TCP_KEEPIDLE | TCP_KEEPINTVL | TCP_KEEPCNT)` (Windows:
/// `SIO_KEEPALIVE_VALS` / `TCP_KEEPCNT`) through socket2's
/// `set_tcp_keepalive`, which also turns `SO_KEEPALIVE` on (Windows resets
/// the parameter not given to its default). Where socket2 has all three
/// parameters: the OS list is the one `options_unix.rs` gives its
/// `keepalive_param` (elsewhere it answers "not supported" itself).
#[cfg(any(
    windows,
    target_os = "linux",
    target_os = "android",
    target_vendor = "apple",
    target_os = "freebsd",
    target_os = "netbsd",
    target_os = "dragonfly",
    target_os = "fuchsia",
    target_os = "illumos"
))]
pub fn set_keepalive_param(
    socket: &socket2::Socket,
    param: crate::options::KeepaliveParam,
    value: u32,
) -> std::io::Result<()> {
    use crate::options::KeepaliveParam;
    let none = socket2::TcpKeepalive::new();
    let time = std::time::Duration::from_secs(u64::from(value));
    let params = match param {
        KeepaliveParam::Idle => none.with_time(time),
        KeepaliveParam::Interval => none.with_interval(time),
        KeepaliveParam::Count => none.with_retries(value),
    };
    socket.set_tcp_keepalive(&params)
}
