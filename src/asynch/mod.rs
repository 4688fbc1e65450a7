//! The async driver, in the embassy style: a [`State`] in a static, a [`Runner`] task that owns
//! the receive side, and a [`Client`] whose `&self` methods any task may call.
//!
//! The port comes as separate read and write halves ([`new`], what embassy's
//! `BufferedUart::split` gives) or as one `Read + Write` value ([`new_duplex`]).

mod client;
mod duplex;
mod events;
pub(crate) use events::queued_event;
mod mqtt;
mod network;
mod runner;
pub(crate) mod shared;
mod state;

use embassy_sync::mutex::Mutex;

pub use client::Client;
pub use duplex::{new_duplex, Duplex, DuplexState, DUPLEX_PIPE};
pub use mqtt::Broker;
pub use runner::Runner;
pub use state::State;

use crate::config::Config;

/// Makes the runner and the client from separate read and write halves of the port (what
/// embassy's `BufferedUart::split` gives).
pub fn new<'d, R, W, const N: usize>(
    state: &'d mut State<N>,
    reader: R,
    writer: W,
    config: Config,
) -> (Runner<'d, R>, Client<'d, W>)
where
    R: embedded_io_async::Read,
    W: embedded_io_async::Write,
{
    let state: &'d State<N> = state;
    let rx: &'d shared::Rx = &state.rx;
    (
        Runner {
            shared: &state.shared,
            rx,
            reader,
        },
        Client {
            shared: &state.shared,
            rx,
            writer: Mutex::new(writer),
            ops: [Mutex::new(()), Mutex::new(())],
            config: core::cell::Cell::new(config),
        },
    )
}
