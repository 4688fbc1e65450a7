//! The protocol core, sans-IO: the whole exchange with the module, fed received bytes and the
//! time, saying what to write and what became of each operation. Both drivers (async and
//! blocking) only move bytes and time between the port and this; no protocol decision is made
//! anywhere else.
//!
//! - `exchange`: operations, the AT channel, deadlines, and the port's failure; what final
//!   results, the prompt and a restart do to it (`exchange/input.rs`).
//! - `feed`: what each line the module sends means.
//! - `client`, `channel`: the state of one module client, and of the AT channel.
//! - `procedure`: operations made of several commands; `startup` (start-up, which learns what
//!   the module kept from before) and `call` (the data call, and `Attach`) are two.
//! - `out`: the bytes of what the exchange says to write.
//! - `link`: what a read of the port means: transient errors, and when the link is dead.
//! - `rx`: the receive buffer, which lends held messages and kept answers.
//! - `events`: the queue of unsolicited events and the loss counters.

pub(crate) mod answer;
pub(crate) mod call;
pub(crate) mod channel;
pub(crate) mod client;
pub(crate) mod events;
pub(crate) mod exchange;
pub(crate) mod feed;
pub(crate) mod link;
pub(crate) mod op;
pub(crate) mod out;
pub(crate) mod procedure;
pub(crate) mod rx;
pub(crate) mod startup;
pub(crate) mod tls;
pub(crate) mod wake;

#[cfg(test)]
mod tests;

pub use events::{Losses, EVENT_QUEUE, TEXT_SLOT};
pub use rx::HELD_MESSAGES;
