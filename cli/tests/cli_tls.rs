//! `pub` and `sub` over TLS (mosquitto's `--cafile`, `--cert`, `--key`, `--insecure`,
//! `--tls-version`) against the simulator, whose module makes a real TLS connection to the
//! in-process broker's TLS listener (certificates made at run time).

mod common;

use common::{creds, Rig, TempFile, PASS, USER};
use fibocom_sim::broker::tls::{Identity, TestPki, TlsOptions};
use rumqttc::QoS;

/// A rig whose broker also listens for TLS with `server`'s certificate (requiring client
/// certificates of `pki` when `mutual`); host names given to a TLS open lead there.
fn tls_rig(pki: &TestPki, server: Identity, mutual: bool) -> Rig {
    let mut tls = TlsOptions::new(server);
    if mutual {
        tls = tls.requiring_clients(pki.client_ca_pem());
    }
    common::tls_rig_with(vec![(USER.to_string(), PASS.to_string())], tls)
}

#[test]
fn pub_over_tls_uploads_the_ca_and_opens_on_8883() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let ca_pem = pki.ca_pem();
    let ca = TempFile::new("ca.pem", ca_pem.as_bytes());
    let obs = rig.observer("obs");
    obs.subscribe("tls/#", QoS::AtLeastOnce);
    rig.run(
        &creds(&[
            "pub",
            "--cafile",
            ca.path(),
            "-t",
            "tls/pub",
            "-q",
            "1",
            "-m",
            "secret",
        ]),
        None,
    )
    .ok();
    let m = obs.recv();
    assert_eq!(
        (m.topic.as_str(), &m.payload[..]),
        ("tls/pub", &b"secret"[..])
    );
    let sent = rig.commands_from(0);
    let at = |c: &str| {
        sent.iter()
            .position(|s| s == c)
            .unwrap_or_else(|| panic!("{c} not among {sent:?}"))
    };
    let upload = format!("AT+GTSSLFILE=\"TRUSTFILE\",{}", ca_pem.len());
    let open = at("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    assert!(at("AT+GTSSLVER=4") < at("AT+GTSSLMODE=1"));
    assert!(at("AT+GTSSLMODE=1") < at(&upload));
    assert!(at(&upload) < open);
    assert!(!rig.received("AT+GTSSLFILE=\"CAFILE\""));
}

#[test]
fn sub_over_mutual_tls_with_cert_and_key() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), true);
    let client = pki.client("cli-device");
    let ca = TempFile::new("mca.pem", pki.ca_pem().as_bytes());
    let cert = TempFile::new("client.pem", client.cert_pem.as_bytes());
    let key = TempFile::new("client.key", client.key_pem.as_bytes());
    let obs = rig.observer("obs");
    let mut sub = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "--cafile",
        ca.path(),
        "--cert",
        cert.path(),
        "--key",
        key.path(),
        "-t",
        "mtls/in",
        "-C",
        "1",
    ]));
    sub.wait_stderr("AT< +MQTTSUB: 1,1", 1);
    obs.publish("mtls/in", b"over mutual TLS");
    let done = sub.finish().ok();
    assert_eq!(done.out(), "over mutual TLS\n");
    assert!(rig.received("AT+GTSSLFILE=\"CAFILE\""));
    assert!(rig.received("AT+GTSSLFILE=\"KEYFILE\""));
}

#[test]
fn insecure_accepts_an_expired_certificate_and_sends_no_file() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.expired_server(), false);
    let obs = rig.observer("obs");
    obs.subscribe("ins/#", QoS::AtMostOnce);
    rig.run(
        &creds(&["pub", "--insecure", "-p", "8884", "-t", "ins/x", "-m", "x"]),
        None,
    )
    .ok();
    assert_eq!(&obs.recv().payload[..], b"x");
    assert!(rig.received("AT+GTSSLMODE=0"));
    assert!(!rig.received("AT+GTSSLFILE"));
    assert!(rig.received("AT+MQTTOPEN=1,\"localhost\",8884,1,60,1"));
}

#[test]
fn a_wrong_ca_prints_the_modules_reason() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let other = TempFile::new("other-ca.pem", TestPki::new().ca_pem().as_bytes());
    let done = rig
        .run(
            &creds(&["pub", "--cafile", other.path(), "-t", "t", "-m", "x"]),
            None,
        )
        .fails_with(
            "cannot connect to localhost:8883 over TLS: TLS: the server's certificate did not \
             verify (code -11): ",
        );
    assert_eq!(done.status.code(), Some(1));
    // The reason, then the module's clock, asked one after the other; the message says what
    // the clock said (plausible, implausible with its year, or not readable) and what to check.
    let sent = rig.commands_from(0);
    let why = sent.iter().position(|c| c == "AT+GTSSLERR?");
    assert!(
        matches!(why, Some(w) if sent.get(w + 1).map(String::as_str) == Some("AT+CCLK?")),
        "AT+GTSSLERR? then AT+CCLK? among {sent:?}"
    );
    assert!(
        done.stderr.contains("the module's clock") && done.stderr.contains("CA (TRUSTFILE)"),
        "names the clock and the CA: {}",
        done.stderr
    );
}

/// A second run against the same module (which keeps its TLS files while only the host
/// restarts) finds the CA in place and uploads nothing.
#[test]
fn a_second_run_does_not_upload_the_ca_again() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let ca = TempFile::new("twice-ca.pem", pki.ca_pem().as_bytes());
    let obs = rig.observer("obs");
    obs.subscribe("twice/#", QoS::AtLeastOnce);
    let uploads = || {
        rig.commands_from(0)
            .iter()
            .filter(|c| c.starts_with("AT+GTSSLFILE=\"TRUSTFILE\""))
            .count()
    };
    for (run, payload) in [(1, "first"), (2, "second")] {
        rig.run(
            &creds(&[
                "pub",
                "--cafile",
                ca.path(),
                "-q",
                "1",
                "-t",
                "twice/x",
                "-m",
                payload,
            ]),
            None,
        )
        .ok();
        assert_eq!(&obs.recv().payload[..], payload.as_bytes(), "run {run}");
        assert_eq!(uploads(), 1, "run {run}");
    }
    let asked = rig
        .commands_from(0)
        .iter()
        .filter(|c| *c == "AT+GTSSLFILE?")
        .count();
    assert_eq!(asked, 2, "each run asked which files the module holds");
}

#[test]
fn bad_tls_files_and_options_are_refused_before_the_module_is_touched() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let key = TempFile::new("key-as-ca.pem", pki.client("x").key_pem.as_bytes());
    let ca = TempFile::new("good-ca.pem", pki.ca_pem().as_bytes());
    let missing = std::env::temp_dir().join("fibocom-mqtt-no-such-file.pem");
    let missing = missing.to_str().unwrap();
    let cases: [(Vec<&str>, String); 6] = [
        (
            vec!["pub", "--cafile", missing, "-t", "t", "-m", "x"],
            format!("--cafile {missing}: cannot read it"),
        ),
        (
            vec!["pub", "--cafile", key.path(), "-t", "t", "-m", "x"],
            format!(
                "--cafile {}: not PEM text holding a certificate (-----BEGIN CERTIFICATE-----)",
                key.path()
            ),
        ),
        (
            vec![
                "sub",
                "--cafile",
                ca.path(),
                "--cert",
                ca.path(),
                "--key",
                ca.path(),
                "-t",
                "t",
            ],
            format!(
                "--key {}: not PEM text holding an unencrypted private key",
                ca.path()
            ),
        ),
        (
            vec!["pub", "--tls-version", "tlsv1.2", "-t", "t", "-m", "x"],
            "TLS with verification needs --cafile FILE".to_string(),
        ),
        (
            vec![
                "pub",
                "--insecure",
                "--tls-version",
                "tlsv1.3",
                "-t",
                "t",
                "-m",
                "x",
            ],
            "--tls-version tlsv1.3: the module's number for it is not documented".to_string(),
        ),
        (
            vec!["sub", "--cafile", ca.path(), "--cert", ca.path(), "-t", "t"],
            "--key <FILE>".to_string(),
        ),
    ];
    for (args, says) in cases {
        let done = rig.run(&creds(&args), None).fails_with(&says);
        assert_eq!(done.status.code(), Some(2), "{args:?}");
    }
    assert_eq!(rig.command_count(), 0, "the module was touched");
}

#[test]
fn tls_version_as_the_modules_number() {
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let ca = TempFile::new("v-ca.pem", pki.ca_pem().as_bytes());
    rig.run(
        &creds(&[
            "pub",
            "--cafile",
            ca.path(),
            "--tls-version",
            "4",
            "--tls-param",
            "2",
            "-t",
            "v",
            "-m",
            "x",
        ]),
        None,
    )
    .ok();
    assert!(rig.received("AT+GTSSLVER=4"));
    assert!(rig.received("AT+MQTTOPEN=1,\"localhost\",8883,1,60,2"));
}

/// `sub --reconnect` over TLS: a broker drop opens again without uploading the files again; a
/// module restart (which forgets TLS) provisions again before the open.
#[test]
fn reconnect_provisions_again_only_after_a_module_restart() {
    const SUBSCRIBED: &str = "AT< +MQTTSUB: 1,1";
    let pki = TestPki::new();
    let rig = tls_rig(&pki, pki.server(), false);
    let ca = TempFile::new("re-ca.pem", pki.ca_pem().as_bytes());
    let obs = rig.observer("obs");
    let uploads = || {
        rig.commands_from(0)
            .iter()
            .filter(|c| c.starts_with("AT+GTSSLFILE=\"TRUSTFILE\""))
            .count()
    };
    let mut run = rig.spawn(&creds(&[
        "--at-trace",
        "sub",
        "--cafile",
        ca.path(),
        "-t",
        "re/tls",
        "-C",
        "1",
        "--reconnect",
    ]));
    run.wait_stderr(SUBSCRIBED, 1);
    assert_eq!(uploads(), 1);
    rig.sim.drop_broker(1);
    run.wait_stderr(SUBSCRIBED, 2);
    assert_eq!(uploads(), 1, "files uploaded again after a broker drop");
    rig.sim.reboot();
    run.wait_stderr(SUBSCRIBED, 3);
    assert_eq!(
        uploads(),
        2,
        "TLS not provisioned again after the module restarted"
    );
    obs.publish("re/tls", b"after the restart");
    let done = run.finish().ok();
    assert_eq!(done.out(), "after the restart\n");
}
