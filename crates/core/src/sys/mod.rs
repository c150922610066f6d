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
