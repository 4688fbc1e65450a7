//! The runner: owns the receive side of the port and turns bytes into progress.

use core::future::poll_fn;
use core::task::Poll;

use embedded_io_async::Read;

use super::shared::{Rx, Shared};
use crate::error::Error;

/// How many bytes the runner reads at a time.
const CHUNK: usize = 64;

/// Owns the receive half of the port. Run [`Runner::run`] in a task of its own, on the same
/// executor as the tasks that use the [`Client`](super::Client).
pub struct Runner<'d, R> {
    pub(crate) shared: &'d Shared,
    pub(crate) rx: &'d Rx,
    pub(crate) reader: R,
}

impl<R: Read> Runner<'_, R> {
    /// Reads from the module and dispatches what it says, until the port fails or ends.
    ///
    /// Returns the port's error ([`Error::Io`]); calling `run` again resumes where it stopped,
    /// nothing lost. While the application holds no message the runner never stops reading;
    /// while the receive buffer is full of kept data (an answer or a mode-0 message not yet
    /// taken), it waits, and the port's own buffering applies back-pressure.
    ///
    /// Cancel-safe: dropping the future between reads loses nothing; bytes are only taken from
    /// the port by a read that completes.
    pub async fn run(&mut self) -> Error {
        // Only the bytes a read fills are used: the chunk is zeroed once.
        let mut chunk = [0u8; CHUNK];
        loop {
            let space = poll_fn(|cx| {
                let space = self.rx.try_borrow_mut().map_or(0, |mut rx| rx.space());
                if space > 0 {
                    Poll::Ready(space)
                } else {
                    self.shared.register_runner(cx);
                    Poll::Pending
                }
            })
            .await;
            let want = chunk.get_mut(..space.min(CHUNK)).unwrap_or(&mut []);
            let n = match self.reader.read(want).await {
                Ok(0) => return Error::Io(embedded_io::ErrorKind::BrokenPipe),
                Ok(n) => n,
                Err(e) => return Error::Io(embedded_io::Error::kind(&e)),
            };
            self.ingest(chunk.get(..n).unwrap_or(&[]));
        }
    }

    fn ingest(&mut self, bytes: &[u8]) {
        let wake = {
            let (Ok(mut rx), Ok(mut m)) = (
                self.rx.try_borrow_mut(),
                self.shared.machine.try_borrow_mut(),
            ) else {
                // Cannot happen: the client borrows these only inside synchronous sections,
                // which never run while the runner does (one executor), and never across an
                // await.
                return;
            };
            // Always all of them: the read asked for no more than the free space.
            rx.push(bytes);
            rx.process(&mut m)
        };
        self.shared.wake(wake);
    }
}
