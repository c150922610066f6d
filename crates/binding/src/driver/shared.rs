//! Pollers shared by several environments (threads): `socket.epollFd(fd)`
//! and, on Windows, `socket.iocp(handle)`.
//!
//! Every environment's driver polls a poller that other environments of
//! the process can join ([`find`] looks it up by its key: the epoll or
//! kqueue fd, or on Windows a number of the process's own, as mio does not
//! expose the completion port's `HANDLE`). Each environment has an
//! [`Owner`] number that its sockets' poll tokens carry, so an event
//! reaches the thread that owns the socket whichever thread the kernel
//! handed it to.
//!
//! * The libuv driver polls a [`Shared`] poller: whichever environment
//!   drains it keeps its own events and routes every other one into its
//!   owner's [`Inbox`], then wakes that owner's loop (`uv_async_send`).
//! * The poller-thread driver's poller is a [`Hub`]: one thread blocks on
//!   it and routes every event to its owner's queue (see
//!   `poller_thread.rs`).
//!
//! An owner leaves the poller's inboxes before it closes its sockets and
//! its wake-up handle, so an event for an environment that has gone is
//! dropped, never delivered to a freed handle; owner numbers are reused
//! only after every other one was, and a stale event that still reaches a
//! table is only a readiness hint (the call gets `EAGAIN` and waits again),
//! never a lost one.

use std::collections::{HashMap, HashSet};
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
#[cfg(unix)]
use std::time::Duration;

use socket2_core::reactor::Owner;
#[cfg(unix)]
use socket2_core::reactor::{Poller, SharedPoller};

use super::poller_thread::Hub;

/// Locks `mutex`, even if a thread panicked holding it (every critical
/// section here leaves its data consistent).
pub(super) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What names a poller to [`find`]: the epoll or kqueue fd on Unix; on
/// Windows a number given out by [`next_key`].
pub(super) type PollerKey = i64;

/// A poller other environments can join, as [`find`] returns it.
pub(super) enum Found {
    /// Polled by the libuv driver of each environment using it.
    #[cfg(unix)]
    Drained(Arc<Shared>),
    /// Polled by a poller thread of its own.
    Threaded(Arc<Hub>),
}

enum Registered {
    #[cfg(unix)]
    Drained(Weak<Shared>),
    Threaded(Weak<Hub>),
}

impl Registered {
    fn is_dead(&self) -> bool {
        match self {
            #[cfg(unix)]
            Registered::Drained(weak) => weak.strong_count() == 0,
            Registered::Threaded(weak) => weak.strong_count() == 0,
        }
    }
}

/// Every poller of the process by key. Its lock is taken when a poller is
/// made, found or dropped, never on the per-message path.
static POLLERS: LazyLock<Mutex<HashMap<PollerKey, Registered>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The poller whose key is `key`, if an environment of this process still
/// uses it.
pub(super) fn find(key: PollerKey) -> Option<Found> {
    match lock(&POLLERS).get(&key)? {
        #[cfg(unix)]
        Registered::Drained(weak) => weak.upgrade().map(Found::Drained),
        Registered::Threaded(weak) => weak.upgrade().map(Found::Threaded),
    }
}

/// Makes `hub` findable under `key`.
pub(super) fn register_hub(key: PollerKey, hub: &Arc<Hub>) {
    lock(&POLLERS).insert(key, Registered::Threaded(Arc::downgrade(hub)));
}

/// Forgets `key` as its poller is dropped (its fd is closed right after
/// and may be reused), unless it already names a newer poller.
pub(super) fn forget(key: PollerKey) {
    let mut pollers = lock(&POLLERS);
    if pollers.get(&key).is_some_and(Registered::is_dead) {
        pollers.remove(&key);
    }
}

/// A key for a poller that has no descriptor to be named by (Windows):
/// unique in the process, never reused.
#[cfg(windows)]
pub(super) fn next_key() -> PollerKey {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed) as PollerKey
}

/// Where routed events wait for their owner's loop.
#[cfg(unix)]
pub(super) struct Inbox {
    /// `(slot, generation, readiness)` triples, as the poller wrote them.
    pub queue: Mutex<Vec<u32>>,
    /// Wakes the owner's loop (`uv_async_send` on its async handle).
    wake: Box<dyn Fn() + Send + Sync>,
}

#[cfg(unix)]
impl Inbox {
    pub fn new(wake: Box<dyn Fn() + Send + Sync>) -> Inbox {
        Inbox {
            queue: Mutex::new(Vec::new()),
            wake,
        }
    }

    /// Takes everything queued.
    pub fn take(&self) -> Vec<u32> {
        std::mem::take(&mut *lock(&self.queue))
    }
}

/// A poller and the environments using it (the libuv driver).
#[cfg(unix)]
pub(super) struct Shared {
    pub poller: SharedPoller,
    key: PollerKey,
    inboxes: Mutex<HashMap<Owner, Arc<Inbox>>>,
}

#[cfg(unix)]
impl Shared {
    /// A new poller, findable by its fd for [`find`].
    pub fn create(batch: usize) -> io::Result<Arc<Shared>> {
        let poller = Poller::new(batch)?;
        let key = PollerKey::from(poller.fd());
        let shared = Arc::new(Shared {
            poller: Arc::new(Mutex::new(poller)),
            key,
            inboxes: Mutex::new(HashMap::new()),
        });
        lock(&POLLERS).insert(key, Registered::Drained(Arc::downgrade(&shared)));
        Ok(shared)
    }

    /// Routes `owner`'s events to `inbox` from now on.
    pub fn join(&self, owner: Owner, inbox: Arc<Inbox>) {
        lock(&self.inboxes).insert(owner, inbox);
    }

    /// Stops routing to `owner`: its events are dropped from now on.
    pub fn leave(&self, owner: Owner) {
        lock(&self.inboxes).remove(&owner);
    }

    /// Takes every ready event with a zero-timeout poll: `mine`'s go into
    /// `out`, the others to their owners' inboxes (whose loops are woken).
    /// Returns `(kept, taken)` as [`Poller::poll_routed`].
    pub fn drain(&self, mine: Owner, out: &mut [u32]) -> io::Result<(usize, usize)> {
        let mut routed: Vec<(Owner, [u32; 3])> = Vec::new();
        let polled =
            lock(&self.poller).poll_routed(Some(Duration::ZERO), mine, out, |owner, triple| {
                routed.push((owner, triple))
            });
        if !routed.is_empty() {
            count_routed(routed.len());
            let inboxes = lock(&self.inboxes);
            let mut woken: Vec<Owner> = Vec::new();
            for (owner, triple) in routed {
                // No inbox: the owner has left (its sockets are closing).
                let Some(inbox) = inboxes.get(&owner) else {
                    continue;
                };
                lock(&inbox.queue).extend_from_slice(&triple);
                if !woken.contains(&owner) {
                    woken.push(owner);
                }
            }
            // Still under the inboxes lock: an owner cannot close its async
            // handle between `leave` and here.
            for owner in woken {
                (inboxes[&owner].wake)();
            }
        }
        polled
    }
}

#[cfg(unix)]
impl Drop for Shared {
    fn drop(&mut self) {
        // The fd is closed right after (with the poller), and may be
        // reused: forget it first.
        forget(self.key);
    }
}

/// Events polled by one environment's driver and handed to another
/// environment, in the whole process (a diagnostic for the tests): by the
/// libuv driver, those one environment drained for another; by the
/// poller-thread driver, those its poller thread handed to an environment
/// other than the one that made the poller.
static ROUTED: AtomicU64 = AtomicU64::new(0);

pub(super) fn routed() -> u64 {
    ROUTED.load(Ordering::Relaxed)
}

pub(super) fn count_routed(events: usize) {
    ROUTED.fetch_add(events as u64, Ordering::Relaxed);
}

/// Owner numbers in use by live environments.
static OWNERS: LazyLock<Mutex<(u16, HashSet<u16>)>> =
    LazyLock::new(|| Mutex::new((0, HashSet::new())));

/// A fresh owner number: the next one not in use, cycling through all of
/// them before any is reused.
fn allocate_owner() -> io::Result<Owner> {
    if Owner::MAX == 0 {
        // 32-bit targets: tokens have no room for owners, and pollers are
        // never shared (`epollFd(fd)` refuses).
        return Ok(Owner::default());
    }
    let mut owners = lock(&OWNERS);
    let span = Owner::MAX as u32 + 1;
    for _ in 0..span {
        let candidate = ((owners.0 as u32 + 1) % span) as u16;
        owners.0 = candidate;
        if owners.1.insert(candidate) {
            return Owner::new(candidate).ok_or_else(|| io::Error::other("owner out of range"));
        }
    }
    Err(io::Error::other("too many threads use socket2"))
}

/// An owner number in use, given back when dropped.
pub(super) struct OwnerNumber(Owner);

impl OwnerNumber {
    pub(super) fn allocate() -> io::Result<OwnerNumber> {
        allocate_owner().map(OwnerNumber)
    }

    pub(super) fn get(&self) -> Owner {
        self.0
    }
}

impl Drop for OwnerNumber {
    fn drop(&mut self) {
        lock(&OWNERS).1.remove(&self.0.get());
    }
}
