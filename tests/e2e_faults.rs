//! End to end, when things go wrong: a link dropped uncleanly (the will), connections the
//! broker or the network refuses, and noise and unknown lines on the serial link.

mod e2e;
use e2e::*;
use fibocom_mqtt::AtCommand;

use std::time::Duration;

use fibocom_mqtt::Broker;
use fibocom_mqtt::ClientId::{One, Two};
use fibocom_mqtt::{BreakCause, ConnState, Error, QoS};
use fibocom_sim::{Control, ErrorForm, PromptStyle, ReadLayout, RefusalTiming};

both!(
    will_on_unclean_drop_only,
    refused_and_failed_connections,
    noise_and_unknown_lines
);

/// Time for a control sent to the simulator to take effect before the next command line.
async fn settle_control() {
    tokio::time::sleep(Duration::from_millis(100)).await;
}

/// A broken link publishes the will (and only that client's); a clean close publishes none.
fn will_on_unclean_drop_only(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    let (will1, will2) = (env.topic("will/1"), env.topic("will/2"));
    drive(&sim, config(), async |c| {
        obs.subscribe(&env.topic("will/#")).await;
        online(c).await;
        c.set_will(One, &will1, QoS::AtLeastOnce, true, "client 1 is gone")
            .await
            .expect("will 1");
        c.set_will(Two, &will2, QoS::ExactlyOnce, false, "client 2 is gone")
            .await
            .expect("will 2");
        open(c, env, One, "one").await;
        open(c, env, Two, "two").await;

        sim.drop_broker(1);
        assert_eq!(
            event(c).await,
            Ev::Break {
                client: One,
                cause: BreakCause::Broker
            }
        );
        assert_eq!(c.state(One), ConnState::Closed);
        assert_eq!(c.state(Two), ConnState::Open);
        assert_eq!(
            obs.next().await,
            seen(&will1, b"client 1 is gone", QoS::AtLeastOnce, false)
        );
        // The following +MQTTCLOSE: 1,1 is absorbed; client 2 is untouched.
        assert_eq!(events_until_quiet(c).await, vec![]);
        assert_eq!(obs.until_quiet().await, vec![]);

        // The retained will reaches a later subscriber.
        let mut late = env.observer("late");
        late.subscribe(&will1).await;
        assert_eq!(
            late.next().await,
            seen(&will1, b"client 1 is gone", QoS::AtLeastOnce, true)
        );

        // Client 1 opens again (its will still set) and both close cleanly: no will.
        open(c, env, One, "one").await;
        c.publish(One, &will1, b"", QoS::AtLeastOnce, true)
            .await
            .expect("clear the retained will");
        assert_eq!(obs.next().await, seen(&will1, b"", QoS::AtLeastOnce, false));
        let (r1, r2) = futures::join!(c.close(One), c.close(Two));
        assert_eq!((r1, r2), (Ok(()), Ok(())));
        assert_eq!(obs.until_quiet().await, vec![]);
        assert_eq!(events_until_quiet(c).await, vec![]);
    });
}

/// A wrong password is refused by the broker (in every form a module reports it), an unknown
/// host and a closed port fail; afterwards the client opens and works.
fn refused_and_failed_connections(env: &Env) {
    let refusal = env.wrong_password_refusal();
    for form in [ErrorForm::Plain, ErrorForm::Cme] {
        for timing in [RefusalTiming::AfterOk, RefusalTiming::BeforeOk] {
            let sim = env.sim_with(|s| {
                s.refusal_form = form;
                s.refusal_timing = timing;
            });
            drive(&sim, config(), async |c| {
                online(c).await;
                c.set_user(One, USER, "wrong", Some(&env.client_id("dut")))
                    .await
                    .expect("set user");
                assert_eq!(
                    c.open(One, Broker::new(BROKER_HOST, 1883)).await,
                    Err(Error::Refused(refusal)),
                    "{form:?} {timing:?}"
                );
                assert_eq!(c.state(One), ConnState::Closed);
                assert_eq!(events_until_quiet(c).await, vec![]);
            });
        }
    }

    let sim = env.sim();
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        obs.subscribe(&env.topic("#")).await;
        online(c).await;
        c.set_user(One, USER, PASSWORD, Some(&env.client_id("dut")))
            .await
            .expect("set user");
        assert_eq!(
            c.open(One, Broker::new("x.invalid", 1883)).await,
            Err(Error::Failed(AtCommand::Open))
        );
        assert_eq!(c.state(One), ConnState::Closed);
        assert_eq!(
            c.open(One, Broker::new("127.0.0.1", closed_port())).await,
            Err(Error::Failed(AtCommand::Open))
        );
        assert_eq!(c.state(One), ConnState::Closed);

        c.open(One, Broker::new(BROKER_HOST, 1883))
            .await
            .expect("open with the right password");
        assert_eq!(c.state(One), ConnState::Open);
        let topic = env.topic("after");
        c.publish(One, &topic, b"works", QoS::AtLeastOnce, false)
            .await
            .expect("publish");
        assert_eq!(
            obs.next().await,
            seen(&topic, b"works", QoS::AtLeastOnce, false)
        );
        c.close(One).await.expect("close");
        assert_eq!(events_until_quiet(c).await, vec![]);
    });
}

/// Noise bytes and unknown lines, between answers and inside them, change nothing: every
/// operation succeeds, every message arrives exactly, and each unknown line comes out as
/// `Event::Unsolicited`. Run with each read-answer layout and data prompt the simulator knows.
fn noise_and_unknown_lines(env: &Env) {
    let variants = [
        (ReadLayout::Manual, PromptStyle::GtCrLf),
        (ReadLayout::OneLine, PromptStyle::GtSpace),
        (ReadLayout::Manual, PromptStyle::CrLfGtSpace),
    ];
    for (layout, prompt) in variants {
        let sim = env.sim_with(|s| {
            s.read_layout = layout;
            s.prompt = prompt;
        });
        let mut obs = env.observer("obs");
        let unknown = |l: &str| Ev::Unsolicited(l.as_bytes().to_vec());
        drive(&sim, config(), async |c| {
            obs.subscribe(&env.topic("out/#")).await;
            sim.noise(100);
            online(c).await;
            open(c, env, One, "dut").await;
            c.subscribe(One, &env.topic("in/#"), QoS::AtLeastOnce)
                .await
                .expect("subscribe");
            let mut published = Vec::new();

            // Between answers.
            sim.noise(64);
            sim.inject(b"\r\n+SIM READY\r\n");
            assert_eq!(event(c).await, unknown("+SIM READY"));
            sim.noise(32);
            settle_control().await;
            c.ping().await.expect("ping after noise");

            // Inside a text publish's answer.
            sim.inject_inside_next_answer(b"\r\n+UNKNOWN: 7,\"x\"\r\n");
            settle_control().await;
            let t = env.topic("out/text");
            c.publish(One, &t, b"text", QoS::AtLeastOnce, false)
                .await
                .expect("publish text");
            published.push(seen(&t, b"text", QoS::AtLeastOnce, false));
            assert_eq!(event(c).await, unknown("+UNKNOWN: 7,\"x\""));

            // Noise inside a data publish's answer.
            sim.control(Control::NoiseInside(40));
            settle_control().await;
            let t = env.topic("out/binary");
            c.publish(One, &t, b"\r\n\x00bin\"", QoS::ExactlyOnce, false)
                .await
                .expect("publish binary");
            published.push(seen(&t, b"\r\n\x00bin\"", QoS::ExactlyOnce, false));

            // Inside a subscribe's answer, and noise right after it.
            sim.inject_inside_next_answer(b"\r\n+QIND: \"csq\",20,99\r\n");
            settle_control().await;
            c.subscribe(One, &env.topic("in2"), QoS::ExactlyOnce)
                .await
                .expect("subscribe");
            assert_eq!(event(c).await, unknown("+QIND: \"csq\",20,99"));

            // Inside the answer of a message read, and noise inside the next one.
            sim.inject_inside_next_answer(b"\r\n+SIM READY\r\n");
            settle_control().await;
            let t = env.topic("in/1");
            obs.publish(&t, b"\r\nOK\r\n", QoS::AtLeastOnce, false);
            // The line came before the read's answer ended: it is handed out first.
            assert_eq!(event(c).await, unknown("+SIM READY"));
            assert_eq!(
                event(c).await,
                msg(One, QoS::AtLeastOnce, &t, b"\r\nOK\r\n")
            );
            sim.control(Control::NoiseInside(40));
            settle_control().await;
            let t = env.topic("in2");
            obs.publish(&t, b"\"x\",\"y\"", QoS::ExactlyOnce, false);
            assert_eq!(
                event(c).await,
                msg(One, QoS::ExactlyOnce, &t, b"\"x\",\"y\"")
            );

            // Inside a typed query's answer.
            sim.inject_inside_next_answer(b"\r\n+NEW THING\r\n");
            settle_control().await;
            let sq = c.signal_quality().await.expect("signal quality");
            assert_eq!((sq.rssi, sq.ber), (31, 99));
            assert_eq!(event(c).await, unknown("+NEW THING"));

            // Raw bytes between answers: a line with no leading CRLF, blank lines, NULs.
            sim.inject(b"+LATE LINE\r\n\r\n\r\n\0\0\r\n");
            assert_eq!(event(c).await, unknown("+LATE LINE"));

            c.close(One).await.expect("close");
            assert_eq!(events_until_quiet(c).await, vec![]);
            assert_eq!(obs.exactly(published.len()).await, published);
        });
    }
}
