//! Unit tests of the module core, fed bytes and reports directly.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::state::{Effect, Op, Report};
use super::Module;
use crate::config::{RefusalTiming, SimConfig};

fn module(cfg: SimConfig) -> (Module, Instant) {
    let now = Instant::now();
    (Module::new(cfg, Arc::new(Mutex::new(Vec::new())), now), now)
}

fn send(m: &mut Module, now: Instant, text: &str) -> String {
    m.feed(text.as_bytes(), now);
    String::from_utf8_lossy(&m.take_output()).into_owned()
}

/// Dials, opens client 1 and acknowledges the connection; returns the connection's gen.
fn connected(m: &mut Module, now: Instant) -> u64 {
    send(m, now, "ATE0\rAT+MIPCALL=1\r");
    m.tick(now + Duration::from_secs(1));
    m.take_output();
    send(m, now, "AT+MQTTOPEN=1,\"b\",1883,1,60\r");
    let Some(Effect::Open(1, gen, _)) = m.take_effects().pop() else {
        panic!("no open effect")
    };
    m.report(Report::Connected(1, gen), now);
    m.take_output();
    gen
}

#[test]
fn echo_and_basic_answers() {
    let (mut m, now) = module(SimConfig::default());
    assert_eq!(send(&mut m, now, "AT\r"), "AT\r\r\nOK\r\n");
    assert_eq!(
        send(&mut m, now, "\0\x7fAT+CSQ\r\n"),
        "AT+CSQ\r\r\n+CSQ: 31,99\r\n\r\nOK\r\n"
    );
    assert_eq!(send(&mut m, now, "ATE0\r"), "ATE0\r\r\nOK\r\n");
    assert_eq!(send(&mut m, now, "AT+BOGUS\r"), "\r\nERROR\r\n");
    assert_eq!(send(&mut m, now, "hello\r"), "");
}

#[test]
fn urc_waits_for_partial_line() {
    let (mut m, now) = module(SimConfig::default());
    assert_eq!(send(&mut m, now, "AT+CS"), "AT+CS");
    m.control(&crate::faults::Control::Inject(b"\r\n+X\r\n".to_vec()), now);
    assert_eq!(m.take_output(), b"");
    assert_eq!(
        send(&mut m, now, "Q\r"),
        "Q\r\r\n+CSQ: 31,99\r\n\r\nOK\r\n\r\n+X\r\n"
    );
    // A partial line left alone does not hold unsolicited lines for ever.
    send(&mut m, now, "AT");
    m.control(&crate::faults::Control::Inject(b"\r\n+Y\r\n".to_vec()), now);
    let later = m.next_deadline().expect("hold deadline");
    m.tick(later);
    assert_eq!(m.take_output(), b"\r\n+Y\r\n");
}

#[test]
fn results_are_delayed_and_cancelled_by_break() {
    let (mut m, now) = module(SimConfig::default());
    let gen = connected(&mut m, now);
    m.control(
        &crate::faults::Control::ResultDelay(Duration::from_secs(5)),
        now,
    );
    assert_eq!(send(&mut m, now, "AT+MQTTSUB=1,\"t\",1\r"), "\r\nOK\r\n");
    m.report(Report::Done(1, gen, Op::Sub, true), now);
    assert_eq!(m.take_output(), b"");
    m.tick(now + Duration::from_secs(5));
    assert_eq!(m.take_output(), b"\r\n+MQTTSUB: 1,1\r\n");
    send(&mut m, now, "AT+MQTTPUB=1,\"t\",1,0,\"x\"\r");
    m.report(Report::Done(1, gen, Op::Pub, true), now);
    m.control(&crate::faults::Control::DropBroker(1), now);
    assert_eq!(
        m.take_output(),
        b"\r\n+MQTTBREAK: 1,1\r\n\r\n+MQTTCLOSE: 1,1\r\n"
    );
    m.tick(now + Duration::from_secs(10));
    assert_eq!(m.take_output(), b"");
}

#[test]
fn refusal_before_ok_holds_the_channel() {
    let cfg = SimConfig {
        refusal_timing: RefusalTiming::BeforeOk,
        ..SimConfig::default()
    };
    let (mut m, now) = module(cfg);
    send(&mut m, now, "ATE0\rAT+MIPCALL=1\r");
    m.tick(now + Duration::from_secs(1));
    m.take_output();
    assert_eq!(send(&mut m, now, "AT+MQTTOPEN=1,\"b\",1883,1,60\rAT\r"), "");
    let Some(Effect::Open(1, gen, _)) = m.take_effects().pop() else {
        panic!("no open effect")
    };
    m.report(Report::Refused(1, gen, 4), now);
    assert_eq!(m.take_output(), b"\r\nERROR: 703\r\n\r\nOK\r\n");
}

#[test]
fn data_mode_times_out() {
    let (mut m, now) = module(SimConfig::default());
    connected(&mut m, now);
    assert_eq!(send(&mut m, now, "AT+MQTTPUB=1,\"t\",0,0,4\r"), ">\r\n");
    assert_eq!(send(&mut m, now, "ab"), "");
    let deadline = m.next_deadline().expect("data deadline");
    assert_eq!(deadline, now + Duration::from_secs(30));
    m.tick(deadline);
    assert_eq!(m.take_output(), b"\r\nERROR\r\n");
    assert!(m.take_effects().is_empty());
    assert_eq!(send(&mut m, now, "AT\r"), "\r\nOK\r\n");
}

#[test]
fn a_silent_module_reads_and_sends_nothing_then_answers_again() {
    let (mut m, now) = module(SimConfig::default());
    let gen = connected(&mut m, now);
    send(&mut m, now, "AT+MQTTCONF=1\r");
    send(&mut m, now, "AT+MQTTPUB=1,\"t\",1,0,\"x\"\r");
    m.control(
        &crate::faults::Control::Silence(Duration::from_secs(2)),
        now,
    );
    // The publish's result, an incoming message's announcement and any answer are lost.
    m.report(Report::Done(1, gen, Op::Pub, true), now);
    m.report(
        Report::Message(
            1,
            gen,
            crate::module::state::Received {
                qos: 1,
                topic: b"t".to_vec(),
                payload: b"p".to_vec(),
                ack: None,
            },
        ),
        now,
    );
    assert_eq!(send(&mut m, now, "AT\r"), "");
    assert_eq!(m.next_deadline(), Some(now + Duration::from_secs(2)));
    m.tick(now + Duration::from_secs(2));
    assert_eq!(m.take_output(), b"");
    // The message waits in the module all the same.
    assert_eq!(
        send(&mut m, now + Duration::from_secs(2), "AT+MQTTREAD=1\r"),
        "\r\n+MQTTREAD: 1,1,1,1\r\n\"t\",\"p\"\r\n\r\nOK\r\n"
    );
}

#[test]
fn ack_on_read_acknowledges_when_the_host_reads() {
    let cfg = SimConfig {
        ack_on_read: true,
        ..SimConfig::default()
    };
    let (mut m, now) = module(cfg);
    let gen = connected(&mut m, now);
    send(&mut m, now, "AT+MQTTCONF=1\r");
    let ack = crate::module::state::Ack {
        gen,
        pkid: 7,
        qos: 1,
    };
    m.report(
        Report::Message(
            1,
            gen,
            crate::module::state::Received {
                qos: 1,
                topic: b"t".to_vec(),
                payload: b"p".to_vec(),
                ack: Some(ack),
            },
        ),
        now,
    );
    assert_eq!(m.take_output(), b"\r\n+MQTTMSGI: 1,1,1,1\r\n");
    assert!(m.take_effects().is_empty());
    send(&mut m, now, "AT+MQTTREAD=1\r");
    assert_eq!(m.take_effects(), vec![Effect::Ack(1, ack)]);
}

#[test]
fn ack_on_read_forgets_the_unread_messages_of_a_dropped_connection() {
    let cfg = SimConfig {
        ack_on_read: true,
        ..SimConfig::default()
    };
    let (mut m, now) = module(cfg);
    let gen = connected(&mut m, now);
    send(&mut m, now, "AT+MQTTCONF=1\r");
    let received = |pkid| crate::module::state::Received {
        qos: 1,
        topic: b"t".to_vec(),
        payload: b"p".to_vec(),
        ack: Some(crate::module::state::Ack { gen, pkid, qos: 1 }),
    };
    m.report(Report::Message(1, gen, received(1)), now);
    m.control(&crate::faults::Control::DropBroker(1), now);
    m.take_output();
    assert_eq!(
        send(&mut m, now, "AT+MQTTREAD=1\r"),
        "\r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n"
    );
}

#[test]
fn refuse_answers_error_to_the_next_matching_command_only() {
    let (mut m, now) = module(SimConfig::default());
    m.control(&crate::faults::Control::Refuse("ATE".into()), now);
    assert_eq!(send(&mut m, now, "AT\r"), "AT\r\r\nOK\r\n", "not matching");
    assert_eq!(send(&mut m, now, "ATE0\r"), "ATE0\r\r\nERROR\r\n");
    assert_eq!(send(&mut m, now, "ATE0\r"), "ATE0\r\r\nOK\r\n", "once");
}

#[test]
fn previous_run_connections_are_resumed_silently() {
    use crate::previous::{LeftClient, PreviousRun};
    let cfg = SimConfig {
        previous: PreviousRun::after(
            2,
            LeftClient::new("b", 1883)
                .user("u", "p")
                .client_id("old")
                .subscribed("t/#", 1),
        )
        .client(1, LeftClient::new("c", 1883)),
        ..SimConfig::default()
    };
    let (mut m, now) = module(cfg);
    let effects = m.take_effects();
    let gens: Vec<(u8, u64)> = effects
        .iter()
        .map(|e| match e {
            Effect::Resume(id, gen, params, subs) => {
                if *id == 2 {
                    assert_eq!(params.client_id, "old");
                    assert_eq!(params.credentials, Some(("u".into(), "p".into())));
                    assert_eq!(subs, &vec![("t/#".to_string(), 1)]);
                } else {
                    assert_eq!(params.client_id, SimConfig::default().imei);
                    assert!(subs.is_empty());
                }
                (*id, *gen)
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(gens.len(), 2);
    assert_eq!(m.resume_outcome(), None);
    m.report(Report::Resumed(gens[0].0, gens[0].1, true), now);
    assert_eq!(m.resume_outcome(), None);
    m.report(Report::Failed(gens[1].0, gens[1].1), now);
    let Some(Err(e)) = m.resume_outcome() else {
        panic!("no failure")
    };
    assert!(
        e.contains("left connected: the broker could not be reached"),
        "{e}"
    );
    // The host heard nothing of either; the failed one is closed, the other connected.
    assert_eq!(m.take_output(), b"");
    assert_eq!(
        send(&mut m, now, "AT+MQTTCLOSE?\r"),
        format!("\r\n+MQTTCLOSE: {}\r\n\r\nOK\r\n", gens[0].0)
    );
}
