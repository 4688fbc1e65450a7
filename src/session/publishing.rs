//! The session's publish policy, decided once for both pumps: whether a publish is taken and
//! how (sent at once, or queued), what a full outbox does, how dropped entries are reported,
//! and what the outcome of sending an outbox entry means. The pumps only move the bytes.

use super::{Core, Outbox, OutboxFull, Pending, PublishError, Seq, SessionEvent, WhenFull};
use crate::error::Error;
use crate::types::QoS;

/// How a publish the session takes goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Route {
    /// QoS 0: sent at once, never queued.
    Now,
    /// QoS 1 and 2: through the outbox.
    Queue,
}

/// Whether a publish at `qos` is taken, and how: refused into a dead session (the port's
/// error), and at QoS 0 while the session is not connected.
pub(crate) fn route(core: &Core, qos: QoS) -> Result<Route, PublishError> {
    core.admit().map_err(PublishError::Failed)?;
    match qos {
        QoS::AtMostOnce if core.connected() => Ok(Route::Now),
        QoS::AtMostOnce => Err(PublishError::NotConnected),
        _ => Ok(Route::Queue),
    }
}

/// Entries dropped to make room and not reported yet, folded into one run of consecutive
/// sequence numbers: `(first, count)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Dropped(pub(crate) Option<(Seq, u32)>);

impl Dropped {
    /// `seq` was dropped: it extends the run if it follows it, else starts a new one.
    fn add(&mut self, seq: Seq) {
        self.0 = Some(match self.0 {
            Some((first, count)) if first.0.wrapping_add(count) == seq.0 => {
                (first, count.saturating_add(1))
            }
            _ => (seq, 1),
        });
    }

    /// The report to hand out, once.
    pub(crate) fn take(&mut self) -> Option<SessionEvent<'static>> {
        self.0
            .take()
            .map(|(first, count)| SessionEvent::Dropped { first, count })
    }
}

/// What became of a publish offered to the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Queued {
    /// Queued with this number.
    Taken(Seq),
    /// The outbox is full and the policy is to wait for room ([`WhenFull::Wait`]).
    Wait,
}

/// Offers a QoS 1 or 2 publish to `outbox`. When it is full, `when_full` decides: the oldest
/// entries are dropped to make room (counted by `core`, folded into `dropped`), the publish is
/// refused, or the caller waits for room.
#[allow(clippy::too_many_arguments)]
pub(crate) fn queue(
    outbox: &mut Outbox<'_>,
    when_full: WhenFull,
    core: &mut Core,
    dropped: &mut Dropped,
    topic: &str,
    payload: &[u8],
    qos: QoS,
    retain: bool,
) -> Result<Queued, PublishError> {
    loop {
        match outbox.push(topic, payload, qos, retain) {
            Ok(seq) => return Ok(Queued::Taken(seq)),
            Err(OutboxFull::TooLarge) => return Err(PublishError::TooLarge),
            Err(OutboxFull::Full) => match when_full {
                WhenFull::Refuse => return Err(PublishError::Full),
                WhenFull::Wait => return Ok(Queued::Wait),
                WhenFull::DropOldest => match outbox.pop() {
                    Some(seq) => {
                        core.count_drop();
                        dropped.add(seq);
                    }
                    // Nothing to drop and still no room: it cannot fit.
                    None => return Err(PublishError::TooLarge),
                },
            },
        }
    }
}

/// The outbox entry to send now, if any; an entry sent before whose outcome stayed unknown is
/// counted as re-sent (a possible duplicate).
pub(crate) fn next_to_send<'o>(outbox: &'o mut Outbox<'_>, core: &mut Core) -> Option<Pending<'o>> {
    if outbox.mark_sent() > 0 {
        core.count_resend();
    }
    outbox.front()
}

/// What the outcome of sending the front entry means: confirmed, it leaves the outbox
/// ([`SessionEvent::Delivered`]); refused by the driver as invalid, it leaves for good
/// ([`SessionEvent::Rejected`]: sending it again cannot help); any other failure leaves it
/// queued, and is the step's failure for the core.
pub(crate) fn sent(
    outbox: &mut Outbox<'_>,
    outcome: Result<(), Error>,
) -> (Option<SessionEvent<'static>>, Option<Result<bool, Error>>) {
    match outcome {
        Ok(()) => (outbox.pop().map(SessionEvent::Delivered), Some(Ok(true))),
        Err(e @ Error::Invalid(_)) => {
            (outbox.pop().map(|seq| SessionEvent::Rejected(seq, e)), None)
        }
        Err(e) => (None, Some(Err(e))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConnState;
    use crate::session::{Backoff, Plan, Slot, Step};
    use embassy_time::Instant;

    fn core() -> Core {
        Core::new(Plan {
            backoff: Backoff::DEFAULT,
            dial: false,
            user: false,
            will: false,
            tls: false,
            subscriptions: 0,
        })
    }

    fn connected() -> Core {
        let mut c = core();
        let now = Instant::from_secs(1);
        for (step, after) in [
            (Step::Start, ConnState::Closed),
            (Step::CheckCall, ConnState::Closed),
            (Step::Open, ConnState::Open),
        ] {
            assert_eq!(c.next(now, false), step);
            c.done(step, Ok(true), after, now);
        }
        assert!(c.connected());
        c
    }

    #[test]
    fn qos_0_goes_out_at_once_and_only_while_connected() {
        assert_eq!(
            route(&core(), QoS::AtMostOnce),
            Err(PublishError::NotConnected)
        );
        assert_eq!(route(&connected(), QoS::AtMostOnce), Ok(Route::Now));
        assert_eq!(route(&core(), QoS::AtLeastOnce), Ok(Route::Queue));
        assert_eq!(route(&core(), QoS::ExactlyOnce), Ok(Route::Queue));
    }

    #[test]
    fn nothing_is_taken_into_a_dead_session() {
        let mut c = connected();
        let dead = Error::Io(embedded_io::ErrorKind::BrokenPipe);
        c.link_down(dead);
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce] {
            assert_eq!(route(&c, qos), Err(PublishError::Failed(dead)));
        }
    }

    #[test]
    fn a_full_outbox_refuses_waits_or_drops_the_oldest_reported_as_one_run() {
        let (mut bytes, mut slots) = ([0u8; 64], [Slot::EMPTY; 2]);
        let mut outbox = Outbox::new(&mut bytes, &mut slots);
        let (mut c, mut dropped) = (core(), Dropped::default());
        let offer = |outbox: &mut Outbox<'_>, c: &mut Core, d: &mut Dropped, when| {
            queue(outbox, when, c, d, "t", b"x", QoS::AtLeastOnce, false)
        };
        let first = offer(&mut outbox, &mut c, &mut dropped, WhenFull::Refuse);
        let second = offer(&mut outbox, &mut c, &mut dropped, WhenFull::Refuse);
        let (Ok(Queued::Taken(a)), Ok(Queued::Taken(b))) = (first, second) else {
            panic!("two entries fit: {first:?} {second:?}");
        };
        assert_eq!(
            offer(&mut outbox, &mut c, &mut dropped, WhenFull::Refuse),
            Err(PublishError::Full)
        );
        assert_eq!(
            offer(&mut outbox, &mut c, &mut dropped, WhenFull::Wait),
            Ok(Queued::Wait)
        );
        assert_eq!(dropped.take(), None, "nothing dropped so far");
        // Two more dropping the oldest: both older entries go, reported as one run.
        for _ in 0..2 {
            let r = offer(&mut outbox, &mut c, &mut dropped, WhenFull::DropOldest);
            assert!(matches!(r, Ok(Queued::Taken(_))), "{r:?}");
        }
        assert_eq!(
            dropped.take(),
            Some(SessionEvent::Dropped { first: a, count: 2 })
        );
        assert_eq!(b.0, a.0.wrapping_add(1));
        assert_eq!(c.stats().dropped, 2);
        assert_eq!(dropped.take(), None, "reported once");
        // What can never fit is refused whatever the policy.
        let big = [0u8; 80];
        let r = queue(
            &mut outbox,
            WhenFull::DropOldest,
            &mut c,
            &mut dropped,
            "t",
            &big,
            QoS::AtLeastOnce,
            false,
        );
        assert_eq!(r, Err(PublishError::TooLarge));
    }

    #[test]
    fn the_outcome_of_sending_an_entry() {
        let (mut bytes, mut slots) = ([0u8; 64], [Slot::EMPTY; 4]);
        let mut outbox = Outbox::new(&mut bytes, &mut slots);
        let mut c = core();
        let mut d = Dropped::default();
        let mut seqs = [Seq(0); 3];
        for s in seqs.iter_mut() {
            let Ok(Queued::Taken(seq)) = queue(
                &mut outbox,
                WhenFull::Refuse,
                &mut c,
                &mut d,
                "t",
                b"x",
                QoS::AtLeastOnce,
                false,
            ) else {
                panic!("fits");
            };
            *s = seq;
        }
        // Sent once, outcome unknown (a fault), sent again: counted as re-sent.
        assert!(next_to_send(&mut outbox, &mut c).is_some());
        assert_eq!(
            sent(&mut outbox, Err(Error::ResultTimeout)),
            (None, Some(Err(Error::ResultTimeout)))
        );
        assert!(next_to_send(&mut outbox, &mut c).is_some());
        assert_eq!(c.stats().resent, 1);
        assert_eq!(
            sent(&mut outbox, Ok(())),
            (Some(SessionEvent::Delivered(seqs[0])), Some(Ok(true)))
        );
        // Refused as invalid: it leaves the outbox for good, and the core is not told.
        assert!(next_to_send(&mut outbox, &mut c).is_some());
        let invalid = Error::Invalid(crate::codec::EncodeError::BufferTooSmall { needed: 1 });
        assert_eq!(
            sent(&mut outbox, Err(invalid)),
            (Some(SessionEvent::Rejected(seqs[1], invalid)), None)
        );
        assert_eq!(outbox.len(), 1);
    }
}
