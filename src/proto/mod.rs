//! The protocol state, sans-IO: per-client state machines, the one command in flight, the
//! matching of answers to requests, the event queue and the receive buffer. Both drivers (async
//! and blocking) drive this same code.

pub(crate) mod answer;
pub(crate) mod events;
pub(crate) mod machine;
pub(crate) mod op;
pub(crate) mod rx;

pub use events::{Losses, EVENT_QUEUE, TEXT_SLOT};
