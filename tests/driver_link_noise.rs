//! A noisy UART and a dead port: a failed read is transient (reported, what was being received
//! dropped, reading goes on), only end of file or errors that persist kill the link; a dead
//! link ends every waiter at once, and the runner cannot be made to spin afterwards.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Instant as StdInstant;

use embassy_time::{Duration, Timer};
use embedded_io::ErrorKind;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::scripted::Script;
use fibocom_mqtt::{ClientId, Config, Error};
use futures::future::{select, Either};

mod common;
mod faulty;
use common::{fast, msg, owned, Ev};
use faulty::{Faulty, Plan, ReadFault};

/// Runs `$body` (the async control bound to `$c`) over `$script`, the port's halves wrapped in
/// faults of `$plan`, the runner beside it; the runner must not stop. The script must be
/// played exactly.
macro_rules! faulty_play {
    ($script:expr, $config:expr, $plan:expr, |$c:ident| $body:expr) => {{
        let script = Script::new($script);
        let (r, w) = script.split();
        let mut state = State::<1536>::new();
        let (mut runner, control) = asynch::new(
            &mut state,
            Faulty::new(r, $plan),
            Faulty::new(w, $plan),
            $config,
        );
        let $c = &control;
        let out = futures::executor::block_on(async {
            let work = core::pin::pin!(async { $body });
            let run = core::pin::pin!(runner.run());
            match select(run, work).await {
                Either::Left((e, _)) => panic!("runner stopped: {e:?}"),
                Either::Right((v, _)) => v,
            }
        });
        if let Err(e) = script.finish() {
            panic!("script not played exactly: {e}");
        }
        out
    }};
}

/// Events until none came for `quiet` ms.
async fn events<W: embedded_io_async::Write>(c: &asynch::Control<'_, W>, quiet: u64) -> Vec<Ev> {
    common::events_until_quiet(c, quiet).await
}

fn other(count: u16) -> Ev {
    Ev::LinkError {
        kind: ErrorKind::Other,
        count,
    }
}

#[test]
fn async_transient_error_drops_the_broken_line_and_the_driver_goes_on() {
    // The error strikes 6 bytes into a message: the message is dropped, not half-used (nor its
    // tail taken for a line of its own), the next one arrives, and the next command works.
    let plan = Plan::quiet();
    plan.borrow_mut()
        .force_read([ReadFault::Split(6), ReadFault::Error(ErrorKind::Other)]);
    let script = r#"
<< \r\n+MQTTMSG: 1,0,"a","broken OK"\r\n
.. 50
<< \r\n+MQTTMSG: 1,0,"a","whole"\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let (evs, ping) = faulty_play!(script, fast(), &plan, |c| {
        let evs = events(c, 150).await;
        (evs, c.ping().await)
    });
    assert_eq!(
        evs,
        vec![other(1), msg(ClientId::One, 0, b"a", b"whole")],
        "the error reported once, the broken message dropped"
    );
    assert_eq!(ping, Ok(()), "the next command works");
    assert_eq!(plan.borrow().counts.errors, 1);
}

#[test]
fn async_half_read_message_is_never_handed_out() {
    // A `+MQTTREAD` answer cut by an error in the middle of its payload: nothing of it is used.
    let plan = Plan::quiet();
    plan.borrow_mut().force_read([
        ReadFault::None,
        ReadFault::Split(30),
        ReadFault::Error(ErrorKind::InvalidData),
    ]);
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,1,10\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,1,10\r\n"t","0123456789"\r\n\r\nOK\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let (evs, ping) = faulty_play!(script, fast(), &plan, |c| {
        let evs = events(c, 300).await;
        (evs, c.ping().await)
    });
    // The read's answer never came whole: the read fails, no message made of half of it.
    assert_eq!(
        evs,
        vec![
            Ev::ReadFailed {
                client: ClientId::One,
                error: Error::UnexpectedAnswer
            },
            Ev::LinkError {
                kind: ErrorKind::InvalidData,
                count: 1
            }
        ]
    );
    assert_eq!(ping, Ok(()));
}

#[test]
fn async_errors_below_the_limit_are_survived_and_counted() {
    let limit = Config::default().dead_after_errors;
    let plan = Plan::quiet();
    plan.borrow_mut()
        .force_read((1..limit).map(|_| ReadFault::Error(ErrorKind::Other)));
    let script = r#"
>> AT\r
<< \r\nOK\r\n
"#;
    let (ping, evs) = faulty_play!(script, fast(), &plan, |c| {
        Timer::after_millis(20).await;
        (c.ping().await, events(c, 50).await)
    });
    assert_eq!(ping, Ok(()));
    assert_eq!(evs, vec![other(limit - 1)], "one report for the burst");
}

/// A port whose every read fails with `kind` (a line held in break, a Linux tty after unplug).
struct Failing(ErrorKind, std::cell::Cell<u32>);

#[derive(Debug)]
struct Kind(ErrorKind);
impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl std::error::Error for Kind {}
impl embedded_io::Error for Kind {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}
impl embedded_io::ErrorType for &Failing {
    type Error = Kind;
}
impl embedded_io_async::Read for &Failing {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Kind> {
        self.1.set(self.1.get() + 1);
        Err(Kind(self.0))
    }
}
impl embedded_io_async::Write for &Failing {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Kind> {
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Kind> {
        Ok(())
    }
}
impl embedded_io::Read for &Failing {
    fn read(&mut self, _: &mut [u8]) -> Result<usize, Kind> {
        self.1.set(self.1.get() + 1);
        Err(Kind(self.0))
    }
}
impl embedded_io::Write for &Failing {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Kind> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Kind> {
        Ok(())
    }
}

#[test]
fn async_persistent_errors_kill_the_link_and_the_runner_then_stays_pending() {
    let port = Failing(ErrorKind::Other, Default::default());
    let mut state = State::<256>::new();
    let config = Config::default().dead_after_errors(5);
    let (mut runner, control) = asynch::new(&mut state, &port, &port, config);
    let down = Error::Io(ErrorKind::Other);
    futures::executor::block_on(async {
        assert_eq!(runner.run().await, down, "dead after 5 errors in a row");
        assert_eq!(port.1.get(), 5);
        assert_eq!(control.link_error(), Some(down));
        // The probe: a task looping on `run` after the link died. Every later call stays
        // pending: nothing returns, nothing is read, nothing spins.
        let returns = std::cell::Cell::new(0);
        {
            let looping = async {
                loop {
                    runner.run().await;
                    returns.set(returns.get() + 1);
                }
            };
            let looping = core::pin::pin!(looping);
            let timer = core::pin::pin!(Timer::after_millis(50));
            let waited = matches!(select(looping, timer).await, Either::Right(_));
            assert!(waited);
        }
        assert_eq!(returns.get(), 0);
        assert_eq!(port.1.get(), 5, "no read after the link died");
        assert_eq!(control.ping().await, Err(down));
        assert_eq!(control.next_event(|_| ()).await, Err(down));
    });
}

#[test]
fn async_a_port_that_says_the_link_is_gone_is_dead_at_once() {
    for kind in [
        ErrorKind::BrokenPipe,
        ErrorKind::NotConnected,
        ErrorKind::ConnectionReset,
        ErrorKind::ConnectionAborted,
    ] {
        let port = Failing(kind, Default::default());
        let mut state = State::<256>::new();
        let (mut runner, _control) = asynch::new(&mut state, &port, &port, Config::default());
        let e = futures::executor::block_on(runner.run());
        assert_eq!((e, port.1.get()), (Error::Io(kind), 1));
    }
}

#[test]
fn blocking_transient_error_is_reported_and_the_driver_goes_on() {
    let plan = Plan::quiet();
    plan.borrow_mut()
        .force_read([ReadFault::Split(5), ReadFault::Error(ErrorKind::Other)]);
    let script = Script::new(
        r#"
<< \r\n+MQTTMSG: 1,0,"a","broken"\r\n
<< \r\n+MQTTMSG: 1,0,"a","whole"\r\n
>> AT\r
<< \r\nOK\r\n
"#,
    );
    let mut modem = Modem::<_, 512>::new(Faulty::new(script.port(), &plan), fast());
    let mut evs = vec![];
    while let Some(ev) = modem
        .poll_event(Duration::from_millis(100), owned)
        .expect("the link lives")
    {
        evs.push(ev);
    }
    assert_eq!(evs, vec![other(1), msg(ClientId::One, 0, b"a", b"whole")]);
    assert_eq!(modem.ping(), Ok(()));
    assert_eq!(modem.link_error(), None);
    drop(modem);
    script.finish().expect("played exactly");
}

#[test]
fn blocking_persistent_errors_kill_the_link() {
    let port = Failing(ErrorKind::Other, Default::default());
    let mut modem = Modem::<_, 256>::new(&port, fast().dead_after_errors(3));
    let down = Error::Io(ErrorKind::Other);
    assert_eq!(modem.ping(), Err(down), "3 failed reads in a row");
    assert_eq!(port.1.get(), 3);
    assert_eq!(modem.poll_event(Duration::from_secs(5), |_| ()), Err(down));
    assert_eq!(modem.ping(), Err(down));
    assert_eq!(port.1.get(), 3, "no read after the link died");
}

// ---------------------------------------------------------------------------------------------
// A duplex port: the command bytes go through a 64-byte pipe the runner drains.

/// A duplex port whose reads never complete and whose writes fail with `BrokenPipe`: the
/// runner dies as it writes the first pipeful.
struct DeadOnWrite;

impl embedded_io::ErrorType for DeadOnWrite {
    type Error = Kind;
}
impl embedded_io_async::Read for DeadOnWrite {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Kind> {
        core::future::pending().await
    }
}
impl embedded_io_async::Write for DeadOnWrite {
    async fn write(&mut self, _: &[u8]) -> Result<usize, Kind> {
        Err(Kind(ErrorKind::BrokenPipe))
    }
    async fn flush(&mut self) -> Result<(), Kind> {
        Ok(())
    }
}

#[test]
fn duplex_write_longer_than_the_pipe_and_those_behind_it_end_when_the_link_dies() {
    let mut state = asynch::DuplexState::<256>::new();
    let slow = Config::with_timeouts(Duration::from_secs(30), Duration::from_secs(30));
    let (mut runner, control) = asynch::new_duplex(&mut state, DeadOnWrite, slow);
    let long = "A".repeat(3 * asynch::DUPLEX_PIPE);
    let down = Error::Io(ErrorKind::BrokenPipe);
    let started = StdInstant::now();
    let (ran, (first, second)) = futures::executor::block_on(async {
        let work = futures::future::join(control.raw(&long, |_| ()), control.raw(&long, |_| ()));
        let limit = Timer::after_secs(5);
        match select(
            core::pin::pin!(futures::future::join(runner.run(), work)),
            core::pin::pin!(limit),
        )
        .await
        {
            Either::Left((r, _)) => r,
            Either::Right(_) => panic!("a write hangs once the runner stopped"),
        }
    });
    assert_eq!(ran, down);
    assert_eq!(first, Err(down), "the write in progress");
    assert_eq!(second, Err(down), "the operation queued behind it");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
}

// ---------------------------------------------------------------------------------------------
// The session over a dead link.

use fibocom_mqtt::session::{asynch::Session, PublishError};
use fibocom_mqtt::session::{Outbox, SessionConfig, Slot, WhenFull};
use fibocom_mqtt::{Broker, QoS};

/// A port that accepts writes, never answers, and ends (end of file) after `ms`.
struct EndsAfter(u64);

impl embedded_io::ErrorType for EndsAfter {
    type Error = Kind;
}
impl embedded_io_async::Read for EndsAfter {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Kind> {
        Timer::after_millis(self.0).await;
        Ok(0)
    }
}
impl embedded_io_async::Write for EndsAfter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Kind> {
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Kind> {
        Ok(())
    }
}

#[test]
fn session_publisher_waiting_for_room_and_later_publishes_end_with_the_port_error() {
    let mut state = State::<512>::new();
    let slow = Config::with_timeouts(Duration::from_secs(30), Duration::from_secs(30));
    let (mut runner, control) = asynch::new(&mut state, EndsAfter(100), EndsAfter(100), slow);
    let mut bytes = [0u8; 256];
    let mut slots = [Slot::EMPTY; 1];
    let config = SessionConfig {
        when_full: WhenFull::Wait,
        ..SessionConfig::new(Broker::new("broker", 1883))
    };
    let session = Session::new(&control, config, Outbox::new(&mut bytes, &mut slots));
    let down = Error::Io(ErrorKind::BrokenPipe);
    let started = StdInstant::now();
    let (ran, (pumped, (first, second))) = futures::executor::block_on(async {
        let pump = async {
            loop {
                if let Err(e) = session.next_event(|_| ()).await {
                    return e;
                }
            }
        };
        let publish = futures::future::join(
            session.publish("t", b"1", QoS::AtLeastOnce, false),
            // The outbox holds one: this one waits for room.
            session.publish("t", b"2", QoS::AtLeastOnce, false),
        );
        let limit = Timer::after_secs(5);
        match select(
            core::pin::pin!(futures::future::join(
                runner.run(),
                futures::future::join(pump, publish)
            )),
            core::pin::pin!(limit),
        )
        .await
        {
            Either::Left((r, _)) => r,
            Either::Right(_) => panic!("a waiter was not woken when the link died"),
        }
    });
    assert_eq!(ran, down);
    assert_eq!(pumped, down, "next_event");
    assert!(matches!(first, Ok(Some(_))), "queued before: {first:?}");
    assert_eq!(
        second,
        Err(PublishError::Failed(down)),
        "the waiting publisher"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // Later: a publish into the dead session fails, nothing is queued; next_event fails at once.
    let queued = session.queued();
    let later = futures::executor::block_on(async {
        (
            session.publish("t", b"3", QoS::AtLeastOnce, false).await,
            session.publish("t", b"4", QoS::AtMostOnce, false).await,
            session.next_event(|_| ()).await,
        )
    });
    assert_eq!(
        later,
        (
            Err(PublishError::Failed(down)),
            Err(PublishError::Failed(down)),
            Err(down)
        )
    );
    assert_eq!(session.queued(), queued);
}

#[test]
fn blocking_session_publish_into_a_dead_link_fails() {
    let port = Failing(ErrorKind::BrokenPipe, Default::default());
    let mut modem = Modem::<_, 256>::new(&port, fast());
    let down = Error::Io(ErrorKind::BrokenPipe);
    assert_eq!(modem.ping(), Err(down));
    let mut bytes = [0u8; 256];
    let mut slots = [Slot::EMPTY; 4];
    let config = SessionConfig::new(Broker::new("broker", 1883));
    let mut session = fibocom_mqtt::session::blocking::Session::new(
        &mut modem,
        config,
        Outbox::new(&mut bytes, &mut slots),
    );
    assert_eq!(
        session.publish("t", b"1", QoS::AtLeastOnce, false),
        Err(PublishError::Failed(down))
    );
    assert_eq!(session.queued(), 0, "nothing queued into a dead session");
    assert_eq!(session.poll(Duration::from_millis(10), |_| ()), Err(down));
}

// Keeps the `Rc<RefCell<..>>` plan type in use for the macro's users.
#[allow(dead_code)]
fn _plan_type(_: &Rc<RefCell<Plan>>) {}
