//! Every command run twice in a row against the same simulated module, as a user does (and as
//! a device does after each restart of its host): the module keeps its data call, and a run
//! that was killed leaves its client connected. The second run must work as the first did.

mod common;

use common::{creds, rig, Rig, Via};
use nix::sys::signal::Signal;
use rumqttc::QoS;

/// The trace line of the module's confirmation of a subscription.
const SUBSCRIBED: &str = "AT< +MQTTSUB: 1,1";

/// Runs `args` twice; both runs must succeed. Returns the second run's stdout.
fn twice(rig: &Rig, args: &[&str]) -> String {
    let first = rig.run(args, None).ok();
    let second = rig.run(args, None).ok();
    assert_eq!(first.status.code(), second.status.code());
    second.out()
}

#[test]
fn pub_twice_without_and_with_an_apn() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    obs.subscribe("twice/#", QoS::AtLeastOnce);
    twice(
        &rig,
        &creds(&["pub", "-t", "twice/a", "-m", "1", "-q", "1"]),
    );
    twice(
        &rig,
        &creds(&["pub", "--apn", "internet", "-t", "twice/b", "-m", "2"]),
    );
    let got: Vec<(String, Vec<u8>)> = (0..4)
        .map(|_| {
            let p = obs.recv();
            (p.topic.clone(), p.payload.to_vec())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("twice/a".to_string(), b"1".to_vec()),
            ("twice/a".to_string(), b"1".to_vec()),
            ("twice/b".to_string(), b"2".to_vec()),
            ("twice/b".to_string(), b"2".to_vec()),
        ]
    );
    // The data call was dialled once: the later runs kept it.
    let dials = rig
        .commands_from(0)
        .iter()
        .filter(|c| c.starts_with("AT+MIPCALL=1"))
        .count();
    assert!(
        dials <= 2,
        "at most the first run and the first --apn run dial"
    );
}

#[test]
fn pub_retry_twice() {
    let rig = rig(Via::Pty);
    twice(
        &rig,
        &creds(&["pub", "--retry", "-q", "1", "-t", "r", "-m", "x"]),
    );
}

#[test]
fn sub_twice_each_with_a_message() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    for reconnect in [false, true] {
        for _ in 0..2 {
            let mut args = vec!["--at-trace", "sub", "-t", "s2", "-C", "1"];
            if reconnect {
                args.push("--reconnect");
            }
            let mut run = rig.spawn(&creds(&args));
            run.wait_stderr(SUBSCRIBED, 1);
            obs.publish("s2", b"hello");
            assert_eq!(run.finish().ok().out(), "hello\n");
        }
    }
}

#[test]
fn info_and_at_twice() {
    let rig = rig(Via::Pty);
    assert!(twice(&rig, &["info"]).contains("Data call"));
    twice(&rig, &["at", "AT+CSQ"]);
}

#[test]
fn every_command_after_a_killed_sub() {
    let rig = rig(Via::Tcp);
    let obs = rig.observer("obs");
    let runs: [&[&str]; 4] = [
        &["pub", "-t", "k", "-m", "x"],
        &["pub", "--retry", "-q", "1", "-t", "k", "-m", "x"],
        &["sub", "-t", "k", "-C", "1", "-W", "5"],
        &["sub", "--reconnect", "-t", "k", "-C", "1", "-W", "5"],
    ];
    for args in runs {
        // A sub killed while connected leaves client 1 connected in the module.
        let mut killed = rig.spawn(&creds(&["--at-trace", "sub", "-t", "k"]));
        killed.wait_stderr(SUBSCRIBED, 1);
        killed.signal(Signal::SIGKILL);
        let _ = killed.finish();
        if args[0] == "sub" {
            let mut run = rig.spawn(&creds(&[&["--at-trace"][..], args].concat()));
            run.wait_stderr(SUBSCRIBED, 1);
            obs.publish("k", b"after");
            assert_eq!(run.finish().ok().out(), "after\n", "{args:?}");
        } else {
            rig.run(&creds(args), None).ok();
        }
    }
}
