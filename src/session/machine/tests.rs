//! The session core on its own: fed outcomes and events, no driver.

use super::*;
use crate::codec::{Registration, RegistrationKind};
use crate::error::ModuleError;

const B: Backoff = Backoff {
    initial: Duration::from_secs(1),
    max: Duration::from_secs(8),
    jitter_percent: 0,
    seed: 7,
};
const ID: ClientId = ClientId::One;

fn t(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// Runs the core to `Connected`, answering every step with success (the call is up, the
/// client is not open, nothing to read); returns the steps taken.
fn connect(c: &mut Core, now: Instant) -> Vec<Step> {
    let mut steps = Vec::new();
    loop {
        let s = c.next(now, false);
        steps.push(s);
        let r = match s {
            Step::Idle => return steps,
            Step::Wait(_) => panic!("waits: {steps:?}"),
            Step::Read => Ok(false),
            _ => Ok(true),
        };
        let st = if matches!(s, Step::Open | Step::Subscribe(_)) {
            ConnState::Open
        } else {
            ConnState::Closed
        };
        c.done(s, r, st, now);
    }
}

#[test]
fn first_connection_runs_every_step_in_order() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: true,
        user: true,
        will: true,
        tls: false,
        subscriptions: 2,
    });
    assert_eq!(
        c.take_change(),
        Some(SessionState::Connecting {
            attempt: 1,
            last: None
        })
    );
    assert_eq!(
        connect(&mut c, t(0)),
        [
            Step::Start,
            Step::CheckCall,
            Step::User,
            Step::Will,
            Step::Open,
            Step::Subscribe(0),
            Step::Subscribe(1),
            Step::Read,
            Step::Idle
        ]
    );
    assert_eq!(c.take_change(), Some(SessionState::Connected));
    assert_eq!(c.take_change(), None);
    assert_eq!(c.next(t(0), true), Step::Send);
    assert_eq!(c.stats().reconnects, 0);
}

#[test]
fn call_down_dials_or_waits() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: true,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::CheckCall);
    c.done(Step::CheckCall, Ok(false), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::Dial);

    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    c.done(Step::CheckCall, Ok(false), ConnState::Closed, t(0));
    assert_eq!(c.next(t(10), false), Step::Wait(t(1000)));
    assert_eq!(
        c.state(),
        SessionState::Waiting {
            attempt: 1,
            until: t(1000),
            last: Some(Reason::CallDown)
        }
    );
    assert_eq!(c.next(t(1000), false), Step::CheckCall);
    assert!(matches!(
        c.state(),
        SessionState::Connecting { attempt: 2, .. }
    ));
}

#[test]
fn a_firmware_that_refuses_the_call_query_is_not_asked_again_in_a_loop() {
    let refused = || {
        Err(Error::Module(ModuleError {
            command: None,
            code: None,
        }))
    };
    // Using the call that is up: taken as up, on to the user.
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: true,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::CheckCall);
    c.done(Step::CheckCall, refused(), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::User);
    // Dialling: dial, and a refused dial means a call is up already.
    let mut c = Core::new(Plan {
        backoff: B,
        dial: true,
        user: true,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    c.done(Step::CheckCall, refused(), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::Dial);
    c.done(Step::Dial, refused(), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::User);
    assert_eq!(c.stats().faults, 0);
}

#[test]
fn a_refused_dial_is_a_failure_where_the_call_can_be_asked_about() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: true,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    c.done(Step::CheckCall, Ok(false), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::Dial);
    c.done(
        Step::Dial,
        Err(Error::Module(ModuleError {
            command: None,
            code: None,
        })),
        ConnState::Closed,
        t(0),
    );
    assert_eq!(c.next(t(0), false), Step::Wait(t(1000)));
    assert_eq!(c.next(t(1000), false), Step::CheckCall);
}

#[test]
fn a_client_in_another_state_than_thought_sends_the_session_back_to_start_up() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: true,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    c.done(Step::CheckCall, Ok(true), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::User);
    // The driver refuses the user: the client is open (left over, start-up kept it).
    let open = Error::WrongState {
        client: ClientId::One,
        state: ConnState::Open,
    };
    c.done(Step::User, Err(open), ConnState::Open, t(0));
    assert_eq!(c.next(t(0), false), Step::Wait(t(1000)));
    assert_eq!(c.next(t(1000), false), Step::Start);
}

#[test]
fn a_connection_start_up_kept_is_only_subscribed_again() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: true,
        will: true,
        tls: false,
        subscriptions: 1,
    });
    c.done(Step::Start, Ok(true), ConnState::Open, t(0));
    assert_eq!(c.next(t(0), false), Step::Subscribe(0));
    c.done(Step::Subscribe(0), Ok(true), ConnState::Open, t(0));
    assert!(c.connected());
}

#[test]
fn opening_a_client_the_driver_says_is_open_counts_as_opened() {
    // Opened meanwhile (a late `+MQTTOPEN: 1,1`): the driver refuses the open, locally.
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(Step::Start, Ok(true), ConnState::Closed, t(0));
    c.done(Step::CheckCall, Ok(true), ConnState::Closed, t(0));
    assert_eq!(c.next(t(0), false), Step::Open);
    let open = Error::WrongState {
        client: ClientId::One,
        state: ConnState::Open,
    };
    c.done(Step::Open, Err(open), ConnState::Open, t(0));
    assert!(c.connected());
}

#[test]
fn each_fault_goes_back_as_far_as_it_undoes() {
    let cases: [(Event<'static>, &[Step]); 5] = [
        (
            Event::Break {
                client: ID,
                cause: BreakCause::Broker,
            },
            &[Step::Open, Step::Subscribe(0), Step::Read, Step::Idle],
        ),
        (
            Event::Break {
                client: ID,
                cause: BreakCause::Link,
            },
            &[
                Step::CheckCall,
                Step::Open,
                Step::Subscribe(0),
                Step::Read,
                Step::Idle,
            ],
        ),
        (
            Event::Break {
                client: ID,
                cause: BreakCause::Network,
            },
            &[
                Step::CheckCall,
                Step::Open,
                Step::Subscribe(0),
                Step::Read,
                Step::Idle,
            ],
        ),
        (
            Event::DataCallDown,
            &[
                Step::CheckCall,
                Step::Open,
                Step::Subscribe(0),
                Step::Read,
                Step::Idle,
            ],
        ),
        (
            Event::Restarted,
            &[
                Step::Start,
                Step::CheckCall,
                Step::User,
                Step::Will,
                Step::Open,
                Step::Subscribe(0),
                Step::Read,
                Step::Idle,
            ],
        ),
    ];
    for (ev, steps) in cases {
        let mut c = Core::new(Plan {
            backoff: B,
            dial: false,
            user: true,
            will: true,
            tls: false,
            subscriptions: 1,
        });
        connect(&mut c, t(0));
        c.take_change();
        c.event(ID, &ev, ConnState::Closed, t(100));
        let SessionState::Connecting {
            attempt: 1,
            last: Some(_),
        } = c.state()
        else {
            panic!("{ev:?}: {:?}", c.state());
        };
        assert_eq!(connect(&mut c, t(600)), steps, "{ev:?}");
        assert_eq!(c.stats().reconnects, 1);
        assert_eq!(c.stats().longest_outage, Duration::from_millis(500));
    }
}

#[test]
fn old_breaks_and_other_clients_are_ignored() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    connect(&mut c, t(0));
    let brk = Event::Break {
        client: ID,
        cause: BreakCause::Broker,
    };
    // The driver says the client is open again: the break was of an earlier connection.
    c.event(ID, &brk, ConnState::Open, t(1));
    let other = Event::Break {
        client: ClientId::Two,
        cause: BreakCause::Broker,
    };
    c.event(ID, &other, ConnState::Closed, t(1));
    assert!(c.connected());
    assert_eq!(c.stats().faults, 0);
}

#[test]
fn failed_attempts_back_off_exponentially_to_the_cap() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    connect(&mut c, t(0));
    c.event(
        ID,
        &Event::Break {
            client: ID,
            cause: BreakCause::Broker,
        },
        ConnState::Closed,
        t(0),
    );
    let mut now = 0;
    let refused = Error::Refused(crate::Refusal::ServerUnavailable);
    let mut waits = Vec::new();
    for _ in 0..6 {
        // The open fails; the call check after it succeeds; the open fails again ...
        assert_eq!(c.next(t(now), false), Step::Open);
        c.done(Step::Open, Err(refused), ConnState::Closed, t(now));
        let Step::Wait(until) = c.next(t(now), false) else {
            panic!()
        };
        waits.push(until.as_millis() - now);
        now = until.as_millis();
        assert_eq!(c.next(t(now), false), Step::CheckCall);
        c.done(Step::CheckCall, Ok(true), ConnState::Closed, t(now));
    }
    assert_eq!(waits, [1000, 2000, 4000, 8000, 8000, 8000]);
    assert_eq!(
        c.state(),
        SessionState::Connecting {
            attempt: 7,
            last: Some(Reason::Failed(Stage::Open, refused))
        }
    );
}

#[test]
fn jitter_stays_within_its_share_and_follows_the_seed() {
    let b = Backoff {
        jitter_percent: 50,
        ..B
    };
    let run = |seed| {
        let mut c = Core::new(Plan {
            backoff: Backoff { seed, ..b },
            dial: false,
            user: false,
            will: false,
            tls: false,
            subscriptions: 0,
        });
        (0..64).map(|_| c.delay(2).as_millis()).collect::<Vec<_>>()
    };
    let a = run(1);
    assert!(a.iter().all(|d| (1000..=2000).contains(d)), "{a:?}");
    assert!(
        a.iter().any(|d| *d < 1500) && a.iter().any(|d| *d > 1500),
        "{a:?}"
    );
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
}

#[test]
fn a_silent_module_is_probed_and_configured_again() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: true,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    connect(&mut c, t(0));
    c.done(Step::Send, Err(Error::ResultTimeout), ConnState::Open, t(0));
    assert_eq!(c.next(t(0), true), Step::Start);
    c.done(
        Step::Start,
        Err(Error::AnswerTimeout),
        ConnState::Open,
        t(0),
    );
    assert_eq!(c.next(t(0), true), Step::Wait(t(1000)));
    assert_eq!(
        connect(&mut c, t(1000)),
        [
            Step::Start,
            Step::CheckCall,
            Step::User,
            Step::Open,
            Step::Read,
            Step::Idle
        ]
    );
}

#[test]
fn registration_back_ends_the_wait() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 0,
    });
    c.done(
        Step::Start,
        Err(Error::AnswerTimeout),
        ConnState::Closed,
        t(0),
    );
    assert_eq!(c.next(t(0), false), Step::Wait(t(1000)));
    let lost = Registration {
        kind: RegistrationKind::Creg,
        mode: None,
        stat: 0,
    };
    c.event(ID, &Event::Registration(lost), ConnState::Closed, t(10));
    assert_eq!(c.next(t(10), false), Step::Wait(t(1000)));
    let back = Registration { stat: 1, ..lost };
    c.event(ID, &Event::Registration(back), ConnState::Closed, t(20));
    assert_eq!(c.next(t(20), false), Step::Start);
}

#[test]
fn failures_while_connected_retry_in_place() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: false,
        subscriptions: 1,
    });
    connect(&mut c, t(0));
    let err = Error::Module(ModuleError {
        command: None,
        code: None,
    });
    c.done(Step::Send, Err(err), ConnState::Open, t(0));
    assert!(c.connected());
    assert_eq!(c.next(t(0), true), Step::Wait(t(1000)));
    assert_eq!(c.next(t(1000), true), Step::Send);
    // A publish that finds the client closed: open again.
    let closed = Error::WrongState {
        client: ID,
        state: ConnState::Closed,
    };
    c.done(Step::Send, Err(closed), ConnState::Closed, t(1000));
    assert_eq!(c.next(t(1000), true), Step::Open);
    // Open answering "already open" counts as opened.
    let open = Error::WrongState {
        client: ID,
        state: ConnState::Open,
    };
    c.done(Step::Open, Err(open), ConnState::Open, t(1000));
    assert_eq!(c.next(t(1000), true), Step::Subscribe(0));
    // A subscription that fails is tried again after the wait.
    c.done(
        Step::Subscribe(0),
        Err(Error::Failed(crate::AtCommand::Subscribe)),
        ConnState::Open,
        t(1000),
    );
    assert_eq!(c.next(t(1000), true), Step::Wait(t(2000)));
    assert_eq!(c.next(t(2000), true), Step::Subscribe(0));
}

#[test]
fn an_open_refused_for_lost_tls_provisions_again_first() {
    let mut c = Core::new(Plan {
        backoff: B,
        dial: false,
        user: false,
        will: false,
        tls: true,
        subscriptions: 0,
    });
    connect(&mut c, t(0));
    c.done(
        Step::Send,
        Err(Error::WrongState {
            client: ID,
            state: ConnState::Closed,
        }),
        ConnState::Closed,
        t(0),
    );
    assert_eq!(c.next(t(0), false), Step::Open);
    c.done(Step::Open, Err(Error::TlsLost), ConnState::Closed, t(0));
    let mut step = c.next(t(0), false);
    if let Step::Wait(until) = step {
        step = c.next(until, false);
    }
    assert_eq!(step, Step::Tls);
}
