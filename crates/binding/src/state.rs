//! Per-environment state: each Node environment (the main thread and every
//! worker thread) runs on its own OS thread, so the reactor is thread-local.
//! It is created by `init` and dropped by the environment's cleanup hook.

use std::cell::RefCell;

use napi::sys;

use crate::pressure::{self, Charge};

/// This environment's table of sockets; each carries the [`Charge`] that
/// gives back what it was reported to hold when it leaves the table.
pub type Reactor = socket2_core::Reactor<Charge>;

thread_local! {
    static REACTOR: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

/// Runs `f` on this environment's reactor, or returns `None` before `init`
/// or after cleanup. `f` must not call into JavaScript: JavaScript may call
/// back into the binding, which would borrow the reactor again.
pub fn with_reactor<T>(f: impl FnOnce(&mut Reactor) -> T) -> Option<T> {
    REACTOR.with(|cell| cell.borrow_mut().as_mut().map(f))
}

/// Makes `reactor` this environment's, reporting its sockets' memory to `env`.
pub fn install(env: sys::napi_env, reactor: Reactor) {
    pressure::report_to(env);
    REACTOR.with(|cell| *cell.borrow_mut() = Some(reactor));
}

/// Drops the reactor, closing every socket still open. Nothing is reported
/// to V8 from here on: the environment is going away.
pub fn uninstall() {
    pressure::report_to(std::ptr::null_mut());
    let reactor = REACTOR.with(|cell| cell.borrow_mut().take());
    drop(reactor);
}
