//! End to end, in volume: 1,000 messages each way at QoS 1, none lost, none duplicated, in
//! order. Even-numbered messages are text (the text form of `AT+MQTTPUB`), odd-numbered ones
//! binary (the data form; `+MQTTMSGI` and `AT+MQTTREAD` on the way in).

mod e2e;
use e2e::*;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fibocom_mqtt::ClientId::One;
use fibocom_mqtt::QoS;

const N: usize = 1000;

/// At most this many messages are on their way to the driver at once. The module keeps a
/// bounded number of unread messages (the simulator 32 per client, as configured by default)
/// and drops newer ones, as a real module does; a publisher that wants none lost paces itself.
const WINDOW: usize = 16;

both!(thousand_out, thousand_in);

fn payload(i: usize) -> Vec<u8> {
    if i.is_multiple_of(2) {
        format!("message {i:04}").into_bytes()
    } else {
        let mut p = vec![0u8, b'\r', b'\n', b'"'];
        p.extend_from_slice(&(i as u16).to_be_bytes());
        p.extend_from_slice(format!(",{i}").as_bytes());
        p
    }
}

/// The driver publishes 1,000 messages; the independent client receives each once, in order.
fn thousand_out(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    let topic = env.topic("out");
    drive(&sim, config(), async |c| {
        obs.subscribe(&topic).await;
        online(c).await;
        open(c, env, One, "dut").await;
        let start = Instant::now();
        for i in 0..N {
            c.publish(One, &topic, &payload(i), QoS::AtLeastOnce, false)
                .await
                .unwrap_or_else(|e| panic!("publish {i}: {e}"));
        }
        let got = obs.exactly(N).await;
        eprintln!("{N} messages out in {:?}", start.elapsed());
        for (i, m) in got.iter().enumerate() {
            assert_eq!(
                *m,
                seen(&topic, &payload(i), QoS::AtLeastOnce, false),
                "message {i}"
            );
        }
        c.close(One).await.expect("close");
    });
}

/// The independent client publishes 1,000 messages; the driver hands out each once, in order.
fn thousand_in(env: &Env) {
    let sim = env.sim();
    let obs = env.observer("obs");
    let topic = env.topic("in");
    let received = Arc::new(AtomicUsize::new(0));
    drive(&sim, config(), async |c| {
        online(c).await;
        open(c, env, One, "dut").await;
        c.subscribe(One, &topic, QoS::AtLeastOnce)
            .await
            .expect("subscribe");
        let publisher = {
            let client = obs.publisher();
            let topic = topic.clone();
            let received = received.clone();
            std::thread::spawn(move || {
                let deadline = Instant::now() + BODY_LIMIT;
                for i in 0..N {
                    while i >= received.load(Ordering::Relaxed) + WINDOW {
                        if Instant::now() > deadline {
                            return;
                        }
                        std::thread::sleep(Duration::from_micros(200));
                    }
                    client
                        .publish(&topic, rumqttc::QoS::AtLeastOnce, false, payload(i))
                        .expect("publish");
                }
            })
        };
        let start = Instant::now();
        for i in 0..N {
            let ev = event_within(c, STEP)
                .await
                .unwrap_or_else(|| panic!("only {i} of {N} messages arrived"));
            assert_eq!(
                ev,
                msg(One, QoS::AtLeastOnce, &topic, &payload(i)),
                "message {i}"
            );
            received.fetch_add(1, Ordering::Relaxed);
        }
        eprintln!("{N} messages in in {:?}", start.elapsed());
        assert_eq!(events_until_quiet(c).await, vec![], "more than {N} arrived");
        publisher.join().expect("publisher thread");
        c.close(One).await.expect("close");
    });
}
