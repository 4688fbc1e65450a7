//! The firmware in `examples/firmware-qemu` running on an emulated Cortex-M4 (QEMU's
//! mps2-an386) against the module simulator, checked from the broker's side by an independent
//! MQTT client: the firmware's publish must reach the broker, and a message published to
//! `fw/in` must reach the firmware (which says so over semihosting and exits with status 0).
//!
//! The TLS variant (the firmware's `tls` feature) does the same over TLS: the test makes a CA
//! and a server certificate (`TestPki`), builds the firmware with that CA
//! (`FIBOCOM_FW_TLS_CA`, included at build time: the firmware is a fixed binary), and the
//! simulated module opens a verified TLS connection to the broker's TLS listener.
//!
//! Runs only when `FIBOCOM_QEMU` is set (`.ci/setup-qemu.sh` installs QEMU and sets it);
//! otherwise it says that it skipped. With `FIBOCOM_QEMU` set, a missing QEMU is a failure.
//!
//! ```text
//! FIBOCOM_QEMU=1 cargo test --test firmware_qemu -- --nocapture
//! ```

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use fibocom_sim::broker::tls::{TestPki, TlsOptions};
use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use rumqttc::{Client, Event, MqttOptions, Packet, QoS};

/// What the firmware publishes on `fw/out` (its `PAYLOAD`).
const FIRMWARE_PAYLOAD: &[u8] = b"hello from fibocom-mqtt on mps2-an386";
/// The firmware's MQTT account (its `USER`).
const FIRMWARE_USER: (&str, &str) = ("firmware", "qemu-secret");
/// The checking client's account.
const CHECKER_USER: (&str, &str) = ("checker", "checker-secret");
/// How long QEMU may run.
const RUN_LIMIT: Duration = Duration::from_secs(120);
/// How long the firmware build may take (a cold build compiles about 40 crates).
const BUILD_LIMIT: Duration = Duration::from_secs(900);
/// The emulator.
const QEMU: &str = "qemu-system-arm";

#[test]
fn firmware_under_qemu_publishes_and_receives() {
    boot_and_check(false);
}

#[test]
fn tls_firmware_under_qemu_publishes_and_receives() {
    boot_and_check(true);
}

/// The firmware built with the session layer (feature `session`): the broker connection is
/// dropped as soon as its first publish arrived; the firmware handles no fault itself, the
/// session connects again, and the message sent to it meanwhile (kept by the broker for its
/// persistent session) reaches it.
#[test]
fn session_firmware_under_qemu_rides_out_a_break() {
    SESSION.with(|s| s.set(true));
    boot_and_check(false);
}

thread_local! {
    /// Whether this test boots the `session` variant.
    static SESSION: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Builds the firmware (with its `tls` feature when `tls`), boots it under QEMU against the
/// simulator and checks its traffic from the broker's side.
fn boot_and_check(tls: bool) {
    let name = if tls {
        "firmware_qemu (TLS)"
    } else {
        "firmware_qemu"
    };
    if std::env::var_os("FIBOCOM_QEMU").is_none() {
        // Straight to stderr, past the test harness's output capture.
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED {name}: FIBOCOM_QEMU is not set. This test builds \
             examples/firmware-qemu, boots it under {QEMU} (mps2-an386) against the module \
             simulator and checks its MQTT traffic; run `source .ci/setup-qemu.sh` (installs \
             QEMU, sets FIBOCOM_QEMU=1) to enable it. ***\n"
        );
        return;
    }
    match Command::new(QEMU).arg("--version").output() {
        Ok(out) if out.status.success() => eprintln!(
            "firmware_qemu: {}",
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .next()
                .unwrap_or("")
        ),
        Ok(out) => panic!("FIBOCOM_QEMU is set but `{QEMU} --version` failed: {out:?}"),
        Err(e) => panic!(
            "FIBOCOM_QEMU is set but {QEMU} cannot be run ({e}); install it with \
             `apt-get install -y qemu-system-arm` (.ci/setup-qemu.sh)"
        ),
    }

    // For TLS: a CA and a server certificate made now; the CA goes into the firmware.
    let pki = tls.then(TestPki::new);
    let ca_file = pki.as_ref().map(|pki| {
        let path = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("firmware-qemu-ca-{}.pem", std::process::id()));
        std::fs::write(&path, pki.ca_pem()).expect("write the CA file");
        path
    });
    let elf = build_firmware(ca_file.as_deref());

    // The broker, the simulated module relaying to it, and a client that watches `fw/out`.
    let broker = Broker::start(BrokerOptions {
        users: [FIRMWARE_USER, CHECKER_USER]
            .iter()
            .map(|(u, p)| (u.to_string(), p.to_string()))
            .collect(),
        tls: pki.as_ref().map(|pki| TlsOptions::new(pki.server())),
        ..BrokerOptions::default()
    })
    .expect("start the broker");
    let sim = Simulator::start(
        SimConfig {
            broker: broker.addr().to_string(),
            // The firmware's TLS open names localhost: it leads to the TLS listener.
            tls_broker: broker.tls_addr().map(|a| a.to_string()),
            ..SimConfig::default()
        },
        Link::Tcp("127.0.0.1:0".parse().unwrap()),
    )
    .expect("start the simulator");
    let link = sim.tcp_addr().expect("the simulator's TCP address");
    let session = SESSION.with(|s| s.get());
    let sim = Arc::new(sim);
    // Twice against the same module, as after a reset of the microcontroller: the module
    // keeps its data call (and whatever else the first run left), and the second run must
    // work as the first did.
    for run in 1..=2 {
        let from = sim.received_commands().len();
        let nonce = format!(
            "ping {}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0)
        );
        let seen = checker(broker.addr(), nonce.clone(), session.then(|| sim.clone()));

        // Boot the firmware; its UART0 connects to the simulator's listener.
        let mut qemu = Command::new(QEMU)
            .args(["-M", "mps2-an386", "-nographic", "-monitor", "none"])
            .args(["-semihosting-config", "enable=on,target=native"])
            .args(["-serial", &format!("tcp:{link}")])
            .arg("-kernel")
            .arg(&elf)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start qemu-system-arm");
        let output = Arc::new(Mutex::new(String::new()));
        let readers = [
            collect(qemu.stdout.take().expect("stdout"), output.clone()),
            collect(qemu.stderr.take().expect("stderr"), output.clone()),
        ];
        let started = Instant::now();
        let status = loop {
            if let Some(status) = qemu.try_wait().expect("wait for qemu") {
                break Some(status);
            }
            if started.elapsed() > RUN_LIMIT {
                let _ = qemu.kill();
                let _ = qemu.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        for r in readers {
            let _ = r.join();
        }
        let output = output.lock().unwrap().clone();
        let _ = writeln!(
            std::io::stderr(),
            "{name}, run {run}: QEMU ran {:.1} s, status {status:?}; firmware output:\n{output}",
            started.elapsed().as_secs_f64()
        );
        let commands: Vec<String> = sim.received_commands().into_iter().skip(from).collect();
        let context = format!(
            "run {run}, firmware output:\n{output}\ncommands the simulator received:\n{}",
            commands.join("\n")
        );

        let status = status.unwrap_or_else(|| {
            panic!(
                "QEMU still ran after {} s and was killed\n{context}",
                RUN_LIMIT.as_secs()
            )
        });
        let published = seen
            .recv_timeout(Duration::from_secs(5))
            .unwrap_or_else(|_| {
                panic!("the firmware's publish never reached the broker\n{context}")
            });
        assert_eq!(published, FIRMWARE_PAYLOAD, "payload on fw/out\n{context}");
        let received = format!("firmware: received on fw/in: {nonce}");
        assert!(
            output.contains(&received),
            "the firmware did not report {received:?}\n{context}"
        );
        assert!(
            status.success(),
            "the firmware exited with {status}\n{context}"
        );
        assert!(output.contains("firmware: success"), "{context}");
        if session {
            let opens = commands
                .iter()
                .filter(|c| c.starts_with("AT+MQTTOPEN=1"))
                .count();
            assert!(opens >= 2, "the session did not connect again\n{context}");
            assert!(
                output.contains("firmware: connecting (attempt 1)"),
                "{context}"
            );
        }
        if let Some(pki) = &pki {
            // Provisioned with the CA, verified, and opened over TLS.
            let commands: Vec<String> = commands.iter().map(|c| c.replace("\\\"", "\"")).collect();
            let upload = format!("AT+GTSSLFILE=\"TRUSTFILE\",{}", pki.ca_pem().len());
            for expected in [
                "AT+GTSSLFILE?",
                "AT+GTSSLVER=4",
                "AT+GTSSLMODE=1",
                "AT+MQTTOPEN=1,\"localhost\",8883,1,60,1",
            ] {
                assert!(
                    commands.iter().any(|c| c == expected),
                    "{expected} not sent\n{context}"
                );
            }
            // The CA is uploaded by the first run only: the module still holds it after.
            let uploads = commands
                .iter()
                .filter(|c| c.starts_with("AT+GTSSLFILE="))
                .collect::<Vec<_>>();
            if run == 1 {
                assert_eq!(uploads, [&upload], "{context}");
            } else {
                assert!(uploads.is_empty(), "uploaded again\n{context}");
            }
            assert!(output.contains("firmware: connected over TLS"), "{context}");
            assert!(
                output.contains("server verified against the CA"),
                "{context}"
            );
        }
        if run == 2 && !session {
            assert!(
                !commands.iter().any(|c| c.starts_with("AT+MIPCALL=1")),
                "the second run dialled again\n{context}"
            );
        }
    }
    if let Some(path) = ca_file {
        let _ = std::fs::remove_file(path);
    }
}

/// Builds the QEMU firmware (release profile) in a target directory of its own, next to this
/// build's, so that it does not wait for the workspace's build lock; returns the ELF file.
/// With `ca` (a PEM file), the `tls` variant with that CA, in a target directory of its own
/// too; in the session test, the `session` variant. One build at a time: the tests of this file
/// run side by side.
fn build_firmware(ca: Option<&Path>) -> PathBuf {
    let session = SESSION.with(|s| s.get());
    static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());
    let _build = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("examples/firmware-qemu");
    let target_dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join(if ca.is_some() {
            "firmware-qemu-tls"
        } else if session {
            "firmware-qemu-session"
        } else {
            "firmware-qemu"
        });
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!("firmware_qemu: building {}", dir.display());
    let mut command = Command::new(cargo);
    command.args(["build", "--release"]);
    match ca {
        Some(ca) => command
            .args(["--features", "tls"])
            .env("FIBOCOM_FW_TLS_CA", ca),
        None => command.env_remove("FIBOCOM_FW_TLS_CA"),
    };
    if session {
        command.args(["--features", "session"]);
    }
    let mut build = command
        .current_dir(&dir)
        .env("CARGO_TARGET_DIR", &target_dir)
        // Flags meant for the host build would replace the firmware's own.
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .stdin(Stdio::null())
        .spawn()
        .expect("run cargo");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = build.try_wait().expect("wait for cargo") {
            break status;
        }
        if started.elapsed() > BUILD_LIMIT {
            let _ = build.kill();
            let _ = build.wait();
            panic!(
                "building the firmware took more than {} s",
                BUILD_LIMIT.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "building the firmware failed: {status}");
    let elf = target_dir.join("thumbv7em-none-eabihf/release/firmware-qemu");
    assert!(elf.exists(), "no firmware at {}", elf.display());
    elf
}

/// An independent MQTT client: subscribes to `fw/out`, sends each payload seen there back on
/// the returned channel, and answers each one by publishing `reply` on `fw/in`.
/// With `drop_first`, the first payload is answered after the simulator dropped the firmware's
/// broker connection.
fn checker(
    broker: std::net::SocketAddr,
    reply: String,
    mut drop_first: Option<Arc<Simulator>>,
) -> mpsc::Receiver<Vec<u8>> {
    let mut opts = MqttOptions::new("fw-checker", broker.ip().to_string(), broker.port());
    opts.set_keep_alive(Duration::from_secs(30));
    opts.set_credentials(CHECKER_USER.0, CHECKER_USER.1);
    let (client, mut connection) = Client::new(opts, 16);
    let (seen_tx, seen) = mpsc::channel();
    let (ready_tx, ready) = mpsc::channel();
    let answer = client.clone();
    std::thread::spawn(move || {
        for event in connection.iter() {
            match event {
                Ok(Event::Incoming(Packet::SubAck(_))) => {
                    let _ = ready_tx.send(());
                }
                Ok(Event::Incoming(Packet::Publish(p))) if p.topic == "fw/out" => {
                    let _ = seen_tx.send(p.payload.to_vec());
                    if let Some(sim) = drop_first.take() {
                        sim.drop_broker(1);
                        // The broker has seen the connection go before the reply is sent.
                        std::thread::sleep(Duration::from_millis(200));
                    }
                    let _ = answer.try_publish("fw/in", QoS::AtLeastOnce, false, reply.clone());
                }
                Ok(_) => {}
                Err(_) => return,
            }
        }
    });
    client
        .subscribe("fw/out", QoS::AtLeastOnce)
        .expect("subscribe to fw/out");
    ready
        .recv_timeout(Duration::from_secs(10))
        .expect("the checker's SUBACK");
    seen
}

/// Appends everything `from` produces to `into`, on a thread of its own.
fn collect(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<String>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 1024];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    })
}
