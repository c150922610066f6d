//! Batched and vectored calls: several datagrams in one `recvmmsg`/`sendmmsg`
//! (`recvMany`, `sendMany`), several buffers in one stream write (`sendv`,
//! whose Node-API function is in `hot.rs` with the other per-message calls).
//!
//! Buffers come as a JavaScript array of `Uint8Array`s, borrowed for the
//! call as the single-buffer calls borrow theirs, taken as raw parts from
//! Node-API: JavaScript may pass views that overlap, so no Rust reference
//! to two of them exists at once. JavaScript checked them (types,
//! lengths) and passes their total length: an element that is no longer a
//! `Uint8Array`, or a different total, means the array or a buffer changed
//! while the call waited, answered [`DETACHED`] with nothing moved. Results are numbers as in [`crate::ops`]: a count
//! (datagrams for the batches, bytes for `sendv`), [`WOULD_BLOCK`], [`CLOSED`]
//! or an error code.
//!
//! [`WOULD_BLOCK`]: crate::ops::WOULD_BLOCK
//! [`CLOSED`]: crate::ops::CLOSED

use std::io::IoSlice;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;
use smallvec::SmallVec;
use socket2_core::socket::{
    empty_addr, Datagram, Destinations, RawBuf, BATCH_MAX as CORE_BATCH_MAX,
};

use crate::datagram::SockAddr;
use crate::hot::typed_array;
use crate::ops::{encode, encode_error, on_socket, DETACHED};

/// The most datagrams one `recvMany`/`sendMany` moves
/// (`socket2_core::socket::BATCH_MAX`).
#[napi]
pub const BATCH_MAX: u32 = CORE_BATCH_MAX as u32;

/// Buffers a batched or vectored call takes without a heap allocation
/// (more spill to the heap): a header and a body, or a small batch.
const INLINE_BUFFERS: usize = 16;

/// Raw parts of the buffers of one call.
pub(crate) type RawBufs = SmallVec<[RawBuf; INLINE_BUFFERS]>;

/// The first `count` elements of the array `array` as raw parts, straight
/// from Node-API, or `None` when an element is not a `Uint8Array` or their
/// total length is not `total`.
///
/// Reading an element may run JavaScript (an accessor on the array), which
/// may detach a buffer, freeing its bytes: so every element is read first,
/// and only then are the buffers' addresses and lengths taken, by calls that
/// run no JavaScript. A buffer detached by then has length 0, and the sum no
/// longer matches `total`.
///
/// # Safety
/// `env` must be the current callback's environment and `array` a value of
/// this call (an array, or `napi_get_element` fails and this answers `None`).
/// No JavaScript may run between this and the last use of the parts.
pub(crate) unsafe fn raw_buffers(
    env: sys::napi_env,
    array: sys::napi_value,
    count: u32,
    total: f64,
) -> Option<RawBufs> {
    let mut elements: SmallVec<[sys::napi_value; INLINE_BUFFERS]> = SmallVec::new();
    for i in 0..count {
        let mut element = ptr::null_mut();
        // SAFETY: `env` and `array` belong to this call (the contract);
        // `element` is a valid out-pointer. The value stays alive in the
        // call's handle scope.
        if unsafe { sys::napi_get_element(env, array, i, &mut element) } != sys::Status::napi_ok {
            return None;
        }
        elements.push(element);
    }
    let mut raw = RawBufs::new();
    let mut sum = 0usize;
    for element in elements {
        // SAFETY: a value of this call; reading a typed array's parts runs
        // no JavaScript.
        let (data, len) = unsafe { typed_array(env, element, sys::TypedarrayType::uint8_array) }?;
        sum += len;
        let ptr = if len == 0 {
            ptr::NonNull::dangling().as_ptr()
        } else {
            data.cast()
        };
        raw.push(RawBuf { ptr, len });
    }
    (sum as f64 == total).then_some(raw)
}

/// The elements of `sizes`, an `Int32Array` argument of the same call as
/// `bufs` (pointer and length, dangling when empty), or `None` for anything
/// else (or a detached one: it reads as empty, which the callers refuse).
fn int32_parts(bufs: &Array, sizes: &Unknown) -> Option<(*mut i32, usize)> {
    // SAFETY: both are arguments of the current call, in its env; reading a
    // typed array's parts runs no JavaScript.
    let (data, len) = unsafe {
        typed_array(
            bufs.value().env,
            sizes.raw(),
            sys::TypedarrayType::int32_array,
        )
    }?;
    let data = if len == 0 {
        ptr::NonNull::dangling().as_ptr()
    } else {
        data.cast()
    };
    Some((data, len))
}

/// [`raw_buffers`] of a napi-rs `Array` argument.
fn array_buffers(bufs: &Array, count: u32, total: f64) -> Option<RawBufs> {
    // SAFETY: the array is an argument of the current call, in its env.
    unsafe { raw_buffers(bufs.value().env, bufs.raw(), count, total) }
}

/// `recvmmsg(2)`: up to `count` (at most [`BATCH_MAX`]) queued datagrams,
/// datagram `i` into `bufs[i]`, its length into `sizes[i]` (-1 when it was
/// longer than `bufs[i]`: truncated), its sender into `froms[i]` when
/// `froms` is given. Returns how many, [`DETACHED`], or a code as
/// `recvFrom`.
#[napi]
pub fn recv_many(
    id_raw: f64,
    bufs: Array,
    count: u32,
    total: f64,
    #[napi(ts_arg_type = "Int32Array")] sizes: Unknown,
    froms: Option<Array>,
) -> i32 {
    let count = count.min(BATCH_MAX);
    let Some(raw) = array_buffers(&bufs, count, total) else {
        return DETACHED;
    };
    // Only now, after every element getter ran: `sizes` is still attached.
    let Some((sizes_ptr, sizes_len)) = int32_parts(&bufs, &sizes) else {
        return DETACHED;
    };
    if sizes_len < raw.len() {
        return DETACHED;
    }
    let mut got = [Datagram {
        len: 0,
        truncated: false,
    }; CORE_BATCH_MAX];
    let mut senders: Vec<socket2::SockAddr> = match froms {
        Some(_) => (0..raw.len()).map(|_| empty_addr()).collect(),
        None => Vec::new(),
    };
    let from = froms.as_ref().map(|_| &mut senders[..]);
    let received = on_socket(id_raw, |s| {
        // SAFETY: each part is a live `Uint8Array`'s bytes, which JavaScript
        // cannot touch during this synchronous call, and no Rust reference
        // to them exists meanwhile (`sizes` is written after).
        encode(unsafe { s.recv_many(&raw, &mut got, from) })
    });
    if received <= 0 {
        return received;
    }
    // SAFETY: the receive is over; `sizes_ptr..+sizes_len` is a live
    // `Int32Array`'s (no JavaScript ran since it was read), which this call
    // alone uses now.
    let sizes = unsafe { std::slice::from_raw_parts_mut(sizes_ptr, sizes_len) };
    for (size, datagram) in sizes.iter_mut().zip(&got[..received as usize]) {
        *size = if datagram.truncated {
            -1
        } else {
            datagram.len as i32
        };
    }
    if let Some(froms) = froms {
        for (i, sender) in senders.into_iter().take(received as usize).enumerate() {
            // One instance at a time: the same `SockAddr` twice in `froms`
            // just ends with the later sender.
            if let Ok(Some(mut target)) = froms.get::<ClassInstance<SockAddr>>(i as u32) {
                target.set(sender);
            }
        }
    }
    received
}

/// # Safety
/// `ptr..ptr + len` must be live bytes nobody writes while the slice lives.
unsafe fn slice<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: per the contract.
    unsafe { std::slice::from_raw_parts(ptr, len) }
}

/// `sendmmsg(2)`: up to `count` (at most [`BATCH_MAX`]) datagrams,
/// `bufs[i][0..sizes[i]]` (all of `bufs[i]` without `sizes`), to `to`, to
/// `tos[i]`, or to the connected peer. Returns how many went out.
#[napi]
pub fn send_many(
    id_raw: f64,
    bufs: Array,
    count: u32,
    total: f64,
    #[napi(ts_arg_type = "Int32Array | undefined | null")] sizes: Option<Unknown>,
    to: Option<&SockAddr>,
    tos: Option<Array>,
) -> i32 {
    let count = count.min(BATCH_MAX);
    // The destinations first: reading them may run JavaScript, which must
    // all have run before the buffers' parts are taken.
    let instances: Vec<ClassInstance<SockAddr>> = match &tos {
        Some(tos) => {
            let mut each = Vec::with_capacity(count as usize);
            for i in 0..count {
                match tos.get::<ClassInstance<SockAddr>>(i) {
                    Ok(Some(addr)) => each.push(addr),
                    _ => return encode_error(std::io::ErrorKind::InvalidInput.into()),
                }
            }
            each
        }
        None => Vec::new(),
    };
    let Some(raw) = array_buffers(&bufs, count, total) else {
        return DETACHED;
    };
    let sizes = match &sizes {
        Some(sizes) => match int32_parts(&bufs, sizes) {
            // SAFETY: a live `Int32Array`'s elements (no JavaScript runs from
            // here on), only read, for this synchronous call.
            Some((ptr, len)) => Some(unsafe { std::slice::from_raw_parts(ptr.cast_const(), len) }),
            None => return DETACHED,
        },
        None => None,
    };
    let mut slices: SmallVec<[IoSlice; INLINE_BUFFERS]> = SmallVec::with_capacity(raw.len());
    for (i, &RawBuf { ptr, len }) in raw.iter().enumerate() {
        let len = match sizes {
            Some(sizes) => match sizes.get(i) {
                Some(&size) if size >= 0 && size as usize <= len => size as usize,
                _ => return DETACHED,
            },
            None => len,
        };
        // SAFETY: a live `Uint8Array`'s first `len` bytes, only read, for
        // this synchronous call.
        slices.push(IoSlice::new(unsafe { slice(ptr, len) }));
    }
    let each: Vec<&socket2::SockAddr> = instances.iter().map(|a| a.inner()).collect();
    let destinations = match (to, &tos) {
        (_, Some(_)) => Destinations::Each(&each),
        (Some(to), None) => Destinations::One(to.inner()),
        (None, None) => Destinations::Peer,
    };
    on_socket(id_raw, |s| encode(s.send_many(&slices, destinations)))
}

/// `sendmsg(2)` of the bytes of `bufs` as one stream write, skipping the
/// first `skip` (what an earlier call sent) and sending at most `len`: the
/// bytes sent, or a code as in [`crate::ops`]. More than [`MAX_IOVECS`]
/// buffers take one call per group, on while each group goes out whole, so
/// a short count still means a full socket buffer.
///
/// # Safety
/// Each of `bufs` must be live bytes nobody writes during the call.
pub(crate) unsafe fn send_vectored(id_raw: f64, bufs: &[RawBuf], skip: usize, len: usize) -> i32 {
    let (mut skip, mut left) = (skip, len);
    let mut slices: SmallVec<[IoSlice; INLINE_BUFFERS]> = SmallVec::with_capacity(bufs.len());
    for &RawBuf { ptr, len: buf_len } in bufs {
        if skip >= buf_len {
            skip -= buf_len;
            continue;
        }
        let take = (buf_len - skip).min(left);
        if take == 0 {
            break;
        }
        // SAFETY: bytes `skip..skip + take` of a live buffer (the
        // contract), only read, for this synchronous call.
        slices.push(IoSlice::new(unsafe { slice(ptr.add(skip), take) }));
        skip = 0;
        left -= take;
    }
    on_socket(id_raw, |s| {
        let mut sent = 0;
        for group in slices.chunks(MAX_IOVECS) {
            let want: usize = group.iter().map(|b| b.len()).sum();
            match s.send_vectored(group) {
                Ok(n) => {
                    sent += n;
                    if n < want {
                        break;
                    }
                }
                Err(err) if sent == 0 => return encode_error(err),
                // Reported by the next call, which starts where this failed.
                Err(_) => break,
            }
        }
        encode(Ok(sent))
    })
}

/// The most buffers one `sendmsg(2)` takes (`IOV_MAX` is 1024 on Linux and
/// the BSDs).
const MAX_IOVECS: usize = 1024;
