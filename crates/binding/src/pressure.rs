//! Tells V8 what an open socket holds outside its heap, so that sockets
//! dropped without `close()` are collected (and closed by their finalizer)
//! before the process runs out of descriptors.
//!
//! A socket object is a few dozen bytes of JavaScript; V8 sees no reason to
//! collect it, and the fd and kernel buffers behind it stay until it does.
//! Each open socket therefore carries a [`Charge`]: the socket's kernel
//! buffer sizes (`SO_RCVBUF + SO_SNDBUF`, measured once per socket kind and
//! family: 144 KiB for TCP on Linux's defaults), added with
//! `napi_adjust_external_memory` when the socket enters the reactor's table
//! and given back by the charge's `Drop` when it leaves it, whichever way:
//! `close()`, the finalizer's close, or the environment's teardown. V8
//! starts a collection once external memory grows by about 64 MiB, so with
//! the default limit of 1024 descriptors it collects after some 450
//! abandoned TCP sockets.
//!
//! A collection alone closes nothing: the `FinalizationRegistry` callbacks
//! that close collected sockets run in a later turn of the event loop,
//! which a loop that never yields to it does not reach. For that case each
//! charge also holds a weak reference to its socket's JavaScript object
//! ([`watch`]): when `socket()` or `accept()` runs out of descriptors (or
//! kernel memory: `is_out_of_resources`), JavaScript forces a full collection and [`reclaim`] closes, at once,
//! every socket whose object it took.

use std::cell::Cell;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use socket2_core::Id;

use crate::state::with_reactor;

/// V8 starts a collection once external memory has grown by about this
/// much since the last one.
const V8_COLLECTS_AFTER: i64 = 64 * 1024 * 1024;
/// Where the OS has no descriptor limit (Windows): a socket's share of
/// kernel buffers while idle, roughly.
const NO_LIMIT_FIGURE: i64 = 16 * 1024;
/// Bounds on one socket's figure.
const MIN: i64 = 1024;
const MAX: i64 = 256 * 1024;

thread_local! {
    /// The environment to report to; null before `install` and during
    /// teardown (the isolate is going away: nothing is reported then).
    static ENV: Cell<sys::napi_env> = const { Cell::new(ptr::null_mut()) };
    /// This thread's figure per socket (0: not worked out yet).
    static FIGURE: Cell<i64> = const { Cell::new(0) };
}

/// Reports to `env` from now on (or to nobody, with null).
pub fn report_to(env: sys::napi_env) {
    ENV.with(|cell| cell.set(env));
}

/// What one open socket is reported to hold (this thread's [`figure`],
/// the same for every socket: not stored, so each entry of the reactor's
/// table stays one pointer smaller), and a weak reference to the
/// JavaScript object that owns it; both given back when dropped.
pub struct Charge {
    /// Weak (count 0); null until [`watch`].
    owner: sys::napi_ref,
}

impl Charge {
    /// Reports one socket's figure to V8 and returns the charge that gives
    /// it back.
    pub fn new() -> Charge {
        adjust(figure());
        Charge {
            owner: ptr::null_mut(),
        }
    }

    /// True when the owner was watched and has been garbage-collected.
    fn owner_collected(&self, env: sys::napi_env) -> bool {
        if self.owner.is_null() {
            return false;
        }
        let mut value = ptr::null_mut();
        // SAFETY: `owner` is a live reference made in `env` by `watch`; we
        // are on its thread inside a napi call (so in a handle scope).
        let status = unsafe { sys::napi_get_reference_value(env, self.owner, &mut value) };
        status == sys::Status::napi_ok && value.is_null()
    }
}

impl Drop for Charge {
    fn drop(&mut self) {
        // `figure` is worked out once per thread, so this is what `new` added.
        adjust(-figure());
        let env = ENV.with(Cell::get);
        if !self.owner.is_null() && !env.is_null() {
            // SAFETY: the reference was made in `env` (this thread's live
            // environment, see `adjust`) and is deleted once, here. During
            // teardown (`env` null) the departing environment frees it.
            unsafe { sys::napi_delete_reference(env, self.owner) };
        }
    }
}

/// Remembers `owner`, the JavaScript socket object of `id`, weakly: once it
/// is collected, [`reclaim`] may close the socket.
#[napi]
pub fn watch(env: Env, id: f64, owner: Object) -> Result<()> {
    let mut reference = ptr::null_mut();
    // SAFETY: `owner` is a value of this call's environment; a count of 0
    // makes the reference weak; `reference` is a valid out-pointer.
    let status = unsafe { sys::napi_create_reference(env.raw(), owner.raw(), 0, &mut reference) };
    if status != sys::Status::napi_ok {
        return Err(Error::new(
            Status::GenericFailure,
            "napi_create_reference failed",
        ));
    }
    let stored = with_reactor(|reactor| match reactor.extra_mut(Id::from_raw(id as u64)) {
        Some(charge) if charge.owner.is_null() => {
            charge.owner = reference;
            true
        }
        _ => false,
    });
    if stored != Some(true) {
        // SAFETY: made just above in this environment, not stored anywhere.
        unsafe { sys::napi_delete_reference(env.raw(), reference) };
    }
    Ok(())
}

/// Closes every socket whose JavaScript object was garbage-collected
/// (its finalizer, still to run, then finds it closed); returns how many.
#[napi]
pub fn reclaim(env: Env) -> u32 {
    let reclaimed = with_reactor(|reactor| {
        let gone = reactor.select(|charge| charge.owner_collected(env.raw()));
        for &id in &gone {
            drop(reactor.remove(id));
        }
        gone.len() as u32
    })
    .unwrap_or(0);
    crate::driver::socket_removed();
    reclaimed
}

/// What one open socket is reported to hold. The point is descriptors,
/// not bytes: the figure makes V8 collect before half the process's
/// descriptor limit is held by sockets nobody can reach (64 MiB over half
/// the limit: 128 KiB each at the common 1024, 1 KiB at 65 536 and more).
/// A fixed "kernel buffers" figure (~144 KiB for TCP) would make a server
/// holding 100 000 live connections report 14 GiB and collect after every
/// few hundred accepts, for nothing.
fn figure() -> i64 {
    let known = FIGURE.with(Cell::get);
    if known != 0 {
        return known;
    }
    let figure = match socket2_core::descriptor_limit() {
        Some(limit) => {
            let half = i64::try_from(limit / 2).unwrap_or(i64::MAX).max(1);
            (V8_COLLECTS_AFTER / half).clamp(MIN, MAX)
        }
        None => NO_LIMIT_FIGURE,
    };
    FIGURE.with(|cell| cell.set(figure));
    figure
}

fn adjust(change: i64) {
    let env = ENV.with(Cell::get);
    if env.is_null() {
        return;
    }
    let mut total = 0;
    // SAFETY: `env` is this thread's live environment (set by `install`,
    // cleared before teardown), and charges are made and dropped only on
    // its thread, outside garbage collection; `total` is a valid
    // out-pointer. A runtime that does not implement the call returns an
    // error status, which changes nothing here.
    unsafe { sys::napi_adjust_external_memory(env, change, &mut total) };
}
