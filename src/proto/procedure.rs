//! Procedures: operations made of several commands, whose next command depends on what the
//! module answered to the last (start-up, the data call). The decisions are made here, once;
//! each driver runs every procedure with one small loop that only sends what
//! [`Procedure::step`] says and hands back what came of it.

use super::exchange::Exchange;
use super::op::Op;
use crate::codec::line::Line;
use crate::codec::Command;
use crate::error::Error;
use crate::types::ClientId;

/// What a query of a procedure learned from the module's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Learned {
    /// Nothing (the command asks nothing, or its answer held nothing the parser knows).
    Nothing,
    /// How many TLS files of each kind the module holds, `None` where not listed
    /// (`AT+GTSSLFILE?`).
    TlsFiles([Option<u16>; 3]),
    /// What a failed TLS open fails with, by the module's reason (`AT+GTSSLERR?`).
    TlsFailure(Error),
    /// What the module's clock shows (`AT+CCLK?`).
    Clock(crate::codec::ClockCheck),
}

/// Reads what a query's answer says.
pub(crate) type Parse = fn(&[u8]) -> Learned;

/// What the driver does for a procedure's next step.
#[derive(Debug)]
pub(crate) enum Do<'a> {
    /// Sends `line` as `op`, to its end. `parse` reads its answer when the module answered
    /// `OK`. The line is built where the command is known, so that a firmware carries only
    /// the templates of the commands its procedures send.
    Send {
        /// The command line.
        line: Line<'a>,
        /// Its operation.
        op: Op,
        /// How to read its answer, for a query.
        parse: Option<Parse>,
    },
    /// Nothing to send: the outcome is `Ok(true)` at once.
    Skip,
}

impl<'a> Do<'a> {
    /// Sends `cmd`; its operation follows from it. Inlined where the command is built, so
    /// that only its template is compiled there.
    #[inline(always)]
    pub(crate) fn send(cmd: Command<'a>) -> Self {
        Do::Send {
            line: cmd.line(),
            op: Op::of(&cmd),
            parse: None,
        }
    }

    /// Reads one message of client `id` with `AT+MQTTREAD` and lets it go as it arrives (the
    /// procedure counts it): [`Op::Discard`]. The outcome says whether there was one.
    pub(crate) fn discard(id: ClientId) -> Self {
        Do::Send {
            line: Command::Read(id).line(),
            op: Op::Discard(id),
            parse: None,
        }
    }

    /// Sends the query `cmd` and reads its answer with `parse`.
    #[inline(always)]
    pub(crate) fn ask(cmd: Command<'a>, parse: Parse) -> Self {
        Do::Send {
            line: cmd.line(),
            op: Op::of(&cmd),
            parse: Some(parse),
        }
    }
}

/// What a procedure does after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Run the next [`step`](Procedure::step).
    Continue,
    /// Over: what it learned is in the exchange.
    Done,
}

/// A procedure: asked for its [`step`](Self::step), told what came of it with
/// [`answered`](Self::answered), until it is done. What it learns goes into the exchange, so
/// that each driver has one loop for every procedure (run through `&mut dyn Procedure`).
pub(crate) trait Procedure {
    /// What to do now.
    fn step(&self) -> Do<'_>;

    /// The outcome of the last step on exchange `x`: `Ok(true)` for a command that succeeded
    /// or a [`Do::discard`] that read a message, `Ok(false)` for one that found none;
    /// `learned` is what the query's answer said.
    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        learned: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error>;
}

/// The failure of a query that ends the procedure, if it failed so: any failure but an `ERROR`
/// or an answer the parser does not know, which mean only "this firmware does not answer it".
/// After those, and after an answer that held nothing the parser knows, the procedure goes on
/// without what it would have learned (it never asks again in a loop).
pub(crate) fn query_failed(outcome: &Result<bool, Error>) -> Option<Error> {
    match *outcome {
        Err(Error::Module(_) | Error::UnexpectedAnswer) | Ok(_) => None,
        Err(e) => Some(e),
    }
}
