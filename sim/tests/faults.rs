//! Faults on demand: broker drops (with the will), data call and registration loss, injected
//! lines and noise, delayed results, reboot.

mod common;

use std::time::{Duration, Instant};

use common::{mute_broker, rig, rig_with};
use rumqttc::QoS;

#[test]
fn unclean_drop_breaks_the_client_and_publishes_the_will() {
    let mut r = rig();
    let obs = r.observer("observer");
    obs.subscribe("wills/#", QoS::AtLeastOnce);
    r.online();
    r.host
        .ok("AT+MQTTWILL=1,\"wills/1\",1,0,\"Tell you, I'm dead.\"");
    r.open(1);
    r.sim.drop_broker(1);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
    let will = obs.recv();
    assert_eq!(will.topic, "wills/1");
    assert_eq!(&will.payload[..], b"Tell you, I'm dead.");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    r.host.error("AT+MQTTSUB=1,\"t\",0");
    // The will survives the break and a clean close does not publish it.
    r.open(1);
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    obs.expect_nothing(Duration::from_millis(300));
}

#[test]
fn broker_restart_breaks_every_client() {
    let mut r = rig_with(&[], |c| c.break_then_close = false);
    r.online();
    r.open(1);
    r.open(2);
    r.broker.restart();
    let mut lines = [r.host.take(19), r.host.take(19)];
    lines.sort();
    assert_eq!(lines[0], b"\r\n+MQTTBREAK: 1,1\r\n");
    assert_eq!(lines[1], b"\r\n+MQTTBREAK: 2,1\r\n");
    r.host.expect_silence(Duration::from_millis(200));
    r.open(1);
}

#[test]
fn data_call_drop_breaks_with_cause_2() {
    let mut r = rig();
    r.online();
    r.open(1);
    r.open(2);
    r.sim.drop_data_call();
    r.host.line("+MQTTBREAK: 1,2");
    r.host.line("+MQTTCLOSE: 1,1");
    r.host.line("+MQTTBREAK: 2,2");
    r.host.line("+MQTTCLOSE: 2,1");
    r.host.line("+MIPCALL: 0");
    r.host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,0");
    // Hanging up with a client open breaks it the same way.
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.open(1);
    r.host.ok("AT+MIPCALL=0");
    r.host.line("+MQTTBREAK: 1,2");
    r.host.line("+MQTTCLOSE: 1,1");
    r.host.line("+MIPCALL: 0");
}

#[test]
fn registration_loss_breaks_with_cause_3_and_comes_back() {
    let mut r = rig();
    r.online();
    r.host.ok("AT+CREG=1");
    r.open(1);
    r.sim.lose_registration();
    r.host.line("+CREG: 0");
    r.host.line("+MQTTBREAK: 1,3");
    r.host.line("+MQTTCLOSE: 1,1");
    r.host.line("+MIPCALL: 0");
    r.host.cmd("AT+CREG?", "\r\n+CREG: 1,0\r\n\r\nOK\r\n");
    r.host.cmd("AT+CGREG?", "\r\n+CGREG: 0,0\r\n\r\nOK\r\n");
    r.host.cmd("AT+CSQ", "\r\n+CSQ: 99,99\r\n\r\nOK\r\n");
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 0");
    r.sim.restore_registration();
    r.host.line("+CREG: 1");
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.open(1);
}

#[test]
fn injected_lines_wait_for_a_safe_point() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.sim.inject(b"\r\n+SIM READY\r\n");
    r.host.line("+SIM READY");
    // While a command line is half sent, the injection waits for its answer.
    r.host.send(b"AT+CP");
    std::thread::sleep(Duration::from_millis(100));
    r.sim.inject(b"\r\n+CREG: 1\r\n");
    r.host.expect_silence(Duration::from_millis(200));
    r.host.send(b"IN?\r");
    r.host
        .expect(b"\r\n+CPIN: READY\r\n\r\nOK\r\n\r\n+CREG: 1\r\n");
    // Inside an answer: between the echo and the result.
    r.host.ok("ATE1");
    r.sim.inject_inside_next_answer(b"\r\n+CGREG: 5\r\n");
    std::thread::sleep(Duration::from_millis(100));
    r.host.cmd(
        "AT+CSQ",
        "AT+CSQ\r\r\n+CGREG: 5\r\n\r\n+CSQ: 31,99\r\n\r\nOK\r\n",
    );
    // Noise, between answers and inside one.
    r.sim.noise(16);
    let noise = r.host.take(16);
    assert!(noise
        .iter()
        .all(|b| *b != b'\r' && *b != b'\n' && !(0x20..=0x7e).contains(b)));
    r.sim.control(fibocom_sim::Control::NoiseInside(8));
    std::thread::sleep(Duration::from_millis(100));
    r.host.send(b"AT\r");
    r.host.expect(b"AT\r");
    let noise = r.host.take(8);
    assert!(noise.iter().all(|b| !(0x20..=0x7e).contains(b)));
    r.host.expect(b"\r\nOK\r\n");
}

#[test]
fn delayed_results_leave_the_channel_free() {
    let mut r = rig();
    r.online();
    r.open(1);
    r.sim.set_result_delay(Duration::from_millis(700));
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    r.host.ok("AT+MQTTSUB=1,\"t\",1");
    r.host.cmd("AT+CSQ", "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
    r.host.expect_silence(Duration::from_millis(300));
    r.host.line("+MQTTSUB: 1,1");
    assert!(start.elapsed() >= Duration::from_millis(700));
}

#[test]
fn reboot_loses_everything_and_says_rdy() {
    let mut r = rig();
    let obs = r.observer("observer");
    obs.subscribe("w", QoS::AtMostOnce);
    r.online();
    r.host.ok("AT+MQTTWILL=1,\"w\",0,0,\"gone\"");
    r.host.ok("AT+MQTTCONF=1");
    r.open(1);
    r.sim.reboot();
    r.host.expect(b"\r\nRDY\r\n");
    assert_eq!(&obs.recv().payload[..], b"gone");
    r.host.cmd("AT", "AT\r\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTCONF?",
        "AT+MQTTCONF?\r\r\n+MQTTCONF: 0\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MIPCALL?", "AT+MIPCALL?\r\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host.cmd("AT+MQTTWILL?", "AT+MQTTWILL?\r\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTOPEN?",
        "AT+MQTTOPEN?\r\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n",
    );
}

#[test]
fn unanswered_keepalive_breaks_with_cause_1() {
    let mut r = rig();
    r.online();
    let port = mute_broker(0);
    r.host
        .ok(&format!("AT+MQTTOPEN=1,\"127.0.0.1\",{port},1,1"));
    r.host.line("+MQTTOPEN: 1,1");
    // A PINGREQ goes out after 1 s; the missing PINGRESP is noticed at the next one.
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
}
