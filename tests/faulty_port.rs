//! The drivers and the session under a faulty serial link: the module simulator behind the
//! port-level fault harness (`tests/faulty`), which injects read errors, lost and garbled
//! bytes, reads split anywhere, stalls and short writes from a seed, whatever the simulator
//! does itself.
//!
//! Properties, over random fault schedules (bounded case counts, so the suite stays fast):
//!
//! - the driver never panics, and every operation ends within its timeouts;
//! - when the link dies (forced: failed reads in a row), every later operation, and the event
//!   wait, fail at once with the port's error, and the runner does not return again;
//! - once the faults stop, the next operation succeeds;
//! - the session under faults loses no QoS 1 message (duplicates are counted, and allowed
//!   only where the session sent again a message whose outcome was unknown).
//!
//! The schedules are the same on every run; `FIBOCOM_FAULT_SEED` (default 1) draws others, and
//! `FIBOCOM_FAULT_CASES` changes the number of schedules of each property.

mod e2e;
mod faulty;

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::time::{Duration as StdDuration, Instant as StdInstant};

use e2e::*;
use embassy_time::Duration;
use embedded_io::ErrorKind;
use embedded_io_adapters::tokio_1::FromTokio;
use faulty::{Faulty, Plan, Rates, ReadFault};
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::host::TcpPort;
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{Backoff, DataCall, Outbox, SessionConfig, SessionEvent, Slot, User};
use fibocom_mqtt::{Broker, ClientId, Config, Error, QoS};
use futures::future::{select, Either};
use proptest::prelude::*;
use proptest::test_runner::{
    Config as RunnerConfig, RngAlgorithm, TestCaseError, TestRng, TestRunner,
};

/// Timeouts short enough that a lost answer costs little.
const ANSWER_MS: u64 = 250;
const RESULT_MS: u64 = 700;

fn config() -> Config {
    Config::with_timeouts(
        Duration::from_millis(ANSWER_MS),
        Duration::from_millis(RESULT_MS),
    )
}

/// The longest one operation may take: its answer, prompt and result, after waiting for a
/// data publish abandoned before to be given up by the module; and slack for stalls.
fn op_bound() -> StdDuration {
    StdDuration::from_millis(3 * ANSWER_MS + 2 * RESULT_MS + 1000)
}

/// At most this many events (the queue, a loss report, a read error report, a held message)
/// can wait when the link dies.
const EVENTS_BEFORE: usize =
    fibocom_mqtt::proto::EVENT_QUEUE + fibocom_mqtt::proto::HELD_MESSAGES + 3;

fn cases(default: u32) -> u32 {
    std::env::var("FIBOCOM_FAULT_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One random fault schedule.
#[derive(Debug, Clone)]
struct Schedule {
    seed: u64,
    rates: Rates,
    /// The operations made under faults (see [`Kind`]).
    ops: Vec<u8>,
    /// After which operation the link is made to die, if it is.
    kill_after: Option<usize>,
}

fn schedule(max_error: u16) -> impl Strategy<Value = Schedule> {
    (
        any::<u64>(),
        (
            0..=max_error,
            0u16..=150,
            0u16..=150,
            0u16..=500,
            0u16..=100,
            0u16..=500,
        ),
        prop::collection::vec(0u8..6, 4..16),
        prop::option::weighted(0.4, 0usize..8),
    )
        .prop_map(
            |(seed, (error, lose, garble, split, stall, short_write), ops, kill)| Schedule {
                seed,
                rates: Rates {
                    error,
                    lose,
                    garble,
                    split,
                    stall,
                    short_write,
                },
                kill_after: kill.map(|k| k % ops.len()),
                ops,
            },
        )
}

/// Makes the link die at the next reads: `dead_after_errors` failed reads in a row.
fn kill(plan: &Rc<RefCell<Plan>>) {
    let n = config().dead_after_errors;
    plan.borrow_mut()
        .force_read((0..n).map(|_| ReadFault::Error(ErrorKind::Other)));
}

fn check(ok: bool, what: impl FnOnce() -> String) -> Result<(), TestCaseError> {
    if ok {
        Ok(())
    } else {
        Err(TestCaseError::fail(what()))
    }
}

/// What one operation of the schedule did: its name and whether it failed with the port's
/// error.
type Outcome = (&'static str, Result<(), Error>);

async fn async_op(c: &Dut2<'_>, op: u8) -> Outcome {
    match op {
        0 => ("ping", c.ping().await),
        1 => ("signal quality", c.signal_quality().await.map(drop)),
        2 => ("data call", c.data_call().await.map(drop)),
        3 => (
            "publish",
            c.publish(ClientId::One, "fault/t", b"x", QoS::AtLeastOnce, false)
                .await,
        ),
        4 => (
            "subscribe",
            c.subscribe(ClientId::One, "fault/s", QoS::AtLeastOnce)
                .await,
        ),
        _ => ("sync states", c.sync_states().await.map(drop)),
    }
}

type Half<T> = Faulty<FromTokio<T>>;
type Dut2<'d> = asynch::Control<'d, Half<tokio::net::tcp::OwnedWriteHalf>>;

/// The async driver over one schedule.
fn async_case(env: &Env, s: &Schedule) -> Result<(), TestCaseError> {
    let sim = env.sim();
    let link = sim.tcp_addr().expect("the simulator's TCP address");
    let plan = Plan::new(s.seed, s.rates);
    plan.borrow_mut().stop();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(link)
            .await
            .expect("connect to the simulator");
        stream.set_nodelay(true).expect("nodelay");
        let (rd, wr) = stream.into_split();
        let mut state = State::<{ fibocom_mqtt::RX_BUFFER_MIN }>::new();
        let (mut runner, c) = asynch::new(
            &mut state,
            Faulty::new(FromTokio::new(rd), &plan),
            Faulty::new(FromTokio::new(wr), &plan),
            config(),
        );
        let ran: Cell<Option<Error>> = Cell::new(None);
        let returns = Cell::new(0u32);
        let run = async {
            loop {
                // A loop on `run`, as firmware writes it: it must not spin after the link died.
                ran.set(Some(runner.run().await));
                returns.set(returns.get() + 1);
            }
        };
        let body = async {
            // Set-up without faults: online, client 1 open.
            c.start().await.expect("start-up");
            c.attach(None, None).await.expect("data call");
            c.set_user(ClientId::One, USER, PASSWORD, Some(&env.client_id("fault")))
                .await
                .expect("user");
            c.open(ClientId::One, Broker::new(BROKER_HOST, 1883))
                .await
                .expect("open");
            plan.borrow_mut().resume();
            let mut killed = false;
            for (i, &op) in s.ops.iter().enumerate() {
                let t = StdInstant::now();
                let (name, r) = async_op(&c, op).await;
                let took = t.elapsed();
                check(took <= op_bound(), || {
                    format!("{name} took {took:?} (bound {:?}): {r:?}", op_bound())
                })?;
                if killed {
                    check(
                        r == Err(Error::Io(ErrorKind::Other))
                            && took < StdDuration::from_millis(50),
                        || format!("{name} after the link died: {r:?} in {took:?}"),
                    )?;
                }
                if s.kill_after == Some(i) && !killed {
                    kill(&plan);
                    // Traffic, so that the runner reads again: then it finds the link dead.
                    let _ = c.ping().await;
                    tokio::time::sleep(StdDuration::from_millis(20)).await;
                    check(c.link_error() == Some(Error::Io(ErrorKind::Other)), || {
                        format!(
                            "the link lives after the forced errors: {:?}",
                            c.link_error()
                        )
                    })?;
                    killed = true;
                }
            }
            plan.borrow_mut().stop();
            if killed {
                // The events that came before the link died are handed out first, then the
                // port's error: all at once.
                let t = StdInstant::now();
                let mut ev = Ok(());
                for _ in 0..EVENTS_BEFORE {
                    ev = c.next_event(|_| ()).await;
                    if ev.is_err() {
                        break;
                    }
                }
                check(
                    ev == Err(Error::Io(ErrorKind::Other))
                        && t.elapsed() < StdDuration::from_millis(50),
                    || format!("next_event after the link died: {ev:?}"),
                )?;
                let p = c.ping().await;
                check(p == Err(Error::Io(ErrorKind::Other)), || {
                    format!("ping after the link died: {p:?}")
                })?;
            } else {
                let p = c.ping().await;
                check(p == Ok(()), || {
                    format!("the first operation once the faults stopped: {p:?}")
                })?;
            }
            Ok::<bool, TestCaseError>(killed)
        };
        let killed = match select(core::pin::pin!(run), core::pin::pin!(body)).await {
            Either::Left(_) => unreachable!("the runner's loop never ends"),
            Either::Right((r, _)) => r?,
        };
        check(returns.get() == u32::from(killed), || {
            format!(
                "the runner returned {} times ({:?})",
                returns.get(),
                ran.get()
            )
        })
    })
}

/// The blocking driver over one schedule.
fn blocking_case(env: &Env, s: &Schedule) -> Result<(), TestCaseError> {
    let sim = env.sim();
    let port = TcpPort::connect(sim.tcp_addr().expect("tcp"), StdDuration::from_secs(5))
        .expect("connect to the simulator");
    let plan = Plan::new(s.seed, s.rates);
    plan.borrow_mut().stop();
    let mut m =
        Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(Faulty::new(port, &plan), config());
    m.start().expect("start-up");
    m.attach(None, None).expect("data call");
    m.set_user(ClientId::One, USER, PASSWORD, Some(&env.client_id("fault")))
        .expect("user");
    m.open(ClientId::One, Broker::new(BROKER_HOST, 1883))
        .expect("open");
    plan.borrow_mut().resume();
    let mut killed = false;
    for (i, &op) in s.ops.iter().enumerate() {
        let t = StdInstant::now();
        let (name, r): Outcome = match op {
            0 => ("ping", m.ping()),
            1 => ("signal quality", m.signal_quality().map(drop)),
            2 => ("data call", m.data_call().map(drop)),
            3 => (
                "publish",
                m.publish(ClientId::One, "fault/t", b"x", QoS::AtLeastOnce, false),
            ),
            4 => (
                "subscribe",
                m.subscribe(ClientId::One, "fault/s", QoS::AtLeastOnce),
            ),
            _ => ("sync states", m.sync_states().map(drop)),
        };
        let took = t.elapsed();
        check(took <= op_bound(), || {
            format!("{name} took {took:?} (bound {:?}): {r:?}", op_bound())
        })?;
        if killed {
            check(
                r == Err(Error::Io(ErrorKind::Other)) && took < StdDuration::from_millis(50),
                || format!("{name} after the link died: {r:?} in {took:?}"),
            )?;
        }
        if s.kill_after == Some(i) && !killed {
            kill(&plan);
            let p = m.ping();
            check(p == Err(Error::Io(ErrorKind::Other)), || {
                format!("ping into the forced errors: {p:?}")
            })?;
            killed = true;
        }
    }
    plan.borrow_mut().stop();
    if killed {
        let t = StdInstant::now();
        let mut ev = Ok(None);
        for _ in 0..EVENTS_BEFORE {
            ev = m.poll_event(Duration::from_secs(5), |_| ());
            if ev.is_err() {
                break;
            }
        }
        check(
            ev == Err(Error::Io(ErrorKind::Other)) && t.elapsed() < StdDuration::from_millis(50),
            || format!("poll_event after the link died: {ev:?}"),
        )
    } else {
        let p = m.ping();
        check(p == Ok(()), || {
            format!("the first operation once the faults stopped: {p:?}")
        })
    }
}

fn run_property(
    name: &str,
    cases: u32,
    max_error: u16,
    kills: bool,
    case: impl Fn(&Env, &Schedule) -> Result<(), TestCaseError>,
) {
    let env = Env::in_process();
    // Deterministic: the same schedules on every run, unless FIBOCOM_FAULT_SEED says others.
    let seed = std::env::var("FIBOCOM_FAULT_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(1);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    let mut runner = TestRunner::new_with_rng(
        RunnerConfig {
            cases,
            failure_persistence: None,
            max_shrink_iters: 16,
            ..RunnerConfig::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    );
    let started = StdInstant::now();
    let before = faulty::totals();
    let killed = Cell::new(0u32);
    let strategy = schedule(max_error).prop_map(move |mut s| {
        if !kills {
            s.kill_after = None;
        }
        s
    });
    let result = runner.run(&strategy, |s| {
        killed.set(killed.get() + u32::from(s.kill_after.is_some()));
        case(&env, &s)
    });
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
    let after = faulty::totals();
    eprintln!(
        "{name}: {cases} fault schedules (seed {seed}, {} with a dead link) passed in {:.1?}; \
         injected {} read errors, {} lost \
         bytes, {} garbled bytes, {} split reads, {} stalls, {} short writes",
        killed.get(),
        started.elapsed(),
        after.errors - before.errors,
        after.lost - before.lost,
        after.garbled - before.garbled,
        after.splits - before.splits,
        after.stalls - before.stalls,
        after.short_writes - before.short_writes,
    );
}

#[test]
fn async_driver_under_faults() {
    run_property("async driver", cases(24), 150, true, async_case);
}

#[test]
fn blocking_driver_under_faults() {
    run_property("blocking driver", cases(16), 150, true, blocking_case);
}

// ---------------------------------------------------------------------------------------------
// The session: QoS 1 under faults, nothing lost.

/// The async session publishes `n` QoS 1 messages with the faults of `s` on for the first 3
/// seconds. Every message must reach the broker; duplicates only where the session re-sent.
fn session_case(env: &Env, s: &Schedule, n: usize) -> Result<(), TestCaseError> {
    let sim = env.sim_with(|c| c.ack_on_read = true);
    let link = sim.tcp_addr().expect("the simulator's TCP address");
    let topic = env.topic("faulty");
    let mut obs = env.observer("obs");
    let plan = Plan::new(s.seed, s.rates);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let limit = StdDuration::from_secs(60);
    rt.block_on(async {
        obs.subscribe(&topic).await;
        let stream = tokio::net::TcpStream::connect(link)
            .await
            .expect("connect to the simulator");
        stream.set_nodelay(true).expect("nodelay");
        let (rd, wr) = stream.into_split();
        let mut state = State::<{ fibocom_mqtt::RX_BUFFER_MIN }>::new();
        let (mut runner, control) = asynch::new(
            &mut state,
            Faulty::new(FromTokio::new(rd), &plan),
            Faulty::new(FromTokio::new(wr), &plan),
            config(),
        );
        let device = env.client_id("device");
        let session_config = SessionConfig {
            call: DataCall::Dial {
                apn: None,
                credentials: None,
            },
            user: Some(User {
                user: USER,
                password: PASSWORD,
                identifier: Some(&device),
            }),
            backoff: Backoff {
                initial: Duration::from_millis(20),
                max: Duration::from_millis(300),
                jitter_percent: 20,
                seed: s.seed as u32,
            },
            ..SessionConfig::new(Broker::new(BROKER_HOST, 1883))
        };
        let (mut bytes, mut slots) = ([0u8; 1024], [Slot::EMPTY; 16]);
        let session = Session::new(
            &control,
            session_config,
            Outbox::new(&mut bytes, &mut slots),
        );
        let seen: RefCell<HashMap<usize, u32>> = RefCell::new(HashMap::new());
        let done = || seen.borrow().len() == n && session.queued() == 0;
        let pump = async {
            loop {
                let next = session.next_event(|ev| {
                    if let SessionEvent::Module(fibocom_mqtt::Event::LinkError { .. }) = ev {}
                });
                let quit = async {
                    while !done() {
                        tokio::time::sleep(StdDuration::from_millis(20)).await;
                    }
                };
                match select(core::pin::pin!(next), core::pin::pin!(quit)).await {
                    Either::Left((Err(e), _)) => panic!("the link died: {e}"),
                    Either::Left((Ok(()), _)) => {}
                    Either::Right(_) => return,
                }
            }
        };
        let publish = async {
            for i in 0..n {
                session
                    .publish(&topic, format!("m-{i}").as_bytes(), QoS::AtLeastOnce, false)
                    .await
                    .unwrap_or_else(|e| panic!("publish {i}: {e}"));
            }
        };
        // The faults last a while (the session connecting, publishing, re-sending), then stop,
        // whether every publish was taken or not (a full outbox waits for the connection).
        let window = async {
            tokio::time::sleep(StdDuration::from_secs(3)).await;
            plan.borrow_mut().stop();
        };
        let observe = async {
            while !done() {
                if let Some(m) = obs.next_within(StdDuration::from_millis(100)).await {
                    let i = std::str::from_utf8(&m.payload)
                        .ok()
                        .and_then(|p| p.strip_prefix("m-"))
                        .and_then(|p| p.parse().ok())
                        .expect("a message of this test");
                    *seen.borrow_mut().entry(i).or_insert(0) += 1;
                }
            }
        };
        let work = tokio::time::timeout(
            limit,
            futures::future::join4(pump, publish, observe, window),
        );
        let timed_out = match select(core::pin::pin!(runner.run()), core::pin::pin!(work)).await {
            Either::Left((e, _)) => panic!("the runner stopped: {e}"),
            Either::Right((r, _)) => r.is_err(),
        };
        let seen = seen.into_inner();
        let stats = session.stats();
        let missing: Vec<usize> = (0..n).filter(|i| !seen.contains_key(i)).collect();
        check(!timed_out && missing.is_empty(), || {
            format!(
                "not all delivered within {limit:?}: missing {missing:?}, {stats:?}, faults {:?}",
                plan.borrow().counts
            )
        })?;
        let duplicates: u32 = seen.values().map(|c| c - 1).sum();
        check(duplicates <= stats.resent, || {
            format!("{duplicates} duplicates, only {} re-sent", stats.resent)
        })?;
        check(stats.delivered as usize == n, || format!("{stats:?}"))
    })
}

#[test]
fn session_loses_nothing_at_qos_1_under_faults() {
    // Few read errors in a row: the link must live through the whole run.
    run_property("session at QoS 1", cases(6), 60, false, |env, s| {
        session_case(env, s, 20)
    });
}
