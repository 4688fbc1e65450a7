//! The protocol state: the two clients, the one command line in flight, and the matching of
//! every line the module sends to the request that caused it. Sans-IO: it is fed parsed items
//! and says whom to wake.

use super::events::{Events, Queued};
use super::op::{ClientSlot, Op};
use crate::codec::{Item, MipCall, Query, RegistrationKind, ResultOf};
use crate::error::{ConnState, Error};
use crate::types::{BreakCause, ClientId};

/// Who must look again after an item was fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Wake(u8);

impl Wake {
    /// The operation holding the AT channel (final result or prompt).
    pub(crate) const COMMAND: Wake = Wake(1);
    /// The operation of client 1 waiting for a result line.
    pub(crate) const CLIENT1: Wake = Wake(2);
    /// The operation of client 2 waiting for a result line.
    pub(crate) const CLIENT2: Wake = Wake(4);
    /// Whoever waits for events.
    pub(crate) const EVENTS: Wake = Wake(8);
    /// Operations waiting for the channel to settle.
    pub(crate) const SETTLE: Wake = Wake(16);
    /// The data-call operation.
    pub(crate) const CALL: Wake = Wake(32);

    /// No one.
    pub(crate) const NONE: Wake = Wake(0);
    /// Everyone (the module restarted).
    pub(crate) const ALL: Wake = Wake(0xff);

    /// The operation of client `id` waiting for a result line.
    pub(crate) const fn client(id: ClientId) -> Wake {
        match id {
            ClientId::One => Wake::CLIENT1,
            ClientId::Two => Wake::CLIENT2,
        }
    }

    /// Whether bit `n` (0 for [`COMMAND`](Self::COMMAND), ...) is set.
    pub(crate) fn bit(self, n: usize) -> bool {
        self.0
            .checked_shr(u32::try_from(n).unwrap_or(u32::MAX))
            .unwrap_or(0)
            & 1
            != 0
    }

    /// The number of the lowest bit set (8 when none).
    pub(crate) fn first_bit(self) -> usize {
        self.0.trailing_zeros() as usize
    }

    /// This and `w`.
    pub(crate) const fn with(self, w: Wake) -> Wake {
        Wake(self.0 | w.0)
    }

    /// Adds `w`.
    pub(crate) fn add(&mut self, w: Wake) {
        self.0 |= w.0;
    }
}

/// What the item means for the receive buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Nothing to keep.
    Nothing,
    /// The item is part of the answer of a collecting command: keep it.
    Answer,
    /// The final result of a collecting command: the answer ends where this item starts.
    AnswerEnd,
    /// A mode-0 message: keep it until the application takes it.
    Message,
}

/// The command in flight.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Inflight {
    pub(crate) op: Op,
    pub(crate) done: Option<Result<(), Error>>,
    pub(crate) prompt: bool,
}

/// The outcome of a data call (`AT+MIPCALL=1`).
#[derive(Debug, Default)]
pub(crate) struct CallSlot {
    pub(crate) pending: bool,
    /// `Ok(true)`: the call is up (its address in `ip`); `Ok(false)`: it is down.
    pub(crate) outcome: Option<Result<bool, Error>>,
    pub(crate) ip: heapless::Vec<u8, 46>,
}

/// The protocol state.
#[derive(Debug, Default)]
pub(crate) struct Machine {
    pub(crate) clients: [ClientSlot; 2],
    pub(crate) inflight: Option<Inflight>,
    /// Final results owed to abandoned commands.
    pub(crate) stale_finals: u8,
    /// An abandoned data publish: the module may prompt for this many bytes.
    pub(crate) owed_data: Option<u16>,
    /// The module prompted for the abandoned data publish.
    pub(crate) owed_prompt: bool,
    /// A message is held in the receive buffer (mode 0, or the one the read in flight got).
    pub(crate) message_held: bool,
    /// What the last `AT+MQTTREAD` got: `Some(true)` a message (held), `Some(false)` none,
    /// `None` no answer line yet.
    pub(crate) read: Option<bool>,
    /// A command line was cut short (its operation dropped while writing it): the next
    /// command is preceded by a line end.
    pub(crate) partial_line: bool,
    pub(crate) call: CallSlot,
    pub(crate) events: Events,
}

impl Machine {
    pub(crate) fn client(&self, id: ClientId) -> &ClientSlot {
        match id {
            ClientId::One => &self.clients[0],
            ClientId::Two => &self.clients[1],
        }
    }

    pub(crate) fn client_mut(&mut self, id: ClientId) -> &mut ClientSlot {
        match id {
            ClientId::One => &mut self.clients[0],
            ClientId::Two => &mut self.clients[1],
        }
    }

    /// Whether the channel is free of answers owed to abandoned commands.
    pub(crate) fn settled(&self) -> bool {
        self.stale_finals == 0 && self.owed_data.is_none()
    }

    /// How long to wait for the answers owed to abandoned commands: a module left in data mode
    /// may take its data-mode timeout to give up.
    pub(crate) fn settle_limit(&self, config: &crate::Config) -> embassy_time::Duration {
        if self.owed_data.is_some() {
            config.data_mode_timeout
        } else {
            config.answer_timeout
        }
    }

    /// After waiting in vain for a module left in data mode (it prompted for an abandoned data
    /// publish): how many NUL bytes complete its payload. The final result they bring is then
    /// owed, and the data is no longer.
    pub(crate) fn take_filler(&mut self) -> Option<u16> {
        let n = self.owed_data.filter(|_| self.owed_prompt)?;
        self.owed_data = None;
        self.owed_prompt = false;
        self.stale_finals = self.stale_finals.saturating_add(1);
        Some(n)
    }

    /// Gives up on the answers owed to abandoned commands (after waiting for them in vain).
    pub(crate) fn force_settle(&mut self) {
        self.stale_finals = 0;
        self.owed_data = None;
        self.owed_prompt = false;
    }

    /// Takes `open` as the set of connected clients, for clients with no operation under way.
    pub(crate) fn sync_open(&mut self, open: crate::types::ClientSet) {
        for id in ClientId::ALL {
            let c = self.client_mut(id);
            if c.pending.is_none() {
                c.state = if open.contains(id) {
                    ConnState::Open
                } else {
                    ConnState::Closed
                };
            }
        }
    }

    /// Starts `op`: checks the state, and marks it in flight.
    pub(crate) fn begin(&mut self, op: Op) -> Result<(), Error> {
        match op {
            Op::Configure(id) | Op::Async(id, _) | Op::PublishData(id, _) => {
                self.client_mut(id).begin(id, op)?
            }
            Op::Read(id) => {
                self.read = None;
                // The read answers one announcement, whatever comes of it; counted when it goes
                // out, so that a read dropped before then leaves the announcement waiting.
                let c = self.client_mut(id);
                c.waiting = c.waiting.saturating_sub(1);
            }
            Op::Call => {
                self.call.pending = true;
                self.call.outcome = None;
                self.call.ip.clear();
            }
            _ => {}
        }
        self.inflight = Some(Inflight {
            op,
            done: None,
            prompt: false,
        });
        Ok(())
    }

    /// The final result of the command in flight, once it came. Ends the command on the
    /// channel; on an error, undoes its effect on the client state.
    pub(crate) fn take_done(&mut self) -> Option<Result<(), Error>> {
        let inflight = self.inflight?;
        let done = inflight.done?;
        self.inflight = None;
        if done.is_err() {
            match inflight.op {
                Op::Async(id, _) | Op::PublishData(id, _) => self.client_mut(id).undo(),
                Op::Call => self.call.pending = false,
                _ => {}
            }
        }
        Some(done)
    }

    /// Whether the prompt for the data publish in flight came.
    pub(crate) fn prompted(&self) -> bool {
        self.inflight.is_some_and(|i| i.prompt)
    }

    /// The command in flight is given up (timeout or cancellation) once some of it may have
    /// reached the module. `data_left`: payload bytes the module may still expect.
    pub(crate) fn abandon(&mut self, data_left: Option<u16>) {
        let Some(inflight) = self.inflight.take() else {
            return;
        };
        if inflight.done.is_none() {
            match data_left {
                Some(n) if n > 0 => {
                    self.owed_data = Some(n);
                    // Dropped part-way through the payload: the prompt already came, so the
                    // module waits for the rest.
                    self.owed_prompt = inflight.prompt;
                }
                _ => self.stale_finals = self.stale_finals.saturating_add(1),
            }
        }
        if matches!(inflight.done, Some(Ok(()))) {
            return;
        }
        let (id, r) = match inflight.op {
            Op::Async(id, r) => (id, r),
            Op::PublishData(id, _) => (id, ResultOf::Publish),
            Op::Call => {
                self.call.pending = false;
                return;
            }
            _ => return,
        };
        let c = self.client_mut(id);
        c.undo();
        // The module may still answer OK and then send the result line.
        if let Some(s) = c.stale_mut(r) {
            *s = s.saturating_add(1);
        }
    }

    /// The result of client `id`'s operation, once it came.
    pub(crate) fn take_result(&mut self, id: ClientId) -> Option<Result<(), Error>> {
        let c = self.client_mut(id);
        let out = c.outcome.take()?;
        c.pending = None;
        Some(out)
    }

    /// Client `id`'s operation gives up waiting for its result line.
    pub(crate) fn abandon_result(&mut self, id: ClientId) {
        let c = self.client_mut(id);
        if c.outcome.take().is_some() {
            c.pending = None;
            return;
        }
        if let Some(r) = c.pending {
            if let Some(s) = c.stale_mut(r) {
                *s = s.saturating_add(1);
            }
            // With no outcome yet, nothing moved the state on since `begin`: Opening for an
            // open, Closing for a close, Open for the others. `undo` turns it back.
            c.undo();
        }
    }

    /// The data-call outcome, once it came.
    pub(crate) fn take_call(&mut self) -> Option<Result<bool, Error>> {
        let out = self.call.outcome.take()?;
        self.call.pending = false;
        Some(out)
    }

    /// Feeds one item. Says whom to wake and what the receive buffer must keep.
    pub(crate) fn feed(&mut self, item: &Item<'_>) -> (Wake, Keep) {
        let collecting = self
            .inflight
            .is_some_and(|i| i.op.collects() && i.done.is_none());
        // What an answer line of a collecting command means for the buffer.
        let answer = if collecting {
            Keep::Answer
        } else {
            Keep::Nothing
        };
        match *item {
            Item::Echo(_) => (Wake::NONE, Keep::Nothing),
            Item::Ok => self.final_result(Ok(())),
            Item::Error(code) => self.final_result(Err(Error::from(code))),
            Item::Prompt => {
                let wake = match self.inflight.as_mut() {
                    Some(i) if matches!(i.op, Op::PublishData(..)) && !i.prompt => {
                        i.prompt = true;
                        Wake::COMMAND
                    }
                    _ if self.owed_data.is_some() => {
                        self.owed_prompt = true;
                        Wake::SETTLE
                    }
                    _ => Wake::NONE,
                };
                (wake, Keep::Nothing)
            }
            Item::Result {
                command,
                client,
                status,
            } => (
                self.result_line(command, client, status == 1),
                Keep::Nothing,
            ),
            Item::Break { client, cause } => (self.on_break(client, cause), Keep::Nothing),
            Item::MessageWaiting { client, .. } => {
                let c = self.client_mut(client);
                match c.waiting.checked_add(1) {
                    Some(n) => c.waiting = n,
                    None => self.events.lost.messages = self.events.lost.messages.saturating_add(1),
                }
                (Wake::EVENTS, Keep::Nothing)
            }
            Item::Message(_) => {
                if self.message_held {
                    self.events.lost.messages = self.events.lost.messages.saturating_add(1);
                    (Wake::EVENTS, Keep::Nothing)
                } else {
                    self.message_held = true;
                    (Wake::EVENTS, Keep::Message)
                }
            }
            Item::Read(m) => self.read_answer(m.client, true),
            Item::ReadEmpty(c) => self.read_answer(c, false),
            Item::MipCall(call) => self.mipcall(call, collecting),
            Item::Registration(r) => {
                let answers = match (self.inflight.map(|i| i.op), r.kind) {
                    (Some(Op::Query(Query::Creg)), RegistrationKind::Creg)
                    | (Some(Op::Query(Query::Cgreg)), RegistrationKind::Cgreg)
                    | (Some(Op::Query(Query::Cereg)), RegistrationKind::Cereg) => r.mode.is_some(),
                    _ => false,
                };
                if answers && collecting {
                    (Wake::NONE, Keep::Answer)
                } else {
                    self.events.push(Queued::Registration(r));
                    (Wake::EVENTS, Keep::Nothing)
                }
            }
            Item::Line(b"RDY") => (self.on_restart(), Keep::Nothing),
            // An answer only a query asks for, left unparsed by the runner (the query parses
            // it): kept while a command collects, else its command was abandoned: dropped.
            Item::Line(line) if crate::codec::parse::query_only(line) => (Wake::NONE, answer),
            Item::Malformed(line) => {
                self.events.push_text(line, true);
                (Wake::EVENTS, answer)
            }
            // Only a raw or `AT+MQTTxxx?` / `=?` command's answer is made of lines the driver
            // does not know; inside any other answer (a message read, a typed query) such a
            // line is unsolicited.
            Item::Line(line)
                if !collecting || !self.inflight.is_some_and(|i| matches!(i.op, Op::Collect)) =>
            {
                self.events.push_text(line, false);
                (Wake::EVENTS, Keep::Nothing)
            }
            // Any other answer line: kept while a command collects; else no one waits for it
            // (its command was abandoned): dropped.
            _ => (Wake::NONE, answer),
        }
    }

    /// `OK` or an error.
    fn final_result(&mut self, result: Result<(), Error>) -> (Wake, Keep) {
        // A broker refusal (700-704) after OK ends the open of a client waiting for its result.
        if let Err(Error::Refused(r)) = result {
            let waiting = ClientId::ALL.into_iter().find(|&id| {
                let c = self.client(id);
                // The open's own command may still be in flight with its OK received but not
                // yet taken: the refusal then comes after OK, for the result line.
                c.pending == Some(ResultOf::Open)
                    && !self.inflight.is_some_and(|i| {
                        matches!(i.op, Op::Async(c, ResultOf::Open) if c == id) && i.done.is_none()
                    })
            });
            if let Some(id) = waiting {
                let c = self.client_mut(id);
                c.outcome = Some(Err(Error::Refused(r)));
                c.state = ConnState::Closed;
                return (Wake::client(id), Keep::Nothing);
            }
        }
        if self.stale_finals > 0 {
            self.stale_finals = self.stale_finals.saturating_sub(1);
            return (Wake::SETTLE, Keep::Nothing);
        }
        if self.owed_data.is_some() {
            // The abandoned data publish ended (the module gave up waiting for data, or got it).
            self.owed_data = None;
            self.owed_prompt = false;
            return (Wake::SETTLE, Keep::Nothing);
        }
        match self.inflight.as_mut() {
            Some(i) if i.done.is_none() => {
                i.done = Some(result);
                let keep = if i.op.collects() {
                    Keep::AnswerEnd
                } else {
                    Keep::Nothing
                };
                (Wake::COMMAND, keep)
            }
            // A final result nobody waits for: dropped.
            _ => (Wake::NONE, Keep::Nothing),
        }
    }

    fn result_line(&mut self, r: ResultOf, id: ClientId, ok: bool) -> Wake {
        let c = self.client_mut(id);
        if r == ResultOf::Close && c.absorb_close {
            c.absorb_close = false;
            // The `+MQTTCLOSE` a break may be followed by is absorbed, but if it never came, the
            // result line of a later close is that close's own.
            if c.pending != Some(ResultOf::Close) {
                return Wake::NONE;
            }
        }
        if let Some(s) = c.stale_mut(r).filter(|s| **s > 0) {
            // Late: its operation gave up. Dropped, but the state follows the module.
            *s = s.saturating_sub(1);
            if c.pending.is_none() {
                c.settle(r, ok);
            }
            return Wake::NONE;
        }
        if c.pending == Some(r) && c.outcome.is_none() {
            c.settle(r, ok);
            c.outcome = Some(if ok { Ok(()) } else { Err(Error::Failed) });
            return Wake::client(id);
        }
        if c.pending.is_none() {
            // Unexpected, but the state follows the module.
            c.settle(r, ok);
        }
        Wake::NONE
    }

    fn on_break(&mut self, id: ClientId, cause: BreakCause) -> Wake {
        let c = self.client_mut(id);
        c.state = ConnState::Closed;
        c.absorb_close = true;
        c.stale = [0; 5];
        if let Some(r) = c.pending {
            if c.outcome.is_none() {
                c.outcome = Some(if r == ResultOf::Close {
                    Ok(())
                } else {
                    Err(Error::Break(cause))
                });
            }
        }
        let mut wake = Wake::client(id).with(Wake::EVENTS);
        if let Some(i) = self.inflight.as_mut() {
            if matches!(i.op, Op::PublishData(c, _) if c == id) && !i.prompt && i.done.is_none() {
                // The prompt will not come.
                i.done = Some(Err(Error::Break(cause)));
                wake = wake.with(Wake::COMMAND);
            }
        }
        self.events.push(Queued::Break { client: id, cause });
        wake
    }

    fn on_restart(&mut self) -> Wake {
        for c in self.clients.iter_mut() {
            if c.pending.is_some() && c.outcome.is_none() {
                c.outcome = Some(Err(Error::Restarted));
            }
            *c = ClientSlot {
                pending: c.pending,
                outcome: c.outcome,
                ..ClientSlot::default()
            };
        }
        if let Some(i) = self.inflight.as_mut() {
            if i.done.is_none() {
                i.done = Some(Err(Error::Restarted));
            }
        }
        if self.call.pending && self.call.outcome.is_none() {
            self.call.outcome = Some(Err(Error::Restarted));
        }
        self.force_settle();
        self.partial_line = false;
        self.events.clear();
        self.events.push(Queued::Restarted);
        Wake::ALL
    }

    /// The answer line of `AT+MQTTREAD` for client `id`: a message, or none.
    fn read_answer(&mut self, id: ClientId, message: bool) -> (Wake, Keep) {
        let reading = self.read.is_none()
            && self
                .inflight
                .is_some_and(|i| matches!(i.op, Op::Read(c) if c == id) && i.done.is_none());
        if reading && !(message && self.message_held) {
            self.read = Some(message);
            self.message_held |= message;
            let keep = if message {
                Keep::Message
            } else {
                Keep::Nothing
            };
            return (Wake::NONE, keep);
        }
        if reading {
            // A mode-0 message is held already: this one cannot be kept.
            self.read = Some(false);
        }
        // A read answer no one waits for, or one that cannot be held: its message is lost, and
        // said so.
        self.events.lost.messages = self.events.lost.messages.saturating_add(1);
        (Wake::EVENTS, Keep::Nothing)
    }

    fn mipcall(&mut self, call: MipCall<'_>, collecting: bool) -> (Wake, Keep) {
        if collecting
            && self
                .inflight
                .is_some_and(|i| matches!(i.op, Op::Query(Query::MipCall)))
        {
            return (Wake::NONE, Keep::Answer);
        }
        let dialling = self.call.pending
            && self.call.outcome.is_none()
            && !self
                .inflight
                .is_some_and(|i| matches!(i.op, Op::Call) && i.done.is_none());
        let wake = if dialling {
            self.call.outcome = Some(match call {
                MipCall::Up(ip) => {
                    self.call.ip.clear();
                    let _ = self.call.ip.extend_from_slice(ip.get(..46).unwrap_or(ip));
                    Ok(true)
                }
                MipCall::Down => Ok(false),
            });
            Wake::CALL
        } else if matches!(call, MipCall::Down) {
            self.events.push(Queued::CallDown);
            Wake::EVENTS
        } else {
            Wake::NONE
        };
        (wake, Keep::Nothing)
    }
}
