//! The session over the blocking driver.

use embassy_time::{Duration, Instant};
use embedded_io::{Read, Write};

use super::action::{self, make_call, Action};
use super::publishing::{self, Dropped, Queued, Route};
use super::pump::{self, Next, Ready, Seen, Turns};
use super::{
    check_publish, core_for, Core, NoTls, Outbox, PublishError, Seq, SessionConfig, SessionEvent,
    SessionState, SessionTls, Stats, Step,
};
use crate::blocking::Modem;
use crate::error::Error;
use crate::types::QoS;

/// A session for one module client over a blocking [`Modem`]. Call [`poll`](Self::poll) in a
/// loop: it does all the work, and hands out events.
pub struct Session<'s, 'm, P, const N: usize, S: SessionTls = NoTls> {
    modem: &'m mut Modem<P, N>,
    config: SessionConfig<'s, S>,
    core: Core,
    outbox: Outbox<'s>,
    dropped: Dropped,
    turns: Turns,
}

impl<'s, 'm, P: Read + Write, const N: usize, S: SessionTls> Session<'s, 'm, P, N, S> {
    /// A session for `config.client` over `modem`, queueing in `outbox`. Nothing is sent until
    /// [`poll`](Self::poll) runs; it starts with start-up.
    pub fn new(
        modem: &'m mut Modem<P, N>,
        config: SessionConfig<'s, S>,
        outbox: Outbox<'s>,
    ) -> Self {
        Session {
            modem,
            core: core_for(&config),
            config,
            outbox,
            dropped: Dropped::default(),
            turns: Turns::default(),
        }
    }

    /// The driver, for anything else (queries, the other module client).
    pub fn modem(&mut self) -> &mut Modem<P, N> {
        self.modem
    }

    /// The connection's state.
    pub fn state(&self) -> SessionState {
        self.core.state()
    }

    /// What was counted so far.
    pub fn stats(&self) -> Stats {
        self.core.stats()
    }

    /// The number of QoS 1 and 2 publishes not yet confirmed.
    pub fn queued(&self) -> usize {
        self.outbox.len()
    }

    /// Queues a QoS 1 or 2 publish, or sends a QoS 0 one at once if connected; see
    /// [`asynch::Session::publish`](super::asynch::Session::publish). With
    /// [`WhenFull::Wait`](super::WhenFull::Wait) a full outbox returns [`PublishError::Full`]: [`poll`](Self::poll)
    /// (which sends the outbox) and try again.
    pub fn publish(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
    ) -> Result<Option<Seq>, PublishError> {
        let id = self.config.client;
        check_publish(id, self.config.rules, topic, payload, qos, retain)?;
        if let Some(e) = self.modem.link_error() {
            self.core.link_down(e);
        }
        if publishing::route(&self.core, qos)? == Route::Now {
            return self
                .modem
                .publish(id, topic, payload, qos, retain)
                .map(|()| None)
                .map_err(PublishError::Failed);
        }
        let queued = publishing::queue(
            &mut self.outbox,
            self.config.when_full,
            &mut self.core,
            &mut self.dropped,
            topic,
            payload,
            qos,
            retain,
        )?;
        match queued {
            Queued::Taken(seq) => Ok(Some(seq)),
            // Nothing makes room while the caller holds the session: it polls, then tries again.
            Queued::Wait => Err(PublishError::Full),
        }
    }

    /// Keeps the connection up for up to `timeout`, and hands the next event to `f` if one
    /// came (`Ok(None)` if none did). A step under way (an open, a publish) may take longer:
    /// up to the driver's timeouts.
    ///
    /// Fails only with the port's error ([`Error::Io`]): build the driver again, and a new
    /// session over it.
    pub fn poll<T>(
        &mut self,
        timeout: Duration,
        mut f: impl FnMut(SessionEvent<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        let deadline = Instant::now().saturating_add(timeout);
        loop {
            let now = Instant::now();
            let seen = Seen {
                link: self.modem.link_error(),
                ready: Ready::Unknown,
                queued: !self.outbox.is_empty(),
                now,
                limit: Some(deadline),
            };
            let (until, then) = match self.turns.next(&mut self.core, &mut self.dropped, seen) {
                Next::Fail(e) => return Err(e),
                Next::Report(report) => return Ok(Some(f(report))),
                Next::Wait(until) => (until.unwrap_or(deadline), None),
                Next::Peek(step) => (now, Some(step)),
                // The driver reads announced messages itself, and its readiness is never known
                // here: handing out is polling.
                Next::HandOut | Next::Read(_) => (now, None),
                Next::Run(step) => {
                    if let Some(out) = self.run(step, &mut f) {
                        return Ok(Some(out));
                    }
                    continue;
                }
            };
            if let Some(out) = self.hand_out(until.saturating_duration_since(now), &mut f)? {
                return Ok(Some(out));
            }
            match then {
                Some(step) => {
                    if let Some(out) = self.run(step, &mut f) {
                        return Ok(Some(out));
                    }
                }
                None if Instant::now() >= deadline => return Ok(None),
                None => {}
            }
        }
    }

    /// Polls the driver for up to `timeout`, and hands the event that came to `f`, after the
    /// core saw it.
    fn hand_out<T>(
        &mut self,
        timeout: Duration,
        f: &mut impl FnMut(SessionEvent<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        let Some((out, seen)) = self.modem.poll_event(timeout, |ev| pump::lend(ev, f))? else {
            return Ok(None);
        };
        if let Some(ev) = seen {
            let id = self.config.client;
            let state = self.modem.state(id);
            self.core.event(id, &ev, state, Instant::now());
        }
        Ok(Some(out))
    }

    /// Carries out `step` as the configuration resolves it ([`action::resolve`]), and reports
    /// how it went to the core; a message read or a delivery is handed to `f`.
    fn run<T>(&mut self, step: Step, f: &mut impl FnMut(SessionEvent<'_>) -> T) -> Option<T> {
        self.turns.ran();
        let config = self.config;
        let m = &mut *self.modem;
        let (out, result) = match action::resolve(step, &config) {
            Action::Skip => (None, Ok(true)),
            Action::Call(call) => (
                None,
                make_call!(call, m, S::{provision_blocking, open_tls_blocking}),
            ),
            Action::Read(client) => {
                action::read(m.read_message(client, |msg| f(SessionEvent::Message(msg))))
            }
            Action::Send(client) => {
                let p = publishing::next_to_send(&mut self.outbox, &mut self.core)?;
                let r = m.publish(client, p.topic, p.payload, p.qos, p.retain);
                let (event, result) = publishing::sent(&mut self.outbox, r);
                let out = event.map(&mut *f);
                match result {
                    Some(result) => (out, result),
                    // Refused for good: the step is over, nothing for the core.
                    None => return out,
                }
            }
        };
        let state = self.modem.state(config.client);
        self.core.done(step, result, state, Instant::now());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::{Slot, WhenFull};
    use crate::{Broker, Config};

    /// A port that never answers (publishing QoS 1 and 2 only queues).
    struct Quiet;

    impl embedded_io::ErrorType for Quiet {
        type Error = embedded_io::ErrorKind;
    }

    impl Read for Quiet {
        fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
            Err(embedded_io::ErrorKind::TimedOut)
        }
    }

    impl Write for Quiet {
        fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
            Ok(buf.len())
        }
        fn flush(&mut self) -> Result<(), Self::Error> {
            Ok(())
        }
    }

    /// The next report, which comes before any step is run (the port never answers).
    fn next(s: &mut Session<'_, '_, Quiet, 64>) -> String {
        let mut out = String::new();
        let _ = s.poll(Duration::from_ticks(0), |ev| out = format!("{ev:?}"));
        out
    }

    #[test]
    fn a_full_outbox_refuses_or_drops_the_oldest_as_configured() {
        let mut modem = Modem::<_, 64>::new(Quiet, Config::default());
        let (mut bytes, mut slots) = ([0u8; 64], [Slot::EMPTY; 2]);
        let config = SessionConfig {
            when_full: WhenFull::Refuse,
            ..SessionConfig::new(Broker::new("b", 1883))
        };
        let mut s = Session::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));
        let q = QoS::AtLeastOnce;
        assert_eq!(s.publish("t", b"0", q, false), Ok(Some(Seq(0))));
        assert_eq!(s.publish("t", b"1", q, false), Ok(Some(Seq(1))));
        assert_eq!(s.publish("t", b"2", q, false), Err(PublishError::Full));
        assert_eq!(s.queued(), 2);
        // Never queued: QoS 0 while not connected, a topic the driver would refuse, and an
        // entry larger than the storage.
        assert_eq!(
            s.publish("t", b"x", QoS::AtMostOnce, false),
            Err(PublishError::NotConnected)
        );
        assert!(matches!(
            s.publish("a/+", b"x", q, false),
            Err(PublishError::Invalid(_))
        ));
        assert_eq!(
            s.publish("t", &[b'x'; 64], q, false),
            Err(PublishError::TooLarge)
        );

        let mut modem = Modem::<_, 64>::new(Quiet, Config::default());
        let (mut bytes, mut slots) = ([0u8; 64], [Slot::EMPTY; 2]);
        let config = SessionConfig {
            when_full: WhenFull::DropOldest,
            ..SessionConfig::new(Broker::new("b", 1883))
        };
        let mut s = Session::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));
        for i in 0..5u8 {
            s.publish("t", &[b'0' + i], q, false).expect("queued");
        }
        assert_eq!(s.queued(), 2);
        assert_eq!(s.stats().dropped, 3);
        // The state change comes first, then the drops, in one report.
        assert!(next(&mut s).starts_with("State(Connecting"));
        assert_eq!(next(&mut s), "Dropped { first: Seq(0), count: 3 }");
    }
}
