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

pub use control::Control;
pub use duplex::{new_duplex, Duplex, DuplexState, DuplexWriter, DUPLEX_PIPE};
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
    parts(state, reader, |_| writer, config)
}

/// [`new`], with the write half made from the state the runner and the handle share.
fn parts<'d, R, W, const N: usize>(
    state: &'d mut State<N>,
    reader: R,
    writer: impl FnOnce(&'d shared::Shared) -> W,
    config: Config,
) -> (Runner<'d, R>, Control<'d, W>) {
    state.reset(config);
    let state: &'d State<N> = state;
    let shared = &state.shared;
    let rx: &'d shared::Rx = &state.rx;
    (
        Runner { shared, rx, reader },
        Control {
            shared,
            rx,
            writer: core::cell::RefCell::new(writer(shared)),
        },
    )
}
