//! Socket operations for `index.ts`. Each is one core call on the socket
//! behind an id; none blocks and none waits: waiting is `index.ts`'s
//! scheduler's job, on readiness events from the driver.
//!
//! Results are plain numbers so the hot path allocates nothing: `>= 0` is a
//! byte count (or a new socket id), [`WOULD_BLOCK`] means "wait for
//! readiness", [`CLOSED`] means the id is no longer open, and any other
//! negative value is a negated OS error code (see `errorName`).

use std::cell::Cell;
use std::io;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::socket::Connect;
use socket2_core::{Family, Id, Kind, Socket};

use crate::addr::AddrList;
use crate::pressure::Charge;
use crate::state::with_reactor;

/// The operation would block: wait for readiness, then try again.
#[napi]
pub const WOULD_BLOCK: i32 = i32::MIN;
/// The socket id is not open (closed, or never was).
#[napi]
pub const CLOSED: i32 = i32::MIN + 1;
/// An error with no OS code; `errorName(OTHER)` tells the last one.
#[napi]
pub const OTHER: i32 = i32::MIN + 2;
/// The buffer is shorter than the length the call was given: it was
/// detached (or shrunk) after JavaScript checked it, while the call waited.
/// Nothing was read or written.
#[napi]
pub const DETACHED: i32 = i32::MIN + 3;
/// True where a short stream read means the socket is drained (epoll,
/// kqueue); false under IOCP.
#[napi]
pub const SHORT_READ_DRAINS: bool = socket2_core::reactor::SHORT_READ_DRAINS;

thread_local! {
    static LAST_OTHER: Cell<&'static str> = const { Cell::new(socket2_core::OS_ERROR) };
}

pub(crate) fn encode_error(err: io::Error) -> i32 {
    if err.kind() == io::ErrorKind::WouldBlock {
        return WOULD_BLOCK;
    }
    match err.raw_os_error() {
        Some(code) if code > 0 => -code,
        _ => {
            LAST_OTHER.with(|last| last.set(socket2_core::error::io_error_name(&err)));
            OTHER
        }
    }
}

/// A byte count (or 0 for done), or the encoded error.
pub(crate) fn encode(result: io::Result<usize>) -> i32 {
    match result {
        Ok(n) => n.min(i32::MAX as usize) as i32,
        Err(err) => encode_error(err),
    }
}

fn id(raw: f64) -> Id {
    Id::from_raw(raw as u64)
}

/// Runs `f` on the open socket `raw`, or returns `None`.
pub(crate) fn with_socket<T>(raw: f64, f: impl FnOnce(&Socket) -> T) -> Option<T> {
    with_reactor(|reactor| reactor.get(id(raw)).map(f)).flatten()
}

/// Runs `f` on the open socket `raw`, or returns [`CLOSED`].
pub(crate) fn on_socket(raw: f64, f: impl FnOnce(&Socket) -> i32) -> i32 {
    with_socket(raw, f).unwrap_or(CLOSED)
}

/// The normalized name of an error code returned by these functions: one
/// of [`error_names`].
#[napi]
pub fn error_name(code: i32) -> &'static str {
    match code {
        CLOSED => "closed",
        WOULD_BLOCK => "would_block",
        OTHER => LAST_OTHER.with(Cell::get),
        // Not an error code (and `-i32::MIN` does not exist).
        DETACHED | 0.. => socket2_core::OS_ERROR,
        code => socket2_core::error_name(-code),
    }
}

/// Every name an error tuple can carry (`socket2_core::ERROR_NAMES`): the
/// runtime list behind the TypeScript `ErrorName` type.
#[napi(ts_return_type = "string[]")]
pub fn error_names() -> Vec<&'static str> {
    socket2_core::ERROR_NAMES.to_vec()
}

/// `socket(2)`, registered with the reactor. Returns the new id, or a
/// negative error code.
#[napi]
pub fn open(kind: String, family: String, protocol: i32) -> f64 {
    let (Some(kind), Some(family)) = (Kind::parse(&kind), Family::parse(&family)) else {
        return encode_error(io::Error::from(io::ErrorKind::InvalidInput)) as f64;
    };
    let opened = Socket::open(kind, family, protocol).and_then(|socket| {
        with_reactor(|r| {
            let charge = Charge::new();
            r.insert_with(socket, charge)
        })
        .unwrap_or_else(not_initialized)
    });
    match opened {
        Ok(id) => {
            crate::driver::socket_added();
            id.raw() as f64
        }
        Err(err) => encode_error(err) as f64,
    }
}

fn not_initialized<T>() -> io::Result<T> {
    Err(io::Error::other(
        "socket2 is not initialized in this environment",
    ))
}

/// Deregisters and closes the socket. Closing twice is harmless: the second
/// call returns false.
#[napi]
pub fn close(id_raw: f64) -> bool {
    let closed = with_reactor(|reactor| reactor.remove(id(id_raw)))
        .flatten()
        .is_some();
    crate::driver::socket_removed();
    closed
}

/// Number of sockets open in this environment (for leak checks).
#[napi]
pub fn open_count() -> u32 {
    with_reactor(|reactor| reactor.len() as u32).unwrap_or(0)
}

/// `bind(2)` to entry `index` of `list`.
#[napi]
pub fn bind(id_raw: f64, list: &AddrList, index: u32) -> i32 {
    let Some(addr) = list.sockaddr(index) else {
        return encode_error(io::Error::from(io::ErrorKind::InvalidInput));
    };
    on_socket(id_raw, |s| encode(s.bind(&addr).map(|()| 0)))
}

/// `listen(2)`; a negative backlog asks for the OS maximum.
#[napi]
pub fn listen(id_raw: f64, backlog: i32) -> i32 {
    let backlog = (backlog >= 0).then_some(backlog);
    on_socket(id_raw, |s| encode(s.listen(backlog).map(|()| 0)))
}

/// `connect(2)` to entry `index` of `list`: 0 when connected, 1 when under
/// way (wait for writable, then `connectResult`).
#[napi]
pub fn connect(id_raw: f64, list: &AddrList, index: u32) -> i32 {
    let Some(addr) = list.sockaddr(index) else {
        return encode_error(io::Error::from(io::ErrorKind::InvalidInput));
    };
    on_socket(id_raw, |s| match s.connect(&addr) {
        Ok(Connect::Done) => 0,
        Ok(Connect::InProgress) => 1,
        Err(err) => encode_error(err),
    })
}

/// The outcome of a connect that was under way (`SO_ERROR`): 0 when
/// connected, [`WOULD_BLOCK`] while still pending, or an error code.
#[napi]
pub fn connect_result(id_raw: f64) -> i32 {
    on_socket(id_raw, |s| match s.take_error() {
        Err(err) => encode_error(err),
        // No error yet: connected only if there is a peer.
        Ok(()) => match s.peer_addr() {
            Ok(_) => 0,
            Err(err) if err.raw_os_error() == not_connected_code() => WOULD_BLOCK,
            Err(err) => encode_error(err),
        },
    })
}

fn not_connected_code() -> Option<i32> {
    io::Error::from(io::ErrorKind::NotConnected)
        .raw_os_error()
        .or(NOT_CONNECTED)
}

#[cfg(unix)]
const NOT_CONNECTED: Option<i32> = Some(libc::ENOTCONN);
#[cfg(windows)]
const NOT_CONNECTED: Option<i32> = Some(10057);

thread_local! {
    /// `accept` calls of this environment that found no connection.
    static ACCEPT_WOULD_BLOCK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// How many `accept` calls of this thread found no connection (`EAGAIN`):
/// a diagnostic for the tests, which count the wake-ups a shared listener
/// causes.
#[napi]
pub fn accept_would_block() -> f64 {
    ACCEPT_WOULD_BLOCK.with(|count| count.get()) as f64
}

/// `accept(2)`: the new socket's id, registered with the reactor.
#[napi]
pub fn accept(id_raw: f64) -> f64 {
    let accepted = with_reactor(|reactor| {
        let socket = match reactor.get(id(id_raw)) {
            Some(listener) => listener.accept().map(|(socket, _)| socket),
            None => return Err(None),
        };
        socket
            .and_then(|socket| {
                let charge = Charge::new();
                reactor.insert_with(socket, charge)
            })
            .map_err(Some)
    });
    match accepted {
        Some(Ok(new_id)) => {
            crate::driver::socket_added();
            new_id.raw() as f64
        }
        Some(Err(Some(err))) => {
            if err.kind() == io::ErrorKind::WouldBlock {
                ACCEPT_WOULD_BLOCK.with(|count| count.set(count.get() + 1));
            }
            encode_error(err) as f64
        }
        Some(Err(None)) | None => CLOSED as f64,
    }
}

/// True when a negative result `code` says the process or system is out of
/// descriptors or memory (`EMFILE`, `ENFILE`, `ENOBUFS`, `ENOMEM`), where
/// an `accept` retried at once would fail the same way.
#[napi]
pub fn is_out_of_resources(code: i32) -> bool {
    code < 0 && code > OTHER && socket2_core::error::is_out_of_resources(-code)
}

// `recv` and `send`, the per-message calls, are raw Node-API functions in
// `hot.rs`.

/// `shutdown(2)`: `how` is 0 (`SHUT_RD`), 1 (`SHUT_WR`) or 2 (`SHUT_RDWR`).
#[napi]
pub fn shutdown(id_raw: f64, how: u32) -> i32 {
    let how = match how {
        0 => std::net::Shutdown::Read,
        1 => std::net::Shutdown::Write,
        2 => std::net::Shutdown::Both,
        _ => return encode_error(io::Error::from(io::ErrorKind::InvalidInput)),
    };
    on_socket(id_raw, |s| encode(s.shutdown(how).map(|()| 0)))
}

/// `getsockname(2)` as a one-entry address list, or an error code.
#[napi]
pub fn local_addr(id_raw: f64) -> Either<AddrList, i32> {
    socket_addr(id_raw, Socket::local_addr)
}

/// `getpeername(2)` as a one-entry address list, or an error code.
#[napi]
pub fn remote_addr(id_raw: f64) -> Either<AddrList, i32> {
    socket_addr(id_raw, Socket::peer_addr)
}

fn socket_addr(
    id_raw: f64,
    get: impl FnOnce(&Socket) -> io::Result<socket2::SockAddr>,
) -> Either<AddrList, i32> {
    let found = with_reactor(|reactor| {
        reactor
            .get(id(id_raw))
            .map(|s| get(s).map(|addr| (addr, s.kind())))
    })
    .flatten();
    match found {
        Some(Ok((addr, kind))) => match AddrList::from_sockaddr(addr, kind) {
            Some(list) => Either::A(list),
            None => Either::B(encode_error(io::Error::from(io::ErrorKind::Unsupported))),
        },
        Some(Err(err)) => Either::B(encode_error(err)),
        None => Either::B(CLOSED),
    }
}

/// What names this environment's poller to another thread's
/// `setSharedPoller`: the epoll fd on Linux, the kqueue on macOS and the
/// BSDs, on Windows a number of the process's own for its completion port
/// (mio does not expose the port's `HANDLE`); -1 before `init`.
#[napi]
pub fn poller_fd() -> i64 {
    crate::driver::poller_key()
}
