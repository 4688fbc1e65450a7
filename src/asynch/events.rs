//! Handing unsolicited events to the application.

use core::future::{poll_fn, Future};
use core::task::Poll;

use embedded_io_async::Write;

use super::control::Control;
use crate::codec::{Command, Message};
use crate::error::Error;
use crate::event::Event;
use crate::proto::exchange::Ready;
use crate::proto::op::{Op, Reply};
use crate::proto::wake::Waiter;

impl<W: Write> Control<'_, W> {
    /// Waits for the next unsolicited event and lends it to `f`.
    ///
    /// Messages: in receive mode 1 (the default) the driver counts `+MQTTMSGI` announcements
    /// and reads each message with `AT+MQTTREAD` only when this is called, so the module keeps
    /// them until the application is ready and nothing is lost. The message's topic and payload
    /// are lent from the receive buffer for the duration of `f`: copy what you keep. In mode 0
    /// messages arriving back to back are held in the receive buffer, in order, until this
    /// hands them out one by one: up to [`HELD_MESSAGES`](crate::proto::HELD_MESSAGES), as long
    /// as their bytes fit (while they fill it, the runner waits and the port's buffering holds
    /// what comes). One arriving while that many are held is lost and counted by
    /// [`Event::Lost`].
    ///
    /// Other events wait in a queue of [`EVENT_QUEUE`](crate::proto::EVENT_QUEUE) entries (the
    /// text of at most one unknown line at a time); what does not fit is counted and reported
    /// by [`Event::Lost`]. Nothing is lost silently. Events are handed out in the order they
    /// came: a message read with `AT+MQTTREAD` after the events that arrived before its answer
    /// ended.
    ///
    /// Fails with the port's error ([`Error::Io`]) once the runner stopped on it (after the
    /// events that came before are handed out), and at once on every later call.
    ///
    /// Cancel-safe: dropped while waiting, nothing is lost. Dropped while a message is being
    /// read: if the message had arrived, it is held and the next call hands it out; if not, the
    /// read's late answer is absorbed and its message reported lost.
    pub fn next_event<'a, T: 'a>(
        &'a self,
        f: impl FnOnce(Event<'_>) -> T + 'a,
    ) -> impl Future<Output = Result<T, Error>> + 'a {
        async move {
            loop {
                let ready = poll_fn(|cx| {
                    let held = self.rx.borrow().holds_message();
                    match self.shared.with(|x| x.ready(held)) {
                        Some(r) => Poll::Ready(r),
                        None => {
                            self.shared.register(cx, Waiter::Events);
                            Poll::Pending
                        }
                    }
                })
                .await;
                // A failed read of an announced message is an event of its own.
                let failed = match ready {
                    Ready::Read(id) => {
                        let line = Command::Read(id).line();
                        // A message read is held: the next turn hands it out, after the events
                        // that came before its answer ended.
                        let read = self.run(line, Op::Read(id), None).await;
                        match self.shared.with(|x| x.read_outcome(id, read))? {
                            Some(event) => Some(event),
                            None => continue,
                        }
                    }
                    Ready::LinkDown(e) => return Err(e),
                    Ready::Event | Ready::Message => None,
                };
                // The event, lent from where it is: a queued one taken out of the queue, or
                // the held message, in the receive buffer until it is let go.
                let taken = match ready {
                    Ready::Event => self.shared.with(|x| x.events.take()),
                    _ => None,
                };
                let held = matches!(ready, Ready::Message).then(|| self.rx.borrow());
                let event = failed
                    .or_else(|| taken.as_ref().map(|t| t.event()))
                    .or_else(|| {
                        held.as_deref()
                            .and_then(|rx| rx.message())
                            .map(Event::Message)
                    });
                let Some(event) = event else {
                    if held.is_some() {
                        drop(held);
                        self.release_message();
                    }
                    continue;
                };
                let out = f(event);
                if held.is_some() {
                    drop(held);
                    self.release_message();
                }
                return Ok(out);
            }
        }
    }

    /// Lends the held message to `f`, and lets it go.
    fn lend_message<T>(&self, f: impl FnOnce(Message<'_>) -> T) -> Option<T> {
        let out = self.rx.borrow().message().map(f);
        self.release_message();
        out
    }

    /// Lets the held message go: the runner may use its room again.
    fn release_message(&self) {
        self.rx.borrow_mut().release_message();
        self.shared.wake_runner();
    }

    /// `AT+MQTTREAD=<id>`: reads one message the module holds for module client `id` (receive
    /// mode 1) and lends it to `f`; `Ok(None)` when none waits.
    /// [`next_event`](Self::next_event) does this by itself for every `+MQTTMSGI`; call this to
    /// read at a time of your choosing (a read answers one announcement, so `next_event` will
    /// not read it again).
    ///
    /// Cancel-safe: dropped before the command went out, nothing happened; dropped after the
    /// message arrived, it is held and [`next_event`](Self::next_event) hands it out; dropped
    /// before, the late answer is absorbed and the message it carried is reported lost (the
    /// module hands each message out once).
    pub async fn read_message<T>(
        &self,
        id: crate::ClientId,
        f: impl FnOnce(Message<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        let line = Command::Read(id).line();
        let mut got = false;
        let mut read = |_: &[u8], reply| got = reply == Some(Reply::Read(true));
        self.run(line, Op::Read(id), Some(&mut read)).await?;
        Ok(if got { self.lend_message(f) } else { None })
    }
}

impl<W: Write> Control<'_, W> {
    /// Ready once [`next_event`](Self::next_event) has something to do at once: `Ok(())` when
    /// it has an event, a held message or the port's error to hand out, `Err(id)` when it
    /// would read a message announced for client `id` (which may turn out to be gone);
    /// otherwise registers `cx` to be woken. Takes nothing: for the session layer, which
    /// waits for events and for its own work at once without ever dropping a `next_event`
    /// that reads, and reads itself.
    pub(crate) fn poll_event_ready(
        &self,
        cx: &mut core::task::Context<'_>,
    ) -> Poll<Result<(), crate::ClientId>> {
        let held = self.rx.borrow().holds_message();
        match self.shared.with(|x| x.ready(held)) {
            Some(Ready::Read(id)) => Poll::Ready(Err(id)),
            Some(_) => Poll::Ready(Ok(())),
            None => {
                self.shared.register(cx, Waiter::Events);
                Poll::Pending
            }
        }
    }
}
