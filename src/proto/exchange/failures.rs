//! Failures, kept for the caller they belong to: the last one, and each client's last.

use super::{Exchange, Ticket};
use crate::codec::line::Line;
use crate::error::{Error, Failure};
use crate::proto::op::Op;
use crate::types::ClientId;

impl Exchange {
    /// Checks the arguments of `line`, the command of `op`, before anything is sent: a
    /// refusal is kept as a failure too, with the command it would have sent.
    pub(crate) fn check(&mut self, op: Op, line: &Line<'_>) -> Result<(), Error> {
        line.check().map_err(|e| {
            let error = Error::Invalid(e);
            self.keep_failure(op, Failure::new(line.name(), error));
            error
        })
    }

    /// The operation of `t` failed with `error`: named with its command if it is an `ERROR`
    /// answer, and kept as the last failure. Out of the way of the operation's loop, which
    /// takes this path once at most.
    #[inline(never)]
    pub(super) fn failed(&mut self, t: &Ticket, error: Error) -> Error {
        let error = error.answer_to(t.command);
        self.keep_failure(t.op, Failure::new(t.command, error));
        error
    }

    /// Keeps `failure`, of an operation `op`, as the last one, and as its client's.
    fn keep_failure(&mut self, op: Op, failure: Failure) {
        self.failure = Some(failure);
        if let Some(slot) = op.client().and_then(|id| self.failures.get_mut(id.index())) {
            *slot = Some(failure);
        }
    }

    /// The last failed operation of client `id` (its open, close, subscribe, publish, user,
    /// will or read).
    pub(crate) fn failure_of(&self, id: ClientId) -> Option<Failure> {
        self.failures.get(id.index()).copied().flatten()
    }
}
