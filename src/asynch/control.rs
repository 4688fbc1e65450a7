//! The handle the application calls, and the one loop every operation runs: it moves bytes
//! and time between the port and the exchange, which decides everything else.
//!
//! Cancellation: an operation's future may be dropped at any await. Its guard then tells the
//! exchange, which absorbs whatever the module still sends for it (a late `OK`, result line or
//! prompt) and, if part of a command line or of its data went out, completes it before the next
//! command. So the driver stays in step whatever is dropped, whenever. Each operation's
//! documentation says what a drop means for its effect on the module.

use core::cell::RefCell;
use core::future::{poll_fn, Future};
use core::task::Poll;

use embassy_time::Instant;
use embedded_io_async::Write;

use super::shared::{Rx, Shared};
use crate::codec::line::Line;
use crate::config::Config;
use crate::error::{ConnState, Error};
use crate::proto::exchange::{Step, Ticket};
use crate::proto::op::{answered, Op, Reader};
use crate::proto::out::Chunks;
use crate::types::ClientId;

/// The handle the application calls (what embassy calls a `Control`). Its methods take `&self`:
/// share it between tasks of the runner's executor (for example from a `StaticCell`). It is not
/// `Send`: the runner and every task using it run on one executor.
///
/// One command line is on the AT channel at a time; operations of the two module clients
/// interleave while they wait for their result lines, and a second operation of the same
/// module client that has a result line (open, close, subscribe, unsubscribe, publish) waits
/// for the first to end. Which operation waits and which goes is the exchange's to say.
///
/// The operations that return no answer (`open`, `close`, `subscribe`, `publish`, `set_user`,
/// `ping`, `detach`, ...) are plain functions returning `impl Future`, all the same future. As
/// with an `async fn`, nothing happens until it is polled; arguments are checked on the first
/// poll, before a byte is sent.
pub struct Control<'d, W> {
    pub(crate) shared: &'d Shared,
    pub(crate) rx: &'d Rx,
    /// The port's write half: borrowed only by the operation that holds the AT channel, which
    /// the exchange gives to one operation at a time, so a second borrow is a bug (it panics).
    pub(crate) writer: RefCell<W>,
}

fn io_error<E: embedded_io::Error>(e: E) -> Error {
    Error::Io(e.kind())
}

/// Abandons the operation if its future is dropped (or it fails) before it is over, and
/// releases the answer kept for it, once the operation read it or gave up.
struct Guard<'a> {
    shared: &'a Shared,
    rx: &'a Rx,
    ticket: Ticket,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let ticket = &mut self.ticket;
        // On the channel, the kept answer, if any, is this command's; and a collecting
        // command's once it got the channel (not while it waited for its turn).
        let release = ticket.started() && (ticket.collects() || ticket.on_channel());
        self.shared.with(|x| x.abandon(ticket));
        if release {
            self.rx.borrow_mut().release_answer();
            self.shared.wake_runner();
        }
    }
}

impl<'d, W: Write> Control<'d, W> {
    /// The settings in force.
    pub fn config(&self) -> Config {
        self.shared.with(|x| x.config)
    }

    /// Changes the settings; operations started from now on use them.
    pub fn set_config(&self, config: Config) {
        self.shared.with(|x| x.config = config);
    }

    /// The state of module client `id`, as the driver tracks it.
    pub fn state(&self, id: ClientId) -> ConnState {
        self.shared.with(|x| x.state(id))
    }

    /// How the module reports messages, as [`start`](Self::start) left it: the configured
    /// mode, or [`ReceiveMode::Direct`](crate::ReceiveMode::Direct) (mode 0) on firmware that
    /// has no `AT+MQTTCONF` (it answered `ERROR`), where payloads holding CR or LF cannot be
    /// received. `None` before start-up and after the module restarted.
    pub fn receive_mode_in_force(&self) -> Option<crate::ReceiveMode> {
        self.shared.with(|x| x.receive_mode)
    }

    /// The last operation that failed: which command, and how (see [`Failure`](crate::Failure)).
    /// Kept until another fails, whichever task ran it: a task that awaited something since
    /// its own failure reads its client's with [`last_failure_of`](Self::last_failure_of).
    pub fn last_failure(&self) -> Option<crate::Failure> {
        self.shared.with(|x| x.failure)
    }

    /// The last operation of module client `id` that failed (its open, close, subscribe,
    /// unsubscribe, publish, user, will or read): with tasks working on the two clients, each
    /// reads its own here, whatever the other did since. Kept until another of that client's
    /// operations fails; a refusal before anything was sent (an invalid argument, a client in
    /// the wrong state) counts too.
    pub fn last_failure_of(&self, id: ClientId) -> Option<crate::Failure> {
        self.shared.with(|x| x.failure_of(id))
    }

    /// The port's error, once the runner stopped on it: every operation then fails with it.
    pub fn link_error(&self) -> Option<Error> {
        self.shared.with(|x| x.link_error())
    }

    /// Runs one operation: `line` as `op`, to its end (its final result and, for an operation
    /// that has one, its result line or `+MIPCALL:` line). Once the module answered (`OK` or
    /// an error), `reader` reads what came of it: the reply (whether a read got a message),
    /// and a collecting op's kept answer before it is released. Every operation without an
    /// answer to read returns this future as it is, so that they share one state machine.
    // The write half is held across the awaits of one write and its flush: only the operation
    // on the AT channel borrows it (see `writer`), and lets it go after each write, or when
    // it is dropped.
    #[allow(clippy::await_holding_refcell_ref)]
    pub(crate) async fn run(
        &self,
        line: Line<'_>,
        op: Op,
        reader: Option<Reader<'_>>,
    ) -> Result<(), Error> {
        {
            let line = &line;
            self.shared.with(|x| x.check(op, line))?;
            let size = line
                .data()
                .map(|d| u16::try_from(d.len()).unwrap_or(u16::MAX));
            // It waits for its turn in the exchange, which starts it.
            let mut guard = Guard {
                shared: self.shared,
                rx: self.rx,
                ticket: Ticket::new(op, size, line.name()),
            };
            loop {
                let tx = match self.wait(&mut guard.ticket).await {
                    Step::Write(tx) => tx,
                    Step::Done(r) => {
                        // The guard releases the answer.
                        if let (true, Some(read)) = (answered(&r), reader) {
                            // Only a collecting command has an answer kept for it.
                            let kept = self.rx.borrow();
                            read(if op.collects() { kept.answer() } else { &[] }, r.ok());
                        }
                        return r.map(|_| ());
                    }
                };
                // The exchange says to write only to the operation holding the AT channel,
                // which it gives to one at a time: the write half is borrowed by one writer.
                let mut w = self.writer.borrow_mut();
                // The line end in force when the command line is written ends it.
                let end = self.shared.with(|x| x.config.line_end);
                let mut num = [0u8; 10];
                let mut chunks = Chunks::new(tx, line, end);
                while let Some(chunk) = chunks.next(&mut num) {
                    let mut rest = chunk;
                    while !rest.is_empty() {
                        let n = w.write(rest).await.map_err(io_error)?;
                        if n == 0 {
                            return Err(Error::Io(embedded_io::ErrorKind::WriteZero));
                        }
                        rest = rest.get(n..).unwrap_or(&[]);
                        // Byte-exact: if dropped part-way, exactly what is left is owed.
                        self.shared.with(|x| x.wrote(tx, n, Instant::now()));
                    }
                }
                crate::log::sent(tx, line, end);
                w.flush().await.map_err(io_error)?;
                self.shared.with(|x| x.sent(tx, Instant::now()));
            }
        }
    }

    /// Waits until the exchange has a step for the operation of `ticket`: woken by input, or
    /// at its deadline.
    fn wait<'t>(&'t self, ticket: &'t mut Ticket) -> impl Future<Output = Step> + 't {
        poll_fn(move |cx| {
            let (step, deadline) = self.shared.with(|x| {
                let step = x.poll(ticket, Instant::now());
                (step, x.deadline(ticket))
            });
            if let Some(step) = step {
                return Poll::Ready(step);
            }
            self.shared.register(cx, ticket.waiter());
            // Woken at the deadline too (the time driver's queue, what a `Timer` waits on),
            // and the exchange acts on it then: one that passed was acted on by this poll.
            if let Some(deadline) = deadline {
                embassy_time_driver::schedule_wake(deadline.as_ticks(), cx.waker());
            }
            Poll::Pending
        })
    }
}
