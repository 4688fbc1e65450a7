//! `fibocom-mqtt sub` against the simulator, with messages published by an independent client.

mod common;

use std::time::{Duration, Instant};

use common::{creds, rig, Via};
use nix::sys::signal::Signal;
use rumqttc::QoS;

/// The trace line of the module's confirmation of a subscription.
const SUBSCRIBED: &str = "AT< +MQTTSUB: 1,1";

#[test]
fn verbose_count_with_a_binary_payload_over_a_pty() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("pub");
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "a/#",
        "-t",
        "b",
        "-v",
        "-C",
        "3",
    ]));
    run.wait_stderr(SUBSCRIBED, 2);
    obs.publish("a/x", b"hello");
    let binary = b"\x00\x01\r\n\"raw\",\xff";
    obs.publish("b", binary);
    obs.publish("a/y/z", b"third");
    let done = run.finish().ok();
    let mut expected = b"a/x hello\nb ".to_vec();
    expected.extend_from_slice(binary);
    expected.extend_from_slice(b"\na/y/z third\n");
    assert_eq!(done.stdout, expected);
    assert!(rig.received("AT+MQTTSUB=1,\"a/#\",0"));
    assert!(rig.received("AT+MQTTSUB=1,\"b\",0"));
    assert!(rig.received("AT+MQTTCLOSE=1"));
}

#[test]
fn payload_only_over_tcp() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "t",
        "-q",
        "1",
        "-C",
        "2",
    ]));
    run.wait_stderr(SUBSCRIBED, 1);
    obs.publish("t", b"one");
    // Each message is printed as soon as it arrives.
    let deadline = Instant::now() + common::WAIT;
    while run.stdout() != b"one\n" {
        assert!(Instant::now() < deadline, "got {:?}", run.stdout());
        std::thread::sleep(Duration::from_millis(20));
    }
    obs.publish("t", b"two");
    let done = run.finish().ok();
    assert_eq!(done.out(), "one\ntwo\n");
    assert!(rig.received("AT+MQTTSUB=1,\"t\",1"));
}

#[test]
fn idle_timeout_fails_and_closes() {
    let rig = rig(Via::Tcp);
    let started = Instant::now();
    rig.run(&creds(&["sub", "-t", "quiet", "-W", "1"]), None)
        .fails_with("timed out");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(rig.received("AT+MQTTCLOSE=1"));
}

#[test]
fn a_break_is_reported_and_the_will_is_published() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("watch");
    obs.subscribe("wills/#", QoS::AtLeastOnce);
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "x",
        "--will-topic",
        "wills/dev1",
        "--will-payload",
        "offline",
        "--will-qos",
        "1",
        "--will-retain",
    ]));
    run.wait_stderr(SUBSCRIBED, 1);
    assert!(rig.received("AT+MQTTWILL=1,\"wills/dev1\",1,1,\"offline\""));
    rig.sim.drop_broker(1);
    let will = obs.recv();
    assert_eq!(will.topic, "wills/dev1");
    assert_eq!(&will.payload[..], b"offline");
    run.finish()
        .fails_with("connection lost: the broker closed it");
    // Retained: a later subscriber gets it too.
    let late = rig.observer("late");
    late.subscribe("wills/dev1", QoS::AtMostOnce);
    let kept = late.recv();
    assert_eq!(&kept.payload[..], b"offline");
    assert!(kept.retain);
}

#[test]
fn reconnect_subscribes_again_after_a_break() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "r",
        "-C",
        "1",
        "--reconnect",
    ]));
    run.wait_stderr(SUBSCRIBED, 1);
    rig.sim.drop_broker(1);
    run.wait_stderr("connection lost", 1);
    run.wait_stderr(SUBSCRIBED, 2);
    let opens = rig
        .sim
        .received_commands()
        .iter()
        .filter(|c| c.starts_with("AT+MQTTOPEN=1"))
        .count();
    assert_eq!(opens, 2);
    obs.publish("r", b"after the break");
    let done = run.finish().ok();
    assert_eq!(done.out(), "after the break\n");
}

#[test]
fn sigterm_and_sigint_close_the_connection_cleanly() {
    for (via, signal) in [(Via::Pty, Signal::SIGTERM), (Via::Tcp, Signal::SIGINT)] {
        let rig = rig(via);
        let mut run = rig.spawn(&creds(&["--at-trace", "sub", "-t", "s"]));
        run.wait_stderr(SUBSCRIBED, 1);
        assert!(!rig.received("AT+MQTTCLOSE="));
        run.signal(signal);
        let done = run.finish().ok();
        assert!(
            done.stderr.contains("AT< +MQTTCLOSE: 1,1"),
            "{}",
            done.stderr
        );
        assert!(rig.received("AT+MQTTCLOSE=1"));
    }
}

#[test]
fn a_device_in_use_is_reported_busy() {
    let rig = rig(Via::Pty);
    let mut run = rig.spawn(&creds(&["--at-trace", "sub", "-t", "s"]));
    run.wait_stderr(SUBSCRIBED, 1);
    rig.run(&creds(&["pub", "-t", "s", "-m", "x"]), None)
        .fails_with("is busy");
    run.signal(Signal::SIGTERM);
    run.finish().ok();
}

#[test]
fn a_module_restart_ends_sub() {
    let rig = rig(Via::Tcp);
    let mut run = rig.spawn(&creds(&["--at-trace", "sub", "-t", "s"]));
    run.wait_stderr(SUBSCRIBED, 1);
    rig.sim.reboot();
    run.finish()
        .fails_with("connection lost: the module restarted");
}

#[test]
fn a_client_left_open_by_a_killed_process_is_closed_by_the_next_run() {
    let rig = rig(Via::Pty);
    let mut run = rig.spawn(&creds(&["--at-trace", "sub", "-t", "s"]));
    run.wait_stderr(SUBSCRIBED, 1);
    run.signal(Signal::SIGKILL);
    let _ = run.finish();
    let before = rig.command_count();
    assert!(
        !rig.received("AT+MQTTCLOSE=1"),
        "the killed run closed nothing"
    );
    rig.run(&creds(&["pub", "-t", "s", "-m", "x"]), None).ok();
    let next = rig.commands_from(before);
    let close = next.iter().position(|c| c == "AT+MQTTCLOSE=1");
    let open = next.iter().position(|c| c.starts_with("AT+MQTTOPEN=1,"));
    assert!(
        matches!((close, open), (Some(c), Some(o)) if c < o),
        "start-up closes the left-over client before the open: {next:?}"
    );
}

/// Starts `sub` with `args` (and the trace, to see the subscription confirmed), waits until
/// it is confirmed and the retained-message window is over.
fn subscribed(rig: &common::Rig, args: &[&str]) -> common::Running {
    let mut all = vec!["-d", "sub"];
    all.extend_from_slice(args);
    let mut run = rig.spawn(&creds(&all));
    run.wait_stderr(SUBSCRIBED, 1);
    std::thread::sleep(Duration::from_millis(1200));
    run
}

#[test]
fn an_empty_payload_prints_as_mosquitto_sub_prints_it() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    let run = subscribed(&rig, &["-t", "e/#", "-v", "-C", "2"]);
    obs.publish("e/empty", b"");
    obs.publish("e/full", b"x");
    assert_eq!(run.finish().ok().out(), "e/empty (null)\ne/full x\n");
    // Without -v an empty message prints nothing (but counts).
    let run = subscribed(&rig, &["-t", "e/#", "-C", "2"]);
    obs.publish("e/empty", b"");
    obs.publish("e/full", b"y");
    assert_eq!(run.finish().ok().out(), "y\n");
}

#[test]
fn no_newline_with_capital_n() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    let run = subscribed(&rig, &["-t", "n", "-N", "-C", "2"]);
    obs.publish("n", b"one");
    obs.publish("n", b"two");
    assert_eq!(run.finish().ok().out(), "onetwo");
}

#[test]
fn format_like_mosquitto_sub() {
    let rig = rig(Via::Pty);
    let obs = rig.observer("pub");
    let run = subscribed(
        &rig,
        &[
            "-t",
            "f/#",
            "-q",
            "1",
            "-F",
            "%t|%p|%q|%r|%l|%x|100%%\\t.",
            "-C",
            "1",
        ],
    );
    obs.publish("f/a", b"hi");
    assert_eq!(run.finish().ok().out(), "f/a|hi|1|0|2|6869|100%\t.\n");

    let run = subscribed(&rig, &["-t", "f/#", "-F", "%I %j", "-N", "-C", "1"]);
    obs.publish("f/\"q\"", b"a\"b\nc");
    let out = run.finish().ok().out();
    let (time, json) = out.split_once(' ').unwrap();
    // 2026-12-01T22:30:05+0000
    assert_eq!(time.len(), 24, "{out}");
    assert!(
        time.ends_with("+0000") && time.as_bytes()[10] == b'T',
        "{out}"
    );
    let date = &time[..10];
    assert!(json.starts_with(&format!("{{\"tst\":\"{date}T")), "{out}");
    assert!(
        json.ends_with(
            "Z\",\"topic\":\"f/\\\"q\\\"\",\"qos\":0,\"retain\":0,\"payloadlen\":5,\
             \"payload\":\"a\\\"b\\nc\"}"
        ),
        "{out}"
    );
}

#[test]
fn retained_messages_are_marked_and_skipped_with_capital_r() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    obs.publish_retained("r", b"old");
    // Without -R the retained message is printed, marked by %r.
    let run = subscribed(&rig, &["-t", "r", "-F", "%r %p", "-C", "2"]);
    obs.publish("r", b"new");
    assert_eq!(run.finish().ok().out(), "1 old\n0 new\n");
    // With -R it is skipped and not counted.
    let run = subscribed(&rig, &["-t", "r", "-R", "-C", "1"]);
    obs.publish("r", b"newer");
    assert_eq!(run.finish().ok().out(), "newer\n");
}

#[test]
fn debug_trace_and_the_short_at_command() {
    let rig = rig(Via::Pty);
    for command in ["AT+CSQ", "+CSQ", "CSQ", "csq"] {
        let done = rig.run(&["-d", "at", command], None).ok();
        assert_eq!(done.out(), "+CSQ: 31,99\nOK\n", "{command}");
        let sent = if command == "csq" { "AT+csq" } else { "AT+CSQ" };
        assert!(
            done.stderr.contains(&format!(" AT> {sent}\\r\n")),
            "{command}: {}",
            done.stderr
        );
        assert!(
            done.stderr.contains(" AT< +CSQ: 31,99\n"),
            "{}",
            done.stderr
        );
    }
    let done = rig.run(&["at", "I"], None).ok();
    assert!(done.out().starts_with("Fibocom\n"), "{}", done.out());
}

#[test]
fn reconnect_rides_out_a_module_restart() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("pub");
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "-t",
        "r",
        "-C",
        "1",
        "--reconnect",
    ]));
    run.wait_stderr(SUBSCRIBED, 1);
    rig.sim.reboot();
    run.wait_stderr(
        "connection lost (the module restarted); connecting again",
        1,
    );
    run.wait_stderr(SUBSCRIBED, 2);
    obs.publish("r", b"after the restart");
    let done = run.finish().ok();
    assert_eq!(done.out(), "after the restart\n");
    assert!(done.stderr.contains("connected again"), "{}", done.stderr);
}
