//! The libuv driver: a `uv_poll_t` on Node's loop watches the poller's own
//! descriptor (the epoll or kqueue fd); when it turns readable, [`on_poll`]
//! drains every ready event with zero-timeout polls straight into the shared
//! `Uint32Array`, one `dispatch` per batch.
//!
//! libuv's functions are looked up at run time (`dlsym`) rather than linked,
//! so a runtime that does not export libuv is detected at `init` (and gets
//! the thread driver) instead of failing to load the addon.

use std::ffi::{c_int, c_void, CStr};
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;

use std::sync::Arc;

use socket2_core::reactor::Owner;

use super::shared::{allocate_owner, free_owner, Inbox, Shared};
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

/// What the libuv callbacks need; owned by the `uv_poll_t`'s data pointer.
struct Driver {
    dispatcher: Dispatcher,
    handle: *mut c_void,
    cleanup: sys::napi_async_cleanup_hook_handle,
    /// The poller this environment polls (its own, or another thread's).
    shared: Arc<Shared>,
    /// This environment's number in the shared poller's tokens.
    owner: Owner,
    /// Events other environments polled for us; `waker` is told of them.
    inbox: Arc<Inbox>,
    /// A `uv_async_t` whose callback, [`on_routed`], drains `inbox`.
    waker: *mut c_void,
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
    let Some(api) = api() else {
        // SAFETY: on the current environment; nothing else holds it.
        unsafe { dispatcher.destroy() };
        return Err(Error::from_reason("libuv is not available"));
    };
    let made = match join {
        Some(shared) => Ok(shared),
        None => Shared::create(BATCH),
    }
    .and_then(|shared| Ok((shared, allocate_owner()?)));
    let (shared, owner) = match made {
        Ok(made) => made,
        Err(err) => {
            // SAFETY: as above.
            unsafe { dispatcher.destroy() };
            return Err(Error::from_reason(err.to_string()));
        }
    };
    let reactor = Reactor::sharing(Arc::clone(&shared.poller), owner);
    let poller_fd = reactor.poller_fd();
    // The async handle that routed events wake; set up before the poll
    // handle, and torn down with it.
    // SAFETY: `uv_handle_size(UV_ASYNC)` is the size of a `uv_async_t`.
    let waker = unsafe { libc::calloc(1, (api.handle_size)(UV_ASYNC)) };
    let status = match waker.is_null() {
        true => -1,
        // SAFETY: zeroed memory of the right size on this environment's loop;
        // `on_routed` matches `uv_async_cb`.
        false => unsafe { (api.async_init)(uv_loop, waker, on_routed) },
    };
    if status != 0 {
        free_owner(owner);
        // SAFETY: never initialized: plain memory (or null); the dispatcher
        // is released on the current environment.
        unsafe {
            libc::free(waker);
            dispatcher.destroy();
        }
        return Err(Error::from_reason(format!(
            "uv_async_init failed ({status})"
        )));
    }
    // SAFETY: an initialized handle; it never keeps the loop alive by itself.
    unsafe { (api.unref)(waker) };

    // SAFETY: `uv_handle_size(UV_POLL)` is the size of a `uv_poll_t`; the
    // memory is owned by the driver until the handle's close callback.
    let handle = unsafe { libc::calloc(1, (api.handle_size)(UV_POLL)) };
    let status = match handle.is_null() {
        true => -1,
        // SAFETY: `handle` is zeroed memory of the right size; `uv_loop` is
        // this environment's loop; `poller_fd` stays open as long as the
        // reactor, which outlives the handle (both end in `on_cleanup`).
        false => unsafe { (api.poll_init)(uv_loop, handle, poller_fd) },
    };
    if status != 0 {
        free_owner(owner);
        // SAFETY: the handle was never initialized: plain memory (or null);
        // the async handle is initialized and closed once (freed by its
        // close callback); the dispatcher is released on the current
        // environment.
        unsafe {
            libc::free(handle);
            (api.close)(waker, on_waker_closed);
            dispatcher.destroy();
        }
        return Err(Error::from_reason(format!(
            "uv_poll_init failed ({status})"
        )));
    }

    let signal = AsyncHandle(waker);
    let inbox = Arc::new(Inbox::new(Box::new(move || {
        let signal = &signal;
        // SAFETY: see `AsyncHandle`: the handle is alive while the inbox is
        // reachable from the shared poller.
        unsafe { (api.async_send)(signal.0) };
    })));
    let driver = Box::into_raw(Box::new(Driver {
        dispatcher,
        handle,
        cleanup: ptr::null_mut(),
        shared,
        owner,
        inbox,
        waker,
    }));
    // SAFETY: the async handle is initialized; its data is the driver, which
    // outlives it (both are closed by `on_cleanup`, the driver freed after).
    unsafe { (api.set_data)(waker, driver.cast()) };
    // SAFETY: `driver` is a fresh allocation owned by the handle from now on
    // (freed in `on_closed`, which every path below reaches through
    // `uv_close`); the handle is initialized; `on_poll` matches `uv_poll_cb`.
    unsafe {
        (api.set_data)(handle, driver.cast());
        let status = (api.poll_start)(handle, UV_READABLE, on_poll);
        if status != 0 {
            free_owner(owner);
            (api.close)(waker, on_waker_closed);
            (api.close)(handle, on_closed);
            return Err(Error::from_reason(format!(
                "uv_poll_start failed ({status})"
            )));
        }
        // Idle until a coroutine waits: `setActive` refs the handle.
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
            free_owner(owner);
            (api.poll_stop)(handle);
            (api.close)(waker, on_waker_closed);
            (api.close)(handle, on_closed);
            return Err(err);
        }
    }
    HANDLE.with(|h| h.set(handle));
    state::install(env, reactor);
    // SAFETY: `driver` is live (owned by the handle until `on_closed`).
    let driver = unsafe { &*driver };
    driver.shared.join(driver.owner, Arc::clone(&driver.inbox));
    Ok(())
}

/// `uv_ref`/`uv_unref` on this environment's poll handle, if it has one.
pub(super) fn set_active(active: bool) {
    let handle = HANDLE.with(|h| h.get());
    let Some(api) = api() else { return };
    if handle.is_null() {
        return;
    }
    // SAFETY: `handle` is this thread's live poll handle (the cell is cleared
    // before the handle is closed).
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
    loop {
        // SAFETY: see above.
        let drained = unsafe {
            driver.dispatcher.with_events(|out| {
                let (kept, taken) = driver.shared.drain(driver.owner, out)?;
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

/// libuv's callback for the async handle: another environment polled
/// events of ours from the shared poller and queued them in our inbox.
unsafe extern "C" fn on_routed(waker: *mut c_void) {
    let Some(api) = api() else { return };
    // SAFETY: the async handle's data is the driver, alive until the
    // handles are closed; called on the environment's thread, outside any
    // JavaScript frame.
    let driver = unsafe { &*driver_of(api, waker) };
    let queued = driver.inbox.take();
    for chunk in queued.chunks(BATCH * 3) {
        let count = chunk.len() / 3;
        // SAFETY: as above.
        let live = unsafe {
            driver.dispatcher.with_events(|out| {
                out[..count * 3].copy_from_slice(&chunk[..count * 3]);
                state::with_reactor(|reactor| reactor.retain_live(out, count)).unwrap_or(0)
            })
        };
        if live > 0 {
            // SAFETY: on the environment's thread inside a libuv callback.
            unsafe { driver.dispatcher.dispatch(live) };
        }
    }
}

unsafe extern "C" fn on_waker_closed(waker: *mut c_void) {
    // SAFETY: libuv is done with the handle; its memory came from `calloc`.
    unsafe { libc::free(waker) };
}

/// The environment is shutting down: stop watching, close every socket, and
/// free the handle once libuv has closed it.
unsafe extern "C" fn on_cleanup(_hook: sys::napi_async_cleanup_hook_handle, data: *mut c_void) {
    let driver = data as *mut Driver;
    HANDLE.with(|h| h.set(ptr::null_mut()));
    let Some(api) = api() else { return };
    // SAFETY: `driver` is the live driver registered with this hook; the
    // handle stops watching the poller fd before the reactor closes it.
    unsafe {
        let handle = (*driver).handle;
        // No more routed events for us: from here they are dropped, and
        // nobody signals the async handle after this returns.
        (*driver).shared.leave((*driver).owner);
        free_owner((*driver).owner);
        (api.poll_stop)(handle);
        (api.close)((*driver).waker, on_waker_closed);
        stopped();
        (api.close)(handle, on_closed);
    }
}

unsafe extern "C" fn on_closed(handle: *mut c_void) {
    let Some(api) = api() else { return };
    // SAFETY: libuv is done with the handle; its data is the boxed driver,
    // reclaimed exactly once here, on the environment's thread.
    unsafe {
        let driver = Box::from_raw(driver_of(api, handle));
        let cleanup = driver.cleanup;
        driver.dispatcher.destroy();
        libc::free(handle);
        if !cleanup.is_null() {
            sys::napi_remove_async_cleanup_hook(cleanup);
        }
    }
}
