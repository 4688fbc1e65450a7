//! The serial link's health: what a read of the port means, once, for both drivers.
//!
//! A read that fails is either transient (a UART's framing, parity, break or overrun error:
//! bytes were lost or garbled, the next read works) or the end of the link (a USB modem
//! unplugged: end of file, or an error that persists). The rule:
//!
//! - a read of 0 bytes (end of file), or an error of kind [`BrokenPipe`], [`NotConnected`],
//!   [`ConnectionReset`] or [`ConnectionAborted`] (the port itself says the link is gone),
//!   means the link is dead at once;
//! - any other error is transient: it is counted and reported
//!   ([`Event::LinkError`](crate::Event::LinkError)), the item being received is dropped (never
//!   half-used), and reading goes on;
//! - [`Config::dead_after_errors`](crate::Config::dead_after_errors) transient errors in a
//!   row, with no byte received between them, mean the link is dead too.
//!
//! [`BrokenPipe`]: ErrorKind::BrokenPipe
//! [`NotConnected`]: ErrorKind::NotConnected
//! [`ConnectionReset`]: ErrorKind::ConnectionReset
//! [`ConnectionAborted`]: ErrorKind::ConnectionAborted

use embassy_time::Instant;
use embedded_io::ErrorKind;

use super::exchange::Exchange;
use super::rx::RxBuf;
use crate::error::Error;

/// Whether an error of `kind` says by itself that the link is gone.
pub(crate) fn fatal(kind: ErrorKind) -> bool {
    matches!(
        kind,
        ErrorKind::BrokenPipe
            | ErrorKind::NotConnected
            | ErrorKind::ConnectionReset
            | ErrorKind::ConnectionAborted
    )
}

/// Feeds the outcome of one read of the port: the bytes it got (`Ok`, empty at end of file),
/// or its error. `Err` once the link is dead (it was marked so: every waiter ends with that
/// error); after a transient error, `Ok` and reading goes on.
///
/// The caller asked for no more bytes than [`RxBuf::space`], so all of them fit.
pub(crate) fn on_read(
    x: &mut Exchange,
    rx: &mut RxBuf<[u8]>,
    read: Result<&[u8], ErrorKind>,
    now: Instant,
) -> Result<(), Error> {
    let kind = match read {
        Ok([]) => ErrorKind::BrokenPipe,
        Ok(bytes) => {
            x.link.good();
            x.input_flows();
            rx.push(bytes);
            rx.process(x, now);
            return Ok(());
        }
        Err(kind) => kind,
    };
    // Whatever was being received may have lost bytes where the error struck: never used.
    rx.drop_partial();
    let limit = x.config.dead_after_errors;
    if fatal(kind) || x.link.failed(limit) {
        // The errors not reported yet led here: the dead link says it all.
        x.events.take_link_errors();
        x.link_failed(kind);
        return Err(Error::Io(kind));
    }
    crate::log::state("a read of the port failed: what was being received is dropped");
    x.events.link_error(kind);
    x.wake(super::wake::Waiter::Events);
    Ok(())
}

/// Read errors counted so far.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Health {
    /// Transient errors in a row, with no byte received between them.
    in_row: u16,
}

impl Health {
    /// Bytes came: the errors before were transient.
    fn good(&mut self) {
        self.in_row = 0;
    }

    /// One more error; whether that makes `limit` in a row (a limit of 0 counts as 1).
    fn failed(&mut self, limit: u16) -> bool {
        self.in_row = self.in_row.saturating_add(1);
        self.in_row >= limit.max(1)
    }
}
