//! The native core of the `socket2` Node package.
//!
//! This crate knows nothing of Node or napi. It owns three things:
//!
//! * [`socket`]: non-blocking socket operations (one `socket(2)`, `recv(2)`,
//!   `send(2)`… per call) over the [`socket2`] crate;
//! * [`reactor`]: the table of open sockets and their readiness, over [`mio`]
//!   (epoll on Linux, kqueue on macOS/BSD, IOCP on Windows), with a generation
//!   number in every token so a reused slot never sees a closed socket's events;
//! * [`addr`]: `getaddrinfo(3)` lists and socket addresses;
//! * [`options`]: socket options by name with typed values;
//! * [`handoff`]: sockets on their way from one thread's reactor to another's;
//!
//! plus [`error`], the one place that turns OS errors into the normalized names
//! the JavaScript API returns. OS specifics live in `sys/`.

#![deny(clippy::undocumented_unsafe_blocks)]

pub mod addr;
pub mod error;
pub mod handoff;
pub mod options;
pub mod reactor;
pub mod socket;
mod sys;

pub use addr::{AddrEntry, AddrList, Flags};
pub use error::{error_name, lookup_error_name, lookup_failure, ERROR_NAMES, OS_ERROR};
pub use options::{Opt, OptValue};
pub use reactor::{Id, Owner, Reactor, Readiness, Registrar, SharedPoller};
pub use socket::{Family, Kind, Socket};
pub use sys::descriptor_limit;

/// Windows under Wine (`scripts/test-windows.sh` sets `SOCKET2_WINE=1`):
/// the tests skip what Wine's Winsock does differently from Windows, each
/// difference reproduced without our code by `scripts/wine/repro.c`.
#[cfg(test)]
pub(crate) fn under_wine() -> bool {
    cfg!(windows) && std::env::var_os("SOCKET2_WINE").is_some_and(|v| v == "1")
}
