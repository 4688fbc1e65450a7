//! The connection a previous run left, and the TLS state it left with a clock never set,
//! against mosquitto as `.ci/setup-mosquitto.sh` starts it: the left-over client is a real
//! client of mosquitto (its subscription delivers, its will is published when it is dropped,
//! not when it is closed, its identifier is taken). Run when `FIBOCOM_MOSQUITTO` is set; with
//! `CI=true` a missing set-up fails the tests, elsewhere they say loudly that they were
//! skipped.

mod common;

use std::io::Write as _;
use std::net::SocketAddr;
use std::time::Duration;

use common::tls::client_id;
use common::{rig_with, Host, Observer, Rig};
use fibocom_sim::at::commands::FileKind;
use fibocom_sim::{Clock, LeftClient, Link, ModuleTime, PreviousRun, SimConfig, Simulator};
use rumqttc::QoS;

/// The account in mosquitto's password file.
const ACCOUNT: (&str, &str) = ("fibocom", "fibocom-ci");

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

/// mosquitto's plain address, or `None` (said loudly) when it is not there outside CI.
fn mosquitto(test: &str) -> Option<SocketAddr> {
    if std::env::var("FIBOCOM_MOSQUITTO").is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but FIBOCOM_MOSQUITTO is not set: source .ci/setup-mosquitto.sh"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {test} against mosquitto: FIBOCOM_MOSQUITTO is not set \
             (source .ci/setup-mosquitto.sh to run it) ***"
        );
        return None;
    }
    Some(
        var("FIBOCOM_MOSQUITTO")
            .parse()
            .expect("FIBOCOM_MOSQUITTO: an address"),
    )
}

/// A rig (its own in-process broker for this run) whose module has client 1 left connected
/// to mosquitto as `id`, with the test account, a will on `<t>/status` and a subscription to
/// `<t>/cmd/#`; echo off, receive mode 1, the data call up.
fn left_on_mosquitto(m: SocketAddr, id: &str, t: &str) -> Rig {
    let left = LeftClient::new("127.0.0.1", m.port())
        .user(ACCOUNT.0, ACCOUNT.1)
        .client_id(id)
        .will(&format!("{t}/status"), 1, false, b"gone")
        .subscribed(&format!("{t}/cmd/#"), 1);
    let mut r = rig_with(&[], |c| c.previous = PreviousRun::after(1, left));
    // Once this is answered the host is attached: a line the module sends later reaches it.
    r.host.cmd("AT", "\r\nOK\r\n");
    r
}

#[test]
fn mosquitto_left_client_is_a_real_client_closed_cleanly() {
    let Some(m) = mosquitto("mosquitto_left_client_is_a_real_client_closed_cleanly") else {
        return;
    };
    let (id, t) = (client_id(), client_id());
    let watcher = Observer::new(m, &client_id(), Some(ACCOUNT));
    watcher.subscribe(&format!("{t}/status"), QoS::AtLeastOnce);
    let mut r = left_on_mosquitto(m, &id, &t);
    r.host.expect_silence(Duration::from_millis(200));
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTUSER?",
        &format!("\r\n+MQTTUSER: 1,\"fibocom\",\"fibocom-ci\",\"{id}\"\r\n\r\nOK\r\n"),
    );
    r.host.error("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    // Its subscription at mosquitto delivers to the module.
    watcher.publish(&format!("{t}/cmd/a"), QoS::AtLeastOnce, false, b"hello");
    let topic = format!("{t}/cmd/a");
    r.host.line(&format!("+MQTTMSGI: 1,1,{},5", topic.len()));
    r.host.cmd(
        "AT+MQTTREAD=1",
        &format!(
            "\r\n+MQTTREAD: 1,1,{},5\r\n\"{topic}\",\"hello\"\r\n\r\nOK\r\n",
            topic.len()
        ),
    );
    // Closed with DISCONNECT: no will.
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    watcher.expect_nothing(Duration::from_millis(500));
    // This run's client then opens on this run's broker.
    r.host.ok("AT+MQTTUSER=1,\"\",\"\",\"new-dev\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,1");
}

#[test]
fn mosquitto_left_client_dropped_publishes_its_will_and_loses_its_identifier() {
    let Some(m) =
        mosquitto("mosquitto_left_client_dropped_publishes_its_will_and_loses_its_identifier")
    else {
        return;
    };
    let (id, t) = (client_id(), client_id());
    let watcher = Observer::new(m, &client_id(), Some(ACCOUNT));
    watcher.subscribe(&format!("{t}/status"), QoS::AtLeastOnce);
    let mut r = left_on_mosquitto(m, &id, &t);
    r.sim.drop_broker(1);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
    let will = watcher.recv();
    assert_eq!(will.topic, format!("{t}/status"));
    assert_eq!(&will.payload[..], b"gone");
    // A second module left with the same identifier: a client taking it over at mosquitto
    // cuts the module's connection, so it was connected as `id`.
    let mut r = left_on_mosquitto(m, &id, &t);
    let _thief = Observer::new(m, &id, Some(ACCOUNT));
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
}

#[test]
fn mosquitto_tls_left_files_and_an_unset_clock() {
    let Some(_) = mosquitto("mosquitto_tls_left_files_and_an_unset_clock") else {
        return;
    };
    let tls: SocketAddr = var("FIBOCOM_MOSQUITTO_TLS")
        .parse()
        .expect("FIBOCOM_MOSQUITTO_TLS: an address");
    let ca_path = var("FIBOCOM_MOSQUITTO_CA");
    let ca = std::fs::read(&ca_path).unwrap_or_else(|e| panic!("{ca_path}: {e}"));
    let config = SimConfig {
        clock: Clock::factory(),
        previous: PreviousRun::default()
            .echo(false)
            .call_up()
            .tls(4, true)
            .tls_file(FileKind::Trust, &ca),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).unwrap();
    let mut host = Host::connect(sim.tcp_addr().unwrap());
    host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    let open = format!("AT+MQTTOPEN=1,\"127.0.0.1\",{},1,60,1", tls.port());
    host.ok(&format!("AT+MQTTUSER=1,\"\",\"\",\"{}\"", client_id()));
    // 1980: mosquitto's certificate is not valid yet.
    host.ok(&open);
    host.line("+MQTTOPEN: 1,0");
    host.cmd("AT+GTSSLERR?", "\r\n+GTSSLERR: -11\r\n\r\nOK\r\n");
    // Set to the right time, the file left verifies it.
    host.ok(&format!("AT+CCLK=\"{}\"", ModuleTime::now_utc().format()));
    host.ok(&open);
    host.line("+MQTTOPEN: 1,1");
}
