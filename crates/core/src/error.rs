//! The one place that maps OS errors to the names the API returns.
//!
//! Runtime failures reach JavaScript as `[null, name, code]`: `name` is one
//! of [`ERROR_NAMES`], a closed set of stable lowercase snake_case
//! identifiers users can branch on (the binding exports the list as
//! `errorNames`, and the TypeScript `ErrorName` type is checked against it),
//! and `code` the positive OS error number (`errno` on Unix,
//! `WSAGetLastError()` on Windows) for logs. An OS error with no name of its
//! own is [`OS_ERROR`], with its code.

use std::io;

/// The name of an OS error no other name covers; its code says which.
pub const OS_ERROR: &str = "os_error";

/// Every name an error tuple can carry, sorted. Names the JavaScript layer
/// gives by itself (`closed`, `timeout`, `aborted`, `eof`,
/// `message_truncated`) are part of the set too.
pub const ERROR_NAMES: &[&str] = &[
    "aborted",
    "access_denied",
    "address_already_in_use",
    "address_not_available",
    "already_connected",
    "already_exists",
    "already_in_progress",
    "bad_address",
    "bad_descriptor",
    "broken_pipe",
    "canceled",
    "closed",
    "connection_aborted",
    "connection_refused",
    "connection_reset",
    "destination_address_required",
    "eof",
    "family_not_supported",
    "host_down",
    "host_unreachable",
    "in_progress",
    "interrupted",
    "invalid_argument",
    "io_error",
    "is_a_directory",
    "message_too_long",
    "message_truncated",
    "name_lookup_again",
    "name_not_found",
    "network_down",
    "network_reset",
    "network_unreachable",
    "no_buffer_space",
    "no_space_left",
    "no_such_device",
    "not_a_directory",
    "not_a_socket",
    "not_connected",
    "not_found",
    "not_supported",
    "os_error",
    "out_of_memory",
    "path_too_long",
    "protocol_error",
    "protocol_not_supported",
    "quota_exceeded",
    "read_only_filesystem",
    "service_not_found",
    "shut_down",
    "socket_type_not_supported",
    "system_file_table_full",
    "timeout",
    "too_many_open_files",
    "too_many_references",
    "too_many_symbolic_links",
    "would_block",
    "wrong_protocol_type",
];

/// OS error codes and their names: every `errno` (Unix) a socket, address
/// or Unix-path call can fail with. Several codes may share a name; where
/// two constants are the same number on an OS (`EAGAIN`/`EWOULDBLOCK`,
/// `ENOTSUP`/`EOPNOTSUPP` on Linux) the first entry wins, with the same name.
#[cfg(unix)]
const OS_ERRORS: &[(i32, &str)] = &[
    (libc::EACCES, "access_denied"),
    (libc::EPERM, "access_denied"),
    (libc::EADDRINUSE, "address_already_in_use"),
    (libc::EADDRNOTAVAIL, "address_not_available"),
    (libc::EISCONN, "already_connected"),
    (libc::EEXIST, "already_exists"),
    (libc::EALREADY, "already_in_progress"),
    (libc::EFAULT, "bad_address"),
    (libc::EBADF, "bad_descriptor"),
    (libc::EPIPE, "broken_pipe"),
    (libc::ECANCELED, "canceled"),
    (libc::ECONNABORTED, "connection_aborted"),
    (libc::ECONNREFUSED, "connection_refused"),
    (libc::ECONNRESET, "connection_reset"),
    (libc::EDESTADDRREQ, "destination_address_required"),
    (libc::EAFNOSUPPORT, "family_not_supported"),
    (libc::EPFNOSUPPORT, "family_not_supported"),
    (libc::EHOSTDOWN, "host_down"),
    (libc::EHOSTUNREACH, "host_unreachable"),
    (libc::EINPROGRESS, "in_progress"),
    (libc::EINTR, "interrupted"),
    (libc::EINVAL, "invalid_argument"),
    (libc::EIO, "io_error"),
    (libc::EISDIR, "is_a_directory"),
    (libc::EMSGSIZE, "message_too_long"),
    (libc::ENETDOWN, "network_down"),
    (libc::ENETRESET, "network_reset"),
    (libc::ENETUNREACH, "network_unreachable"),
    (libc::ENOBUFS, "no_buffer_space"),
    (libc::ENOSPC, "no_space_left"),
    (libc::ENODEV, "no_such_device"),
    (libc::ENXIO, "no_such_device"),
    (libc::ENOTDIR, "not_a_directory"),
    (libc::ENOTSOCK, "not_a_socket"),
    (libc::ENOTCONN, "not_connected"),
    (libc::ENOENT, "not_found"),
    (libc::ENOPROTOOPT, "not_supported"),
    (libc::EOPNOTSUPP, "not_supported"),
    (libc::ENOTSUP, "not_supported"),
    (libc::ENOSYS, "not_supported"),
    (libc::ENOMEM, "out_of_memory"),
    (libc::ENAMETOOLONG, "path_too_long"),
    (libc::EPROTO, "protocol_error"),
    (libc::EPROTONOSUPPORT, "protocol_not_supported"),
    (libc::EDQUOT, "quota_exceeded"),
    (libc::EROFS, "read_only_filesystem"),
    (libc::ESHUTDOWN, "shut_down"),
    (libc::ESOCKTNOSUPPORT, "socket_type_not_supported"),
    (libc::ENFILE, "system_file_table_full"),
    (libc::ETIMEDOUT, "timeout"),
    (libc::EMFILE, "too_many_open_files"),
    (libc::ETOOMANYREFS, "too_many_references"),
    (libc::ELOOP, "too_many_symbolic_links"),
    (libc::EAGAIN, "would_block"),
    (libc::EWOULDBLOCK, "would_block"),
    (libc::EPROTOTYPE, "wrong_protocol_type"),
];

/// Windows: the `WSAE*` codes Winsock calls fail with, the `WSA*` resolver
/// codes, and the Win32 codes IOCP completions report for sockets.
#[cfg(windows)]
const OS_ERRORS: &[(i32, &str)] = &[
    (10013, "access_denied"),                // WSAEACCES
    (5, "access_denied"),                    // ERROR_ACCESS_DENIED
    (10048, "address_already_in_use"),       // WSAEADDRINUSE
    (10049, "address_not_available"),        // WSAEADDRNOTAVAIL
    (10056, "already_connected"),            // WSAEISCONN
    (10037, "already_in_progress"),          // WSAEALREADY
    (10014, "bad_address"),                  // WSAEFAULT
    (10009, "bad_descriptor"),               // WSAEBADF
    (10103, "canceled"),                     // WSAECANCELLED
    (995, "canceled"),                       // ERROR_OPERATION_ABORTED
    (10053, "connection_aborted"),           // WSAECONNABORTED
    (1236, "connection_aborted"),            // ERROR_CONNECTION_ABORTED
    (10061, "connection_refused"),           // WSAECONNREFUSED
    (1225, "connection_refused"),            // ERROR_CONNECTION_REFUSED
    (1234, "connection_refused"),            // ERROR_PORT_UNREACHABLE
    (10054, "connection_reset"),             // WSAECONNRESET
    (64, "connection_reset"),                // ERROR_NETNAME_DELETED
    (10039, "destination_address_required"), // WSAEDESTADDRREQ
    (10047, "family_not_supported"),         // WSAEAFNOSUPPORT
    (10046, "family_not_supported"),         // WSAEPFNOSUPPORT
    (10064, "host_down"),                    // WSAEHOSTDOWN
    (10065, "host_unreachable"),             // WSAEHOSTUNREACH
    (1232, "host_unreachable"),              // ERROR_HOST_UNREACHABLE
    (10036, "in_progress"),                  // WSAEINPROGRESS
    (10004, "interrupted"),                  // WSAEINTR
    (10022, "invalid_argument"),             // WSAEINVAL
    (87, "invalid_argument"),                // ERROR_INVALID_PARAMETER
    (10040, "message_too_long"),             // WSAEMSGSIZE
    (11002, "name_lookup_again"),            // WSATRY_AGAIN
    (11001, "name_not_found"),               // WSAHOST_NOT_FOUND
    (11003, "name_not_found"),               // WSANO_RECOVERY
    (11004, "name_not_found"),               // WSANO_DATA
    (10050, "network_down"),                 // WSAENETDOWN
    (10052, "network_reset"),                // WSAENETRESET
    (10051, "network_unreachable"),          // WSAENETUNREACH
    (1231, "network_unreachable"),           // ERROR_NETWORK_UNREACHABLE
    (10055, "no_buffer_space"),              // WSAENOBUFS
    (10038, "not_a_socket"),                 // WSAENOTSOCK
    (10057, "not_connected"),                // WSAENOTCONN
    (1229, "not_connected"),                 // ERROR_CONNECTION_INVALID
    (2, "not_found"),                        // ERROR_FILE_NOT_FOUND
    (10042, "not_supported"),                // WSAENOPROTOOPT
    (10045, "not_supported"),                // WSAEOPNOTSUPP
    (8, "out_of_memory"),                    // ERROR_NOT_ENOUGH_MEMORY, WSA_NOT_ENOUGH_MEMORY
    (14, "out_of_memory"),                   // ERROR_OUTOFMEMORY
    (10063, "path_too_long"),                // WSAENAMETOOLONG
    (10043, "protocol_not_supported"),       // WSAEPROTONOSUPPORT
    (10069, "quota_exceeded"),               // WSAEDQUOT
    (10109, "service_not_found"),            // WSATYPE_NOT_FOUND
    (10058, "shut_down"),                    // WSAESHUTDOWN
    (10044, "socket_type_not_supported"),    // WSAESOCKTNOSUPPORT
    (10060, "timeout"),                      // WSAETIMEDOUT
    (121, "timeout"),                        // ERROR_SEM_TIMEOUT
    (10024, "too_many_open_files"),          // WSAEMFILE
    (10059, "too_many_references"),          // WSAETOOMANYREFS
    (10062, "too_many_symbolic_links"),      // WSAELOOP
    (10035, "would_block"),                  // WSAEWOULDBLOCK
    (10041, "wrong_protocol_type"),          // WSAEPROTOTYPE
];

/// Normalized name for a raw OS error code: one of [`ERROR_NAMES`],
/// [`OS_ERROR`] for a code without a name of its own.
pub fn error_name(code: i32) -> &'static str {
    let err = io::Error::from_raw_os_error(code);
    if crate::sys::is_timeout(&err) {
        return "timeout";
    }
    if crate::sys::is_not_supported(&err) {
        return "not_supported";
    }
    OS_ERRORS
        .iter()
        .find(|(known, _)| *known == code)
        .map_or(OS_ERROR, |(_, name)| name)
}

/// Normalized name of an [`io::Error`], for errors that may carry no OS
/// code (those are named by their [`io::ErrorKind`]).
pub fn io_error_name(err: &io::Error) -> &'static str {
    match err.raw_os_error() {
        Some(code) => error_name(code),
        None => kind_name(err.kind()),
    }
}

fn kind_name(kind: io::ErrorKind) -> &'static str {
    use io::ErrorKind::*;
    match kind {
        ConnectionRefused => "connection_refused",
        ConnectionReset => "connection_reset",
        ConnectionAborted => "connection_aborted",
        AddrInUse => "address_already_in_use",
        AddrNotAvailable => "address_not_available",
        PermissionDenied => "access_denied",
        NotConnected => "not_connected",
        HostUnreachable => "host_unreachable",
        NetworkUnreachable => "network_unreachable",
        NetworkDown => "network_down",
        BrokenPipe => "broken_pipe",
        TimedOut => "timeout",
        AlreadyExists => "already_exists",
        NotFound => "not_found",
        InvalidInput | InvalidData => "invalid_argument",
        Unsupported => "not_supported",
        WouldBlock => "would_block",
        Interrupted => "interrupted",
        OutOfMemory => "out_of_memory",
        _ => OS_ERROR,
    }
}

/// `EAI_ADDRFAMILY`: the host has no address in the family asked for
/// (glibc and musl: -9; macOS and the BSDs: 1). Not in every `libc`.
#[cfg(any(target_os = "linux", target_os = "android"))]
const EAI_ADDRFAMILY: i32 = -9;
#[cfg(all(unix, not(any(target_os = "linux", target_os = "android"))))]
const EAI_ADDRFAMILY: i32 = 1;
#[cfg(windows)]
const EAI_ADDRFAMILY: i32 = i32::MIN;

/// Name and code for a failed `getaddrinfo(3)`.
///
/// Every "this name does not resolve" outcome is `name_not_found`, so
/// callers need not know the resolver's many codes for it. The code is
/// positive: the `EAI_*` value without its sign (glibc and musl define them
/// negative: `EAI_NONAME` is -2 there and reported as 2; macOS and the BSDs
/// define them positive, `EAI_NONAME` is 8), the `WSA*` code on Windows, or
/// for `EAI_SYSTEM` and failures before the resolver ran, the OS error
/// number with that error's own name (`None` when there is none).
pub fn lookup_failure(err: dns_lookup::LookupError) -> (&'static str, Option<i32>) {
    use dns_lookup::LookupErrorKind::*;
    let num = err.error_num();
    let name = match err.kind() {
        NoName | NoData | Fail => "name_not_found",
        Again => "name_lookup_again",
        Family => "family_not_supported",
        Socktype => "socket_type_not_supported",
        Service => "service_not_found",
        Badflags => "invalid_argument",
        Memory => "out_of_memory",
        System => return from_io(err.into()),
        IO | Unknown if num == 0 => return from_io(err.into()),
        IO | Unknown if num == EAI_ADDRFAMILY => "name_not_found",
        // Windows reports resolver failures as Winsock codes, all in the table.
        IO | Unknown if cfg!(windows) => error_name(num),
        IO | Unknown => OS_ERROR,
    };
    (name, Some(num.checked_abs().unwrap_or(i32::MAX)))
}

fn from_io(err: io::Error) -> (&'static str, Option<i32>) {
    (
        io_error_name(&err),
        err.raw_os_error().filter(|&code| code > 0),
    )
}

/// The name of a failed `getaddrinfo(3)` (see [`lookup_failure`]).
pub fn lookup_error_name(err: dns_lookup::LookupError) -> &'static str {
    lookup_failure(err).0
}

/// True when the raw OS error `code` says the process or the system ran out
/// of descriptors or kernel memory (`EMFILE`, `ENFILE`, `ENOBUFS`,
/// `ENOMEM`; `WSAEMFILE`, `WSAENOBUFS`): a call that failed so would fail
/// again if retried at once, until something is released.
pub fn is_out_of_resources(code: i32) -> bool {
    crate::sys::is_out_of_resources(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_snake_case(name: &str) -> bool {
        !name.is_empty()
            && name
                .split('_')
                .all(|word| !word.is_empty() && word.bytes().all(|b| b.is_ascii_lowercase()))
    }

    #[test]
    fn the_names_are_a_sorted_set_of_snake_case_words() {
        for name in ERROR_NAMES {
            assert!(is_snake_case(name), "{name}");
        }
        for pair in ERROR_NAMES.windows(2) {
            assert!(pair[0] < pair[1], "sorted, no duplicates: {pair:?}");
        }
        for name in ["closed", "timeout", "aborted", "eof", "message_truncated"] {
            assert!(ERROR_NAMES.contains(&name), "{name}");
        }
    }

    #[test]
    fn every_name_the_mapping_gives_is_in_the_list() {
        for (_, name) in OS_ERRORS {
            assert!(ERROR_NAMES.contains(name), "{name}");
        }
        for code in -1..20_000 {
            let name = error_name(code);
            assert!(ERROR_NAMES.contains(&name), "{code}: {name}");
        }
        use io::ErrorKind::*;
        for kind in [Other, InvalidInput, NotFound, WouldBlock, UnexpectedEof] {
            assert!(ERROR_NAMES.contains(&kind_name(kind)));
        }
    }

    #[test]
    fn known_codes_have_portable_names() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(io_error_name(&refused), "connection_refused");
        assert_eq!(io_error_name(&io::Error::other("x")), OS_ERROR);
        #[cfg(unix)]
        {
            assert_eq!(error_name(libc::ECONNREFUSED), "connection_refused");
            assert_eq!(error_name(libc::ECONNRESET), "connection_reset");
            assert_eq!(error_name(libc::EADDRINUSE), "address_already_in_use");
            assert_eq!(error_name(libc::EADDRNOTAVAIL), "address_not_available");
            assert_eq!(error_name(libc::EACCES), "access_denied");
            assert_eq!(error_name(libc::EPERM), "access_denied");
            assert_eq!(error_name(libc::ENOTCONN), "not_connected");
            assert_eq!(error_name(libc::EHOSTUNREACH), "host_unreachable");
            assert_eq!(error_name(libc::ENETUNREACH), "network_unreachable");
            assert_eq!(error_name(libc::ETIMEDOUT), "timeout");
            assert_eq!(error_name(libc::ECONNABORTED), "connection_aborted");
            assert_eq!(error_name(libc::EMFILE), "too_many_open_files");
            assert_eq!(error_name(libc::ENFILE), "system_file_table_full");
            assert_eq!(error_name(libc::ENOBUFS), "no_buffer_space");
            assert_eq!(error_name(libc::ENOMEM), "out_of_memory");
            assert_eq!(error_name(libc::EPROTO), "protocol_error");
            assert_eq!(error_name(libc::EINTR), "interrupted");
            assert_eq!(error_name(libc::EAGAIN), "would_block");
            assert_eq!(error_name(libc::EMSGSIZE), "message_too_long");
            assert_eq!(error_name(libc::ENOTSOCK), "not_a_socket");
            assert_eq!(error_name(libc::EBADF), "bad_descriptor");
            assert_eq!(error_name(libc::EPROTONOSUPPORT), "protocol_not_supported");
            assert_eq!(error_name(libc::ENAMETOOLONG), "path_too_long");
        }
    }

    #[test]
    fn unknown_codes_are_os_error() {
        assert_eq!(error_name(0), OS_ERROR);
        assert_eq!(error_name(1_000_000), OS_ERROR);
        #[cfg(unix)]
        assert_eq!(error_name(libc::EDOM), OS_ERROR);
    }

    #[test]
    fn lookup_failures_have_names_and_positive_codes() {
        let missing = crate::AddrList::lookup(&crate::addr::Query {
            host: Some("no-such-host.invalid".into()),
            ..Default::default()
        })
        .unwrap_err();
        let (name, code) = lookup_failure(missing);
        assert_eq!(name, "name_not_found");
        assert!(code.unwrap() > 0, "{code:?}");
        let Err(nul) = dns_lookup::getaddrinfo(Some("a\0b"), None, None) else {
            panic!("a host with a NUL must not resolve");
        };
        assert_eq!(lookup_failure(nul), ("invalid_argument", None));
    }
}
