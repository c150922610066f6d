//! The per-message calls, `recv`, `send` and `sendv`, as raw Node-API
//! functions.
//!
//! napi-rs's generated glue opens a borrow-tracking scope for every call with
//! a typed-array argument (thread-local bookkeeping and heap allocations); at
//! tens of thousands of messages a second that costs more than the rest of
//! the binding's share. These do exactly what the call needs: read the
//! arguments, make the system call on the borrowed bytes, return a number.
//! Every other function goes through napi-rs as usual.

use std::ffi::{c_void, CStr};
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use socket2_core::Socket;

use crate::batch::{raw_buffers, send_vectored};
use crate::ops::{encode, on_socket, DETACHED, OTHER};

/// The three arguments of both calls: socket id, bytes, length to use.
struct Args {
    id: f64,
    data: *mut u8,
    len: usize,
    /// The buffer is shorter than `maxlen`, which JavaScript checked against
    /// its length: it was detached (or shrunk) while the call waited.
    detached: bool,
}

/// The first `N` arguments of the current call, or `None` if fewer came.
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the current callback.
unsafe fn call_args<const N: usize>(
    env: sys::napi_env,
    info: sys::napi_callback_info,
) -> Option<[sys::napi_value; N]> {
    let mut argc = N;
    let mut argv = [ptr::null_mut(); N];
    // SAFETY: per the contract; `argv` holds `argc` slots.
    let status = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    (status == sys::Status::napi_ok && argc >= N).then_some(argv)
}

/// `value` as a number, or `None` if it is not one.
///
/// # Safety
/// `value` must be a value of the current callback in `env`.
unsafe fn number_arg(env: sys::napi_env, value: sys::napi_value) -> Option<f64> {
    let mut number = 0f64;
    // SAFETY: per the contract; `number` is a valid out-pointer.
    let status = unsafe { sys::napi_get_value_double(env, value, &mut number) };
    (status == sys::Status::napi_ok).then_some(number)
}

/// The data pointer and element count of `value`, a typed array of
/// `kind` (`napi_get_typedarray_info`), or `None` for anything else.
///
/// # Safety
/// `value` must be a value of the current callback in `env`.
pub(crate) unsafe fn typed_array(
    env: sys::napi_env,
    value: sys::napi_value,
    kind: sys::napi_typedarray_type,
) -> Option<(*mut c_void, usize)> {
    let mut actual = 0;
    let mut length = 0usize;
    let mut data: *mut c_void = ptr::null_mut();
    // SAFETY: per the contract; every out-pointer is a valid local.
    let status = unsafe {
        sys::napi_get_typedarray_info(
            env,
            value,
            &mut actual,
            &mut length,
            &mut data,
            ptr::null_mut(),
            ptr::null_mut(),
        )
    };
    (status == sys::Status::napi_ok && actual == kind).then_some((data, length))
}

/// `value` as a `Uint8Array`'s bytes (pointer and length), or `None`.
///
/// # Safety
/// `value` must be a value of the current callback in `env`.
unsafe fn bytes_arg(env: sys::napi_env, value: sys::napi_value) -> Option<(*mut u8, usize)> {
    // SAFETY: per the contract.
    unsafe { typed_array(env, value, sys::TypedarrayType::uint8_array) }
        .map(|(data, length)| (data.cast(), length))
}

/// Is `value` an array?
///
/// # Safety
/// `value` must be a value of the current callback in `env`.
unsafe fn is_array(env: sys::napi_env, value: sys::napi_value) -> bool {
    let mut array = false;
    // SAFETY: per the contract; `array` is a valid out-pointer.
    let status = unsafe { sys::napi_is_array(env, value, &mut array) };
    status == sys::Status::napi_ok && array
}

/// Throws a `TypeError` saying what the call expects (replacing an
/// exception a failed getter left pending). Index.ts checks arguments
/// first, so this only guards memory safety against direct callers.
///
/// # Safety
/// `env` must be the current callback's environment.
unsafe fn throw_usage(env: sys::napi_env, usage: &CStr) -> sys::napi_value {
    // SAFETY: a valid env and a NUL-terminated message.
    unsafe {
        let mut pending = ptr::null_mut();
        sys::napi_get_and_clear_last_exception(env, &mut pending);
        sys::napi_throw_type_error(env, ptr::null(), usage.as_ptr());
    }
    ptr::null_mut()
}

/// Reads `(id: number, buf: Uint8Array, maxlen: number)`; `None` for
/// anything else.
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the current callback.
unsafe fn read_args(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Args> {
    // SAFETY: per the contract.
    let [id, buf, maxlen] = unsafe { call_args(env, info) }?;
    // SAFETY: values of this call.
    let id = unsafe { number_arg(env, id) }?;
    // SAFETY: values of this call.
    let (data, length) = unsafe { bytes_arg(env, buf) }?;
    let mut maxlen_u32 = 0u32;
    // SAFETY: per the contract; a valid out-pointer.
    if unsafe { sys::napi_get_value_uint32(env, maxlen, &mut maxlen_u32) } != sys::Status::napi_ok {
        return None;
    }
    let maxlen = maxlen_u32 as usize;
    Some(Args {
        id,
        data,
        len: length.min(maxlen),
        detached: length < maxlen,
    })
}

/// Returns `value` as a JavaScript number.
///
/// # Safety
/// `env` must be the current callback's environment.
unsafe fn number(env: sys::napi_env, value: i32) -> sys::napi_value {
    let mut result = ptr::null_mut();
    // SAFETY: per the contract; `result` is a valid out-pointer.
    unsafe { sys::napi_create_int32(env, value, &mut result) };
    result
}

/// The body both calls share: reads the arguments, answers `DETACHED` for a
/// buffer that shrank, and runs `call` on the socket and the borrowed bytes
/// (a panic answers `OTHER`).
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the current callback.
unsafe fn on_bytes(
    env: sys::napi_env,
    info: sys::napi_callback_info,
    call: impl FnOnce(&Socket, &mut [u8]) -> std::io::Result<usize>,
) -> sys::napi_value {
    // SAFETY: per the contract.
    let Some(args) = (unsafe { read_args(env, info) }) else {
        // SAFETY: the callback's env.
        return unsafe {
            throw_usage(
                env,
                c"expected (id: number, buf: Uint8Array, maxlen: number)",
            )
        };
    };
    if args.detached {
        // SAFETY: the callback's env.
        return unsafe { number(env, DETACHED) };
    }
    let buf = if args.len == 0 {
        &mut [][..]
    } else {
        // SAFETY: `data` points at the typed array's `len` (clamped) bytes,
        // which JavaScript cannot touch while this synchronous call runs;
        // nothing keeps the slice past it.
        unsafe { std::slice::from_raw_parts_mut(args.data, args.len) }
    };
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        on_socket(args.id, |s| encode(call(s, buf)))
    }));
    // SAFETY: the callback's env.
    unsafe { number(env, result.unwrap_or(OTHER)) }
}

/// `recv(id, buf, maxlen)`: `recv(2)` into `buf[0..maxlen]`; see `ops.rs`
/// for what the result means.
unsafe extern "C" fn recv(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: Node passes this callback's own env and info.
    unsafe { on_bytes(env, info, |s, buf| s.recv(buf)) }
}

/// `send(id, buf, maxlen)`: `send(2)` from `buf[0..maxlen]`.
unsafe extern "C" fn send(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    // SAFETY: Node passes this callback's own env and info.
    unsafe { on_bytes(env, info, |s, buf| s.send(buf)) }
}

/// `sendv(id, bufs, count, total, skip, len)`: `sendmsg(2)` of the first
/// `count` buffers of `bufs` (whose lengths JavaScript checked add up to
/// `total`: any other sum means one was detached while the call waited),
/// from byte `skip` on and at most `len` bytes; see
/// [`send_vectored`](crate::batch::send_vectored).
unsafe extern "C" fn sendv(env: sys::napi_env, info: sys::napi_callback_info) -> sys::napi_value {
    const USAGE: &CStr =
        c"expected (id: number, bufs: Uint8Array[], count: number, total: number, skip: number, len: number)";
    // SAFETY: Node passes this callback's own env and info; the values
    // read are this call's.
    let args =
        unsafe { call_args::<6>(env, info) }.and_then(|[id, bufs, count, total, skip, len]| {
            // SAFETY: as above.
            let numbers = unsafe {
                (
                    number_arg(env, id)?,
                    number_arg(env, count)?,
                    number_arg(env, total)?,
                    number_arg(env, skip)?,
                    number_arg(env, len)?,
                )
            };
            // SAFETY: as above.
            unsafe { is_array(env, bufs) }.then_some((bufs, numbers))
        });
    let Some((bufs, (id, count, total, skip, len))) = args else {
        // SAFETY: the callback's env.
        return unsafe { throw_usage(env, USAGE) };
    };
    // SAFETY: `bufs` is an array of this call.
    let Some(raw) = (unsafe { raw_buffers(env, bufs, count as u32, total) }) else {
        // SAFETY: the callback's env.
        return unsafe { number(env, DETACHED) };
    };
    let result = std::panic::catch_unwind(|| {
        // SAFETY: each part is a live `Uint8Array`'s bytes, which JavaScript
        // cannot touch while this synchronous call runs.
        unsafe { send_vectored(id, &raw, skip as usize, len as usize) }
    });
    // SAFETY: the callback's env.
    unsafe { number(env, result.unwrap_or(OTHER)) }
}

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds `recv`, `send` and `sendv` to the module's exports (typed in `src/native.ts`).
#[napi(module_exports)]
pub fn register_hot_calls(mut exports: Object, env: Env) -> Result<()> {
    let calls: [(&str, RawCallback); 3] = [("recv", recv), ("send", send), ("sendv", sendv)];
    for (name, callback) in calls {
        let mut function = ptr::null_mut();
        // SAFETY: a valid env; `name` is passed with its length (no NUL
        // needed); `callback` has Node-API's callback signature.
        let status = unsafe {
            sys::napi_create_function(
                env.raw(),
                name.as_ptr().cast(),
                name.len() as isize,
                Some(callback),
                ptr::null_mut(),
                &mut function,
            )
        };
        if status != sys::Status::napi_ok {
            return Err(Error::from_reason(format!(
                "napi_create_function({name}) failed"
            )));
        }
        // SAFETY: `function` is the value just created in this env.
        let value = unsafe { Unknown::from_napi_value(env.raw(), function)? };
        exports.set_named_property(name, value)?;
    }
    Ok(())
}
