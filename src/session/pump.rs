//! The pump's turn, sans-IO: given what the driver has ready, the one thing to do next (fail
//! on a dead link, hand out a report, an event or an announced message, wait, or run a step),
//! so that neither starves the other. Both pumps carry it out; the decisions are made here.

use embassy_time::Instant;

use super::publishing::Dropped;
use super::{Core, SessionEvent, Step};
use crate::error::Error;
use crate::event::Event;
use crate::types::ClientId;

/// What the driver has ready for the session, as far as the pump can tell without taking it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Ready {
    /// An event, a held message or the port's error: the driver's next event hands it out.
    Event,
    /// A message announced for this module client, not read yet.
    Message(ClientId),
    /// Nothing at the moment.
    Nothing,
    /// The driver tells only by being polled (the blocking driver).
    Unknown,
}

/// What the pump sees when it asks for its next turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The port's error, once the link is dead.
    pub(crate) link: Option<Error>,
    /// What the driver has ready.
    pub(crate) ready: Ready,
    /// Whether the outbox holds entries.
    pub(crate) queued: bool,
    /// The time.
    pub(crate) now: Instant,
    /// The latest time the pump may wait until (the blocking poll's deadline), if any.
    pub(crate) limit: Option<Instant>,
}

/// The one thing the pump does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// The link is dead: fail with the port's error (the core knows).
    Fail(Error),
    /// Hand out this report: a change of state, or entries dropped.
    Report(SessionEvent<'static>),
    /// Hand out the driver's next event ([`lend`]), then tell the core
    /// ([`Core::event`]).
    HandOut,
    /// Read the message announced for this client and hand it out; a failed read is handed
    /// out as [`read_failed`] says.
    Read(ClientId),
    /// Nothing to run: hand out an event if the driver has one by this time (`None`: no
    /// time), or wait until the session has new work; then ask again.
    Wait(Option<Instant>),
    /// Hand out an event if the driver has one at once; if not, run the step (and say so,
    /// [`Turns::ran`]).
    Peek(Step),
    /// Run the step (and say so, [`Turns::ran`]).
    Run(Step),
}

/// Whose turn it is: after a step, an event the driver has ready goes first, so that neither
/// the steps nor the events starve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Turns {
    /// The next turn is the events'.
    events: bool,
}

impl Turns {
    /// The next thing to do. First the dead link, then a change of the core's state, then the
    /// entries `dropped`, then the core's step: waited for when there is nothing to run (an
    /// event that is ready then is handed out), else run, on alternate turns after an event
    /// that is ready.
    pub(crate) fn next(&mut self, core: &mut Core, dropped: &mut Dropped, seen: Seen) -> Next {
        if let Some(e) = seen.link {
            core.link_down(e);
            return Next::Fail(e);
        }
        if let Some(state) = core.take_change() {
            return Next::Report(SessionEvent::State(state));
        }
        if let Some(report) = dropped.take() {
            return Next::Report(report);
        }
        let step = core.next(seen.now, seen.queued);
        let wait = match step {
            Step::Idle => Some(seen.limit),
            Step::Wait(at) => Some(Some(seen.limit.map_or(at, |limit| limit.min(at)))),
            _ => None,
        };
        match (wait, seen.ready) {
            (Some(_), Ready::Event) => Next::HandOut,
            (Some(_), Ready::Message(client)) => Next::Read(client),
            (Some(until), Ready::Nothing | Ready::Unknown) => Next::Wait(until),
            (None, ready) if core::mem::take(&mut self.events) => match ready {
                Ready::Event => Next::HandOut,
                Ready::Message(client) => Next::Read(client),
                Ready::Nothing => Next::Run(step),
                Ready::Unknown => Next::Peek(step),
            },
            (None, _) => Next::Run(step),
        }
    }

    /// A step was run: the next turn is the events'.
    pub(crate) fn ran(&mut self) {
        self.events = true;
    }
}

/// What a failed read of an announced message is handed out as: [`Event::ReadFailed`], unless
/// the link is dead (`link`), whose error the pump then fails with.
pub(crate) fn read_failed(
    client: ClientId,
    error: Error,
    link: Option<Error>,
) -> Result<SessionEvent<'static>, Error> {
    match link {
        Some(e) => Err(e),
        None => Ok(SessionEvent::Module(Event::ReadFailed { client, error })),
    }
}

/// Lends a driver event to `f` (a message as [`SessionEvent::Message`], any other as
/// [`SessionEvent::Module`]); returns what `f` made, and the part of the event the core acts
/// on ([`Core::event`]), copied out of the driver's buffers.
pub(crate) fn lend<T>(
    event: Event<'_>,
    f: &mut impl FnMut(SessionEvent<'_>) -> T,
) -> (T, Option<Event<'static>>) {
    let seen = match event {
        Event::Break { client, cause } => Some(Event::Break { client, cause }),
        Event::Restarted => Some(Event::Restarted),
        Event::DataCallDown => Some(Event::DataCallDown),
        Event::Registration(r) => Some(Event::Registration(r)),
        _ => None,
    };
    let out = match event {
        Event::Message(m) => f(SessionEvent::Message(m)),
        other => f(SessionEvent::Module(other)),
    };
    (out, seen)
}

#[cfg(test)]
mod tests;
