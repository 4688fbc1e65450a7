//! End to end: an independent client publishes on the broker; the driver, subscribed through
//! the simulator, hands out each message with its exact client, QoS, topic and payload, in
//! receive mode 1 (`+MQTTMSGI` + `AT+MQTTREAD`, the default) and mode 0 (`+MQTTMSG`), with one
//! or both module clients.

mod e2e;
use e2e::*;

use fibocom_mqtt::ClientId::{One, Two};
use fibocom_mqtt::{QoS, ReceiveMode};

const ALL_QOS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];

both!(
    mode_1_text_and_binary,
    mode_0_text,
    both_clients_mode_1,
    both_clients_mode_0
);

/// Payloads mode 1 must carry byte for byte.
fn binary_payloads() -> Vec<Vec<u8>> {
    vec![
        b"plain".to_vec(),
        b"\r\n".to_vec(),
        b"\"a\",\"b\"\r\n\r\nOK\r\n".to_vec(),
        b"\r\n+MQTTMSGI: 1,0,1,1\r\n".to_vec(),
        (0..=255u8).collect(),
        (0..1024u32).map(|i| (i * 13 + 5) as u8).collect(),
        Vec::new(),
    ]
}

/// Payloads mode 0 can frame: no CR or LF; quotes and commas are fine (the payload runs to
/// the last quote of the line).
fn text_payloads() -> Vec<Vec<u8>> {
    vec![
        b"plain".to_vec(),
        b"a, b, c".to_vec(),
        b"\"quoted\", \"twice\"".to_vec(),
        b"{\"json\": [1, 2, \"x\"]}".to_vec(),
        b"\"".to_vec(),
        (b' '..=b'~').collect(),
        Vec::new(),
    ]
}

/// Publishes each payload at each QoS and checks the driver's event for it, one at a time.
async fn roundtrip_each(
    c: &Dut<'_>,
    env: &Env,
    obs: &Observer,
    prefix: &str,
    payloads: &[Vec<u8>],
) {
    for qos in ALL_QOS {
        for (i, p) in payloads.iter().enumerate() {
            let topic = env.topic(&format!("{prefix}/q{}/{i}", qos.number()));
            obs.publish(&topic, p, qos, false);
            assert_eq!(
                event(c).await,
                msg(One, qos, &topic, p),
                "payload {:?}",
                p.escape_ascii().to_string()
            );
        }
    }
}

fn mode_1_text_and_binary(env: &Env) {
    let sim = env.sim();
    let obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        assert_eq!(c.receive_mode().await, Ok(ReceiveMode::Buffered));
        open(c, env, One, "dut").await;
        c.subscribe(One, &env.topic("in/#"), QoS::ExactlyOnce)
            .await
            .expect("subscribe");
        roundtrip_each(c, env, &obs, "in", &binary_payloads()).await;

        // The subscription's QoS caps the delivery's.
        c.subscribe(One, &env.topic("low/#"), QoS::AtMostOnce)
            .await
            .expect("subscribe at qos 0");
        let low = env.topic("low/x");
        obs.publish(&low, b"\x00capped\xff", QoS::ExactlyOnce, false);
        assert_eq!(
            event(c).await,
            msg(One, QoS::AtMostOnce, &low, b"\x00capped\xff")
        );

        // After unsubscribing nothing more comes.
        c.unsubscribe(One, &env.topic("in/#"))
            .await
            .expect("unsubscribe");
        obs.publish(&env.topic("in/late"), b"late", QoS::AtLeastOnce, false);
        assert_eq!(events_until_quiet(c).await, vec![]);
        c.close(One).await.expect("close");
    });
    let reads = sim
        .received_commands()
        .iter()
        .filter(|l| *l == "AT+MQTTREAD=1")
        .count();
    assert_eq!(reads, 3 * binary_payloads().len() + 1);
}

fn mode_0_text(env: &Env) {
    let sim = env.sim();
    let obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        c.set_receive_mode(ReceiveMode::Direct)
            .await
            .expect("receive mode 0");
        assert_eq!(c.receive_mode().await, Ok(ReceiveMode::Direct));
        open(c, env, One, "dut").await;
        c.subscribe(One, &env.topic("in/#"), QoS::ExactlyOnce)
            .await
            .expect("subscribe");
        roundtrip_each(c, env, &obs, "in", &text_payloads()).await;
        assert_eq!(events_until_quiet(c).await, vec![]);
        c.close(One).await.expect("close");
    });
    assert!(
        !sim.received_commands()
            .iter()
            .any(|l| l.starts_with("AT+MQTTREAD")),
        "mode 0 never reads"
    );
}

/// Both module clients connected at once (each with its own client identifier): messages are
/// routed to the client that subscribed, one message matching both subscriptions comes once
/// per client (`shared`), and both publish, also at the same time.
///
/// In mode 0 the driver holds one `+MQTTMSG` until the application takes it, and reports a
/// second one that arrives meanwhile as lost (`Event::Lost`): the two copies of a message
/// matching both clients arrive back to back, so that case is checked in mode 1 only.
async fn two_clients(
    c: &Dut<'_>,
    env: &Env,
    obs: &mut Observer,
    payloads: &[Vec<u8>],
    shared: bool,
) {
    obs.subscribe(&env.topic("out/#")).await;
    open(c, env, One, "one").await;
    open(c, env, Two, "two").await;
    let (fa, fb) = (env.topic("a/#"), env.topic("b/#"));
    let (a, b) = futures::join!(
        c.subscribe(One, &fa, QoS::AtLeastOnce),
        c.subscribe(Two, &fb, QoS::ExactlyOnce),
    );
    assert_eq!((a, b), (Ok(()), Ok(())));
    c.subscribe(One, &env.topic("both"), QoS::ExactlyOnce)
        .await
        .expect("subscribe 1");
    c.subscribe(Two, &env.topic("both"), QoS::ExactlyOnce)
        .await
        .expect("subscribe 2");

    for (i, p) in payloads.iter().enumerate() {
        let ta = env.topic(&format!("a/{i}"));
        obs.publish(&ta, p, QoS::AtLeastOnce, false);
        assert_eq!(event(c).await, msg(One, QoS::AtLeastOnce, &ta, p));
        let tb = env.topic(&format!("b/{i}"));
        obs.publish(&tb, p, QoS::ExactlyOnce, false);
        assert_eq!(event(c).await, msg(Two, QoS::ExactlyOnce, &tb, p));

        if !shared {
            continue;
        }
        let both = env.topic("both");
        obs.publish(&both, p, QoS::AtLeastOnce, false);
        let mut got = vec![event(c).await, event(c).await];
        got.sort_by_key(|e| format!("{e:?}"));
        assert_eq!(
            got,
            vec![
                msg(One, QoS::AtLeastOnce, &both, p),
                msg(Two, QoS::AtLeastOnce, &both, p)
            ]
        );
    }
    assert_eq!(events_until_quiet(c).await, vec![]);

    // Publishing from both clients at once.
    let mut expected = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        let t1 = env.topic(&format!("out/1/{i}"));
        let t2 = env.topic(&format!("out/2/{i}"));
        let (r1, r2) = futures::join!(
            c.publish(One, &t1, p, QoS::AtLeastOnce, false),
            c.publish(Two, &t2, p, QoS::ExactlyOnce, false),
        );
        assert_eq!((r1, r2), (Ok(()), Ok(())));
        expected.push(seen(&t1, p, QoS::AtLeastOnce, false));
        expected.push(seen(&t2, p, QoS::ExactlyOnce, false));
    }
    let mut got = obs.exactly(expected.len()).await;
    got.sort_by(|a, b| a.topic.cmp(&b.topic));
    expected.sort_by(|a, b| a.topic.cmp(&b.topic));
    assert_eq!(got, expected);

    let (r1, r2) = futures::join!(c.close(One), c.close(Two));
    assert_eq!((r1, r2), (Ok(()), Ok(())));
}

fn both_clients_mode_1(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        two_clients(c, env, &mut obs, &binary_payloads(), true).await;
    });
}

fn both_clients_mode_0(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        c.set_receive_mode(ReceiveMode::Direct)
            .await
            .expect("receive mode 0");
        two_clients(c, env, &mut obs, &text_payloads(), false).await;
    });
}
