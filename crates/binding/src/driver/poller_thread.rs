//! The poller-thread driver, for Windows (libuv cannot watch an IOCP port) and for
//! runtimes that do not export libuv (Bun, Deno).
//!
//! The poller blocks on a thread of its own ([`run`]), in a [`Hub`] that
//! several environments (threads) can share: the one that made it, and any
//! that named it with `socket.epollFd(fd)` / `socket.iocp(handle)` before
//! their first socket. Each environment is a [`Member`] of the hub, with an
//! [`Owner`] number that its sockets' poll tokens carry. The poller thread
//! hands every event to its owner's queue and, when that queue was empty,
//! wakes the owner's JavaScript thread through its napi threadsafe function;
//! there [`deliver`] takes the whole queue, checks it against that
//! environment's socket table (the generation check stays on the table's
//! thread) and dispatches it exactly as the libuv driver does. So an event
//! reaches the environment that owns the socket, whichever thread polled it.
//!
//! Flow control: the thread polls only while some member has taken
//! everything handed to it. While every member's JavaScript is busy with
//! events not yet taken, new ones are left in the kernel, which coalesces
//! them (edge-triggered: one event per socket, however many arrivals), so
//! the thread never runs more than one batch ahead of a lone environment;
//! with several, an idle one is never held up by a busy one (the busy
//! one's queue grows by the events polled for it meanwhile). A member
//! without sockets takes no events, so it does not count: an idle main
//! thread that made the poller for its workers would let the thread poll
//! while they are busy, and wake a worker per event or two (a worker on
//! it spent 8.4 µs of CPU per echo round trip, against 6.0 on a hub of
//! its own).
//!
//! A hand-off is not trusted to wake the JavaScript thread: while a member
//! has not taken its queue, the poller thread repeats the wake-up (a
//! nudge), after [`NUDGE_FIRST`] and then at doubling intervals up to
//! [`NUDGE_MAX`]. Deno needs it: its threadsafe functions queue a task and
//! wake its event loop through an `AtomicWaker` that the loop re-registers
//! only after finding the queue empty (check, then register), so a call
//! landing between the two finds no waker to wake; with nothing else
//! pending, Deno's thread then sleeps with the call in its queue and the
//! events wait forever. The nudge lands after the registration and wakes
//! it. Node and Bun never need it; there it costs one empty call per
//! interval while JavaScript is busy for longer than that.
//!
//! Leaving: an environment's cleanup hook first leaves the hub (under the
//! members lock, which the poller thread holds whenever it calls a
//! member's function: after `leave` returns, nothing calls ours, and its
//! events are dropped), then releases its threadsafe function and closes
//! its sockets. The last environment to leave drops the hub, which stops
//! the thread (mio's `Waker`) and joins it. No environment waits for
//! another: one that exits or is terminated leaves the others running, on
//! the same thread, whichever environment made the hub.
//!
//! Keeping the process alive is each threadsafe function's job: `setActive`
//! refs it while a coroutine waits and unrefs it otherwise.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::ffi::c_void;
use std::io;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use napi::bindgen_prelude::*;
use napi::sys;

use socket2_core::reactor::{Owner, Poller, Registrar, Waker};

use super::shared::{self, lock, OwnerNumber, PollerKey};
use super::{check, js_string, stopped, Dispatcher, BATCH};
use crate::state::{self, Reactor};

/// Polls made by every poller thread of the process (a diagnostic: the
/// tests check the flow control).
static POLLS: AtomicU64 = AtomicU64::new(0);

/// [`POLLS`] so far.
pub(super) fn polls() -> u64 {
    POLLS.load(Ordering::Relaxed)
}

/// How long a member may leave its events untaken before the poller thread
/// repeats the wake-up (see the module documentation).
const NUDGE_FIRST: Duration = Duration::from_millis(2);
/// The longest interval between two nudges while JavaScript is busy.
const NUDGE_MAX: Duration = Duration::from_millis(128);

/// A member's threadsafe function handle, for the poller thread.
#[derive(Clone, Copy)]
struct Tsfn(sys::napi_threadsafe_function);

// SAFETY: napi documents `napi_call_threadsafe_function` as callable from any
// thread, concurrently; that is the only use made of this copy of the
// handle, and only while its member is in the hub's members (it leaves
// before releasing the function).
unsafe impl Send for Tsfn {}
// SAFETY: as above.
unsafe impl Sync for Tsfn {}

impl Tsfn {
    /// Asks the member's JavaScript thread to run [`deliver`]. A failure
    /// (the function is closing: its environment is leaving) changes
    /// nothing here.
    fn call(self) {
        // SAFETY: see the `Send` impl; a null `data` is all `deliver` gets.
        unsafe {
            sys::napi_call_threadsafe_function(
                self.0,
                ptr::null_mut(),
                sys::ThreadsafeFunctionCallMode::nonblocking,
            );
        }
    }
}

/// The threadsafe function as the JavaScript thread owns it: released
/// (`abort`) when dropped.
struct OwnedTsfn(sys::napi_threadsafe_function);

impl Drop for OwnedTsfn {
    fn drop(&mut self) {
        // SAFETY: dropped on the environment's thread (it is made in `start`
        // and owned by the driver, which `on_cleanup` drops there), once, and
        // only after its member left the hub (nothing else calls it).
        unsafe {
            sys::napi_release_threadsafe_function(
                self.0,
                sys::ThreadsafeFunctionReleaseMode::abort,
            );
        }
    }
}

/// One environment using a hub.
struct Member {
    /// `(slot, generation, readiness)` triples polled for this environment
    /// and not taken yet.
    queue: Mutex<Vec<u32>>,
    /// Events were handed over (its function called) and not taken yet.
    /// Set only by the poller thread, cleared only by [`deliver`].
    pending: AtomicBool,
    tsfn: Tsfn,
    /// Its environment made the hub (the others' events count as routed).
    made_it: bool,
    /// Its table holds a socket: set by [`socket_added`], cleared by
    /// [`table_emptied`]. A member without one is not waited for (see the
    /// module documentation).
    has_sockets: AtomicBool,
}

/// What the poller thread and the members share.
struct Core {
    members: Mutex<HashMap<Owner, Arc<Member>>>,
    stop: AtomicBool,
    /// The poll failed for good and the thread ended: every member reports it.
    failed: OnceLock<String>,
    /// The poller thread waits on `turn` (holding `gate`) while no member
    /// can take events; `stalled` tells the members to notify it.
    gate: Mutex<()>,
    turn: Condvar,
    stalled: AtomicBool,
}

impl Core {
    /// Wakes the poller thread if it waits for a member (one took its
    /// queue, joined or left) or for the stop.
    fn notify(&self) {
        let _gate = lock(&self.gate);
        self.turn.notify_all();
    }
}

/// A poller, the thread that blocks on it, and the environments using it.
/// Each member's driver holds the hub; the last one to go stops the thread.
pub(super) struct Hub {
    key: PollerKey,
    core: Arc<Core>,
    registrar: Registrar,
    waker: Waker,
    thread: Option<JoinHandle<()>>,
}

impl Hub {
    /// A new poller and its thread, findable by its key (`shared::find`).
    fn create() -> io::Result<Arc<Hub>> {
        let poller = Poller::new(BATCH)?;
        let registrar = poller.registrar()?;
        let waker = poller.waker()?;
        #[cfg(unix)]
        let key = PollerKey::from(registrar.fd());
        #[cfg(windows)]
        let key = shared::next_key();
        let core = Arc::new(Core {
            members: Mutex::new(HashMap::new()),
            stop: AtomicBool::new(false),
            failed: OnceLock::new(),
            gate: Mutex::new(()),
            turn: Condvar::new(),
            stalled: AtomicBool::new(false),
        });
        let thread = std::thread::Builder::new()
            .name("socket2-poller".to_string())
            .spawn({
                let core = Arc::clone(&core);
                move || run(poller, &core)
            })?;
        let hub = Arc::new(Hub {
            key,
            core,
            registrar,
            waker,
            thread: Some(thread),
        });
        shared::register_hub(key, &hub);
        Ok(hub)
    }

    /// Hands `owner`'s events to `member` from now on.
    fn join(&self, owner: Owner, member: Arc<Member>) {
        lock(&self.core.members).insert(owner, member);
        self.core.notify();
    }

    /// Stops handing `owner`'s events over: they are dropped from now on,
    /// and its function is never called again once this returns.
    fn leave(&self, owner: Owner) {
        lock(&self.core.members).remove(&owner);
        self.core.notify();
    }

    pub(super) fn key(&self) -> PollerKey {
        self.key
    }
}

impl Drop for Hub {
    /// The last member has left: stop the thread and wait for it (it drops
    /// the poller), and forget the key.
    fn drop(&mut self) {
        self.core.stop.store(true, Ordering::Release);
        self.core.notify();
        let _ = self.waker.wake();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        shared::forget(self.key);
    }
}

/// When to repeat a wake-up that was not answered (see the module
/// documentation).
struct Nudge {
    interval: Duration,
    last: Instant,
}

impl Nudge {
    /// Nudges every member that has not taken its events if the interval
    /// has passed (doubling it), or resets it when none is waiting. Called
    /// with the members locked. Returns whether any member is waiting.
    fn check(&mut self, members: &HashMap<Owner, Arc<Member>>) -> bool {
        let now = Instant::now();
        let waiting = members
            .values()
            .any(|member| member.pending.load(Ordering::SeqCst));
        if !waiting {
            self.interval = NUDGE_FIRST;
            self.last = now;
        } else if now.duration_since(self.last) >= self.interval {
            for member in members.values() {
                if member.pending.load(Ordering::SeqCst) {
                    member.tsfn.call();
                }
            }
            self.last = now;
            self.interval = (self.interval * 2).min(NUDGE_MAX);
        }
        waiting
    }
}

/// The poller thread: wait until some member can take events, poll, hand
/// each event to its owner, repeat until the hub is dropped.
fn run(mut poller: Poller, core: &Core) {
    let mut polled: Vec<(Owner, [u32; 3])> = Vec::with_capacity(BATCH);
    let mut nudge = Nudge {
        interval: NUDGE_FIRST,
        last: Instant::now(),
    };
    loop {
        let Some(waiting) = wait_for_taker(core, &mut nudge) else {
            return;
        };
        // Only this thread marks a member waiting: if none is now, none
        // will be during the poll, and it may block until an event.
        let timeout = waiting.then_some(nudge.interval);
        let result = poller.poll_each(timeout, |owner, triple| polled.push((owner, triple)));
        POLLS.fetch_add(1, Ordering::Relaxed);
        if core.stop.load(Ordering::Acquire) {
            return;
        }
        if let Err(err) = result {
            let _ = core
                .failed
                .set(format!("socket2: the poller thread stopped: {err}"));
            for member in lock(&core.members).values() {
                member.tsfn.call();
            }
            return;
        }
        hand_over(core, &mut polled);
    }
}

/// Waits (holding nothing but the gate) until some member has taken
/// everything handed to it, nudging the others meanwhile. `None` once the
/// hub is stopping; otherwise whether some member is still waiting.
fn wait_for_taker(core: &Core, nudge: &mut Nudge) -> Option<bool> {
    let mut gate = lock(&core.gate);
    loop {
        if core.stop.load(Ordering::Acquire) {
            return None;
        }
        // Set before looking, cleared by nobody but us: a member that
        // takes its queue after we looked sees it and notifies (under the
        // gate, so not before we wait).
        core.stalled.store(true, Ordering::SeqCst);
        let (ready, waiting) = {
            let members = lock(&core.members);
            let waiting = nudge.check(&members);
            let ready = members.values().any(|member| {
                member.has_sockets.load(Ordering::SeqCst) && !member.pending.load(Ordering::SeqCst)
            });
            (ready, waiting)
        };
        if ready {
            core.stalled.store(false, Ordering::SeqCst);
            return Some(waiting);
        }
        gate = if waiting {
            core.turn
                .wait_timeout(gate, nudge.interval)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .0
        } else {
            // No member at all: until one joins, or the stop.
            core.turn
                .wait(gate)
                .unwrap_or_else(|poisoned| poisoned.into_inner())
        };
    }
}

/// Appends each polled event to its owner's queue and wakes the owners
/// whose queue was taken since the last hand-over; an event whose owner
/// has left is dropped.
/// (The nudges are [`wait_for_taker`]'s, which runs right after.)
fn hand_over(core: &Core, polled: &mut Vec<(Owner, [u32; 3])>) {
    if polled.is_empty() {
        return;
    }
    let members = lock(&core.members);
    // Grouped by owner (stable: one socket's events keep their order).
    polled.sort_by_key(|(owner, _)| owner.get());
    for run in polled.chunk_by(|a, b| a.0 == b.0) {
        let Some(member) = members.get(&run[0].0) else {
            continue;
        };
        {
            let mut queue = lock(&member.queue);
            for (_, triple) in run {
                queue.extend_from_slice(triple);
            }
        }
        if !member.made_it {
            shared::count_routed(run.len());
        }
        if !member.pending.swap(true, Ordering::SeqCst) {
            member.tsfn.call();
        }
    }
    polled.clear();
}

/// The JavaScript thread's half: owned by the environment's cleanup hook.
struct Driver {
    dispatcher: Dispatcher,
    tsfn: OwnedTsfn,
    hub: Arc<Hub>,
    member: Arc<Member>,
    owner: OwnerNumber,
    /// The buffer swapped with the member's queue on each delivery (so
    /// nothing is allocated per batch once both have grown).
    spare: RefCell<Vec<u32>>,
    /// The poller's failure was reported here already.
    reported: Cell<bool>,
}

thread_local! {
    /// This environment's driver, for [`deliver`], [`set_active`] and [`key`].
    static DRIVER: Cell<*const Driver> = const { Cell::new(ptr::null()) };
}

/// Starts this environment's driver: on `join`'s poller (another
/// environment's, from `epollFd(fd)`/`iocp(handle)`) or on a new one with a
/// thread of its own. On failure everything made is released (as it is
/// dropped).
pub(super) fn start(
    env: sys::napi_env,
    dispatcher: Dispatcher,
    join: Option<Arc<Hub>>,
) -> Result<()> {
    let reason = |err: io::Error| Error::from_reason(err.to_string());
    let made_it = join.is_none();
    let hub = match join {
        Some(hub) => hub,
        None => Hub::create().map_err(reason)?,
    };
    let owner = OwnerNumber::allocate().map_err(reason)?;
    let reactor = Reactor::on_registrar(&hub.registrar, owner.get()).map_err(reason)?;
    let tsfn = create_tsfn(env)?;
    let member = Arc::new(Member {
        queue: Mutex::new(Vec::new()),
        pending: AtomicBool::new(false),
        tsfn: Tsfn(tsfn.0),
        made_it,
        has_sockets: AtomicBool::new(false),
    });
    let driver = Box::into_raw(Box::new(Driver {
        dispatcher,
        tsfn,
        hub,
        member,
        owner,
        spare: RefCell::new(Vec::new()),
        reported: Cell::new(false),
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
    // SAFETY: `driver` is live until `on_cleanup`, which runs on this
    // thread, not during this call.
    let driver = unsafe { &*driver };
    driver
        .hub
        .join(driver.owner.get(), Arc::clone(&driver.member));
    Ok(())
}

/// The key another environment passes to `epollFd(fd)`/`iocp(handle)` to
/// share this environment's poller, if the poller-thread driver runs here.
pub(super) fn key() -> Option<PollerKey> {
    let driver = DRIVER.with(Cell::get);
    // SAFETY: the cell holds the live driver until `on_cleanup` clears it
    // (on this thread).
    (!driver.is_null()).then(|| unsafe { (*driver).hub.key() })
}

/// A threadsafe function with no JavaScript function of its own ([`deliver`]
/// does the calling), unlimited queue (a call is queued only when the
/// member's queue was taken, plus the nudges), and unreferenced until a
/// coroutine waits.
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

/// The threadsafe function's callback, on the JavaScript thread: take
/// everything queued for this environment, check it against the socket
/// table and dispatch it. During teardown (`env` null) it does nothing.
unsafe extern "C" fn deliver(
    env: sys::napi_env,
    _js_callback: sys::napi_value,
    _context: *mut c_void,
    _data: *mut c_void,
) {
    let driver = DRIVER.with(Cell::get);
    if env.is_null() || driver.is_null() {
        return;
    }
    // SAFETY: the cell holds the live driver until `on_cleanup` clears it,
    // and `on_cleanup` does not run while this callback does (same thread).
    let driver = unsafe { &*driver };
    let core = &driver.hub.core;
    if let Some(failure) = core.failed.get() {
        if !driver.reported.replace(true) {
            // SAFETY: on the environment's thread, inside the function's callback.
            unsafe { report(env, failure) };
        }
        return;
    }
    // Cleared before taking: whatever is queued after this is handed over
    // with a new call, so nothing waits in the queue unannounced.
    driver.member.pending.store(false, Ordering::SeqCst);
    let mut taken = std::mem::take(&mut *driver.spare.borrow_mut());
    std::mem::swap(&mut *lock(&driver.member.queue), &mut taken);
    if core.stalled.load(Ordering::SeqCst) {
        core.notify();
    }
    // SAFETY: on the environment's thread, outside any JavaScript frame.
    unsafe { driver.dispatcher.dispatch_routed(&taken) };
    taken.clear();
    *driver.spare.borrow_mut() = taken;
}

/// A socket entered this environment's table: the hub waits for this
/// member again (and polls, if it was waiting for a member to wait for).
pub(super) fn socket_added() {
    let driver = DRIVER.with(Cell::get);
    if driver.is_null() {
        return;
    }
    // SAFETY: the cell holds the live driver until `on_cleanup` clears it,
    // on this thread.
    let driver = unsafe { &*driver };
    if !driver.member.has_sockets.swap(true, Ordering::SeqCst) {
        let core = &driver.hub.core;
        if core.stalled.load(Ordering::SeqCst) {
            core.notify();
        }
    }
}

/// This environment's table is empty: the hub stops waiting for this
/// member until its next socket. (Only on its own thread, where sockets
/// are added too: never while one is open, so its events always have a
/// taker.)
pub(super) fn table_emptied() {
    let driver = DRIVER.with(Cell::get);
    if !driver.is_null() {
        // SAFETY: the cell holds the live driver until `on_cleanup` clears
        // it, on this thread.
        unsafe { &*driver }
            .member
            .has_sockets
            .store(false, Ordering::SeqCst);
    }
}

/// Raises the poller's failure as an uncaught exception: every waiting
/// coroutine would otherwise hang without a word.
///
/// # Safety
/// On the environment's thread, outside any JavaScript frame.
unsafe fn report(env: sys::napi_env, text: &str) {
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

/// The environment is shutting down: leave the hub (the last one out
/// stops its thread), release the threadsafe function, close every socket.
unsafe extern "C" fn on_cleanup(data: *mut c_void) {
    DRIVER.with(|cell| cell.set(ptr::null()));
    // SAFETY: `data` is the driver `start` leaked; this hook owns it and runs
    // once.
    let driver = unsafe { Box::from_raw(data.cast::<Driver>()) };
    // From here the poller thread drops our events and never calls our
    // function.
    driver.hub.leave(driver.owner.get());
    let Driver {
        dispatcher,
        tsfn,
        hub,
        member,
        owner,
        ..
    } = *driver;
    // The last member out stops and joins the thread.
    drop(hub);
    drop(member);
    drop(tsfn);
    // Every socket is deregistered and closed, then the owner number is
    // free for another environment, then the dispatcher goes.
    stopped();
    drop(owner);
    drop(dispatcher);
}
