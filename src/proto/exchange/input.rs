//! What the module's answers do to the exchange: a final result (`OK`, `ERROR`) for the command
//! on the channel or owed to an abandoned one, the data prompt, and the module's restart.
//! [`feed`](super::super::feed) decides which of these an item is.

use embassy_time::Instant;

use super::{after, Call, Exchange, Phase, ReadAnswer, Reply, Waiter};
use crate::codec::ResultOf;
use crate::error::Error;
use crate::proto::channel::Owed;
use crate::proto::op::Op;
use crate::types::ClientId;

impl Exchange {
    /// A final result for the command on the channel (or owed to an abandoned one).
    pub(crate) fn final_result(&mut self, result: Result<(), Error>, now: Instant) -> bool {
        // A broker refusal (700-704) after OK ends the open of a client waiting for its result.
        if let Err(e @ Error::Refused(_)) = result {
            if let Some(id) = ClientId::ALL
                .into_iter()
                .find(|&id| self.client_mut(id).refused(e))
            {
                self.wake(Waiter::result(id));
                return false;
            }
        }
        if self.owed.absorb_final() {
            self.wake(Waiter::Channel);
            return false;
        }
        let Some(cmd) = self.channel.as_mut().filter(|c| c.unanswered()) else {
            // A final result nobody waits for: dropped.
            return false;
        };
        let before_data = cmd.data.is_some()
            && matches!(
                cmd.phase,
                Phase::Line { prompted: false } | Phase::Prompt { .. }
            );
        let r = match (result, cmd.op) {
            // The final result instead of the prompt.
            (Ok(()), _) if before_data => Err(Error::UnexpectedAnswer),
            (Ok(()), Op::Read(_) | Op::Discard(_)) => match cmd.read {
                ReadAnswer::Nothing => Err(Error::UnexpectedAnswer),
                got => Ok(Reply::Read(got == ReadAnswer::Message)),
            },
            (r, _) => r.map(|()| Reply::Done),
        };
        cmd.phase = Phase::Done(r);
        let (op, collects) = (cmd.op, cmd.op.collects());
        self.wake(Waiter::Channel);
        match (r, op) {
            (Ok(_), Op::Async(id, of)) => {
                let t = match of {
                    ResultOf::Open => self.config.open_timeout,
                    _ => self.config.result_timeout,
                };
                self.client_mut(id).answered(after(now, t));
            }
            (Ok(_), Op::Call { up }) => {
                self.call = Call::Waiting {
                    up,
                    deadline: after(now, self.config.call_timeout),
                }
            }
            // Refused: no result line follows.
            (Err(_), Op::Async(id, _)) => self.client_mut(id).undo(),
            (Err(_), Op::Call { .. }) => self.call = Call::Idle,
            _ => {}
        }
        collects
    }

    /// The data prompt.
    pub(crate) fn prompt(&mut self) {
        if let Some(cmd) = self.channel.as_mut().filter(|c| c.data.is_some()) {
            match cmd.phase {
                Phase::Line { prompted: false } => cmd.phase = Phase::Line { prompted: true },
                Phase::Prompt { .. } => {
                    cmd.phase = Phase::Data {
                        left: cmd.data.unwrap_or(0),
                    }
                }
                _ => return,
            }
            self.wake(Waiter::Channel);
        } else if let Owed::Data { left, .. } = self.owed {
            self.owed = Owed::Data {
                left,
                prompted: true,
            };
            self.wake(Waiter::Channel);
        }
    }

    /// The module restarted: everything waiting fails, nothing is owed any more.
    pub(crate) fn on_restart(&mut self) {
        crate::log::state("the module restarted: both clients are closed");
        for c in self.clients.iter_mut() {
            c.on_restart();
        }
        if let Some(cmd) = self.channel.as_mut().filter(|c| c.unanswered()) {
            cmd.phase = Phase::Done(Err(Error::Restarted));
        }
        if let Call::Waiting { .. } = self.call {
            self.call = Call::Finished(Err(Error::Restarted));
        }
        self.call_up = None;
        self.owed = Owed::Nothing;
        self.receive_mode = None;
        if self.tls == crate::proto::tls::Provisioned::Yes {
            self.tls = crate::proto::tls::Provisioned::Forgotten;
        }
        self.events.clear();
        self.events.push(crate::proto::events::Queued::Restarted);
        self.wake_all();
    }
}
