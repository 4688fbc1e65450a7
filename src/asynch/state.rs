//! The state the application keeps in a static.

use core::cell::RefCell;

use super::shared::Shared;
use crate::config::Config;
use crate::proto::rx::RxBuf;

/// Everything the async driver needs besides the port: keep it in a static (for example a
/// `static_cell::StaticCell`) and hand it to [`new`](super::new).
///
/// `N` is the receive buffer, which also holds the one message being handed out: at least
/// [`RX_BUFFER_MIN`](crate::RX_BUFFER_MIN) (1536) bytes to receive 1024-byte payloads on
/// 255-byte topics. Everything else is under 1 KiB (see the README's sizing section).
pub struct State<const N: usize> {
    pub(crate) shared: Shared,
    pub(crate) rx: RefCell<RxBuf<[u8; N]>>,
}

impl<const N: usize> State<N> {
    /// A fresh state.
    pub fn new() -> Self {
        State {
            shared: Shared::new(Config::default()),
            rx: RefCell::new(RxBuf::new()),
        }
    }

    /// Starts afresh with `config`.
    pub(crate) fn reset(&mut self, config: Config) {
        self.shared = Shared::new(config);
        let rx: &mut RxBuf<[u8]> = self.rx.get_mut();
        rx.clear();
    }
}

impl<const N: usize> Default for State<N> {
    fn default() -> Self {
        Self::new()
    }
}
