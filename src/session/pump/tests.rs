//! The pump's turn on its own: given the core's state and what the driver has ready, the one
//! thing to do next.

use super::*;
use crate::codec::{Message, Registration, RegistrationKind};
use crate::error::ConnState;
use crate::session::{Backoff, Plan, Seq, SessionState};
use crate::types::{BreakCause, QoS};
use embassy_time::Duration;

const ID: ClientId = ClientId::One;

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

fn core() -> Core {
    Core::new(Plan {
        backoff: Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(8),
            jitter_percent: 0,
            seed: 7,
        },
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    })
}

fn seen(ready: Ready, now: Instant) -> Seen {
    Seen {
        link: None,
        ready,
        queued: false,
        now,
        limit: None,
    }
}

/// A core that is connected and read what the module held, its state change handed out.
fn connected() -> Core {
    let mut c = core();
    for (step, result, after) in [
        (Step::Start, Ok(true), ConnState::Closed),
        (Step::CheckCall, Ok(true), ConnState::Closed),
        (Step::Open, Ok(true), ConnState::Open),
        (Step::Read, Ok(false), ConnState::Open),
    ] {
        assert_eq!(c.next(t(0), false), step);
        c.done(step, result, after, t(0));
    }
    assert_eq!(c.take_change(), Some(SessionState::Connected));
    c
}

#[test]
fn a_dead_link_comes_first_and_the_core_learns_it() {
    let dead = Error::Io(embedded_io::ErrorKind::BrokenPipe);
    let (mut c, mut turns) = (core(), Turns::default());
    let mut dropped = Dropped(Some((Seq(3), 1)));
    let s = Seen {
        link: Some(dead),
        ..seen(Ready::Event, t(0))
    };
    assert_eq!(turns.next(&mut c, &mut dropped, s), Next::Fail(dead));
    assert_eq!(c.link_error(), Some(dead));
    assert_eq!(c.admit(), Err(dead));
}

#[test]
fn a_change_of_state_then_dropped_entries_go_before_any_event_or_step() {
    let (mut c, mut turns) = (core(), Turns::default());
    let mut dropped = Dropped(Some((Seq(4), 2)));
    let first = turns.next(&mut c, &mut dropped, seen(Ready::Event, t(0)));
    assert_eq!(
        first,
        Next::Report(SessionEvent::State(SessionState::Connecting {
            attempt: 1,
            last: None
        }))
    );
    let second = turns.next(&mut c, &mut dropped, seen(Ready::Event, t(0)));
    assert_eq!(
        second,
        Next::Report(SessionEvent::Dropped {
            first: Seq(4),
            count: 2
        })
    );
    // Then the first step: no step has run yet, so it goes before the event.
    let third = turns.next(&mut c, &mut dropped, seen(Ready::Event, t(0)));
    assert_eq!(third, Next::Run(Step::Start));
}

#[test]
fn steps_and_ready_events_take_turns() {
    let (mut c, mut turns, mut d) = (core(), Turns::default(), Dropped::default());
    let _ = c.take_change();
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Event, t(0))),
        Next::Run(Step::Start)
    );
    turns.ran();
    // The step's outcome not reported yet: the same step is next, after the event.
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Event, t(0))),
        Next::HandOut
    );
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Event, t(0))),
        Next::Run(Step::Start)
    );
    turns.ran();
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Message(ClientId::Two), t(0))),
        Next::Read(ClientId::Two)
    );
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Message(ClientId::Two), t(0))),
        Next::Run(Step::Start)
    );
    turns.ran();
    // The events' turn with nothing ready: the step runs at once.
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Nothing, t(0))),
        Next::Run(Step::Start)
    );
    turns.ran();
    // A driver that tells only by being polled: poll it at once, then run the step.
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Unknown, t(0))),
        Next::Peek(Step::Start)
    );
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Unknown, t(0))),
        Next::Run(Step::Start)
    );
}

#[test]
fn with_nothing_to_run_the_pump_waits_and_hands_out_what_is_ready() {
    let (mut c, mut turns, mut d) = (connected(), Turns::default(), Dropped::default());
    for (ready, next) in [
        (Ready::Nothing, Next::Wait(None)),
        (Ready::Unknown, Next::Wait(None)),
        (Ready::Event, Next::HandOut),
        (Ready::Message(ID), Next::Read(ID)),
    ] {
        assert_eq!(turns.next(&mut c, &mut d, seen(ready, t(5))), next);
    }
    // The blocking poll waits no longer than its deadline.
    let polled = Seen {
        limit: Some(t(9)),
        ..seen(Ready::Unknown, t(5))
    };
    assert_eq!(turns.next(&mut c, &mut d, polled), Next::Wait(Some(t(9))));
    // Something queued: a step, not a wait.
    let queued = Seen {
        queued: true,
        ..seen(Ready::Nothing, t(5))
    };
    assert_eq!(turns.next(&mut c, &mut d, queued), Next::Run(Step::Send));
}

#[test]
fn a_back_off_is_waited_out_up_to_the_deadline() {
    let (mut c, mut turns, mut d) = (core(), Turns::default(), Dropped::default());
    let _ = c.take_change();
    assert_eq!(c.next(t(0), false), Step::Start);
    c.done(
        Step::Start,
        Err(Error::AnswerTimeout),
        ConnState::Closed,
        t(0),
    );
    let _ = c.take_change();
    // Attempt 1 failed: 1 s of back-off, no jitter.
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Nothing, t(0))),
        Next::Wait(Some(t(1000)))
    );
    let early = Seen {
        limit: Some(t(400)),
        ..seen(Ready::Unknown, t(0))
    };
    assert_eq!(turns.next(&mut c, &mut d, early), Next::Wait(Some(t(400))));
    let late = Seen {
        limit: Some(t(5000)),
        ..seen(Ready::Unknown, t(0))
    };
    assert_eq!(turns.next(&mut c, &mut d, late), Next::Wait(Some(t(1000))));
    // An event while waiting is handed out at once.
    assert_eq!(
        turns.next(&mut c, &mut d, seen(Ready::Event, t(10))),
        Next::HandOut
    );
}

#[test]
fn a_failed_read_is_handed_out_unless_the_link_is_dead() {
    assert_eq!(
        read_failed(ClientId::Two, Error::AnswerTimeout, None),
        Ok(SessionEvent::Module(Event::ReadFailed {
            client: ClientId::Two,
            error: Error::AnswerTimeout
        }))
    );
    let dead = Error::Io(embedded_io::ErrorKind::BrokenPipe);
    assert_eq!(
        read_failed(ClientId::Two, Error::AnswerTimeout, Some(dead)),
        Err(dead)
    );
}

#[test]
fn an_event_is_lent_and_the_core_gets_what_it_acts_on() {
    let mut f = |ev: SessionEvent<'_>| format!("{ev:?}");
    let message = Message {
        client: ID,
        qos: QoS::AtMostOnce,
        topic: b"a",
        payload: b"x",
    };
    let (out, seen) = lend(Event::Message(message), &mut f);
    assert!(out.starts_with("Message("), "{out}");
    assert_eq!(seen, None);
    let cause = BreakCause::Broker;
    let (out, seen) = lend(Event::Break { client: ID, cause }, &mut f);
    assert!(out.starts_with("Module(Break"), "{out}");
    assert_eq!(seen, Some(Event::Break { client: ID, cause }));
    let registered = Registration {
        kind: RegistrationKind::Creg,
        mode: None,
        stat: 1,
    };
    for ev in [
        Event::Restarted,
        Event::DataCallDown,
        Event::Registration(registered),
    ] {
        let (out, seen) = lend(ev, &mut f);
        assert!(out.starts_with("Module("), "{out}");
        assert_eq!(seen, Some(ev));
    }
}
