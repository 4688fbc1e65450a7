//! The tool against firmware variants seen in the field.

mod common;

use common::{creds, rig_with, Via};
use rumqttc::QoS;

#[test]
fn old_firmware_without_mqttconf_is_said_once_and_works_in_mode_0() {
    let rig = rig_with(Via::Tcp, |c| c.old_firmware = true);
    let obs = rig.observer("obs");
    obs.subscribe("old/#", QoS::AtLeastOnce);
    let done = rig
        .run(&creds(&["pub", "-t", "old/pub", "-m", "hello"]), None)
        .ok();
    let note = "it receives in mode 0 (+MQTTMSG), so payloads holding CR or LF cannot be received";
    assert_eq!(
        done.stderr.matches(note).count(),
        1,
        "stderr: {}",
        done.stderr
    );
    assert_eq!(&obs.recv().payload[..], b"hello");
    assert!(rig.received("AT+MQTTCONF=1"));

    // Receiving in mode 0: the message comes as +MQTTMSG, no AT+MQTTREAD.
    let mut sub = rig.spawn(&creds(&["--at-trace", "sub", "-t", "old/in", "-C", "1"]));
    sub.wait_stderr("AT< +MQTTSUB: 1,1", 1);
    obs.publish("old/in", b"over mode 0");
    let done = sub.finish().ok();
    assert_eq!(done.out(), "over mode 0\n");
    assert_eq!(
        done.stderr.matches(note).count(),
        1,
        "stderr: {}",
        done.stderr
    );
    assert!(!rig.received("AT+MQTTREAD"));
}

#[test]
fn spaced_lines_and_mqttlose_firmware_is_understood() {
    let rig = rig_with(Via::Tcp, |c| {
        c.spaced = true;
        c.break_report = fibocom_sim::BreakReport::Lose;
    });
    let obs = rig.observer("obs");
    let mut sub = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "sp/#",
        "-C",
        "1",
        "-v",
    ]));
    sub.wait_stderr("AT< +MQTTSUB: 1, 1", 1);
    obs.publish("sp/x", b"a, b");
    let done = sub.finish().ok();
    assert_eq!(done.out(), "sp/x a, b\n");
}

#[test]
fn a_failed_open_says_what_is_known_and_what_to_check() {
    let rig = rig_with(Via::Tcp, |_| {});
    let done = rig
        .run(
            &creds(&["pub", "-h", "broker.invalid", "-t", "t", "-m", "x"]),
            None,
        )
        .fails_with(
            "cannot connect to broker.invalid:1883: the module reported failure (+MQTTOPEN \
             status 0); the data call is up (10.2.83.148); check that broker.invalid resolves \
             and that a broker listens on port 1883",
        );
    assert_eq!(done.status.code(), Some(1));
    assert!(rig.received("AT+MIPCALL?"));
}

#[test]
fn a_failed_step_names_the_command_the_module_refused() {
    let rig = rig_with(Via::Tcp, |_| {});
    rig.sim.control(fibocom_sim::Control::Refuse("ATE0".into()));
    rig.run(&creds(&["pub", "-t", "named/x", "-m", "m"]), None)
        .fails_with("start-up: ATE0 answered ERROR");

    rig.sim
        .control(fibocom_sim::Control::Refuse("AT+MQTTSUB=".into()));
    rig.run(&creds(&["sub", "-t", "named/#", "-C", "1"]), None)
        .fails_with("subscribing to named/#: AT+MQTTSUB answered ERROR");
}

#[test]
fn a_will_with_quotes_goes_in_the_data_form_and_a_refusal_names_the_command() {
    let rig = rig_with(Via::Tcp, |_| {});
    let obs = rig.observer("obs");
    obs.subscribe("gone/#", QoS::AtLeastOnce);
    let will = r#"{"state": "gone"}"#;
    let mut sub = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "alive/x",
        "--will-topic",
        "gone/dev",
        "--will-payload",
        will,
    ]));
    sub.wait_stderr("AT< +MQTTSUB: 1,1", 1);
    rig.sim.drop_broker(1);
    assert_eq!(&obs.recv().payload[..], will.as_bytes());
    drop(sub.finish());
    assert!(rig.received(&format!("AT+MQTTWILL=1,\"gone/dev\",0,0,{}", will.len())));

    let old = rig_with(Via::Tcp, |c| c.will_data = false);
    old.run(
        &creds(&[
            "pub",
            "-t",
            "x",
            "-m",
            "m",
            "--will-topic",
            "gone/dev",
            "--will-payload",
            will,
        ]),
        None,
    )
    .fails_with("AT+MQTTWILL answered ERROR");
}
