//! The async driver, in the embassy style: a [`State`] in a static, a [`Runner`] task that owns
//! the receive side, and a [`Control`] whose `&self` methods any task may call.
//!
//! The port comes as separate read and write halves ([`new`], what embassy's
//! `BufferedUart::split` gives) or as one `Read + Write` value ([`new_duplex`]).
//!
//! None of these types is `Send`: the runner and the tasks that use the [`Control`] run on one
//! executor (one thread).

mod control;
mod duplex;
mod events;
mod mqtt;
mod network;
mod procedure;
mod runner;
pub(crate) mod shared;
mod state;
mod tls;

use embassy_sync::mutex::Mutex;

pub use control::Control;
pub use duplex::{new_duplex, Duplex, DuplexState, DUPLEX_PIPE};
pub use runner::Runner;
pub use state::State;

/// The traits of the port's halves, re-exported so that code generic over the port (the HAL's
/// UART in the firmware, a [`scripted`](crate#features) port in its tests) can name its bound
/// without a dependency of its own: `fn report<W: asynch::Write>(control: &Control<'_, W>)`.
pub use embedded_io_async::{Read, Write};

use crate::config::Config;

/// Makes the runner and the control handle from separate read and write halves of the port
/// (what embassy's `BufferedUart::split` gives). The state starts afresh: this is also how the
/// driver is built again after the port failed.
pub fn new<'d, R, W, const N: usize>(
    state: &'d mut State<N>,
    reader: R,
    writer: W,
    config: Config,
) -> (Runner<'d, R>, Control<'d, W>)
where
    R: embedded_io_async::Read,
    W: embedded_io_async::Write,
{
    state.reset(config);
    let state: &'d State<N> = state;
    let rx: &'d shared::Rx = &state.rx;
    (
        Runner {
            shared: &state.shared,
            rx,
            reader,
        },
        Control {
            shared: &state.shared,
            rx,
            writer: Mutex::new(writer),
            ops: [Mutex::new(()), Mutex::new(())],
        },
    )
}
