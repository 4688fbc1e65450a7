//! End to end over TLS: the driver provisions the simulated module (`provision_tls`) and opens
//! over TLS (`open_tls`); the simulator makes a real TLS connection to the broker. Every test
//! runs against the in-process broker's TLS listener (certificates made at run time by
//! `TestPki`) and against mosquitto's TLS listeners (`FIBOCOM_MOSQUITTO_TLS` and the rest, as
//! `.ci/setup-mosquitto.sh` exports them). An independent client on the same broker's plain
//! listener checks what got through.

mod e2e;
use e2e::*;

use std::io::Write as _;
use std::net::SocketAddr;

use fibocom_mqtt::codec::{parse, ClockCheck, Item, Parsed, TlsErrorReason, TlsFileKind};
use fibocom_mqtt::ClientId::One;
use fibocom_mqtt::{Broker, ConnState, Error, QoS, TlsSetup, Upload};
use fibocom_sim::broker::tls::{Identity, TestPki, TlsOptions};

/// Which TLS listener a test opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Listener {
    /// A server certificate for localhost / 127.0.0.1, from the CA.
    Verified,
    /// The same, requiring a client certificate.
    Mutual,
    /// An expired server certificate.
    Expired,
    /// A server certificate for wrong.example.
    WrongName,
}

/// A broker with a TLS listener, and what a client needs to reach it.
struct TlsEnv {
    /// The broker (its plain listener, for the observer).
    env: Env,
    /// The TLS listener.
    addr: SocketAddr,
    /// The CA that signed the server's certificate (PEM).
    ca: String,
    /// A client certificate and key the broker accepts (PEM).
    client: Identity,
}

impl TlsEnv {
    /// The broker as the driver names it: the listener's dotted quad, which the simulator
    /// connects to as given and checks the certificate against.
    fn broker(&self) -> Broker<'static> {
        let host: &'static str = match self.addr.ip().to_string().as_str() {
            "127.0.0.1" => "127.0.0.1",
            other => panic!("TLS listener on {other}: expected 127.0.0.1"),
        };
        Broker::new(host, self.addr.port())
    }
}

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: source .ci/setup-mosquitto.sh (it exports every variable)")
    })
}

fn file(name: &str) -> String {
    let path = var(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {path}: {e}"))
}

fn tls_env(backend: Backend, listener: Listener) -> TlsEnv {
    match backend {
        Backend::InProcess => {
            let pki = TestPki::new();
            let server = match listener {
                Listener::Verified | Listener::Mutual => pki.server(),
                Listener::Expired => pki.expired_server(),
                Listener::WrongName => pki.server_for(&["wrong.example"]),
            };
            let mut tls = TlsOptions::new(server);
            if listener == Listener::Mutual {
                tls = tls.requiring_clients(pki.client_ca_pem());
            }
            let env = Env::in_process_with(|o| o.tls = Some(tls));
            let addr = env
                .in_process_broker()
                .and_then(|b| b.tls_addr())
                .expect("the TLS listener");
            TlsEnv {
                env,
                addr,
                ca: pki.ca_pem(),
                client: pki.client("fibocom-device"),
            }
        }
        Backend::Mosquitto => {
            let name = match listener {
                Listener::Verified => "FIBOCOM_MOSQUITTO_TLS",
                Listener::Mutual => "FIBOCOM_MOSQUITTO_MTLS",
                Listener::Expired => "FIBOCOM_MOSQUITTO_TLS_EXPIRED",
                Listener::WrongName => "FIBOCOM_MOSQUITTO_TLS_WRONG_NAME",
            };
            TlsEnv {
                env: Env::mosquitto(&var("FIBOCOM_MOSQUITTO")),
                addr: var(name)
                    .parse()
                    .unwrap_or_else(|e| panic!("{name}: not HOST:PORT: {e}")),
                ca: file("FIBOCOM_MOSQUITTO_CA"),
                client: Identity {
                    cert_pem: file("FIBOCOM_MOSQUITTO_CLIENT_CERT"),
                    key_pem: file("FIBOCOM_MOSQUITTO_CLIENT_KEY"),
                },
            }
        }
    }
}

/// Runs `test` against `backend`; the mosquitto variant says loudly that it is skipped when
/// `FIBOCOM_MOSQUITTO_TLS` is not set (and fails when `FIBOCOM_MOSQUITTO` is set without it).
fn run_tls(backend: Backend, name: &str, test: fn(Backend)) {
    if backend == Backend::Mosquitto && std::env::var("FIBOCOM_MOSQUITTO_TLS").is_err() {
        assert!(
            std::env::var("FIBOCOM_MOSQUITTO").is_err(),
            "FIBOCOM_MOSQUITTO is set but FIBOCOM_MOSQUITTO_TLS is not: source \
             .ci/setup-mosquitto.sh"
        );
        let _ = writeln!(
            std::io::stderr(),
            "\n*** SKIPPED: {name} against mosquitto: FIBOCOM_MOSQUITTO_TLS is not set \
             (source .ci/setup-mosquitto.sh to run it) ***"
        );
        return;
    }
    test(backend);
}

macro_rules! both_tls {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test]
            fn in_process() {
                run_tls(Backend::InProcess, stringify!($name), super::$name);
            }
            #[test]
            fn mosquitto() {
                run_tls(Backend::Mosquitto, stringify!($name), super::$name);
            }
        }
    )*};
}

both_tls!(
    verified_tls_at_every_qos,
    mutual_tls,
    wrong_ca_is_refused,
    expired_certificate_refused_unless_verification_is_off,
    wrong_name_refused_unless_verification_is_off,
    restart_forgets_tls_and_provisioning_restores_it,
    a_second_run_uploads_no_file_again,
    a_session_on_a_module_holding_the_files_uploads_none,
    a_module_left_provisioned_with_an_unset_clock,
);

/// Start-up, the data call, and the test account on client 1.
async fn ready(c: &Dut<'_>, t: &TlsEnv, name: &str) {
    online(c).await;
    c.set_user(One, USER, PASSWORD, Some(&t.env.client_id(name)))
        .await
        .expect("set user");
}

/// Messages at QoS 0, 1 and 2 both ways over the open TLS connection of client 1.
async fn traffic(c: &Dut<'_>, t: &TlsEnv) {
    let mut obs = t.env.observer("obs");
    obs.subscribe(&t.env.topic("up/#")).await;
    c.subscribe(One, &t.env.topic("down/#"), QoS::ExactlyOnce)
        .await
        .expect("subscribe over TLS");
    let mut sent = Vec::new();
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let topic = t.env.topic(&format!("up/{}", qos.number()));
        let payload = format!("tls \0 qos {}\r\n", qos.number()).into_bytes();
        c.publish(One, &topic, &payload, qos, false)
            .await
            .expect("publish over TLS");
        sent.push(seen(&topic, &payload, qos, false));
    }
    assert_eq!(obs.exactly(3).await, sent);
    for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
        let topic = t.env.topic(&format!("down/{}", qos.number()));
        obs.publish(&topic, b"\x00from the broker\r\n", qos, false);
        assert_eq!(
            event(c).await,
            msg(One, qos, &topic, b"\x00from the broker\r\n")
        );
    }
}

fn verified_tls_at_every_qos(backend: Backend) {
    let t = tls_env(backend, Listener::Verified);
    let sim = t.env.sim();
    drive(&sim, config(), async |c| {
        ready(c, &t, "verified").await;
        let setup = TlsSetup::new().trust(t.ca.as_bytes());
        c.provision_tls(&setup).await.expect("provision TLS");
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS");
        assert_eq!(c.state(One), ConnState::Open);
        traffic(c, &t).await;
        c.close(One).await.expect("close");
    });
    // What the module was sent (the simulator records quotes escaped).
    let sent: Vec<String> = sim
        .received_commands()
        .iter()
        .map(|c| c.replace("\\\"", "\""))
        .collect();
    let ca_upload = format!("AT+GTSSLFILE=\"TRUSTFILE\",{}", t.ca.len());
    for expected in ["AT+GTSSLVER=4", "AT+GTSSLMODE=1", ca_upload.as_str()] {
        assert!(
            sent.iter().any(|c| c == expected),
            "{expected} not among {sent:?}"
        );
    }
}

fn mutual_tls(backend: Backend) {
    let t = tls_env(backend, Listener::Mutual);
    let sim = t.env.sim();
    drive(&sim, config(), async |c| {
        ready(c, &t, "mutual").await;
        // Without the client's certificate the server ends the handshake.
        let server_only = TlsSetup::new().trust(t.ca.as_bytes());
        c.provision_tls(&server_only).await.expect("provision TLS");
        assert_eq!(
            c.open_tls(One, t.broker(), server_only.param).await,
            Err(Error::Tls(TlsErrorReason::Handshake(-8)))
        );
        assert_eq!(c.state(One), ConnState::Closed);
        let mutual = TlsSetup::new()
            .trust(t.ca.as_bytes())
            .client(t.client.cert_pem.as_bytes(), t.client.key_pem.as_bytes());
        // The module forgets nothing but on a restart: only the client's files are missing.
        let client_files = TlsSetup {
            trust: None,
            ..mutual
        };
        c.provision_tls(&client_files)
            .await
            .expect("provision the client's files");
        c.open_tls(One, t.broker(), mutual.param)
            .await
            .expect("open over mutual TLS");
        traffic(c, &t).await;
    });
}

fn wrong_ca_is_refused(backend: Backend) {
    let t = tls_env(backend, Listener::Verified);
    let sim = t.env.sim();
    let other_ca = TestPki::new().ca_pem();
    drive(&sim, config(), async |c| {
        ready(c, &t, "wrongca").await;
        let setup = TlsSetup::new().trust(other_ca.as_bytes());
        c.provision_tls(&setup).await.expect("provision TLS");
        let clock = module_clock(c).await;
        let refused = c.open_tls(One, t.broker(), setup.param).await;
        assert_eq!(refused, Err(Error::Tls(TlsErrorReason::CaOrClock(clock))));
        let text = refused.unwrap_err().to_string();
        assert!(
            text.contains("CA") && text.contains("clock"),
            "says what to check: {text}"
        );
        assert_eq!(c.state(One), ConnState::Closed);
    });
    // The failed CA check made the driver ask why, then read the clock.
    let sent = sim.received_commands();
    let why = sent.iter().rposition(|c| c == "AT+GTSSLERR?");
    let clock = sent.iter().rposition(|c| c == "AT+CCLK?");
    assert!(
        matches!((why, clock), (Some(w), Some(c)) if c == w + 1),
        "AT+GTSSLERR? then AT+CCLK? at the end of {sent:?}"
    );
}

/// What the module's clock says, as `AT+CCLK?` answers it asked directly: what the driver must
/// find when it reads the clock after a failed CA check.
async fn module_clock(c: &Dut<'_>) -> ClockCheck {
    let mut time = None;
    let answered = c
        .raw("+CCLK?", |line| {
            if let Parsed::Item(Item::Clock(t), _) = parse(&[line, b"\r\n"].concat()) {
                time = Some(t);
            }
        })
        .await;
    match answered {
        Ok(()) => ClockCheck::from_time(Some(time.expect("+CCLK: in the answer"))),
        Err(Error::Module(_)) => ClockCheck::Unknown,
        Err(e) => panic!("AT+CCLK?: {e}"),
    }
}

/// How many files of each kind (TRUSTFILE, CAFILE, KEYFILE) the module holds, as
/// `AT+GTSSLFILE?` answers.
async fn files_held(c: &Dut<'_>) -> [u16; 3] {
    let mut held = [None; 3];
    c.raw("+GTSSLFILE?", |line| {
        if let Parsed::Item(Item::TlsFiles { kind, count }, _) = parse(&[line, b"\r\n"].concat()) {
            let at = TlsFileKind::ALL.iter().position(|&k| k == kind).unwrap();
            held[at] = Some(count);
        }
    })
    .await
    .expect("AT+GTSSLFILE?");
    held.map(|n| n.expect("every kind listed"))
}

/// A second run of the host against the same module (a new driver on the same simulated
/// module, which keeps its TLS files as a real one does) provisions the same setup without
/// adding a file; uploading with `Upload::Always` would add one of each.
fn a_second_run_uploads_no_file_again(backend: Backend) {
    let t = tls_env(backend, Listener::Mutual);
    let sim = t.env.sim();
    let setup = TlsSetup::new()
        .trust(t.ca.as_bytes())
        .client(t.client.cert_pem.as_bytes(), t.client.key_pem.as_bytes());
    let uploads = |sim: &fibocom_sim::Simulator| {
        sim.received_commands()
            .iter()
            .filter(|c| c.starts_with("AT+GTSSLFILE="))
            .count()
    };
    drive(&sim, config(), async |c| {
        ready(c, &t, "second").await;
        assert_eq!(files_held(c).await, [0, 0, 0], "a module just powered on");
        c.provision_tls(&setup).await.expect("provision TLS");
        assert_eq!(files_held(c).await, [1, 1, 1]);
        // Provisioning again in the same run changes nothing either.
        c.provision_tls(&setup).await.expect("provision TLS again");
        assert_eq!(files_held(c).await, [1, 1, 1]);
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS");
        c.close(One).await.expect("close");
    });
    assert_eq!(uploads(&sim), 3, "each file uploaded once");
    // The host restarts; the module does not.
    drive(&sim, config(), async |c| {
        c.start().await.expect("start-up");
        c.provision_tls(&setup).await.expect("provision TLS");
        assert_eq!(files_held(c).await, [1, 1, 1], "no file added");
        // The files in place work: the open verifies the broker with them.
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS with the files of the first run");
        c.close(One).await.expect("close");
        // What the default avoids: every upload adds a file.
        c.provision_tls(&setup.upload(Upload::Always))
            .await
            .expect("provision TLS, every file uploaded");
        assert_eq!(files_held(c).await, [2, 2, 2]);
    });
    assert_eq!(uploads(&sim), 6);
}

/// With verification on, the server of `listener` is refused as unverifiable; with it off,
/// the same connection is made and carries messages.
fn refused_unless_unverified(backend: Backend, listener: Listener) {
    let t = tls_env(backend, listener);
    let sim = t.env.sim();
    drive(&sim, config(), async |c| {
        ready(c, &t, "unverified").await;
        let setup = TlsSetup::new().trust(t.ca.as_bytes());
        c.provision_tls(&setup).await.expect("provision TLS");
        let clock = module_clock(c).await;
        assert_eq!(
            c.open_tls(One, t.broker(), setup.param).await,
            Err(Error::Tls(TlsErrorReason::CaOrClock(clock)))
        );
        let unverified = setup.verify(false);
        c.provision_tls(&TlsSetup {
            trust: None,
            ..unverified
        })
        .await
        .expect("verification off");
        c.open_tls(One, t.broker(), unverified.param)
            .await
            .expect("open without verification");
        traffic(c, &t).await;
    });
}

fn expired_certificate_refused_unless_verification_is_off(backend: Backend) {
    refused_unless_unverified(backend, Listener::Expired);
}

fn wrong_name_refused_unless_verification_is_off(backend: Backend) {
    refused_unless_unverified(backend, Listener::WrongName);
}

/// A module restart forgets every TLS setting and file: the driver refuses to open over TLS
/// until the one call `provision_tls(&setup)` after start-up restores it.
fn restart_forgets_tls_and_provisioning_restores_it(backend: Backend) {
    let t = tls_env(backend, Listener::Mutual);
    let sim = t.env.sim();
    drive(&sim, config(), async |c| {
        let setup = TlsSetup::new()
            .trust(t.ca.as_bytes())
            .client(t.client.cert_pem.as_bytes(), t.client.key_pem.as_bytes());
        ready(c, &t, "restart").await;
        c.provision_tls(&setup).await.expect("provision TLS");
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS");

        sim.reboot();
        let mut evs = Vec::new();
        while !evs.contains(&Ev::Other("Restarted".into())) {
            evs.push(event(c).await);
        }
        assert_eq!(c.state(One), ConnState::Closed);
        ready(c, &t, "restart").await;
        // The driver saw the restart: an open over TLS now would go unverified, so it is
        // refused before anything is sent.
        let sent = sim.received_commands().len();
        assert_eq!(
            c.open_tls(One, t.broker(), setup.param).await,
            Err(Error::TlsLost)
        );
        assert_eq!(sim.received_commands().len(), sent, "nothing was sent");
        c.provision_tls(&setup).await.expect("provision TLS again");
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS after the restart");
        traffic(c, &t).await;
    });
}

/// A session (which provisions TLS through the driver before its first open) on a module that
/// holds the CA from an earlier run of the host: it asks, finds it, and uploads nothing.
fn a_session_on_a_module_holding_the_files_uploads_none(backend: Backend) {
    use fibocom_mqtt::session::asynch::Session;
    use fibocom_mqtt::session::{
        Backoff, DataCall, Outbox, SessionConfig, SessionEvent, Slot, User,
    };

    let t = tls_env(backend, Listener::Verified);
    let sim = t.env.sim();
    let setup = TlsSetup::new().trust(t.ca.as_bytes());
    let count = |prefix: &str| {
        sim.received_commands()
            .iter()
            .filter(|c| c.starts_with(prefix))
            .count()
    };
    // The earlier run: it provisioned the CA, then the host restarted.
    drive(&sim, config(), async |c| {
        c.start().await.expect("start-up");
        c.provision_tls(&setup).await.expect("provision TLS");
        assert_eq!(files_held(c).await, [1, 0, 0]);
    });
    assert_eq!(count("AT+GTSSLFILE="), 1);
    let device_id = t.env.client_id("session");
    let up = t.env.topic("up");
    drive(&sim, config(), async |c| {
        let config = SessionConfig {
            call: DataCall::Dial {
                apn: None,
                credentials: None,
            },
            user: Some(User {
                user: USER,
                password: PASSWORD,
                identifier: Some(&device_id),
            }),
            backoff: Backoff {
                initial: embassy_time::Duration::from_millis(50),
                max: embassy_time::Duration::from_millis(500),
                jitter_percent: 0,
                seed: 1,
            },
            ..SessionConfig::new(t.broker())
        }
        .with_tls(&setup);
        let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
        let session = Session::new(c, config, Outbox::new(&mut bytes, &mut slots));
        let seq = session
            .publish(&up, b"over the CA in place", QoS::AtLeastOnce, false)
            .await
            .expect("queued")
            .expect("a sequence number");
        let mut delivered = false;
        while !delivered {
            session
                .next_event(|ev| delivered |= ev == SessionEvent::Delivered(seq))
                .await
                .expect("the link is up");
        }
    });
    assert_eq!(
        count("AT+GTSSLFILE?"),
        3,
        "asked by both provisionings and by the count above"
    );
    assert_eq!(count("AT+GTSSLFILE="), 1, "the CA not uploaded again");
    assert_eq!(count("AT+GTSSLVER="), 2, "the settings sent again");
}

/// The module an earlier run left: TLS provisioned with the CA, and a clock the network never
/// set (the factory default). Provisioning uploads nothing; the open fails on the CA or clock
/// check, and the error says that the clock shows 1980; with the clock set, the same files
/// verify the broker.
fn a_module_left_provisioned_with_an_unset_clock(backend: Backend) {
    use fibocom_sim::at::commands::FileKind;
    use fibocom_sim::{Clock, PreviousRun};

    let t = tls_env(backend, Listener::Verified);
    let sim = t.env.sim_with(|c| {
        c.previous = PreviousRun::default()
            .echo(false)
            .receive_mode(1)
            .call_up()
            .tls(4, true)
            .tls_file(FileKind::Trust, t.ca.as_bytes());
        c.clock = Clock::factory();
    });
    let setup = TlsSetup::new().trust(t.ca.as_bytes());
    drive(&sim, config(), async |c| {
        ready(c, &t, "clock").await;
        c.provision_tls(&setup).await.expect("provision TLS");
        assert_eq!(
            files_held(c).await,
            [1, 0, 0],
            "the CA held is not uploaded again"
        );
        let refused = c.open_tls(One, t.broker(), setup.param).await;
        let unset = Error::Tls(TlsErrorReason::CaOrClock(ClockCheck::Implausible {
            year: 1980,
        }));
        assert_eq!(refused, Err(unset));
        assert!(unset.to_string().contains("1980"), "{unset}");
        // As a network time update or `AT+CCLK=` would: the module's clock set to now.
        let now = fibocom_sim::ModuleTime::now_utc().format();
        c.raw(&format!("+CCLK=\"{now}\""), |_| {})
            .await
            .expect("set the module's clock");
        c.open_tls(One, t.broker(), setup.param)
            .await
            .expect("open over TLS once the clock is right");
        c.close(One).await.expect("close");
    });
    let uploads = sim
        .received_commands()
        .iter()
        .filter(|c| c.starts_with("AT+GTSSLFILE="))
        .count();
    assert_eq!(uploads, 0);
}
