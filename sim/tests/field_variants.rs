//! Behaviours of real modules and firmware versions beyond the manual, each behind a setting:
//! spaced output, old firmware without AT+MQTTCONF, drops reported as +MQTTLOSE, and the will
//! in the data form (accepted, or refused as by the manual's firmware). Exact lines checked.

mod common;

use std::time::Duration;

use common::{rig, rig_with, Rig};
use fibocom_sim::{BreakReport, ReadLayout};
use rumqttc::QoS;

/// A payload that no text form can carry.
const BINARY: &[u8] = b"a\"b, c\r\n\0\xff\"";

/// Echo off, data call up, client 1 open, as [`Rig::online`] and [`Rig::open`] with spaced
/// result lines.
fn online_spaced(r: &mut Rig) {
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host.ok("AT+MQTTUSER=1,\"\",\"\",\"sim1\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1, 1");
}

#[test]
fn spaced_output_in_every_line() {
    let mut r = rig_with(&[], |c| c.spaced = true);
    online_spaced(&mut r);
    r.host.ok("AT+MQTTSUB=1,\"down/#\",1");
    r.host.line("+MQTTSUB: 1, 1");
    let obs = r.observer("observer");
    obs.subscribe("up", QoS::AtLeastOnce);

    // Mode 0: spaces between the fields, the payload (commas and quotes included) as sent.
    obs.publish("down/a", QoS::AtLeastOnce, false, b"a, \"b\"");
    r.host.line("+MQTTMSG: 1, 1, \"down/a\", \"a, \"b\"\"");

    // Mode 1, both layouts.
    r.host.ok("AT+MQTTCONF=1");
    r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
    obs.publish("down/x", QoS::AtMostOnce, false, b"a, b");
    r.host.line("+MQTTMSGI: 1, 0, 6, 4");
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1, 0, 6, 4\r\n\"down/x\", \"a, b\"\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MQTTREAD=1", "\r\n+MQTTREAD: 1, 0, 0, 0\r\n\r\nOK\r\n");

    // Publish and unsubscribe results, the free lists, the query answers.
    r.host.ok("AT+MQTTPUB=1,\"up\",1,0,\"v\"");
    r.host.line("+MQTTPUB: 1, 1");
    assert_eq!(&obs.recv().payload[..], b"v");
    r.host.ok("AT+MQTTUNSUB=1,\"down/#\"");
    r.host.line("+MQTTUNSUB: 1, 1");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 1, \"\", \"\", \"sim1\"\r\n\r\nOK\r\n",
    );
    r.host.cmd("AT+CSQ", "\r\n+CSQ: 31, 99\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+COPS?",
        "\r\n+COPS: 0, 0, \"CHN-UNICOM\", 7\r\n\r\nOK\r\n",
    );
    r.host.cmd("AT+CREG?", "\r\n+CREG: 0, 1\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1, 10.2.83.148\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTSUB=?",
        "\r\n+MQTTSUB: (1, 2), 255, (0-2)\r\n\r\nOK\r\n",
    );

    // A drop, and the close after it.
    r.sim.drop_broker(1);
    r.host.line("+MQTTBREAK: 1, 1");
    r.host.line("+MQTTCLOSE: 1, 1");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1, 2\r\n\r\nOK\r\n");
}

#[test]
fn spaced_output_one_line_read_and_will_read() {
    let mut r = rig_with(&[], |c| {
        c.spaced = true;
        c.read_layout = ReadLayout::OneLine;
    });
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.ok("AT+MQTTWILL=1,\"w\",1,1,\"bye, now\"");
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1, \"w\", 1, 1, \"bye, now\"\r\n\r\nOK\r\n",
    );
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1, 1");
    r.host.ok("AT+MQTTCONF=1");
    r.host.ok("AT+MQTTSUB=1,\"cmd/x\",0");
    r.host.line("+MQTTSUB: 1, 1");
    let obs = r.observer("observer");
    obs.publish("cmd/x", QoS::AtMostOnce, false, BINARY);
    r.host
        .line(&format!("+MQTTMSGI: 1, 0, 5, {}", BINARY.len()));
    let mut want = format!("\r\n+MQTTREAD: 1, 0, 5, {}, \"cmd/x\", \"", BINARY.len()).into_bytes();
    want.extend_from_slice(BINARY);
    want.extend_from_slice(b"\"\r\n\r\nOK\r\n");
    r.host.send(b"AT+MQTTREAD=1\r");
    r.host.expect(&want);
}

#[test]
fn unspaced_output_by_default() {
    let mut r = rig();
    r.online();
    r.open(1);
    r.host.cmd("AT+CSQ", "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTSUB=?",
        "\r\n+MQTTSUB: (1,2),255,(0-2)\r\n\r\nOK\r\n",
    );
}

#[test]
fn old_firmware_has_no_conf_and_no_read() {
    let mut r = rig_with(&[], |c| c.old_firmware = true);
    r.online();
    for line in [
        "AT+MQTTCONF=1",
        "AT+MQTTCONF=0",
        "AT+MQTTCONF?",
        "AT+MQTTCONF=?",
        "AT+MQTTREAD=1",
        "AT+MQTTREAD=?",
    ] {
        r.host.error(line);
    }
    // Everything else works, and messages come as +MQTTMSG.
    r.open(1);
    r.sub(1, "down", 0);
    let obs = r.observer("observer");
    obs.publish("down", QoS::AtMostOnce, false, b"hello");
    r.host.line("+MQTTMSG: 1,0,\"down\",\"hello\"");
    r.host.error("AT+MQTTCONF=1");
    obs.publish("down", QoS::AtMostOnce, false, b"again");
    r.host.line("+MQTTMSG: 1,0,\"down\",\"again\"");
}

#[test]
fn drops_reported_as_mqttlose() {
    let mut r = rig_with(&[], |c| c.break_report = BreakReport::Lose);
    r.online();
    r.open(1);
    r.open(2);
    r.sim.drop_broker(1);
    r.host.line("+MQTTLOSE: 1, 1");
    r.host.line("+MQTTCLOSE: 1,1");
    // A lost data call: cause 2 for the client still open.
    r.sim.control(fibocom_sim::Control::DropCall);
    r.host.line("+MQTTLOSE: 2, 2");
    r.host.line("+MQTTCLOSE: 2,1");
    r.host.line("+MIPCALL: 0");
}

#[test]
fn will_in_the_data_form_becomes_the_will_at_the_broker() {
    let mut r = rig();
    let obs = r.observer("observer");
    obs.subscribe("wills/#", QoS::AtLeastOnce);
    r.online();
    // Prompt, exactly <size> raw bytes, OK.
    r.host.cmd(
        &format!("AT+MQTTWILL=1,\"wills/1\",1,1,{}", BINARY.len()),
        ">\r\n",
    );
    r.host.send(BINARY);
    r.host.expect(b"\r\nOK\r\n");
    let mut want = b"\r\n+MQTTWILL: 1,\"wills/1\",1,1,\"".to_vec();
    want.extend_from_slice(BINARY);
    want.extend_from_slice(b"\"\r\n\r\nOK\r\n");
    r.host.send(b"AT+MQTTWILL?\r");
    r.host.expect(&want);
    r.open(1);
    r.sim.drop_broker(1);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
    let will = obs.recv();
    assert_eq!(will.topic, "wills/1");
    assert_eq!(&will.payload[..], BINARY);
    assert_eq!(will.qos, QoS::AtLeastOnce);
    // Only while closed, like the text form.
    r.open(1);
    r.host.error("AT+MQTTWILL=1,\"w\",0,0,3");
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    obs.expect_nothing(Duration::from_millis(300));
}

#[test]
fn will_data_form_times_out_like_a_data_publish() {
    let mut r = rig_with(&[], |c| c.data_timeout = Duration::from_millis(200));
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.ok("AT+MQTTWILL=1,\"w\",0,0,\"old\"");
    r.host.cmd("AT+MQTTWILL=1,\"w\",0,0,5", ">\r\n");
    r.host.send(b"ab");
    r.host.expect(b"\r\nERROR\r\n");
    // The will is unchanged.
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"w\",0,0,\"old\"\r\n\r\nOK\r\n",
    );
}

#[test]
fn will_data_form_refused_by_the_manuals_firmware() {
    let mut r = rig_with(&[], |c| c.will_data = false);
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.error("AT+MQTTWILL=1,\"w\",0,0,5");
    // No prompt was sent, so the next line is a command as usual.
    r.host.ok("AT+MQTTWILL=1,\"w\",0,0,\"text\"");
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"w\",0,0,\"text\"\r\n\r\nOK\r\n",
    );
}
