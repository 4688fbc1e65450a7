//! A second run against the same module: the simulator keeps its state between two TCP
//! connections, as a module keeps its state while its host restarts. The first run leaves
//! the data call up and client 1 connected and subscribed; messages then arrive for it while
//! no host listens. The second run does what a program does at every start, and must work.

mod e2e;

use std::time::Duration;

use e2e::*;
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{
    DataCall, Outbox, SessionConfig, SessionEvent, Slot, Subscription, User,
};
use fibocom_mqtt::{Broker, ClientId, ConnState, Event, Leftover, QoS};
use fibocom_sim::Simulator;

both!(
    async_driver_closes_what_the_first_run_left,
    async_driver_keeps_what_the_first_run_left,
    blocking_driver_runs_twice,
    async_session_runs_twice,
);

const ONE: ClientId = ClientId::One;

/// The first run: start-up, data call, client 1 opened as `first` and subscribed to `down`;
/// then the program ends without closing anything. Two messages are then published to
/// `down`, which the module holds for client 1.
fn first_run(env: &Env, sim: &Simulator, down: &str) {
    drive(sim, config(), async |c| {
        online(c).await;
        open(c, env, ONE, "first").await;
        c.subscribe(ONE, down, QoS::AtLeastOnce)
            .await
            .expect("subscribe");
    });
    let obs = env.observer("pub");
    for p in [&b"while away 1"[..], b"while away 2"] {
        obs.publish(down, p, QoS::AtLeastOnce, false);
    }
    // The module receives them from the broker (nobody reads them yet).
    std::thread::sleep(Duration::from_millis(500));
}

fn async_driver_closes_what_the_first_run_left(env: &Env) {
    let sim = env.sim();
    let (down, up) = (env.topic("down"), env.topic("up"));
    first_run(env, &sim, &down);
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        obs.subscribe(&up).await;
        // Exactly what the first run did: nothing fails because the module kept its state.
        c.start().await.expect("start-up");
        assert_eq!(
            c.state(ONE),
            ConnState::Closed,
            "the left-over client is closed"
        );
        c.attach(None, None)
            .await
            .expect("the call that is up is kept");
        open(c, env, ONE, "second").await;
        c.publish(ONE, &up, b"second run", QoS::AtLeastOnce, false)
            .await
            .expect("publish");
        assert_eq!(obs.next().await.payload, b"second run");
        // The two messages held for the old connection were read, dropped and counted.
        let events = events_until_quiet(c).await;
        assert_eq!(
            events,
            [Ev::Other(format!(
                "{:?}",
                Event::Discarded {
                    client: ONE,
                    messages: 2
                }
            ))]
        );
    });
    let cmds = sim.received_commands();
    let dials = cmds
        .iter()
        .filter(|c| c.starts_with("AT+MIPCALL=1"))
        .count();
    assert_eq!(dials, 1, "dialled once, in the first run: {cmds:?}");
}

fn async_driver_keeps_what_the_first_run_left(env: &Env) {
    let sim = env.sim();
    let (down, up) = (env.topic("down"), env.topic("up"));
    first_run(env, &sim, &down);
    let mut obs = env.observer("obs");
    drive(&sim, config().leftover(Leftover::Keep), async |c| {
        obs.subscribe(&up).await;
        c.start().await.expect("start-up");
        assert_eq!(c.state(ONE), ConnState::Open, "the connection is kept");
        // The messages the module held are read and handed out.
        let mut got = Vec::new();
        while got.len() < 2 {
            if let Ev::Message { payload, .. } = event(c).await {
                got.push(payload);
            }
        }
        assert_eq!(got, [b"while away 1".to_vec(), b"while away 2".to_vec()]);
        // The kept connection works as it is.
        c.publish(ONE, &up, b"kept", QoS::AtLeastOnce, false)
            .await
            .expect("publish on the kept connection");
        assert_eq!(obs.next().await.payload, b"kept");
        let obs2 = env.observer("pub2");
        obs2.publish(&down, b"still subscribed", QoS::AtLeastOnce, false);
        assert_eq!(
            event(c).await,
            msg(ONE, QoS::AtLeastOnce, &down, b"still subscribed")
        );
    });
}

fn blocking_driver_runs_twice(env: &Env) {
    use fibocom_mqtt::blocking::Modem;
    use fibocom_mqtt::host::TcpPort;

    let sim = env.sim();
    let up = env.topic("up");
    let mut obs = env.observer("obs");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(obs.subscribe(&up));
    for (run, leave_open) in [(1, true), (2, true), (3, false)] {
        let port = TcpPort::connect(sim.tcp_addr().expect("tcp"), Duration::from_secs(5))
            .expect("connect to the simulator");
        let mut m = Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(port, config());
        m.start().expect("start-up");
        m.attach(None, None).expect("data call");
        let id = env.client_id(&format!("run{run}"));
        m.set_user(ONE, USER, PASSWORD, Some(&id)).expect("user");
        m.open(ONE, Broker::new(BROKER_HOST, 1883)).expect("open");
        let payload = format!("run {run}");
        m.publish(ONE, &up, payload.as_bytes(), QoS::AtLeastOnce, false)
            .expect("publish");
        assert_eq!(rt.block_on(obs.next()).payload, payload.as_bytes());
        if !leave_open {
            m.close(ONE).expect("close");
        }
    }
}

fn async_session_runs_twice(env: &Env) {
    let sim = env.sim();
    let (down, up) = (env.topic("down"), env.topic("up"));
    let device = env.client_id("device");
    let mut obs = env.observer("obs");
    for run in ["first", "second"] {
        drive(&sim, config(), async |c| {
            obs.subscribe(&up).await;
            let subs = [Subscription {
                filter: &down,
                qos: QoS::AtLeastOnce,
            }];
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
                subscriptions: &subs,
                ..SessionConfig::new(Broker::new(BROKER_HOST, 1883))
            };
            let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
            let session = Session::new(c, config, Outbox::new(&mut bytes, &mut slots));
            let seq = session
                .publish(&up, run.as_bytes(), QoS::AtLeastOnce, false)
                .await
                .expect("queued")
                .expect("a sequence number");
            let mut delivered = false;
            while !delivered {
                tokio::time::timeout(
                    STEP,
                    session.next_event(|ev| delivered |= ev == SessionEvent::Delivered(seq)),
                )
                .await
                .expect("delivered in time")
                .expect("the link is up");
            }
            assert_eq!(obs.next().await.payload, run.as_bytes());
            assert_eq!(session.stats().faults, 0, "{run} run: no fault");
        });
    }
    let cmds = sim.received_commands();
    assert_eq!(
        cmds.iter()
            .filter(|c| c.starts_with("AT+MIPCALL=1"))
            .count(),
        1,
        "{cmds:?}"
    );
    assert_eq!(
        cmds.iter().filter(|c| *c == "AT+MQTTCLOSE=1").count(),
        1,
        "the second run closed the first run's connection: {cmds:?}"
    );
}
