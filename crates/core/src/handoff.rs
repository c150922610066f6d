//! Sockets on their way between threads.
//!
//! A [`Reactor`](crate::Reactor) belongs to one thread. To move a socket to
//! another thread, its owner takes it out of its reactor (deregistered, still
//! open) and [`deposit`]s it here, in one process-wide table, under a fresh
//! token; the token is all that travels (in a `postMessage`). The receiving
//! thread [`take`]s it out again, exactly once, and registers it with its own
//! reactor. So every descriptor is owned by exactly one party at any time —
//! a reactor, this table, or nobody once closed — and:
//!
//! * a token taken twice gives [`Taken::AlreadyTaken`] the second time (the
//!   socket went to whoever took it first), never a second owner of the fd;
//! * a token this table never handed out gives [`Taken::Unknown`];
//! * a socket nobody takes stays open here until [`take`] and drop (the
//!   `release` call), or until the process exits and the OS closes it.
//!
//! The table's lock is taken only by these calls, never on the per-message
//! path.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex, MutexGuard};

use crate::socket::Socket;

/// A socket held by the table, with the protocol label its owner opened it
/// with (what `s.protocol()` answers; the kernel does not keep the name).
#[derive(Debug)]
pub struct Detached {
    pub socket: Socket,
    pub protocol: String,
}

/// What [`take`] found.
#[derive(Debug)]
pub enum Taken {
    /// The socket, now the caller's.
    Socket(Detached),
    /// The token was handed out, and its socket already taken (or released).
    AlreadyTaken,
    /// This table never handed out that token.
    Unknown,
}

struct Table {
    /// The next token to hand out; tokens are never reused, so every token
    /// below `next` has been handed out exactly once.
    next: u64,
    held: HashMap<u64, Detached>,
}

/// Tokens stay exact in a JavaScript number (below 2^53).
const MAX_TOKEN: u64 = (1 << 53) - 1;

static TABLE: LazyLock<Mutex<Table>> = LazyLock::new(|| {
    Mutex::new(Table {
        next: 1,
        held: HashMap::new(),
    })
});

/// The table, even if a thread panicked while holding the lock: every
/// operation leaves it consistent (one insert or one remove).
fn table() -> MutexGuard<'static, Table> {
    TABLE
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// A socket is moved between threads by value.
const _: fn() = || {
    fn send<T: Send>() {}
    send::<Socket>();
};

/// Holds `socket` (already out of every reactor) until someone takes it;
/// returns its token.
pub fn deposit(socket: Socket, protocol: String) -> u64 {
    let mut table = table();
    let token = table.next;
    // 2^53 deposits are out of reach of any process; should it happen,
    // tokens wrap to 1 rather than lose precision in JavaScript.
    table.next = if token >= MAX_TOKEN { 1 } else { token + 1 };
    table.held.insert(token, Detached { socket, protocol });
    token
}

/// Takes the socket held under `token` out of the table, exactly once.
pub fn take(token: u64) -> Taken {
    let mut table = table();
    match table.held.remove(&token) {
        Some(detached) => Taken::Socket(detached),
        None if token != 0 && token < table.next => Taken::AlreadyTaken,
        None => Taken::Unknown,
    }
}

/// Sockets held by the table (detached or shared, not taken yet).
pub fn held() -> usize {
    table().held.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::{Family, Kind};

    #[test]
    fn a_token_is_taken_exactly_once() {
        let socket = Socket::open(Kind::Datagram, Family::Inet, 0).unwrap();
        let token = deposit(socket, "ip".to_string());
        let Taken::Socket(detached) = take(token) else {
            panic!("the first take gets the socket");
        };
        assert_eq!(detached.protocol, "ip");
        assert!(matches!(take(token), Taken::AlreadyTaken));
        assert!(matches!(take(0), Taken::Unknown));
        assert!(matches!(take(MAX_TOKEN), Taken::Unknown));
    }

    #[test]
    fn a_clone_moves_to_another_thread_and_keeps_the_kernel_socket() {
        let listener = Socket::open(Kind::Stream, Family::Inet, 0).unwrap();
        let addr: std::net::SocketAddr = "127.0.0.1:0".parse().unwrap();
        listener.bind(&addr.into()).unwrap();
        listener.listen(None).unwrap();
        let local = listener.local_addr().unwrap();
        let token = deposit(listener.try_clone().unwrap(), "ip".to_string());
        drop(listener);
        let seen = std::thread::spawn(move || match take(token) {
            Taken::Socket(detached) => detached.socket.local_addr().unwrap(),
            other => panic!("{other:?}"),
        })
        .join()
        .unwrap();
        assert_eq!(seen, local, "the clone is the same listening socket");
    }
}
