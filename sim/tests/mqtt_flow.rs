//! MQTT traffic through the simulator, checked from the broker's side by an independent
//! client: open, subscribe, both publish forms, both receive modes and read layouts, close,
//! refusals.

mod common;

use std::time::Duration;

use common::{mute_broker, rig, rig_with, Observer};
use fibocom_sim::{ErrorForm, PromptStyle, ReadLayout, RefusalTiming};
use rumqttc::QoS;

/// A payload that no text form can carry.
const BINARY: &[u8] = b"a\"b,\r\n\0\xff\"";

#[test]
fn open_subscribe_publish_text_and_receive_in_mode_0() {
    let mut r = rig();
    r.online();
    r.open(1);
    r.host.cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 2\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    // USER and WILL only while closed; OPEN twice is an error.
    r.host.error("AT+MQTTUSER=1,\"u\",\"p\"");
    r.host.error("AT+MQTTWILL=1,\"w\",0,0,\"x\"");
    r.host.error("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.sub(1, "down/#", 1);

    let obs = r.observer("observer");
    obs.subscribe("up/#", QoS::ExactlyOnce);
    obs.publish("down/a", QoS::AtLeastOnce, false, b"hello, \"world\"");
    r.host.line("+MQTTMSG: 1,1,\"down/a\",\"hello, \"world\"\"");
    obs.publish("down/b", QoS::AtMostOnce, false, b"");
    r.host.line("+MQTTMSG: 1,0,\"down/b\",\"\"");

    for qos in 0..=2u8 {
        r.host
            .ok(&format!("AT+MQTTPUB=1,\"up/{qos}\",{qos},0,\"v={qos}\""));
        r.host.line("+MQTTPUB: 1,1");
        let p = obs.recv();
        assert_eq!(p.topic, format!("up/{qos}"));
        assert_eq!(&p.payload[..], format!("v={qos}").as_bytes());
        assert_eq!(p.qos as u8, qos);
        assert!(!p.retain);
    }

    r.host.ok("AT+MQTTUNSUB=1,\"down/#\"");
    r.host.line("+MQTTUNSUB: 1,1");
    obs.publish("down/c", QoS::AtLeastOnce, false, b"unseen");
    r.host.expect_silence(Duration::from_millis(300));

    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n");
    r.host.error("AT+MQTTCLOSE=1");
}

#[test]
fn data_publish_carries_any_bytes_and_retain() {
    let mut r = rig();
    r.online();
    r.open(1);
    let obs = r.observer("observer");
    obs.subscribe("bin", QoS::ExactlyOnce);
    r.host.cmd(
        &format!("AT+MQTTPUB=1,\"bin\",2,1,{}", BINARY.len()),
        ">\r\n",
    );
    r.host.send(BINARY);
    r.host.expect(b"\r\nOK\r\n");
    r.host.line("+MQTTPUB: 1,1");
    let p = obs.recv();
    assert_eq!(p.topic, "bin");
    assert_eq!(&p.payload[..], BINARY);
    assert_eq!(p.qos, QoS::ExactlyOnce);
    // The retained copy reaches a later subscriber.
    let late = r.observer("late");
    late.subscribe("bin", QoS::AtMostOnce);
    let p = late.recv();
    assert!(p.retain);
    assert_eq!(&p.payload[..], BINARY);
    // 1024 bytes, the largest data payload.
    let big: Vec<u8> = (0..1024u32).map(|i| (i * 7) as u8).collect();
    r.host.cmd("AT+MQTTPUB=1,\"bin\",1,0,1024", ">\r\n");
    r.host.send(&big);
    r.host.expect(b"\r\nOK\r\n");
    r.host.line("+MQTTPUB: 1,1");
    assert_eq!(&obs.recv().payload[..], &big[..]);
}

#[test]
fn receive_mode_1_queues_and_reads_in_the_manual_layout() {
    let mut r = rig();
    r.online();
    r.open(2);
    r.host.ok("AT+MQTTCONF=1");
    r.sub(2, "m/+", 0);
    let obs = r.observer("observer");
    obs.publish("m/x", QoS::AtMostOnce, false, BINARY);
    r.host.line(&format!("+MQTTMSGI: 2,0,3,{}", BINARY.len()));
    obs.publish("m/y", QoS::AtLeastOnce, false, b"second");
    r.host.line("+MQTTMSGI: 2,0,3,6");
    let mut first = format!("\r\n+MQTTREAD: 2,0,3,{}\r\n\"m/x\",\"", BINARY.len()).into_bytes();
    first.extend_from_slice(BINARY);
    first.extend_from_slice(b"\"\r\n\r\nOK\r\n");
    r.host.send(b"AT+MQTTREAD=2\r");
    r.host.expect(&first);
    r.host.cmd(
        "AT+MQTTREAD=2",
        "\r\n+MQTTREAD: 2,0,3,6\r\n\"m/y\",\"second\"\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MQTTREAD=2", "\r\n+MQTTREAD: 2,0,0,0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTREAD=1", "\r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n");
}

#[test]
fn receive_mode_1_one_line_layout() {
    let mut r = rig_with(&[], |c| c.read_layout = ReadLayout::OneLine);
    r.online();
    r.open(1);
    r.host.ok("AT+MQTTCONF=1");
    r.sub(1, "one", 2);
    let obs = r.observer("observer");
    obs.publish("one", QoS::AtLeastOnce, false, b"\r\n");
    r.host.line("+MQTTMSGI: 1,1,3,2");
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,1,3,2,\"one\",\"\r\n\"\r\n\r\nOK\r\n",
    );
}

#[test]
fn broker_refusals_become_70x() {
    let users = [("alice", "right")];
    // After OK, plain form (default).
    let mut r = rig_with(&users, |_| {});
    r.online();
    r.host.ok("AT+MQTTUSER=1,\"alice\",\"wrong\",\"c1\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("ERROR: 703");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    // No credentials at all: not authorized.
    r.host.ok("AT+MQTTOPEN=2,\"broker.example\",1883,1,60");
    r.host.line("ERROR: 704");
    r.host.ok("AT+MQTTUSER=1,\"alice\",\"right\",\"c1\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,1");

    // +CME ERROR form, before OK: the open holds the channel and the error replaces OK.
    let mut r = rig_with(&users, |c| {
        c.refusal_form = ErrorForm::Cme;
        c.refusal_timing = RefusalTiming::BeforeOk;
    });
    r.online();
    r.host.ok("AT+MQTTUSER=1,\"alice\",\"bad\"");
    r.host.cmd(
        "AT+MQTTOPEN=1,\"broker.example\",1883,1,60",
        "\r\n+CME ERROR: 703\r\n",
    );
    r.host.ok("AT+MQTTUSER=1,\"alice\",\"right\"");
    r.host
        .cmd("AT+MQTTOPEN=1,\"broker.example\",1883,1,60", "\r\nOK\r\n");
    r.host.line("+MQTTOPEN: 1,1");
}

#[test]
fn default_client_id_is_the_imei_and_credentials_reach_the_broker() {
    let mut r = rig_with(&[("dev", "pw")], |_| {});
    r.online();
    r.host.ok("AT+MQTTUSER=1,\"dev\",\"pw\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,1");
    // A second connection with the IMEI as client id takes the session over.
    let _thief = Observer::new(r.broker.addr(), "867698040123450", Some(("dev", "pw")));
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
}

#[test]
fn data_mode_timeout_and_prompt_styles() {
    let mut r = rig_with(&[], |c| {
        c.data_timeout = Duration::from_millis(300);
        c.prompt = PromptStyle::GtSpace;
    });
    r.online();
    r.open(1);
    r.host.cmd("AT+MQTTPUB=1,\"t\",0,0,4", "> ");
    r.host.send(b"ab");
    r.host.expect(b"\r\nERROR\r\n");
    r.host.ok("AT");
    let mut r = rig_with(&[], |c| c.prompt = PromptStyle::CrLfGtSpace);
    r.online();
    r.open(1);
    r.host.cmd("AT+MQTTPUB=1,\"t\",0,0,1", "\r\n> ");
    r.host.send(b"Z");
    r.host.expect(b"\r\nOK\r\n");
    r.host.line("+MQTTPUB: 1,1");
}

#[test]
fn two_clients_at_once() {
    let mut r = rig();
    r.online();
    r.open(1);
    r.open(2);
    r.sub(1, "a", 0);
    r.sub(2, "b", 0);
    let obs = r.observer("observer");
    obs.publish("b", QoS::AtMostOnce, false, b"to two");
    r.host.line("+MQTTMSG: 2,0,\"b\",\"to two\"");
    obs.publish("a", QoS::AtMostOnce, false, b"to one");
    r.host.line("+MQTTMSG: 1,0,\"a\",\"to one\"");
    r.host.cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1,2\r\n\r\nOK\r\n");
}

#[test]
fn every_connack_refusal_code_maps_to_its_error() {
    let mut r = rig();
    r.online();
    for code in 1..=5u8 {
        let port = mute_broker(code);
        r.host
            .ok(&format!("AT+MQTTOPEN=1,\"127.0.0.1\",{port},1,60"));
        r.host.line(&format!("ERROR: {}", 699 + u16::from(code)));
    }
}
