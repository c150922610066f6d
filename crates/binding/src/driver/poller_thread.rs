//! The poller-thread driver, for Windows (libuv cannot watch an IOCP port) and for
//! runtimes that do not export libuv (Bun, Deno).
//!
//! The poller blocks on a thread of its own ([`run`]); each batch it takes
//! travels to the JavaScript thread through a napi threadsafe function,
//! where [`deliver`] checks it against this environment's socket table (the
//! generation check stays on the table's thread) and dispatches it exactly
//! as the libuv driver does. One batch buffer goes back and forth, so the
//! thread never runs more than one batch ahead and nothing is allocated per
//! batch.
//!
//! A hand-off is not trusted to wake the JavaScript thread: until the batch
//! comes back, the poller thread repeats the wake-up with an empty call (a
//! nudge), after [`NUDGE_FIRST`] and then at doubling intervals up to
//! [`NUDGE_MAX`]. Deno needs it: its threadsafe functions queue a task and
//! wake its event loop through an `AtomicWaker` that the loop re-registers
//! only after finding the queue empty (check, then register), so a call
//! landing between the two finds no waker to wake; with nothing else
//! pending, Deno's thread then sleeps with the batch in its queue and this
//! thread waits for it forever. The nudge lands after the registration and
//! wakes it. Node and Bun never need it; there it costs one empty call per
//! interval while JavaScript is busy for longer than that.
//!
//! Keeping the process alive is the threadsafe function's job: `setActive`
//! refs it while a coroutine waits and unrefs it otherwise. The
//! environment's cleanup hook stops the thread (wakes the poll with mio's
//! `Waker`), joins it, and closes every socket.

use std::cell::Cell;
use std::ffi::c_void;
use std::io;
use std::ptr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::sys;

use socket2_core::reactor::{Poller, Waker};

use super::{check, js_string, stopped, Dispatcher, BATCH};
use crate::state::{self, Reactor};

/// How long the poller thread waits for a batch to come back before it
/// repeats the wake-up (see the module documentation).
const NUDGE_FIRST: Duration = Duration::from_millis(2);
/// The longest interval between two nudges while JavaScript is busy.
const NUDGE_MAX: Duration = Duration::from_millis(128);

/// One batch on its way between the poller thread and JavaScript.
struct Batch {
    /// `(slot, generation, readiness)` triples as the poller wrote them.
    triples: Box<[u32]>,
    count: usize,
    /// The poll failed for good; the thread has stopped.
    failed: Option<io::Error>,
}

/// The threadsafe function handle, for the poller thread.
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: napi documents `napi_call_threadsafe_function` as callable from any
// thread; that is the only use the poller thread makes of the handle, and only
// until the JavaScript thread has joined it (before releasing the function).
unsafe impl Send for Tsfn {}

/// The threadsafe function as the JavaScript thread owns it: released
/// (`abort`) when dropped.
struct OwnedTsfn(sys::napi_threadsafe_function);

impl Drop for OwnedTsfn {
    fn drop(&mut self) {
        // SAFETY: dropped on the environment's thread (it is made in `start`
        // and owned by the driver, which `on_cleanup` drops there), once, and
        // only after the poller thread, the one other user, has ended or was
        // never started. Batches still queued come back to `deliver` with a
        // null `env` and are freed there.
        unsafe {
            sys::napi_release_threadsafe_function(
                self.0,
                sys::ThreadsafeFunctionReleaseMode::abort,
            );
        }
    }
}

/// The JavaScript thread's half: owned by the environment's cleanup hook.
struct Driver {
    dispatcher: Dispatcher,
    tsfn: OwnedTsfn,
    waker: Waker,
    stop: Arc<AtomicBool>,
    /// Hands each delivered batch back to the poller thread.
    returns: Option<mpsc::Sender<Box<Batch>>>,
    thread: Option<JoinHandle<()>>,
}

thread_local! {
    /// This environment's driver, for [`deliver`] and [`set_active`].
    static DRIVER: Cell<*const Driver> = const { Cell::new(ptr::null()) };
}

/// Starts the poller thread for a new reactor. On failure everything made is
/// released (as it is dropped).
pub(super) fn start(env: sys::napi_env, dispatcher: Dispatcher) -> Result<()> {
    let (reactor, waker, poller) = Reactor::with_poller_apart(BATCH)
        .and_then(|(reactor, poller)| Ok((reactor, poller.waker()?, poller)))
        .map_err(|err| Error::from_reason(err.to_string()))?;
    let tsfn = create_tsfn(env)?;
    let stop = Arc::new(AtomicBool::new(false));
    let (returns, returned) = mpsc::channel();
    let spawned = std::thread::Builder::new()
        .name("socket2-poller".to_string())
        .spawn({
            let stop = Arc::clone(&stop);
            let tsfn = Tsfn(tsfn.0);
            move || run(poller, tsfn, stop, returned)
        });
    let thread = spawned.map_err(|err| Error::from_reason(err.to_string()))?;
    let driver = Box::into_raw(Box::new(Driver {
        dispatcher,
        tsfn,
        waker,
        stop,
        returns: Some(returns),
        thread: Some(thread),
    }));
    // Added after the threadsafe function was created, so it runs before the
    // function's own cleanup (hooks run in reverse order of addition).
    // SAFETY: `driver` is a live allocation, reclaimed by `on_cleanup`.
    let hooked = unsafe {
        check(
            sys::napi_add_env_cleanup_hook(env, Some(on_cleanup), driver.cast()),
            "napi_add_env_cleanup_hook",
        )
    };
    if let Err(err) = hooked {
        // SAFETY: the hook was not added, so this is the only owner.
        unsafe { on_cleanup(driver.cast()) };
        return Err(err);
    }
    DRIVER.with(|cell| cell.set(driver));
    state::install(env, reactor);
    Ok(())
}

/// A threadsafe function with no JavaScript function of its own ([`deliver`]
/// does the calling), unlimited queue (at most one batch is ever queued),
/// and unreferenced until a coroutine waits.
fn create_tsfn(env: sys::napi_env) -> Result<OwnedTsfn> {
    let name = js_string(env, c"socket2.poller")?;
    let mut tsfn = ptr::null_mut();
    // SAFETY: napi calls on the current environment with valid out-pointers.
    unsafe {
        check(
            sys::napi_create_threadsafe_function(
                env,
                ptr::null_mut(),
                ptr::null_mut(),
                name,
                0,
                1,
                ptr::null_mut(),
                None,
                ptr::null_mut(),
                Some(deliver),
                &mut tsfn,
            ),
            "napi_create_threadsafe_function",
        )?;
    }
    // Owned from here: released if the next call fails.
    let tsfn = OwnedTsfn(tsfn);
    // SAFETY: on the current environment, on a live function.
    let status = unsafe { sys::napi_unref_threadsafe_function(env, tsfn.0) };
    check(status, "napi_unref_threadsafe_function")?;
    Ok(tsfn)
}

/// The poller thread: block until events (or the waker), hand the batch to
/// JavaScript, wait for the buffer to come back, repeat.
fn run(
    mut poller: Poller,
    tsfn: Tsfn,
    stop: Arc<AtomicBool>,
    returned: mpsc::Receiver<Box<Batch>>,
) {
    let mut batch = Box::new(Batch {
        triples: vec![0; BATCH * 3].into_boxed_slice(),
        count: 0,
        failed: None,
    });
    loop {
        let polled = poller.poll_into(None, &mut batch.triples);
        if stop.load(Ordering::Acquire) {
            return;
        }
        match polled {
            Ok(0) => continue,
            Ok(count) => batch.count = count,
            Err(err) => batch.failed = Some(err),
        }
        let failed = batch.failed.is_some();
        let data = Box::into_raw(batch);
        // SAFETY: the function is alive until the JavaScript thread has joined
        // this thread; `data` is handed over to `deliver`, which reclaims it.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                tsfn.0,
                data.cast(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status != sys::Status::napi_ok {
            // Closing: the batch was not queued, so it is still ours.
            // SAFETY: `data` came from `Box::into_raw` just above.
            drop(unsafe { Box::from_raw(data) });
            return;
        }
        if failed {
            return;
        }
        match wait_for_return(&tsfn, &returned) {
            Some(back) => batch = back,
            // The environment is going away.
            None => return,
        }
    }
}

/// Waits for the batch just handed over to come back from [`deliver`],
/// nudging the JavaScript thread while it does not (see the module
/// documentation). `None` when the environment is going away.
fn wait_for_return(tsfn: &Tsfn, returned: &mpsc::Receiver<Box<Batch>>) -> Option<Box<Batch>> {
    let mut wait = NUDGE_FIRST;
    loop {
        match returned.recv_timeout(wait) {
            Ok(back) => return Some(back),
            Err(mpsc::RecvTimeoutError::Disconnected) => return None,
            Err(mpsc::RecvTimeoutError::Timeout) => {}
        }
        // SAFETY: as in `run`; a null `data` is a nudge, which `deliver`
        // ignores.
        let status = unsafe {
            sys::napi_call_threadsafe_function(
                tsfn.0,
                ptr::null_mut(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            )
        };
        if status == sys::Status::napi_closing {
            // The batch still queued is freed by `deliver`.
            return None;
        }
        // Any other failure changes nothing: the batch is queued, and the
        // wait goes on (and nudges again).
        wait = (wait * 2).min(NUDGE_MAX);
    }
}

/// The threadsafe function's callback, on the JavaScript thread: check the
/// batch against the socket table, give the buffer back to the poller, and
/// dispatch. During teardown (`env` null) it only frees the batch.
unsafe extern "C" fn deliver(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    _context: *mut c_void,
    data: *mut c_void,
) {
    if data.is_null() {
        // A nudge: its only job was to wake this thread, and the batch it
        // stands for is in the same queue.
        return;
    }
    // SAFETY: every other queued `data` is a `Box<Batch>` from `run`,
    // delivered once.
    let batch = unsafe { Box::from_raw(data.cast::<Batch>()) };
    let driver = DRIVER.with(Cell::get);
    if env.is_null() || driver.is_null() {
        return;
    }
    // SAFETY: the cell holds the live driver until `on_cleanup` clears it,
    // and `on_cleanup` does not run while this callback does (same thread).
    let driver = unsafe { &*driver };
    if let Some(err) = &batch.failed {
        // SAFETY: on the environment's thread, inside the function's callback.
        unsafe { report(env, err) };
        return;
    }
    let count = batch.count.min(BATCH);
    // SAFETY: on the environment's thread, outside any JavaScript frame.
    let live = unsafe {
        driver.dispatcher.with_events(|out| {
            out[..count * 3].copy_from_slice(&batch.triples[..count * 3]);
            state::with_reactor(|reactor| reactor.retain_live(out, count)).unwrap_or(0)
        })
    };
    if let Some(returns) = &driver.returns {
        // A send fails only once the thread has stopped; the batch is freed.
        let _ = returns.send(batch);
    }
    if live > 0 {
        // SAFETY: as above.
        unsafe { driver.dispatcher.dispatch(live) };
    }
}

/// Raises the poller's failure as an uncaught exception: every waiting
/// coroutine would otherwise hang without a word.
///
/// # Safety
/// On the environment's thread, outside any JavaScript frame.
unsafe fn report(env: sys::napi_env, err: &io::Error) {
    let text = format!("socket2: the poller thread stopped: {err}");
    let mut message = ptr::null_mut();
    let mut error = ptr::null_mut();
    // SAFETY: per the contract; `text` outlives the calls that read it.
    unsafe {
        if sys::napi_create_string_utf8(
            env,
            text.as_ptr().cast(),
            text.len() as isize,
            &mut message,
        ) == sys::Status::napi_ok
            && sys::napi_create_error(env, ptr::null_mut(), message, &mut error)
                == sys::Status::napi_ok
        {
            sys::napi_fatal_exception(env, error);
        }
    }
}

/// `napi_ref_threadsafe_function`/`napi_unref_threadsafe_function` on this
/// environment's function, if the poller-thread driver runs here.
pub(super) fn set_active(env: sys::napi_env, active: bool) {
    let driver = DRIVER.with(Cell::get);
    if driver.is_null() {
        return;
    }
    // SAFETY: the cell holds the live driver (see `deliver`); we are on the
    // environment's thread, as these two calls require.
    unsafe {
        let tsfn = (*driver).tsfn.0;
        if active {
            sys::napi_ref_threadsafe_function(env, tsfn);
        } else {
            sys::napi_unref_threadsafe_function(env, tsfn);
        }
    }
}

/// The environment is shutting down: stop and join the poller thread,
/// release the threadsafe function, close every socket.
unsafe extern "C" fn on_cleanup(data: *mut c_void) {
    DRIVER.with(|cell| cell.set(ptr::null()));
    // SAFETY: `data` is the driver `start` leaked; this hook owns it and runs
    // once.
    let mut driver = unsafe { Box::from_raw(data.cast::<Driver>()) };
    driver.stop.store(true, Ordering::Release);
    // A thread waiting for its batch to come back stops here...
    drop(driver.returns.take());
    // ...and one blocked in the poll is woken.
    let _ = driver.waker.wake();
    if let Some(thread) = driver.thread.take() {
        let _ = thread.join();
    }
    // The thread that called the function has ended: release it, then close
    // every socket, then the dispatcher goes (in that order, as dropped).
    let Driver {
        tsfn, dispatcher, ..
    } = *driver;
    drop(tsfn);
    stopped();
    drop(dispatcher);
}
