//! The TLS cases of `tls.rs` against mosquitto's TLS listeners, as `.ci/setup-mosquitto.sh`
//! starts them (certificates made by openssl there): a verified open carrying every QoS, mutual
//! TLS, a wrong CA, an expired and a wrong-name server certificate (refused when verifying,
//! accepted without). Run when `FIBOCOM_MOSQUITTO_TLS` is set; with `CI=true` a missing set-up
//! fails the tests, elsewhere they say loudly that they were skipped.

mod common;

use std::io::Write as _;
use std::net::SocketAddr;

use common::tls::{client_id, open_tls, provision, tls_error, traffic, upload};
use common::{rig, Observer};
use fibocom_sim::broker::tls::{Identity, TestPki};

/// What the set-up script exported.
struct Mosquitto {
    tls: SocketAddr,
    mtls: SocketAddr,
    expired: SocketAddr,
    wrong_name: SocketAddr,
    ca: String,
    client: Identity,
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set"))
}

fn file(name: &str) -> String {
    let path = var(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {path}: {e}"))
}

fn addr(name: &str) -> SocketAddr {
    var(name).parse().unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The mosquitto set-up, or `None` (said loudly) when it is not there outside CI.
fn mosquitto(test: &str) -> Option<Mosquitto> {
    if std::env::var("FIBOCOM_MOSQUITTO_TLS").is_err() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but FIBOCOM_MOSQUITTO_TLS is not set: source .ci/setup-mosquitto.sh"
        );
        // Straight to stderr, past the test harness's output capture.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {test} against mosquitto: FIBOCOM_MOSQUITTO_TLS is not set \
             (source .ci/setup-mosquitto.sh to run it) ***"
        );
        return None;
    }
    Some(Mosquitto {
        tls: addr("FIBOCOM_MOSQUITTO_TLS"),
        mtls: addr("FIBOCOM_MOSQUITTO_MTLS"),
        expired: addr("FIBOCOM_MOSQUITTO_TLS_EXPIRED"),
        wrong_name: addr("FIBOCOM_MOSQUITTO_TLS_WRONG_NAME"),
        ca: file("FIBOCOM_MOSQUITTO_CA"),
        client: Identity {
            cert_pem: file("FIBOCOM_MOSQUITTO_CLIENT_CERT"),
            key_pem: file("FIBOCOM_MOSQUITTO_CLIENT_KEY"),
        },
    })
}

#[test]
fn mosquitto_verified_tls_carries_every_qos() {
    let Some(m) = mosquitto("mosquitto_verified_tls_carries_every_qos") else {
        return;
    };
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&m.ca));
    open_tls(&mut r.host, "127.0.0.1", m.tls.port(), 1, 1);
    let obs = Observer::tls(m.tls, &client_id(), &m.ca, None);
    traffic(&mut r, &obs);
}

#[test]
fn mosquitto_mutual_tls() {
    let Some(m) = mosquitto("mosquitto_mutual_tls") else {
        return;
    };
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&m.ca));
    open_tls(&mut r.host, "127.0.0.1", m.mtls.port(), 1, 0);
    tls_error(&mut r.host, -8);
    upload(&mut r.host, "CAFILE", m.client.cert_pem.as_bytes());
    upload(&mut r.host, "KEYFILE", m.client.key_pem.as_bytes());
    open_tls(&mut r.host, "127.0.0.1", m.mtls.port(), 1, 1);
    let obs = Observer::tls(m.mtls, &client_id(), &m.ca, Some(&m.client));
    traffic(&mut r, &obs);
}

#[test]
fn mosquitto_wrong_ca_fails_with_minus_11() {
    let Some(m) = mosquitto("mosquitto_wrong_ca_fails_with_minus_11") else {
        return;
    };
    let mut r = rig();
    r.online();
    provision(&mut r.host, true, Some(&TestPki::new().ca_pem()));
    open_tls(&mut r.host, "127.0.0.1", m.tls.port(), 1, 0);
    tls_error(&mut r.host, -11);
}

#[test]
fn mosquitto_expired_and_wrong_name_fail_only_when_verifying() {
    let Some(m) = mosquitto("mosquitto_expired_and_wrong_name_fail_only_when_verifying") else {
        return;
    };
    for server in [m.expired, m.wrong_name] {
        let mut r = rig();
        r.online();
        provision(&mut r.host, true, Some(&m.ca));
        open_tls(&mut r.host, "127.0.0.1", server.port(), 1, 0);
        tls_error(&mut r.host, -11);
        r.host.ok("AT+GTSSLMODE=0");
        open_tls(&mut r.host, "127.0.0.1", server.port(), 1, 1);
        r.host
            .ok(&format!("AT+MQTTPUB=1,\"{}/x\",1,0,\"x\"", client_id()));
        r.host.line("+MQTTPUB: 1,1");
    }
}
