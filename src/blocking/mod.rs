//! The blocking driver, over `embedded_io::{Read, Write}`: for bare-metal loops and Linux.
//!
//! It drives the same protocol state as the async driver; each call sends its command and reads
//! the port until its answer (and result line) came or its timeout passed. Unsolicited events
//! that arrive meanwhile are queued for [`Client::poll_event`].
//!
//! The port's `read` must not block forever: it should return an error of kind
//! [`TimedOut`](embedded_io::ErrorKind::TimedOut) (or `Interrupted`) when nothing arrived for a
//! while (a few milliseconds to a few hundred), so that timeouts can be checked. A serial port on
//! Linux opened with a read timeout does this; on a microcontroller, wrap a port that implements
//! [`ReadReady`](embedded_io::ReadReady) in [`Polling`].

mod client;
mod mqtt;
mod network;
mod polling;

pub use client::Client;
pub use polling::Polling;
