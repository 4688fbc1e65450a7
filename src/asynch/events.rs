//! Handing unsolicited events to the application.

use core::future::poll_fn;
use core::task::Poll;

use embedded_io_async::Write;

use super::client::Client;
use crate::codec::{Command, Item, Message};
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

fn ready(m: &Machine) -> Option<Ready> {
    if !m.events.is_empty()
        || m.events.lost_events > 0
        || m.events.lost_messages > 0
        || m.events.overlong > 0
    {
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
    /// by [`Event::Lost`]. Nothing is lost silently.
    ///
    /// Cancel-safe: dropped while waiting, nothing is lost. Dropped while a message is being
    /// read, the read is abandoned and its late answer absorbed; that message is reported lost.
    pub async fn next_event<T>(&self, f: impl FnOnce(Event<'_>) -> T) -> T {
        let mut f = Some(f);
        loop {
            let what = poll_fn(|cx| self.shared.poll(cx, Wake::EVENTS, |m| ready(m))).await;
            match what {
                Ready::Queued => {
                    let out = self
                        .shared
                        .with(|m| queued_event(m).map(|ev| f.take().map(|f| f(ev))))
                        .flatten()
                        .flatten();
                    if let Some(out) = out {
                        return out;
                    }
                }
                Ready::Held => {
                    let out = self.rx.try_borrow_mut().ok().and_then(|mut rx| {
                        let out = rx.message().and_then(|(h, topic, payload)| {
                            let msg = Message {
                                client: h.client,
                                qos: h.qos,
                                topic,
                                payload,
                            };
                            f.take().map(|f| f(Event::Message(msg)))
                        });
                        rx.message = None;
                        out
                    });
                    self.shared.with(|m| m.message_held = false);
                    self.shared.wake_runner();
                    if let Some(out) = out {
                        return out;
                    }
                }
                Ready::Waiting(id) => {
                    self.shared.with(|m| {
                        let c = m.client_mut(id);
                        c.waiting = c.waiting.saturating_sub(1);
                    });
                    match self.read_message(id, &mut f).await {
                        Ok(Some(out)) => return out,
                        Ok(None) => {}
                        Err(error) => {
                            if let Some(f) = f.take() {
                                return f(Event::ReadFailed { client: id, error });
                            }
                        }
                    }
                }
            }
            if f.is_none() {
                // Cannot happen: `f` is only taken on the way to returning. Wait for the next
                // event rather than spin.
                poll_fn(|_| Poll::<()>::Pending).await;
            }
        }
    }

    /// `AT+MQTTREAD=<id>`: reads one waiting message and lends it to `f`. `Ok(None)` when the
    /// module had none.
    async fn read_message<T>(
        &self,
        id: ClientId,
        f: &mut Option<impl FnOnce(Event<'_>) -> T>,
    ) -> Result<Option<T>, crate::Error> {
        let answer = self
            .transact(&Command::Read(id), Op::Read(id))
            .await?
            .ok_or(crate::Error::UnexpectedAnswer)?;
        answer.read(|a| {
            let msg = crate::proto::answer::items(a).find_map(|i| match i {
                Item::Read(m) if m.client == id => Some(Some(m)),
                Item::ReadEmpty(c) if c == id => Some(None),
                _ => None,
            });
            match msg {
                Some(Some(m)) => Ok(f.take().map(|f| f(Event::Message(m)))),
                Some(None) => Ok(None),
                None => Err(crate::Error::UnexpectedAnswer),
            }
        })?
    }
}
