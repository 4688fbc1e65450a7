//! Who must look again after the exchange changed: one flag per party that may wait.

use crate::types::ClientId;

/// Whom to wake. The async driver keeps one named waker per field; the blocking driver, which
/// has no one to wake, ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Wake {
    /// The operation holding the AT channel (a final result, the prompt, settling).
    pub(crate) channel: bool,
    /// The operation of client 1 waiting for its result line.
    pub(crate) client_one: bool,
    /// The operation of client 2 waiting for its result line.
    pub(crate) client_two: bool,
    /// The data-call operation waiting for `+MIPCALL:`.
    pub(crate) call: bool,
    /// Whoever waits for events.
    pub(crate) events: bool,
}

impl Wake {
    /// Everyone.
    pub(crate) const ALL: Wake = Wake {
        channel: true,
        client_one: true,
        client_two: true,
        call: true,
        events: true,
    };

    /// Adds the operation of client `id`.
    pub(crate) fn client(&mut self, id: ClientId) {
        match id {
            ClientId::One => self.client_one = true,
            ClientId::Two => self.client_two = true,
        }
    }
}

/// Which waker an operation waits on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiter {
    /// The AT channel.
    Channel,
    /// Client `id`'s result line.
    Result(ClientId),
    /// The data call.
    Call,
    /// Events.
    Events,
}
