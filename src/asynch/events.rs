//! Handing unsolicited events to the application.

use core::cell::Cell;
use core::future::{poll_fn, Future};

use embedded_io_async::Write;

use super::client::Client;
use crate::codec::{Command, Message};
use crate::event::Event;
use crate::proto::events::Queued;
use crate::proto::machine::{Machine, Wake};
use crate::proto::op::Op;
use crate::types::ClientId;

/// What is ready to hand out.
enum Ready {
    Queued,
    Held,
    Waiting(ClientId),
}

/// What is ready to hand out.
fn ready(m: &Machine) -> Option<Ready> {
    if !m.events.is_empty() || m.events.any_lost() {
        return Some(Ready::Queued);
    }
    if m.message_held {
        return Some(Ready::Held);
    }
    ClientId::ALL
        .into_iter()
        .find(|&id| m.client(id).waiting > 0)
        .map(Ready::Waiting)
}

/// Turns a queued event into an [`Event`], borrowing its text from the machine.
pub(crate) fn queued_event(m: &mut Machine) -> Option<Event<'_>> {
    if let Some(l) = m.events.take_losses() {
        return Some(Event::Lost(l));
    }
    Some(match m.events.pop()? {
        Queued::Break { client, cause } => Event::Break { client, cause },
        Queued::Restarted => Event::Restarted,
        Queued::Registration(r) => Event::Registration(r),
        Queued::CallDown => Event::DataCallDown,
        Queued::Text { garbled: true } => Event::Garbled(m.events.text()),
        Queued::Text { garbled: false } => Event::Unsolicited(m.events.text()),
    })
}

impl<W: Write> Client<'_, W> {
    /// Waits for the next unsolicited event and lends it to `f`.
    ///
    /// Messages: in receive mode 1 (the default) the driver counts `+MQTTMSGI` announcements
    /// and reads each message with `AT+MQTTREAD` only when this is called, so the module keeps
    /// them until the application is ready and nothing is lost. The message's topic and payload
    /// are lent from the receive buffer for the duration of `f`: copy what you keep. In mode 0
    /// one message is held in the receive buffer until this is called; one arriving while
    /// another is held is lost and reported by [`Event::Lost`].
    ///
    /// Other events wait in a queue of [`EVENT_QUEUE`](crate::proto::EVENT_QUEUE) entries (the
    /// text of at most one unknown line at a time); what does not fit is counted and reported
    /// by [`Event::Lost`]. Nothing is lost silently. Events are handed out in the order they
    /// came: a message read with `AT+MQTTREAD` after the events that arrived before its answer
    /// ended.
    ///
    /// Cancel-safe: dropped while waiting, nothing is lost. Dropped while a message is being
    /// read: if the message had arrived, it is held and the next call hands it out; if not, the
    /// read's late answer is absorbed and its message reported lost.
    // Not an `async fn`: an async block does not copy its captures when first polled.
    #[allow(clippy::manual_async_fn)]
    pub fn next_event<'a, T: 'a>(
        &'a self,
        f: impl FnOnce(Event<'_>) -> T + 'a,
    ) -> impl Future<Output = T> + 'a {
        async move {
            // `f` is called in one place, through a sink that the non-generic code below calls.
            let f = Cell::new(Some(f));
            let out = Cell::new(None);
            let sink = |event: Event<'_>| {
                if let Some(f) = f.take() {
                    out.set(Some(f(event)));
                }
            };
            loop {
                let what = poll_fn(|cx| self.shared.poll(cx, Wake::EVENTS, |m| ready(m))).await;
                match what {
                    Ready::Waiting(id) => {
                        // `fetch`, without a future of its own.
                        let line = Command::Read(id).line();
                        let got = self.transact_line(&line, Op::Read(id), None).await;
                        // A message read is held: the next turn hands it out, after the events
                        // that came before its answer ended.
                        if let Err(error) = got.and_then(|_| self.read_outcome()) {
                            sink(Event::ReadFailed { client: id, error });
                        }
                    }
                    what => self.hand_out(what, &sink),
                }
                if let Some(out) = out.take() {
                    return out;
                }
            }
        }
    }

    /// Lends a queued event or the held message to `sink`.
    fn hand_out(&self, what: Ready, sink: &dyn Fn(Event<'_>)) {
        match what {
            Ready::Queued => {
                self.shared.with(|m| queued_event(m).map(sink));
            }
            Ready::Held => {
                if let Ok(mut rx) = self.rx.try_borrow_mut() {
                    if let Some(m) = rx.message() {
                        sink(Event::Message(m));
                    }
                    rx.message = None;
                }
                self.shared.with(|m| m.message_held = false);
                self.shared.wake_runner();
            }
            Ready::Waiting(_) => {}
        }
    }

    /// `AT+MQTTREAD=<id>`: reads one message the module holds for client `id` (receive mode 1)
    /// and lends it to `f`; `Ok(None)` when none waits. [`next_event`](Self::next_event) does
    /// this by itself for every `+MQTTMSGI`; call this to read at a time of your choosing (a
    /// read answers one announcement, so `next_event` will not read it again).
    ///
    /// Cancel-safe: dropped before the command went out, nothing happened; dropped after the
    /// message arrived, it is held and [`next_event`](Self::next_event) hands it out; dropped
    /// before, the late answer is absorbed and the message it carried is reported lost (the
    /// module hands each message out once).
    pub async fn read_message<T>(
        &self,
        id: ClientId,
        f: impl FnOnce(Message<'_>) -> T,
    ) -> Result<Option<T>, crate::Error> {
        let f = Cell::new(Some(f));
        let out = Cell::new(None);
        let sink = |event: Event<'_>| {
            if let (Event::Message(m), Some(f)) = (event, f.take()) {
                out.set(Some(f(m)));
            }
        };
        // The read answers one announcement when it goes out (see `Machine::begin`).
        if self.fetch(id).await? {
            self.hand_out(Ready::Held, &sink);
        }
        Ok(out.take())
    }

    /// `AT+MQTTREAD=<id>`: reads one waiting message into the receive buffer, where it is held
    /// like a mode-0 message. `Ok(true)` when one came, `Ok(false)` when the module had none.
    async fn fetch(&self, id: ClientId) -> Result<bool, crate::Error> {
        let line = Command::Read(id).line();
        self.transact_line(&line, Op::Read(id), None).await?;
        self.read_outcome()
    }

    /// What the read that just ended got: a message (held), none, or no answer line at all.
    fn read_outcome(&self) -> Result<bool, crate::Error> {
        self.shared
            .with(|m| m.read)
            .flatten()
            .ok_or(crate::Error::UnexpectedAnswer)
    }
}
