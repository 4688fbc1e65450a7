//! An operation's ticket: where the operation is, held by its driver.

use super::super::op::Op;
use super::super::wake::Waiter;
use crate::codec::AtCommand;
use crate::types::ClientId;

/// Where an operation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// Waiting for its turn, woken by this (see [`Exchange::start_waits`](super::Exchange::start_waits)).
    Queued(Waiter),
    /// Holding the AT channel.
    Channel,
    /// Waiting for client `id`'s result line (the channel is free for others).
    Result(ClientId),
    /// Waiting for the data call's `+MIPCALL:` line.
    Call,
    /// Over.
    Over,
}

/// An operation under way, held by its driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket {
    pub(super) op: Op,
    pub(super) stage: Stage,
    /// Its command, to name it if it fails.
    pub(super) command: AtCommand,
    /// How many bytes its line carries after the prompt, if any.
    pub(super) data: Option<u16>,
    /// Whether it got the channel (and so, for a collecting operation, whether the answer
    /// kept is its own).
    pub(super) started: bool,
}

impl Ticket {
    /// Operation `op`, whose line (of command `command`) carries `data` bytes after the prompt
    /// (if any), waiting for its turn: [`Exchange::poll`](super::Exchange::poll) starts it when it may.
    pub(crate) fn new(op: Op, data: Option<u16>, command: AtCommand) -> Self {
        Ticket {
            op,
            stage: Stage::Queued(Waiter::Queue),
            command,
            data,
            started: false,
        }
    }

    /// Whether the operation got the AT channel (it may be over since).
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// The waker the operation waits on now.
    pub(crate) fn waiter(&self) -> Waiter {
        match self.stage {
            Stage::Queued(w) => w,
            Stage::Channel | Stage::Over => Waiter::Channel,
            Stage::Result(id) => Waiter::result(id),
            Stage::Call => Waiter::Call,
        }
    }

    /// Whether the operation collects an answer (see [`Op::collects`]).
    pub(crate) fn collects(&self) -> bool {
        self.op.collects()
    }

    /// Whether the operation still holds the AT channel.
    pub(crate) fn on_channel(&self) -> bool {
        self.stage == Stage::Channel
    }
}
