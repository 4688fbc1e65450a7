//! MQTT over TLS through the simulated module, driven with raw AT lines: provisioning and its
//! queries, verified and unverified opens, mutual TLS, the failures and their `AT+GTSSLERR?`
//! codes, and a restart forgetting everything, against the in-process broker's TLS listener
//! (certificates made at run time), checked from the broker's side by an independent TLS
//! client.

mod common;

use std::net::SocketAddr;

use common::tls::{open_tls, provision, tls_error, traffic, upload};
use common::{rig, rig_with, Observer};
use fibocom_sim::broker::tls::{Identity, TestPki, TlsOptions};
use fibocom_sim::broker::{Broker, BrokerOptions};
use rumqttc::QoS;

/// A broker with a TLS listener presenting `server`, requiring client certificates made by
/// `pki` when `require_clients`.
fn tls_broker(pki: &TestPki, server: Identity, require_clients: bool) -> Broker {
    let mut tls = TlsOptions::new(server);
    if require_clients {
        tls = tls.requiring_clients(pki.client_ca_pem());
    }
    Broker::start(BrokerOptions {
        tls: Some(tls),
        ..BrokerOptions::default()
    })
    .expect("TLS broker")
}

fn tls_port(b: &Broker) -> u16 {
    b.tls_addr().expect("TLS listener").port()
}

fn tls_addr(b: &Broker) -> SocketAddr {
    b.tls_addr().expect("TLS listener")
}

#[test]
fn provisioning_commands_and_queries() {
    let pki = TestPki::new();
    let mut r = rig();
    r.online();
    // Power-up state, as an L610 reports it after re-attach.
    r.host.cmd("AT+GTSSLVER?", "\r\n+GTSSLVER: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+GTSSLMODE?", "\r\n+GTSSLMODE: 0\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    r.host.cmd("AT+GTSSLERR?", "\r\n+GTSSLERR: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+GTSSLVER=?", "\r\n+GTSSLVER: (0-4)\r\n\r\nOK\r\n");
    r.host.ok("AT+GTSSLVER=4");
    r.host.ok("AT+GTSSLMODE=1");
    r.host.cmd("AT+GTSSLVER?", "\r\n+GTSSLVER: 4\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+GTSSLMODE?", "\r\n+GTSSLMODE: 1\r\n\r\nOK\r\n");
    // The same CA twice counts 2; a client pair counts 1 each.
    let ca = pki.ca_pem();
    upload(&mut r.host, "TRUSTFILE", ca.as_bytes());
    upload(&mut r.host, "TRUSTFILE", ca.as_bytes());
    let client = pki.client("dev1");
    upload(&mut r.host, "CAFILE", client.cert_pem.as_bytes());
    upload(&mut r.host, "KEYFILE", client.key_pem.as_bytes());
    r.host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,2\r\n+GTSSLFILE: CAFILE,1\r\n+GTSSLFILE: KEYFILE,1\r\n\r\nOK\r\n",
    );
    // Out of range, unknown kind, bare kind, empty file, plain sixth parameter out of range.
    r.host.error("AT+GTSSLVER=5");
    r.host.error("AT+GTSSLMODE=2");
    r.host.error("AT+GTSSLFILE=\"CRLFILE\",10");
    r.host.error("AT+GTSSLFILE=TRUSTFILE,10");
    r.host.error("AT+GTSSLFILE=\"TRUSTFILE\",0");
    r.host.error("AT+GTSSLFILE=\"TRUSTFILE\",8193");
    r.host.error("AT+MQTTOPEN=1,\"broker.example\",8883,1,60,3");
}

#[test]
fn verified_tls_carries_every_qos() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&pki.ca_pem()));
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 1);
    let obs = Observer::tls(tls_addr(&broker), "observer", &pki.ca_pem(), None);
    traffic(&mut r, &obs);
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
}

/// The L610's TLS value (2) opens over TLS too; a host name leads to the configured TLS
/// broker and is what the certificate is checked against.
#[test]
fn l610_value_and_host_names() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let tls = tls_addr(&broker).to_string();
    let mut r = rig_with(&[], |c| c.tls_broker = Some(tls));
    r.online();
    provision(&mut r.host, true, Some(&pki.ca_pem()));
    open_tls(&mut r.host, "localhost", 8883, 2, 1);
    let obs = Observer::tls(tls_addr(&broker), "observer", &pki.ca_pem(), None);
    obs.subscribe("up/#", QoS::AtLeastOnce);
    r.host.ok("AT+MQTTPUB=1,\"up/l610\",1,0,\"x\"");
    r.host.line("+MQTTPUB: 1,1");
    assert_eq!(obs.recv().topic, "up/l610");
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    // A name the certificate does not carry fails the check.
    open_tls(&mut r.host, "broker.example", 8883, 2, 0);
    tls_error(&mut r.host, -11);
}

#[test]
fn mutual_tls() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), true);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&pki.ca_pem()));
    // No client certificate: the server ends the handshake.
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -8);
    // A certificate without its key is not usable.
    let client = pki.client("dev1");
    upload(&mut r.host, "CAFILE", client.cert_pem.as_bytes());
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -12);
    upload(&mut r.host, "KEYFILE", client.key_pem.as_bytes());
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 1);
    let watcher = pki.client("watcher");
    let obs = Observer::tls(tls_addr(&broker), "observer", &pki.ca_pem(), Some(&watcher));
    traffic(&mut r, &obs);
}

/// A client certificate from another CA is refused by the server.
#[test]
fn mutual_tls_with_a_foreign_client_certificate() {
    let pki = TestPki::new();
    let other = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), true);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&pki.ca_pem()));
    let client = other.client("intruder");
    upload(&mut r.host, "CAFILE", client.cert_pem.as_bytes());
    upload(&mut r.host, "KEYFILE", client.key_pem.as_bytes());
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -8);
}

#[test]
fn wrong_ca_fails_the_open_with_minus_11() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&TestPki::new().ca_pem()));
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -11);
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    // Verification on with no TRUSTFILE at all fails the same way.
    r.sim.reboot();
    r.host.expect(b"\r\nRDY\r\n");
    r.online();
    provision(&mut r.host, true, None);
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -11);
}

#[test]
fn expired_and_wrong_name_certificates_fail_only_when_verifying() {
    let pki = TestPki::new();
    for server in [pki.expired_server(), pki.server_for(&["wrong.example"])] {
        let broker = tls_broker(&pki, server, false);
        let mut r = rig();
        r.online();
        provision(&mut r.host, true, Some(&pki.ca_pem()));
        open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
        tls_error(&mut r.host, -11);
        r.host.ok("AT+GTSSLMODE=0");
        open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 1);
        r.host.ok("AT+MQTTPUB=1,\"up/x\",1,0,\"x\"");
        r.host.line("+MQTTPUB: 1,1");
    }
}

#[test]
fn unverified_tls_needs_no_files() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, false, None);
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 1);
    let obs = Observer::tls(tls_addr(&broker), "observer", &pki.ca_pem(), None);
    traffic(&mut r, &obs);
}

#[test]
fn a_file_that_is_not_pem_fails_with_minus_19() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, None);
    // The base64 body of the CA without its BEGIN/END lines.
    let body: String = pki
        .ca_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    upload(&mut r.host, "TRUSTFILE", body.as_bytes());
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -19);
}

/// A TLS open of a plain listener fails in the handshake; sixth parameter 0 opens plain.
#[test]
fn plain_and_tls_do_not_mix() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, false, None);
    let plain = broker.addr().port();
    open_tls(&mut r.host, "127.0.0.1", plain, 1, 0);
    // The plain broker closes the connection at the ClientHello.
    tls_error(&mut r.host, -9);
    // Sixth parameter 0 is a plain open.
    open_tls(&mut r.host, "127.0.0.1", plain, 0, 1);
}

#[test]
fn restart_forgets_every_tls_setting_and_file() {
    let pki = TestPki::new();
    let broker = tls_broker(&pki, pki.server(), false);
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&TestPki::new().ca_pem()));
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 0);
    tls_error(&mut r.host, -11);
    r.sim.reboot();
    r.host.expect(b"\r\nRDY\r\n");
    r.online();
    r.host.cmd("AT+GTSSLVER?", "\r\n+GTSSLVER: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+GTSSLMODE?", "\r\n+GTSSLMODE: 0\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    r.host.cmd("AT+GTSSLERR?", "\r\n+GTSSLERR: 0\r\n\r\nOK\r\n");
    // Provisioned again, it connects.
    provision(&mut r.host, true, Some(&pki.ca_pem()));
    open_tls(&mut r.host, "127.0.0.1", tls_port(&broker), 1, 1);
}
