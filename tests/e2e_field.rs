//! End to end against firmware variants seen in the field (docs/field-behaviours.md): lines
//! with spaces after every separator and `+MQTTLOSE` for a dropped connection, firmware
//! without `AT+MQTTCONF` (receive mode 0), the data form of `AT+MQTTWILL` and a module that
//! refuses it, and topics MQTT forbids, refused before anything is sent.

mod e2e;
use e2e::*;
use fibocom_mqtt::AtCommand;

use fibocom_mqtt::codec::{EncodeError, Field, PayloadForm, Rule};
use fibocom_mqtt::ClientId::One;
use fibocom_mqtt::{BreakCause, Error, QoS, ReceiveMode};
use fibocom_sim::BreakReport;

both!(
    spaced_lines_and_mqttlose,
    old_firmware_in_mode_0,
    will_in_the_data_form,
    will_data_form_refused,
    forbidden_topics_are_refused_before_sending
);

/// Payloads whose quotes, commas and spaces a spaced message line must not be misread by.
const TRICKY: [&[u8]; 4] = [b"a, b", b"\"x\", \"y\"", b" , ", b"{\"k\": [1, 2]}"];

fn spaced_lines_and_mqttlose(env: &Env) {
    let sim = env.sim_with(|c| {
        c.spaced = true;
        c.break_report = BreakReport::Lose;
    });
    let obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        open(c, env, One, "dut").await;
        c.subscribe(One, &env.topic("sp/#"), QoS::AtLeastOnce)
            .await
            .expect("subscribe");
        for (i, p) in TRICKY.iter().enumerate() {
            let topic = env.topic(&format!("sp/{i}"));
            obs.publish(&topic, p, QoS::AtLeastOnce, false);
            assert_eq!(event(c).await, msg(One, QoS::AtLeastOnce, &topic, p));
        }
        // Mode 0 too: `+MQTTMSG: 1, 1, "t", "p"`.
        c.set_receive_mode(ReceiveMode::Direct)
            .await
            .expect("mode 0");
        for (i, p) in TRICKY.iter().enumerate() {
            let topic = env.topic(&format!("sp/m0/{i}"));
            obs.publish(&topic, p, QoS::AtLeastOnce, false);
            assert_eq!(event(c).await, msg(One, QoS::AtLeastOnce, &topic, p));
        }
        sim.drop_broker(1);
        assert_eq!(
            event(c).await,
            Ev::Break {
                client: One,
                cause: BreakCause::Broker
            },
            "+MQTTLOSE is a break"
        );
        assert_eq!(c.state(One), fibocom_mqtt::ConnState::Closed);
    });
}

fn old_firmware_in_mode_0(env: &Env) {
    let sim = env.sim_with(|c| c.old_firmware = true);
    let mut obs = env.observer("obs");
    drive(&sim, config(), async |c| {
        online(c).await;
        assert_eq!(c.receive_mode_in_force(), Some(ReceiveMode::Direct));
        assert_eq!(
            c.last_failure().map(|f| f.to_string()).as_deref(),
            Some("AT+MQTTCONF answered ERROR")
        );
        open(c, env, One, "dut").await;
        c.subscribe(One, &env.topic("old/in"), QoS::ExactlyOnce)
            .await
            .expect("subscribe");
        obs.subscribe(&env.topic("old/out")).await;
        let topic = env.topic("old/in");
        obs.publish(&topic, b"over +MQTTMSG", QoS::ExactlyOnce, false);
        assert_eq!(
            event(c).await,
            msg(One, QoS::ExactlyOnce, &topic, b"over +MQTTMSG")
        );
        c.publish(
            One,
            &env.topic("old/out"),
            b"\x00\x01binary",
            QoS::AtLeastOnce,
            false,
        )
        .await
        .expect("publish");
        assert_eq!(
            obs.next().await,
            seen(
                &env.topic("old/out"),
                b"\x00\x01binary",
                QoS::AtLeastOnce,
                false
            )
        );
    });
    assert!(!sim
        .received_commands()
        .iter()
        .any(|l| l.starts_with("AT+MQTTREAD")));
}

/// A will of any bytes goes in the data form and is published byte for byte.
fn will_in_the_data_form(env: &Env) {
    let sim = env.sim();
    let mut obs = env.observer("obs");
    let will = env.topic("will/bin");
    let payload: &[u8] = b"\"gone\"\r\n\x00\xff";
    drive(&sim, config(), async |c| {
        obs.subscribe(&will).await;
        online(c).await;
        c.set_will_with(
            One,
            &will,
            QoS::AtLeastOnce,
            false,
            payload,
            PayloadForm::Auto,
        )
        .await
        .expect("will in the data form");
        open(c, env, One, "dut").await;
        sim.drop_broker(1);
        assert!(matches!(event(c).await, Ev::Break { client: One, .. }));
        assert_eq!(
            obs.next().await,
            seen(&will, payload, QoS::AtLeastOnce, false)
        );
    });
    let size = format!(",{}", payload.len());
    assert!(sim
        .received_commands()
        .iter()
        .any(|l| l.starts_with("AT+MQTTWILL=1,") && l.ends_with(&size)));
}

/// Firmware that knows only the text form refuses the data form: a clear error, no will.
fn will_data_form_refused(env: &Env) {
    let sim = env.sim_with(|c| c.will_data = false);
    let mut obs = env.observer("obs");
    let will = env.topic("will/refused");
    drive(&sim, config(), async |c| {
        obs.subscribe(&will).await;
        online(c).await;
        let r = c
            .set_will_with(
                One,
                &will,
                QoS::AtLeastOnce,
                false,
                b"\x00",
                PayloadForm::Auto,
            )
            .await;
        assert!(matches!(r, Err(Error::Module(_))), "{r:?}");
        assert_eq!(
            c.last_failure().map(|f| f.command()),
            Some(AtCommand::Will),
            "the failure names the command"
        );
        // The text form still works on the same firmware, and the driver is in step.
        c.set_will(One, &will, QoS::AtLeastOnce, false, "text will")
            .await
            .expect("text will");
        open(c, env, One, "dut").await;
        sim.drop_broker(1);
        assert!(matches!(event(c).await, Ev::Break { client: One, .. }));
        assert_eq!(
            obs.next().await,
            seen(&will, b"text will", QoS::AtLeastOnce, false)
        );
    });
}

/// Wildcards where MQTT forbids them are refused before a byte is sent.
fn forbidden_topics_are_refused_before_sending(env: &Env) {
    let sim = env.sim();
    drive(&sim, config(), async |c| {
        online(c).await;
        open(c, env, One, "dut").await;
        let before = sim.received_commands().len();
        let topic = env.topic("a/#");
        let r = c.publish(One, &topic, b"x", QoS::AtMostOnce, false).await;
        assert!(
            matches!(
                r,
                Err(Error::Invalid(EncodeError::Invalid {
                    field: Field::Topic,
                    rule: Rule::Wildcard { .. },
                }))
            ),
            "{r:?}"
        );
        for filter in ["a/#/b", "a#", "a+/b"] {
            let r = c.subscribe(One, filter, QoS::AtMostOnce).await;
            assert!(
                matches!(
                    r,
                    Err(Error::Invalid(EncodeError::Invalid {
                        rule: Rule::BadFilter { .. },
                        ..
                    }))
                ),
                "{filter}: {r:?}"
            );
        }
        assert_eq!(sim.received_commands().len(), before, "nothing was sent");
        // Filters MQTT allows, an empty level among them, go out and work.
        for filter in ["a//b", "+/x/#", "#"] {
            c.subscribe(One, &env.topic(filter), QoS::AtMostOnce)
                .await
                .unwrap_or_else(|e| panic!("{filter}: {e}"));
        }
    });
}
