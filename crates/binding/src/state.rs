//! Per-environment state: each Node environment (the main thread and every
//! worker thread) runs on its own OS thread, so the reactor is thread-local.
//! It is created by `init` and dropped by the environment's cleanup hook.

use std::cell::RefCell;

use socket2_core::Reactor;

thread_local! {
    static REACTOR: RefCell<Option<Reactor>> = const { RefCell::new(None) };
}

/// Runs `f` on this environment's reactor, or returns `None` before `init`
/// or after cleanup. `f` must not call into JavaScript: JavaScript may call
/// back into the binding, which would borrow the reactor again.
pub fn with_reactor<T>(f: impl FnOnce(&mut Reactor) -> T) -> Option<T> {
    REACTOR.with(|cell| cell.borrow_mut().as_mut().map(f))
}

pub fn install(reactor: Reactor) {
    REACTOR.with(|cell| *cell.borrow_mut() = Some(reactor));
}

/// Drops the reactor, closing every socket still open.
pub fn uninstall() {
    let reactor = REACTOR.with(|cell| cell.borrow_mut().take());
    drop(reactor);
}
