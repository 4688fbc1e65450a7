//! What the command in flight is, as far as matching answers to it goes.

use crate::codec::{Query, ResultOf};
use crate::error::{ConnState, Error};
use crate::types::ClientId;

/// The command on the AT channel, awaiting its final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Op {
    /// `AT`, `ATE0/1`, `AT+MQTTCONF=`: no information line, no result line.
    Simple,
    /// `AT+MQTTUSER=` or `AT+MQTTWILL=`: only while the client is closed.
    Configure(ClientId),
    /// A command whose result line comes after `OK`.
    Async(ClientId, ResultOf),
    /// `AT+MQTTPUB=` in the data form: a prompt, then `size` bytes, then `OK`.
    PublishData(ClientId, u16),
    /// `AT+MQTTREAD=`: the message comes before `OK`, and is held in the receive buffer like a
    /// mode-0 message.
    Read(ClientId),
    /// `AT+MIPCALL=1` / `=0`: `+MIPCALL:` comes after `OK`.
    Call,
    /// A query whose information lines are kept for the caller to read.
    Query(Query),
    /// `AT+MQTTxxx?` / `=?` and raw commands: every line up to the final result is kept.
    Collect,
}

impl Op {
    /// The op of client `id`'s publish whose line is `line`: the data form when its payload
    /// goes after a prompt.
    pub(crate) fn publish(id: ClientId, line: &crate::codec::line::Line<'_>) -> Op {
        match line.data() {
            Some(data) => Op::PublishData(id, u16::try_from(data.len()).unwrap_or(u16::MAX)),
            None => Op::Async(id, ResultOf::Publish),
        }
    }

    /// Whether the lines between the command and its final result are kept for the caller.
    pub(crate) fn collects(self) -> bool {
        matches!(self, Op::Query(_) | Op::Collect)
    }
}

/// The driver's view of one module client.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct ClientSlot {
    pub(crate) state: ConnState,
    /// The operation waiting for a result line.
    pub(crate) pending: Option<ResultOf>,
    /// Its outcome, once known, until the operation takes it.
    pub(crate) outcome: Option<Result<(), Error>>,
    /// Result lines still owed to abandoned operations, per [`ResultOf`].
    pub(crate) stale: [u8; 5],
    /// A `+MQTTCLOSE: <id>,1` after `+MQTTBREAK` is absorbed.
    pub(crate) absorb_close: bool,
    /// Messages announced by `+MQTTMSGI` and not yet read.
    pub(crate) waiting: u16,
}

pub(crate) fn result_index(r: ResultOf) -> usize {
    match r {
        ResultOf::Open => 0,
        ResultOf::Close => 1,
        ResultOf::Subscribe => 2,
        ResultOf::Unsubscribe => 3,
        ResultOf::Publish => 4,
    }
}

impl ClientSlot {
    pub(crate) fn stale_mut(&mut self, r: ResultOf) -> Option<&mut u8> {
        self.stale.get_mut(result_index(r))
    }

    /// Checks that `op` may start now, and moves the state on for it.
    pub(crate) fn begin(&mut self, id: ClientId, op: Op) -> Result<(), Error> {
        let wrong = |state| Err(Error::WrongState { client: id, state });
        match op {
            Op::Configure(_) if self.state != ConnState::Closed => return wrong(self.state),
            Op::Async(..) | Op::PublishData(..) if self.pending.is_some() => {
                return Err(Error::Busy(id));
            }
            Op::Async(_, ResultOf::Open) => {
                if self.state != ConnState::Closed {
                    return wrong(self.state);
                }
                self.state = ConnState::Opening;
                self.pending = Some(ResultOf::Open);
            }
            Op::Async(_, ResultOf::Close) => {
                if self.state != ConnState::Open {
                    return wrong(self.state);
                }
                self.state = ConnState::Closing;
                self.pending = Some(ResultOf::Close);
            }
            Op::Async(_, r) => {
                if self.state != ConnState::Open {
                    return wrong(self.state);
                }
                self.pending = Some(r);
            }
            Op::PublishData(..) => {
                if self.state != ConnState::Open {
                    return wrong(self.state);
                }
                self.pending = Some(ResultOf::Publish);
            }
            _ => {}
        }
        self.outcome = None;
        Ok(())
    }

    /// The command was refused (`ERROR`) or never answered: undo [`begin`](Self::begin).
    pub(crate) fn undo(&mut self) {
        // Opening goes back to Closed, Closing to Open; Closed and Open stay.
        self.state = if matches!(self.state, ConnState::Open | ConnState::Closing) {
            ConnState::Open
        } else {
            ConnState::Closed
        };
        self.pending = None;
    }

    /// A result line for `r` with `status`: the outcome, and the state it leads to.
    pub(crate) fn settle(&mut self, r: ResultOf, ok: bool) {
        match (r, ok) {
            (ResultOf::Open, true) => self.state = ConnState::Open,
            (ResultOf::Open, false) | (ResultOf::Close, true) => self.state = ConnState::Closed,
            (ResultOf::Close, false) if self.state == ConnState::Closing => {
                self.state = ConnState::Open;
            }
            _ => {}
        }
    }
}
