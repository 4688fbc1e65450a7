//! The protocol state, sans-IO: per-client state machines, the one command in flight, the
//! matching of answers to requests, the event queue and the receive buffer. Both drivers (async
//! and blocking) drive this same code.

pub(crate) mod answer;
pub(crate) mod events;
pub(crate) mod machine;
pub(crate) mod op;
pub(crate) mod rx;

pub use events::{Losses, EVENT_QUEUE, TEXT_SLOT};

/// `n` NUL bytes, in chunks, to complete the payload of an abandoned data publish.
pub(crate) fn filler(n: u16) -> impl Iterator<Item = &'static [u8]> {
    const ZEROS: [u8; 32] = [0; 32];
    let mut left = usize::from(n);
    core::iter::from_fn(move || {
        let k = left.min(ZEROS.len());
        left = left.saturating_sub(k);
        (k > 0).then(|| ZEROS.get(..k).unwrap_or(&[]))
    })
}
