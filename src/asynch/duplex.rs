//! One `Read + Write` port shared by the runner and the handle ([`Control`](super::Control)).

use core::future::poll_fn;
use core::task::Poll;

use embassy_futures::select::{select, Either};
use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::pipe::Pipe;
use embedded_io::ErrorKind;
use embedded_io_async::{ErrorType, Read, Write};

use super::shared::Shared;
use super::{Control, Runner, State};
use crate::config::Config;
use crate::proto::wake::Waiter;

/// How many command bytes may wait between the control handle and the port.
pub const DUPLEX_PIPE: usize = 64;

/// [`State`] plus the small pipe that carries the command bytes to the runner, for a
/// port that is one `Read + Write` value (see [`new_duplex`]).
pub struct DuplexState<const N: usize> {
    state: State<N>,
    pipe: Pipe<NoopRawMutex, DUPLEX_PIPE>,
}

impl<const N: usize> DuplexState<N> {
    /// A fresh state.
    pub fn new() -> Self {
        DuplexState {
            state: State::new(),
            pipe: Pipe::new(),
        }
    }
}

impl<const N: usize> Default for DuplexState<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// The runner's side of a duplex port: it reads from the port, and writes what the control handle put
/// in the pipe whenever there is some.
pub struct Duplex<'d, P> {
    port: P,
    pipe: &'d Pipe<NoopRawMutex, DUPLEX_PIPE>,
}

impl<P: ErrorType> ErrorType for Duplex<'_, P> {
    type Error = P::Error;
}

impl<P: Read + Write> Read for Duplex<'_, P> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        loop {
            let mut out = [0u8; DUPLEX_PIPE];
            match select(self.port.read(buf), self.pipe.read(&mut out)).await {
                Either::First(r) => return r,
                Either::Second(n) => {
                    self.port.write_all(out.get(..n).unwrap_or(&[])).await?;
                    self.port.flush().await?;
                }
            }
        }
    }
}

/// The control handle's side of a duplex port: it puts command bytes in the pipe the runner
/// writes to the port. A write that waits for room while the runner is stopped on a dead link
/// ends with the port's error ([`ErrorKind`]) instead of waiting for ever.
pub struct DuplexWriter<'d> {
    pipe: &'d Pipe<NoopRawMutex, DUPLEX_PIPE>,
    shared: &'d Shared,
}

impl ErrorType for DuplexWriter<'_> {
    type Error = ErrorKind;
}

impl Write for DuplexWriter<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let shared = self.shared;
        let dead = poll_fn(|cx| match shared.with(|x| x.dead()) {
            Some(kind) => Poll::Ready(kind),
            None => {
                // Only the operation holding the AT channel writes.
                shared.register(cx, Waiter::Channel);
                Poll::Pending
            }
        });
        match select(self.pipe.write(buf), dead).await {
            Either::First(n) => Ok(n),
            Either::Second(kind) => Err(kind),
        }
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        // What is in the pipe is the runner's to write and flush.
        Ok(())
    }
}

/// Makes the runner and the control handle from one port that both reads and writes. The
/// command bytes go through a [`DUPLEX_PIPE`]-byte pipe that the runner writes to the port, so
/// the runner must be running for commands to go out (it always is in normal use).
///
/// The port's `read` must be cancel-safe (no byte lost when the read future is dropped before
/// it completes), as buffered UARTs' and TCP streams' are: the runner drops a pending read to
/// write command bytes.
pub fn new_duplex<'d, P, const N: usize>(
    state: &'d mut DuplexState<N>,
    port: P,
    config: Config,
) -> (Runner<'d, Duplex<'d, P>>, Control<'d, DuplexWriter<'d>>)
where
    P: Read + Write,
{
    let DuplexState { state, pipe } = state;
    let pipe: &'d Pipe<NoopRawMutex, DUPLEX_PIPE> = pipe;
    let writer = |shared| DuplexWriter { pipe, shared };
    super::parts(state, Duplex { port, pipe }, writer, config)
}
