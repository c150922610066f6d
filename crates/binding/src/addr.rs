//! Address lists for JavaScript: `getaddrinfo(3)` results (sync and on the
//! libuv thread pool) and socket addresses, all as one class.

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::addr::{self, Parts, Query};
use socket2_core::{Family, Kind};

/// A resolved address list. Owned by Rust; `free()` releases it at once,
/// otherwise it is released when the JavaScript object is collected.
#[napi]
pub struct AddrList {
    inner: Option<socket2_core::AddrList>,
}

/// Why a lookup failed: a normalized name and a positive code (see
/// `socket2_core::lookup_failure`), absent when there is none.
#[napi(object)]
pub struct LookupFailure {
    pub name: String,
    pub code: Option<i32>,
}

impl AddrList {
    pub(crate) fn from_sockaddr(addr: socket2::SockAddr, kind: Kind) -> Option<AddrList> {
        socket2_core::AddrList::from_sockaddr(addr, Some(kind))
            .map(|inner| AddrList { inner: Some(inner) })
    }

    pub(crate) fn sockaddr(&self, index: u32) -> Option<socket2::SockAddr> {
        Some(self.entry(index)?.addr.clone())
    }

    fn entry(&self, index: u32) -> Option<&socket2_core::AddrEntry> {
        self.inner.as_ref()?.get(index as usize)
    }
}

#[napi]
impl AddrList {
    /// Number of entries (0 once freed).
    #[napi(getter)]
    pub fn length(&self) -> u32 {
        self.inner.as_ref().map_or(0, |list| list.len() as u32)
    }

    /// Releases the list; later calls see an empty list. Idempotent.
    #[napi]
    pub fn free(&mut self) -> bool {
        self.inner.take().is_some()
    }

    #[napi]
    pub fn family(&self, index: u32) -> Option<String> {
        Some(self.entry(index)?.family.name().to_string())
    }

    #[napi(js_name = "type")]
    pub fn kind(&self, index: u32) -> Option<String> {
        Some(self.entry(index)?.kind?.name().to_string())
    }

    #[napi]
    pub fn protocol(&self, index: u32) -> Option<String> {
        Some(socket2_core::socket::protocol_name(
            self.entry(index)?.protocol,
        ))
    }

    #[napi]
    pub fn name(&self, index: u32) -> Option<String> {
        self.entry(index)?.canonical_name.clone()
    }

    #[napi]
    pub fn ip(&self, index: u32) -> Option<String> {
        match addr::parts(&self.entry(index)?.addr)? {
            Parts::Ip(ip) => Some(ip.ip().to_string()),
            Parts::Unix(_) => None,
        }
    }

    #[napi]
    pub fn port(&self, index: u32) -> Option<u32> {
        match addr::parts(&self.entry(index)?.addr)? {
            Parts::Ip(ip) => Some(u32::from(ip.port())),
            Parts::Unix(_) => None,
        }
    }

    #[napi]
    pub fn path(&self, index: u32) -> Option<String> {
        match addr::parts(&self.entry(index)?.addr)? {
            Parts::Unix(path) => Some(path),
            Parts::Ip(_) => None,
        }
    }

    #[napi(js_name = "format")]
    pub fn format(&self, index: u32) -> Option<String> {
        Some(addr::to_string(&self.entry(index)?.addr))
    }
}

/// A string field of a [`LookupQuery`]: `null` (or absent) is `None`.
type Text = Option<Either<String, Null>>;

fn text(value: Text) -> Option<String> {
    match value {
        Some(Either::A(text)) => Some(text),
        Some(Either::B(Null)) | None => None,
    }
}

/// What `getaddrinfo`/`lookup` resolve, as `src/addr.ts` builds it: `host`
/// null means all interfaces, `type`/`family` null any.
#[napi(object, object_to_js = false)]
pub struct LookupQuery {
    #[napi(ts_type = "string | null")]
    pub host: Text,
    #[napi(ts_type = "string | null")]
    pub service: Text,
    #[napi(js_name = "type", ts_type = "string | null")]
    pub kind: Text,
    #[napi(ts_type = "string | null")]
    pub family: Text,
    pub protocol: i32,
    pub flags: i32,
}

impl From<LookupQuery> for Query {
    fn from(query: LookupQuery) -> Query {
        Query {
            host: text(query.host),
            service: text(query.service),
            kind: text(query.kind).as_deref().and_then(Kind::parse),
            family: text(query.family).as_deref().and_then(Family::parse),
            protocol: query.protocol,
            flags: query.flags,
        }
    }
}

fn resolve(query: &Query) -> Either<AddrList, LookupFailure> {
    match socket2_core::AddrList::lookup(query) {
        Ok(list) if !list.is_empty() => Either::A(AddrList { inner: Some(list) }),
        Ok(_) => Either::B(LookupFailure {
            name: "name_not_found".to_string(),
            code: None,
        }),
        Err(err) => {
            let (name, code) = socket2_core::lookup_failure(err);
            Either::B(LookupFailure {
                name: name.to_string(),
                code,
            })
        }
    }
}

/// `getaddrinfo(3)` on the calling thread. `host` `None` means all
/// interfaces; `family` `unix` makes a one-entry list for the path `host`.
#[napi]
pub fn getaddrinfo(query: LookupQuery) -> Either<AddrList, LookupFailure> {
    resolve(&query.into())
}

/// Flag value for a `getaddrinfo` flag name, or `undefined`.
#[napi]
pub fn lookup_flag(name: String) -> Option<i32> {
    socket2_core::Flags::parse(&name)
}

pub struct LookupTask {
    query: Query,
}

impl Task for LookupTask {
    type Output = Either<AddrList, LookupFailure>;
    type JsValue = Either<AddrList, LookupFailure>;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(resolve(&self.query))
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Self::JsValue> {
        Ok(output)
    }
}

/// `getaddrinfo(3)` on libuv's thread pool, so the event loop never waits
/// on the resolver.
#[napi(ts_return_type = "Promise<AddrList | LookupFailure>")]
pub fn lookup(query: LookupQuery) -> AsyncTask<LookupTask> {
    AsyncTask::new(LookupTask {
        query: query.into(),
    })
}
