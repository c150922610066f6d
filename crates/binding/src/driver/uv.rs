//! The libuv driver: a `uv_poll_t` on Node's loop watches the poller's own
//! descriptor (the epoll or kqueue fd); when it turns readable, [`on_poll`]
//! drains every ready event with zero-timeout polls straight into the shared
//! `Uint32Array`, one `dispatch` per batch.
//!
//! On a poller shared with other threads (`epollFd(fd)`), an environment
//! watches only while it has sockets: one without any has no events of its
//! own, and draining the others' would only cost each owner a hand-off and
//! a wake-up, and split what the owner polls as one batch (an idle main
//! thread that made the poller for its workers took most of their events
//! that way). The loop is kept alive by the `uv_async_t` (always active),
//! not by the poll handle, which may be stopped.
//!
//! libuv's functions are looked up at run time (`dlsym`) rather than linked,
//! so a runtime that does not export libuv is detected at `init` (and gets
//! the poller-thread driver) instead of failing to load the addon.

use std::ffi::{c_int, c_void, CStr};
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

use std::sync::Arc;

use super::shared::{Inbox, OwnerNumber, Shared};
use super::{check, stopped, Dispatcher, BATCH};
use crate::state::{self, Reactor};

type PollCb = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
type AsyncCb = unsafe extern "C" fn(handle: *mut c_void);
type CloseCb = unsafe extern "C" fn(handle: *mut c_void);

/// `UV_POLL` in `uv_handle_type`.
const UV_POLL: c_int = 8;
/// `UV_ASYNC` in `uv_handle_type`.
const UV_ASYNC: c_int = 1;
/// `UV_READABLE` in `uv_poll_event`.
const UV_READABLE: c_int = 1;

type HandleSize = unsafe extern "C" fn(kind: c_int) -> usize;
type PollInit = unsafe extern "C" fn(lp: *mut c_void, h: *mut c_void, fd: c_int) -> c_int;
type PollStart = unsafe extern "C" fn(h: *mut c_void, events: c_int, cb: PollCb) -> c_int;
type HandleOp = unsafe extern "C" fn(h: *mut c_void) -> c_int;
type Close = unsafe extern "C" fn(h: *mut c_void, cb: CloseCb);
type HandleVoid = unsafe extern "C" fn(h: *mut c_void);
type SetData = unsafe extern "C" fn(h: *mut c_void, data: *mut c_void);
type GetData = unsafe extern "C" fn(h: *const c_void) -> *mut c_void;
type AsyncInit = unsafe extern "C" fn(lp: *mut c_void, h: *mut c_void, cb: AsyncCb) -> c_int;
type AsyncSend = unsafe extern "C" fn(h: *mut c_void) -> c_int;

/// The few libuv entry points the driver needs, resolved from the host
/// process (Node exports libuv's symbols).
struct Api {
    handle_size: HandleSize,
    poll_init: PollInit,
    poll_start: PollStart,
    poll_stop: HandleOp,
    close: Close,
    ref_: HandleVoid,
    unref: HandleVoid,
    set_data: SetData,
    get_data: GetData,
    async_init: AsyncInit,
    async_send: AsyncSend,
}

fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: `name` is NUL-terminated; RTLD_DEFAULT searches the symbols
    // already loaded into the process and has no other effect.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!found.is_null()).then_some(found)
}

macro_rules! load {
    ($name:literal as $ty:ty) => {
        // SAFETY: the symbol is libuv's function of that name, whose C
        // signature is `$ty` (libuv 1.x ABI, stable).
        unsafe { std::mem::transmute::<*mut c_void, $ty>(symbol($name)?) }
    };
}

impl Api {
    fn load() -> Option<Api> {
        Some(Api {
            handle_size: load!(c"uv_handle_size" as HandleSize),
            poll_init: load!(c"uv_poll_init" as PollInit),
            poll_start: load!(c"uv_poll_start" as PollStart),
            poll_stop: load!(c"uv_poll_stop" as HandleOp),
            close: load!(c"uv_close" as Close),
            ref_: load!(c"uv_ref" as HandleVoid),
            unref: load!(c"uv_unref" as HandleVoid),
            set_data: load!(c"uv_handle_set_data" as SetData),
            get_data: load!(c"uv_handle_get_data" as GetData),
            async_init: load!(c"uv_async_init" as AsyncInit),
            async_send: load!(c"uv_async_send" as AsyncSend),
        })
    }
}

/// libuv's entry points, looked up once per process (every environment
/// shares the one libuv Node links).
fn api() -> Option<&'static Api> {
    static API: std::sync::OnceLock<Option<Api>> = std::sync::OnceLock::new();
    API.get_or_init(Api::load).as_ref()
}

/// The memory of one libuv handle, owned: dropped, an initialized handle is
/// closed (libuv frees its memory in [`on_handle_closed`]) and one libuv
/// never saw is just freed. Made and dropped on the environment's thread.
struct UvHandle {
    api: &'static Api,
    ptr: *mut c_void,
    initialized: bool,
}

impl UvHandle {
    /// Zeroed memory for a handle of `kind`, initialized by `init` (libuv's
    /// `uv_*_init`, given the memory; it returns libuv's status).
    fn new(
        api: &'static Api,
        kind: c_int,
        what: &str,
        init: impl FnOnce(*mut c_void) -> c_int,
    ) -> Result<UvHandle> {
        // SAFETY: `uv_handle_size(kind)` is the size of that handle type.
        let ptr = unsafe { libc::calloc(1, (api.handle_size)(kind)) };
        let mut handle = UvHandle {
            api,
            ptr,
            initialized: false,
        };
        let status = if ptr.is_null() { -1 } else { init(ptr) };
        if status != 0 {
            return Err(Error::from_reason(format!("{what} failed ({status})")));
        }
        handle.initialized = true;
        Ok(handle)
    }

    /// Hands the initialized handle to the caller, who closes it with a
    /// close callback that frees its memory.
    fn into_raw(self) -> *mut c_void {
        let ptr = self.ptr;
        std::mem::forget(self);
        ptr
    }
}

impl Drop for UvHandle {
    fn drop(&mut self) {
        if self.initialized {
            // SAFETY: a live handle, closed once, on its loop's thread; the
            // callback frees the `calloc` memory when libuv is done with it.
            unsafe { (self.api.close)(self.ptr, on_handle_closed) };
        } else {
            // SAFETY: memory from `calloc` (or null) that libuv never saw.
            unsafe { libc::free(self.ptr) };
        }
    }
}

unsafe extern "C" fn on_handle_closed(handle: *mut c_void) {
    // SAFETY: libuv is done with the handle; its memory came from `calloc`.
    unsafe { libc::free(handle) };
}

/// What the libuv callbacks need; owned by the `uv_poll_t`'s data pointer,
/// reclaimed (and dropped) by its close callback, [`on_closed`].
struct Driver {
    dispatcher: Dispatcher,
    handle: *mut c_void,
    cleanup: sys::napi_async_cleanup_hook_handle,
    /// The poller this environment polls (its own, or another thread's).
    shared: Arc<Shared>,
    /// This environment's number in the shared poller's tokens.
    owner: OwnerNumber,
    /// Events other environments polled for us; `waker` is told of them.
    inbox: Arc<Inbox>,
    /// A `uv_async_t` whose callback, [`on_routed`], drains `inbox`; closed
    /// (taken) before the poll handle.
    waker: Option<UvHandle>,
}

/// A `uv_async_t` pointer that other threads may signal.
struct AsyncHandle(*mut c_void);

// SAFETY: `uv_async_send` is the one libuv call documented as safe from any
// thread; the handle is only signalled while its environment is a member of
// the shared poller's inboxes, and it leaves them before closing the handle.
unsafe impl Send for AsyncHandle {}
// SAFETY: as above; signalling takes `&self` and changes nothing here.
unsafe impl Sync for AsyncHandle {}

/// The driver stored in a live poll handle's data pointer.
///
/// # Safety
/// `handle` must be a live poll handle created by [`start`].
unsafe fn driver_of(api: &Api, handle: *mut c_void) -> *mut Driver {
    // SAFETY: per the function's contract.
    unsafe { (api.get_data)(handle).cast() }
}

thread_local! {
    static HANDLE: std::cell::Cell<*mut c_void> = const { std::cell::Cell::new(ptr::null_mut()) };
    /// The async handle: referenced while a coroutine waits.
    static KEEPALIVE: std::cell::Cell<*mut c_void> = const { std::cell::Cell::new(ptr::null_mut()) };
    /// The poll handle is started (it is stopped while the table is empty).
    static WATCHING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// This environment's libuv loop, if the runtime exports libuv and gives
/// addons its loop; `None` otherwise (Bun, Deno).
pub(super) fn event_loop(env: sys::napi_env) -> Option<*mut c_void> {
    api()?;
    let mut uv_loop = ptr::null_mut();
    // SAFETY: `uv_loop` is a valid out-pointer; `env` is the current environment.
    let status = unsafe { sys::napi_get_uv_event_loop(env, &mut uv_loop) };
    (status == sys::Status::napi_ok && !uv_loop.is_null()).then_some(uv_loop.cast())
}

/// Starts watching a new reactor's poller fd on `uv_loop`, unreferenced
/// until a coroutine waits. On failure everything made is released.
pub(super) fn start(
    env: sys::napi_env,
    uv_loop: *mut c_void,
    dispatcher: Dispatcher,
    join: Option<Arc<Shared>>,
) -> Result<()> {
    // Until the driver exists, each part made is released as it is dropped.
    let api = api().ok_or_else(|| Error::from_reason("libuv is not available"))?;
    let shared = match join {
        Some(shared) => shared,
        None => Shared::create(BATCH).map_err(|err| Error::from_reason(err.to_string()))?,
    };
    let owner = OwnerNumber::allocate().map_err(|err| Error::from_reason(err.to_string()))?;
    let reactor = Reactor::sharing(Arc::clone(&shared.poller), owner.get());
    let poller_fd = reactor.poller_fd();
    // The async handle that routed events wake; set up before the poll
    // handle, and torn down with it.
    let waker = UvHandle::new(api, UV_ASYNC, "uv_async_init", |waker| {
        // SAFETY: zeroed memory of the right size on this environment's
        // loop; `on_routed` matches `uv_async_cb`.
        unsafe { (api.async_init)(uv_loop, waker, on_routed) }
    })?;
    // SAFETY: an initialized handle. Unreferenced until a coroutine waits
    // (`set_active`): always active, it is what keeps the loop alive.
    unsafe { (api.unref)(waker.ptr) };
    let handle = UvHandle::new(api, UV_POLL, "uv_poll_init", |handle| {
        // SAFETY: zeroed memory of the right size; `uv_loop` is this
        // environment's loop; `poller_fd` stays open as long as the reactor,
        // which outlives the handle (both end in `on_cleanup`).
        unsafe { (api.poll_init)(uv_loop, handle, poller_fd) }
    })?;

    let signal = AsyncHandle(waker.ptr);
    let inbox = Arc::new(Inbox::new(Box::new(move || {
        let signal = &signal;
        // SAFETY: see `AsyncHandle`: the handle is alive while the inbox is
        // reachable from the shared poller.
        unsafe { (api.async_send)(signal.0) };
    })));
    let waker_ptr = waker.ptr;
    // From here the poll handle owns the driver: closing it (`close_driver`)
    // releases everything.
    let handle = handle.into_raw();
    let driver = Box::into_raw(Box::new(Driver {
        dispatcher,
        handle,
        cleanup: ptr::null_mut(),
        shared,
        owner,
        inbox,
        waker: Some(waker),
    }));
    // SAFETY: the async handle is initialized; its data is the driver, which
    // outlives it (the handle is closed before the poll handle).
    unsafe { (api.set_data)(waker_ptr, driver.cast()) };
    // SAFETY: `driver` is a fresh allocation owned by the handle from now on
    // (freed in `on_closed`, which every path below reaches through
    // `close_driver`); the handle is initialized; `on_poll` matches
    // `uv_poll_cb`.
    unsafe {
        (api.set_data)(handle, driver.cast());
        let status = (api.poll_start)(handle, UV_READABLE, on_poll);
        if status != 0 {
            close_driver(api, driver);
            return Err(Error::from_reason(format!(
                "uv_poll_start failed ({status})"
            )));
        }
        // Never keeps the loop alive: the async handle does that, as the
        // poll handle is stopped while there is nothing to watch.
        (api.unref)(handle);
        if let Err(err) = check(
            sys::napi_add_async_cleanup_hook(
                env,
                Some(on_cleanup),
                driver.cast(),
                &mut (*driver).cleanup,
            ),
            "napi_add_async_cleanup_hook",
        ) {
            close_driver(api, driver);
            return Err(err);
        }
    }
    HANDLE.with(|h| h.set(handle));
    KEEPALIVE.with(|h| h.set(waker_ptr));
    WATCHING.with(|w| w.set(true));
    state::install(env, reactor);
    // SAFETY: `driver` is live (owned by the handle until `on_closed`).
    let driver = unsafe { &*driver };
    driver
        .shared
        .join(driver.owner.get(), Arc::clone(&driver.inbox));
    Ok(())
}

/// `uv_ref`/`uv_unref` on this environment's async handle, if it has one:
/// always active, it keeps the loop alive while referenced, whether or not
/// the poll handle watches.
pub(super) fn set_active(active: bool) {
    let handle = KEEPALIVE.with(|h| h.get());
    let Some(api) = api() else { return };
    if handle.is_null() {
        return;
    }
    // SAFETY: `handle` is this thread's live async handle (the cell is
    // cleared before the handle is closed).
    unsafe {
        if active {
            (api.ref_)(handle);
        } else {
            (api.unref)(handle);
        }
    }
}

/// libuv's callback: the poller fd is readable, so events are pending.
unsafe extern "C" fn on_poll(handle: *mut c_void, _status: c_int, _events: c_int) {
    let Some(api) = api() else { return };
    // SAFETY: the handle's data is the driver, alive until `on_closed`; libuv
    // calls back on the environment's thread, outside any JavaScript frame.
    let driver = unsafe { &*driver_of(api, handle) };
    if state::with_reactor(|reactor| reactor.is_empty()).unwrap_or(true) {
        // No socket here, so every event ready is another thread's: leave
        // them to their owners, who watch this poller too (see the module
        // documentation). `watch` starts again with our next socket.
        // SAFETY: the live poll handle, on its loop's thread.
        unsafe { (api.poll_stop)(handle) };
        WATCHING.with(|w| w.set(false));
        return;
    }
    loop {
        // SAFETY: see above.
        let drained = unsafe {
            driver.dispatcher.with_events(|out| {
                let (kept, taken) = driver.shared.drain(driver.owner.get(), out)?;
                let live = state::with_reactor(|reactor| reactor.retain_live(out, kept));
                Ok::<_, std::io::Error>((live.unwrap_or(0), taken))
            })
        };
        let Ok((live, taken)) = drained else { return };
        if live > 0 {
            // SAFETY: on the environment's thread inside a libuv callback.
            unsafe { driver.dispatcher.dispatch(live) };
        }
        if taken < BATCH {
            return;
        }
    }
}

/// Watches the poller again if [`on_poll`] stopped while the table was
/// empty: called after a socket enters the table. Its events were not
/// missed meanwhile: they wait in the poller (or were routed to us).
pub(super) fn watch() {
    if WATCHING.with(|w| w.get()) {
        return;
    }
    let handle = HANDLE.with(|h| h.get());
    let Some(api) = api() else { return };
    if handle.is_null() {
        return;
    }
    // SAFETY: `handle` is this thread's live poll handle (the cell is
    // cleared before it is closed), initialized on this loop; `on_poll`
    // matches `uv_poll_cb`.
    if unsafe { (api.poll_start)(handle, UV_READABLE, on_poll) } == 0 {
        WATCHING.with(|w| w.set(true));
    }
}

/// libuv's callback for the async handle: another environment polled
/// events of ours from the shared poller and queued them in our inbox.
unsafe extern "C" fn on_routed(waker: *mut c_void) {
    let Some(api) = api() else { return };
    // SAFETY: the async handle's data is the driver, alive until the
    // handles are closed; called on the environment's thread, outside any
    // JavaScript frame.
    let driver = unsafe { &*driver_of(api, waker) };
    let queued = driver.inbox.take();
    // SAFETY: as above.
    unsafe { driver.dispatcher.dispatch_routed(&queued) };
}

/// Closes the async handle, then the poll handle, whose close callback
/// ([`on_closed`]) drops the driver.
///
/// # Safety
/// `driver` is the live driver of an initialized poll handle; on the
/// environment's thread; once.
unsafe fn close_driver(api: &Api, driver: *mut Driver) {
    // SAFETY: per the contract; nothing signals the async handle any more
    // (its environment has left the shared poller, or never joined it).
    unsafe {
        drop((*driver).waker.take());
        (api.close)((*driver).handle, on_closed);
    }
}

/// The environment is shutting down: stop watching, close every socket, and
/// free the handle once libuv has closed it.
unsafe extern "C" fn on_cleanup(_hook: sys::napi_async_cleanup_hook_handle, data: *mut c_void) {
    let driver = data as *mut Driver;
    HANDLE.with(|h| h.set(ptr::null_mut()));
    KEEPALIVE.with(|h| h.set(ptr::null_mut()));
    WATCHING.with(|w| w.set(false));
    let Some(api) = api() else { return };
    // SAFETY: `driver` is the live driver registered with this hook; the
    // handle stops watching the poller fd before the reactor closes it.
    unsafe {
        // No more routed events for us: from here they are dropped, and
        // nobody signals the async handle after this returns.
        (*driver).shared.leave((*driver).owner.get());
        (api.poll_stop)((*driver).handle);
        drop((*driver).waker.take());
        stopped();
        (api.close)((*driver).handle, on_closed);
    }
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    let Some(api) = api() else { return };
    // SAFETY: libuv is done with the handle; its data is the boxed driver,
    // reclaimed exactly once here, on the environment's thread (dropping it
    // releases the dispatcher and the owner number).
    unsafe {
        let driver = Box::from_raw(driver_of(api, handle));
        let cleanup = driver.cleanup;
        drop(driver);
        libc::free(handle);
        if !cleanup.is_null() {
            sys::napi_remove_async_cleanup_hook(cleanup);
        }
    }
}
