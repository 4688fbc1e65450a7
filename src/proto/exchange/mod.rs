//! The exchange, sans-IO: operations are started on it, it says what to write and until when
//! to wait, it is fed what the module sends and the time, and it says what became of each
//! operation. Both drivers only move bytes and time between the port and this.
//!
//! An operation's life, as its driver sees it:
//!
//! 1. [`Ticket::new`] makes its ticket, and the first [`Exchange::poll`] starts it when its
//!    turn comes (see [`Exchange::start_waits`]; the driver then holds the channel, one at a
//!    time). A driver that runs one operation at a time starts it at once with
//!    [`Exchange::start`].
//! 2. [`Exchange::poll`] says what to do: write something ([`Tx`]), wait (for its turn, until
//!    [`Exchange::deadline`], or until woken by input), or it is done with its result.
//! 3. After writing, the driver says so ([`Exchange::sent`], [`Exchange::data_sent`]).
//! 4. If the operation ends early (dropped, or the port failed), [`Exchange::abandon`] leaves
//!    the exchange in step: whatever the module still owes that command is absorbed later.

mod clients;
mod failures;
mod input;
mod output;
mod ticket;

use ticket::Stage;
pub(crate) use ticket::Ticket;

use embassy_time::{Duration, Instant};
use embedded_io::ErrorKind;

use super::call::Call;
use super::channel::{Command, Owed, Phase, ReadAnswer};
use super::client::Client;
use super::events::Events;
use super::op::{Op, Reply};
use super::wake::{Waiter, Wake};

use crate::codec::AtCommand;
use crate::config::Config;
use crate::error::{ConnState, Error, Failure};
use crate::types::{ClientId, ClientSet};

/// What to write next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tx {
    /// The operation's command line.
    Line,
    /// The operation's data (after the prompt), from byte `from` on.
    Data {
        /// Where to go on from.
        from: u16,
    },
    /// A line end, to end a command line an abandoned operation cut short.
    LineEnd,
    /// This many NUL bytes, to end the data of an abandoned data command.
    Filler(u16),
}

/// What the driver of an operation does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Write this, then say so.
    Write(Tx),
    /// The operation is over.
    Done(Result<Reply, Error>),
}

/// What is ready for the application (see [`Exchange::ready`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// A queued event or a loss report.
    Event,
    /// The message held in the receive buffer.
    Message,
    /// A message announced for client `id` waits to be read with `AT+MQTTREAD`.
    Read(ClientId),
    /// The port failed: nothing more will come.
    LinkDown(Error),
}

/// The whole protocol state.
#[derive(Debug, Default)]
pub(crate) struct Exchange {
    pub(crate) config: Config,
    clients: [Client; 2],
    channel: Option<Command>,
    pub(crate) owed: Owed,
    pub(crate) call: Call,
    /// What the driver knows of the data call: up (`Some(true)`, its address in `ip`), down,
    /// or unknown.
    pub(crate) call_up: Option<bool>,
    /// The address of the last call brought up.
    pub(crate) ip: heapless::Vec<u8, 46>,
    /// The clients the answer of the operation under way listed (`+MQTTCLOSE:` after
    /// `AT+MQTTCLOSE?`, `+MQTTOPEN:` after `AT+MQTTOPEN?`; the union if it lists several times),
    /// taken as the lines come; `None` until one is. Cleared when an operation starts.
    pub(crate) listed: Option<ClientSet>,
    pub(crate) events: Events,
    /// The port failed (error or end of file): every operation fails with this.
    dead: Option<ErrorKind>,
    /// The input is [blocked](Self::input_blocked).
    blocked: bool,
    /// Read errors counted towards a dead link.
    pub(crate) link: super::link::Health,
    /// How the module reports messages, as start-up left it (`None` before start-up, and after
    /// the module restarted).
    pub(crate) receive_mode: Option<crate::types::ReceiveMode>,
    /// The last operation that failed, and its command.
    pub(crate) failure: Option<Failure>,
    /// The last operation of each client that failed, for the caller it belongs to.
    failures: [Option<Failure>; 2],
    /// Whether the TLS this driver provisioned still holds.
    pub(crate) tls: super::tls::Provisioned,
    wake: Wake,
}

pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d).unwrap_or(Instant::MAX)
}

impl Exchange {
    /// A fresh exchange with `config`.
    pub(crate) fn new(config: Config) -> Self {
        Exchange {
            config,
            ..Exchange::default()
        }
    }

    pub(crate) fn client(&self, id: ClientId) -> &Client {
        match id {
            ClientId::One => &self.clients[0],
            ClientId::Two => &self.clients[1],
        }
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> &mut Client {
        match id {
            ClientId::One => &mut self.clients[0],
            ClientId::Two => &mut self.clients[1],
        }
    }

    /// The state of client `id`.
    pub(crate) fn state(&self, id: ClientId) -> ConnState {
        self.client(id).state()
    }

    /// Whom to wake since the last call; cleared.
    pub(crate) fn take_wake(&mut self) -> Wake {
        core::mem::take(&mut self.wake)
    }

    /// Whether a message is announced and not read yet, for some client.
    pub(crate) fn announced(&self) -> Option<ClientId> {
        ClientId::ALL
            .into_iter()
            .find(|&id| self.client(id).unread())
    }

    /// The port failed (`kind`; end of file is [`ErrorKind::BrokenPipe`]): every waiting
    /// operation ends with it, and so does every later one.
    pub(crate) fn link_failed(&mut self, kind: ErrorKind) {
        if self.dead.is_none() {
            crate::log::state("the serial port failed: the link is down");
        }
        self.dead = Some(kind);
        self.wake_all();
    }

    /// Nothing more can come in: the receive buffer is full of kept data that nothing frees
    /// before the operation waiting ends ([`RxBuf::blocked`](super::rx::RxBuf::blocked)). So
    /// nothing that would end its wait can come: it ends at once, as at its deadline, in both
    /// drivers. Until bytes come in again, the command on the channel ends, or another
    /// operation starts.
    pub(crate) fn input_blocked(&mut self) {
        self.blocked = true;
        self.wake(Waiter::Channel);
    }

    /// Bytes came in: the input is not [blocked](Self::input_blocked).
    pub(crate) fn input_flows(&mut self) {
        self.blocked = false;
    }

    /// The port's error, once it failed.
    pub(crate) fn link_error(&self) -> Option<Error> {
        self.dead.map(Error::Io)
    }

    /// The kind of the port's error, once it failed.
    pub(crate) fn dead(&self) -> Option<ErrorKind> {
        self.dead
    }

    /// What `op` waits for before it can [`start`](Self::start), if anything: for an operation
    /// with a result line, its client's last one to be over (one at a time per client: the
    /// module answers only one of each kind), [`Waiter::queue`]; then the AT channel,
    /// [`Waiter::Queue`]. Nothing once the link is down, so that the start fails with the
    /// port's error. Those waiting for different things wait apart, so that they do not wake
    /// each other while they wait.
    pub(crate) fn start_waits(&self, op: Op) -> Option<Waiter> {
        if self.dead.is_some() {
            return None;
        }
        match op {
            Op::Async(id, _) if !self.client(id).idle() => Some(Waiter::queue(id)),
            _ if self.channel.is_some() => Some(Waiter::Queue),
            _ => None,
        }
    }

    /// The operation `op` is over: those waiting for the channel or for its client may start.
    fn ended(&mut self, op: Op) {
        self.wake(Waiter::Queue);
        if let Op::Async(id, _) = op {
            self.wake(Waiter::queue(id));
        }
    }

    /// Starts `op`, whose line (of command `command`) carries `data` bytes after the prompt (if
    /// any). The caller holds the AT channel until the ticket leaves it
    /// ([`Ticket::on_channel`]).
    pub(crate) fn start(
        &mut self,
        op: Op,
        data: Option<u16>,
        command: AtCommand,
    ) -> Result<Ticket, Error> {
        if let Some(e) = self.link_error() {
            return Err(e);
        }
        let mut t = Ticket::new(op, data, command);
        self.take_channel(&mut t);
        Ok(t)
    }

    /// The operation of `t` gets the AT channel.
    fn take_channel(&mut self, t: &mut Ticket) {
        assert!(self.channel.is_none(), "two operations on the AT channel");
        self.blocked = false;
        self.listed = None;
        self.channel = Some(Command {
            op: t.op,
            data: t.data,
            read: ReadAnswer::Nothing,
            phase: Phase::Settling {
                deadline: None,
                filled: false,
            },
        });
        t.stage = Stage::Channel;
        t.started = true;
    }

    /// Until when the operation of `t` waits, if it has a deadline now.
    pub(crate) fn deadline(&self, t: &Ticket) -> Option<Instant> {
        match t.stage {
            Stage::Channel => match self.channel?.phase {
                Phase::Settling { deadline, .. } => deadline,
                Phase::Prompt { deadline } | Phase::Final { deadline } => Some(deadline),
                _ => None,
            },
            Stage::Result(id) => self.client(id).deadline(),
            Stage::Call => match self.call {
                Call::Waiting { deadline, .. } => Some(deadline),
                _ => None,
            },
            Stage::Queued(_) | Stage::Over => None,
        }
    }

    /// What the driver of `t` does next at time `now`; `None`: wait for input or the deadline.
    /// An `ERROR` answer is named with its command, and a failure is also kept as the
    /// [`last failure`](Self::failure).
    ///
    /// While the input is [blocked](Self::input_blocked), every deadline has passed: the wait
    /// ends at once.
    pub(crate) fn poll(&mut self, t: &mut Ticket, now: Instant) -> Option<Step> {
        let now = if self.blocked { Instant::MAX } else { now };
        let mut step = self.step(t, now);
        if let Some(Step::Done(Err(error))) = &mut step {
            *error = self.failed(t, *error);
        }
        step
    }

    /// [`poll`](Self::poll), but for keeping the failure.
    fn step(&mut self, t: &mut Ticket, now: Instant) -> Option<Step> {
        if let Some(e) = self.link_error() {
            self.abandon(t);
            return Some(Step::Done(Err(e)));
        }
        let done = loop {
            match t.stage {
                Stage::Queued(_) => {
                    if let Some(w) = self.start_waits(t.op) {
                        t.stage = Stage::Queued(w);
                        return None;
                    }
                    self.take_channel(t);
                }
                Stage::Channel => match self.poll_channel(now)? {
                    Step::Done(Ok(Reply::Done)) => match t.op {
                        Op::Async(id, _) => t.stage = Stage::Result(id),
                        Op::Call { .. } => t.stage = Stage::Call,
                        _ => break Ok(Reply::Done),
                    },
                    Step::Done(r) => break r,
                    write => return Some(write),
                },
                Stage::Result(id) => {
                    let c = self.client_mut(id);
                    if let Some(r) = c.take_outcome() {
                        break r.map(|()| Reply::Done);
                    }
                    if c.deadline().is_some_and(|d| now >= d) {
                        c.give_up();
                        break Err(Error::ResultTimeout);
                    }
                    return None;
                }
                Stage::Call => {
                    let r = match self.call {
                        Call::Finished(r) => r,
                        Call::Waiting { deadline, .. } if now >= deadline => {
                            Err(Error::ResultTimeout)
                        }
                        Call::Waiting { .. } => return None,
                        Call::Idle => Err(Error::UnexpectedAnswer),
                    };
                    self.call = Call::Idle;
                    break r.map(|()| Reply::Done);
                }
                // Polled again after it was over: it stays over.
                Stage::Over => break Err(Error::UnexpectedAnswer),
            }
        };
        t.stage = Stage::Over;
        self.ended(t.op);
        Some(Step::Done(done))
    }

    /// The channel stage of [`poll`](Self::poll).
    fn poll_channel(&mut self, now: Instant) -> Option<Step> {
        loop {
            let Some(cmd) = self.channel.as_mut() else {
                return Some(Step::Done(Err(Error::UnexpectedAnswer)));
            };
            match cmd.phase {
                Phase::Settling { deadline, filled } => match self.owed {
                    Owed::CutLine => return Some(Step::Write(Tx::LineEnd)),
                    Owed::Nothing => {
                        let op = cmd.op;
                        if let Err(e) = self.begin(op) {
                            self.channel = None;
                            return Some(Step::Done(Err(e)));
                        }
                        if let Some(cmd) = self.channel.as_mut() {
                            cmd.phase = Phase::Line { prompted: false };
                        }
                        return Some(Step::Write(Tx::Line));
                    }
                    owed => {
                        let limit = match owed {
                            Owed::Data { .. } => self.config.data_mode_timeout,
                            _ => self.config.answer_timeout,
                        };
                        let deadline = deadline.unwrap_or_else(|| after(now, limit));
                        cmd.phase = Phase::Settling {
                            deadline: Some(deadline),
                            filled,
                        };
                        if now < deadline {
                            return None;
                        }
                        match owed {
                            Owed::Data {
                                left,
                                prompted: true,
                            } if !filled => return Some(Step::Write(Tx::Filler(left))),
                            _ => {
                                crate::log::note("no answer owed came: going on");
                                self.owed = Owed::Nothing;
                            }
                        }
                    }
                },
                // Being written: the driver says when it is out.
                Phase::Line { .. } => return None,
                Phase::Prompt { deadline } | Phase::Final { deadline } if now >= deadline => {
                    let prompt = matches!(cmd.phase, Phase::Prompt { .. });
                    self.abandon_command();
                    return Some(Step::Done(Err(if prompt {
                        Error::PromptTimeout
                    } else {
                        Error::AnswerTimeout
                    })));
                }
                Phase::Prompt { .. } | Phase::Final { .. } => return None,
                Phase::Data { left } => {
                    let size = cmd.data.unwrap_or(0);
                    return Some(Step::Write(Tx::Data {
                        from: size.saturating_sub(left),
                    }));
                }
                Phase::Done(r) => {
                    self.channel = None;
                    self.blocked = false;
                    self.wake(Waiter::Channel);
                    self.wake(Waiter::Queue);
                    return Some(Step::Done(r));
                }
            }
        }
    }

    /// The operation's command goes out: checks the state it needs, and moves it on.
    fn begin(&mut self, op: Op) -> Result<(), Error> {
        match op {
            Op::Configure(id) => self.client_mut(id).begin(id, None),
            Op::Async(id, r) => self.client_mut(id).begin(id, Some(r)),
            Op::Read(id) | Op::Discard(id) => {
                // The read answers one announcement, whatever comes of it; counted when it goes
                // out, so that a read dropped before then leaves the announcement waiting.
                self.client_mut(id).read_sent();
                Ok(())
            }
            Op::Call { .. } => {
                self.call = Call::Idle;
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The operation of `t` ends early (dropped, timed out, or its port write failed). What
    /// the module may still send for it is absorbed when it comes.
    pub(crate) fn abandon(&mut self, t: &mut Ticket) {
        self.ended(t.op);
        match core::mem::replace(&mut t.stage, Stage::Over) {
            Stage::Channel => self.abandon_command(),
            // Past its command: only its result line or `+MIPCALL:` line is still awaited.
            Stage::Result(_) | Stage::Call => self.give_up(t.op),
            Stage::Queued(_) | Stage::Over => {}
        }
    }

    /// The command on the channel is given up: what the module may still send or expect for
    /// it becomes owed, and the channel is free.
    fn abandon_command(&mut self) {
        let Some(cmd) = self.channel.take() else {
            return;
        };
        self.blocked = false;
        self.wake(Waiter::Channel);
        match cmd.phase {
            Phase::Settling { .. } | Phase::Done(Err(_)) => return,
            Phase::Line { .. } => self.owed = Owed::CutLine,
            Phase::Prompt { .. } => {
                self.owed = Owed::Data {
                    left: cmd.data.unwrap_or(0),
                    prompted: false,
                }
            }
            Phase::Data { left } => {
                self.owed = Owed::Data {
                    left,
                    prompted: true,
                }
            }
            Phase::Final { .. } => self.owed.add_final(),
            Phase::Done(Ok(_)) => {}
        }
        self.give_up(cmd.op);
    }

    /// The part of `op` that outlives its command (a result line, a `+MIPCALL:` line) is no
    /// longer awaited.
    fn give_up(&mut self, op: Op) {
        match op {
            Op::Async(id, _) => self.client_mut(id).give_up(),
            Op::Call { .. } => self.call = Call::Idle,
            _ => {}
        }
    }

    /// The command on the channel, if it awaits its final result.
    pub(crate) fn unanswered(&self) -> Option<&Command> {
        self.channel.as_ref().filter(|c| c.unanswered())
    }

    pub(crate) fn channel_mut(&mut self) -> Option<&mut Command> {
        self.channel.as_mut()
    }

    /// What is ready for the application, given whether a message is held in the receive
    /// buffer.
    pub(crate) fn ready(&self, held: bool) -> Option<Ready> {
        if !self.events.is_empty() || self.events.any_lost() {
            return Some(Ready::Event);
        }
        if held {
            return Some(Ready::Message);
        }
        if let Some(e) = self.link_error() {
            return Some(Ready::LinkDown(e));
        }
        self.announced().map(Ready::Read)
    }

    /// Wakes `w` once the change is made.
    pub(crate) fn wake(&mut self, w: Waiter) {
        self.wake.add(w);
    }

    /// Wakes everyone once the change is made.
    pub(crate) fn wake_all(&mut self) {
        self.wake = Wake::ALL;
    }
}
