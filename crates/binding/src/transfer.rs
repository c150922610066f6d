//! Sockets between threads: `detach`, `share`, `adopt`, `release` over the
//! core's process-wide hand-off table (`socket2_core::handoff`).
//!
//! A socket leaves this environment's reactor (deregistered from its poller,
//! still open) or is duplicated, and waits in the table under a token; the
//! token travels to another thread in a descriptor, and that thread takes
//! the socket out of the table, exactly once, into its own reactor. Results
//! are numbers as in `ops.rs`: a token or socket id (`>= 0`), [`CLOSED`]
//! (the socket, or the token's socket, is gone), or a negated OS error.

use std::io;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::handoff::{self, Taken};
use socket2_core::Id;

use crate::ops::{encode_error, CLOSED};
use crate::pressure::Charge;
use crate::state::with_reactor;

/// A token [`adopt`] or [`release`] did not hand out: not a descriptor of
/// this process.
#[napi]
pub const UNKNOWN_TOKEN: i32 = i32::MIN + 3;

/// Takes the socket out of this environment's reactor (deregistered, not
/// closed) into the hand-off table; returns its token, or [`CLOSED`].
#[napi]
pub fn detach(id_raw: f64, protocol: String) -> f64 {
    let removed = with_reactor(|reactor| reactor.remove(Id::from_raw(id_raw as u64))).flatten();
    crate::driver::socket_removed();
    match removed {
        Some(socket) => handoff::deposit(socket, protocol) as f64,
        None => CLOSED as f64,
    }
}

/// Puts a duplicate of the socket (`F_DUPFD_CLOEXEC`, `WSADuplicateSocketW`)
/// into the hand-off table; the socket itself stays here, open. Returns the
/// duplicate's token, [`CLOSED`], or an error code (out of descriptors).
#[napi]
pub fn share(id_raw: f64, protocol: String) -> f64 {
    let id = Id::from_raw(id_raw as u64);
    let cloned = with_reactor(|reactor| {
        let clone = reactor.get(id).map(|socket| socket.try_clone())?;
        // A listener handed to another thread: this thread's handle on it
        // is registered as the adopter's will be (one connection wakes one
        // poller). Failing that, it stays registered as it was.
        if clone.is_ok() {
            let _ = reactor.share_listener(id);
        }
        Some(clone)
    })
    .flatten();
    match cloned {
        Some(Ok(clone)) => handoff::deposit(clone, protocol) as f64,
        Some(Err(err)) => encode_error(err) as f64,
        None => CLOSED as f64,
    }
}

/// A socket [`adopt`] registered with this environment's reactor.
#[napi(object)]
pub struct Adopted {
    pub id: f64,
    pub kind: String,
    pub family: String,
    pub protocol: String,
}

/// Takes the socket held under `token` and registers it with this
/// environment's reactor. [`CLOSED`] if it was taken already (or released),
/// [`UNKNOWN_TOKEN`] if no such token was handed out. Should registering fail
/// (the poller out of memory), the socket is closed and the error returned.
#[napi]
pub fn adopt(token: f64) -> Either<Adopted, i32> {
    let detached = match taken(token) {
        Ok(detached) => detached,
        Err(code) => return Either::B(code),
    };
    let (kind, family) = (detached.socket.kind(), detached.socket.family());
    let inserted = with_reactor(|reactor| reactor.insert_shared(detached.socket, Charge::new()))
        .unwrap_or_else(|| {
            Err(io::Error::other(
                "socket2 is not initialized in this environment",
            ))
        });
    match inserted {
        Ok(id) => {
            crate::driver::socket_added();
            Either::A(Adopted {
                id: id.raw() as f64,
                kind: kind.name().to_string(),
                family: family.name().to_string(),
                protocol: detached.protocol,
            })
        }
        Err(err) => Either::B(encode_error(err)),
    }
}

/// Takes the socket held under `token` and closes it: 0, [`CLOSED`] or
/// [`UNKNOWN_TOKEN`] as for [`adopt`].
#[napi]
pub fn release(token: f64) -> i32 {
    match taken(token) {
        Ok(detached) => {
            drop(detached);
            0
        }
        Err(code) => code,
    }
}

/// Sockets detached or shared by any thread of the process and not adopted
/// or released yet.
#[napi]
pub fn detached_count() -> u32 {
    handoff::held() as u32
}

fn taken(token: f64) -> std::result::Result<handoff::Detached, i32> {
    if !(token >= 1.0 && token.fract() == 0.0 && token < 9_007_199_254_740_992.0) {
        return Err(UNKNOWN_TOKEN);
    }
    match handoff::take(token as u64) {
        Taken::Socket(detached) => Ok(detached),
        Taken::AlreadyTaken => Err(CLOSED),
        Taken::Unknown => Err(UNKNOWN_TOKEN),
    }
}
