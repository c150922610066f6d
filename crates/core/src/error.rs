//! The one place that maps OS errors to the names the API returns.
//!
//! Runtime failures reach JavaScript as `[null, name, code]`: `name` is a
//! stable lowercase identifier users can branch on, `code` the raw OS error
//! number (`errno` on Unix, `WSAGetLastError()` on Windows) for logs.

use std::io;

/// Normalized name for a raw OS error code.
///
/// Known conditions get a portable name (derived from [`io::ErrorKind`], which
/// std already maps per OS); anything else gets the OS's own message,
/// lowercased and without std's `(os error N)` suffix.
pub fn error_name(code: i32) -> String {
    let err = io::Error::from_raw_os_error(code);
    if let Some(name) = kind_name(&err) {
        return name.to_string();
    }
    os_message(&err)
}

/// Normalized name of an [`io::Error`], for errors that may carry no OS code.
pub fn io_error_name(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => error_name(code),
        None => kind_name(err)
            .map(str::to_string)
            .unwrap_or_else(|| err.to_string().to_lowercase()),
    }
}

fn kind_name(err: &io::Error) -> Option<&'static str> {
    use io::ErrorKind::*;
    if crate::sys::is_timeout(err) {
        return Some("timeout");
    }
    if crate::sys::is_not_supported(err) {
        return Some("not_supported");
    }
    if let Some(name) = crate::sys::os_error_name(err) {
        return Some(name);
    }
    Some(match err.kind() {
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
        InvalidInput => "invalid_argument",
        Unsupported => "not_supported",
        _ => return None,
    })
}

fn os_message(err: &io::Error) -> String {
    let text = err.to_string();
    let text = match text.rfind(" (os error") {
        Some(at) => &text[..at],
        None => &text,
    };
    text.to_lowercase()
}

/// Normalized name for a failed `getaddrinfo(3)`, from its `EAI_*` code.
///
/// Every "this name does not resolve" outcome is `name_not_found`, so callers
/// need not know the resolver's many codes for it.
pub fn lookup_error_name(err: &dns_lookup::LookupError) -> String {
    use dns_lookup::LookupErrorKind::*;
    match err.kind() {
        NoName | NoData | Fail => "name_not_found".to_string(),
        Again => "name_lookup_again".to_string(),
        Family => "family_not_supported".to_string(),
        Socktype => "socket_type_not_supported".to_string(),
        Service => "service_not_found".to_string(),
        Badflags => "invalid_argument".to_string(),
        Memory => "out_of_memory".to_string(),
        System | IO | Unknown => {
            let io: io::Error = io::Error::other(err.to_string());
            io.to_string().to_lowercase()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_have_portable_names() {
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(io_error_name(&refused), "connection_refused");
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
        }
    }

    #[cfg(unix)]
    #[test]
    fn unknown_codes_get_the_os_message() {
        let name = error_name(libc::EBADF);
        assert!(name.contains("bad file"), "{name}");
        assert!(!name.contains("os error"), "{name}");
    }
}
