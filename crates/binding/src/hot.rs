//! The two per-message calls, `recv` and `send`, as raw Node-API functions.
//!
//! napi-rs's generated glue opens a borrow-tracking scope for every call with
//! a typed-array argument (thread-local bookkeeping and heap allocations); at
//! tens of thousands of messages a second that costs more than the rest of
//! the binding's share. These two do exactly what the call needs: read three
//! arguments, make the system call on the borrowed bytes, return a number.
//! Every other function goes through napi-rs as usual.

use std::ffi::c_void;
use std::ptr;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use socket2_core::Socket;

use crate::ops::{encode, on_socket};

/// The three arguments of both calls: socket id, bytes, length to use.
struct Args {
    id: f64,
    data: *mut u8,
    len: usize,
    /// The buffer is shorter than `maxlen`, which JavaScript checked against
    /// its length: it was detached (or shrunk) while the call waited.
    detached: bool,
}

/// Reads `(id: number, buf: Uint8Array, maxlen: number)`; `None` after
/// throwing a `TypeError` for anything else (index.ts checks first, so this
/// only guards memory safety against direct callers).
///
/// # Safety
/// `env` and `info` must be the ones Node passed to the current callback.
unsafe fn read_args(env: sys::napi_env, info: sys::napi_callback_info) -> Option<Args> {
    let mut argc = 3usize;
    let mut argv = [ptr::null_mut(); 3];
    let mut id = 0f64;
    let mut maxlen = 0u32;
    let mut kind = 0;
    let mut length = 0usize;
    let mut data: *mut c_void = ptr::null_mut();
    // SAFETY: per the contract; every out-pointer is a valid local, `argv`
    // holds `argc` slots.
    let ok = unsafe {
        sys::napi_get_cb_info(
            env,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            ptr::null_mut(),
        ) == sys::Status::napi_ok
            && argc >= 3
            && sys::napi_get_value_double(env, argv[0], &mut id) == sys::Status::napi_ok
            && sys::napi_get_typedarray_info(
                env,
                argv[1],
                &mut kind,
                &mut length,
                &mut data,
                ptr::null_mut(),
                ptr::null_mut(),
            ) == sys::Status::napi_ok
            && kind == sys::TypedarrayType::uint8_array
            && sys::napi_get_value_uint32(env, argv[2], &mut maxlen) == sys::Status::napi_ok
    };
    if !ok {
        // SAFETY: a valid env and NUL-terminated message; a pending
        // exception from a failed getter is simply replaced.
        unsafe {
            let mut pending = ptr::null_mut();
            sys::napi_get_and_clear_last_exception(env, &mut pending);
            sys::napi_throw_type_error(
                env,
                ptr::null(),
                c"expected (id: number, buf: Uint8Array, maxlen: number)".as_ptr(),
            );
        }
        return None;
    }
    Some(Args {
        id,
        data: data.cast(),
        len: length.min(maxlen as usize),
        detached: length < maxlen as usize,
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
        return ptr::null_mut();
    };
    if args.detached {
        // SAFETY: the callback's env.
        return unsafe { number(env, crate::ops::DETACHED) };
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
    unsafe { number(env, result.unwrap_or(crate::ops::OTHER)) }
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

type RawCallback = unsafe extern "C" fn(sys::napi_env, sys::napi_callback_info) -> sys::napi_value;

/// Adds `recv` and `send` to the module's exports (typed in `src/native.ts`).
#[napi(module_exports)]
pub fn register_hot_calls(mut exports: Object, env: Env) -> Result<()> {
    let calls: [(&str, RawCallback); 2] = [("recv", recv), ("send", send)];
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
