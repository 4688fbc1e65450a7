//! `fibocom-mqtt pub` against the simulator, each message checked at the broker.

mod common;

use common::{creds, rig, Via};
use rumqttc::QoS;

#[test]
fn message_over_a_pty() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("obs");
    obs.subscribe("greet/#", QoS::AtLeastOnce);
    rig.run(&creds(&["pub", "-t", "greet/pty", "-m", "hello"]), None)
        .ok();
    let m = obs.recv();
    assert_eq!(m.topic, "greet/pty");
    assert_eq!(&m.payload[..], b"hello");
    assert!(!m.retain);
    // The connection was closed cleanly after the publish.
    assert!(rig.received("AT+MQTTCLOSE=1"));
}

#[test]
fn message_over_tcp_with_qos() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("greet/#", QoS::ExactlyOnce);
    for q in ["0", "1", "2"] {
        let topic = format!("greet/q{q}");
        rig.run(
            &creds(&["pub", "-t", &topic, "-q", q, "-m", "hello tcp"]),
            None,
        )
        .ok();
        let m = obs.recv();
        assert_eq!(m.topic, topic);
        assert_eq!(&m.payload[..], b"hello tcp");
        assert_eq!(m.qos as u8, q.parse::<u8>().unwrap());
        assert!(rig.received(&format!("AT+MQTTPUB=1,\"{topic}\",{q},0,")));
    }
}

#[test]
fn binary_file_goes_through_the_data_form() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("bin", QoS::AtMostOnce);
    let payload: Vec<u8> = (0..=255u8).rev().chain(*b"\r\n\"quoted\",\r\n\0").collect();
    let path = std::env::temp_dir().join(format!("fibocom-mqtt-test-{}.bin", std::process::id()));
    std::fs::write(&path, &payload).unwrap();
    let done = rig.run(
        &creds(&["pub", "-t", "bin", "-f", path.to_str().unwrap()]),
        None,
    );
    let _ = std::fs::remove_file(&path);
    done.ok();
    assert_eq!(&obs.recv().payload[..], &payload[..]);
    let size = payload.len();
    assert!(rig.received(&format!("AT+MQTTPUB=1,\"bin\",0,0,{size}")));
}

#[test]
fn missing_file_is_a_clear_error_before_the_module_is_touched() {
    let rig = rig(Via::Tcp);
    rig.run(&creds(&["pub", "-t", "t", "-f", "/nonexistent/file"]), None)
        .fails_with("cannot read /nonexistent/file");
    assert!(!rig.received("AT"));
}

#[test]
fn all_of_stdin_is_one_message() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("obs");
    obs.subscribe("stdin", QoS::AtMostOnce);
    let input = b"line one\nline two\n\x00\xff end";
    rig.run(&creds(&["pub", "-t", "stdin", "-s"]), Some(input))
        .ok();
    assert_eq!(&obs.recv().payload[..], &input[..]);
    obs.expect_nothing(std::time::Duration::from_millis(300));
}

#[test]
fn one_message_per_stdin_line() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("obs");
    obs.subscribe("lines", QoS::AtMostOnce);
    let mut run = rig.spawn(&creds(&["pub", "-t", "lines", "-l"]));
    run.write_stdin(b"first\nsecond \"quoted\"\n");
    // Each line goes out as it is read, while stdin is still open.
    assert_eq!(&obs.recv().payload[..], b"first");
    assert_eq!(&obs.recv().payload[..], b"second \"quoted\"");
    run.write_stdin(b"\nlast without newline");
    run.close_stdin();
    run.finish().ok();
    assert_eq!(&obs.recv().payload[..], b"");
    assert_eq!(&obs.recv().payload[..], b"last without newline");
}

#[test]
fn null_message() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("empty", QoS::AtMostOnce);
    rig.run(&creds(&["pub", "-t", "empty", "-n"]), None).ok();
    assert!(obs.recv().payload.is_empty());
    assert!(rig.received("AT+MQTTPUB=1,\"empty\",0,0,\"\""));
}

#[test]
fn retained_message_reaches_a_later_subscriber() {
    let rig = rig(Via::Pty);
    rig.run(
        &creds(&["pub", "-t", "status/kept", "-r", "-q", "1", "-m", "online"]),
        None,
    )
    .ok();
    let obs = rig.observer("late");
    obs.subscribe("status/#", QoS::AtLeastOnce);
    let m = obs.recv();
    assert_eq!(m.topic, "status/kept");
    assert_eq!(&m.payload[..], b"online");
    assert!(m.retain);
}

#[test]
fn connection_options_reach_the_module() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("opts", QoS::AtMostOnce);
    rig.run(
        &creds(&[
            "pub",
            "--modem-client",
            "2",
            "-h",
            "broker.example",
            "-p",
            "8883",
            "-i",
            "my-id",
            "-k",
            "30",
            "-c",
            "-t",
            "opts",
            "-m",
            "x",
        ]),
        None,
    )
    .ok();
    assert_eq!(&obs.recv().payload[..], b"x");
    assert!(rig.received("AT+MQTTUSER=2,\"alice\",\"secret\",\"my-id\""));
    assert!(rig.received("AT+MQTTOPEN=2,\"broker.example\",8883,0,30"));
    assert!(rig.received("AT+MQTTCLOSE=2"));
}

#[test]
fn wrong_password_is_refused_with_the_reason() {
    for via in [Via::Pty, Via::Tcp] {
        let rig = rig(via);
        rig.run(
            &["pub", "-t", "t", "-m", "x", "-u", "alice", "-P", "wrong"],
            None,
        )
        .fails_with("bad user name or password");
    }
}

#[test]
fn oversized_or_unsendable_arguments_are_clear_errors() {
    let rig = rig(Via::Tcp);
    let big = "x".repeat(1025);
    // Checked before the module is touched (cli_args has every case).
    let done = rig
        .run(&creds(&["pub", "-t", "t", "-m", &big]), None)
        .fails_with("fibocom-mqtt: message: 1025 bytes, at most 1024\n");
    assert_eq!(done.status.code(), Some(2));
    rig.run(&creds(&["pub", "-t", "bad\"topic", "-m", "x"]), None)
        .fails_with("topic: '\"' at character 4 cannot be sent");
    assert_eq!(rig.command_count(), 0);
    rig.run(&creds(&["pub", "-t", "t", "-m", "x", "-k", "301"]), None)
        .fails_with("301");
    // -c needs -i, as in mosquitto.
    rig.run(&creds(&["pub", "-t", "t", "-m", "x", "-c"]), None)
        .fails_with("--id");
    // Exactly one message source.
    rig.run(&creds(&["pub", "-t", "t", "-m", "x", "-n"]), None)
        .fails_with("cannot be used with");
}

#[test]
fn retry_sends_again_what_a_break_cut_off() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("kept", QoS::AtLeastOnce);
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "pub",
        "-t",
        "kept",
        "-q",
        "1",
        "--retry",
        "-l",
    ]));
    run.write_stdin(b"one\n");
    assert_eq!(&obs.recv().payload[..], b"one");
    // The connection drops and the module restarts: the next lines still arrive.
    rig.sim.drop_broker(1);
    run.write_stdin(b"two\n");
    run.wait_stderr("connection lost", 1);
    rig.sim.reboot();
    run.write_stdin(b"three\n");
    run.close_stdin();
    let done = run.finish().ok();
    let mut got = vec![obs.recv(), obs.recv()];
    got.dedup_by(|a, b| a.payload == b.payload);
    let payloads: Vec<_> = got.iter().map(|m| m.payload.to_vec()).collect();
    assert!(payloads.contains(&b"two".to_vec()), "{payloads:?}");
    if payloads.len() < 2 || !payloads.contains(&b"three".to_vec()) {
        assert_eq!(&obs.recv().payload[..], b"three", "{}", done.stderr);
    }
    assert!(rig.received("AT+MQTTCLOSE=1"));
}

#[test]
fn retry_needs_qos_1_or_2() {
    let rig = rig(Via::Tcp);
    rig.run(&creds(&["pub", "-t", "kept", "--retry", "-m", "x"]), None)
        .fails_with("--retry needs -q 1 or 2");
}
