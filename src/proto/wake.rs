//! Who must look again after the exchange changed: one flag per party that may wait.

use crate::types::ClientId;

/// Which waker an operation waits on; its value is its place among the [`WAITERS`] (its bit
/// in [`Wake`], its waker in the async driver).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Waiter {
    /// The AT channel (a final result, the prompt, settling).
    Channel,
    /// Client 1's result line.
    ResultOne,
    /// Client 2's result line.
    ResultTwo,
    /// The data call's `+MIPCALL:` line.
    Call,
    /// Events.
    Events,
    /// Operations waiting to start, for the AT channel to be free.
    Queue,
    /// Operations of client 1 with a result line waiting to start, for the client's last one
    /// to be over.
    QueueOne,
    /// The same for client 2.
    QueueTwo,
}

/// How many parties may wait.
pub(crate) const WAITERS: usize = 8;

impl Waiter {
    /// Client `id`'s result line.
    pub(crate) const fn result(id: ClientId) -> Waiter {
        match id {
            ClientId::One => Waiter::ResultOne,
            ClientId::Two => Waiter::ResultTwo,
        }
    }

    /// Client `id`'s operations waiting for its last one to be over.
    pub(crate) const fn queue(id: ClientId) -> Waiter {
        match id {
            ClientId::One => Waiter::QueueOne,
            ClientId::Two => Waiter::QueueTwo,
        }
    }
}

/// Whom to wake, one flag per [`Waiter`], in its place. The async driver keeps one waker per
/// waiter; the blocking driver, which has no one to wake, ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Wake([bool; WAITERS]);

impl Wake {
    /// Everyone.
    pub(crate) const ALL: Wake = Wake([true; WAITERS]);

    /// Adds `w`.
    pub(crate) fn add(&mut self, w: Waiter) {
        if let Some(flag) = self.0.get_mut(w as usize) {
            *flag = true;
        }
    }

    /// The flags, one per waiter in its place.
    pub(crate) fn flags(self) -> [bool; WAITERS] {
        self.0
    }
}
