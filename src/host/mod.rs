//! Ready-made ports for Linux (and other Unix) hosts, for the blocking driver: a serial device
//! (a tty such as `/dev/ttyUSB2`, or a pseudo-terminal) and a TCP link to one (ser2net, QEMU's
//! `-serial tcp:`). Feature `std`.
//!
//! Both implement [`embedded_io::Read`] and [`embedded_io::Write`] the way
//! [`blocking::Modem`](crate::blocking::Modem) expects (see [`blocking`](crate::blocking)):
//!
//! - a read waits at most its read timeout (default [`READ_TIMEOUT`]) for a byte and then
//!   fails with an error of kind [`TimedOut`](std::io::ErrorKind::TimedOut), which embedded-io
//!   sees as [`embedded_io::ErrorKind::TimedOut`]; it never returns `Ok(0)` because nothing
//!   arrived;
//! - a read returns `Ok(0)` only at a real end of file (the peer closed the TCP connection),
//!   and a tty that hung up (the other side of a pseudo-terminal closed, a USB device
//!   unplugged) fails with [`BrokenPipe`](std::io::ErrorKind::BrokenPipe); the driver reports
//!   both as `Error::Io(BrokenPipe)`.
//!
//! A `std::net::TcpStream` with a read timeout, wrapped in `embedded-io-adapters`' `FromStd`,
//! does not do this: its timeout comes as `WouldBlock`, which embedded-io maps to `Other`, and
//! the driver stops at the first quiet moment. Use [`TcpPort`] instead.
//!
//! ```no_run
//! use fibocom_mqtt::blocking::Modem;
//! use fibocom_mqtt::host::SerialPort;
//! use fibocom_mqtt::Config;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let port = SerialPort::open("/dev/ttyUSB2", 115_200)?;
//! let mut modem = Modem::<_, 1536>::new(port, Config::default());
//! modem.start()?;
//! # Ok(()) }
//! ```
//!
//! # Async
//!
//! The async driver needs no port of this module: its runner waits for bytes without timeouts.
//! With tokio, wrap the halves of a `tokio::net::TcpStream` in
//! `embedded_io_adapters::tokio_1::FromTokio` (crate `embedded-io-adapters`, feature
//! `tokio-1`), as `examples/host_tokio.rs` does. The driver's futures are not `Send`: run them
//! on one thread (a current-thread runtime, with a `LocalSet` for spawned tasks).

use std::time::Duration;

#[cfg(unix)]
mod serial;
mod tcp;

#[cfg(unix)]
pub use serial::{OpenError, SerialPort};
pub use tcp::TcpPort;

/// How long a read of a [`SerialPort`] or a [`TcpPort`] waits for a byte by default before it
/// reports `TimedOut`: short enough for the driver to check its deadlines often, long enough
/// not to spin.
pub const READ_TIMEOUT: Duration = Duration::from_millis(50);

/// An `std::io::Error` saying the read timed out.
fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "nothing arrived in time")
}
