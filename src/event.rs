//! What the module reports on its own: messages, connection drops, and everything else.

use crate::codec::{Message, Registration};
use crate::error::Error;
use crate::proto::Losses;
use crate::types::{BreakCause, ClientId};

/// An unsolicited event, lent to the application by `next_event` / `poll_event`.
///
/// Borrowed data (a message's topic and payload, a line's text) lives in the driver's receive
/// buffer and is valid for the call that hands it out; it is never copied through a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Event<'a> {
    /// A message arrived for a subscription.
    Message(Message<'a>),
    /// `+MQTTBREAK`: the client's connection dropped; it is closed now.
    Break {
        /// The client.
        client: ClientId,
        /// Why.
        cause: BreakCause,
    },
    /// The module restarted (it sent `RDY`): both clients are closed, echo is back on and the
    /// receive mode is back to the module's default. Run start-up again. The module has also
    /// forgotten every TLS setting and file: for MQTT over TLS, provision again with the one
    /// call `provision_tls(&setup)` (the same [`TlsSetup`](crate::TlsSetup)) before opening
    /// (the module's power-up setting is verification off; `open_tls` refuses with
    /// [`Error::TlsLost`](crate::Error::TlsLost) until then).
    Restarted,
    /// A registration report (`+CREG: <stat>` and the like).
    Registration(Registration),
    /// The data call dropped (`+MIPCALL: 0`).
    DataCallDown,
    /// Start-up closed module client `client`, which was left connected from before this run
    /// (see [`Leftover`](crate::Leftover)), and read and dropped the `messages` messages the
    /// module still held for it (announced to the earlier run, never read). They came
    /// through a connection this run did not make (another broker or user, perhaps), so
    /// they are not handed out as messages; they are counted here instead of lost silently.
    Discarded {
        /// The client.
        client: ClientId,
        /// How many messages were dropped.
        messages: u16,
    },
    /// A line the driver does not know, such as `+SIM READY` (at most
    /// [`TEXT_SLOT`](crate::proto::TEXT_SLOT) bytes of it).
    Unsolicited(&'a [u8]),
    /// A line with a known prefix that did not parse: reported, not trusted (at most
    /// [`TEXT_SLOT`](crate::proto::TEXT_SLOT) bytes of it).
    Garbled(&'a [u8]),
    /// Things were lost since the last report because the application was slow or the module
    /// sent more than the buffers hold.
    Lost(Losses),
    /// Reads of the port failed `count` times since the last report, the last with `kind`: a
    /// UART's framing, parity, break or overrun error (transient: bytes were lost or garbled
    /// where it struck). What was being received then was dropped, never half-used; the driver
    /// reads on. Too many in a row ([`Config::dead_after_errors`](crate::Config::dead_after_errors))
    /// mean the link is dead: the runner returns the error, and every waiter ends with it.
    LinkError {
        /// The last error's kind.
        kind: embedded_io::ErrorKind,
        /// How many reads failed since the last report.
        count: u16,
    },
    /// A message announced by `+MQTTMSGI` could not be read.
    ReadFailed {
        /// The client.
        client: ClientId,
        /// Why.
        error: Error,
    },
}
