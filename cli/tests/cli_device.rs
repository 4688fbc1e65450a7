//! The device side: `at`, `info`, `--at-trace`, the data call, and the errors of a device that
//! is missing, silent or misused.

mod common;

use std::time::{Duration, Instant};

use common::{bin, creds, rig, Via};

#[test]
fn at_prints_the_answer_lines() {
    for via in [Via::Pty, Via::Tcp] {
        let rig = rig(via);
        let done = rig.run(&["at", "AT+CSQ"], None).ok();
        assert_eq!(done.out(), "+CSQ: 31,99\nOK\n");
        // The leading AT may be left out; the echo is never shown.
        let done = rig.run(&["at", "+COPS?"], None).ok();
        assert_eq!(done.out(), "+COPS: 0,0,\"CHN-UNICOM\",7\nOK\n");
        // A line rate is set on a tty, and harmlessly not on a pty or TCP.
        let done = rig.run(&["--baud", "9600", "at", "AT"], None).ok();
        assert_eq!(done.out(), "OK\n");
    }
}

#[test]
fn at_fails_on_error() {
    let rig = rig(Via::Tcp);
    let done = rig
        .run(&["at", "AT+NOSUCH"], None)
        .fails_with("the module answered ERROR");
    assert_eq!(done.out(), "ERROR\n");
    let before = rig.command_count();
    let done = rig
        .run(&["at", "AT+CSQ\x01"], None)
        .fails_with("AT command: byte 0x01 at character 5 cannot be sent");
    assert_eq!(done.status.code(), Some(2));
    assert_eq!(rig.command_count(), before);
}

#[test]
fn info_shows_the_module() {
    let rig = rig(Via::Pty);
    let done = rig.run(&["info"], None).ok();
    let out = done.out();
    for line in [
        "Identity:          Fibocom\n",
        "                   NL668-EU\n",
        "SIM:               ready\n",
        "Signal:            -51 dBm (rssi 31, ber 99)\n",
        "EPS registration:  registered (home) (stat 1)\n",
        "Operator:          CHN-UNICOM (LTE)\n",
        "Data call:         down\n",
        "Free MQTT clients: 1, 2\n",
    ] {
        assert!(out.contains(line), "no {line:?} in:\n{out}");
    }
    // info leaves the module's settings alone.
    assert!(!rig.received("ATE0"));
    assert!(!rig.received("AT+MQTTCONF"));
    // After a publish, the data call is up.
    rig.run(&creds(&["pub", "-t", "t", "-m", "x"]), None).ok();
    let out = rig.run(&["info"], None).ok().out();
    assert!(
        out.contains("Data call:         up, 10.2.83.148\n"),
        "{out}"
    );
}

#[test]
fn at_trace_prints_every_line_with_a_timestamp() {
    let rig = rig(Via::Tcp);
    let done = rig.run(&["--at-trace", "at", "AT+CSQ"], None).ok();
    let lines: Vec<&str> = done.stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{}", done.stderr);
    for (line, text) in
        lines
            .iter()
            .zip(["AT> AT+CSQ\\r", "AT< AT+CSQ", "AT< +CSQ: 31,99", "AT< OK"])
    {
        let (time, rest) = line.split_once(' ').unwrap();
        assert_eq!(rest, text);
        let b = time.as_bytes();
        assert_eq!(b.len(), 12, "{time}");
        assert!(b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b':',
            8 => *c == b'.',
            _ => c.is_ascii_digit(),
        }));
    }
    assert_eq!(done.out(), "+CSQ: 31,99\nOK\n");
    // Without the option, stderr stays quiet.
    assert_eq!(rig.run(&["at", "AT+CSQ"], None).ok().stderr, "");
}

#[test]
fn data_call_is_dialled_with_the_apn_or_reused() {
    let rig = rig(Via::Pty);
    rig.run(
        &creds(&[
            "pub",
            "--apn",
            "internet",
            "--apn-user",
            "web",
            "--apn-pass",
            "pw",
            "-t",
            "t",
            "-m",
            "1",
        ]),
        None,
    )
    .ok();
    assert!(rig.received("AT+MIPCALL=1,\"internet\",\"web\",\"pw\""));
    // Without --apn, the call that is up is used.
    let from = rig.command_count();
    rig.run(&creds(&["pub", "-t", "t", "-m", "2"]), None).ok();
    let cmds = rig.commands_from(from);
    assert!(cmds.iter().any(|c| c == "AT+MIPCALL?"), "{cmds:?}");
    assert!(
        !cmds.iter().any(|c| c.starts_with("AT+MIPCALL=")),
        "{cmds:?}"
    );
    // With --apn while a call is up (start-up found it), the call is kept: no second dial.
    let from = rig.command_count();
    rig.run(
        &creds(&["pub", "--apn", "other", "-t", "t", "-m", "3"]),
        None,
    )
    .ok();
    let cmds = rig.commands_from(from);
    assert!(
        !cmds.iter().any(|c| c.starts_with("AT+MIPCALL=")),
        "{cmds:?}"
    );
    assert!(cmds.iter().any(|c| c.starts_with("AT+MQTTPUB")), "{cmds:?}");
}

#[test]
fn without_apn_a_call_is_dialled_only_when_none_is_up() {
    let rig = rig(Via::Tcp);
    rig.run(&creds(&["pub", "-t", "t", "-m", "1"]), None).ok();
    let cmds = rig.commands_from(0);
    let query = cmds.iter().position(|c| c == "AT+MIPCALL?").expect("query");
    let dial = cmds.iter().position(|c| c == "AT+MIPCALL=1").expect("dial");
    assert!(query < dial);
}

#[test]
fn device_from_the_environment() {
    let rig = rig(Via::Pty);
    let done = bin()
        .env("FIBOCOM_DEVICE", &rig.device)
        .args(["at", "AT+CSQ"])
        .output()
        .unwrap();
    assert!(done.status.success());
    assert_eq!(done.stdout, b"+CSQ: 31,99\nOK\n");
}

fn run_plain(args: &[&str]) -> std::process::Output {
    bin().args(args).output().unwrap()
}

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn device_errors_are_clear() {
    let o = run_plain(&["-D", "/dev/no-such-tty", "info"]);
    assert!(!o.status.success());
    assert_eq!(
        stderr(&o),
        "fibocom-mqtt: device /dev/no-such-tty not found (is the module plugged in?)\n"
    );
    let o = run_plain(&["info"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("no device given"), "{}", stderr(&o));
    let o = run_plain(&["-D", "/dev/null", "info"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("/dev/null is not a serial device"),
        "{}",
        stderr(&o)
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let o = run_plain(&["-D", &format!("tcp://127.0.0.1:{port}"), "info"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("cannot connect to tcp://127.0.0.1:"),
        "{}",
        stderr(&o)
    );
    let o = run_plain(&["-D", "/dev/null", "--baud", "12345", "info"]);
    assert!(
        stderr(&o).contains("unsupported baud rate 12345"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_silent_module_is_reported_in_seconds() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let hold = std::thread::spawn(move || {
        let (socket, _) = listener.accept().unwrap();
        std::thread::sleep(Duration::from_secs(15));
        drop(socket);
    });
    let started = Instant::now();
    let o = run_plain(&["-D", &format!("tcp://{addr}"), "pub", "-t", "t", "-m", "x"]);
    assert!(!o.status.success());
    assert!(started.elapsed() < Duration::from_secs(14));
    assert!(
        stderr(&o).contains("no answer from the module on tcp://"),
        "{}",
        stderr(&o)
    );
    drop(hold);
}

#[test]
fn help_uses_mosquitto_names() {
    let o = run_plain(&["--help"]);
    assert!(o.status.success());
    let top = String::from_utf8_lossy(&o.stdout).into_owned();
    for word in [
        "pub",
        "sub",
        "at",
        "info",
        "--device",
        "--debug",
        "--at-trace",
        "--version",
    ] {
        assert!(top.contains(word), "{word} missing in:\n{top}");
    }
    let o = run_plain(&["pub", "--help"]);
    assert!(o.status.success());
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    for word in [
        "-h, --host",
        "-p, --port",
        "-P, --pw",
        "-l, --stdin-line",
        "--will-topic",
        "--modem-client",
    ] {
        assert!(help.contains(word), "{word} missing in:\n{help}");
    }
    let o = run_plain(&["sub", "--help"]);
    let help = String::from_utf8_lossy(&o.stdout).into_owned();
    for word in ["-C <COUNT>", "-W <SECONDS>", "--reconnect", "-v, --verbose"] {
        assert!(help.contains(word), "{word} missing in:\n{help}");
    }
    let o = run_plain(&["pub", "-t"]);
    assert_eq!(o.status.code(), Some(2));
}
