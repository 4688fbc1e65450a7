//! One module client as the driver tracks it: its connection state and its operation.

use crate::codec::ResultOf;
use crate::error::{ConnState, Error};
use crate::types::{BreakCause, ClientId};
use embassy_time::Instant;

/// The client's operation that has a result line (one at a time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum ClientOp {
    /// None.
    #[default]
    Idle,
    /// Its command is on the channel (no final result yet).
    Sent(ResultOf),
    /// The command was answered `OK`; its result line is awaited until `deadline`.
    Waiting {
        /// Whose result line.
        of: ResultOf,
        /// When to give up.
        deadline: Instant,
    },
    /// The outcome, until the operation takes it.
    Finished(Result<(), Error>),
}

/// The driver's view of one module client.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Client {
    state: ConnState,
    op: ClientOp,
    /// Result lines still owed to operations that gave up, per [`ResultOf`].
    late: [u8; 5],
    /// A `+MQTTCLOSE: <id>,1` after `+MQTTBREAK` is absorbed.
    absorb_close: bool,
    /// The operation under way saw a result line of its kind absorbed as a late one.
    absorbed: bool,
    /// Messages announced by `+MQTTMSGI` and not yet read.
    waiting: u16,
    /// The module may hold messages nobody counted (announced before this run): read until
    /// a read finds none.
    draining: bool,
}

const fn slot(r: ResultOf) -> usize {
    match r {
        ResultOf::Open => 0,
        ResultOf::Close => 1,
        ResultOf::Subscribe => 2,
        ResultOf::Unsubscribe => 3,
        ResultOf::Publish => 4,
    }
}

impl Client {
    /// The connection's state.
    pub(crate) fn state(&self) -> ConnState {
        self.state
    }

    /// Whether no operation of the client is under way.
    pub(crate) fn idle(&self) -> bool {
        self.op == ClientOp::Idle
    }

    /// What the module says of the connection (connected, or not), taken unless an operation
    /// of the client is under way. Returns whether the client was connected though the driver
    /// did not hold it open (left over from before).
    pub(crate) fn learn(&mut self, connected: bool) -> bool {
        if !self.idle() {
            return false;
        }
        let leftover = connected && self.state != ConnState::Open;
        self.state = if connected {
            ConnState::Open
        } else {
            ConnState::Closed
        };
        leftover
    }

    /// A broker's refusal (`ERROR: 70x` after `OK`) of the open awaiting its result line:
    /// it ends with `error` and the client is closed. Returns whether an open awaited it
    /// (someone must be woken).
    pub(crate) fn refused(&mut self, error: Error) -> bool {
        if !matches!(
            self.op,
            ClientOp::Waiting {
                of: ResultOf::Open,
                ..
            }
        ) {
            return false;
        }
        self.state = ConnState::Closed;
        self.finish(Err(error))
    }

    /// One more message announced (`+MQTTMSGI`); `false` when no more can be counted (the
    /// message is lost).
    pub(crate) fn announced(&mut self) -> bool {
        match self.waiting.checked_add(1) {
            Some(n) => self.waiting = n,
            None => return false,
        }
        true
    }

    /// Whether a message is announced and not read yet.
    pub(crate) fn unread(&self) -> bool {
        self.waiting > 0
    }

    /// A read went out: it answers one announcement, whatever comes of it.
    pub(crate) fn read_sent(&mut self) {
        self.waiting = self.waiting.saturating_sub(1);
    }

    /// Checks that a command of this client may go out now, and moves the state on for it:
    /// `r` is the result line it will have, `None` for user and will (only while closed).
    pub(crate) fn begin(&mut self, id: ClientId, r: Option<ResultOf>) -> Result<(), Error> {
        let needs = match r {
            None | Some(ResultOf::Open) => ConnState::Closed,
            Some(_) => ConnState::Open,
        };
        if r.is_some() && !matches!(self.op, ClientOp::Idle) {
            return Err(Error::Busy(id));
        }
        if self.state != needs {
            return Err(Error::WrongState {
                client: id,
                state: self.state,
            });
        }
        if let Some(r) = r {
            self.absorbed = false;
            self.op = ClientOp::Sent(r);
            self.state = match r {
                ResultOf::Open => ConnState::Opening,
                ResultOf::Close => ConnState::Closing,
                _ => self.state,
            };
        }
        Ok(())
    }

    /// The command was refused (`ERROR`) or never answered: undoes [`begin`](Self::begin).
    pub(crate) fn undo(&mut self) {
        self.state = match self.state {
            ConnState::Opening => ConnState::Closed,
            ConnState::Closing => ConnState::Open,
            s => s,
        };
        self.op = ClientOp::Idle;
    }

    /// The command was answered `OK`: its result line is awaited until `deadline`.
    pub(crate) fn answered(&mut self, deadline: Instant) {
        if let ClientOp::Sent(of) = self.op {
            self.op = ClientOp::Waiting { of, deadline };
        }
    }

    /// The operation gives up (dropped or timed out) before its outcome came: its late result
    /// line is absorbed when it comes, and the state is put back.
    ///
    /// Unless a line of its kind was absorbed as a late one while it waited: then either that
    /// line was its own (the one owed before was lost on the way, as bytes are on a noisy
    /// link) or its own is still to come; the two cannot be told apart, and owing one more
    /// would, in the first case, make every later operation of the kind take its own line for
    /// a late one and time out, for ever. Nothing more is owed: a line that still comes finds
    /// the client idle and only sets its state.
    pub(crate) fn give_up(&mut self) {
        match self.op {
            ClientOp::Sent(of) | ClientOp::Waiting { of, .. } => {
                if !core::mem::take(&mut self.absorbed) {
                    self.owe(of);
                }
                self.undo();
            }
            ClientOp::Finished(_) | ClientOp::Idle => self.op = ClientOp::Idle,
        }
    }

    fn owe(&mut self, r: ResultOf) {
        if let Some(n) = self.late.get_mut(slot(r)) {
            *n = n.saturating_add(1);
        }
    }

    /// The outcome, once it came; the client is then free for its next operation.
    pub(crate) fn take_outcome(&mut self) -> Option<Result<(), Error>> {
        match self.op {
            ClientOp::Finished(r) => {
                self.op = ClientOp::Idle;
                Some(r)
            }
            _ => None,
        }
    }

    /// Ends the operation waiting for its result with `r`. Returns whether one waited.
    pub(crate) fn finish(&mut self, r: Result<(), Error>) -> bool {
        match self.op {
            ClientOp::Sent(_) | ClientOp::Waiting { .. } => {
                self.op = ClientOp::Finished(r);
                true
            }
            _ => false,
        }
    }

    /// A result line for `r` with status `ok`. Returns whether it ended the client's
    /// operation (someone must be woken).
    pub(crate) fn result_line(&mut self, r: ResultOf, ok: bool) -> bool {
        if r == ResultOf::Close && self.absorb_close {
            self.absorb_close = false;
            // The `+MQTTCLOSE` a break may be followed by is absorbed, unless a close of the
            // client's own waits for it.
            if !matches!(
                self.op,
                ClientOp::Waiting {
                    of: ResultOf::Close,
                    ..
                }
            ) {
                return false;
            }
        }
        if let Some(n) = self.late.get_mut(slot(r)).filter(|n| **n > 0) {
            // Late: its operation gave up. Dropped, but the state follows the module.
            *n = n.saturating_sub(1);
            match self.op {
                ClientOp::Idle => self.settle(r, ok),
                ClientOp::Sent(of) | ClientOp::Waiting { of, .. } if of == r => {
                    self.absorbed = true;
                }
                _ => {}
            }
            return false;
        }
        match self.op {
            ClientOp::Waiting { of, .. } if of == r => {
                if ok && matches!(r, ResultOf::Open | ResultOf::Close) {
                    // A connection began or ended: no result line of an operation that gave
                    // up before can come any more (one owed for a command the module never
                    // saw, such as one sent while it did not listen, would otherwise swallow
                    // the next result of its kind).
                    self.late = [0; 5];
                }
                self.settle(r, ok);
                self.op = ClientOp::Finished(if ok {
                    Ok(())
                } else {
                    Err(Error::Failed(r.command()))
                });
                true
            }
            ClientOp::Idle => {
                // Unexpected, but the state follows the module.
                self.settle(r, ok);
                false
            }
            _ => false,
        }
    }

    /// What a result line for `r` says of the connection.
    fn settle(&mut self, r: ResultOf, ok: bool) {
        self.state = match (r, ok) {
            (ResultOf::Open, true) => ConnState::Open,
            (ResultOf::Open, false) | (ResultOf::Close, true) => ConnState::Closed,
            (ResultOf::Close, false) if self.state == ConnState::Closing => ConnState::Open,
            _ => self.state,
        };
    }

    /// `+MQTTBREAK`: the connection dropped. Returns whether an operation was ended.
    pub(crate) fn on_break(&mut self, cause: BreakCause) -> bool {
        self.state = ConnState::Closed;
        self.absorb_close = true;
        self.late = [0; 5];
        let outcome = match self.op {
            ClientOp::Sent(ResultOf::Close)
            | ClientOp::Waiting {
                of: ResultOf::Close,
                ..
            } => Ok(()),
            _ => Err(Error::Break(cause)),
        };
        self.finish(outcome)
    }

    /// The module restarted: closed, nothing owed; a waiting operation fails. One whose
    /// command is still on the channel fails there (the channel's command ends with
    /// `Restarted`), so the client keeps no outcome for it.
    pub(crate) fn on_restart(&mut self) {
        let op = match self.op {
            ClientOp::Sent(_) => ClientOp::Idle,
            op => op,
        };
        *self = Client {
            op,
            ..Client::default()
        };
        self.finish(Err(Error::Restarted));
    }

    /// Reads until a read finds no message: the module may hold messages announced before
    /// the driver listened.
    pub(crate) fn drain(&mut self) {
        self.draining = true;
        self.waiting = self.waiting.max(1);
    }

    /// A read of this client's got a message, or found none.
    pub(crate) fn read_answered(&mut self, message: bool) {
        match (self.draining, message) {
            (true, true) => self.waiting = self.waiting.saturating_add(1),
            (true, false) => self.draining = false,
            _ => {}
        }
    }

    /// The result deadline, while one is awaited.
    pub(crate) fn deadline(&self) -> Option<Instant> {
        match self.op {
            ClientOp::Waiting { deadline, .. } => Some(deadline),
            _ => None,
        }
    }
}
