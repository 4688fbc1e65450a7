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
}

/// How many parties may wait.
pub(crate) const WAITERS: usize = 5;

impl Waiter {
    /// Client `id`'s result line.
    pub(crate) const fn result(id: ClientId) -> Waiter {
        match id {
            ClientId::One => Waiter::ResultOne,
            ClientId::Two => Waiter::ResultTwo,
        }
    }
}

/// Whom to wake, one bit per [`Waiter`]. The async driver keeps one waker per
/// waiter; the blocking driver, which has no one to wake, ignores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Wake(u8);

impl Wake {
    /// Everyone.
    pub(crate) const ALL: Wake = Wake((1 << WAITERS) - 1);

    /// Adds `w`.
    pub(crate) fn add(&mut self, w: Waiter) {
        self.0 |= 1 << w as u8;
    }

    /// Whether the waiter in place `i` (of the [`WAITERS`]) is to be woken.
    pub(crate) fn has(self, i: usize) -> bool {
        self.0 >> i & 1 != 0
    }
}
