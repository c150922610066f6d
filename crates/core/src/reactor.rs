//! The one owner of readiness: the table of open sockets and the poller.
//!
//! Every socket lives in a slot of [`Reactor`]. Its [`Id`] carries the slot
//! and a generation number; the generation also sits in the poll token, so
//! an event for a socket that was closed — and whose fd number or slot was
//! reused since — is dropped here instead of waking the wrong waiter.
//!
//! The blocking half, [`Poller`], can also run apart from the table, on a
//! thread of its own: it reports `(slot, generation, readiness)` as the
//! tokens carry them, and [`Reactor::retain_live`] checks them against the
//! table on the table's own thread.
//!
//! Sockets are registered once, for both directions, edge-triggered (mio's
//! contract): an event means "something changed, try the call again", and
//! a caller that stops before `WouldBlock` must not expect another event for
//! data it has not read. Callers may treat a short stream read as drained only
//! where [`SHORT_READ_DRAINS`] says the OS raises a new edge on every arrival.

use std::io;
use std::time::Duration;

use mio::{Events, Interest, Poll, Registry, Token};

use crate::socket::Socket;
use crate::sys;

/// Interrupts a [`Poller`] blocked on another thread ([`Poller::waker`]).
pub use mio::Waker;

/// Readiness bits written by [`Reactor::poll_into`].
pub struct Readiness;

impl Readiness {
    pub const READABLE: u32 = 1;
    pub const WRITABLE: u32 = 2;
    /// The peer closed its write side, or the socket is in error: readers wake.
    pub const READ_CLOSED: u32 = 4;
    /// The socket can no longer be written, or is in error: writers wake.
    pub const WRITE_CLOSED: u32 = 8;
}

/// True where every arrival of data raises a new edge (epoll, kqueue), so a
/// short stream read means the socket was drained at that moment. Not so with
/// IOCP under mio, which re-arms only after a `WouldBlock`.
pub const SHORT_READ_DRAINS: bool = sys::SHORT_READ_DRAINS;

/// A socket's handle: slot in the low 32 bits, generation above (21 bits, so
/// the whole id stays an exact JavaScript number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Id(u64);

const GENERATION_BITS: u32 = 21;
const GENERATION_MASK: u32 = (1 << GENERATION_BITS) - 1;

impl Id {
    /// Bits of the raw id below the generation: the slot. JavaScript splits
    /// an id with this (`crates/binding` exports it as `ID_SLOT_BITS`).
    pub const SLOT_BITS: u32 = 32;

    pub fn from_raw(raw: u64) -> Id {
        Id(raw)
    }

    pub fn raw(self) -> u64 {
        self.0
    }

    pub fn slot(self) -> u32 {
        self.0 as u32
    }

    pub fn generation(self) -> u32 {
        (self.0 >> Id::SLOT_BITS) as u32 & GENERATION_MASK
    }

    fn new(slot: u32, generation: u32) -> Id {
        Id(((generation & GENERATION_MASK) as u64) << Id::SLOT_BITS | slot as u64)
    }

    /// The poll token: the whole id where `usize` is 64 bits wide; on 32-bit
    /// targets the slot keeps 24 bits and the generation its low 8.
    fn token(self) -> Token {
        #[cfg(target_pointer_width = "64")]
        {
            Token(self.0 as usize)
        }
        #[cfg(not(target_pointer_width = "64"))]
        {
            Token((self.slot() & 0xff_ffff | (self.generation() & 0xff) << 24) as usize)
        }
    }

    fn slot_of(token: Token) -> u32 {
        #[cfg(target_pointer_width = "64")]
        {
            token.0 as u32
        }
        #[cfg(not(target_pointer_width = "64"))]
        {
            token.0 as u32 & 0xff_ffff
        }
    }

    /// The generation bits a token carries (all of them on 64-bit targets).
    fn generation_of(token: Token) -> u32 {
        #[cfg(target_pointer_width = "64")]
        {
            (token.0 as u64 >> Id::SLOT_BITS) as u32 & GENERATION_MASK
        }
        #[cfg(not(target_pointer_width = "64"))]
        {
            token.0 as u32 >> 24
        }
    }

    /// The part of `generation` a token carries.
    fn token_generation(generation: u32) -> u32 {
        Id::generation_of(Id::new(0, generation).token())
    }
}

/// The token of the poller's [`Waker`]; no socket's token can equal it (see
/// [`MAX_SLOTS`]).
const WAKE_TOKEN: Token = Token(usize::MAX);

/// Slots stay below this bound so that no socket token equals [`WAKE_TOKEN`]
/// (on 32-bit targets the token of slot `0xff_ffff` with generation `0xff`
/// would).
#[cfg(target_pointer_width = "64")]
const MAX_SLOTS: usize = u32::MAX as usize;
#[cfg(not(target_pointer_width = "64"))]
const MAX_SLOTS: usize = 0xff_ffff;

/// The OS poller (an epoll fd, a kqueue, or an IOCP port) and its event
/// buffer: the part of the reactor that blocks. It can live inside a
/// [`Reactor`] (the caller polls with zero timeouts from its own loop) or on
/// a thread of its own ([`Reactor::with_poller_apart`]), blocking there
/// while the table of sockets stays on the caller's thread.
pub struct Poller {
    poll: Poll,
    events: Events,
}

impl Poller {
    /// `epoll_create1`, `kqueue` or `CreateIoCompletionPort`; at most `batch`
    /// events are taken per [`Poller::poll_into`].
    pub fn new(batch: usize) -> io::Result<Poller> {
        Ok(Poller {
            poll: Poll::new()?,
            events: Events::with_capacity(batch.max(1)),
        })
    }

    /// A handle that interrupts a blocking [`Poller::poll_into`] from any
    /// thread (an eventfd, `EVFILT_USER`, or a completion packet). Create
    /// at most one per poller.
    pub fn waker(&self) -> io::Result<Waker> {
        Waker::new(self.poll.registry(), WAKE_TOKEN)
    }

    /// Waits up to `timeout` (`None`: until an event or a wake-up; zero: just
    /// look) and writes the events into `out` as `(slot, generation,
    /// readiness)` triples, as the tokens carry them: nothing here knows
    /// which sockets are still open, so a triple may name a socket closed
    /// since. Pass them through [`Reactor::retain_live`] on the table's
    /// thread. Wake-ups write nothing. Returns the number of triples.
    pub fn poll_into(&mut self, timeout: Option<Duration>, out: &mut [u32]) -> io::Result<usize> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(err) => return Err(err),
        }
        let mut count = 0;
        for event in self.events.iter() {
            if count * 3 + 3 > out.len() {
                break;
            }
            if event.token() == WAKE_TOKEN {
                continue;
            }
            out[count * 3] = Id::slot_of(event.token());
            out[count * 3 + 1] = Id::generation_of(event.token());
            out[count * 3 + 2] = readiness_of(event);
            count += 1;
        }
        Ok(count)
    }

    /// The poller's own descriptor (the epoll or kqueue fd).
    #[cfg(unix)]
    pub fn fd(&self) -> std::os::fd::RawFd {
        use std::os::fd::AsRawFd;
        self.poll.as_raw_fd()
    }

    /// Waits up to `timeout` like [`Poller::poll_into`] and hands every
    /// event to `each(owner, [slot, generation, readiness])`, whoever owns
    /// it: for a poller whose events all go to their owners' queues (the
    /// poller-thread driver's shared poller). Returns the number of events
    /// taken, wake-ups included.
    pub fn poll_each(
        &mut self,
        timeout: Option<Duration>,
        mut each: impl FnMut(Owner, [u32; 3]),
    ) -> io::Result<usize> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok(0),
            Err(err) => return Err(err),
        }
        let mut taken = 0;
        for event in self.events.iter() {
            taken += 1;
            if event.token() == WAKE_TOKEN {
                continue;
            }
            each(
                Owner::of(event.token()),
                [
                    Id::slot_of(event.token()),
                    Id::generation_of(event.token()),
                    readiness_of(event),
                ],
            );
        }
        Ok(taken)
    }

    /// A handle to register sockets with this poller from other threads
    /// while it blocks on its own ([`Reactor::on_registrar`]).
    pub fn registrar(&self) -> io::Result<Registrar> {
        Ok(Registrar {
            registry: self.poll.registry().try_clone()?,
            #[cfg(unix)]
            fd: self.fd(),
        })
    }

    /// [`Poller::poll_into`] for a poller several reactors share: the
    /// events of reactor `mine` (its [`Owner`]) go into `out`, every other
    /// event to `route(owner, [slot, generation, readiness])`. Returns
    /// `(kept, taken)`: triples written to `out`, and all events taken
    /// (`taken` below the batch size means the poller was drained).
    pub fn poll_routed(
        &mut self,
        timeout: Option<Duration>,
        mine: Owner,
        out: &mut [u32],
        mut route: impl FnMut(Owner, [u32; 3]),
    ) -> io::Result<(usize, usize)> {
        match self.poll.poll(&mut self.events, timeout) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::Interrupted => return Ok((0, 0)),
            Err(err) => return Err(err),
        }
        let (mut kept, mut taken) = (0, 0);
        for event in self.events.iter() {
            taken += 1;
            if event.token() == WAKE_TOKEN {
                continue;
            }
            let triple = [
                Id::slot_of(event.token()),
                Id::generation_of(event.token()),
                readiness_of(event),
            ];
            let owner = Owner::of(event.token());
            if owner != mine {
                route(owner, triple);
            } else if kept * 3 + 3 <= out.len() {
                out[kept * 3..kept * 3 + 3].copy_from_slice(&triple);
                kept += 1;
            }
        }
        Ok((kept, taken))
    }
}

fn readiness_of(event: &mio::event::Event) -> u32 {
    let mut readiness = 0;
    if event.is_readable() {
        readiness |= Readiness::READABLE;
    }
    if event.is_writable() {
        readiness |= Readiness::WRITABLE;
    }
    if event.is_read_closed() || event.is_error() {
        readiness |= Readiness::READ_CLOSED | Readiness::READABLE;
    }
    if event.is_write_closed() || event.is_error() {
        readiness |= Readiness::WRITE_CLOSED | Readiness::WRITABLE;
    }
    readiness
}

/// Which reactor a poll token belongs to, where several reactors (one per
/// thread) share one poller: 11 bits above the socket's id in the token
/// (64-bit targets only; 0 everywhere else and by default). An event is
/// only ever handed to its owner's table, whichever thread polled it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Owner(u16);

/// The shift of the owner bits in a token, above slot and generation.
#[cfg(target_pointer_width = "64")]
const OWNER_SHIFT: u32 = Id::SLOT_BITS + GENERATION_BITS;

impl Owner {
    /// Owners go from 0 to `MAX`; `MAX + 1` (all ones) would let a socket's
    /// token equal [`WAKE_TOKEN`].
    #[cfg(target_pointer_width = "64")]
    pub const MAX: u16 = (1 << (64 - OWNER_SHIFT)) - 2;
    #[cfg(not(target_pointer_width = "64"))]
    pub const MAX: u16 = 0;

    /// `None` beyond [`Owner::MAX`].
    pub fn new(owner: u16) -> Option<Owner> {
        (owner <= Owner::MAX).then_some(Owner(owner))
    }

    pub fn get(self) -> u16 {
        self.0
    }

    fn of(token: Token) -> Owner {
        #[cfg(target_pointer_width = "64")]
        {
            Owner((token.0 as u64 >> OWNER_SHIFT) as u16)
        }
        #[cfg(not(target_pointer_width = "64"))]
        {
            let _ = token;
            Owner(0)
        }
    }

    fn tag(self, token: Token) -> Token {
        #[cfg(target_pointer_width = "64")]
        {
            Token(token.0 | (self.0 as usize) << OWNER_SHIFT)
        }
        #[cfg(not(target_pointer_width = "64"))]
        {
            token
        }
    }
}

/// A poller shared by the reactors of several threads
/// ([`Reactor::sharing`]): whoever polls it routes each event to its
/// [`Owner`]. The lock is held for a zero-timeout poll or one
/// registration, never while events are handled.
pub type SharedPoller = std::sync::Arc<std::sync::Mutex<Poller>>;

fn lock(poller: &SharedPoller) -> std::sync::MutexGuard<'_, Poller> {
    // A panic while polling leaves the poller as usable as before.
    poller
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Registers sockets with a poller that runs apart ([`Poller::registrar`]):
/// a `dup` of the epoll/kqueue fd, or a shared reference to the IOCP port.
/// Any number of reactors, on any threads, can be made on one
/// ([`Reactor::on_registrar`]); none of them takes a lock to register.
pub struct Registrar {
    registry: Registry,
    /// The poller's own descriptor (not the `dup`).
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Registrar {
    /// The poller's own descriptor (the epoll or kqueue fd).
    #[cfg(unix)]
    pub fn fd(&self) -> std::os::fd::RawFd {
        self.fd
    }
}

/// What a listening socket handed to several threads ([`Reactor::insert_shared`],
/// [`Reactor::share_listener`]) is registered with, so that a connection
/// wakes one poller, not every one watching the listener: `EPOLLEXCLUSIVE`
/// on Linux; nothing special elsewhere (every poller watching it wakes and
/// one `accept` wins).
pub const SHARED_LISTENER: &str = sys::SHARED_LISTENER;

/// A registry borrowed from the reactor, or from a shared poller under its
/// lock.
enum Handle<'a> {
    Borrowed(&'a Registry),
    Locked(std::sync::MutexGuard<'a, Poller>),
}

impl Handle<'_> {
    fn get(&self) -> &Registry {
        match self {
            Handle::Borrowed(registry) => registry,
            Handle::Locked(poller) => poller.poll.registry(),
        }
    }
}

/// Where the reactor's poller is.
enum Polling {
    /// Inside: [`Reactor::poll_into`] polls it.
    Here(Poller),
    /// On another thread; sockets are registered through this handle
    /// (`Registry::try_clone`: a `dup` of the epoll/kqueue fd, or a shared
    /// reference to the IOCP port).
    Apart(Registry),
    /// Shared with other threads' reactors; registrations take its lock.
    Shared(SharedPoller),
}

struct Entry<T> {
    generation: u32,
    /// The open socket and what its owner attached to it.
    socket: Option<(Socket, T)>,
}

/// The table of open sockets and the poller they are registered with.
///
/// Each socket can carry a `T` of the caller's, dropped when the socket
/// leaves the table (closed, or the reactor dropped): an owner whose `Drop`
/// undoes what was done for that socket exactly once, whichever way the
/// socket goes (the Node binding gives back the memory it reported to V8).
pub struct Reactor<T = ()> {
    polling: Polling,
    /// Tags this table's tokens (see [`Owner`]).
    owner: Owner,
    #[cfg(unix)]
    poller_fd: std::os::fd::RawFd,
    entries: Vec<Entry<T>>,
    free: Vec<u32>,
}

impl<T> Reactor<T> {
    /// A new reactor with its poller inside (`epoll_create1`, `kqueue`, or
    /// an IOCP port); at most `batch` events are taken per
    /// [`Reactor::poll_into`].
    pub fn new(batch: usize) -> io::Result<Reactor<T>> {
        let poller = Poller::new(batch)?;
        Ok(Reactor {
            #[cfg(unix)]
            poller_fd: poller.fd(),
            polling: Polling::Here(poller),
            owner: Owner::default(),
            entries: Vec::new(),
            free: Vec::new(),
        })
    }

    /// A new reactor whose poller is handed back to run elsewhere, typically
    /// blocking on a thread of its own; the caller keeps the table, and
    /// filters that poller's events through [`Reactor::retain_live`].
    /// [`Reactor::poll_into`] is not available on such a reactor.
    pub fn with_poller_apart(batch: usize) -> io::Result<(Reactor<T>, Poller)> {
        let poller = Poller::new(batch)?;
        let reactor = Reactor {
            #[cfg(unix)]
            poller_fd: poller.fd(),
            polling: Polling::Apart(poller.poll.registry().try_clone()?),
            owner: Owner::default(),
            entries: Vec::new(),
            free: Vec::new(),
        };
        Ok((reactor, poller))
    }

    /// A new reactor on a poller that runs apart, possibly shared with
    /// other threads' reactors: its sockets' tokens carry `owner`, unique
    /// among the reactors on that poller. Its events come from whoever
    /// polls ([`Poller::poll_each`]); pass them through
    /// [`Reactor::retain_live`].
    pub fn on_registrar(registrar: &Registrar, owner: Owner) -> io::Result<Reactor<T>> {
        Ok(Reactor {
            #[cfg(unix)]
            poller_fd: registrar.fd,
            polling: Polling::Apart(registrar.registry.try_clone()?),
            owner,
            entries: Vec::new(),
            free: Vec::new(),
        })
    }

    /// A new reactor on a poller shared with other threads' reactors: its
    /// sockets' tokens carry `owner`, which must be unique among the
    /// reactors sharing `poller`. Poll it with [`Poller::poll_routed`] and
    /// pass this reactor's own events through [`Reactor::retain_live`].
    pub fn sharing(poller: SharedPoller, owner: Owner) -> Reactor<T> {
        #[cfg(unix)]
        let poller_fd = lock(&poller).fd();
        Reactor {
            #[cfg(unix)]
            poller_fd,
            polling: Polling::Shared(poller),
            owner,
            entries: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Runs `f` with the registry sockets are registered through.
    fn with_registry<R>(&self, f: impl FnOnce(&Registry) -> R) -> R {
        match &self.polling {
            Polling::Here(poller) => f(poller.poll.registry()),
            Polling::Apart(registry) => f(registry),
            Polling::Shared(poller) => f(lock(poller).poll.registry()),
        }
    }

    /// The poller's own descriptor (the epoll or kqueue fd), for embedding the
    /// reactor into another loop that can watch a descriptor.
    #[cfg(unix)]
    pub fn poller_fd(&self) -> std::os::fd::RawFd {
        self.poller_fd
    }

    /// Registers `socket` for both directions (`EPOLL_CTL_ADD` with
    /// `EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET`, or the kqueue/IOCP
    /// equivalents) and takes ownership of it, with a default `T`.
    pub fn insert(&mut self, socket: Socket) -> io::Result<Id>
    where
        T: Default,
    {
        self.insert_with(socket, T::default())
    }

    /// [`Reactor::insert`] with `extra` attached to the socket: dropped when
    /// the socket leaves the table, or at once if it cannot enter it.
    pub fn insert_with(&mut self, socket: Socket, extra: T) -> io::Result<Id> {
        self.enter(socket, extra, false)
    }

    /// [`Reactor::insert_with`] for a socket whose other handles other
    /// threads' pollers may watch too (one adopted from a `share()`): a
    /// listening socket is registered so that one connection wakes one of
    /// those pollers rather than all of them (see [`SHARED_LISTENER`]).
    pub fn insert_shared(&mut self, socket: Socket, extra: T) -> io::Result<Id> {
        self.enter(socket, extra, true)
    }

    /// Registers the socket behind `id` again as [`Reactor::insert_shared`]
    /// would (before it is shared). Returns whether it is now registered
    /// that way; `Ok(false)` changes nothing (not a listener, or the OS has
    /// no such registration). An unknown id is `NotFound`.
    pub fn share_listener(&mut self, id: Id) -> io::Result<bool> {
        let token = self.owner.tag(id.token());
        let entry = self
            .entries
            .get_mut(id.slot() as usize)
            .filter(|entry| entry.generation == id.generation())
            .and_then(|entry| entry.socket.as_mut())
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
        let source = entry.0.source_mut();
        if !sys::listens(source) {
            return Ok(false);
        }
        // Deregistered and added again: EPOLLEXCLUSIVE can only be set by
        // EPOLL_CTL_ADD. A connection queued in between is not missed: the
        // add reports a socket that is ready already.
        let registry = match &self.polling {
            Polling::Here(poller) => Handle::Borrowed(poller.poll.registry()),
            Polling::Apart(registry) => Handle::Borrowed(registry),
            Polling::Shared(poller) => Handle::Locked(lock(poller)),
        };
        source.with_event_source(|source| registry.get().deregister(source))?;
        if sys::register_exclusive(registry.get(), source, token)? {
            return Ok(true);
        }
        source.with_event_source(|source| {
            registry
                .get()
                .register(source, token, Interest::READABLE | Interest::WRITABLE)
        })?;
        Ok(false)
    }

    fn enter(&mut self, mut socket: Socket, extra: T, shared: bool) -> io::Result<Id> {
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                if self.entries.len() >= MAX_SLOTS {
                    return Err(io::Error::other("too many sockets"));
                }
                let slot = self.entries.len() as u32;
                self.entries.push(Entry {
                    generation: 0,
                    socket: None,
                });
                slot
            }
        };
        let id = Id::new(slot, self.entries[slot as usize].generation);
        let token = self.owner.tag(id.token());
        let registered = self.with_registry(|registry| {
            let source = socket.source_mut();
            if shared && sys::listens(source) && sys::register_exclusive(registry, source, token)? {
                return Ok(());
            }
            source.with_event_source(|source| {
                registry.register(source, token, Interest::READABLE | Interest::WRITABLE)
            })
        });
        if let Err(err) = registered {
            self.free.push(slot);
            return Err(err);
        }
        self.entries[slot as usize].socket = Some((socket, extra));
        Ok(id)
    }

    /// The socket behind `id`, if it is still open.
    pub fn get(&self, id: Id) -> Option<&Socket> {
        let entry = self.entries.get(id.slot() as usize)?;
        if entry.generation != id.generation() {
            return None;
        }
        entry.socket.as_ref().map(|(socket, _)| socket)
    }

    /// What is attached to the socket behind `id`, if it is still open.
    pub fn extra_mut(&mut self, id: Id) -> Option<&mut T> {
        let entry = self.entries.get_mut(id.slot() as usize)?;
        if entry.generation != id.generation() {
            return None;
        }
        entry.socket.as_mut().map(|(_, extra)| extra)
    }

    /// The ids of the open sockets whose attachment satisfies `select`.
    pub fn select(&self, mut select: impl FnMut(&T) -> bool) -> Vec<Id> {
        let mut found = Vec::new();
        for (slot, entry) in self.entries.iter().enumerate() {
            if let Some((_, extra)) = &entry.socket {
                if select(extra) {
                    found.push(Id::new(slot as u32, entry.generation));
                }
            }
        }
        found
    }

    /// Deregisters the socket and hands it back; dropping it closes the fd.
    /// Deregistering first means no event for this fd number can be queued
    /// after it is closed and reused. What was attached to it is dropped
    /// here. A stale or unknown id returns `None`.
    pub fn remove(&mut self, id: Id) -> Option<Socket> {
        let entry = self.entries.get_mut(id.slot() as usize)?;
        if entry.generation != id.generation() {
            return None;
        }
        let (mut socket, extra) = entry.socket.take()?;
        drop(extra);
        entry.generation = (entry.generation + 1) & GENERATION_MASK;
        self.free.push(id.slot());
        // The fd is closed right after, which removes it from the poller in
        // any case; an error here changes nothing for the caller.
        let _ = self.with_registry(|registry| {
            socket
                .source_mut()
                .with_event_source(|source| registry.deregister(source))
        });
        Some(socket)
    }

    /// Closes every socket (the environment is going away).
    pub fn clear(&mut self) {
        for slot in 0..self.entries.len() {
            let id = Id::new(slot as u32, self.entries[slot].generation);
            drop(self.remove(id));
        }
    }

    /// Number of open sockets.
    pub fn len(&self) -> usize {
        self.entries.len() - self.free.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Waits up to `timeout` (`None`: forever; zero: just look) for events
    /// and writes them into `out` as `(slot, generation, readiness)` triples.
    /// Events for closed sockets are dropped. Returns the number of triples;
    /// `out` must hold `3 ×` the batch size given to [`Reactor::new`]. Fails
    /// with `Unsupported` on a reactor whose poller is apart.
    pub fn poll_into(&mut self, timeout: Option<Duration>, out: &mut [u32]) -> io::Result<usize> {
        let Polling::Here(poller) = &mut self.polling else {
            return Err(io::Error::new(
                io::ErrorKind::Unsupported,
                "this reactor's poller runs apart",
            ));
        };
        let count = poller.poll_into(timeout, out)?;
        Ok(self.retain_live(out, count))
    }

    /// Keeps, of the first `count` triples in `out` (as written by
    /// [`Poller::poll_into`]), those whose socket is still open in this
    /// table with the same generation, moved to the front with their full
    /// generation; returns how many were kept. This is the check that keeps
    /// a closed socket's events away from a socket that reused its slot.
    pub fn retain_live(&self, out: &mut [u32], count: usize) -> usize {
        let count = count.min(out.len() / 3);
        let mut kept = 0;
        for at in 0..count {
            let (slot, generation, readiness) = (out[at * 3], out[at * 3 + 1], out[at * 3 + 2]);
            let Some(entry) = self.entries.get(slot as usize) else {
                continue;
            };
            if entry.socket.is_none() || Id::token_generation(entry.generation) != generation {
                continue;
            }
            out[kept * 3] = slot;
            out[kept * 3 + 1] = entry.generation;
            out[kept * 3 + 2] = readiness;
            kept += 1;
        }
        kept
    }
}

impl<T> Drop for Reactor<T> {
    fn drop(&mut self) {
        self.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::{Connect, Family, Kind};
    use socket2::SockAddr;
    use std::net::SocketAddr;

    fn loopback() -> SockAddr {
        SockAddr::from("127.0.0.1:0".parse::<SocketAddr>().unwrap())
    }

    fn poll_until(reactor: &mut Reactor, id: Id, bits: u32) -> bool {
        wait_for_all(reactor, &[(id, bits)])
    }

    /// Polls (bounded: 100 × 20 ms) until every `(id, bits)` was seen.
    fn wait_for_all(reactor: &mut Reactor, wanted: &[(Id, u32)]) -> bool {
        let mut seen = vec![false; wanted.len()];
        let mut out = [0u32; 3 * 64];
        for _ in 0..100 {
            let n = reactor
                .poll_into(Some(Duration::from_millis(20)), &mut out)
                .unwrap();
            for event in out[..n * 3].chunks(3) {
                for (i, (id, bits)) in wanted.iter().enumerate() {
                    if event[0] == id.slot() && event[1] == id.generation() && event[2] & bits != 0
                    {
                        seen[i] = true;
                    }
                }
            }
            if seen.iter().all(|s| *s) {
                return true;
            }
        }
        false
    }

    fn listener(reactor: &mut Reactor) -> (Id, SockAddr) {
        let socket = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
        socket.bind(&loopback()).unwrap();
        socket.listen(None).unwrap();
        let addr = socket.local_addr().unwrap();
        (reactor.insert(socket).unwrap(), addr)
    }

    /// A TCP client whose non-blocking connect to `addr` has started.
    fn client_of(addr: &SockAddr) -> (Socket, Connect) {
        let client = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
        let started = client.connect(addr).unwrap();
        (client, started)
    }

    #[test]
    fn ids_round_trip_and_generations_advance() {
        let mut reactor = Reactor::<()>::new(16).unwrap();
        let (a, _) = listener(&mut reactor);
        assert_eq!(Id::from_raw(a.raw()), a);
        assert!(reactor.get(a).is_some());
        assert!(reactor.remove(a).is_some());
        assert!(reactor.get(a).is_none(), "a closed id stays closed");
        assert!(reactor.remove(a).is_none(), "closing twice is harmless");
        let (b, _) = listener(&mut reactor);
        assert_eq!(b.slot(), a.slot(), "the slot is reused");
        assert_ne!(b.generation(), a.generation());
        assert!(
            reactor.get(a).is_none(),
            "the old id never reaches the new socket"
        );
        assert_eq!(reactor.len(), 1);
    }

    #[test]
    fn a_connection_wakes_the_listener() {
        let mut reactor = Reactor::<()>::new(16).unwrap();
        let (server, addr) = listener(&mut reactor);
        let (client, started) = client_of(&addr);
        let client = reactor.insert(client).unwrap();
        let mut wanted = vec![(server, Readiness::READABLE)];
        if started == Connect::InProgress {
            wanted.push((client, Readiness::WRITABLE));
        }
        assert!(wait_for_all(&mut reactor, &wanted));
        let (accepted, _) = reactor.get(server).unwrap().accept().unwrap();
        let accepted = reactor.insert(accepted).unwrap();
        assert_ne!(accepted, server);
    }

    #[test]
    fn stale_events_never_reach_a_reused_slot() {
        let mut reactor = Reactor::<()>::new(16).unwrap();
        let (old, addr) = listener(&mut reactor);
        // Make the old listener readable, then close it before polling.
        let (_client, _) = client_of(&addr);
        std::thread::sleep(Duration::from_millis(20));
        drop(reactor.remove(old));
        let (new, _) = listener(&mut reactor);
        assert_eq!(new.slot(), old.slot());
        let mut out = [0u32; 3 * 16];
        let n = reactor
            .poll_into(Some(Duration::from_millis(50)), &mut out)
            .unwrap();
        for event in out[..n * 3].chunks(3) {
            assert!(
                !(event[0] == old.slot() && event[1] == old.generation()),
                "event for a closed socket"
            );
            if event[0] == new.slot() {
                assert_eq!(event[1], new.generation());
            }
        }
    }

    #[test]
    fn edge_triggered_reads_never_lose_a_wake_up() {
        // Many rounds of partial reads: after each wake-up read until
        // WouldBlock, and every byte the peer sent must arrive.
        let mut reactor = Reactor::<()>::new(64).unwrap();
        let (server, addr) = listener(&mut reactor);
        let (client, _) = client_of(&addr);
        assert!(poll_until(&mut reactor, server, Readiness::READABLE));
        let (conn, _) = reactor.get(server).unwrap().accept().unwrap();
        let conn = reactor.insert(conn).unwrap();
        let mut received = 0usize;
        let mut sent = 0usize;
        let mut buf = [0u8; 7];
        for round in 0..500 {
            let chunk = vec![round as u8; 1 + round % 13];
            let mut off = 0;
            while off < chunk.len() {
                match client.send(&chunk[off..]) {
                    Ok(n) => off += n,
                    Err(err) if err.kind() == io::ErrorKind::WouldBlock => {
                        std::thread::sleep(Duration::from_millis(1))
                    }
                    Err(err) => panic!("{err}"),
                }
            }
            sent += chunk.len();
            while received < sent {
                assert!(
                    poll_until(&mut reactor, conn, Readiness::READABLE),
                    "lost wake-up at round {round}"
                );
                loop {
                    match reactor.get(conn).unwrap().recv(&mut buf) {
                        Ok(0) => panic!("unexpected close"),
                        Ok(n) => received += n,
                        Err(err) if err.kind() == io::ErrorKind::WouldBlock => break,
                        Err(err) => panic!("{err}"),
                    }
                }
            }
        }
        assert_eq!(received, sent);
    }

    #[test]
    fn what_is_attached_to_a_socket_is_dropped_once_when_it_leaves() {
        use std::rc::Rc;

        let attached = Rc::new(());
        let mut reactor = Reactor::<Rc<()>>::new(16).unwrap();
        let open = |reactor: &mut Reactor<Rc<()>>| {
            let socket = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
            reactor.insert_with(socket, Rc::clone(&attached)).unwrap()
        };
        let (a, b) = (open(&mut reactor), open(&mut reactor));
        let _c = open(&mut reactor);
        assert_eq!(Rc::strong_count(&attached), 4);
        assert!(reactor.remove(a).is_some());
        assert_eq!(Rc::strong_count(&attached), 3, "dropped on close");
        assert!(reactor.remove(a).is_none());
        assert_eq!(Rc::strong_count(&attached), 3, "and only once");
        let reused = open(&mut reactor);
        assert_eq!(reused.slot(), a.slot());
        assert!(
            reactor.extra_mut(a).is_none(),
            "a closed id has nothing attached"
        );
        assert!(reactor.extra_mut(b).is_some());
        assert_eq!(reactor.select(|_| true).len(), 3);
        assert!(reactor.remove(b).is_some());
        assert_eq!(Rc::strong_count(&attached), 3);
        assert_eq!(reactor.select(|_| true).len(), 2);
        drop(reactor);
        assert_eq!(Rc::strong_count(&attached), 1, "dropped with the reactor");
    }

    #[test]
    fn retain_live_keeps_only_open_sockets_of_the_same_generation() {
        let mut reactor = Reactor::<()>::new(16).unwrap();
        let (old, _) = listener(&mut reactor);
        drop(reactor.remove(old));
        let (new, _) = listener(&mut reactor);
        assert_eq!(new.slot(), old.slot());
        let closed_slot = 7;
        let mut out = [
            old.slot(),
            Id::token_generation(old.generation()),
            Readiness::READABLE,
            new.slot(),
            Id::token_generation(new.generation()),
            Readiness::WRITABLE,
            closed_slot,
            0,
            Readiness::READABLE,
        ];
        let kept = reactor.retain_live(&mut out, 3);
        assert_eq!(kept, 1);
        assert_eq!(
            out[..3],
            [new.slot(), new.generation(), Readiness::WRITABLE]
        );
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn a_shared_poller_routes_each_event_to_its_owner() {
        let shared: SharedPoller =
            std::sync::Arc::new(std::sync::Mutex::new(Poller::new(16).unwrap()));
        let (a, b) = (Owner::new(1).unwrap(), Owner::new(Owner::MAX).unwrap());
        let mut first = Reactor::sharing(std::sync::Arc::clone(&shared), a);
        let mut second = Reactor::sharing(std::sync::Arc::clone(&shared), b);
        #[cfg(unix)]
        assert_eq!(first.poller_fd(), second.poller_fd());
        let (server_a, addr_a) = listener(&mut first);
        let (server_b, addr_b) = listener(&mut second);
        assert_eq!(
            server_a.slot(),
            server_b.slot(),
            "same slot, told apart by owner"
        );
        let mut clients = Vec::new();
        for addr in [&addr_a, &addr_b] {
            let (client, _) = client_of(addr);
            clients.push(client);
        }
        std::thread::sleep(Duration::from_millis(20));
        // Polled "by a": b's event is routed, a's kept.
        let mut out = [0u32; 3 * 16];
        let mut routed = Vec::new();
        let (kept, taken) = shared
            .lock()
            .unwrap()
            .poll_routed(Some(Duration::from_millis(50)), a, &mut out, |owner, t| {
                routed.push((owner, t))
            })
            .unwrap();
        assert_eq!(taken, kept + routed.len());
        let kept = first.retain_live(&mut out, kept);
        assert!(out[..kept * 3]
            .chunks(3)
            .any(|e| e[0] == server_a.slot() && e[2] & Readiness::READABLE != 0));
        assert!(routed.iter().all(|(owner, _)| *owner == b));
        let mut theirs: Vec<u32> = routed.iter().flat_map(|(_, t)| *t).collect();
        let count = theirs.len() / 3;
        let live = second.retain_live(&mut theirs, count);
        assert!(theirs[..live * 3]
            .chunks(3)
            .any(|e| e[0] == server_b.slot() && e[1] == server_b.generation()));
        assert_eq!(Owner::new(Owner::MAX + 1), None);
    }

    #[test]
    #[cfg(target_pointer_width = "64")]
    fn reactors_on_one_registrar_get_their_events_by_owner() {
        let mut poller = Poller::new(16).unwrap();
        let registrar = poller.registrar().unwrap();
        let (a, b) = (Owner::new(3).unwrap(), Owner::new(4).unwrap());
        let mut first = Reactor::<()>::on_registrar(&registrar, a).unwrap();
        let mut second = Reactor::<()>::on_registrar(&registrar, b).unwrap();
        #[cfg(unix)]
        assert_eq!(first.poller_fd(), poller.fd());
        let (server_a, addr_a) = listener(&mut first);
        let (server_b, addr_b) = listener(&mut second);
        let _clients: Vec<Socket> = [&addr_a, &addr_b]
            .iter()
            .map(|addr| {
                let client = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
                let _ = client.connect(addr).unwrap();
                client
            })
            .collect();
        let mut seen: Vec<(Owner, [u32; 3])> = Vec::new();
        for _ in 0..100 {
            poller
                .poll_each(Some(Duration::from_millis(20)), |owner, triple| {
                    seen.push((owner, triple))
                })
                .unwrap();
            let has = |owner: Owner, id: Id| {
                seen.iter().any(|(o, t)| {
                    *o == owner && t[0] == id.slot() && t[2] & Readiness::READABLE != 0
                })
            };
            if has(a, server_a) && has(b, server_b) {
                return;
            }
        }
        panic!("each listener's readiness reaches its own owner: {seen:?}");
    }

    #[test]
    fn a_shared_listener_still_reports_connections() {
        // Registered the way a listener shared between threads is
        // (EPOLLEXCLUSIVE on Linux, by our own epoll_ctl), then again.
        let mut reactor = Reactor::<()>::new(16).unwrap();
        let socket = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
        socket.bind(&loopback()).unwrap();
        socket.listen(None).unwrap();
        let addr = socket.local_addr().unwrap();
        let server = reactor.insert_shared(socket, ()).unwrap();
        let exclusive = SHARED_LISTENER == "EPOLLEXCLUSIVE";
        assert_eq!(reactor.share_listener(server).unwrap(), exclusive);
        for round in 0..3 {
            let client = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
            let _ = client.connect(&addr).unwrap();
            assert!(
                poll_until(&mut reactor, server, Readiness::READABLE),
                "connection {round} reported"
            );
            let (accepted, _) = reactor.get(server).unwrap().accept().unwrap();
            drop(accepted);
            assert_eq!(
                reactor.get(server).unwrap().accept().unwrap_err().kind(),
                io::ErrorKind::WouldBlock
            );
        }
        // A socket that does not listen is registered as usual.
        let plain = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
        let plain = reactor.insert_shared(plain, ()).unwrap();
        assert!(!reactor.share_listener(plain).unwrap());
        assert!(reactor.remove(server).is_some());
        assert_eq!(
            reactor.share_listener(server).unwrap_err().kind(),
            io::ErrorKind::NotFound
        );
    }

    #[test]
    fn a_poller_apart_blocks_on_its_own_thread_and_wakes_on_request() {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{mpsc, Arc};

        let (mut reactor, mut poller) = Reactor::<()>::with_poller_apart(16).unwrap();
        let err = reactor
            .poll_into(Some(Duration::ZERO), &mut [0; 3])
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::Unsupported);
        let waker = poller.waker().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let (batches, received) = mpsc::channel::<Vec<u32>>();
        let thread = {
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                let mut out = vec![0u32; 3 * 16];
                loop {
                    let n = poller.poll_into(None, &mut out).unwrap();
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    if n > 0 && batches.send(out[..n * 3].to_vec()).is_err() {
                        return;
                    }
                }
            })
        };
        // Registered while the other thread may already be blocked polling.
        std::thread::sleep(Duration::from_millis(20));
        let (server, addr) = listener(&mut reactor);
        let (_client, _) = client_of(&addr);
        let mut seen = false;
        for _ in 0..100 {
            let Ok(mut batch) = received.recv_timeout(Duration::from_millis(20)) else {
                continue;
            };
            let kept = reactor.retain_live(&mut batch, usize::MAX);
            seen = batch[..kept * 3].chunks(3).any(|event| {
                event[0] == server.slot()
                    && event[1] == server.generation()
                    && event[2] & Readiness::READABLE != 0
            });
            if seen {
                break;
            }
        }
        assert!(seen, "the listener's readiness reached the table");
        stop.store(true, Ordering::Release);
        waker.wake().unwrap();
        let started = std::time::Instant::now();
        thread.join().unwrap();
        assert!(started.elapsed() < Duration::from_secs(2));
    }
}
