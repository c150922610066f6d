//! `setopt` / `getopt`: socket options by name (see `socket2_core::options`).
//!
//! Values cross as plain JavaScript values: booleans, numbers, address
//! strings, and `{ group, interface }` objects for multicast membership.
//! `src/options.ts` checks names and value types before calling here, so a
//! mismatch that still arrives is reported as `invalid_argument`, not thrown.

use std::io;
use std::net::IpAddr;

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::options::{self, Interface, Opt, OptValue};
use socket2_core::Socket;

use crate::ops::{encode_error, with_socket, CLOSED};

/// A multicast group and the interface to join it on: an IPv4 address
/// (IPv4 groups) or an interface index (IPv6 groups); absent = any.
#[napi(object)]
pub struct Membership {
    pub group: String,
    pub interface: Option<Either<String, u32>>,
}

fn invalid() -> io::Error {
    io::Error::from(io::ErrorKind::InvalidInput)
}

fn ip(text: &str) -> io::Result<IpAddr> {
    text.parse().map_err(|_| invalid())
}

fn to_value(value: Either4<bool, u32, String, Membership>) -> io::Result<OptValue> {
    Ok(match value {
        Either4::A(on) => OptValue::Bool(on),
        Either4::B(n) => OptValue::Int(n),
        Either4::C(addr) => OptValue::Addr(ip(&addr)?),
        Either4::D(Membership { group, interface }) => OptValue::Membership {
            group: ip(&group)?,
            interface: match interface {
                None => Interface::Any,
                Some(Either::A(addr)) => match ip(&addr)? {
                    IpAddr::V4(addr) => Interface::Addr(addr),
                    IpAddr::V6(_) => return Err(invalid()),
                },
                Some(Either::B(index)) => Interface::Index(index),
            },
        },
    })
}

/// `setsockopt(2)` for the option `name` (see `socket2_core::options`):
/// 0, or a negative error code.
#[napi]
pub fn setopt(id_raw: f64, name: String, value: Either4<bool, u32, String, Membership>) -> i32 {
    let set = |socket: &Socket| {
        let opt = Opt::parse(&name).ok_or_else(invalid)?;
        options::set(socket, opt, &to_value(value)?)
    };
    match with_socket(id_raw, set) {
        Some(Ok(())) => 0,
        Some(Err(err)) => encode_error(err),
        None => CLOSED,
    }
}

/// `getsockopt(2)` for the option `name`: a boolean, a number (`>= 0`), or
/// a string (addresses, the socket type); a negative number is an error
/// code. For `error`, the number is the pending OS error code (0: none).
#[napi]
pub fn getopt(id_raw: f64, name: String) -> Either3<bool, f64, String> {
    let get = |socket: &Socket| options::get(socket, Opt::parse(&name).ok_or_else(invalid)?);
    match with_socket(id_raw, get) {
        Some(Ok(OptValue::Bool(on))) => Either3::A(on),
        Some(Ok(OptValue::Int(n))) => Either3::B(f64::from(n)),
        Some(Ok(OptValue::Addr(addr))) => Either3::C(addr.to_string()),
        Some(Ok(OptValue::Name(name))) => Either3::C(name.to_string()),
        Some(Ok(OptValue::Error(None))) => Either3::B(0.0),
        Some(Ok(OptValue::Error(Some(err)))) => Either3::B(-f64::from(encode_error(err))),
        Some(Ok(OptValue::Membership { .. })) => Either3::B(f64::from(encode_error(invalid()))),
        Some(Err(err)) => Either3::B(f64::from(encode_error(err))),
        None => Either3::B(f64::from(CLOSED)),
    }
}
