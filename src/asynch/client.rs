//! The client handle: the machinery every operation shares (the AT channel, the answer, the
//! result line, and staying in step when an operation is dropped or times out).

use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::{Context, Poll};

use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_time::{Duration, TimeoutError, Timer};
use embedded_io_async::Write;

use super::shared::{Rx, Shared};
use crate::codec::line::Line;
use crate::codec::{Command, ResultOf};
use crate::config::Config;
use crate::error::{ConnState, Error};
use crate::proto::machine::Wake;
use crate::proto::op::Op;
use crate::types::ClientId;

/// The handle the application calls. Its methods take `&self`: share it between tasks of the
/// runner's executor (for example from a `StaticCell`).
///
/// One command line is on the AT channel at a time; operations of the two module clients
/// interleave while they wait for their result lines.
///
/// Operations that return no answer (`open`, `close`, `subscribe`, `publish`, `set_user`,
/// `ping`, `detach`, ...) are plain functions returning `impl Future`: they all return the same
/// future, so a firmware that awaits many of them carries one state machine for all, not one
/// per operation. As with an `async fn`, nothing happens until the future is polled: arguments
/// are checked when the operation's turn comes (on the first poll, unless an operation of the
/// same module client still waits for its result line), before a byte is sent.
pub struct Client<'d, W> {
    pub(crate) shared: &'d Shared,
    pub(crate) rx: &'d Rx,
    pub(crate) writer: Mutex<NoopRawMutex, W>,
    pub(crate) ops: [Mutex<NoopRawMutex, ()>; 2],
    pub(crate) config: core::cell::Cell<Config>,
}

/// `f` polled until it is ready, for at most `timeout`: `embassy_time::with_timeout` over a
/// `poll_fn`, without a future of its own around them.
#[inline(always)]
fn with_timeout<T>(
    timeout: Duration,
    mut f: impl FnMut(&mut Context<'_>) -> Poll<T>,
) -> impl Future<Output = Result<T, TimeoutError>> {
    let mut timer = Timer::after(timeout);
    poll_fn(move |cx| match f(cx) {
        Poll::Ready(v) => Poll::Ready(Ok(v)),
        Poll::Pending => Pin::new(&mut timer).poll(cx).map(|()| Err(TimeoutError)),
    })
}

pub(crate) fn io<E: embedded_io::Error>(e: E) -> Error {
    Error::Io(e.kind())
}

/// Undoes the bookkeeping of a command if its operation ends early (error, timeout, drop).
struct CommandGuard<'a> {
    shared: &'a Shared,
    rx: &'a Rx,
    /// The command line is being written: if dropped now, part of it may have gone out.
    writing: bool,
    data_left: Option<u16>,
    armed: bool,
}

impl Drop for CommandGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let (data_left, writing) = (self.data_left, self.writing);
            self.shared.with(|m| {
                m.abandon(data_left);
                m.partial_line |= writing;
            });
        }
        // Dropped while the command holds the channel (the guard is made after the channel's
        // lock, so dropped before it): the kept answer, if any, is this command's, and no one
        // else waits to settle (only the holder of the channel does).
        if let Ok(mut rx) = self.rx.try_borrow_mut() {
            rx.release_answer();
        }
        self.shared.wake_runner();
    }
}

/// What an operation waits for after its command's final result.
#[derive(Clone, Copy)]
enum After {
    /// Nothing.
    Nothing,
    /// The client's result line, this long.
    Result(ClientId, Duration),
    /// The data call's `+MIPCALL:` line saying it is up (`true`) or down, this long.
    Call(bool, Duration),
}

/// Gives up waiting for what comes after the final result if the operation ends early.
struct AfterGuard<'a> {
    shared: &'a Shared,
    after: After,
    armed: bool,
}

impl Drop for AfterGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            let after = self.after;
            self.shared.with(|m| match after {
                After::Result(id, _) => m.abandon_result(id),
                After::Call(..) => {
                    m.call.pending = false;
                    m.call.outcome = None;
                }
                After::Nothing => {}
            });
        }
    }
}

/// Reads a collecting command's kept answer while the command holds the channel: the answer's
/// bytes, and whether the module answered `OK`.
pub(crate) type Reader<'r> = &'r mut dyn FnMut(&[u8], bool);

impl<'d, W: Write> Client<'d, W> {
    /// The settings in force.
    pub fn config(&self) -> Config {
        self.config.get()
    }

    /// Changes the settings; operations started from now on use them.
    pub fn set_config(&self, config: Config) {
        self.config.set(config);
    }

    /// The state of client `id`, as the driver tracks it.
    pub fn state(&self, id: ClientId) -> ConnState {
        self.shared.with(|m| m.client(id).state).unwrap_or_default()
    }

    /// Sends `line` as `op` and waits for its final result (and, for a data publish, sends the
    /// payload after the prompt). A collecting op's kept answer is read by `reader` before the
    /// channel is released, also when the module answered `ERROR`; the result is then the
    /// module's verdict.
    // Not an `async fn`: an async block does not copy its captures when first polled.
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn transact_line<'a>(
        &'a self,
        line: &'a Line<'a>,
        op: Op,
        reader: Option<Reader<'a>>,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        async move {
            line.check()?;
            let mut w = self.writer.lock().await;
            if self.shared.with(|m| core::mem::take(&mut m.partial_line)) == Some(true) {
                // A command line was cut short by a dropped operation: end it, so that the module
                // answers it (with the final result counted as owed) and reads ours afresh.
                w.write_all(b"\r").await.map_err(io)?;
                w.flush().await.map_err(io)?;
            }
            // Wait for the answers owed to abandoned commands, so that none is taken for ours. A
            // module left in data mode by an abandoned data publish gets NUL bytes for the rest.
            let unsettled = self
                .shared
                .with(|m| (!m.settled()).then(|| m.settle_limit(&self.config.get())))
                .flatten();
            if let Some(mut limit) = unsettled {
                let mut filled = false;
                loop {
                    let settled = with_timeout(limit, |cx| {
                        self.shared
                            .poll(cx, Wake::SETTLE, |m| m.settled().then_some(()))
                    })
                    .await;
                    if settled.is_ok() {
                        break;
                    }
                    match self.shared.with(|m| m.take_filler()).flatten() {
                        Some(n) if !filled => {
                            crate::log::note("completing an abandoned data publish with NUL bytes");
                            for chunk in crate::proto::filler(n) {
                                w.write_all(chunk).await.map_err(io)?;
                            }
                            w.flush().await.map_err(io)?;
                            // Then the final result it brings, once more.
                            limit = self.config.get().answer_timeout;
                            filled = true;
                        }
                        _ => {
                            self.shared.with(|m| m.force_settle());
                            break;
                        }
                    }
                }
            }
            self.shared
                .with(|m| m.begin(op))
                .unwrap_or(Err(Error::UnexpectedAnswer))?;
            let mut guard = CommandGuard {
                shared: self.shared,
                rx: self.rx,
                writing: true,
                data_left: None,
                armed: true,
            };
            // Checked above. The line, piece by piece, and for a data publish the payload after the
            // prompt, go through one byte-exact write loop; one wait takes the prompt or the final
            // result.
            let payload = line.data();
            let mut num = [0u8; 10];
            let mut pieces = line.pieces(self.config.get().line_end);
            let mut rest: &[u8] = &[];
            let done = loop {
                loop {
                    if rest.is_empty() {
                        match pieces.next(&mut num) {
                            // An empty piece (an empty string) is passed over.
                            Some(piece) => {
                                rest = piece;
                                continue;
                            }
                            None => break,
                        }
                    }
                    let n = w.write(rest).await.map_err(io)?;
                    if n == 0 {
                        return Err(Error::Io(embedded_io::ErrorKind::WriteZero));
                    }
                    rest = rest.get(n..).unwrap_or(&[]);
                    if guard.data_left.is_some() {
                        // Byte-exact progress: if dropped part-way, exactly what is left is owed.
                        guard.data_left = u16::try_from(rest.len()).ok();
                    }
                }
                let prompt = guard.writing && payload.is_some();
                guard.writing = false;
                w.flush().await.map_err(io)?;
                if prompt {
                    crate::log::command(line, self.config.get().line_end);
                    guard.data_left = payload.and_then(|p| u16::try_from(p.len()).ok());
                } else if guard.data_left.take().is_some() {
                    crate::log::tx(payload.unwrap_or(&[]));
                } else {
                    crate::log::command(line, self.config.get().line_end);
                }
                let config = self.config.get();
                let timeout = if prompt {
                    config.prompt_timeout
                } else {
                    config.answer_timeout
                };
                let got = with_timeout(timeout, |cx| {
                    self.shared.poll(cx, Wake::COMMAND, |m| {
                        if prompt && m.prompted() {
                            Some(None)
                        } else {
                            m.take_done().map(Some)
                        }
                    })
                })
                .await;
                match got {
                    Err(_) if prompt => return Err(Error::PromptTimeout),
                    Err(_) => return Err(Error::AnswerTimeout),
                    // The prompt: the payload goes next.
                    Ok(None) => rest = payload.unwrap_or(&[]),
                    // The final result instead of the prompt is an error.
                    Ok(Some(done)) if prompt => break done.and(Err(Error::UnexpectedAnswer)),
                    Ok(Some(done)) => break done,
                }
            };
            guard.armed = false;
            if let Some(read) = reader {
                match self.rx.try_borrow() {
                    Ok(rx) => read(rx.answer(), done.is_ok()),
                    Err(_) => return Err(Error::UnexpectedAnswer),
                }
            }
            done
        }
    }

    /// Sends `cmd` as `op` and waits for its final result and, when `op` has one, for what
    /// comes after it: a client's result line (holding the client's operation lock meanwhile)
    /// or the data call's `+MIPCALL:` line. Every operation without an answer to read returns
    /// this future, so that they all share one state machine.
    #[inline(always)]
    pub(crate) fn request<'a>(
        &'a self,
        cmd: Command<'a>,
        op: Op,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let up = matches!(cmd, Command::MipCallUp { .. });
        self.request_line(cmd.line(), op, up)
    }

    /// [`request`](Self::request) for a command's line; `up`: a data call is brought up (not
    /// hung up).
    // Not an `async fn` on purpose (see the comment in the body).
    #[allow(clippy::manual_async_fn)]
    pub(crate) fn request_line<'a>(
        &'a self,
        line: Line<'a>,
        op: Op,
        up: bool,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        // An async block rather than an `async fn`: its captures stay where they are, where an
        // `async fn` copies its arguments (the line) once more when first polled.
        async move {
            let config = self.config.get();
            let after = match op {
                Op::Async(id, ResultOf::Open) => After::Result(id, config.open_timeout),
                Op::Async(id, _) | Op::PublishData(id, _) => {
                    After::Result(id, config.result_timeout)
                }
                Op::Call => After::Call(up, config.call_timeout),
                _ => After::Nothing,
            };
            let _op = match after {
                After::Result(id, _) => Some(self.ops_lock(id).lock().await),
                _ => None,
            };
            self.transact_line(&line, op, None).await?;
            let (slot, timeout) = match after {
                After::Nothing => return Ok(()),
                After::Result(id, timeout) => (Wake::client(id), timeout),
                After::Call(_, timeout) => (Wake::CALL, timeout),
            };
            let mut guard = AfterGuard {
                shared: self.shared,
                after,
                armed: true,
            };
            let r = with_timeout(timeout, |cx| {
                self.shared.poll(cx, slot, |m| match after {
                    After::Result(id, _) => m.take_result(id),
                    After::Call(up, _) => m
                        .take_call()
                        .map(|o| o.and_then(|u| if u == up { Ok(()) } else { Err(Error::Failed) })),
                    After::Nothing => Some(Ok(())),
                })
            })
            .await
            .map_err(|_| Error::ResultTimeout)?;
            guard.armed = false;
            r
        }
    }

    fn ops_lock(&self, id: ClientId) -> &Mutex<NoopRawMutex, ()> {
        match id {
            ClientId::One => &self.ops[0],
            ClientId::Two => &self.ops[1],
        }
    }
}
