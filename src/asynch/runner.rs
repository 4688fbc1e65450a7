//! The runner: owns the receive side of the port and feeds what it reads to the exchange.

use core::future::poll_fn;
use core::task::Poll;

use embassy_time::Instant;
use embedded_io_async::Read;

use super::shared::{Rx, Shared};
use crate::error::Error;
use crate::proto::link;

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
    /// Reads from the module and feeds what it says to the driver, for as long as the link
    /// lives: it returns only when the link is dead.
    ///
    /// A failed read is transient (a UART's framing, parity, break or overrun error): it is
    /// reported by [`Event::LinkError`](crate::Event::LinkError), whatever was being received is
    /// dropped, and reading goes on. End of file, an error that says the link is gone, or
    /// [`Config::dead_after_errors`](crate::Config::dead_after_errors) errors in a row mean the
    /// link is dead: `run` returns the port's error ([`Error::Io`]; end of file is
    /// [`BrokenPipe`](embedded_io::ErrorKind::BrokenPipe)), and every operation waiting, every
    /// [`next_event`](super::Control::next_event) and every later call ends at once with that
    /// error, until the driver is built again with [`new`](super::new) (which starts the
    /// [`State`](super::State) afresh).
    ///
    /// After it returned, every later call of `run` stays pending for ever: a task that runs it
    /// in a loop cannot spin. Log the error once, then rebuild the driver (or wait):
    ///
    /// ```ignore
    /// loop {
    ///     let error = runner.run().await; // pending for ever on a later call
    ///     defmt::error!("modem link dead: {}", error);
    /// }
    /// ```
    ///
    /// While the application holds no message the runner never stops reading; while the
    /// receive buffer is full of kept data (an answer or messages not yet taken), it waits,
    /// and the port's own buffering applies back-pressure. An operation whose own answer fills
    /// the buffer could then wait only for its timeout: it ends at once, as the blocking
    /// driver's does.
    ///
    /// Cancel-safe: dropping the future between reads loses nothing; bytes are only taken from
    /// the port by a read that completes.
    pub async fn run(&mut self) -> Error {
        if self.shared.with(|x| x.link_error()).is_some() {
            // The link died, and a call before said so: nothing more will ever come.
            core::future::pending::<()>().await;
        }
        let mut chunk = [0u8; CHUNK];
        loop {
            let space = poll_fn(|cx| {
                let space = self.rx.borrow().space();
                if space > 0 {
                    return Poll::Ready(space);
                }
                self.shared.register_runner(cx);
                // Another task may take held messages meanwhile.
                if self.rx.borrow().blocked(true) {
                    self.shared.with(|x| x.input_blocked());
                }
                Poll::Pending
            })
            .await;
            let want = chunk.get_mut(..space.min(CHUNK)).unwrap_or(&mut []);
            let read = match self.reader.read(want).await {
                Ok(n) => Ok(chunk.get(..n).unwrap_or(&[])),
                Err(e) => Err(embedded_io::Error::kind(&e)),
            };
            let fed = self
                .shared
                .with_rx(self.rx, |x, rx| link::on_read(x, rx, read, Instant::now()));
            if let Err(e) = fed {
                return e;
            }
        }
    }
}
