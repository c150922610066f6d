//! Wakes JavaScript when the reactor has events.
//!
//! Two drivers, one contract: each batch of ready events is written into the
//! shared `Uint32Array` as `(slot, generation, readiness)` triples, checked
//! against this environment's socket table (a closed socket's events never
//! reach a socket that reused its slot), and handed to JavaScript with one
//! `dispatch(count)` call through `napi_make_callback`, which also runs the
//! promise continuations the batch resolved.
//!
//! * [`uv`] (the default on Unix): one libuv `uv_poll_t` on Node's loop
//!   watches the poller's own descriptor (the epoll or kqueue fd). No extra
//!   thread, no busy polling: an idle process sleeps in libuv's own
//!   `epoll_wait`.
//! * [`thread`] (Windows, and runtimes that do not export libuv, such as Bun
//!   and Deno): the poller blocks on a thread of its own and wakes the
//!   JavaScript thread through a napi threadsafe function.
//!
//! `SOCKET2_DRIVER`, read once per environment at `init`, picks one:
//! `libuv` (fail if the runtime lacks it), `thread` (behave exactly as in a
//! runtime without libuv: take the fallback), or unset/`auto`.

use std::cell::Cell;
use std::ffi::CStr;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::state;

mod poller_thread;
mod shared;
#[cfg(unix)]
mod uv;

/// Events per batch handed to JavaScript.
const BATCH: usize = crate::constants::DISPATCH_BATCH as usize;

/// Which driver `SOCKET2_DRIVER` asks for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Choice {
    Auto,
    Libuv,
    PollerThread,
}

impl Choice {
    fn from_env() -> Result<Choice> {
        match std::env::var("SOCKET2_DRIVER") {
            Err(std::env::VarError::NotPresent) => Ok(Choice::Auto),
            Ok(value) => match value.as_str() {
                "" | "auto" => Ok(Choice::Auto),
                "libuv" => Ok(Choice::Libuv),
                "poller-thread" => Ok(Choice::PollerThread),
                other => Err(Error::new(
                    Status::InvalidArg,
                    format!(
                        "SOCKET2_DRIVER must be 'auto', 'libuv' or 'poller-thread', not '{other}'"
                    ),
                )),
            },
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::new(
                Status::InvalidArg,
                "SOCKET2_DRIVER must be 'auto', 'libuv' or 'poller-thread'",
            )),
        }
    }
}

thread_local! {
    /// The driver running in this environment, once `init` succeeded.
    static RUNNING: Cell<Option<&'static str>> = const { Cell::new(None) };
    /// Another thread's poller to use instead of a new one (`epollFd(fd)`,
    /// `iocp(handle)`).
    static JOIN: std::cell::RefCell<Option<shared::Found>> =
        const { std::cell::RefCell::new(None) };
}

/// Events one thread polled from a shared poller and routed to another, in
/// the whole process (a diagnostic: the tests check routing happens).
#[napi]
pub fn routed_events() -> f64 {
    shared::routed() as f64
}

/// Polls made by every poller thread of the process (a diagnostic: the
/// tests check that a busy thread's poller waits for it).
#[napi]
pub fn poller_thread_polls() -> f64 {
    poller_thread::polls() as f64
}

/// `socket.epollFd(fd)` (`socket.iocp(handle)` on Windows): this
/// environment will use the poller `key` of another thread of this process
/// (its `socket.epollFd()` / `socket.iocp()`) instead of one of its own.
/// Only before this environment's first socket (or getter call), only a
/// socket2 poller of this process run by the driver this environment gets,
/// and only on a 64-bit system: anything else is an error saying which.
#[napi]
pub fn set_shared_poller(env: Env, key: i64) -> Result<()> {
    let setter = if cfg!(windows) {
        "socket.iocp(handle)"
    } else {
        "socket.epollFd(fd)"
    };
    if RUNNING.with(Cell::get).is_some() {
        return Err(Error::new(
            Status::GenericFailure,
            format!(
                "{setter} must come before this thread's first socket \
                 (and before the getter): its own poller exists already"
            ),
        ));
    }
    if socket2_core::Owner::MAX == 0 {
        return Err(Error::new(
            Status::GenericFailure,
            format!("{setter}: sharing a poller needs a 64-bit system"),
        ));
    }
    let on_libuv = will_run_libuv(env.raw())?;
    let not_found = || {
        Error::new(
            Status::InvalidArg,
            format!(
                "{setter}: {key} is not the poller of a socket2 thread of this \
                 process (pass another thread's getter result)"
            ),
        )
    };
    let found = shared::find(key).ok_or_else(not_found)?;
    let matches = match &found {
        #[cfg(unix)]
        shared::Found::Drained(_) => on_libuv,
        shared::Found::Threaded(_) => !on_libuv,
    };
    if !matches {
        return Err(Error::new(
            Status::InvalidArg,
            format!(
                "{setter}: {key} is polled by the {} driver and this thread would \
                 run the {} one (every thread sharing a poller runs the same driver)",
                if on_libuv { "poller-thread" } else { "libuv" },
                if on_libuv { "libuv" } else { "poller-thread" },
            ),
        ));
    }
    JOIN.with(|join| *join.borrow_mut() = Some(found));
    Ok(())
}

/// Whether `init` will start the libuv driver in this environment.
fn will_run_libuv(env: sys::napi_env) -> Result<bool> {
    #[cfg(unix)]
    {
        Ok(Choice::from_env()? != Choice::PollerThread
            && runs_on_node(env)
            && uv::event_loop(env).is_some())
    }
    #[cfg(windows)]
    {
        let _ = env;
        Choice::from_env().map(|_| false)
    }
}

/// Creates this environment's reactor and starts the driver that watches it;
/// returns the driver's name (`libuv` or `thread`).
///
/// `events` is the shared batch buffer (`3 × 1024` entries: slot, generation,
/// readiness); `dispatch(count)` is called with each batch.
#[napi(ts_args_type = "events: Uint32Array, dispatch: (count: number) => void")]
pub fn init(env: Env, events: Unknown, dispatch: Unknown) -> Result<String> {
    if let Some(name) = RUNNING.with(Cell::get) {
        return Ok(name.to_string());
    }
    let choice = Choice::from_env()?;
    let raw_env = env.raw();
    let dispatcher = Dispatcher::new(raw_env, events.raw(), dispatch.raw())?;
    let name = start(raw_env, choice, dispatcher)?;
    RUNNING.with(|running| running.set(Some(name)));
    Ok(name.to_string())
}

/// libuv when the runtime has it and nothing asks otherwise; the thread
/// driver when it does not (or `SOCKET2_DRIVER=poller-thread` says to act as if).
#[cfg(unix)]
fn start(env: sys::napi_env, choice: Choice, dispatcher: Dispatcher) -> Result<&'static str> {
    let uv_loop = match choice {
        Choice::PollerThread => None,
        Choice::Auto | Choice::Libuv if dispatcher.on_node => uv::event_loop(env),
        Choice::Auto | Choice::Libuv => None,
    };
    let join = JOIN.with(|join| join.borrow_mut().take());
    match (uv_loop, choice) {
        (Some(uv_loop), _) => {
            let join = match join {
                Some(shared::Found::Drained(shared)) => Some(shared),
                _ => None,
            };
            uv::start(env, uv_loop, dispatcher, join).map(|()| "libuv")
        }
        // The dispatcher is released as it is dropped.
        (None, Choice::Libuv) => Err(Error::new(
            Status::GenericFailure,
            "SOCKET2_DRIVER=libuv, but this runtime does not expose libuv to \
                 native addons; unset it to use the poller-thread driver",
        )),
        (None, _) => {
            let join = match join {
                Some(shared::Found::Threaded(hub)) => Some(hub),
                _ => None,
            };
            poller_thread::start(env, dispatcher, join).map(|()| "poller-thread")
        }
    }
}

/// Whether this runtime is Node, whose libuv is real: Bun exports
/// libuv-named functions to addons that abort the process (`uv_poll_init`
/// among them), and Deno gives addons a loop that never runs a `uv_poll_t`.
/// Both say who they are in `process.versions`.
fn runs_on_node(env: sys::napi_env) -> bool {
    let mut global = ptr::null_mut();
    let mut process = ptr::null_mut();
    let mut versions = ptr::null_mut();
    let (mut bun, mut deno) = (true, true);
    // SAFETY: napi calls on the current environment, inside `init` (so in a
    // handle scope), with valid out-pointers and NUL-terminated names.
    unsafe {
        sys::napi_get_global(env, &mut global) == sys::Status::napi_ok
            && sys::napi_get_named_property(env, global, c"process".as_ptr(), &mut process)
                == sys::Status::napi_ok
            && sys::napi_get_named_property(env, process, c"versions".as_ptr(), &mut versions)
                == sys::Status::napi_ok
            && sys::napi_has_named_property(env, versions, c"bun".as_ptr(), &mut bun)
                == sys::Status::napi_ok
            && sys::napi_has_named_property(env, versions, c"deno".as_ptr(), &mut deno)
                == sys::Status::napi_ok
            && !bun
            && !deno
    }
}

/// IOCP completion ports cannot be watched by libuv's `uv_poll_t`, so
/// Windows always runs the poller-thread driver.
#[cfg(windows)]
fn start(env: sys::napi_env, choice: Choice, dispatcher: Dispatcher) -> Result<&'static str> {
    if choice == Choice::Libuv {
        // The dispatcher is released as it is dropped.
        return Err(Error::new(
            Status::GenericFailure,
            "SOCKET2_DRIVER=libuv is not available on this platform; unset it",
        ));
    }
    let join = JOIN
        .with(|join| join.borrow_mut().take())
        .map(|found| match found {
            shared::Found::Threaded(hub) => hub,
        });
    poller_thread::start(env, dispatcher, join).map(|()| "poller-thread")
}

/// The key another thread passes to `setSharedPoller` to share this
/// environment's poller: the epoll or kqueue fd, or on Windows the number
/// of this thread's completion port in the process; -1 before `init`.
pub(crate) fn poller_key() -> i64 {
    if let Some(key) = poller_thread::key() {
        return key;
    }
    #[cfg(unix)]
    {
        state::with_reactor(|reactor| i64::from(reactor.poller_fd())).unwrap_or(-1)
    }
    #[cfg(not(unix))]
    {
        -1
    }
}

/// The driver running in this environment (`libuv` or `thread`), or `null`
/// before the first socket is opened.
#[napi]
pub fn driver_name() -> Option<String> {
    RUNNING.with(Cell::get).map(str::to_string)
}

/// Keeps the process alive while a coroutine waits, and lets it exit when
/// none does: `uv_ref`/`uv_unref` on the libuv driver's async handle, or
/// `napi_ref_threadsafe_function`/`napi_unref_threadsafe_function`.
#[napi]
pub fn set_active(env: Env, active: bool) {
    #[cfg(unix)]
    uv::set_active(active);
    poller_thread::set_active(env.raw(), active);
}

/// A socket entered this environment's table: the libuv driver watches a
/// shared poller again if it stopped while the table was empty, and the
/// poller thread counts this environment among those it polls for.
pub(crate) fn socket_added() {
    #[cfg(unix)]
    uv::watch();
    poller_thread::socket_added();
}

/// A socket left this environment's table: with none left, the poller
/// thread stops counting this environment among those it polls for.
pub(crate) fn socket_removed() {
    if state::with_reactor(|reactor| reactor.is_empty()).unwrap_or(false) {
        poller_thread::table_emptied();
    }
}

/// Called by a driver's cleanup hook: the environment is going away.
fn stopped() {
    RUNNING.with(|running| running.set(None));
    state::uninstall();
}

/// A JavaScript string of `text` (a resource name for napi).
fn js_string(env: sys::napi_env, text: &CStr) -> Result<sys::napi_value> {
    let mut value = ptr::null_mut();
    // SAFETY: on the current environment (every driver call is), with a
    // valid out-pointer and `text`'s own length.
    let status = unsafe {
        sys::napi_create_string_utf8(env, text.as_ptr(), text.count_bytes() as isize, &mut value)
    };
    check(status, "napi_create_string_utf8").map(|()| value)
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

/// What either driver needs to hand a batch to JavaScript: the `dispatch`
/// function and the events buffer (both held by references), the buffer's
/// memory, and an async context for `napi_make_callback`.
struct Dispatcher {
    env: sys::napi_env,
    dispatch: sys::napi_ref,
    events: sys::napi_ref,
    events_ptr: *mut u32,
    async_context: sys::napi_async_context,
    /// Node, not Bun or Deno (see [`runs_on_node`]).
    on_node: bool,
}

impl Dispatcher {
    fn new(
        env: sys::napi_env,
        events: sys::napi_value,
        dispatch: sys::napi_value,
    ) -> Result<Dispatcher> {
        let (events_ptr, events_len) = typed_array_u32(env, events)?;
        if events_len < BATCH * 3 {
            return Err(Error::new(Status::InvalidArg, "events buffer too small"));
        }
        let mut made = Dispatcher {
            env,
            dispatch: ptr::null_mut(),
            events: ptr::null_mut(),
            events_ptr,
            async_context: ptr::null_mut(),
            on_node: runs_on_node(env),
        };
        let mut resource = ptr::null_mut();
        // SAFETY: napi calls on the current environment with valid
        // out-pointers. The references keep the function and the buffer alive
        // for the driver's lifetime, so `events_ptr` stays valid (the
        // ArrayBuffer is not detachable while we hold it: the scheduler never
        // transfers it).
        let made_all = unsafe {
            check(
                sys::napi_create_reference(env, dispatch, 1, &mut made.dispatch),
                "napi_create_reference",
            )
            .and_then(|()| {
                check(
                    sys::napi_create_reference(env, events, 1, &mut made.events),
                    "napi_create_reference",
                )
            })
            .and_then(|()| {
                check(
                    sys::napi_create_object(env, &mut resource),
                    "napi_create_object",
                )
            })
            .and_then(|()| {
                let name = js_string(env, c"socket2.poll")?;
                check(
                    sys::napi_async_init(env, resource, name, &mut made.async_context),
                    "napi_async_init",
                )
            })
        };
        // On failure `made` is dropped, which releases what was made.
        made_all.map(|()| made)
    }

    /// Runs `f` on the first batch of the shared buffer.
    ///
    /// # Safety
    /// On the environment's thread, outside any JavaScript frame: JavaScript
    /// only reads the buffer during `dispatch`.
    unsafe fn with_events<T>(&self, f: impl FnOnce(&mut [u32]) -> T) -> T {
        // SAFETY: `events_ptr` points to at least `BATCH * 3` u32s (checked in
        // `new`) of the Uint32Array the `events` reference keeps alive, and
        // per the contract nothing else touches them while `f` runs.
        f(unsafe { std::slice::from_raw_parts_mut(self.events_ptr, BATCH * 3) })
    }

    /// Dispatches events another thread polled for this environment
    /// (`(slot, generation, readiness)` triples), a batch at a time, leaving
    /// out those of sockets closed since.
    ///
    /// # Safety
    /// On the environment's thread, outside any JavaScript frame.
    unsafe fn dispatch_routed(&self, queued: &[u32]) {
        for chunk in queued.chunks(BATCH * 3) {
            let count = chunk.len() / 3;
            // SAFETY: per the contract.
            let live = unsafe {
                self.with_events(|out| {
                    out[..count * 3].copy_from_slice(&chunk[..count * 3]);
                    state::with_reactor(|reactor| reactor.retain_live(out, count)).unwrap_or(0)
                })
            };
            if live > 0 {
                // SAFETY: per the contract.
                unsafe { self.dispatch(live) };
            }
        }
    }

    /// Calls `dispatch(count)` in a handle scope through `napi_make_callback`,
    /// so that the microtasks (promise continuations) the batch queued run
    /// before control returns to the event loop.
    ///
    /// # Safety
    /// On the environment's thread, outside any JavaScript frame.
    unsafe fn dispatch(&self, count: usize) {
        let env = self.env;
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
            if sys::napi_get_reference_value(env, self.dispatch, &mut func) == sys::Status::napi_ok
                && sys::napi_get_global(env, &mut recv) == sys::Status::napi_ok
                && sys::napi_create_uint32(env, count as u32, &mut arg) == sys::Status::napi_ok
            {
                let status = sys::napi_make_callback(
                    env,
                    self.async_context,
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
                    if sys::napi_get_and_clear_last_exception(env, &mut error)
                        == sys::Status::napi_ok
                    {
                        sys::napi_fatal_exception(env, error);
                    }
                }
            }
            sys::napi_close_handle_scope(env, scope);
        }
    }
}

/// Releases the references and the async context. A dispatcher lives and is
/// dropped on its environment's thread: it is made in `init` and owned by a
/// driver whose teardown runs there (raw napi handles keep it `!Send`).
impl Drop for Dispatcher {
    fn drop(&mut self) {
        let mut scope = ptr::null_mut();
        // SAFETY: on the environment's thread (see above), once; null members
        // were never created. The handle scope is for cleanup hooks and libuv callbacks, which run
        // outside any JavaScript scope.
        // Deno aborts the process on `napi_async_destroy` in a cleanup hook,
        // so outside Node the context is left to the departing environment.
        unsafe {
            let scoped = sys::napi_open_handle_scope(self.env, &mut scope) == sys::Status::napi_ok;
            if !self.async_context.is_null() && self.on_node {
                sys::napi_async_destroy(self.env, self.async_context);
            }
            if !self.dispatch.is_null() {
                sys::napi_delete_reference(self.env, self.dispatch);
            }
            if !self.events.is_null() {
                sys::napi_delete_reference(self.env, self.events);
            }
            if scoped {
                sys::napi_close_handle_scope(self.env, scope);
            }
        }
    }
}

fn typed_array_u32(env: sys::napi_env, value: sys::napi_value) -> Result<(*mut u32, usize)> {
    // SAFETY: `value` is an argument of the current call in `env`.
    let parts = unsafe { crate::hot::typed_array(env, value, sys::TypedarrayType::uint32_array) };
    let (data, length) =
        parts.ok_or_else(|| Error::new(Status::InvalidArg, "events must be a Uint32Array"))?;
    Ok((data.cast(), length))
}
