//! The queue of unsolicited events waiting for the application.

use super::exchange::Exchange;
use super::wake::Waiter;
use crate::codec::Registration;
use crate::error::Error;
use crate::event::Event;
use crate::types::{BreakCause, ClientId};

/// An event as queued: small and copyable. Text and messages stay in the receive buffer or the
/// text slot until handed out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(crate) enum Queued {
    Break {
        client: ClientId,
        cause: BreakCause,
    },
    Restarted,
    Registration(Registration),
    CallDown,
    Discarded {
        client: ClientId,
        messages: u16,
    },
    /// The line is in the text slot.
    Text {
        garbled: bool,
    },
}

/// What an event taken out of the queue reports: a queued event, or one of the reports kept
/// apart from the queue (losses, read errors of the port).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Report {
    Queued(Queued),
    Lost(Losses),
    LinkError {
        kind: embedded_io::ErrorKind,
        count: u16,
    },
}

/// An event taken out of the queue, owning its text (empty but for a line's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Taken {
    report: Report,
    text: heapless::Vec<u8, TEXT_SLOT>,
}

impl Taken {
    /// The event, as the application sees it.
    pub(crate) fn event(&self) -> Event<'_> {
        match self.report {
            Report::Queued(Queued::Break { client, cause }) => Event::Break { client, cause },
            Report::Queued(Queued::Restarted) => Event::Restarted,
            Report::Queued(Queued::Registration(r)) => Event::Registration(r),
            Report::Queued(Queued::CallDown) => Event::DataCallDown,
            Report::Queued(Queued::Discarded { client, messages }) => {
                Event::Discarded { client, messages }
            }
            Report::Queued(Queued::Text { garbled: true }) => Event::Garbled(&self.text),
            Report::Queued(Queued::Text { garbled: false }) => Event::Unsolicited(&self.text),
            Report::Lost(l) => Event::Lost(l),
            Report::LinkError { kind, count } => Event::LinkError { kind, count },
        }
    }
}

/// How many events can wait.
pub const EVENT_QUEUE: usize = 8;
/// How many bytes of an unknown or garbled line are kept.
pub const TEXT_SLOT: usize = 64;

/// Events waiting, and what was lost because they could not wait.
#[derive(Debug, Default)]
pub(crate) struct Events {
    queue: heapless::Vec<Queued, EVENT_QUEUE>,
    text: heapless::Vec<u8, TEXT_SLOT>,
    text_queued: bool,
    /// What was lost since the last report: events dropped because the queue or the text slot
    /// was full; messages lost (a mode-0 message arriving while [`HELD_MESSAGES`](super::HELD_MESSAGES) were still held, a read
    /// answer no one waited for, or an announcement count that overflowed); lines longer than
    /// the receive buffer, dropped.
    pub(crate) lost: Losses,
    /// Transient read errors since the last report: the last one's kind, and how many.
    link: Option<(embedded_io::ErrorKind, u16)>,
}

impl Events {
    pub(crate) fn push(&mut self, ev: Queued) {
        if self.queue.push(ev).is_err() {
            self.lost.events = self.lost.events.saturating_add(1);
        }
    }

    /// Counts a transient read error of the port, reported by the next
    /// [`Event::LinkError`] (one report for all the errors since the last one, so a noisy line
    /// never floods the queue).
    pub(crate) fn link_error(&mut self, kind: embedded_io::ErrorKind) {
        let count = self.link.map_or(0, |(_, n)| n).saturating_add(1);
        self.link = Some((kind, count));
    }

    /// Forgets the transient read errors not reported yet.
    pub(crate) fn take_link_errors(&mut self) {
        self.link = None;
    }

    /// Queues a text event for `line`, truncated to [`TEXT_SLOT`] bytes.
    pub(crate) fn push_text(&mut self, line: &[u8], garbled: bool) {
        if self.text_queued || self.queue.is_full() {
            self.lost.events = self.lost.events.saturating_add(1);
            return;
        }
        self.text.clear();
        let keep = line.get(..TEXT_SLOT).unwrap_or(line);
        // Cannot fail: `keep` is at most the capacity.
        let _ = self.text.extend_from_slice(keep);
        self.text_queued = true;
        self.push(Queued::Text { garbled });
    }

    /// Takes the next event to hand out (a loss report first), with its text copied out, so
    /// that it can be lent to the application while the exchange is not borrowed.
    pub(crate) fn take(&mut self) -> Option<Taken> {
        let report = if let Some(l) = self.take_losses() {
            Report::Lost(l)
        } else if let Some((kind, count)) = self.link.take() {
            Report::LinkError { kind, count }
        } else {
            Report::Queued(self.pop_front()?)
        };
        let mut text = heapless::Vec::new();
        if let Report::Queued(Queued::Text { .. }) = report {
            self.text_queued = false;
            text = core::mem::take(&mut self.text);
        }
        Some(Taken { report, text })
    }

    /// The oldest queued event, out of the queue.
    fn pop_front(&mut self) -> Option<Queued> {
        let first = *self.queue.first()?;
        self.queue.remove(0);
        Some(first)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty() && self.link.is_none()
    }

    /// Takes the loss counters, if any is non-zero.
    fn take_losses(&mut self) -> Option<Losses> {
        let l = core::mem::take(&mut self.lost);
        l.any().then_some(l)
    }

    /// Whether anything was lost since the last report.
    pub(crate) fn any_lost(&self) -> bool {
        self.lost.any()
    }

    pub(crate) fn clear(&mut self) {
        self.queue.clear();
        self.text_queued = false;
    }
}

/// What was lost since the last report: nothing is lost silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Losses {
    /// Unsolicited events dropped because [`EVENT_QUEUE`] events were already waiting.
    pub events: u16,
    /// Messages lost (see [`Event::Lost`](crate::Event::Lost)).
    pub messages: u16,
    /// Lines longer than the receive buffer, skipped.
    pub overlong_lines: u16,
}

impl Losses {
    /// Whether anything was lost.
    fn any(&self) -> bool {
        (self.events | self.messages | self.overlong_lines) != 0
    }
}

/// What changes the events, and wakes whoever waits for them.
impl Exchange {
    /// Queues `event` for the application.
    pub(crate) fn event(&mut self, event: Queued) {
        self.events.push(event);
        self.wake(Waiter::Events);
    }

    /// Queues an unsolicited line (`garbled`: one the parser could not make sense of).
    pub(crate) fn text_event(&mut self, line: &[u8], garbled: bool) {
        self.events.push_text(line, garbled);
        self.wake(Waiter::Events);
    }

    /// A message is lost: counted, and reported.
    pub(crate) fn lost_message(&mut self) {
        self.events.lost.messages = self.events.lost.messages.saturating_add(1);
        self.wake(Waiter::Events);
    }

    /// What the read of a message announced for client `id`, made by `next_event` (or
    /// `poll_event`), means for the application: nothing yet when it worked (a message read is
    /// held and handed out next), [`Event::ReadFailed`] when it failed, and the port's error
    /// when the link died meanwhile.
    pub(crate) fn read_outcome(
        &self,
        id: ClientId,
        read: Result<(), Error>,
    ) -> Result<Option<Event<'static>>, Error> {
        match (read, self.link_error()) {
            (Ok(_), _) => Ok(None),
            (Err(_), Some(dead)) => Err(dead),
            (Err(error), None) => Ok(Some(Event::ReadFailed { client: id, error })),
        }
    }
}
