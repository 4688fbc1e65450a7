//! The links and their extras: TCP reconnection, pseudo-terminal, line rate, transcript, and
//! the command-line binary with its control commands.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{rig, rig_with, show, Host, WAIT};
use fibocom_sim::{Link, SimConfig, Simulator};

#[test]
fn tcp_reconnect_keeps_module_state() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.ok("AT+MQTTCONF=1");
    drop(std::mem::replace(
        &mut r.host,
        Host::connect(r.sim.tcp_addr().unwrap()),
    ));
    r.host.cmd("AT+MQTTCONF?", "\r\n+MQTTCONF: 1\r\n\r\nOK\r\n");
}

#[test]
fn pty_link_answers() {
    let sim = Simulator::start(SimConfig::default(), Link::Pty).expect("pty simulator");
    let path = sim.pty_path().expect("pty path");
    let mut port = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .expect("open the pty");
    let mut reader = port.try_clone().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    port.write_all(b"AT+CPIN?\r").unwrap();
    let expected = b"AT+CPIN?\r\r\n+CPIN: READY\r\n\r\nOK\r\n";
    let mut got = Vec::new();
    let deadline = Instant::now() + WAIT;
    while got.len() < expected.len() && Instant::now() < deadline {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            got.extend(chunk);
        }
    }
    assert_eq!(show(&got), show(expected));
}

#[test]
fn baud_rate_paces_both_directions() {
    // 9600 bit/s: 960 bytes per second.
    let mut r = rig_with(&[], |c| c.baud = Some(9600));
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    let start = Instant::now();
    // 240 bytes in, 9 bytes out: at least a quarter of a second.
    r.host.error(&format!("AT+X{}", "y".repeat(235)));
    let took = start.elapsed();
    assert!(took >= Duration::from_millis(250), "took {took:?}");
    assert!(took < Duration::from_secs(3), "took {took:?}");
}

#[test]
fn transcript_records_both_directions() {
    let dir = std::env::temp_dir().join(format!("fibocom-sim-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("transcript.txt");
    let mut r = rig_with(&[], |c| c.transcript = Some(path.clone()));
    r.host.cmd("AT", "AT\r\r\nOK\r\n");
    r.host.send(b"\x01\r");
    std::thread::sleep(Duration::from_millis(200));
    drop(r);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("-- host attached: tcp 127.0.0.1:"), "{text}");
    assert!(text.contains("] >> AT\\r\n"), "{text}");
    assert!(text.contains("] << AT\\r\\r\\nOK\\r\\n\n"), "{text}");
    assert!(text.contains("] >> \\x01\\r\n"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
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
fn binary_serves_tcp_and_obeys_control_commands() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
            .args(["--tcp", "127.0.0.1:0", "--no-close-after-break"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run fibocom-sim"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(WAIT).expect("address on stdout");
    let addr = first.trim().parse().expect("an address");
    let mut host = Host::connect(addr);
    host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    host.ok("AT+MIPCALL=1");
    host.line("+MIPCALL: 10.2.83.148");
    host.ok("AT+MQTTOPEN=1,\"broker\",1883,1,60");
    host.line("+MQTTOPEN: 1,1");
    let stdin = child.0.stdin.as_mut().unwrap();
    stdin
        .write_all(b"inject +CREG: 5\ndrop-broker 1\nreboot\n")
        .unwrap();
    stdin.flush().unwrap();
    host.line("+CREG: 5");
    host.line("+MQTTBREAK: 1,1");
    host.line("RDY");
    host.cmd("AT", "AT\r\r\nOK\r\n");
}

#[test]
fn binary_serves_stdio_until_stdin_ends() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
            .args(["--stdio", "--broker", "127.0.0.1:1"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run fibocom-sim"),
    );
    let mut stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        while let Ok(n) = stdout.read(&mut buf) {
            if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                return;
            }
        }
    });
    let mut stdin = child.0.stdin.take().unwrap();
    stdin.write_all(b"ATE0\rAT+CSQ\r").unwrap();
    stdin.flush().unwrap();
    let expected = b"ATE0\r\r\nOK\r\n\r\n+CSQ: 31,99\r\n\r\nOK\r\n";
    let mut got = Vec::new();
    let deadline = Instant::now() + WAIT;
    while got.len() < expected.len() && Instant::now() < deadline {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(50)) {
            got.extend(chunk);
        }
    }
    assert_eq!(show(&got), show(expected));
    // The end of stdin ends the process.
    drop(stdin);
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            assert!(status.success());
            break;
        }
        assert!(Instant::now() < deadline, "still running after stdin ended");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn binary_takes_the_field_variant_options() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
            .args([
                "--tcp",
                "127.0.0.1:0",
                "--spaced",
                "--break-report",
                "lose",
                "--old-firmware",
                "--no-will-data",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run fibocom-sim"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let first = rx.recv_timeout(WAIT).expect("address on stdout");
    let addr = first.trim().parse().expect("an address");
    let mut host = Host::connect(addr);
    host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    host.error("AT+MQTTCONF=1");
    host.error("AT+MQTTWILL=1,\"w\",0,0,3");
    host.ok("AT+MIPCALL=1");
    host.line("+MIPCALL: 10.2.83.148");
    host.ok("AT+MQTTOPEN=1,\"broker\",1883,1,60");
    host.line("+MQTTOPEN: 1, 1");
    let stdin = child.0.stdin.as_mut().unwrap();
    stdin.write_all(b"drop-broker 1\n").unwrap();
    stdin.flush().unwrap();
    host.line("+MQTTLOSE: 1, 1");
    host.line("+MQTTCLOSE: 1, 1");
}

#[test]
fn binary_refuses_an_unknown_break_report() {
    let out = Command::new(env!("CARGO_BIN_EXE_fibocom-sim"))
        .args(["--break-report", "vanish"])
        .output()
        .expect("run fibocom-sim");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown break report vanish"), "{err}");
}
