//! The blocking driver, over `embedded_io::{Read, Write}`: for bare-metal loops and Linux.
//!
//! It runs the same sans-IO exchange as the async driver; each call sends its command and reads
//! the port until its answer (and result line) came or its timeout passed. Unsolicited events
//! that arrive meanwhile are queued for [`Modem::poll_event`].
//!
//! The port's `read` must not block forever: it should return an error of kind
//! [`TimedOut`](embedded_io::ErrorKind::TimedOut) (or `Interrupted`) when nothing arrived for a
//! while (a few milliseconds to a few hundred), so that timeouts can be checked. A read that
//! returns 0 bytes is taken for the end of the port (a USB modem unplugged), like any other
//! error: the link is then down, and every operation fails with that error until the driver is
//! built again. On a microcontroller, wrap a port that implements
//! [`ReadReady`](embedded_io::ReadReady) in [`Polling`].

mod modem;
mod mqtt;
mod network;
mod polling;

pub use modem::Modem;
pub use polling::Polling;
