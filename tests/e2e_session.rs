//! End to end, the session layer: a connection that stays up while the simulator injects
//! faults of every kind at random moments, and messages flow both ways at QoS 1.
//!
//! The soak test (`soak`) runs against the in-process broker at a simulated 115 200 baud:
//! the device publishes `FIBOCOM_SOAK_MESSAGES` messages (default 2,000) through the session
//! while an independent client publishes as many to the device, and a fault thread drops the
//! broker connection, the data call and registration, reboots the module and makes it fall
//! silent, at random moments chosen by `FIBOCOM_SOAK_SEED` (default 1); every kind comes once
//! first, in an order the seed shuffles, and the run lasts until each was injected. At the end
//! every message must have arrived on each side (duplicates are counted, and only allowed where
//! the session re-sent a message whose outcome was unknown), in order of first arrival, and the
//! figures are printed. `FIBOCOM_SOAK_BAUD` changes the line rate (0: unpaced).
//!
//! ```text
//! FIBOCOM_SOAK_MESSAGES=5000 FIBOCOM_SOAK_SEED=7 \
//!     cargo test -p fibocom-mqtt --test e2e_session soak -- --nocapture
//! ```

mod e2e;
use e2e::*;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{
    Backoff, DataCall, Outbox, SessionConfig, SessionEvent, SessionState, Slot, Subscription, User,
};
use fibocom_mqtt::{Broker, Config, QoS};
use fibocom_sim::Simulator;
use futures::future::{join, select, Either};

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v:?} is not a number")),
        Err(_) => default,
    }
}

/// xorshift64*, for the fault schedule.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

/// The kinds of fault the soak injects.
const KINDS: [&str; 6] = [
    "broker drop",
    "data call drop",
    "registration loss",
    "module restart",
    "silent module",
    "delayed results",
];

/// The order of the first round of faults: every kind once, shuffled by the seed
/// (Fisher-Yates), so that each kind is injected whatever the seed and however short the run.
fn first_round(rng: &mut Rng) -> [usize; 6] {
    let mut order = [0, 1, 2, 3, 4, 5];
    for i in (1..order.len()).rev() {
        order.swap(i, rng.range(0, i as u64) as usize);
    }
    order
}

/// Injects faults until `stop`, at random intervals; returns how many of each kind. Every
/// kind comes once first, in a seed-shuffled order, a short while apart (then `covered` is
/// set); after that, kinds and intervals are random.
fn inject_faults(sim: &Simulator, seed: u64, stop: &AtomicBool, covered: &AtomicBool) -> [u32; 6] {
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut counts = [0u32; 6];
    let nap = |ms: u64| {
        let until = Instant::now() + Duration::from_millis(ms);
        while Instant::now() < until && !stop.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    nap(1500);
    let mut first = first_round(&mut rng).into_iter();
    while !stop.load(Ordering::Relaxed) {
        let next = first.next();
        let kind = next.unwrap_or_else(|| rng.range(0, 5) as usize);
        if std::env::var_os("FIBOCOM_SOAK_TRACE").is_some() {
            eprintln!("fault: {}", KINDS[kind]);
        }
        match kind {
            0 => sim.drop_broker(1),
            1 => sim.drop_data_call(),
            2 => {
                sim.lose_registration();
                nap(rng.range(100, 2000));
                sim.restore_registration();
            }
            3 => sim.reboot(),
            4 => sim.silence(Duration::from_millis(rng.range(200, 2000))),
            _ => {
                // Result lines come late: faults fall between an OK and its result line.
                sim.set_result_delay(Duration::from_millis(rng.range(50, 400)));
                nap(rng.range(500, 2000));
                sim.set_result_delay(Duration::ZERO);
            }
        }
        counts[kind] += 1;
        if next.is_some() && counts.iter().all(|&c| c > 0) {
            covered.store(true, Ordering::Relaxed);
        }
        if next.is_some() {
            nap(rng.range(500, 1500));
        } else {
            nap(rng.range(500, 4000));
        }
    }
    counts
}

/// What one side received: first arrival order, and duplicates.
#[derive(Default)]
struct Tally {
    seen: HashMap<usize, u32>,
    order: Vec<usize>,
    duplicates: u32,
}

impl Tally {
    fn add(&mut self, i: usize) {
        let n = self.seen.entry(i).or_insert(0);
        *n += 1;
        if *n == 1 {
            self.order.push(i);
        } else {
            self.duplicates += 1;
        }
    }
    fn missing(&self, n: usize) -> Vec<usize> {
        (0..n).filter(|i| !self.seen.contains_key(i)).collect()
    }
    fn in_order(&self) -> bool {
        self.order.windows(2).all(|w| w[0] < w[1])
    }
}

fn index(payload: &[u8], prefix: &str) -> Option<usize> {
    std::str::from_utf8(payload)
        .ok()?
        .strip_prefix(prefix)?
        .parse()
        .ok()
}

#[test]
fn soak() {
    let n = env_u64("FIBOCOM_SOAK_MESSAGES", 2000) as usize;
    let seed = env_u64("FIBOCOM_SOAK_SEED", 1);
    let baud = env_u64("FIBOCOM_SOAK_BAUD", 115_200) as u32;
    let env = Env::in_process();
    let sim = Arc::new(env.sim_with(|s| {
        s.baud = (baud > 0).then_some(baud);
        s.ack_on_read = true;
        s.read_queue = 100_000;
        s.transcript = std::env::var_os("FIBOCOM_SOAK_TRANSCRIPT").map(Into::into);
    }));
    let (up, down) = (env.topic("up"), env.topic("down"));
    let device_id = env.client_id("device");
    let mut obs = env.observer("obs");
    let limit = Duration::from_secs(90) + Duration::from_millis(40 * n as u64);

    let stop = Arc::new(AtomicBool::new(false));
    let covered = Arc::new(AtomicBool::new(false));
    let faults = {
        let (sim, stop, covered) = (sim.clone(), stop.clone(), covered.clone());
        std::thread::spawn(move || inject_faults(&sim, seed, &stop, &covered))
    };
    let device_subscribed = Arc::new(AtomicBool::new(false));
    let observer_publisher = {
        let client = obs.publisher();
        let (down, ready) = (down.clone(), device_subscribed.clone());
        std::thread::spawn(move || {
            while !ready.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(10));
            }
            for i in 0..n {
                client
                    .publish(&down, rumqttc::QoS::AtLeastOnce, false, format!("down-{i}"))
                    .expect("observer publish");
                std::thread::sleep(Duration::from_millis(8));
            }
        })
    };

    let link = sim.tcp_addr().expect("the simulator's TCP address");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let started = Instant::now();
    let trace = std::env::var_os("FIBOCOM_SOAK_TRACE").is_some();
    let (inbound, outbound, stats, states) = rt.block_on(async {
        obs.subscribe(&up).await;
        let stream = connect(link).await;
        let (rd, wr) = stream.into_split();
        let mut state = State::<{ fibocom_mqtt::RX_BUFFER_MIN }>::new();
        let config = Config::with_timeouts(
            embassy_time::Duration::from_millis(1000),
            embassy_time::Duration::from_secs(4),
        );
        let (mut runner, control) =
            asynch::new(&mut state, FromTokio::new(rd), FromTokio::new(wr), config);
        let subs = [Subscription {
            filter: &down,
            qos: QoS::AtLeastOnce,
        }];
        let mut broker = Broker::new(BROKER_HOST, 1883);
        broker.clean_session = false;
        broker.keepalive = 30;
        let session_config = SessionConfig {
            call: DataCall::Dial {
                apn: None,
                credentials: None,
            },
            user: Some(User {
                user: USER,
                password: PASSWORD,
                identifier: Some(&device_id),
            }),
            subscriptions: &subs,
            backoff: Backoff {
                initial: embassy_time::Duration::from_millis(50),
                max: embassy_time::Duration::from_secs(1),
                jitter_percent: 50,
                seed: seed as u32,
            },
            ..SessionConfig::new(broker)
        };
        let mut bytes = [0u8; 2048];
        let mut slots = [Slot::EMPTY; 32];
        let session = Session::new(
            &control,
            session_config,
            Outbox::new(&mut bytes, &mut slots),
        );

        let inbound = Mutex::new(Tally::default());
        let outbound = Mutex::new(Tally::default());
        let mut states = Vec::new();
        // Done when both sides have every message and the outbox is empty (every entry
        // confirmed: a message can reach the observer before its +MQTTPUB result), and every
        // kind of fault was injected at least once.
        let done = || {
            covered.load(Ordering::Relaxed)
                && inbound.lock().unwrap().seen.len() == n
                && outbound.lock().unwrap().seen.len() == n
                && session.queued() == 0
        };
        let events = async {
            while !done() {
                // Dropped only at the end: the session is cancel-safe, but a step cut short
                // is a step done again.
                let until_done = async {
                    while !done() {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                };
                let next = session.next_event(|ev| match ev {
                    SessionEvent::Message(m) => {
                        let i = index(m.payload, "down-").expect("a soak message");
                        inbound.lock().unwrap().add(i);
                    }
                    SessionEvent::State(s) => {
                        if trace {
                            eprintln!("{:>8.3?} {s:?}", started.elapsed());
                        }
                        if s == SessionState::Connected {
                            device_subscribed.store(true, Ordering::Relaxed);
                        }
                        states.push(s);
                    }
                    other => {
                        if trace {
                            eprintln!("{:>8.3?} {other:?}", started.elapsed());
                        }
                    }
                });
                if let Either::Left((r, _)) =
                    select(core::pin::pin!(next), core::pin::pin!(until_done)).await
                {
                    r.expect("the link is up");
                }
            }
        };
        let publish = async {
            for i in 0..n {
                session
                    .publish(&up, format!("up-{i}").as_bytes(), QoS::AtLeastOnce, false)
                    .await
                    .unwrap_or_else(|e| panic!("publish {i}: {e}"));
            }
        };
        let observe = async {
            while !done() {
                if let Some(m) = obs.next_within(Duration::from_millis(200)).await {
                    outbound
                        .lock()
                        .unwrap()
                        .add(index(&m.payload, "up-").expect("a soak message"));
                }
            }
        };
        let timed_out = {
            let work = core::pin::pin!(tokio::time::timeout(
                limit,
                join(events, join(publish, observe))
            ));
            let run = core::pin::pin!(runner.run());
            match select(run, work).await {
                Either::Left((e, _)) => panic!("the driver's runner stopped: {e}"),
                Either::Right((r, _)) => r.is_err(),
            }
        };
        stop.store(true, Ordering::Relaxed);
        let stats = session.stats();
        let (i, o) = (
            inbound.into_inner().unwrap(),
            outbound.into_inner().unwrap(),
        );
        if timed_out {
            panic!(
                "not done within {limit:?}: in {}/{n} (missing {:?}), out {}/{n} \
                 (missing {:?}), {stats:?}, state {:?}",
                i.seen.len(),
                &i.missing(n)[..i.missing(n).len().min(10)],
                o.seen.len(),
                &o.missing(n)[..o.missing(n).len().min(10)],
                session.state(),
            );
        }
        (i, o, stats, states)
    });
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Relaxed);
    let counts = faults.join().expect("the fault thread");
    observer_publisher.join().expect("the observer's publisher");

    let total: u32 = counts.iter().sum();
    eprintln!(
        "\nsoak (seed {seed}, {} baud): {n} messages each way in {elapsed:.1?}",
        if baud > 0 {
            baud.to_string()
        } else {
            "unpaced".into()
        }
    );
    eprintln!("  faults injected: {total}");
    for (k, c) in KINDS.iter().zip(counts) {
        eprintln!("    {k}: {c}");
    }
    eprintln!(
        "  reconnects: {}; faults seen by the session: {}",
        stats.reconnects, stats.faults
    );
    eprintln!(
        "  lost: 0 out, 0 in; duplicates: {} out (re-sent: {}), {} in",
        outbound.duplicates, stats.resent, inbound.duplicates
    );
    eprintln!(
        "  longest outage: {:?} ms",
        stats.longest_outage.as_millis()
    );
    eprintln!("  state changes: {}", states.len());

    assert!(outbound.missing(n).is_empty() && inbound.missing(n).is_empty());
    assert!(outbound.in_order(), "outbound first arrivals out of order");
    assert!(inbound.in_order(), "inbound first arrivals out of order");
    assert!(
        outbound.duplicates <= stats.resent,
        "{} duplicates at the broker, only {} re-sends",
        outbound.duplicates,
        stats.resent
    );
    assert_eq!(
        stats.delivered as usize, n,
        "every outbox entry confirmed once"
    );
    for (k, c) in KINDS.iter().zip(counts) {
        assert!(c > 0, "no {k} was injected");
    }
    assert!(stats.reconnects > 0);
}

async fn connect(link: SocketAddr) -> tokio::net::TcpStream {
    let stream = tokio::net::TcpStream::connect(link)
        .await
        .expect("connect to the simulator");
    stream.set_nodelay(true).expect("nodelay");
    stream
}

both!(blocking_session_rides_out_each_fault);

/// The blocking session over the host TCP port: after each kind of fault, a publish made at
/// once (while the connection is down) reaches the broker, a message sent to the device
/// meanwhile reaches the application, and the session is connected again, without the test
/// handling any fault.
fn blocking_session_rides_out_each_fault(env: &Env) {
    use fibocom_mqtt::blocking::Modem;
    use fibocom_mqtt::host::TcpPort;
    use fibocom_mqtt::session::blocking::Session as BlockingSession;

    let sim = env.sim_with(|s| {
        s.ack_on_read = true;
        s.transcript = std::env::var_os("FIBOCOM_SOAK_TRANSCRIPT").map(Into::into);
    });
    let (up, down) = (env.topic("up"), env.topic("down"));
    let device_id = env.client_id("device");
    let mut obs = env.observer("obs");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(obs.subscribe(&up));

    let port = TcpPort::connect(sim.tcp_addr().expect("tcp"), Duration::from_secs(5))
        .expect("connect to the simulator");
    let config = Config::with_timeouts(
        embassy_time::Duration::from_millis(1000),
        embassy_time::Duration::from_secs(4),
    );
    let mut modem = Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(port, config);
    let subs = [Subscription {
        filter: &down,
        qos: QoS::AtLeastOnce,
    }];
    let mut broker = Broker::new(BROKER_HOST, 1883);
    broker.clean_session = false;
    let session_config = SessionConfig {
        call: DataCall::Dial {
            apn: None,
            credentials: None,
        },
        user: Some(User {
            user: USER,
            password: PASSWORD,
            identifier: Some(&device_id),
        }),
        subscriptions: &subs,
        backoff: Backoff {
            initial: embassy_time::Duration::from_millis(50),
            max: embassy_time::Duration::from_millis(500),
            jitter_percent: 20,
            seed: 3,
        },
        ..SessionConfig::new(broker)
    };
    let (mut bytes, mut slots) = ([0u8; 512], [Slot::EMPTY; 8]);
    let mut session = BlockingSession::new(
        &mut modem,
        session_config,
        Outbox::new(&mut bytes, &mut slots),
    );

    #[derive(Debug, Default)]
    struct Seen {
        delivered: Vec<u32>,
        messages: Vec<String>,
        connected: bool,
        states: Vec<SessionState>,
    }
    let poll_until = |session: &mut BlockingSession<'_, '_, _, { fibocom_mqtt::RX_BUFFER_MIN }>,
                      what: &str,
                      done: &dyn Fn(&Seen) -> bool,
                      seen: &mut Seen| {
        let until = Instant::now() + STEP * 2;
        while !done(seen) {
            assert!(
                Instant::now() < until,
                "{what}: not within {:?}: {seen:?}",
                STEP * 2
            );
            session
                .poll(embassy_time::Duration::from_millis(50), |ev| match ev {
                    SessionEvent::Message(m) => seen
                        .messages
                        .push(String::from_utf8_lossy(m.payload).into_owned()),
                    SessionEvent::Delivered(seq) => seen.delivered.push(seq.0),
                    SessionEvent::State(s) => {
                        seen.connected = s == SessionState::Connected;
                        seen.states.push(s);
                    }
                    _ => {}
                })
                .expect("the link is up");
        }
    };
    let mut seen = Seen::default();
    poll_until(
        &mut session,
        "first connection",
        &|s| s.connected,
        &mut seen,
    );

    let faults: [(&str, &dyn Fn()); 5] = [
        ("broker drop", &|| sim.drop_broker(1)),
        ("data call drop", &|| sim.drop_data_call()),
        ("registration loss", &|| {
            sim.lose_registration();
            std::thread::sleep(Duration::from_millis(300));
            sim.restore_registration();
        }),
        ("module restart", &|| sim.reboot()),
        ("silent module", &|| {
            sim.silence(Duration::from_millis(1500))
        }),
    ];
    for (k, (name, fault)) in faults.iter().enumerate() {
        fault();
        std::thread::sleep(Duration::from_millis(50));
        // Published while the connection is down (or about to be found down): queued.
        let seq = session
            .publish(&up, format!("b-{k}").as_bytes(), QoS::AtLeastOnce, false)
            .unwrap_or_else(|e| panic!("{name}: publish: {e}"))
            .expect("queued");
        obs.publish(&down, format!("d-{k}").as_bytes(), QoS::AtLeastOnce, false);
        seen.connected = false;
        let d = format!("d-{k}");
        poll_until(
            &mut session,
            name,
            &|s| s.connected && s.delivered.contains(&seq.0) && s.messages.contains(&d),
            &mut seen,
        );
        let got = rt.block_on(obs.next());
        assert_eq!(got.payload, format!("b-{k}").into_bytes(), "{name}");
    }
    assert_eq!(seen.delivered, [0, 1, 2, 3, 4]);
    let stats = session.stats();
    assert!(stats.reconnects >= 5, "{stats:?}");
    assert_eq!(stats.delivered, 5);
    // Nothing more arrives but copies of what was sent again after an outcome the module left
    // unknown (a silent module may still carry out the command it went silent on): at least
    // once, every duplicate counted.
    let extra = rt.block_on(obs.until_quiet());
    assert!(
        extra.len() <= stats.resent as usize,
        "{extra:?} arrived, {stats:?}"
    );
    for copy in &extra {
        let k = (0..5).find(|k| copy.payload == format!("b-{k}").into_bytes());
        assert!(k.is_some(), "not a copy of a message sent: {copy:?}");
    }
}

/// TLS through the session (in-process broker with a TLS listener): provisioned before the
/// first open, opened with `open_tls`; a broker drop opens again without provisioning again; a
/// module restart (which forgets TLS) provisions again before the open.
#[test]
fn session_provisions_tls_after_every_module_restart() {
    use fibocom_mqtt::blocking::Modem;
    use fibocom_mqtt::host::TcpPort;
    use fibocom_mqtt::session::blocking::Session as BlockingSession;
    use fibocom_mqtt::TlsSetup;

    let (pki, env, tls_addr) = tls_env();
    let sim = env.sim();
    let up = env.topic("up");
    let device_id = env.client_id("device");
    let mut obs = env.observer("obs");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(obs.subscribe(&up));

    let ca = pki.ca_pem();
    let tls = TlsSetup::new().trust(ca.as_bytes());
    let port = TcpPort::connect(sim.tcp_addr().expect("tcp"), Duration::from_secs(5))
        .expect("connect to the simulator");
    let mut modem = Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(port, e2e::config());
    let config = tls_session_config(&device_id, tls_addr.port()).with_tls(&tls);
    let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
    let mut session = BlockingSession::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));
    let count = |prefix: &str| {
        sim.received_commands()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    };
    let mut deliver =
        |session: &mut BlockingSession<'_, '_, _, { fibocom_mqtt::RX_BUFFER_MIN }, _>,
         payload: &str| {
            let seq = session
                .publish(&up, payload.as_bytes(), QoS::AtLeastOnce, false)
                .expect("queued")
                .expect("a sequence number");
            let until = Instant::now() + STEP * 2;
            let mut delivered = false;
            while !delivered {
                assert!(Instant::now() < until, "{payload}: not delivered");
                session
                    .poll(embassy_time::Duration::from_millis(50), |ev| {
                        if ev == SessionEvent::Delivered(seq) {
                            delivered = true;
                        }
                    })
                    .expect("the link is up");
            }
            assert_eq!(rt.block_on(obs.next()).payload, payload.as_bytes());
        };
    deliver(&mut session, "first");
    assert_eq!(count("AT+GTSSLVER="), 1);
    assert_eq!(count("AT+GTSSLFILE="), 1);
    let tls_open = format!("AT+MQTTOPEN=1,\\\"127.0.0.1\\\",{},1,60,1", tls_addr.port());
    assert_eq!(count(&tls_open), 1, "{:?}", sim.received_commands());

    sim.drop_broker(1);
    std::thread::sleep(Duration::from_millis(50));
    deliver(&mut session, "after a drop");
    assert_eq!(
        count("AT+GTSSLVER="),
        1,
        "not provisioned again after a drop"
    );
    assert_eq!(count(&tls_open), 2);

    sim.reboot();
    std::thread::sleep(Duration::from_millis(50));
    deliver(&mut session, "after a restart");
    assert_eq!(
        count("AT+GTSSLVER="),
        2,
        "provisioned again after the restart"
    );
    assert_eq!(count("AT+GTSSLFILE="), 2);
    assert_eq!(count(&tls_open), 3);
}

/// The async session over TLS (`with_tls`): provisioned before the first open, not again after
/// a broker drop, again after a module restart; every open is a TLS open.
#[test]
fn async_session_provisions_tls_after_every_module_restart() {
    use fibocom_mqtt::TlsSetup;

    let (pki, env, tls_addr) = tls_env();
    let sim = env.sim();
    let up = env.topic("up");
    let device_id = env.client_id("device");
    let mut obs = env.observer("obs");
    let ca = pki.ca_pem();
    let tls = TlsSetup::new().trust(ca.as_bytes());
    let count = |prefix: &str| {
        sim.received_commands()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    };
    // The simulator records command lines with their quotes escaped.
    let tls_open = format!("AT+MQTTOPEN=1,\\\"127.0.0.1\\\",{},1,60,1", tls_addr.port());
    drive(&sim, e2e::config(), async |c| {
        obs.subscribe(&up).await;
        let config = tls_session_config(&device_id, tls_addr.port()).with_tls(&tls);
        let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
        let session = Session::new(c, config, Outbox::new(&mut bytes, &mut slots));
        let deliver = async |payload: &str| {
            let seq = session
                .publish(&up, payload.as_bytes(), QoS::AtLeastOnce, false)
                .await
                .expect("queued")
                .expect("a sequence number");
            let mut delivered = false;
            while !delivered {
                session
                    .next_event(|ev| delivered |= ev == SessionEvent::Delivered(seq))
                    .await
                    .expect("the link is up");
            }
        };
        deliver("first").await;
        assert_eq!(obs.next().await.payload, b"first");
        assert_eq!((count("AT+GTSSLVER="), count("AT+GTSSLFILE=")), (1, 1));
        assert_eq!(count(&tls_open), 1, "{:?}", sim.received_commands());

        sim.drop_broker(1);
        tokio::time::sleep(Duration::from_millis(50)).await;
        deliver("after a drop").await;
        assert_eq!(obs.next().await.payload, b"after a drop");
        assert_eq!(
            count("AT+GTSSLVER="),
            1,
            "not provisioned again after a drop"
        );
        assert_eq!(count(&tls_open), 2);

        sim.reboot();
        tokio::time::sleep(Duration::from_millis(50)).await;
        deliver("after a restart").await;
        assert_eq!(obs.next().await.payload, b"after a restart");
        assert_eq!(
            count("AT+GTSSLVER="),
            2,
            "provisioned again after the restart"
        );
        assert_eq!(count(&tls_open), 3);
    });
}

/// The in-process broker with a TLS listener (its certificates, the environment, and the
/// listener's address).
fn tls_env() -> (fibocom_sim::broker::tls::TestPki, Env, std::net::SocketAddr) {
    use fibocom_sim::broker::tls::{TestPki, TlsOptions};
    let pki = TestPki::new();
    let env = Env::in_process_with(|o| o.tls = Some(TlsOptions::new(pki.server())));
    let tls_addr = env
        .in_process_broker()
        .and_then(|b| b.tls_addr())
        .expect("the TLS listener");
    (pki, env, tls_addr)
}

/// The TLS sessions' configuration, TLS aside: the test account as `device_id`, the broker's
/// TLS listener on `port`, a short back-off without jitter.
fn tls_session_config(device_id: &str, port: u16) -> SessionConfig<'_> {
    SessionConfig {
        call: DataCall::Dial {
            apn: None,
            credentials: None,
        },
        user: Some(User {
            user: USER,
            password: PASSWORD,
            identifier: Some(device_id),
        }),
        backoff: Backoff {
            initial: embassy_time::Duration::from_millis(50),
            max: embassy_time::Duration::from_millis(500),
            jitter_percent: 0,
            seed: 1,
        },
        ..SessionConfig::new(Broker::new("127.0.0.1", port))
    }
}
