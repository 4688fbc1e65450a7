//! What an operation is, as far as the exchange goes: which command it sends, what it waits for
//! after the command's final result, and what answer lines belong to it.

use crate::codec::{Command, Form, Query, ResultOf};
use crate::types::ClientId;

/// An operation's command, by what its answer looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Op {
    /// `AT`, `ATE0/1`, `AT+MQTTCONF=`: no information line, no result line.
    Simple,
    /// `AT+MQTTUSER=` or `AT+MQTTWILL=`: only while the client is closed.
    Configure(ClientId),
    /// A command of client `id` whose result line comes after `OK` (open, close, subscribe,
    /// unsubscribe, publish).
    Async(ClientId, ResultOf),
    /// `AT+MQTTREAD=`: the message comes before `OK` and is held in the receive buffer.
    Read(ClientId),
    /// `AT+MQTTREAD=` of a procedure that drains client `id`: the message, if one comes, is
    /// counted and dropped as it arrives, never held.
    Discard(ClientId),
    /// `AT+MIPCALL=1` (`up`) or `AT+MIPCALL=0`: a `+MIPCALL:` line comes after `OK`.
    Call {
        /// Whether the call is brought up (else hung up).
        up: bool,
    },
    /// A query whose information lines are kept for the caller to read.
    Query(Query),
    /// `AT+MQTTxxx?` / `=?`, `ATI` and raw commands: every line up to the final result is kept.
    Collect,
}

impl Op {
    /// The operation of `cmd`: what its answer looks like follows from the command. Inlined
    /// where the command is built, so that the match folds away there.
    #[inline(always)]
    pub(crate) fn of(cmd: &Command<'_>) -> Op {
        match *cmd {
            Command::At
            | Command::Echo(_)
            | Command::Conf(_)
            | Command::TlsVersion(_)
            | Command::TlsVerify(_)
            | Command::TlsFile { .. } => Op::Simple,
            // Their lines are kept whole for the caller to read.
            Command::Query(Query::Ati | Query::Clock)
            | Command::Mqtt(..)
            | Command::Tls(_, Form::Read | Form::Test)
            | Command::Raw(_) => Op::Collect,
            Command::Query(q) => Op::Query(q),
            Command::MipCallUp { .. } => Op::Call { up: true },
            Command::MipCallDown => Op::Call { up: false },
            Command::User { id, .. } | Command::Will { id, .. } => Op::Configure(id),
            Command::Open { id, .. } | Command::OpenTls { id, .. } => Op::Async(id, ResultOf::Open),
            Command::Close(id) => Op::Async(id, ResultOf::Close),
            Command::Subscribe { id, .. } => Op::Async(id, ResultOf::Subscribe),
            Command::Unsubscribe { id, .. } => Op::Async(id, ResultOf::Unsubscribe),
            Command::Publish { id, .. } => Op::Async(id, ResultOf::Publish),
            Command::Read(id) => Op::Read(id),
        }
    }

    /// The module client the operation belongs to, if one.
    pub(crate) const fn client(self) -> Option<crate::types::ClientId> {
        match self {
            Op::Configure(id) | Op::Async(id, _) | Op::Read(id) | Op::Discard(id) => Some(id),
            _ => None,
        }
    }

    /// Whether the lines between the command and its final result are kept for the caller.
    pub(crate) const fn collects(self) -> bool {
        matches!(self, Op::Query(_) | Op::Collect)
    }
}

/// What a finished operation hands back besides success.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Reply {
    /// The command did what it was asked.
    Done,
    /// `AT+MQTTREAD` got a message, now held in the receive buffer (`true`), or none.
    Read(bool),
}

/// Whether the module gave the command its final result (`OK`, or an error it answered):
/// only then is a collecting command's answer whole.
pub(crate) fn answered(r: &Result<Reply, crate::Error>) -> bool {
    matches!(
        r,
        Ok(_) | Err(crate::Error::Module(_) | crate::Error::Refused(_))
    )
}

/// Reads what came of an operation the module answered (it gave the command its final
/// result), before a collecting command's kept answer is released: the answer's bytes (none
/// for a command that does not collect), and the reply, `None` when the module answered with
/// an error.
pub(crate) type Reader<'r> = &'r mut dyn FnMut(&[u8], Option<Reply>);
