//! What each item the module sends means: whom it answers, what it changes, whom to wake.

use embassy_time::Instant;

use super::channel::ReadAnswer;
use super::events::Queued;
use super::exchange::Exchange;
use super::op::Op;
use super::wake::Waiter;
use crate::codec::{Item, MipCall, Query, RegistrationKind};
use crate::error::Error;
use crate::types::ClientId;

/// What the receive buffer does with the item just fed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keep {
    /// Nothing to keep.
    Nothing,
    /// The item is part of the answer of a collecting command: keep it.
    Answer,
    /// The final result of a collecting command: the answer ends where this item starts.
    AnswerEnd,
    /// A message (mode 0, or the one a read got): hold it until the application takes it.
    Message,
}

impl Exchange {
    /// Feeds one item received at `now`; `held`: how many messages the receive buffer holds
    /// already. Says what the receive buffer keeps; whom to wake is in
    /// [`take_wake`](Exchange::take_wake).
    pub(crate) fn handle(&mut self, item: &Item<'_>, now: Instant, held: usize) -> Keep {
        let collecting = self.unanswered().filter(|c| c.op.collects()).map(|c| c.op);
        // What an answer line of a collecting command means for the buffer.
        let answer = if collecting.is_some() {
            Keep::Answer
        } else {
            Keep::Nothing
        };
        match *item {
            Item::Echo(_) => Keep::Nothing,
            Item::Ok => self.final_keep(Ok(()), now),
            Item::Error(code) => self.final_keep(Err(Error::from(code)), now),
            Item::Prompt => {
                self.prompt();
                Keep::Nothing
            }
            Item::Result {
                command,
                client,
                status,
            } => {
                if self.client_mut(client).result_line(command, status == 1) {
                    self.wake(Waiter::result(client));
                }
                Keep::Nothing
            }
            Item::Break { client, cause } => {
                crate::log::state("a client's connection dropped");
                if self.client_mut(client).on_break(cause) {
                    self.wake(Waiter::result(client));
                }
                // A data publish of that client waiting for its prompt: it will not come.
                if let Some(cmd) = self.channel_mut() {
                    if matches!(cmd.op, Op::Async(c, _) if c == client)
                        && cmd.data.is_some()
                        && matches!(
                            cmd.phase,
                            super::channel::Phase::Line { prompted: false }
                                | super::channel::Phase::Prompt { .. }
                        )
                    {
                        cmd.phase = super::channel::Phase::Done(Err(Error::Break(cause)));
                        self.wake(Waiter::Channel);
                    }
                }
                self.event(Queued::Break { client, cause });
                Keep::Nothing
            }
            Item::MessageWaiting { client, .. } => {
                if self.client_mut(client).announced() {
                    self.wake(Waiter::Events);
                } else {
                    self.lost_message();
                }
                Keep::Nothing
            }
            Item::Message(_) => {
                // Back to back, they wait in the receive buffer in order, as many as it holds.
                if held >= super::rx::HELD_MESSAGES {
                    self.lost_message();
                    Keep::Nothing
                } else {
                    self.wake(Waiter::Events);
                    Keep::Message
                }
            }
            Item::Read(m) => self.read_answer(m.client, true, held > 0),
            Item::ReadEmpty(c) => self.read_answer(c, false, held > 0),
            Item::MipCall(call) => {
                let ip = match call {
                    MipCall::Up(ip) => Some(ip),
                    MipCall::Down => None,
                };
                if collecting == Some(Op::Query(Query::MipCall)) {
                    self.learn_call(ip);
                    return Keep::Answer;
                }
                if !self.call_line(ip) && ip.is_none() {
                    crate::log::state("the data call went down");
                    self.event(Queued::CallDown);
                }
                Keep::Nothing
            }
            Item::Registration(r) => {
                // The query's answer has the mode; an unsolicited report has none.
                let query = match r.kind {
                    RegistrationKind::Creg => Query::Creg,
                    RegistrationKind::Cgreg => Query::Cgreg,
                    RegistrationKind::Cereg => Query::Cereg,
                };
                if r.mode.is_some() && collecting == Some(Op::Query(query)) {
                    Keep::Answer
                } else {
                    self.event(Queued::Registration(r));
                    Keep::Nothing
                }
            }
            // A client list answers the `AT+MQTTCLOSE?` / `AT+MQTTOPEN?` under way.
            Item::FreeClients { clients, .. } if collecting == Some(Op::Collect) => {
                self.list_clients(clients);
                Keep::Answer
            }
            Item::Line(b"RDY") => {
                self.on_restart();
                Keep::Nothing
            }
            // An answer only a query asks for, left unparsed by the runner (the query parses
            // it): kept while a command collects, else its command was abandoned: dropped.
            Item::Line(line) if crate::codec::parse::query_only(line) => answer,
            Item::Malformed(line) => {
                self.text_event(line, true);
                answer
            }
            // Only a raw or `AT+MQTTxxx?` / `=?` command's answer is made of lines the driver
            // does not know; inside any other answer (a message read, a typed query) such a
            // line is unsolicited.
            Item::Line(line) if collecting != Some(Op::Collect) => {
                self.text_event(line, false);
                Keep::Nothing
            }
            // Any other answer line: kept while a command collects; else no one waits for it
            // (its command was abandoned): dropped.
            _ => answer,
        }
    }

    /// `OK` or an error, and what the receive buffer does with it.
    fn final_keep(&mut self, result: Result<(), Error>, now: Instant) -> Keep {
        if self.final_result(result, now) {
            Keep::AnswerEnd
        } else {
            Keep::Nothing
        }
    }

    /// The answer line of `AT+MQTTREAD` for client `id`: a message, or none.
    fn read_answer(&mut self, id: ClientId, message: bool, held: bool) -> Keep {
        let (awaited, discard) = match self.channel_mut() {
            Some(c) if c.awaits_read(id) && c.read == ReadAnswer::Nothing => {
                (true, matches!(c.op, Op::Discard(_)))
            }
            _ => (false, false),
        };
        // A message read while a mode-0 message is held already cannot be kept; one a
        // procedure discards is not held at all.
        let kept = awaited && (discard || !(message && held));
        if let Some(cmd) = self.channel_mut().filter(|_| awaited) {
            cmd.read = if kept && message {
                ReadAnswer::Message
            } else {
                ReadAnswer::Empty
            };
        }
        if kept {
            self.client_mut(id).read_answered(message);
            return if message && !discard {
                Keep::Message
            } else {
                Keep::Nothing
            };
        }
        // A read answer no one waits for, or one that cannot be held: its message is lost,
        // and said so.
        self.lost_message();
        Keep::Nothing
    }
}
