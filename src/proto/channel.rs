//! The AT channel: the one command on it, and what is still owed to commands that gave up.

use embassy_time::Instant;

use super::op::{Op, Reply};
use crate::error::Error;

/// Where the command on the channel is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Waiting for the answers owed to commands that gave up (see [`Owed`]), so that none is
    /// taken for this one's; `deadline` once the wait started.
    Settling {
        /// When to stop waiting.
        deadline: Option<Instant>,
        /// NUL bytes were sent to end an abandoned data command.
        filled: bool,
    },
    /// The command line is being written: some of it may be out.
    Line {
        /// The prompt came already (a data command).
        prompted: bool,
    },
    /// The line is out; the data prompt is awaited until `deadline`.
    Prompt {
        /// When to give up.
        deadline: Instant,
    },
    /// The prompt came; `left` bytes of the data are still to be written.
    Data {
        /// Bytes not written yet.
        left: u16,
    },
    /// Everything is out; the final result is awaited until `deadline`.
    Final {
        /// When to give up.
        deadline: Instant,
    },
    /// The final result came.
    Done(Result<Reply, Error>),
}

/// What `AT+MQTTREAD` got before its final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadAnswer {
    /// No answer line yet.
    Nothing,
    /// A message, held in the receive buffer.
    Message,
    /// `+MQTTREAD: <id>,0,0,0`, or a message that could not be held.
    Empty,
}

/// The command holding the channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Command {
    pub(crate) op: Op,
    /// The size of the data that goes after the prompt (a data publish, a will in the data
    /// form, a file upload).
    pub(crate) data: Option<u16>,
    /// For `AT+MQTTREAD`: whether its answer line came, and with a message.
    pub(crate) read: ReadAnswer,
    pub(crate) phase: Phase,
}

impl Command {
    /// Whether the final result is still awaited (lines of its answer may come).
    pub(crate) fn unanswered(&self) -> bool {
        !matches!(self.phase, Phase::Done(_) | Phase::Settling { .. })
    }

    /// Whether this is `AT+MQTTREAD` of client `id`, still unanswered.
    pub(crate) fn awaits_read(&self, id: crate::types::ClientId) -> bool {
        matches!(self.op, Op::Read(of) | Op::Discard(of) if of == id) && self.unanswered()
    }
}

/// What is owed to commands that gave up once some of them may have reached the module: their
/// answers are absorbed before the next command goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Owed {
    /// Nothing: the channel is in step.
    #[default]
    Nothing,
    /// A command line was cut short: a line end goes out first (the module then answers it,
    /// one final result owed).
    CutLine,
    /// This many final results.
    Finals(u8),
    /// A data command gave up before all its `left` bytes were written; the module may be
    /// waiting for them (it prompted: `prompted`). It leaves data mode by itself after a while
    /// (one final result), or the driver sends NUL bytes for the rest.
    Data {
        /// Bytes the module still expects.
        left: u16,
        /// The prompt came.
        prompted: bool,
    },
}

impl Owed {
    /// One more final result owed.
    pub(crate) fn add_final(&mut self) {
        *self = match *self {
            Owed::Nothing => Owed::Finals(1),
            Owed::Finals(n) => Owed::Finals(n.saturating_add(1)),
            // The data command's own final result covers it.
            other => other,
        };
    }

    /// A final result came: is it owed (and so absorbed)?
    pub(crate) fn absorb_final(&mut self) -> bool {
        match *self {
            Owed::Nothing | Owed::CutLine => false,
            Owed::Finals(n) => {
                *self = if n > 1 {
                    Owed::Finals(n.saturating_sub(1))
                } else {
                    Owed::Nothing
                };
                true
            }
            Owed::Data { .. } => {
                // The abandoned data command ended (the module gave up waiting, or got it).
                *self = Owed::Nothing;
                true
            }
        }
    }
}
