//! `--cloud`: `pub` and `sub` connect the way a cloud admits devices, in one line, through the
//! simulator to the in-process broker's TLS listener; what the module or the cloud cannot
//! take is refused with exit status 2 before the module is touched.

mod common;

use common::{Rig, TempFile, PASS, USER};
use fibocom_sim::broker::tls::{TestPki, TlsOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use rumqttc::QoS;

const HUB: &str = "fibocom-ci.azure-devices.net";
const DEVICE: &str = "pump-7";
const AZURE_USER: &str = "fibocom-ci.azure-devices.net/pump-7/?api-version=2021-04-12";
const TOKEN: &str = "A1fibocomCiToken";

/// A broker with a TLS listener (requiring client certificates of `pki` when `mutual`) for
/// the names `names`, knowing the test account and `users` (none: any client is admitted, as
/// AWS IoT Core admits a device by its certificate alone); TLS opens of any host name lead
/// there.
fn cloud_rig(pki: &TestPki, names: &[&str], mutual: bool, users: &[(&str, &str)]) -> Rig {
    let mut tls = TlsOptions::new(pki.server_for(names));
    if mutual {
        tls = tls.requiring_clients(pki.client_ca_pem());
    }
    let mut all: Vec<(String, String)> = users
        .iter()
        .map(|(u, p)| (u.to_string(), p.to_string()))
        .collect();
    if !all.is_empty() {
        all.push((USER.to_string(), PASS.to_string()));
    }
    common::tls_rig_with(all, tls)
}

/// The CA, and a device certificate and key, in files.
struct Files {
    ca: TempFile,
    cert: TempFile,
    key: TempFile,
}

fn files(pki: &TestPki, tag: &str) -> Files {
    let device = pki.client(DEVICE);
    Files {
        ca: TempFile::new(&format!("{tag}-ca.pem"), pki.ca_pem().as_bytes()),
        cert: TempFile::new(&format!("{tag}-cert.pem"), device.cert_pem.as_bytes()),
        key: TempFile::new(&format!("{tag}-key.pem"), device.key_pem.as_bytes()),
    }
}

#[test]
fn pub_and_sub_to_azure_in_one_line() {
    let pki = TestPki::new();
    let rig = cloud_rig(&pki, &[HUB], true, &[(AZURE_USER, "")]);
    let f = files(&pki, "azure");
    let obs = rig.observer("obs");
    obs.subscribe("devices/pump-7/messages/events/#", QoS::AtLeastOnce);
    let azure = [
        "--cloud",
        "azure",
        "--hub",
        "fibocom-ci",
        "--device-id",
        DEVICE,
        "--cafile",
        f.ca.path(),
        "--cert",
        f.cert.path(),
        "--key",
        f.key.path(),
    ];
    let mut args = vec!["pub"];
    args.extend(azure);
    args.extend([
        "-t",
        "devices/pump-7/messages/events/",
        "-q",
        "1",
        "-m",
        "{\"t\":21.5}",
    ]);
    rig.run(&args, None).ok();
    let got = obs.recv();
    assert_eq!(got.topic, "devices/pump-7/messages/events/");
    assert_eq!(&got.payload[..], b"{\"t\":21.5}");
    assert_eq!(got.qos, QoS::AtLeastOnce);
    let sent = rig.commands_from(0);
    for expected in [
        format!("AT+MQTTUSER=1,\"{AZURE_USER}\",\"\",\"{DEVICE}\""),
        format!("AT+MQTTOPEN=1,\"{HUB}\",8883,1,60,1"),
    ] {
        assert!(sent.contains(&expected), "{expected} not among {sent:?}");
    }

    // sub: the cloud-to-device filter, one message.
    let mut args = vec!["-d", "sub"];
    args.extend(azure);
    args.extend([
        "-t",
        "devices/pump-7/messages/devicebound/#",
        "-q",
        "1",
        "-C",
        "1",
        "-v",
    ]);
    let mut run = rig.spawn(&args);
    run.wait_stderr("AT< +MQTTSUB: 1,1", 1);
    obs.publish("devices/pump-7/messages/devicebound/cmd", b"reboot");
    let done = run.finish().ok();
    assert_eq!(
        done.out(),
        "devices/pump-7/messages/devicebound/cmd reboot\n"
    );
}

#[test]
fn pub_to_thingsboard_with_the_token_as_user_name() {
    let pki = TestPki::new();
    let rig = cloud_rig(&pki, &["tb.example"], false, &[(TOKEN, "")]);
    let f = files(&pki, "tb");
    let obs = rig.observer("obs");
    obs.subscribe("v1/devices/me/telemetry", QoS::AtLeastOnce);
    rig.run(
        &[
            "pub",
            "--cloud",
            "thingsboard",
            "-h",
            "tb.example",
            "--token",
            TOKEN,
            "--cafile",
            f.ca.path(),
            "-t",
            "v1/devices/me/telemetry",
            "-q",
            "1",
            "-m",
            "{\"t\":1}",
        ],
        None,
    )
    .ok();
    assert_eq!(&obs.recv().payload[..], b"{\"t\":1}");
    assert!(rig.received(&format!("AT+MQTTUSER=1,\"{TOKEN}\",\"\",")));
    assert!(rig.received("AT+MQTTOPEN=1,\"tb.example\",8883,1,60,1"));
}

#[test]
fn pub_to_aws_with_the_thing_name_as_client_identifier() {
    let pki = TestPki::new();
    let endpoint = "abc123-ats.iot.eu-west-1.amazonaws.com";
    let rig = cloud_rig(&pki, &[endpoint], true, &[]);
    let f = files(&pki, "aws");
    let obs = rig.observer("obs");
    obs.subscribe("dt/pump-7/#", QoS::AtLeastOnce);
    rig.run(
        &[
            "pub",
            "--cloud",
            "aws",
            "-h",
            endpoint,
            "--thing",
            "pump-7",
            "--cafile",
            f.ca.path(),
            "--cert",
            f.cert.path(),
            "--key",
            f.key.path(),
            "-t",
            "dt/pump-7/temp",
            "-q",
            "1",
            "-m",
            "21.5",
        ],
        None,
    )
    .ok();
    assert_eq!(&obs.recv().payload[..], b"21.5");
    assert!(rig.received("AT+MQTTUSER=1,\"\",\"\",\"pump-7\""));
    assert!(rig.received(&format!("AT+MQTTOPEN=1,\"{endpoint}\",8883,1,60,1")));
}

/// Each refusal: exit status 2, the rule in the message, and not a byte to the module.
#[test]
fn refusals_exit_2_before_the_module_is_touched() {
    let pki = TestPki::new();
    let rig = cloud_rig(&pki, &[HUB], true, &[]);
    let f = files(&pki, "refuse");
    let long_sas = format!(
        "SharedAccessSignature sr={HUB}%2Fdevices%2F{DEVICE}&sig={}&se=1767225600",
        "A".repeat(60)
    );
    let azure = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "pub",
            "--cloud",
            "azure",
            "--hub",
            "fibocom-ci",
            "--device-id",
            DEVICE,
            "--cafile",
            f.ca.path(),
            "--cert",
            f.cert.path(),
            "--key",
            f.key.path(),
            "-m",
            "{}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let aws = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "pub",
            "--cloud",
            "aws",
            "-h",
            "abc-ats.iot.eu-west-1.amazonaws.com",
            "--cafile",
            f.ca.path(),
            "-m",
            "{}",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let d2c = "devices/pump-7/messages/events/";
    let cases: Vec<(Vec<String>, &str)> = vec![
        (azure(&["-t", d2c, "-q", "2"]), "takes QoS 1 at most"),
        (azure(&["-t", d2c, "-r"]), "no retained messages"),
        (
            azure(&["-t", "telemetry"]),
            "does not let this device publish to that topic",
        ),
        (
            azure(&["-t", d2c, "--will-topic", d2c, "--will-retain"]),
            "--will-topic devices/pump-7/messages/events/: Azure IoT Hub takes no retained",
        ),
        (azure(&["-t", d2c, "-u", "me"]), "sets the account"),
        (
            azure(&["-t", d2c, "-i", "other"]),
            "sets the client identifier",
        ),
        (azure(&["-t", d2c, "-p", "1883"]), "sets the port"),
        (
            {
                let mut v = azure(&["-t", d2c]);
                v.retain(|a| {
                    a != "--cert" && a != "--key" && a != f.cert.path() && a != f.key.path()
                });
                v.extend(["--sas-token".to_string(), long_sas.clone()]);
                v
            },
            "X.509",
        ),
        (
            {
                let mut v = azure(&["-t", d2c]);
                v.retain(|a| {
                    a != "--cert" && a != "--key" && a != f.cert.path() && a != f.key.path()
                });
                v
            },
            "X.509 certificate",
        ),
        (
            {
                let mut v = azure(&["-t", d2c]);
                v.retain(|a| a != "--hub" && a != "fibocom-ci");
                v
            },
            "--cloud azure needs --hub NAME",
        ),
        (
            aws(&[
                "-t",
                "dt/x",
                "--thing",
                "a-thing-name-of-24-bytes",
                "--cert",
                f.cert.path(),
                "--key",
                f.key.path(),
            ]),
            "at most 23 bytes",
        ),
        (
            aws(&[
                "-t",
                "dt/x",
                "--thing",
                "pump-7",
                "-k",
                "10",
                "--cert",
                f.cert.path(),
                "--key",
                f.key.path(),
            ]),
            "keepalive must be 30-300 s",
        ),
        (
            aws(&["-t", "dt/x", "--thing", "pump-7"]),
            "certificate and private key",
        ),
        (
            aws(&[
                "-t",
                "a/b/c/d/e/f/g/h/i",
                "--thing",
                "pump-7",
                "--cert",
                f.cert.path(),
                "--key",
                f.key.path(),
            ]),
            "at most 7 slashes",
        ),
        (
            vec![
                "sub".into(),
                "--cloud".into(),
                "thingsboard".into(),
                "-h".into(),
                "tb.example".into(),
                "--token".into(),
                TOKEN.into(),
                "-t".into(),
                "#".into(),
            ],
            "does not let this device subscribe to that filter",
        ),
        (
            vec![
                "pub".into(),
                "--cloud".into(),
                "generic".into(),
                "-h".into(),
                "broker.example".into(),
                "-u".into(),
                "u".into(),
                "-P".into(),
                "p".repeat(129),
                "--cafile".into(),
                f.ca.path().into(),
                "-t".into(),
                "a".into(),
                "-m".into(),
                "b".into(),
            ],
            "at most 128",
        ),
    ];
    for (args, says) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let done = rig.run(&args, None).fails_with(says);
        assert_eq!(done.status.code(), Some(2), "{args:?}: {}", done.stderr);
        assert_eq!(done.stderr.lines().count(), 1, "one line: {}", done.stderr);
        assert_eq!(rig.command_count(), 0, "{args:?}: the module was touched");
    }
    // The cloud options need --cloud.
    let done = rig.run(&["pub", "--token", TOKEN, "-t", "a", "-m", "b"], None);
    assert_eq!(done.status.code(), Some(2), "{}", done.stderr);
    assert!(done.stderr.contains("--cloud"), "{}", done.stderr);
}

/// `pub --cloud azure` in one line against the mosquitto listener that admits devices as Azure
/// IoT Hub does (`FIBOCOM_MOSQUITTO_AZURE`, from `.ci/setup-mosquitto.sh`: the device's
/// certificate required, only the hub's user name may publish to the device's topic). Says
/// loudly that it is skipped without it.
#[test]
fn pub_to_azure_as_mosquitto_admits_it() {
    let var = |name: &str| {
        std::env::var(name)
            .unwrap_or_else(|_| panic!("{name} is not set: source .ci/setup-mosquitto.sh"))
    };
    let Ok(listener) = std::env::var("FIBOCOM_MOSQUITTO_AZURE") else {
        assert!(
            std::env::var("FIBOCOM_MOSQUITTO").is_err(),
            "FIBOCOM_MOSQUITTO is set but FIBOCOM_MOSQUITTO_AZURE is not: source .ci/setup-mosquitto.sh"
        );
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: pub_to_azure_as_mosquitto_admits_it: FIBOCOM_MOSQUITTO_AZURE is not \
             set (source .ci/setup-mosquitto.sh to run it) ***"
        );
        return;
    };
    let plain = var("FIBOCOM_MOSQUITTO");
    let (hub, device) = (
        var("FIBOCOM_MOSQUITTO_AZURE_HUB"),
        var("FIBOCOM_MOSQUITTO_AZURE_DEVICE"),
    );
    let sim = Simulator::start(
        SimConfig {
            broker: plain.clone(),
            tls_broker: Some(listener),
            ..SimConfig::default()
        },
        Link::Tcp("127.0.0.1:0".parse().unwrap()),
    )
    .expect("start the simulator");

    // An independent client on mosquitto's plain listener, with the test account.
    let addr: std::net::SocketAddr = plain.parse().expect("HOST:PORT");
    let mut opts = rumqttc::MqttOptions::new(
        format!("cli-cloud-{}", std::process::id()),
        addr.ip().to_string(),
        addr.port(),
    );
    opts.set_credentials("fibocom", "fibocom-ci");
    let (client, mut connection) = rumqttc::Client::new(opts, 16);
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for event in connection.iter() {
            match event {
                Ok(rumqttc::Event::Incoming(p)) => {
                    if tx.send(p).is_err() {
                        return;
                    }
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    let events = format!("devices/{device}/messages/events/");
    client
        .subscribe(format!("{events}#"), QoS::AtLeastOnce)
        .expect("subscribe");
    let until = std::time::Instant::now() + common::WAIT;
    loop {
        match rx.recv_timeout(common::WAIT) {
            Ok(rumqttc::Packet::SubAck(_)) => break,
            Ok(_) if std::time::Instant::now() < until => {}
            other => panic!("no SUBACK from mosquitto: {other:?}"),
        }
    }

    let payload = format!("{{\"from\":\"cli\",\"pid\":{}}}", std::process::id());
    let out = common::bin()
        .args(["-D", &format!("tcp://{}", sim.tcp_addr().expect("tcp"))])
        .args([
            "pub",
            "--cloud",
            "azure",
            "--hub",
            &hub,
            "--device-id",
            &device,
        ])
        .args(["--cafile", &var("FIBOCOM_MOSQUITTO_CA")])
        .args(["--cert", &var("FIBOCOM_MOSQUITTO_AZURE_CERT")])
        .args(["--key", &var("FIBOCOM_MOSQUITTO_AZURE_KEY")])
        .args(["-t", &events, "-q", "1", "-m", &payload])
        .output()
        .expect("run the binary");
    assert!(
        out.status.success(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    loop {
        match rx.recv_timeout(common::WAIT) {
            Ok(rumqttc::Packet::Publish(p)) => {
                assert_eq!(p.topic, events);
                assert_eq!(&p.payload[..], payload.as_bytes());
                assert_eq!(p.qos, QoS::AtLeastOnce);
                break;
            }
            Ok(_) => {}
            Err(e) => panic!("mosquitto did not deliver the device's message: {e}"),
        }
    }
}
