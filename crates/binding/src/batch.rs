//! Batched and vectored calls: several datagrams in one `recvmmsg`/`sendmmsg`
//! (`recvMany`, `sendMany`), several buffers in one stream write (`sendv`).
//!
//! Buffers come as a JavaScript array of `Uint8Array`s, borrowed for the
//! call as the single-buffer calls borrow theirs. JavaScript checked them
//! (types, lengths) and passes their total length: a different total here
//! means one was detached while the call waited, answered [`DETACHED`]
//! with nothing moved. Results are numbers as in [`crate::ops`]: a count
//! (datagrams for the batches, bytes for `sendv`), [`WOULD_BLOCK`], [`CLOSED`]
//! or an error code.
//!
//! [`WOULD_BLOCK`]: crate::ops::WOULD_BLOCK
//! [`CLOSED`]: crate::ops::CLOSED

use std::io::{IoSlice, IoSliceMut};

use napi::bindgen_prelude::*;
use napi_derive::napi;
use socket2_core::socket::{empty_addr, Datagram, Destinations, BATCH_MAX as CORE_BATCH_MAX};

use crate::datagram::SockAddr;
use crate::ops::{encode, encode_error, on_socket, DETACHED};

/// The most datagrams one `recvMany`/`sendMany` moves
/// (`socket2_core::socket::BATCH_MAX`).
#[napi]
pub const BATCH_MAX: u32 = CORE_BATCH_MAX as u32;

/// `recvMany` result: the receive buffers overlap, which the kernel would
/// fill in an order nobody can rely on (and Rust may not alias).
#[napi]
pub const OVERLAPPING: i32 = i32::MIN + 4;

/// The first `count` buffers of `bufs` as raw (pointer, length) pairs, or
/// `None` when an element is not a `Uint8Array` or their total length is
/// not `total` (detached while the call waited).
fn borrow(bufs: &Array, count: u32, total: f64) -> Option<Vec<(*mut u8, usize)>> {
    let mut raw = Vec::with_capacity(count as usize);
    let mut sum = 0usize;
    for i in 0..count {
        let mut slice: Uint8ArraySlice = bufs.get(i).ok()??;
        // SAFETY: only the pointer and length are taken here, with write
        // permission for the receives; the bytes are used through slices
        // made from them, which never outlive the call.
        let bytes = unsafe { slice.as_mut() };
        sum += bytes.len();
        raw.push((bytes.as_mut_ptr(), bytes.len()));
    }
    (sum as f64 == total).then_some(raw)
}

/// True when two of the (pointer, length) ranges share a byte.
fn overlapping(raw: &[(*mut u8, usize)]) -> bool {
    let mut ranges: Vec<(usize, usize)> = raw
        .iter()
        .filter(|(_, len)| *len > 0)
        .map(|&(ptr, len)| (ptr as usize, ptr as usize + len))
        .collect();
    if !ranges.windows(2).all(|w| w[0].1 <= w[1].0) {
        ranges.sort_unstable();
    }
    ranges.windows(2).any(|w| w[0].1 > w[1].0)
}

/// `recvmmsg(2)`: up to `count` (at most [`BATCH_MAX`]) queued datagrams,
/// datagram `i` into `bufs[i]`, its length into `sizes[i]` (-1 when it was
/// longer than `bufs[i]`: truncated), its sender into `froms[i]` when
/// `froms` is given. Returns how many, [`OVERLAPPING`], [`DETACHED`], or a
/// code as `recvFrom`.
#[napi]
pub fn recv_many(
    id_raw: f64,
    bufs: Array,
    count: u32,
    total: f64,
    mut sizes: Int32ArraySlice,
    froms: Option<Array>,
) -> i32 {
    let count = count.min(BATCH_MAX);
    let Some(raw) = borrow(&bufs, count, total) else {
        return DETACHED;
    };
    if sizes.len() < raw.len() {
        return DETACHED;
    }
    if overlapping(&raw) {
        return OVERLAPPING;
    }
    let mut got = [Datagram {
        len: 0,
        truncated: false,
    }; CORE_BATCH_MAX];
    let mut senders: Vec<socket2::SockAddr> = match froms {
        Some(_) => (0..raw.len()).map(|_| empty_addr()).collect(),
        None => Vec::new(),
    };
    let received = {
        // SAFETY: each pair is a live `Uint8Array`'s bytes, which JavaScript
        // cannot touch during this synchronous call, and no two overlap
        // (checked above); the slices end with this block.
        let mut slices: Vec<IoSliceMut<'_>> = raw
            .iter()
            .map(|&(ptr, len)| IoSliceMut::new(unsafe { slice_mut(ptr, len) }))
            .collect();
        let from = froms.as_ref().map(|_| &mut senders[..]);
        on_socket(id_raw, |s| encode(s.recv_many(&mut slices, &mut got, from)))
    };
    if received <= 0 {
        return received;
    }
    // SAFETY: the receive slices are gone; `sizes` is a live `Int32Array`
    // this call alone uses.
    let sizes = unsafe { sizes.as_mut() };
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
/// `ptr..ptr + len` must be live, writable bytes nobody else uses while the
/// slice lives.
unsafe fn slice_mut<'a>(ptr: *mut u8, len: usize) -> &'a mut [u8] {
    if len == 0 {
        return &mut [];
    }
    // SAFETY: per the contract.
    unsafe { std::slice::from_raw_parts_mut(ptr, len) }
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
    sizes: Option<Int32ArraySlice>,
    to: Option<&SockAddr>,
    tos: Option<Array>,
) -> i32 {
    let count = count.min(BATCH_MAX);
    let Some(raw) = borrow(&bufs, count, total) else {
        return DETACHED;
    };
    let mut slices = Vec::with_capacity(raw.len());
    for (i, &(ptr, len)) in raw.iter().enumerate() {
        let len = match &sizes {
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
    let instances: Vec<ClassInstance<SockAddr>> = match &tos {
        Some(tos) => {
            let mut each = Vec::with_capacity(slices.len());
            for i in 0..slices.len() as u32 {
                match tos.get::<ClassInstance<SockAddr>>(i) {
                    Ok(Some(addr)) => each.push(addr),
                    _ => return encode_error(std::io::ErrorKind::InvalidInput.into()),
                }
            }
            each
        }
        None => Vec::new(),
    };
    let each: Vec<&socket2::SockAddr> = instances.iter().map(|a| a.inner()).collect();
    let destinations = match (to, &tos) {
        (_, Some(_)) => Destinations::Each(&each),
        (Some(to), None) => Destinations::One(to.inner()),
        (None, None) => Destinations::Peer,
    };
    on_socket(id_raw, |s| encode(s.send_many(&slices, destinations)))
}

/// `sendmsg(2)` of `bufs[0..count]` as one stream write, skipping the first
/// `skip` bytes (what an earlier call sent) and sending at most `len`:
/// the bytes sent. More than [`MAX_IOVECS`] buffers take one call per
/// group, on while each group goes out whole, so a short count still means
/// a full socket buffer.
#[napi]
pub fn sendv(id_raw: f64, bufs: Array, count: u32, total: f64, skip: f64, len: f64) -> i32 {
    let Some(raw) = borrow(&bufs, count, total) else {
        return DETACHED;
    };
    let (mut skip, mut left) = (skip as usize, len as usize);
    let mut slices = Vec::with_capacity(raw.len());
    for &(ptr, buf_len) in &raw {
        if skip >= buf_len {
            skip -= buf_len;
            continue;
        }
        let take = (buf_len - skip).min(left);
        if take == 0 {
            break;
        }
        // SAFETY: a live `Uint8Array`'s bytes `skip..skip + take`, only
        // read, for this synchronous call.
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
