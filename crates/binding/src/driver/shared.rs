//! Pollers shared by several environments (threads): `socket.epollFd(fd)`.
//!
//! Every libuv-driven environment polls through a [`Shared`] poller: its
//! own, or — when `epollFd(fd)` named another thread's before the first
//! socket — that thread's. Each environment has an [`Owner`] number that
//! its sockets' poll tokens carry. Whichever environment drains the poller
//! keeps its own events and routes every other one into its owner's
//! [`Inbox`], then wakes that owner's loop (`uv_async_send`): an event
//! reaches the thread that owns the socket whichever thread the kernel
//! handed it to. An owner leaves the poller's inboxes before it closes its
//! sockets and its async handle, so an event for an environment that has
//! gone is dropped, never delivered to a freed handle; owner numbers are
//! reused only after every other one was, and a stale event that still
//! reaches a table is only a readiness hint (the call gets `EAGAIN` and
//! waits again), never a lost one.

use std::collections::{HashMap, HashSet};
use std::io;
#[cfg(unix)]
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard, Weak};
use std::time::Duration;

use socket2_core::reactor::{Owner, Poller, SharedPoller};

/// Locks `mutex`, even if a thread panicked holding it (every critical
/// section here leaves its data consistent).
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Where routed events wait for their owner's loop.
pub(super) struct Inbox {
    /// `(slot, generation, readiness)` triples, as the poller wrote them.
    pub queue: Mutex<Vec<u32>>,
    /// Wakes the owner's loop (`uv_async_send` on its async handle).
    wake: Box<dyn Fn() + Send + Sync>,
}

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

/// A poller and the environments using it.
pub(super) struct Shared {
    pub poller: SharedPoller,
    #[cfg(unix)]
    pub fd: RawFd,
    inboxes: Mutex<HashMap<Owner, Arc<Inbox>>>,
}

#[cfg(unix)]
static POLLERS: LazyLock<Mutex<HashMap<RawFd, Weak<Shared>>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

impl Shared {
    /// A new poller, findable by its fd for [`Shared::find`].
    pub fn create(batch: usize) -> io::Result<Arc<Shared>> {
        let poller = Poller::new(batch)?;
        #[cfg(unix)]
        let fd = poller.fd();
        let shared = Arc::new(Shared {
            poller: Arc::new(Mutex::new(poller)),
            #[cfg(unix)]
            fd,
            inboxes: Mutex::new(HashMap::new()),
        });
        #[cfg(unix)]
        lock(&POLLERS).insert(fd, Arc::downgrade(&shared));
        Ok(shared)
    }

    /// The poller whose descriptor is `fd`, if a thread of this process
    /// still uses it.
    #[cfg(unix)]
    pub fn find(fd: RawFd) -> Option<Arc<Shared>> {
        lock(&POLLERS).get(&fd).and_then(Weak::upgrade)
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
            ROUTED.fetch_add(routed.len() as u64, Ordering::Relaxed);
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

impl Drop for Shared {
    fn drop(&mut self) {
        // The fd is closed right after (with the poller), and may be
        // reused: forget it first, unless it already names a newer poller.
        #[cfg(unix)]
        {
            let mut pollers = lock(&POLLERS);
            if pollers.get(&self.fd).is_some_and(|w| w.strong_count() == 0) {
                pollers.remove(&self.fd);
            }
        }
    }
}

/// Events polled by one environment and handed to another's inbox, in
/// the whole process (a diagnostic for the tests).
static ROUTED: AtomicU64 = AtomicU64::new(0);

pub(super) fn routed() -> u64 {
    ROUTED.load(Ordering::Relaxed)
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
