//! Socket options by name, with typed values: `setsockopt(2)` /
//! `getsockopt(2)` through the [`socket2`] crate's setters and getters.
//!
//! [`Opt::parse`] turns the API's option names into an [`Opt`]; [`set`] and
//! [`get`] apply it to a socket with an [`OptValue`]. Options that exist per
//! IP version (`ttl`, `tos`, `multicast_*`) pick the IPv4 or IPv6 option from
//! the socket's family. Options socket2 lacks, or offers only on some OSes,
//! go through `sys` (which answers `ENOPROTOOPT`, "not supported", where the
//! OS has no such option).

use std::io;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use socket2::Type;

use crate::socket::{Family, Kind, Socket};
use crate::sys;

/// A socket option, by the names the API takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Opt {
    /// `SO_REUSEADDR`.
    ReuseAddr,
    /// `SO_REUSEPORT`.
    ReusePort,
    /// `TCP_NODELAY` (also named `tcp_nodelay`).
    NoDelay,
    /// `SO_KEEPALIVE`.
    KeepAlive,
    /// `TCP_KEEPIDLE` (`TCP_KEEPALIVE` on Apple platforms), seconds.
    KeepIdle,
    /// `TCP_KEEPINTVL`, seconds.
    KeepIntvl,
    /// `TCP_KEEPCNT`, probes.
    KeepCnt,
    /// `SO_LINGER`, whole seconds or off.
    Linger,
    /// `SO_RCVBUF`, bytes.
    RcvBuf,
    /// `SO_SNDBUF`, bytes.
    SndBuf,
    /// `SO_RCVLOWAT`, bytes.
    RcvLowat,
    /// `SO_BROADCAST`.
    Broadcast,
    /// `IP_TTL`, or `IPV6_UNICAST_HOPS` on an IPv6 socket.
    Ttl,
    /// `IP_TOS`, or `IPV6_TCLASS` on an IPv6 socket.
    Tos,
    /// `IPV6_V6ONLY`.
    V6Only,
    /// `IP_MULTICAST_TTL`, or `IPV6_MULTICAST_HOPS` on an IPv6 socket.
    MulticastTtl,
    /// `IP_MULTICAST_LOOP` / `IPV6_MULTICAST_LOOP`.
    MulticastLoop,
    /// `IP_MULTICAST_IF` (an IPv4 address) / `IPV6_MULTICAST_IF` (an
    /// interface index).
    MulticastIf,
    /// `IP_ADD_MEMBERSHIP` / `IPV6_JOIN_GROUP`, by the group's IP version.
    AddMembership,
    /// `IP_DROP_MEMBERSHIP` / `IPV6_LEAVE_GROUP`.
    DropMembership,
    /// `IPV6_MULTICAST_HOPS` (IPv6 only).
    MulticastHops,
    /// `IPV6_UNICAST_HOPS` (IPv6 only).
    UnicastHops,
    /// `SO_ERROR`: takes (and clears) the pending error. Read only.
    Error,
    /// `SO_TYPE`. Read only.
    Type,
    /// `SO_ACCEPTCONN`: whether the socket listens. Read only.
    AcceptConn,
}

const NAMES: &[(&str, Opt)] = &[
    ("reuseaddr", Opt::ReuseAddr),
    ("reuseport", Opt::ReusePort),
    ("nodelay", Opt::NoDelay),
    ("tcp_nodelay", Opt::NoDelay),
    ("keepalive", Opt::KeepAlive),
    ("keepidle", Opt::KeepIdle),
    ("keepintvl", Opt::KeepIntvl),
    ("keepcnt", Opt::KeepCnt),
    ("linger", Opt::Linger),
    ("rcvbuf", Opt::RcvBuf),
    ("sndbuf", Opt::SndBuf),
    ("rcvlowat", Opt::RcvLowat),
    ("broadcast", Opt::Broadcast),
    ("ttl", Opt::Ttl),
    ("tos", Opt::Tos),
    ("v6only", Opt::V6Only),
    ("multicast_ttl", Opt::MulticastTtl),
    ("multicast_loop", Opt::MulticastLoop),
    ("multicast_if", Opt::MulticastIf),
    ("add_membership", Opt::AddMembership),
    ("drop_membership", Opt::DropMembership),
    ("multicast_hops", Opt::MulticastHops),
    ("unicast_hops", Opt::UnicastHops),
    ("error", Opt::Error),
    ("type", Opt::Type),
    ("acceptconn", Opt::AcceptConn),
];

impl Opt {
    /// The option named `name`, if there is one.
    pub fn parse(name: &str) -> Option<Opt> {
        NAMES.iter().find(|(n, _)| *n == name).map(|(_, opt)| *opt)
    }

    /// The option's (first) name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, opt)| *opt == self)
            .map(|(n, _)| *n)
            .unwrap_or("?")
    }

    /// Every name an option answers to, aliases included.
    pub fn names() -> impl Iterator<Item = &'static str> {
        NAMES.iter().map(|(n, _)| *n)
    }
}

/// The value of an option, as [`set`] takes it and [`get`] returns it.
#[derive(Debug)]
pub enum OptValue {
    /// On/off options; also `linger` off (`false`).
    Bool(bool),
    /// Counts, sizes, seconds, TTLs, IPv6 interface indexes.
    Int(u32),
    /// `multicast_if` of an IPv4 socket.
    Addr(IpAddr),
    /// `add_membership` / `drop_membership`.
    Membership { group: IpAddr, interface: Interface },
    /// `type`: the socket type's name.
    Name(&'static str),
    /// `error`: the pending error, if any.
    Error(Option<io::Error>),
}

/// The interface a multicast group is joined on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Interface {
    /// The OS's choice (`INADDR_ANY`, index 0).
    Any,
    /// An IPv4 interface by one of its addresses.
    Addr(Ipv4Addr),
    /// An interface by index (IPv6).
    Index(u32),
}

fn invalid() -> io::Error {
    io::Error::from(io::ErrorKind::InvalidInput)
}

fn is_v6(socket: &Socket) -> bool {
    socket.family() == Family::Inet6
}

/// `setsockopt(2)` for `opt`. A value of the wrong kind for the option is
/// `InvalidInput`; a read-only option is `InvalidInput` too.
pub fn set(socket: &Socket, opt: Opt, value: &OptValue) -> io::Result<()> {
    let s = socket.as_socket2();
    use OptValue::{Bool, Int};
    match (opt, value) {
        (Opt::ReuseAddr, Bool(on)) => s.set_reuse_address(*on),
        (Opt::ReusePort, Bool(on)) => sys::set_reuse_port(s, *on),
        (Opt::NoDelay, Bool(on)) => s.set_tcp_nodelay(*on),
        (Opt::KeepAlive, Bool(on)) => s.set_keepalive(*on),
        (Opt::KeepIdle | Opt::KeepIntvl | Opt::KeepCnt, Int(n)) => {
            sys::set_keepalive_param(s, keepalive_param(opt), *n)
        }
        (Opt::Linger, Bool(false)) => s.set_linger(None),
        (Opt::Linger, Int(secs)) => s.set_linger(Some(Duration::from_secs(u64::from(*secs)))),
        (Opt::RcvBuf, Int(n)) => s.set_recv_buffer_size(*n as usize),
        (Opt::SndBuf, Int(n)) => s.set_send_buffer_size(*n as usize),
        (Opt::RcvLowat, Int(n)) => sys::set_recv_lowat(s, *n),
        (Opt::Broadcast, Bool(on)) => s.set_broadcast(*on),
        (Opt::Ttl, Int(n)) if is_v6(socket) => s.set_unicast_hops_v6(*n),
        (Opt::Ttl, Int(n)) => s.set_ttl_v4(*n),
        (Opt::Tos, Int(n)) if is_v6(socket) => sys::set_tclass_v6(s, *n),
        (Opt::Tos, Int(n)) => s.set_tos_v4(*n),
        (Opt::V6Only, Bool(on)) => s.set_only_v6(*on),
        (Opt::MulticastTtl, Int(n)) if is_v6(socket) => s.set_multicast_hops_v6(*n),
        (Opt::MulticastTtl, Int(n)) => s.set_multicast_ttl_v4(*n),
        (Opt::MulticastHops, Int(n)) => s.set_multicast_hops_v6(*n),
        (Opt::UnicastHops, Int(n)) => s.set_unicast_hops_v6(*n),
        (Opt::MulticastLoop, Bool(on)) if is_v6(socket) => s.set_multicast_loop_v6(*on),
        (Opt::MulticastLoop, Bool(on)) => s.set_multicast_loop_v4(*on),
        (Opt::MulticastIf, Int(index)) if is_v6(socket) => s.set_multicast_if_v6(*index),
        (Opt::MulticastIf, OptValue::Addr(IpAddr::V4(addr))) if !is_v6(socket) => {
            s.set_multicast_if_v4(addr)
        }
        (Opt::AddMembership, OptValue::Membership { group, interface }) => {
            membership(s, true, *group, *interface)
        }
        (Opt::DropMembership, OptValue::Membership { group, interface }) => {
            membership(s, false, *group, *interface)
        }
        _ => Err(invalid()),
    }
}

/// `getsockopt(2)` for `opt`. Membership options cannot be read
/// (`InvalidInput`). `linger` off reads as `Bool(false)`.
pub fn get(socket: &Socket, opt: Opt) -> io::Result<OptValue> {
    let s = socket.as_socket2();
    let v6 = is_v6(socket);
    use OptValue::{Bool, Int};
    Ok(match opt {
        Opt::ReuseAddr => Bool(s.reuse_address()?),
        Opt::ReusePort => Bool(sys::reuse_port(s)?),
        Opt::NoDelay => Bool(s.tcp_nodelay()?),
        Opt::KeepAlive => Bool(s.keepalive()?),
        Opt::KeepIdle | Opt::KeepIntvl | Opt::KeepCnt => {
            Int(sys::keepalive_param(s, keepalive_param(opt))?)
        }
        Opt::Linger => match s.linger()? {
            Some(time) => Int(time.as_secs().min(u64::from(u32::MAX)) as u32),
            None => Bool(false),
        },
        Opt::RcvBuf => Int(clamp(s.recv_buffer_size()?)),
        Opt::SndBuf => Int(clamp(s.send_buffer_size()?)),
        Opt::RcvLowat => Int(sys::recv_lowat(s)?),
        Opt::Broadcast => Bool(s.broadcast()?),
        Opt::Ttl if v6 => Int(s.unicast_hops_v6()?),
        Opt::Ttl => Int(s.ttl_v4()?),
        Opt::Tos if v6 => Int(sys::tclass_v6(s)?),
        Opt::Tos => Int(s.tos_v4()?),
        Opt::V6Only => Bool(s.only_v6()?),
        Opt::MulticastTtl if v6 => Int(s.multicast_hops_v6()?),
        Opt::MulticastTtl => Int(s.multicast_ttl_v4()?),
        Opt::MulticastHops => Int(s.multicast_hops_v6()?),
        Opt::UnicastHops => Int(s.unicast_hops_v6()?),
        Opt::MulticastLoop if v6 => Bool(s.multicast_loop_v6()?),
        Opt::MulticastLoop => Bool(s.multicast_loop_v4()?),
        Opt::MulticastIf if v6 => Int(s.multicast_if_v6()?),
        Opt::MulticastIf => OptValue::Addr(IpAddr::V4(s.multicast_if_v4()?)),
        Opt::AddMembership | Opt::DropMembership => return Err(invalid()),
        Opt::Error => OptValue::Error(s.take_error()?),
        Opt::Type => OptValue::Name(type_name(s.r#type()?)?),
        Opt::AcceptConn => Bool(sys::accepts_connections(s)?),
    })
}

/// Which of the three TCP keepalive parameters an option is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepaliveParam {
    /// Idle seconds before the first probe.
    Idle,
    /// Seconds between probes.
    Interval,
    /// Unanswered probes before the connection is dropped.
    Count,
}

fn keepalive_param(opt: Opt) -> KeepaliveParam {
    match opt {
        Opt::KeepIntvl => KeepaliveParam::Interval,
        Opt::KeepCnt => KeepaliveParam::Count,
        _ => KeepaliveParam::Idle,
    }
}

fn clamp(n: usize) -> u32 {
    n.min(u32::MAX as usize) as u32
}

fn type_name(ty: Type) -> io::Result<&'static str> {
    [Kind::Stream, Kind::Datagram, Kind::Raw]
        .into_iter()
        .find(|kind| kind.raw_type() == i32::from(ty))
        .map(Kind::name)
        .ok_or_else(|| io::Error::from(io::ErrorKind::Unsupported))
}

/// Joins (`IP_ADD_MEMBERSHIP`, `IPV6_JOIN_GROUP`) or leaves a group; the
/// group's IP version picks the call. IPv4 names the interface by address,
/// IPv6 by index.
fn membership(
    s: &socket2::Socket,
    join: bool,
    group: IpAddr,
    interface: Interface,
) -> io::Result<()> {
    match (group, interface) {
        (IpAddr::V4(group), Interface::Any | Interface::Addr(_)) => {
            let interface = match interface {
                Interface::Addr(addr) => addr,
                _ => Ipv4Addr::UNSPECIFIED,
            };
            if join {
                s.join_multicast_v4(&group, &interface)
            } else {
                s.leave_multicast_v4(&group, &interface)
            }
        }
        (IpAddr::V6(group), Interface::Any | Interface::Index(_)) => {
            let index = match interface {
                Interface::Index(index) => index,
                _ => 0,
            };
            if join {
                s.join_multicast_v6(&group, index)
            } else {
                s.leave_multicast_v6(&group, index)
            }
        }
        _ => Err(invalid()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::socket::{Family, Kind};

    fn open(kind: Kind, family: Family) -> Socket {
        Socket::open(kind, family, 0).unwrap()
    }

    fn int(value: OptValue) -> u32 {
        match value {
            OptValue::Int(n) => n,
            other => panic!("expected a number, got {other:?}"),
        }
    }

    fn boolean(value: OptValue) -> bool {
        match value {
            OptValue::Bool(b) => b,
            other => panic!("expected a boolean, got {other:?}"),
        }
    }

    #[test]
    fn names_parse_and_aliases_agree() {
        for name in Opt::names() {
            let opt = Opt::parse(name).unwrap();
            assert_eq!(Opt::parse(opt.name()), Some(opt));
        }
        assert_eq!(Opt::parse("tcp_nodelay"), Some(Opt::NoDelay));
        assert_eq!(Opt::parse("SO_REUSEADDR"), None);
    }

    #[test]
    fn boolean_and_number_options_round_trip() {
        let tcp = open(Kind::Stream, Family::Inet);
        for opt in [Opt::ReuseAddr, Opt::NoDelay, Opt::KeepAlive] {
            for on in [true, false] {
                set(&tcp, opt, &OptValue::Bool(on)).unwrap();
                assert_eq!(boolean(get(&tcp, opt).unwrap()), on, "{opt:?}");
            }
        }
        set(&tcp, Opt::Ttl, &OptValue::Int(17)).unwrap();
        assert_eq!(int(get(&tcp, Opt::Ttl).unwrap()), 17);
        // Wine has no TCP_KEEPCNT (WSAENOPROTOOPT, scripts/wine/repro.c);
        // Windows has had it since Windows 10 1703.
        if !crate::under_wine() {
            set(&tcp, Opt::KeepCnt, &OptValue::Int(4)).unwrap();
            assert_eq!(int(get(&tcp, Opt::KeepCnt).unwrap()), 4);
        }
    }

    #[test]
    fn linger_reads_off_as_false() {
        let tcp = open(Kind::Stream, Family::Inet);
        assert!(!boolean(get(&tcp, Opt::Linger).unwrap()));
        set(&tcp, Opt::Linger, &OptValue::Int(0)).unwrap();
        assert_eq!(int(get(&tcp, Opt::Linger).unwrap()), 0);
        set(&tcp, Opt::Linger, &OptValue::Bool(false)).unwrap();
        assert!(!boolean(get(&tcp, Opt::Linger).unwrap()));
    }

    #[test]
    fn ip_version_options_follow_the_family() {
        let v6 = open(Kind::Datagram, Family::Inet6);
        set(&v6, Opt::Ttl, &OptValue::Int(9)).unwrap();
        assert_eq!(int(get(&v6, Opt::UnicastHops).unwrap()), 9);
        set(&v6, Opt::MulticastTtl, &OptValue::Int(3)).unwrap();
        assert_eq!(int(get(&v6, Opt::MulticastHops).unwrap()), 3);
        let v4 = open(Kind::Datagram, Family::Inet);
        let lo = OptValue::Addr(IpAddr::V4(Ipv4Addr::LOCALHOST));
        set(&v4, Opt::MulticastIf, &lo).unwrap();
        assert!(matches!(
            get(&v4, Opt::MulticastIf).unwrap(),
            OptValue::Addr(IpAddr::V4(Ipv4Addr::LOCALHOST))
        ));
    }

    #[test]
    fn wrong_values_and_read_only_options_are_invalid_input() {
        let tcp = open(Kind::Stream, Family::Inet);
        let err = set(&tcp, Opt::NoDelay, &OptValue::Int(1)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        let err = set(&tcp, Opt::Type, &OptValue::Bool(true)).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
        assert!(get(&tcp, Opt::AddMembership).is_err());
    }

    #[test]
    fn read_only_options_describe_the_socket() {
        let udp = open(Kind::Datagram, Family::Inet);
        assert!(matches!(
            get(&udp, Opt::Type).unwrap(),
            OptValue::Name("udp")
        ));
        assert!(matches!(
            get(&udp, Opt::Error).unwrap(),
            OptValue::Error(None)
        ));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[test]
    fn acceptconn_says_whether_the_socket_listens() {
        let tcp = open(Kind::Stream, Family::Inet);
        assert!(!boolean(get(&tcp, Opt::AcceptConn).unwrap()));
        tcp.bind(
            &"127.0.0.1:0"
                .parse::<std::net::SocketAddr>()
                .unwrap()
                .into(),
        )
        .unwrap();
        tcp.listen(None).unwrap();
        assert!(boolean(get(&tcp, Opt::AcceptConn).unwrap()));
    }

    #[cfg(unix)]
    #[test]
    fn an_option_the_socket_lacks_is_not_supported() {
        let udp = open(Kind::Datagram, Family::Inet);
        let err = set(&udp, Opt::NoDelay, &OptValue::Bool(true)).unwrap_err();
        assert_eq!(crate::error::io_error_name(&err), "not_supported", "{err}");
    }
}
