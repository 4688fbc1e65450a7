//! A module that was not just powered on: the simulator started in the state a previous run
//! left (`SimConfig::previous`, `SimConfig::unsupported`, `SimConfig::clock`), each state
//! observed through raw AT exchanges with exact lines, and the connection left over observed
//! at its broker; and the TCP link keeping the module's state from one host connection to the
//! next, as a second run of a program sees it.

mod common;

use std::time::Duration;

use common::tls::upload;
use common::{rig, rig_with, Host, Observer};
use fibocom_sim::at::commands::FileKind;
use fibocom_sim::broker::tls::{TestPki, TlsOptions};
use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::{Clock, LeftClient, Link, ModuleTime, PreviousRun, SimConfig, Simulator};
use rumqttc::QoS;

/// A second in-process broker, `users` its only accounts (empty: anonymous).
fn other_broker(users: &[(&str, &str)]) -> Broker {
    Broker::start(BrokerOptions {
        users: users
            .iter()
            .map(|(u, p)| (u.to_string(), p.to_string()))
            .collect(),
        ..BrokerOptions::default()
    })
    .expect("second broker")
}

#[test]
fn data_call_left_up_is_reported_and_not_dialled_again() {
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::default().call_up();
        c.call_setup = Duration::from_millis(300);
    });
    // Echo as at power-up: nothing else was left.
    r.host.cmd(
        "AT+MIPCALL?",
        "AT+MIPCALL?\r\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n",
    );
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    // Every form of dialling is refused while the call is up.
    r.host.error("AT+MIPCALL=1");
    r.host.error("AT+MIPCALL=1,\"cmnet\"");
    r.host.error("AT+MIPCALL=1,\"cmnet\",\"user\",\"pass\"");
    // Usable as it is.
    r.open(1);
    r.host.ok("AT+MQTTCLOSE=1");
    r.host.line("+MQTTCLOSE: 1,1");
    // Hung up, it can be dialled again; while dialling, a second dial is refused too.
    r.host.ok("AT+MIPCALL=0");
    r.host.line("+MIPCALL: 0");
    r.host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host.ok("AT+MIPCALL=1");
    r.host.error("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host.error("AT+MIPCALL=1,\"cmnet\"");
}

#[test]
fn client_left_connected_to_another_broker_with_another_user() {
    let old = other_broker(&[("old", "pw")]);
    let left = LeftClient::new("127.0.0.1", old.addr().port())
        .user("old", "pw")
        .client_id("old-dev")
        .will("old/status", 1, false, b"gone")
        .subscribed("old/cmd/#", 1);
    let mut r = rig_with(&[("alice", "secret")], |c| {
        c.previous = PreviousRun::default().call_up().client(1, left);
    });
    // No +MQTTOPEN or +MQTTSUB line for it: those went to the previous run.
    r.host.expect_silence(Duration::from_millis(200));
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 2\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 1,\"old\",\"pw\",\"old-dev\"\r\n\r\nOK\r\n",
    );
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"old/status\",1,0,\"gone\"\r\n\r\nOK\r\n",
    );
    // Connected: neither opened again nor reconfigured.
    r.host.error("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host
        .error("AT+MQTTUSER=1,\"alice\",\"secret\",\"new-dev\"");
    r.host.error("AT+MQTTWILL=1,\"new/status\",0,0,\"x\"");
    // At the old broker: its subscription delivers (receive mode 0, as at power-up), and the
    // module can publish on it.
    let watcher = Observer::new(old.addr(), "watcher", Some(("old", "pw")));
    watcher.subscribe("old/#", QoS::AtLeastOnce);
    watcher.publish("old/cmd/1", QoS::AtLeastOnce, false, b"hi");
    r.host.line("+MQTTMSG: 1,1,\"old/cmd/1\",\"hi\"");
    let echo = watcher.recv();
    assert_eq!(
        (echo.topic.as_str(), &echo.payload[..]),
        ("old/cmd/1", &b"hi"[..])
    );
    r.host.ok("AT+MQTTPUB=1,\"old/up\",1,0,\"still here\"");
    r.host.line("+MQTTPUB: 1,1");
    let up = watcher.recv();
    assert_eq!(
        (up.topic.as_str(), &up.payload[..]),
        ("old/up", &b"still here"[..])
    );
    // Dropped without DISCONNECT, its will is published at the old broker.
    r.sim.drop_broker(1);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
    let will = watcher.recv();
    assert_eq!(
        (will.topic.as_str(), &will.payload[..]),
        ("old/status", &b"gone"[..])
    );
    assert_eq!(will.qos, QoS::AtLeastOnce);
    // Then this run's client opens on this run's broker, with this run's user.
    r.host.ok("AT+MQTTUSER=1,\"alice\",\"secret\",\"new-dev\"");
    r.host.ok("AT+MQTTWILL=1,\"new/status\",0,0,\"x\"");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,1");
    let obs = Observer::new(r.broker.addr(), "obs", Some(("alice", "secret")));
    obs.subscribe("new/#", QoS::AtMostOnce);
    r.host.ok("AT+MQTTPUB=1,\"new/up\",0,0,\"fresh\"");
    r.host.line("+MQTTPUB: 1,1");
    assert_eq!(&obs.recv().payload[..], b"fresh");
}

#[test]
fn client_left_connected_closes_cleanly_without_its_will() {
    let old = other_broker(&[]);
    let watcher = Observer::new(old.addr(), "watcher", None);
    watcher.subscribe("old/status", QoS::AtLeastOnce);
    let left = LeftClient::new("127.0.0.1", old.addr().port())
        .client_id("old-dev")
        .will("old/status", 1, false, b"gone");
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::after(2, left);
    });
    // PreviousRun::after: echo off, receive mode 1, call up, client 2 connected.
    r.host.cmd("AT", "\r\nOK\r\n");
    r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 2\r\n\r\nOK\r\n");
    r.host.cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1\r\n\r\nOK\r\n");
    r.host.ok("AT+MQTTCLOSE=2");
    r.host.line("+MQTTCLOSE: 2,1");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    // DISCONNECT: no will.
    watcher.expect_nothing(Duration::from_millis(300));
    // Closed already: a second close is refused; opening again works.
    r.host.error("AT+MQTTCLOSE=2");
    r.host.ok("AT+MQTTOPEN=2,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 2,1");
}

#[test]
fn same_client_identifier_left_connected_is_the_same_session_at_the_broker() {
    // What a second run of the same program meets: its own client id still connected.
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::after(
            1,
            LeftClient::new("broker.example", 1883)
                .client_id("dev1")
                .subscribed("cmd/#", 1),
        )
        .waiting(1, "cmd/old", b"before");
    });
    r.host.expect_silence(Duration::from_millis(200));
    // Once this is answered the host is attached: a line the module sends later reaches it.
    r.host.cmd("AT", "\r\nOK\r\n");
    let obs = r.observer("obs");
    obs.publish("cmd/new", QoS::AtLeastOnce, false, b"after");
    r.host.line("+MQTTMSGI: 1,1,7,5");
    // The message from before first, then the new one, then nothing.
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,0,7,6\r\n\"cmd/old\",\"before\"\r\n\r\nOK\r\n",
    );
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,1,7,5\r\n\"cmd/new\",\"after\"\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MQTTREAD=1", "\r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n");
    // An observer taking the client identifier over cuts the module's connection: it was
    // connected as "dev1".
    let _thief = Observer::new(r.broker.addr(), "dev1", None);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
}

#[test]
fn messages_waiting_are_read_one_by_one_without_a_new_announcement() {
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::default()
            .echo(false)
            .receive_mode(1)
            .waiting(1, "a/b", b"one")
            .waiting_qos(1, 2, "a/c", b"two, \"quoted\"")
            .waiting(2, "x", b"y");
    });
    // Announced before this run: not again.
    r.host.expect_silence(Duration::from_millis(200));
    r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,0,3,3\r\n\"a/b\",\"one\"\r\n\r\nOK\r\n",
    );
    r.host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,2,3,13\r\n\"a/c\",\"two, \"quoted\"\"\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MQTTREAD=1", "\r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTREAD=2",
        "\r\n+MQTTREAD: 2,0,1,1\r\n\"x\",\"y\"\r\n\r\nOK\r\n",
    );
    r.host
        .cmd("AT+MQTTREAD=2", "\r\n+MQTTREAD: 2,0,0,0\r\n\r\nOK\r\n");
    // No data call, no client: only what was asked for was left.
    r.host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n");
}

#[test]
fn echo_and_receive_mode_as_left_until_a_reboot() {
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::default().echo(false).receive_mode(1);
    });
    r.host.cmd("AT", "\r\nOK\r\n");
    r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
    // A restart of the module forgets what the previous run left.
    r.sim.reboot();
    r.host.line("RDY");
    r.host.cmd("AT", "AT\r\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTCONF?",
        "AT+MQTTCONF?\r\r\n+MQTTCONF: 0\r\n\r\nOK\r\n",
    );
}

#[test]
fn unsupported_queries_are_refused_every_time() {
    let mut r = rig_with(&[], |c| {
        c.unsupported = vec!["AT+MQTTCLOSE?".into(), "at+mqttconf".into()];
        c.previous = PreviousRun::default().echo(false);
    });
    for _ in 0..3 {
        r.host.error("AT+MQTTCLOSE?");
        r.host.error("AT+MQTTCONF?");
    }
    // Matched without regard to case, as a prefix of the line.
    r.host.error("at+mqttclose?");
    r.host.error("AT+MQTTCONF=1");
    // Other commands, and other forms of the same one, are answered.
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+MQTTCLOSE=?", "\r\n+MQTTCLOSE: (1,2)\r\n\r\nOK\r\n");
    // The firmware stays what it is after a restart.
    r.sim.reboot();
    r.host.line("RDY");
    r.host.cmd("AT+MQTTCLOSE?", "AT+MQTTCLOSE?\r\r\nERROR\r\n");
}

#[test]
fn tls_files_and_settings_left_are_counted_and_used() {
    let pki = TestPki::new();
    let broker = Broker::start(BrokerOptions {
        tls: Some(TlsOptions::new(pki.server())),
        ..BrokerOptions::default()
    })
    .expect("TLS broker");
    let config = SimConfig {
        broker: broker.addr().to_string(),
        tls_broker: broker.tls_addr().map(|a| a.to_string()),
        previous: PreviousRun::default()
            .echo(false)
            .call_up()
            .tls(4, true)
            .tls_file(FileKind::Trust, pki.ca_pem().as_bytes()),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).unwrap();
    let mut host = Host::connect(sim.tcp_addr().unwrap());
    host.cmd("AT+GTSSLVER?", "\r\n+GTSSLVER: 4\r\n\r\nOK\r\n");
    host.cmd("AT+GTSSLMODE?", "\r\n+GTSSLMODE: 1\r\n\r\nOK\r\n");
    host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    // The file left is used: a verified open succeeds without uploading anything.
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,1");
    host.ok("AT+MQTTCLOSE=1");
    host.line("+MQTTCLOSE: 1,1");
    // Uploading again adds one.
    upload(&mut host, "TRUSTFILE", pki.ca_pem().as_bytes());
    host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,2\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,1");
}

/// The `AT+CCLK?` answer, given what the clock should show within a second.
fn clock_answer(host: &mut Host, around: ModuleTime) {
    let ok = |t: ModuleTime| format!("\r\n+CCLK: \"{}\"\r\n\r\nOK\r\n", t.format());
    let (a, b) = (ok(around), ok(around.plus(Duration::from_secs(1))));
    host.send(b"AT+CCLK?\r");
    let got = String::from_utf8(host.take(a.len())).unwrap();
    assert!(got == a || got == b, "{got:?}, expected {a:?} or {b:?}");
}

#[test]
fn clock_never_set_fails_verified_tls_with_minus_11_until_set() {
    let pki = TestPki::new();
    let broker = Broker::start(BrokerOptions {
        tls: Some(TlsOptions::new(pki.server())),
        ..BrokerOptions::default()
    })
    .expect("TLS broker");
    let config = SimConfig {
        broker: broker.addr().to_string(),
        tls_broker: broker.tls_addr().map(|a| a.to_string()),
        clock: Clock::factory(),
        previous: PreviousRun::default()
            .echo(false)
            .call_up()
            .tls(4, true)
            .tls_file(FileKind::Trust, pki.ca_pem().as_bytes()),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).unwrap();
    let mut host = Host::connect(sim.tcp_addr().unwrap());
    clock_answer(&mut host, ModuleTime::FACTORY);
    // 1980: the server's certificate is not valid yet.
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,0");
    host.cmd("AT+GTSSLERR?", "\r\n+GTSSLERR: -11\r\n\r\nOK\r\n");
    // Unverified, the clock does not matter.
    host.ok("AT+GTSSLMODE=0");
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,1");
    host.ok("AT+MQTTCLOSE=1");
    host.line("+MQTTCLOSE: 1,1");
    host.ok("AT+GTSSLMODE=1");
    // Set to the right time (here in UTC+2), it verifies.
    let now = ModuleTime {
        zone: 8,
        ..ModuleTime::now_utc()
    };
    host.ok(&format!("AT+CCLK=\"{}\"", now.format()));
    clock_answer(&mut host, now);
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,1");
    host.ok("AT+MQTTCLOSE=1");
    host.line("+MQTTCLOSE: 1,1");
    // Set back by a control (applied between two command lines, so wait until the clock
    // shows it): -11 again.
    sim.control(fibocom_sim::Control::parse("set-clock factory").unwrap());
    let deadline = std::time::Instant::now() + common::WAIT;
    loop {
        host.send(b"AT+CCLK?\r");
        let answer = host.take("\r\n+CCLK: \"80/01/06,00:00:09+00\"\r\n\r\nOK\r\n".len());
        if answer.starts_with(b"\r\n+CCLK: \"80/01/06,") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the clock was not set"
        );
    }
    host.ok("AT+MQTTOPEN=1,\"localhost\",8883,1,60,1");
    host.line("+MQTTOPEN: 1,0");
    host.cmd("AT+GTSSLERR?", "\r\n+GTSSLERR: -11\r\n\r\nOK\r\n");
    host.error("AT+CCLK=\"80/01/06,00:00:09\"");
    host.error("AT+CCLK=\"80/13/06,00:00:09+00\"");
}

#[test]
fn real_clock_by_default() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    clock_answer(&mut r.host, ModuleTime::now_utc());
}

#[test]
fn tcp_link_keeps_the_state_from_one_host_connection_to_the_next() {
    let mut r = rig();
    // First run: echo off, mode 1, call up, client 1 open and subscribed.
    r.online();
    r.host.ok("AT+MQTTCONF=1");
    r.open(1);
    r.sub(1, "cmd/#", 1);
    let obs = r.observer("obs");
    for run in 2..=3 {
        // The program ends; it (or another) runs again on a new connection.
        drop(std::mem::replace(
            &mut r.host,
            Host::connect(r.sim.tcp_addr().unwrap()),
        ));
        r.host.cmd("AT", "\r\nOK\r\n");
        r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
        r.host
            .cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n");
        r.host.error("AT+MIPCALL=1");
        r.host
            .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
        r.host.cmd(
            "AT+MQTTUSER?",
            "\r\n+MQTTUSER: 1,\"\",\"\",\"sim1\"\r\n\r\nOK\r\n",
        );
        r.host.error("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
        // Still subscribed at the broker.
        let payload = format!("run{run}");
        obs.publish("cmd/x", QoS::AtLeastOnce, false, payload.as_bytes());
        r.host.line("+MQTTMSGI: 1,1,5,4");
        r.host.cmd(
            "AT+MQTTREAD=1",
            &format!("\r\n+MQTTREAD: 1,1,5,4\r\n\"cmd/x\",\"{payload}\"\r\n\r\nOK\r\n"),
        );
    }
}

#[test]
fn start_fails_when_the_left_connection_cannot_be_made() {
    let start = |previous: PreviousRun, broker: &Broker| {
        let config = SimConfig {
            broker: broker.addr().to_string(),
            previous,
            ..SimConfig::default()
        };
        Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap()))
    };
    let broker = other_broker(&[("old", "pw")]);
    // A closed port, a wrong password, a client without a data call.
    let closed = LeftClient::new("127.0.0.1", common::closed_port());
    let e = start(PreviousRun::after(1, closed), &broker).err().unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused, "{e}");
    assert!(e.to_string().contains("client 1 left connected"), "{e}");
    let wrong = LeftClient::new("broker.example", 1883).user("old", "nope");
    let e = start(PreviousRun::after(2, wrong), &broker).err().unwrap();
    assert!(
        e.to_string()
            .contains("client 2 left connected: the broker refused"),
        "{e}"
    );
    let no_call = PreviousRun::default().client(1, LeftClient::new("broker.example", 1883));
    let e = start(no_call, &broker).err().unwrap();
    assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput, "{e}");
    let old_firmware = SimConfig {
        old_firmware: true,
        previous: PreviousRun::default().receive_mode(1),
        ..SimConfig::default()
    };
    let e = Simulator::start(old_firmware, Link::Tcp("127.0.0.1:0".parse().unwrap()))
        .err()
        .unwrap();
    assert!(
        e.to_string().contains("firmware without AT+MQTTCONF"),
        "{e}"
    );
    // Right password: starts.
    let right = LeftClient::new("broker.example", 1883).user("old", "pw");
    assert!(start(PreviousRun::after(1, right), &broker).is_ok());
}

/// Kills the child process when dropped, so that a failing test leaves nothing running.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn binary_starts_in_a_previous_runs_state() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};

    let pki = TestPki::new();
    let ca_path = std::env::temp_dir().join(format!("fibocom-sim-ca-{}.pem", std::process::id()));
    std::fs::write(&ca_path, pki.ca_pem()).unwrap();
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
            .args(["--tcp", "127.0.0.1:0", "--user", "old:pw"])
            .args(["--left-echo", "0", "--left-mode", "1", "--left-call"])
            .args(["--left-client", "1=broker.example:1883"])
            .args(["--left-user", "1=old:pw:old-dev"])
            .args(["--left-will", "1=1:0:old/status:gone: for good"])
            .args(["--left-sub", "1=1:cmd/#"])
            .args(["--left-waiting", "1=cmd/a:x:y", "--left-waiting", "2=t:p"])
            .args(["--left-tls", "4:1"])
            .arg("--left-tls-file")
            .arg(format!("TRUSTFILE={}", ca_path.display()))
            .args(["--unsupported", "AT+MQTTCONF?", "--clock", "factory"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run fibocom-sim"),
    );
    let first_line = |pipe: Box<dyn std::io::Read + Send>, prefix: &'static str| {
        let (tx, rx) = std::sync::mpsc::channel();
        // Read to the end, so that the simulator never writes to a closed pipe.
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if let Some(rest) = line.strip_prefix(prefix) {
                    let _ = tx.send(rest.trim().to_string());
                }
            }
        });
        rx.recv_timeout(common::WAIT * 3).expect(prefix)
    };
    let stderr = Box::new(child.0.stderr.take().unwrap());
    let broker: std::net::SocketAddr = first_line(stderr, "fibocom-sim: in-process broker on ")
        .parse()
        .unwrap();
    let stdout = Box::new(child.0.stdout.take().unwrap());
    let addr = first_line(stdout, "").parse().expect("an address");
    let _ = std::fs::remove_file(&ca_path);
    let mut host = Host::connect(addr);
    host.cmd("AT", "\r\nOK\r\n");
    host.error("AT+MQTTCONF?");
    host.error("AT+MQTTCONF?");
    host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n");
    host.cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 1,\"old\",\"pw\",\"old-dev\"\r\n\r\nOK\r\n",
    );
    host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"old/status\",1,0,\"gone: for good\"\r\n\r\nOK\r\n",
    );
    host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,0,5,3\r\n\"cmd/a\",\"x:y\"\r\n\r\nOK\r\n",
    );
    host.cmd("AT+MQTTREAD=1", "\r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n");
    host.cmd(
        "AT+MQTTREAD=2",
        "\r\n+MQTTREAD: 2,0,1,1\r\n\"t\",\"p\"\r\n\r\nOK\r\n",
    );
    host.cmd("AT+GTSSLVER?", "\r\n+GTSSLVER: 4\r\n\r\nOK\r\n");
    host.cmd("AT+GTSSLMODE?", "\r\n+GTSSLMODE: 1\r\n\r\nOK\r\n");
    host.cmd(
        "AT+GTSSLFILE?",
        "\r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n",
    );
    clock_answer(&mut host, ModuleTime::FACTORY);
    // The left client is subscribed at the binary's broker, and its will is there.
    let obs = Observer::new(broker, "obs", Some(("old", "pw")));
    obs.subscribe("old/status", QoS::AtLeastOnce);
    obs.publish("cmd/b", QoS::AtLeastOnce, false, b"z");
    host.line("+MQTTMSGI: 1,1,5,1");
    let stdin = child.0.stdin.as_mut().unwrap();
    stdin.write_all(b"drop-broker 1\n").unwrap();
    stdin.flush().unwrap();
    host.line("+MQTTBREAK: 1,1");
    host.line("+MQTTCLOSE: 1,1");
    assert_eq!(&obs.recv().payload[..], b"gone: for good");
}

#[test]
fn binary_refuses_an_impossible_previous_run() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
            .args(args)
            .output()
            .expect("run fibocom-sim");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = run(&["--left-client", "1=broker:1883"]);
    assert!(
        e.contains("a client left connected needs the data call up"),
        "{e}"
    );
    let e = run(&["--left-call", "--left-user", "2=u:p"]);
    assert!(e.contains("give --left-client 2 first"), "{e}");
    let e = run(&["--clock", "yesterday"]);
    assert!(
        e.contains("--clock wants real, factory or yy/MM/dd,hh:mm:ss+zz"),
        "{e}"
    );
    let e = run(&["--left-dropped", "1"]);
    assert!(e.contains("give --left-client 1 first"), "{e}");
    // After --left-client, it is accepted.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
        .args([
            "--left-client",
            "1=broker:1883",
            "--left-dropped",
            "1",
            "--help",
        ])
        .output()
        .expect("run fibocom-sim");
    assert_eq!(out.status.code(), Some(0));
    let e = run(&["--left-waiting", "3=t:p"]);
    assert!(e.contains("ID 1 or 2"), "{e}");
}

/// One opening of the pseudo-terminal's slave, read without blocking.
struct PtyHost(std::fs::File);

impl PtyHost {
    fn open(path: &std::path::Path) -> PtyHost {
        use nix::fcntl::{fcntl, FcntlArg, OFlag};
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .expect("open the pty");
        fcntl(&file, FcntlArg::F_SETFL(OFlag::O_NONBLOCK)).expect("non-blocking");
        PtyHost(file)
    }

    /// Sends `line` + CR and asserts that exactly `answer` comes back.
    fn cmd(&mut self, line: &str, answer: &str) {
        use std::io::{Read, Write};
        self.0.write_all(format!("{line}\r").as_bytes()).unwrap();
        let mut got = Vec::new();
        let deadline = std::time::Instant::now() + common::WAIT;
        let mut buf = [0u8; 256];
        while got.len() < answer.len() && std::time::Instant::now() < deadline {
            match self.0.read(&mut buf) {
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        assert_eq!(common::show(&got), common::show(answer.as_bytes()));
    }
}

#[test]
fn pty_link_keeps_the_state_from_one_opening_to_the_next() {
    let broker = other_broker(&[]);
    let config = SimConfig {
        broker: broker.addr().to_string(),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, Link::Pty).expect("pty simulator");
    let path = sim.pty_path().expect("pty path");
    let mut first = PtyHost::open(&path);
    first.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    first.cmd("AT+MIPCALL=1", "\r\nOK\r\n\r\n+MIPCALL: 10.2.83.148\r\n");
    first.cmd(
        "AT+MQTTOPEN=1,\"broker.example\",1883,1,60",
        "\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n",
    );
    drop(first);
    let mut second = PtyHost::open(&path);
    second.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n");
    second.cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    second.cmd("AT+MIPCALL=1", "\r\nERROR\r\n");
}

#[test]
fn client_left_connected_over_tls() {
    let pki = TestPki::new();
    let broker = Broker::start(BrokerOptions {
        tls: Some(TlsOptions::new(pki.server())),
        ..BrokerOptions::default()
    })
    .expect("TLS broker");
    let config = |clock: Clock| SimConfig {
        broker: broker.addr().to_string(),
        tls_broker: broker.tls_addr().map(|a| a.to_string()),
        clock,
        previous: PreviousRun::after(
            1,
            LeftClient::new("localhost", 8883)
                .client_id("tls-dev")
                .subscribed("down/#", 1)
                .tls(),
        )
        .tls(4, true)
        .tls_file(FileKind::Trust, pki.ca_pem().as_bytes()),
        ..SimConfig::default()
    };
    let tcp = || Link::Tcp("127.0.0.1:0".parse().unwrap());
    let sim = Simulator::start(config(Clock::Real), tcp()).unwrap();
    let mut host = Host::connect(sim.tcp_addr().unwrap());
    host.cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 1\r\n\r\nOK\r\n");
    // Subscribed at the broker, through its TLS listener.
    let obs = Observer::tls(broker.tls_addr().unwrap(), "obs", &pki.ca_pem(), None);
    obs.publish("down/x", QoS::AtLeastOnce, false, b"s");
    host.line("+MQTTMSGI: 1,1,6,1");
    host.cmd(
        "AT+MQTTREAD=1",
        "\r\n+MQTTREAD: 1,1,6,1\r\n\"down/x\",\"s\"\r\n\r\nOK\r\n",
    );
    host.ok("AT+MQTTCLOSE=1");
    host.line("+MQTTCLOSE: 1,1");
    // With a clock never set, that connection cannot be made again: the start says why.
    let e = Simulator::start(config(Clock::factory()), tcp())
        .err()
        .unwrap();
    assert!(
        e.to_string()
            .contains("client 1 left connected: the TLS handshake failed (+GTSSLERR: -11)"),
        "{e}"
    );
}

#[test]
fn client_dropped_while_nobody_listened_keeps_its_user_and_will() {
    let mut r = rig_with(&[], |c| {
        c.previous = PreviousRun::default().echo(false).client(
            1,
            LeftClient::new("broker.example", 1883)
                .client_id("old-dev")
                .will("old/status", 0, true, b"gone")
                .dropped(),
        );
    });
    r.host
        .cmd("AT+MQTTCLOSE?", "\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n");
    r.host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 1,\"\",\"\",\"old-dev\"\r\n\r\nOK\r\n",
    );
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"old/status\",0,1,\"gone\"\r\n\r\nOK\r\n",
    );
    r.host.error("AT+MQTTCLOSE=1");
    // Opened without setting them again, the old identifier and will are used.
    r.host.ok("AT+MIPCALL=1");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,1");
    let _thief = Observer::new(r.broker.addr(), "old-dev", None);
    r.host.line("+MQTTBREAK: 1,1");
    r.host.line("+MQTTCLOSE: 1,1");
    // Cut by the takeover, the connection left its will, retained: it was opened with it.
    let obs = r.observer("obs");
    obs.subscribe("old/status", QoS::AtMostOnce);
    let will = obs.recv();
    assert_eq!(&will.payload[..], b"gone");
    assert!(will.retain);
}
