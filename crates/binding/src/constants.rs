//! Constants JavaScript shares with Rust, exported so each has one source:
//! `src/scheduler.ts` reads them once into module-level `const`s, and
//! `src/addr.ts` / `src/options.ts` build (or test) their tables from these
//! lists.

use napi_derive::napi;
use socket2_core::{Id, Opt, Readiness};

/// Events per batch the driver hands to `dispatch(count)`; the shared
/// `Uint32Array` holds `DISPATCH_BATCH` (slot, generation, readiness) triples.
#[napi]
pub const DISPATCH_BATCH: u32 = 1024;

/// Readiness bit of a dispatched event: readable ([`Readiness`]).
#[napi]
pub const READABLE: u32 = Readiness::READABLE;
/// Readiness bit: writable.
#[napi]
pub const WRITABLE: u32 = Readiness::WRITABLE;
/// Readiness bit: the peer closed its write side, or the socket is in error.
#[napi]
pub const READ_CLOSED: u32 = Readiness::READ_CLOSED;
/// Readiness bit: the socket can no longer be written, or is in error.
#[napi]
pub const WRITE_CLOSED: u32 = Readiness::WRITE_CLOSED;

/// A socket id is `generation * 2 ** ID_SLOT_BITS + slot` ([`Id`]).
#[napi]
pub const ID_SLOT_BITS: u32 = Id::SLOT_BITS;

/// A protocol name and its number, as `socket2_core::socket::PROTOCOLS`.
#[napi(object, object_from_js = false)]
pub struct ProtocolEntry {
    pub name: &'static str,
    pub number: i32,
}

/// Every protocol name `open` and the look-ups take, with its number.
#[napi]
pub fn protocols() -> Vec<ProtocolEntry> {
    socket2_core::socket::PROTOCOLS
        .iter()
        .map(|&(name, number)| ProtocolEntry { name, number })
        .collect()
}

/// Every name `getopt`/`setopt` accept, aliases included ([`Opt::names`]).
#[napi(ts_return_type = "string[]")]
pub fn option_names() -> Vec<&'static str> {
    Opt::names().collect()
}

/// How a listener handed to several threads (`share()` + `adopt()`) is
/// registered so that a connection wakes one thread's poller, not all:
/// `"EPOLLEXCLUSIVE"` on Linux, `"none"` elsewhere
/// (`socket2_core::reactor::SHARED_LISTENER`).
#[napi]
pub fn shared_listener() -> &'static str {
    socket2_core::reactor::SHARED_LISTENER
}
