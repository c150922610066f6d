//! OS specifics, one file per OS family, as in mio and socket2.

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::*;
#[cfg(unix)]
mod options_unix;
#[cfg(unix)]
pub use options_unix::*;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::*;
#[cfg(windows)]
mod options_windows;
#[cfg(windows)]
pub use options_windows::*;
