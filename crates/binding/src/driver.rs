//! Wakes JavaScript when the reactor has events.
//!
//! On Unix the poller's own descriptor (the epoll or kqueue fd) is watched by
//! one libuv `uv_poll_t` on Node's loop: when it turns readable, [`on_poll`]
//! drains every ready event with a zero-timeout poll into the shared
//! `Uint32Array` and hands each batch to JavaScript with one
//! `napi_make_callback`, which also runs the promise continuations the batch
//! resolved. No extra thread, no busy polling: an idle process sleeps in
//! libuv's own `epoll_wait`.
//!
//! libuv's functions are looked up at run time (`dlsym`) rather than linked,
//! so a runtime that does not export libuv gets a clear error from `init`
//! instead of a crash at load time.

use std::ffi::{c_int, c_void};
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use socket2_core::Reactor;

use crate::state;

/// Events per batch handed to JavaScript.
const BATCH: usize = 1024;

#[cfg(unix)]
mod uv {
    //! The few libuv entry points the driver needs, resolved from the host
    //! process (Node exports libuv's symbols).

    use std::ffi::{c_int, c_void, CStr};

    pub type PollCb = unsafe extern "C" fn(handle: *mut c_void, status: c_int, events: c_int);
    pub type CloseCb = unsafe extern "C" fn(handle: *mut c_void);

    /// `UV_POLL` in `uv_handle_type`.
    pub const UV_POLL: c_int = 8;
    /// `UV_READABLE` in `uv_poll_event`.
    pub const UV_READABLE: c_int = 1;

    type HandleSize = unsafe extern "C" fn(kind: c_int) -> usize;
    type PollInit = unsafe extern "C" fn(lp: *mut c_void, h: *mut c_void, fd: c_int) -> c_int;
    type PollStart = unsafe extern "C" fn(h: *mut c_void, events: c_int, cb: PollCb) -> c_int;
    type HandleOp = unsafe extern "C" fn(h: *mut c_void) -> c_int;
    type Close = unsafe extern "C" fn(h: *mut c_void, cb: CloseCb);
    type HandleVoid = unsafe extern "C" fn(h: *mut c_void);
    type SetData = unsafe extern "C" fn(h: *mut c_void, data: *mut c_void);
    type GetData = unsafe extern "C" fn(h: *const c_void) -> *mut c_void;

    pub struct Api {
        pub handle_size: HandleSize,
        pub poll_init: PollInit,
        pub poll_start: PollStart,
        pub poll_stop: HandleOp,
        pub close: Close,
        pub ref_: HandleVoid,
        pub unref: HandleVoid,
        pub set_data: SetData,
        pub get_data: GetData,
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
        pub fn load() -> Option<Api> {
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
            })
        }
    }
}

/// What the libuv callback needs; owned by the `uv_poll_t`'s data pointer.
struct Driver {
    env: sys::napi_env,
    dispatch: sys::napi_ref,
    events: sys::napi_ref,
    events_ptr: *mut u32,
    events_len: usize,
    async_context: sys::napi_async_context,
    handle: *mut c_void,
    cleanup: sys::napi_async_cleanup_hook_handle,
}

/// libuv's entry points, looked up once per process (every environment
/// shares the one libuv Node links).
#[cfg(unix)]
fn uv_api() -> Option<&'static uv::Api> {
    static API: std::sync::OnceLock<Option<uv::Api>> = std::sync::OnceLock::new();
    API.get_or_init(uv::Api::load).as_ref()
}

/// The driver stored in a live poll handle's data pointer.
///
/// # Safety
/// `handle` must be a live poll handle created by [`start`].
#[cfg(unix)]
unsafe fn driver_of(api: &uv::Api, handle: *mut c_void) -> *mut Driver {
    // SAFETY: per the function's contract.
    unsafe { (api.get_data)(handle).cast() }
}

thread_local! {
    static HANDLE: std::cell::Cell<*mut c_void> = const { std::cell::Cell::new(ptr::null_mut()) };
}

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("{what} failed ({status})"),
        ))
    }
}

/// Creates this environment's reactor and starts watching it.
///
/// `events` is the shared batch buffer (`3 × 1024` entries: slot, generation,
/// readiness); `dispatch(count)` is called with each batch.
#[napi(ts_args_type = "events: Uint32Array, dispatch: (count: number) => void")]
pub fn init(env: Env, events: Unknown, dispatch: Unknown) -> Result<String> {
    if state::is_installed() {
        return Ok("libuv".to_string());
    }
    let raw_env = env.raw();
    let (events_ptr, events_len) = typed_array_u32(raw_env, events.raw())?;
    if events_len < BATCH * 3 {
        return Err(Error::new(Status::InvalidArg, "events buffer too small"));
    }
    start(
        raw_env,
        events.raw(),
        events_ptr,
        events_len,
        dispatch.raw(),
    )?;
    Ok("libuv".to_string())
}

fn typed_array_u32(env: sys::napi_env, value: sys::napi_value) -> Result<(*mut u32, usize)> {
    let mut kind = 0;
    let mut length = 0;
    let mut data = ptr::null_mut();
    let mut buffer = ptr::null_mut();
    let mut offset = 0;
    // SAFETY: all out-pointers are valid locals; napi checks `value`'s type.
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env,
            value,
            &mut kind,
            &mut length,
            &mut data,
            &mut buffer,
            &mut offset,
        )
    };
    check(status, "napi_get_typedarray_info")?;
    if kind != sys::TypedarrayType::uint32_array {
        return Err(Error::new(
            Status::InvalidArg,
            "events must be a Uint32Array",
        ));
    }
    Ok((data.cast(), length))
}

#[cfg(unix)]
fn start(
    env: sys::napi_env,
    events: sys::napi_value,
    events_ptr: *mut u32,
    events_len: usize,
    dispatch: sys::napi_value,
) -> Result<()> {
    let api = uv_api().ok_or_else(|| {
        Error::new(
            Status::GenericFailure,
            "socket2 needs a runtime that exposes libuv to native addons (Node.js); \
             this one does not",
        )
    })?;
    let mut uv_loop = ptr::null_mut();
    // SAFETY: `uv_loop` is a valid out-pointer; `env` is the current environment.
    let status = unsafe { sys::napi_get_uv_event_loop(env, &mut uv_loop) };
    check(status, "napi_get_uv_event_loop")?;
    if uv_loop.is_null() {
        return Err(Error::new(
            Status::GenericFailure,
            "this runtime has no libuv loop",
        ));
    }
    let reactor = Reactor::new(BATCH).map_err(|e| Error::from_reason(e.to_string()))?;
    let poller_fd = reactor.poller_fd();

    let mut dispatch_ref = ptr::null_mut();
    let mut events_ref = ptr::null_mut();
    let mut resource = ptr::null_mut();
    let mut name = ptr::null_mut();
    let mut async_context = ptr::null_mut();
    // SAFETY: napi calls on the current environment with valid out-pointers;
    // the references keep the function and the buffer alive for the driver's
    // lifetime, so `events_ptr` stays valid (the ArrayBuffer is not detachable
    // from JavaScript while we hold it: index.ts never transfers it).
    unsafe {
        check(
            sys::napi_create_reference(env, dispatch, 1, &mut dispatch_ref),
            "reference",
        )?;
        check(
            sys::napi_create_reference(env, events, 1, &mut events_ref),
            "reference",
        )?;
        check(
            sys::napi_create_object(env, &mut resource),
            "napi_create_object",
        )?;
        check(
            sys::napi_create_string_utf8(env, c"socket2.poll".as_ptr(), 12, &mut name),
            "napi_create_string_utf8",
        )?;
        check(
            sys::napi_async_init(env, resource, name, &mut async_context),
            "napi_async_init",
        )?;
    }

    // SAFETY: `uv_handle_size(UV_POLL)` is the size of a `uv_poll_t`; the
    // memory is owned by the driver until the handle's close callback.
    let handle = unsafe {
        let size = (api.handle_size)(uv::UV_POLL);
        libc::calloc(1, size)
    };
    if handle.is_null() {
        return Err(Error::from_reason("out of memory"));
    }
    // SAFETY: `handle` is zeroed memory of the right size; `uv_loop` is this
    // environment's loop; `poller_fd` stays open as long as the reactor,
    // which outlives the handle (both end in `on_cleanup`).
    let status = unsafe { (api.poll_init)(uv_loop.cast(), handle, poller_fd) };
    if status != 0 {
        // SAFETY: the handle was never initialized; plain memory.
        unsafe { libc::free(handle) };
        return Err(Error::from_reason(format!(
            "uv_poll_init failed ({status})"
        )));
    }

    let driver = Box::new(Driver {
        env,
        dispatch: dispatch_ref,
        events: events_ref,
        events_ptr,
        events_len,
        async_context,
        handle,
        cleanup: ptr::null_mut(),
    });
    let driver = Box::into_raw(driver);
    // SAFETY: `driver` is a fresh allocation owned by the handle from now on;
    // the handle is initialized; `on_poll` matches libuv's `uv_poll_cb`.
    unsafe {
        (api.set_data)(handle, driver.cast());
        let status = (api.poll_start)(handle, uv::UV_READABLE, on_poll);
        if status != 0 {
            return Err(Error::from_reason(format!(
                "uv_poll_start failed ({status})"
            )));
        }
        // Idle until a coroutine waits: `setActive` refs the handle.
        (api.unref)(handle);
        check(
            sys::napi_add_async_cleanup_hook(
                env,
                Some(on_cleanup),
                driver.cast(),
                &mut (*driver).cleanup,
            ),
            "napi_add_async_cleanup_hook",
        )?;
    }
    HANDLE.with(|h| h.set(handle));
    state::install(reactor);
    Ok(())
}

#[cfg(not(unix))]
fn start(
    _env: sys::napi_env,
    _events: sys::napi_value,
    _events_ptr: *mut u32,
    _events_len: usize,
    _dispatch: sys::napi_value,
) -> Result<()> {
    Err(Error::new(
        Status::GenericFailure,
        "socket2: this platform's event-loop driver is not built yet",
    ))
}

/// Keeps Node's loop alive while a coroutine waits (`uv_ref`), and lets the
/// process exit when none does (`uv_unref`).
#[napi]
pub fn set_active(active: bool) {
    let handle = HANDLE.with(|h| h.get());
    if handle.is_null() {
        return;
    }
    #[cfg(unix)]
    if let Some(api) = uv_api() {
        // SAFETY: `handle` is this thread's live poll handle (the cell is
        // cleared before the handle is closed).
        unsafe {
            if active {
                (api.ref_)(handle);
            } else {
                (api.unref)(handle);
            }
        }
    }
}

/// libuv's callback: the poller fd is readable, so events are pending.
#[cfg(unix)]
unsafe extern "C" fn on_poll(handle: *mut c_void, _status: c_int, _events: c_int) {
    let Some(api) = uv_api() else { return };
    // SAFETY: the handle's data is the driver, alive until `on_closed`.
    let driver = unsafe { &*driver_of(api, handle) };
    // SAFETY: `events_ptr`/`events_len` describe the Uint32Array the driver
    // holds a reference to; JavaScript only reads it between our writes.
    let out = unsafe { std::slice::from_raw_parts_mut(driver.events_ptr, driver.events_len) };
    let out = &mut out[..BATCH * 3];
    loop {
        let taken =
            state::with_reactor(|reactor| reactor.poll_into(Some(std::time::Duration::ZERO), out));
        let count = match taken {
            Some(Ok(count)) => count,
            _ => return,
        };
        if count == 0 {
            return;
        }
        // SAFETY: we are on the environment's thread inside a libuv callback.
        unsafe { call_dispatch(driver, count) };
        if count < BATCH {
            return;
        }
    }
}

/// Calls `dispatch(count)` in a handle scope through `napi_make_callback`,
/// so that the microtasks (promise continuations) the batch queued run
/// before control returns to libuv.
///
/// # Safety
/// Must run on the driver's environment thread, outside any JavaScript frame.
unsafe fn call_dispatch(driver: &Driver, count: usize) {
    let env = driver.env;
    let mut scope = ptr::null_mut();
    // SAFETY: per the contract; every out-pointer is a valid local and the
    // scope is closed on every path below.
    unsafe {
        if sys::napi_open_handle_scope(env, &mut scope) != sys::Status::napi_ok {
            return;
        }
        let mut func = ptr::null_mut();
        let mut recv = ptr::null_mut();
        let mut arg = ptr::null_mut();
        let mut result = ptr::null_mut();
        if sys::napi_get_reference_value(env, driver.dispatch, &mut func) == sys::Status::napi_ok
            && sys::napi_get_global(env, &mut recv) == sys::Status::napi_ok
            && sys::napi_create_uint32(env, count as u32, &mut arg) == sys::Status::napi_ok
        {
            let status = sys::napi_make_callback(
                env,
                driver.async_context,
                recv,
                func,
                1,
                &arg,
                &mut result,
            );
            if status == sys::Status::napi_pending_exception {
                // Nothing above us can catch it: report it like any other
                // uncaught exception ('uncaughtException', or exit).
                let mut error = ptr::null_mut();
                if sys::napi_get_and_clear_last_exception(env, &mut error) == sys::Status::napi_ok {
                    sys::napi_fatal_exception(env, error);
                }
            }
        }
        sys::napi_close_handle_scope(env, scope);
    }
}

/// The environment is shutting down: stop watching, close every socket, and
/// free the handle once libuv has closed it.
#[cfg(unix)]
unsafe extern "C" fn on_cleanup(_hook: sys::napi_async_cleanup_hook_handle, data: *mut c_void) {
    let driver = data as *mut Driver;
    HANDLE.with(|h| h.set(ptr::null_mut()));
    state::uninstall();
    let Some(api) = uv_api() else { return };
    // SAFETY: `driver` is the live driver registered with this hook.
    unsafe {
        let handle = (*driver).handle;
        (api.poll_stop)(handle);
        (api.close)(handle, on_closed);
    }
}

#[cfg(not(unix))]
unsafe extern "C" fn on_cleanup(_hook: sys::napi_async_cleanup_hook_handle, _data: *mut c_void) {}

#[cfg(unix)]
unsafe extern "C" fn on_closed(handle: *mut c_void) {
    let Some(api) = uv_api() else { return };
    // SAFETY: libuv is done with the handle; its data is the boxed driver,
    // reclaimed exactly once here.
    unsafe {
        let driver = Box::from_raw(driver_of(api, handle));
        let env = driver.env;
        sys::napi_async_destroy(env, driver.async_context);
        sys::napi_delete_reference(env, driver.dispatch);
        sys::napi_delete_reference(env, driver.events);
        let cleanup = driver.cleanup;
        drop(driver);
        libc::free(handle);
        sys::napi_remove_async_cleanup_hook(cleanup);
    }
}
