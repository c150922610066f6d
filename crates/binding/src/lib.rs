//! napi-rs binding of `socket2-core`: thin functions over the per-environment
//! [`Reactor`](socket2_core::Reactor), plus the driver that wakes JavaScript
//! when the poller has events.
//!
//! Data path: `index.ts` → these functions (sockets are passed as numeric ids,
//! buffers as borrowed `Uint8Array`s) → `socket2_core` → the system call.
//! Readiness comes back through [`driver`] as a batch written into a shared
//! `Uint32Array` and one call into JavaScript per batch.

#![deny(clippy::undocumented_unsafe_blocks)]
// napi-rs registers exports only outside `cfg(test)`, so a test build (as
// `cargo clippy --all-targets` makes) sees them unused.
#![cfg_attr(test, allow(dead_code))]

mod addr;
mod batch;
mod constants;
mod datagram;
mod driver;
mod hot;
mod ops;
mod options;
mod pressure;
mod state;
mod transfer;
