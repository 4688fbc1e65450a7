//! End to end: the driver publishes through the simulator; an independent client on the broker
//! checks topic, exact payload bytes, QoS and retain flag.

mod e2e;
use e2e::*;

use fibocom_mqtt::codec::PayloadForm;
use fibocom_mqtt::ClientId::One;
use fibocom_mqtt::QoS;

const ALL_QOS: [QoS; 3] = [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce];

both!(
    text_at_every_qos,
    binary_at_every_qos,
    retained_for_a_late_subscriber
);

/// Printable ASCII without `"` goes in the text form; each QoS arrives as published.
fn text_at_every_qos(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    let longest: Vec<u8> = (0..1024u32).map(|i| b'!' + (i % 94) as u8).collect();
    let longest: Vec<u8> = longest.into_iter().filter(|&b| b != b'"').collect();
    let payloads: [&[u8]; 4] = [b"hello", b"a, b,c; 'single' {json: 1}", b"", &longest];
    let mut expected = Vec::new();
    drive(&sim, config(), async |c| {
        obs.subscribe(&env.topic("#")).await;
        online(c).await;
        open(c, env, One, "dut").await;
        for qos in ALL_QOS {
            for (i, p) in payloads.iter().enumerate() {
                let topic = env.topic(&format!("text/q{}/{i}", qos.number()));
                c.publish(One, &topic, p, qos, false)
                    .await
                    .unwrap_or_else(|e| panic!("publish {topic}: {e}"));
                expected.push(seen(&topic, p, qos, false));
            }
        }
        let got = obs.exactly(expected.len()).await;
        assert_eq!(got, expected);
        c.close(One).await.expect("close");
    });
    // Every publish went in the text form.
    let pubs: Vec<String> = sim
        .received_commands()
        .into_iter()
        .filter(|l| l.starts_with("AT+MQTTPUB="))
        .collect();
    assert_eq!(pubs.len(), 12);
    assert!(
        pubs.iter().all(|l| l.ends_with("\\\"")),
        "not all in the text form: {pubs:?}"
    );
}

/// Any other payload goes in the data form, byte for byte; a text payload can be forced into
/// the data form too.
fn binary_at_every_qos(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    let every_byte: Vec<u8> = (0..=255u8).collect();
    let longest: Vec<u8> = (0..1024u32).map(|i| (i * 7 + 3) as u8).collect();
    let payloads: [&[u8]; 5] = [
        b"\r\n",
        b"\"quoted\", and a \0 NUL",
        b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n",
        &every_byte,
        &longest,
    ];
    let mut expected = Vec::new();
    drive(&sim, config(), async |c| {
        obs.subscribe(&env.topic("#")).await;
        online(c).await;
        open(c, env, One, "dut").await;
        for qos in ALL_QOS {
            for (i, p) in payloads.iter().enumerate() {
                let topic = env.topic(&format!("bin/q{}/{i}", qos.number()));
                c.publish(One, &topic, p, qos, false)
                    .await
                    .unwrap_or_else(|e| panic!("publish {topic}: {e}"));
                expected.push(seen(&topic, p, qos, false));
            }
            let topic = env.topic(&format!("forced/q{}", qos.number()));
            c.publish_with(One, &topic, b"plain text", qos, false, PayloadForm::Data)
                .await
                .expect("publish in the data form");
            expected.push(seen(&topic, b"plain text", qos, false));
        }
        let got = obs.exactly(expected.len()).await;
        for (g, e) in got.iter().zip(&expected) {
            assert_eq!(g, e, "payload {:?}", e.payload.escape_ascii().to_string());
        }
        c.close(One).await.expect("close");
    });
    let data_form = sim
        .received_commands()
        .into_iter()
        .filter(|l| l.starts_with("AT+MQTTPUB=") && !l.ends_with("\\\""))
        .count();
    assert_eq!(data_form, 18);
}

/// Retained messages (text and binary, each QoS) reach a subscriber that comes later, with
/// the retain flag; a live subscriber gets them without it; an empty retained message clears.
fn retained_for_a_late_subscriber(env: &Env) {
    let sim = env.sim();
    let mut live = env.observer("live");
    let binary: &[u8] = b"\x00\x01\r\n\"\xfe\xff";
    let mut retained = Vec::new();
    drive(&sim, config(), async |c| {
        live.subscribe(&env.topic("#")).await;
        online(c).await;
        open(c, env, One, "dut").await;
        let mut live_expected = Vec::new();
        for qos in ALL_QOS {
            let topic = env.topic(&format!("ret/text{}", qos.number()));
            let payload = format!("state {}", qos.number());
            c.publish(One, &topic, payload.as_bytes(), qos, true)
                .await
                .expect("publish retained text");
            live_expected.push(seen(&topic, payload.as_bytes(), qos, false));
            retained.push(seen(&topic, payload.as_bytes(), qos, true));

            let topic = env.topic(&format!("ret/bin{}", qos.number()));
            c.publish(One, &topic, binary, qos, true)
                .await
                .expect("publish retained binary");
            live_expected.push(seen(&topic, binary, qos, false));
            retained.push(seen(&topic, binary, qos, true));
        }
        let topic = env.topic("ret/not-retained");
        c.publish(One, &topic, b"gone", QoS::AtLeastOnce, false)
            .await
            .expect("publish");
        live_expected.push(seen(&topic, b"gone", QoS::AtLeastOnce, false));
        assert_eq!(live.exactly(live_expected.len()).await, live_expected);

        let mut late = env.observer("late");
        late.subscribe(&env.topic("ret/#")).await;
        let mut got = late.exactly(retained.len()).await;
        got.sort_by(|a, b| a.topic.cmp(&b.topic));
        retained.sort_by(|a, b| a.topic.cmp(&b.topic));
        assert_eq!(got, retained);

        // Empty retained messages clear them.
        for r in &retained {
            c.publish(One, &r.topic, b"", QoS::AtLeastOnce, true)
                .await
                .expect("clear retained");
        }
        let cleared = late.exactly(retained.len()).await;
        assert!(cleared.iter().all(|m| m.payload.is_empty()));
        let mut later = env.observer("later");
        later.subscribe(&env.topic("ret/#")).await;
        assert_eq!(later.until_quiet().await, vec![]);
        c.close(One).await.expect("close");
    });
}
