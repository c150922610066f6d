//! Address lookup (`getaddrinfo(3)` through the `dns-lookup` crate) and
//! socket-address formatting.

use std::net::SocketAddr;

use dns_lookup::{AddrInfoHints, LookupError};
use socket2::SockAddr;

use crate::socket::{Family, Kind};

/// `getaddrinfo(3)` flags by the names the API takes.
pub struct Flags;

impl Flags {
    /// The `AI_*` value for a flag name; `None` for an unknown name.
    pub fn parse(name: &str) -> Option<i32> {
        sys_flags::parse(name)
    }
}

#[cfg(unix)]
mod sys_flags {
    pub fn parse(name: &str) -> Option<i32> {
        Some(match name {
            "passive" => libc::AI_PASSIVE,
            "canonname" | "cannonname" => libc::AI_CANONNAME,
            "numerichost" => libc::AI_NUMERICHOST,
            "numericserv" => libc::AI_NUMERICSERV,
            "all" => libc::AI_ALL,
            "v4mapped" => libc::AI_V4MAPPED,
            "addrconfig" => libc::AI_ADDRCONFIG,
            _ => return None,
        })
    }
}

#[cfg(windows)]
mod sys_flags {
    // Values from ws2def.h.
    pub fn parse(name: &str) -> Option<i32> {
        Some(match name {
            "passive" => 0x01,
            "canonname" | "cannonname" => 0x02,
            "numerichost" => 0x04,
            "numericserv" => 0x08,
            "all" => 0x0100,
            "v4mapped" => 0x0800,
            "addrconfig" => 0x0400,
            _ => return None,
        })
    }
}

/// One resolved address.
#[derive(Clone, Debug)]
pub struct AddrEntry {
    pub family: Family,
    pub kind: Option<Kind>,
    pub protocol: i32,
    pub addr: SockAddr,
    pub canonical_name: Option<String>,
}

/// What to look up: the seed's `[host], [port], type, [family], [protocol],
/// [flags]`, already parsed.
#[derive(Clone, Debug, Default)]
pub struct Query {
    /// `None` means all interfaces (`'*'`, `false`): a passive wildcard.
    pub host: Option<String>,
    /// A port number or a service name; `None` means 0.
    pub service: Option<String>,
    pub kind: Option<Kind>,
    pub family: Option<Family>,
    pub protocol: i32,
    pub flags: i32,
}

/// A resolved address list, in the resolver's order.
#[derive(Clone, Debug, Default)]
pub struct AddrList {
    entries: Vec<AddrEntry>,
}

impl AddrList {
    /// Resolves `query` with `getaddrinfo(3)`. This blocks while the resolver
    /// works; call it off the event loop for names that are not literals.
    pub fn lookup(query: &Query) -> Result<AddrList, LookupError> {
        if query.family == Some(Family::Unix) {
            let path = query.host.clone().unwrap_or_default();
            return Ok(AddrList::unix(&path, query.kind)?);
        }
        let hints = AddrInfoHints {
            flags: query.flags | if query.host.is_none() { passive() } else { 0 },
            address: query.family.map_or(0, Family::raw_family),
            socktype: query.kind.map_or(0, Kind::raw_type),
            protocol: query.protocol,
        };
        // Raw sockets have no ports, so no service: `getaddrinfo` refuses one
        // for `SOCK_RAW` (`EAI_SERVICE`), and needs a host instead of it.
        let (host, service) = if query.kind == Some(Kind::Raw) {
            let any = match query.family {
                Some(Family::Inet6) => "::",
                _ => "0.0.0.0",
            };
            (Some(query.host.as_deref().unwrap_or(any)), None)
        } else {
            (
                query.host.as_deref(),
                Some(query.service.as_deref().unwrap_or("0")),
            )
        };
        let found = dns_lookup::getaddrinfo(host, service, Some(hints))?;
        let mut entries = Vec::new();
        for info in found {
            let info = info?;
            let Some(family) = Family::from_raw(info.address) else {
                continue;
            };
            entries.push(AddrEntry {
                family,
                kind: [Kind::Stream, Kind::Datagram, Kind::Raw]
                    .into_iter()
                    .find(|kind| kind.raw_type() == info.socktype),
                protocol: info.protocol,
                addr: SockAddr::from(info.sockaddr),
                canonical_name: info.canonname,
            });
        }
        Ok(AddrList { entries })
    }

    /// A one-entry list for a Unix socket path. On Linux a leading `@` or NUL
    /// names an abstract socket (no file on disk).
    pub fn unix(path: &str, kind: Option<Kind>) -> std::io::Result<AddrList> {
        Ok(AddrList {
            entries: vec![AddrEntry {
                family: Family::Unix,
                kind,
                protocol: 0,
                addr: unix_addr(path)?,
                canonical_name: None,
            }],
        })
    }

    /// A one-entry list for an address the caller already has.
    pub fn from_sockaddr(addr: SockAddr, kind: Option<Kind>) -> Option<AddrList> {
        let family = Family::from_raw(i32::from(addr.domain()))?;
        Some(AddrList {
            entries: vec![AddrEntry {
                family,
                kind,
                protocol: 0,
                addr,
                canonical_name: None,
            }],
        })
    }

    pub fn entries(&self) -> &[AddrEntry] {
        &self.entries
    }

    pub fn get(&self, index: usize) -> Option<&AddrEntry> {
        self.entries.get(index)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn passive() -> i32 {
    Flags::parse("passive").unwrap_or(0)
}

/// A Unix socket address for `path`; `@name` or `\0name` is abstract (Linux).
///
/// A NUL anywhere else is refused (`InvalidInput`): the kernel would read
/// the path only up to it, and bind or reach a different file. A path
/// longer than the OS takes is `ENAMETOOLONG` (`path_too_long`).
pub fn unix_addr(path: &str) -> std::io::Result<SockAddr> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        if let Some(name) = path.strip_prefix('@').or_else(|| path.strip_prefix('\0')) {
            check_no_nul(name)?;
            // socket2 treats a leading NUL as the abstract namespace.
            return too_long_is_named(SockAddr::unix(format!("\0{name}")));
        }
    }
    check_no_nul(path)?;
    too_long_is_named(SockAddr::unix(path))
}

fn check_no_nul(path: &str) -> std::io::Result<()> {
    if path.contains('\0') {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "a Unix socket path must not contain NUL bytes",
        ));
    }
    Ok(())
}

/// socket2 reports a path too long for `sun_path` as `InvalidInput` with no
/// OS code; it is the OS's `ENAMETOOLONG`.
fn too_long_is_named(addr: std::io::Result<SockAddr>) -> std::io::Result<SockAddr> {
    addr.map_err(|err| match err.raw_os_error() {
        None if err.kind() == std::io::ErrorKind::InvalidInput => {
            std::io::Error::from_raw_os_error(crate::sys::ENAMETOOLONG)
        }
        _ => err,
    })
}

/// The parts of an address the API shows: `ip` and `port` for IP families,
/// `path` for Unix sockets (`@name` for abstract ones, empty if unnamed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Parts {
    Ip(SocketAddr),
    Unix(String),
}

pub fn parts(addr: &SockAddr) -> Option<Parts> {
    if let Some(ip) = addr.as_socket() {
        return Some(Parts::Ip(ip));
    }
    // Windows sockets here are never Unix-domain (see `sys::check_supported`),
    // and socket2 has no path accessor there.
    #[cfg(unix)]
    if addr.is_unix() {
        #[cfg(any(target_os = "linux", target_os = "android"))]
        if let Some(name) = addr.as_abstract_namespace() {
            return Some(Parts::Unix(format!("@{}", String::from_utf8_lossy(name))));
        }
        let path = addr
            .as_pathname()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default();
        return Some(Parts::Unix(path));
    }
    None
}

/// `127.0.0.1:80`, `[::1]:80`, or the Unix path.
pub fn to_string(addr: &SockAddr) -> String {
    match parts(addr) {
        Some(Parts::Ip(ip)) => ip.to_string(),
        Some(Parts::Unix(path)) => path,
        None => String::from("?"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(host: Option<&str>, service: Option<&str>) -> Query {
        Query {
            host: host.map(str::to_string),
            service: service.map(str::to_string),
            kind: Some(Kind::Stream),
            ..Query::default()
        }
    }

    #[test]
    fn numeric_hosts_format_like_the_seed() {
        let list = AddrList::lookup(&query(Some("127.0.0.1"), Some("80"))).unwrap();
        assert_eq!(to_string(&list.get(0).unwrap().addr), "127.0.0.1:80");
        assert_eq!(list.get(0).unwrap().family, Family::Inet);
        let q = Query {
            family: Some(Family::Inet6),
            ..query(Some("::1"), Some("80"))
        };
        let list = AddrList::lookup(&q).unwrap();
        assert_eq!(to_string(&list.get(0).unwrap().addr), "[::1]:80");
    }

    #[test]
    fn no_host_means_all_interfaces() {
        let q = Query {
            family: Some(Family::Inet),
            ..query(None, Some("8080"))
        };
        let list = AddrList::lookup(&q).unwrap();
        assert_eq!(to_string(&list.get(0).unwrap().addr), "0.0.0.0:8080");
    }

    #[test]
    fn unknown_names_fail_with_name_not_found() {
        let err = AddrList::lookup(&query(Some("no-such-host.invalid"), None)).unwrap_err();
        assert_eq!(crate::error::lookup_error_name(err), "name_not_found");
    }

    #[test]
    fn flags_by_name() {
        assert!(Flags::parse("numerichost").is_some());
        assert!(Flags::parse("bogus").is_none());
        let q = Query {
            flags: Flags::parse("numerichost").unwrap(),
            ..query(Some("localhost"), None)
        };
        assert!(AddrList::lookup(&q).is_err(), "numerichost refuses names");
    }

    #[test]
    fn raw_addresses_need_no_service() {
        let q = Query {
            kind: Some(Kind::Raw),
            family: Some(Family::Inet),
            ..query(Some("127.0.0.1"), None)
        };
        let list = AddrList::lookup(&q).unwrap();
        assert_eq!(list.get(0).unwrap().kind, Some(Kind::Raw));
        let q = Query { host: None, ..q };
        assert_eq!(
            to_string(&AddrList::lookup(&q).unwrap().get(0).unwrap().addr),
            "0.0.0.0:0"
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_nul_inside_a_unix_path_is_refused_and_a_long_path_is_named() {
        let err = unix_addr("/tmp/x/public\0/../../etc/secret").unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(unix_addr("@abstract\0tail").is_err());
        let err = unix_addr(&"x".repeat(200)).unwrap_err();
        assert_eq!(err.raw_os_error(), Some(libc::ENAMETOOLONG));
    }

    #[cfg(unix)]
    #[test]
    fn unix_paths() {
        let list = AddrList::unix("/tmp/x.sock", Some(Kind::Stream)).unwrap();
        assert_eq!(to_string(&list.get(0).unwrap().addr), "/tmp/x.sock");
        #[cfg(target_os = "linux")]
        {
            let list = AddrList::unix("@abstract", None).unwrap();
            assert_eq!(to_string(&list.get(0).unwrap().addr), "@abstract");
        }
    }
}
