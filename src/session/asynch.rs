//! The session over the async driver.
//!
//! Cancel-safety: [`Session::next_event`] may be dropped at any await. The step under way is
//! a driver operation, itself cancel-safe; the session then does the step again on the next
//! call (an outbox entry whose publish was dropped after it went out counts as sent once, so
//! its re-send is counted as a possible duplicate). A message being read is held by the driver
//! and handed out by the next call. [`Session::publish`] dropped before it returned queued
//! nothing (QoS 1 and 2) or is a dropped driver publish (QoS 0; see
//! [`Control::publish`](crate::asynch::Control::publish)).

use core::cell::{Cell, RefCell};
use core::future::{poll_fn, Future};
use core::pin::Pin;
use core::task::Poll;

use embassy_sync::blocking_mutex::raw::NoopRawMutex;
use embassy_sync::mutex::Mutex;
use embassy_sync::waitqueue::WakerRegistration;
use embassy_time::{Instant, Timer};
use embedded_io_async::Write;

use super::action::{self, make_call, Action};
use super::publishing::{self, Dropped, Queued, Route};
use super::pump::{self, Next, Ready, Seen, Turns};
use super::{
    check_publish, core_for, Core, NoTls, Outbox, PublishError, Seq, SessionConfig, SessionEvent,
    SessionState, SessionTls, Stats, Step,
};
use crate::asynch::Control;
use crate::error::Error;
use crate::types::QoS;

/// A session for one module client over an async [`Control`]. Its methods take `&self`:
/// one task runs [`next_event`](Self::next_event) in a loop (it does all the work), any task
/// of the same executor may [`publish`](Self::publish).
pub struct Session<'s, 'd, W: Write, S: SessionTls = NoTls> {
    control: &'s Control<'d, W>,
    config: SessionConfig<'s, S>,
    core: RefCell<Core>,
    outbox: Mutex<NoopRawMutex, Outbox<'s>>,
    queued: Cell<usize>,
    dropped: Cell<Option<(Seq, u32)>>,
    /// Whose turn it is: an event's or a step's.
    turns: Cell<Turns>,
    /// Bumped when the outbox got room, or an entry.
    room: Cell<u32>,
    work: Cell<bool>,
    pump: RefCell<WakerRegistration>,
    publisher: RefCell<WakerRegistration>,
}

impl<'s, 'd, W: Write, S: SessionTls> Session<'s, 'd, W, S> {
    /// A session for `config.client` over `control`, queueing in `outbox`. Nothing is sent
    /// until [`next_event`](Self::next_event) runs; it starts with start-up, so the driver's
    /// `start` need not be called first.
    pub fn new(
        control: &'s Control<'d, W>,
        config: SessionConfig<'s, S>,
        outbox: Outbox<'s>,
    ) -> Self {
        Session {
            control,
            core: RefCell::new(core_for(&config)),
            config,
            queued: Cell::new(outbox.len()),
            outbox: Mutex::new(outbox),
            dropped: Cell::new(None),
            turns: Cell::new(Turns::default()),
            room: Cell::new(0),
            work: Cell::new(false),
            pump: RefCell::new(WakerRegistration::new()),
            publisher: RefCell::new(WakerRegistration::new()),
        }
    }

    /// The driver handle, for anything else (queries, the other module client).
    pub fn control(&self) -> &'s Control<'d, W> {
        self.control
    }

    /// The connection's state.
    pub fn state(&self) -> SessionState {
        self.core.borrow().state()
    }

    /// What was counted so far.
    pub fn stats(&self) -> Stats {
        self.core.borrow().stats()
    }

    /// The number of QoS 1 and 2 publishes not yet confirmed.
    pub fn queued(&self) -> usize {
        self.queued.get()
    }

    /// Queues a QoS 1 or 2 publish (it is sent, and sent again after faults, until the module
    /// confirms it; [`SessionEvent::Delivered`] then reports its [`Seq`]), or sends a QoS 0
    /// one at once if connected (QoS 0 is never queued: `Ok(None)` once sent).
    ///
    /// When the outbox is full, [`SessionConfig::when_full`] decides: wait for room, drop the
    /// oldest entries, or refuse ([`PublishError::Full`]).
    pub async fn publish(
        &self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
    ) -> Result<Option<Seq>, PublishError> {
        let id = self.config.client;
        check_publish(id, self.config.rules, topic, payload, qos, retain)?;
        self.admit()?;
        if publishing::route(&self.core.borrow(), qos)? == Route::Now {
            return self
                .control
                .publish(id, topic, payload, qos, retain)
                .await
                .map(|()| None)
                .map_err(PublishError::Failed);
        }
        loop {
            let seen = self.room.get();
            {
                let mut outbox = self.outbox.lock().await;
                self.admit()?;
                let mut dropped = Dropped(self.dropped.get());
                let queued = publishing::queue(
                    &mut outbox,
                    self.config.when_full,
                    &mut self.core.borrow_mut(),
                    &mut dropped,
                    topic,
                    payload,
                    qos,
                    retain,
                );
                if dropped.0 != self.dropped.get() {
                    self.dropped.set(dropped.0);
                    self.pump.borrow_mut().wake();
                }
                if let Queued::Taken(seq) = queued? {
                    self.queued.set(outbox.len());
                    self.work.set(true);
                    self.pump.borrow_mut().wake();
                    return Ok(Some(seq));
                }
            }
            poll_fn(|cx| {
                // Room, or a dead link (the pump wakes this when it sees one).
                if self.room.get() != seen || self.core.borrow().link_error().is_some() {
                    Poll::Ready(())
                } else {
                    self.publisher.borrow_mut().register(cx.waker());
                    Poll::Pending
                }
            })
            .await;
        }
    }

    /// Whether a publish may be taken (the core decides): refused once the link is dead.
    fn admit(&self) -> Result<(), PublishError> {
        if let Some(e) = self.control.link_error() {
            self.link_down(e);
        }
        self.core.borrow().admit().map_err(PublishError::Failed)
    }

    /// The link is dead: the core knows it, and publishers waiting for room are told.
    fn link_down(&self, e: Error) {
        self.core.borrow_mut().link_down(e);
        self.publisher.borrow_mut().wake();
    }

    fn made_room(&self, len: usize) {
        self.queued.set(len);
        self.room.set(self.room.get().wrapping_add(1));
        self.publisher.borrow_mut().wake();
    }

    /// Keeps the connection up, and hands the next event to `f`: a message, a change of the
    /// connection's state, a delivery, or any other module event. Run it in a loop; the
    /// session does nothing while it is not running.
    ///
    /// Fails only with the port's error ([`Error::Io`]), once the link is dead (the runner
    /// returned): at once, and on every later call. Publishes are then refused with that error
    /// ([`PublishError::Failed`]), also those waiting for room. Build the driver again, and a
    /// new session over it.
    pub async fn next_event<T>(&self, f: impl FnMut(SessionEvent<'_>) -> T) -> Result<T, Error> {
        let r = self.pump(f).await;
        if let Some(e) = self.control.link_error() {
            // An event handed out before is still returned; the next call fails.
            self.link_down(e);
        }
        r
    }

    /// [`next_event`](Self::next_event), but for telling the core of a dead link: does what
    /// the turn says ([`Turns::next`]) until something is handed to `f`.
    async fn pump<T>(&self, mut f: impl FnMut(SessionEvent<'_>) -> T) -> Result<T, Error> {
        loop {
            let ready = poll_fn(|cx| {
                Poll::Ready(match self.control.poll_event_ready(cx) {
                    Poll::Ready(Ok(())) => Ready::Event,
                    Poll::Ready(Err(client)) => Ready::Message(client),
                    Poll::Pending => Ready::Nothing,
                })
            })
            .await;
            let seen = Seen {
                link: self.control.link_error(),
                ready,
                queued: self.queued.get() > 0,
                now: Instant::now(),
                limit: None,
            };
            let mut turns = self.turns.get();
            let mut dropped = Dropped(self.dropped.take());
            let next = turns.next(&mut self.core.borrow_mut(), &mut dropped, seen);
            self.dropped.set(dropped.0);
            self.turns.set(turns);
            match next {
                Next::Fail(e) => return Err(e),
                Next::Report(report) => return Ok(f(report)),
                Next::HandOut => return self.hand_out(&mut f).await,
                // Read here, so that a read that finds nothing never leaves the session
                // waiting in the driver for an event.
                Next::Read(client) => {
                    let read = self
                        .control
                        .read_message(client, |m| f(SessionEvent::Message(m)))
                        .await;
                    match read {
                        Ok(Some(out)) => return Ok(out),
                        Ok(None) => {}
                        Err(error) => {
                            return pump::read_failed(client, error, self.control.link_error())
                                .map(&mut f)
                        }
                    }
                }
                Next::Wait(until) => self.wait(until).await,
                // The readiness is always known here: nothing was ready.
                Next::Peek(step) | Next::Run(step) => {
                    if let Some(out) = self.run(step, &mut f).await {
                        return Ok(out);
                    }
                }
            }
        }
    }

    /// Hands the next driver event to `f`, after the core saw it.
    async fn hand_out<T>(&self, f: &mut impl FnMut(SessionEvent<'_>) -> T) -> Result<T, Error> {
        let (out, seen) = self.control.next_event(|ev| pump::lend(ev, f)).await?;
        if let Some(ev) = seen {
            let id = self.config.client;
            let state = self.control.state(id);
            self.core.borrow_mut().event(id, &ev, state, Instant::now());
        }
        Ok(out)
    }

    /// Waits for the driver to have something ([`Control::poll_event_ready`]), or for new
    /// work or the time `until` (`None`).
    async fn wait(&self, until: Option<Instant>) {
        let mut timer = until.map(Timer::at);
        poll_fn(|cx| {
            if self.control.poll_event_ready(cx).is_ready()
                || self.work.take()
                || self.dropped.get().is_some()
            {
                return Poll::Ready(());
            }
            self.pump.borrow_mut().register(cx.waker());
            if let Some(t) = timer.as_mut() {
                if Pin::new(t).poll(cx).is_ready() {
                    return Poll::Ready(());
                }
            }
            Poll::Pending
        })
        .await
    }

    /// Carries out `step` as the configuration resolves it ([`action::resolve`]), and reports
    /// how it went to the core; a message read or a delivery is handed to `f`.
    async fn run<T>(&self, step: Step, f: &mut impl FnMut(SessionEvent<'_>) -> T) -> Option<T> {
        self.turns.set({
            let mut turns = self.turns.get();
            turns.ran();
            turns
        });
        let c = self.control;
        let (out, result) = match action::resolve(step, &self.config) {
            Action::Skip => (None, Ok(true)),
            Action::Call(call) => (None, make_call!(call, c, S::{provision, open_tls} .await)),
            Action::Read(client) => action::read(
                c.read_message(client, |m| f(SessionEvent::Message(m)))
                    .await,
            ),
            Action::Send(client) => {
                let mut outbox = self.outbox.lock().await;
                let p = publishing::next_to_send(&mut outbox, &mut self.core.borrow_mut())?;
                let r = c.publish(client, p.topic, p.payload, p.qos, p.retain).await;
                let (event, result) = publishing::sent(&mut outbox, r);
                if event.is_some() {
                    self.made_room(outbox.len());
                }
                let out = event.map(&mut *f);
                match result {
                    Some(result) => (out, result),
                    // Refused for good: the step is over, nothing for the core.
                    None => return out,
                }
            }
        };
        let state = c.state(self.config.client);
        self.core
            .borrow_mut()
            .done(step, result, state, Instant::now());
        out
    }
}
