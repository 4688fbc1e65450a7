//! The blocking driver, over `embedded_io::{Read, Write}`: for bare-metal loops and Linux.
//!
//! It runs the same sans-IO exchange as the async driver; each call sends its command and reads
//! the port until its answer (and result line) came or its timeout passed. Unsolicited events
//! that arrive meanwhile are queued for [`Modem::poll_event`].
//!
//! # What the port must do
//!
//! The driver reads in a loop and checks its deadlines between reads, so the port's `read`:
//!
//! - **returns what arrived**, at least one byte, as soon as something did (it need not fill
//!   the buffer);
//! - **gives up after a while when nothing arrives**, with an error whose
//!   [`kind`](embedded_io::Error::kind) is [`TimedOut`](embedded_io::ErrorKind::TimedOut) (or
//!   [`Interrupted`](embedded_io::ErrorKind::Interrupted)). A few milliseconds to a few hundred
//!   is right: the driver's timeouts are only checked that often. The driver reads again at
//!   once; these errors are never reported;
//! - **returns `Ok(0)` only at a real end** (the link is gone): the link is then down
//!   (`Error::Io(BrokenPipe)`), and every operation fails with that error until the driver
//!   is built again. A port that returns 0 because nothing arrived in time stops the
//!   driver at the first quiet moment;
//! - fails with any other error kind when a read went wrong. Kinds `BrokenPipe`,
//!   `NotConnected`, `ConnectionReset` and `ConnectionAborted` take the link down at once;
//!   any other (a UART's framing, parity, break or overrun error) is transient: it is
//!   reported ([`Event::LinkError`](crate::Event::LinkError)), what was being received is
//!   dropped, and the driver reads on, until
//!   [`Config::dead_after_errors`](crate::Config::dead_after_errors) of them in a row (no
//!   byte between them) take the link down the same way (`Error::Io(kind)`). Note that
//!   `std::io::ErrorKind::WouldBlock` is such a kind: embedded-io maps it to `Other`.
//!
//! `write` and `flush` may block until the bytes are handed to the hardware.
//!
//! On Linux, use the ports of the `host` module (feature `std`): `host::SerialPort` for a tty
//! or pseudo-terminal, `host::TcpPort` for a TCP link. A `std::net::TcpStream` with a read
//! timeout wrapped in embedded-io-adapters' `FromStd` does not qualify (its timeout comes as
//! `WouldBlock`), nor does a tty set to `VMIN=0` (its timeout is a read of 0 bytes).
//!
//! On a microcontroller, wrap a port that implements [`ReadReady`](embedded_io::ReadReady) in
//! [`Polling`], which turns "nothing to read yet" into `TimedOut`.

mod modem;
mod mqtt;
mod network;
mod polling;
mod procedure;
mod tls;

pub use modem::Modem;
pub use polling::Polling;
