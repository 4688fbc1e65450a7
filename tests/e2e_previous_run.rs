//! The simulator started in the state an earlier run of the host left: the data call up,
//! client 1 connected as another device with another will and a subscription, messages
//! waiting for it, and firmware that answers `ERROR` to some queries. Start-up, attach, open
//! and the session must work as on a module just powered on.

mod e2e;

use fibocom_mqtt::AtCommand;
use std::time::Duration;

use e2e::*;
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{DataCall, Outbox, SessionConfig, SessionEvent, Slot, User};
use fibocom_mqtt::{Broker, ClientId, ConnState, Error, Event, ModuleError, QoS};
use fibocom_sim::{LeftClient, PreviousRun, SimConfig, Simulator};

both!(
    async_driver_on_a_module_left_in_use,
    blocking_driver_on_a_module_left_in_use,
    firmware_that_answers_error_to_the_queries,
    async_session_on_a_module_left_in_use,
);

const ONE: ClientId = ClientId::One;

/// Client 1 left connected as the device `old`, with a will on `will` and a subscription to
/// `down`, and two messages waiting for it.
fn left_in_use(env: &Env) -> PreviousRun {
    let old = LeftClient::new(BROKER_HOST, 1883)
        .user(USER, PASSWORD)
        .client_id(&env.client_id("old"))
        .will(&env.topic("will"), 0, false, b"the old device is gone")
        .subscribed(&env.topic("down"), 1);
    PreviousRun::after(1, old)
        .waiting(1, &env.topic("down"), b"held 1")
        .waiting(1, &env.topic("down"), b"held 2")
}

fn sim(env: &Env, tweak: impl FnOnce(&mut SimConfig)) -> Simulator {
    env.sim_with(|c| {
        c.previous = left_in_use(env);
        tweak(c);
    })
}

fn discarded(messages: u16) -> Ev {
    Ev::Other(format!(
        "{:?}",
        Event::Discarded {
            client: ONE,
            messages
        }
    ))
}

fn count(sim: &Simulator, prefix: &str) -> usize {
    sim.received_commands()
        .iter()
        .filter(|c| c.starts_with(prefix))
        .count()
}

fn async_driver_on_a_module_left_in_use(env: &Env) {
    let sim = sim(env, |_| {});
    let up = env.topic("up");
    let mut obs = env.observer("obs");
    let mut will = env.observer("will");
    drive(&sim, config(), async |c| {
        obs.subscribe(&up).await;
        will.subscribe(&env.topic("will")).await;
        c.start().await.expect("start-up");
        assert_eq!(c.state(ONE), ConnState::Closed);
        let ip = c
            .attach(Some("internet"), None)
            .await
            .expect("the call is kept");
        assert_eq!(ip.as_str(), "10.2.83.148");
        open(c, env, ONE, "new").await;
        c.publish(ONE, &up, b"new device", QoS::AtLeastOnce, false)
            .await
            .expect("publish");
        assert_eq!(obs.next().await.payload, b"new device");
        assert_eq!(events_until_quiet(c).await, [discarded(2)]);
        // The old connection was closed cleanly: its will is not published.
        assert_eq!(will.next_within(QUIET).await, None);
    });
    assert_eq!(count(&sim, "AT+MIPCALL=1"), 0, "no second dial");
    assert_eq!(count(&sim, "AT+MQTTREAD=1"), 3, "two messages, then none");
}

fn blocking_driver_on_a_module_left_in_use(env: &Env) {
    use fibocom_mqtt::blocking::Modem;
    use fibocom_mqtt::host::TcpPort;

    let sim = sim(env, |_| {});
    let up = env.topic("up");
    let mut obs = env.observer("obs");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(obs.subscribe(&up));
    let port = TcpPort::connect(sim.tcp_addr().expect("tcp"), Duration::from_secs(5))
        .expect("connect to the simulator");
    let mut m = Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(port, config());
    m.start().expect("start-up");
    m.attach(None, None).expect("the call is kept");
    m.set_user(ONE, USER, PASSWORD, Some(&env.client_id("new")))
        .expect("user");
    m.open(ONE, Broker::new(BROKER_HOST, 1883)).expect("open");
    m.publish(ONE, &up, b"blocking", QoS::AtLeastOnce, false)
        .expect("publish");
    assert_eq!(rt.block_on(obs.next()).payload, b"blocking");
    let mut events = Vec::new();
    while let Some(ev) = m
        .poll_event(embassy_time::Duration::from_millis(300), owned)
        .expect("the link is up")
    {
        events.push(ev);
    }
    assert_eq!(events, [discarded(2)]);
    m.close(ONE).expect("close");
    assert_eq!(count(&sim, "AT+MIPCALL=1"), 0, "no second dial");
}

fn firmware_that_answers_error_to_the_queries(env: &Env) {
    let refused = ["AT+MIPCALL?", "AT+MQTTCLOSE?", "AT+MQTTOPEN?"];
    let sim = sim(env, |c| {
        c.unsupported = refused.iter().map(|s| s.to_string()).collect();
    });
    let up = env.topic("up");
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        obs.subscribe(&up).await;
        c.start()
            .await
            .expect("start-up goes on without the answers");
        // Neither query said which clients are connected: both were closed blindly.
        assert_eq!(count(&sim, "AT+MQTTCLOSE=1"), 1);
        assert_eq!(count(&sim, "AT+MQTTCLOSE=2"), 1);
        // The call is up, but neither the dial nor the query can say so to `attach`.
        assert_eq!(
            c.attach(None, None).await,
            Err(Error::Module(ModuleError::new(AtCommand::CallUp, None)))
        );
        open(c, env, ONE, "new").await;
        c.publish(ONE, &up, b"without queries", QoS::AtMostOnce, false)
            .await
            .expect("publish");
        assert_eq!(obs.next().await.payload, b"without queries");
    });
    for q in refused {
        assert!(count(&sim, q) <= 2, "{q} asked again and again");
    }
}

fn async_session_on_a_module_left_in_use(env: &Env) {
    let sim = sim(env, |c| c.unsupported = vec!["AT+MIPCALL?".into()]);
    let up = env.topic("up");
    let device = env.client_id("new");
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        obs.subscribe(&up).await;
        let config = SessionConfig {
            call: DataCall::Dial {
                apn: None,
                credentials: None,
            },
            user: Some(User {
                user: USER,
                password: PASSWORD,
                identifier: Some(&device),
            }),
            ..SessionConfig::new(Broker::new(BROKER_HOST, 1883))
        };
        let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
        let session = Session::new(c, config, Outbox::new(&mut bytes, &mut slots));
        let seq = session
            .publish(&up, b"session", QoS::AtLeastOnce, false)
            .await
            .expect("queued")
            .expect("a sequence number");
        let (mut delivered, mut discarded_seen) = (false, None);
        while !delivered {
            tokio::time::timeout(
                STEP,
                session.next_event(|ev| match ev {
                    SessionEvent::Delivered(s) => delivered |= s == seq,
                    SessionEvent::Module(Event::Discarded { messages, .. }) => {
                        discarded_seen = Some(messages)
                    }
                    _ => {}
                }),
            )
            .await
            .expect("delivered in time")
            .expect("the link is up");
        }
        assert_eq!(obs.next().await.payload, b"session");
        assert_eq!(discarded_seen, Some(2));
        assert_eq!(session.stats().faults, 0);
    });
    // Asked once each by start-up, the session's check of the call and the refused dial:
    // never in a loop.
    assert_eq!(count(&sim, "AT+MIPCALL?"), 3);
}
