//! End to end, the cloud profiles: for each cloud, a blocking session configured by its
//! profile (`Profile::session_config`) connects through the simulator to a mosquitto listener
//! that admits devices the way that cloud does (`.ci/setup-mosquitto.sh`: client certificates
//! required and used as identity, the cloud's user names and topics allowed by ACL, `max_qos 1`
//! where the cloud has no QoS 2), publishes, and receives; what the cloud forbids is refused
//! before anything is sent. An independent client on the broker's plain listener checks what
//! got through.
//!
//! These tests need mosquitto (`FIBOCOM_MOSQUITTO_AWS` and the rest): without it they say
//! loudly that they were skipped; with `FIBOCOM_MOSQUITTO` set and the cloud variables missing
//! they fail.

mod e2e;
use e2e::*;

use std::io::Write as _;
use std::time::Instant;

use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::cloud::{Aws, Azure, Generic, Profile, ThingsBoard};
use fibocom_mqtt::host::TcpPort;
use fibocom_mqtt::session::blocking::Session;
use fibocom_mqtt::session::{
    Backoff, DataCall, Forbidden, Outbox, PublishError, SessionEvent, SessionState, Slot,
    Subscription,
};
use fibocom_mqtt::ClientId::One;
use fibocom_mqtt::{ConnState, QoS, TlsSetup};
use fibocom_sim::Simulator;

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: source .ci/setup-mosquitto.sh (it exports every variable)")
    })
}

fn file(name: &str) -> String {
    let path = var(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {path}: {e}"))
}

/// Runs `test` with the mosquitto of `FIBOCOM_MOSQUITTO`, or says loudly that it is skipped
/// when `listener` (the cloud's variable) is not set.
fn run_cloud(name: &str, listener: &str, test: fn(&Env, &str)) {
    let Ok(addr) = std::env::var(listener) else {
        assert!(
            std::env::var("FIBOCOM_MOSQUITTO").is_err(),
            "FIBOCOM_MOSQUITTO is set but {listener} is not: source .ci/setup-mosquitto.sh"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {name} against mosquitto: {listener} is not set \
             (source .ci/setup-mosquitto.sh to run it) ***"
        );
        return;
    };
    let env = Env::mosquitto(&var("FIBOCOM_MOSQUITTO"));
    test(&env, &addr);
}

/// A simulator whose TLS opens of any host name reach `listener`.
fn sim_to(env: &Env, listener: &str) -> Simulator {
    env.sim_with(|c| c.tls_broker = Some(listener.to_string()))
}

fn modem(sim: &Simulator) -> Modem<TcpPort, { fibocom_mqtt::RX_BUFFER_MIN }> {
    let port = TcpPort::connect(
        sim.tcp_addr().expect("tcp"),
        std::time::Duration::from_secs(5),
    )
    .expect("connect to the simulator");
    Modem::new(port, config())
}

/// What a session saw.
#[derive(Debug, Default)]
struct Seen {
    connected: bool,
    delivered: Vec<u32>,
    messages: Vec<(String, Vec<u8>, QoS)>,
}

/// Polls `s` until `done`, for at most two steps.
fn poll_until<T: fibocom_mqtt::session::SessionTls>(
    s: &mut Session<'_, '_, TcpPort, { fibocom_mqtt::RX_BUFFER_MIN }, T>,
    what: &str,
    seen: &mut Seen,
    done: impl Fn(&Seen) -> bool,
) {
    let until = Instant::now() + STEP * 2;
    while !done(seen) {
        assert!(
            Instant::now() < until,
            "{what}: not within {:?}: {seen:?}",
            STEP * 2
        );
        s.poll(embassy_time::Duration::from_millis(50), |ev| match ev {
            SessionEvent::State(state) => seen.connected = state == SessionState::Connected,
            SessionEvent::Delivered(seq) => seen.delivered.push(seq.0),
            SessionEvent::Message(m) => seen.messages.push((
                String::from_utf8_lossy(m.topic).into_owned(),
                m.payload.to_vec(),
                m.qos,
            )),
            _ => {}
        })
        .expect("the link is up");
    }
}

/// The commands the simulated module received, quotes unescaped.
fn sent(sim: &Simulator) -> Vec<String> {
    sim.received_commands()
        .iter()
        .map(|c| c.replace("\\\"", "\""))
        .collect()
}

/// Through a session made by `profile`: connects, publishes `up` at `qos` (the observer sees
/// it), receives what the observer publishes to `down`, and refuses each of `forbidden`
/// (topic, QoS, retain, the error) without sending anything.
#[allow(clippy::too_many_arguments)]
fn exchange<P: Profile>(
    env: &Env,
    sim: &Simulator,
    profile: &P,
    subs: &[Subscription<'_>],
    up: &str,
    qos: QoS,
    down: &str,
    forbidden: &[(&str, QoS, bool, Forbidden)],
) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut obs = env.observer("obs");
    rt.block_on(obs.subscribe(up));

    let mut modem = modem(sim);
    let mut config = profile.session_config(subs).expect("a valid profile");
    config.call = DataCall::Dial {
        apn: None,
        credentials: None,
    };
    config.backoff = Backoff {
        initial: embassy_time::Duration::from_millis(50),
        max: embassy_time::Duration::from_millis(500),
        jitter_percent: 0,
        seed: 1,
    };
    let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 4]);
    let mut s = Session::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));
    let mut seen = Seen::default();
    poll_until(&mut s, "connected", &mut seen, |s| s.connected);

    // Up: the cloud's telemetry topic.
    let payload = format!("{{\"tag\":\"{}\",\"t\":21.5}}", env.client_id("p"));
    let seq = s
        .publish(up, payload.as_bytes(), qos, false)
        .expect("a publish the cloud takes")
        .expect("queued");
    poll_until(&mut s, "delivered", &mut seen, |s| {
        s.delivered.contains(&seq.0)
    });
    assert_eq!(
        rt.block_on(obs.next()),
        e2e::seen(up, payload.as_bytes(), qos, false)
    );

    // Down: the cloud's command topic.
    obs.publish(down, b"{\"cmd\":\"reboot\"}", QoS::AtLeastOnce, false);
    poll_until(&mut s, "received", &mut seen, |s| !s.messages.is_empty());
    assert_eq!(
        seen.messages,
        [(
            down.to_string(),
            b"{\"cmd\":\"reboot\"}".to_vec(),
            QoS::AtLeastOnce
        )]
    );

    // Refused before anything is sent.
    let before = sim.received_commands().len();
    for &(topic, qos, retain, rule) in forbidden {
        assert_eq!(
            s.publish(topic, b"{}", qos, retain),
            Err(PublishError::Forbidden(rule)),
            "{topic} {qos:?} {retain}"
        );
    }
    assert_eq!(s.queued(), 0);
    assert_eq!(sim.received_commands().len(), before, "nothing was sent");
    assert_eq!(rt.block_on(obs.until_quiet()), vec![]);
}

#[test]
fn aws() {
    run_cloud("aws", "FIBOCOM_MOSQUITTO_AWS", |env, listener| {
        let (ca, cert, key) = (
            file("FIBOCOM_MOSQUITTO_CA"),
            file("FIBOCOM_MOSQUITTO_AWS_CERT"),
            file("FIBOCOM_MOSQUITTO_AWS_KEY"),
        );
        let thing = var("FIBOCOM_MOSQUITTO_AWS_THING");
        let tls = TlsSetup::new()
            .trust(ca.as_bytes())
            .client(cert.as_bytes(), key.as_bytes());
        // The server's certificate names localhost: the simulator takes it to the listener.
        let aws = Aws::new("localhost", &thing, tls).expect("the AWS profile");
        let sim = sim_to(env, listener);
        let tag = env.client_id("aws");
        let up = format!("dt/{thing}/{tag}");
        let down = format!("cmd/{thing}/{tag}");
        let subs = [Subscription {
            filter: &down,
            qos: QoS::AtLeastOnce,
        }];
        let qos2 = Forbidden::QoS {
            broker: "AWS IoT Core",
            max: QoS::AtLeastOnce,
        };
        let deep = format!("dt/{thing}/a/b/c/d/e/f/g");
        exchange(
            env,
            &sim,
            &aws,
            &subs,
            &up,
            QoS::AtLeastOnce,
            &down,
            &[
                (&up, QoS::ExactlyOnce, false, qos2),
                (
                    &deep,
                    QoS::AtMostOnce,
                    false,
                    Forbidden::Levels {
                        broker: "AWS IoT Core",
                        max: 7,
                    },
                ),
            ],
        );
        let sent = sent(&sim);
        for expected in [
            format!("AT+MQTTUSER=1,\"\",\"\",\"{thing}\""),
            "AT+MQTTOPEN=1,\"localhost\",8883,1,60,1".to_string(),
            format!("AT+GTSSLFILE=\"CAFILE\",{}", cert.len()),
            format!("AT+GTSSLFILE=\"KEYFILE\",{}", key.len()),
        ] {
            assert!(sent.contains(&expected), "{expected} not among {sent:?}");
        }
    });
}

#[test]
fn azure() {
    run_cloud("azure", "FIBOCOM_MOSQUITTO_AZURE", |env, listener| {
        let (ca, cert, key) = (
            file("FIBOCOM_MOSQUITTO_CA"),
            file("FIBOCOM_MOSQUITTO_AZURE_CERT"),
            file("FIBOCOM_MOSQUITTO_AZURE_KEY"),
        );
        let (hub, device) = (
            var("FIBOCOM_MOSQUITTO_AZURE_HUB"),
            var("FIBOCOM_MOSQUITTO_AZURE_DEVICE"),
        );
        let tls = TlsSetup::new()
            .trust(ca.as_bytes())
            .client(cert.as_bytes(), key.as_bytes());
        let azure = Azure::new(&hub, &device, tls).expect("the Azure profile");
        let sim = sim_to(env, listener);
        let tag = env.client_id("azure");
        let up = format!(
            "{}$.ct=application%2Fjson&tag={tag}",
            azure.telemetry_topic()
        );
        let down = format!("devices/{device}/messages/devicebound/{tag}");
        let subs = [Subscription {
            filter: azure.c2d_filter(),
            qos: QoS::AtLeastOnce,
        }];
        let broker = "Azure IoT Hub";
        exchange(
            env,
            &sim,
            &azure,
            &subs,
            &up,
            QoS::AtLeastOnce,
            &down,
            &[
                (
                    &up,
                    QoS::ExactlyOnce,
                    false,
                    Forbidden::QoS {
                        broker,
                        max: QoS::AtLeastOnce,
                    },
                ),
                (&up, QoS::AtLeastOnce, true, Forbidden::Retain { broker }),
                (
                    "devices/other/messages/events/",
                    QoS::AtLeastOnce,
                    false,
                    Forbidden::Topic {
                        broker,
                        allowed: "devices/<device id>/messages/events/... or $iothub/...",
                    },
                ),
            ],
        );
        let sent = sent(&sim);
        for expected in [
            format!("AT+MQTTUSER=1,\"{hub}/{device}/?api-version=2021-04-12\",\"\",\"{device}\""),
            format!("AT+MQTTOPEN=1,\"{hub}\",8883,1,60,1"),
            format!("AT+MQTTSUB=1,\"devices/{device}/messages/devicebound/#\",1"),
        ] {
            assert!(sent.contains(&expected), "{expected} not among {sent:?}");
        }
    });
}

#[test]
fn thingsboard() {
    run_cloud(
        "thingsboard",
        "FIBOCOM_MOSQUITTO_THINGSBOARD",
        |env, listener| {
            let ca = file("FIBOCOM_MOSQUITTO_CA");
            let token = var("FIBOCOM_MOSQUITTO_THINGSBOARD_TOKEN");
            let id = env.client_id("tb");
            let tb = ThingsBoard::new("localhost", &token)
                .and_then(|tb| tb.with_tls(TlsSetup::new().trust(ca.as_bytes())))
                .and_then(|tb| tb.client_id(&id))
                .expect("the ThingsBoard profile");
            let sim = sim_to(env, listener);
            let subs = [Subscription {
                filter: ThingsBoard::RPC_REQUESTS,
                qos: QoS::AtLeastOnce,
            }];
            let broker = "ThingsBoard";
            exchange(
                env,
                &sim,
                &tb,
                &subs,
                ThingsBoard::TELEMETRY,
                QoS::AtLeastOnce,
                "v1/devices/me/rpc/request/42",
                &[
                    (
                        ThingsBoard::TELEMETRY,
                        QoS::ExactlyOnce,
                        false,
                        Forbidden::QoS {
                            broker,
                            max: QoS::AtLeastOnce,
                        },
                    ),
                    (
                        "telemetry",
                        QoS::AtMostOnce,
                        false,
                        Forbidden::Topic {
                            broker,
                            allowed: "v1/devices/me/... (telemetry, attributes, rpc)",
                        },
                    ),
                ],
            );
            let sent = sent(&sim);
            for expected in [
                format!("AT+MQTTUSER=1,\"{token}\",\"\",\"{id}\""),
                "AT+MQTTOPEN=1,\"localhost\",8883,1,60,1".to_string(),
            ] {
                assert!(sent.contains(&expected), "{expected} not among {sent:?}");
            }
        },
    );
}

#[test]
fn generic_tls_broker() {
    run_cloud(
        "generic_tls_broker",
        "FIBOCOM_MOSQUITTO_GENERIC",
        |env, listener| {
            let ca = file("FIBOCOM_MOSQUITTO_CA");
            let id = env.client_id("generic");
            let port = listener
                .rsplit(':')
                .next()
                .and_then(|p| p.parse().ok())
                .expect("HOST:PORT");
            let broker = Generic::new(
                "localhost",
                port,
                USER,
                PASSWORD,
                TlsSetup::new().trust(ca.as_bytes()),
            )
            .and_then(|g| g.client_id(&id))
            .expect("the generic profile");
            let sim = sim_to(env, listener);
            let (up, down) = (env.topic("up"), env.topic("down"));
            let subs = [Subscription {
                filter: &down,
                qos: QoS::ExactlyOnce,
            }];
            // QoS 2 goes through: the broker has it.
            exchange(env, &sim, &broker, &subs, &up, QoS::ExactlyOnce, &down, &[]);
            let sent = sent(&sim);
            let open = format!("AT+MQTTOPEN=1,\"localhost\",{port},1,60,1");
            let user = format!("AT+MQTTUSER=1,\"{USER}\",\"{PASSWORD}\",\"{id}\"");
            for expected in [user, open] {
                assert!(sent.contains(&expected), "{expected} not among {sent:?}");
            }
        },
    );
}

/// The Azure listener is as strict as the hub: a device with another user name does not get
/// the device's messages, and a QoS 2 publish (sent by the driver without a profile) makes it
/// close the connection. The profile builds the right user name, and refuses QoS 2 before it
/// is sent.
#[test]
fn azure_listener_refuses_what_the_hub_refuses() {
    run_cloud(
        "azure_listener_refuses_what_the_hub_refuses",
        "FIBOCOM_MOSQUITTO_AZURE",
        |env, listener| {
            let (ca, cert, key) = (
                file("FIBOCOM_MOSQUITTO_CA"),
                file("FIBOCOM_MOSQUITTO_AZURE_CERT"),
                file("FIBOCOM_MOSQUITTO_AZURE_KEY"),
            );
            let (hub, device) = (
                var("FIBOCOM_MOSQUITTO_AZURE_HUB"),
                var("FIBOCOM_MOSQUITTO_AZURE_DEVICE"),
            );
            let tls = TlsSetup::new()
                .trust(ca.as_bytes())
                .client(cert.as_bytes(), key.as_bytes());
            let azure = Azure::new(&hub, &device, tls).expect("the Azure profile");
            let sim = sim_to(env, listener);
            let id = env.client_id("strict");
            let down = format!("devices/{device}/messages/devicebound/{id}");
            let obs = env.observer("obs");
            drive(&sim, config(), async |c| {
                online(c).await;
                c.provision_tls(&tls).await.expect("provision TLS");
                // Another user name: connected (the certificate is valid), but the ACL keeps
                // the device's messages from it.
                c.set_user(One, "someone-else", "", Some(&id))
                    .await
                    .expect("set user");
                c.open_tls(One, azure.broker(), tls.param)
                    .await
                    .expect("open");
                c.subscribe(One, azure.c2d_filter(), QoS::AtLeastOnce)
                    .await
                    .expect("mosquitto grants it, and delivers nothing");
                obs.publish(&down, b"secret", QoS::AtLeastOnce, false);
                tokio::time::sleep(QUIET).await;
                let evs = events_until_quiet(c).await;
                assert!(
                    !evs.iter().any(|e| matches!(e, Ev::Message { .. })),
                    "another user name got the device's message: {evs:?}"
                );
                c.close(One).await.expect("close");
                // The hub's user name gets it.
                c.set_user(One, azure.user().user, "", Some(&id))
                    .await
                    .expect("set user");
                c.open_tls(One, azure.broker(), tls.param)
                    .await
                    .expect("open");
                c.subscribe(One, azure.c2d_filter(), QoS::AtLeastOnce)
                    .await
                    .expect("subscribe");
                obs.publish(&down, b"for the device", QoS::AtLeastOnce, false);
                assert_eq!(
                    event(c).await,
                    msg(One, QoS::AtLeastOnce, &down, b"for the device")
                );
                // A QoS 2 publish: the listener closes the connection, as the hub does.
                let r = c
                    .publish(One, azure.telemetry_topic(), b"{}", QoS::ExactlyOnce, false)
                    .await;
                assert!(r.is_err(), "QoS 2 on a max_qos 1 listener: {r:?}");
                let until = Instant::now() + STEP;
                while c.state(One) != ConnState::Closed {
                    assert!(Instant::now() < until, "the listener did not close it");
                    let _ = event_within(c, QUIET).await;
                }
            });
        },
    );
}
