//! The runner: owns the receive side of the port and feeds what it reads to the exchange.

use core::future::poll_fn;
use core::task::Poll;

use embassy_time::Instant;
use embedded_io_async::Read;

use super::shared::{Rx, Shared};
use crate::error::Error;

/// How many bytes the runner reads at a time.
const CHUNK: usize = 64;

/// Owns the receive half of the port. Run [`Runner::run`] in a task of its own, on the same
/// executor as the tasks that use the [`Control`](super::Control).
pub struct Runner<'d, R> {
    pub(crate) shared: &'d Shared,
    pub(crate) rx: &'d Rx,
    pub(crate) reader: R,
}

impl<R: Read> Runner<'_, R> {
    /// Reads from the module and feeds what it says to the driver, until the port fails or
    /// ends.
    ///
    /// Returns the port's error ([`Error::Io`]; end of file is
    /// [`BrokenPipe`](embedded_io::ErrorKind::BrokenPipe)). The link is then down: every
    /// operation waiting, and every [`next_event`](super::Control::next_event), ends at once
    /// with that error, and so does every later call, until the driver is built again with
    /// [`new`](super::new) (which starts the [`State`](super::State) afresh).
    ///
    /// While the application holds no message the runner never stops reading; while the
    /// receive buffer is full of kept data (an answer or a message not yet taken), it waits,
    /// and the port's own buffering applies back-pressure.
    ///
    /// Cancel-safe: dropping the future between reads loses nothing; bytes are only taken from
    /// the port by a read that completes.
    pub async fn run(&mut self) -> Error {
        let mut chunk = [0u8; CHUNK];
        loop {
            if let Some(e) = self.shared.with(|x| x.link_error()) {
                return e;
            }
            let space = poll_fn(|cx| {
                let space = self.rx.borrow_mut().space();
                if space > 0 {
                    Poll::Ready(space)
                } else {
                    self.shared.register_runner(cx);
                    Poll::Pending
                }
            })
            .await;
            let want = chunk.get_mut(..space.min(CHUNK)).unwrap_or(&mut []);
            let kind = match self.reader.read(want).await {
                Ok(0) => embedded_io::ErrorKind::BrokenPipe,
                Ok(n) => {
                    let bytes = chunk.get(..n).unwrap_or(&[]);
                    self.shared.with_rx(self.rx, |x, rx| {
                        // Always all of them: the read asked for no more than the free space.
                        rx.push(bytes);
                        rx.process(x, Instant::now());
                    });
                    continue;
                }
                Err(e) => embedded_io::Error::kind(&e),
            };
            self.shared.with(|x| x.link_failed(kind));
            return Error::Io(kind);
        }
    }
}
