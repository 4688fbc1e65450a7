//! Every argument is checked before the device is opened: exit status 2, one line on stderr
//! in the command line's words, and nothing attempted (no connection to the device).

mod common;

use std::net::TcpListener;

use common::bin;

/// A TCP "device" that must see no connection.
struct Untouched(TcpListener);

impl Untouched {
    fn new() -> Untouched {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.set_nonblocking(true).unwrap();
        Untouched(l)
    }

    fn device(&self) -> String {
        format!("tcp://{}", self.0.local_addr().unwrap())
    }

    fn assert_untouched(&self) {
        match self.0.accept() {
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            other => panic!("the device was contacted: {other:?}"),
        }
    }
}

/// Runs `args` against a device nobody answers on; asserts exit 2, `message` as the whole of
/// stderr (after the program name), and no connection attempt.
fn refused(args: &[&str], message: &str) {
    let dev = Untouched::new();
    let o = bin()
        .arg("-D")
        .arg(dev.device())
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr, format!("fibocom-mqtt: {message}\n"), "{args:?}");
    assert!(o.stdout.is_empty());
    dev.assert_untouched();
    // And on a serial path that does not exist: the check comes before the open.
    let o = bin()
        .args(["-D", "/dev/fibocom-none"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{args:?}");
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!("fibocom-mqtt: {message}\n")
    );
}

/// Like [`refused`], for clap's own errors: exit 2 and `text` in its message.
fn refused_by_clap(args: &[&str], text: &str) {
    let dev = Untouched::new();
    let o = bin()
        .arg("-D")
        .arg(dev.device())
        .args(args)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {stderr}");
    assert!(stderr.contains(text), "{args:?}: {stderr}");
    dev.assert_untouched();
}

const QUOTES: &str = "only printable ASCII without '\"'";

#[test]
fn topics_and_filters() {
    refused(
        &["pub", "-t", "a\"b", "-m", "x"],
        &format!("topic: '\"' at character 2 cannot be sent: the module takes it in quotes, which hold {QUOTES}"),
    );
    refused(
        &["pub", "-t", "a/#", "-m", "x"],
        "topic: 'a/#' holds the wildcard '#', which only a subscription's filter may",
    );
    refused(
        &["pub", "-t", "a/+/b", "-m", "x"],
        "topic: 'a/+/b' holds the wildcard '+', which only a subscription's filter may",
    );
    refused(
        &["pub", "-t", &"t".repeat(256), "-m", "x"],
        "topic: 256 bytes, at most 255",
    );
    refused(
        &["pub", "-t", "", "-m", "x"],
        "topic: empty, at least 1 byte",
    );
    refused(
        &["sub", "-t", "ok/#", "-t", "a/#/b"],
        "topic filter: 'a/#/b': '#' must be the whole last level (as in 'a/#')",
    );
    refused(
        &["sub", "-t", "a+"],
        "topic filter: 'a+': '+' must be a whole level (as in 'a/+/b')",
    );
    refused(
        &["sub", "-t", "a\rb"],
        &format!("topic filter: a carriage return at character 2 cannot be sent: the module takes it in quotes, which hold {QUOTES}"),
    );
}

#[test]
fn message_client_id_and_will() {
    refused(
        &["pub", "-t", "t", "-m", &"x".repeat(2000)],
        "message: 2000 bytes, at most 1024",
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "-i", &"i".repeat(24)],
        "client id: 24 bytes, at most 23",
    );
    refused(
        &["sub", "-t", "t", "-i", ""],
        "client id: empty, at least 1 byte",
    );
    refused(
        &[
            "pub",
            "-t",
            "t",
            "-m",
            "x",
            "--will-topic",
            "w",
            "--will-payload",
            &"w".repeat(1025),
        ],
        "will payload: 1025 bytes, at most 1024",
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "--will-topic", "w/#"],
        "will topic: 'w/#' holds the wildcard '#', which only a subscription's filter may",
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "-u", &"u".repeat(129)],
        "user name: 129 bytes, at most 128",
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "-P", "p\"w"],
        &format!("password: '\"' at character 2 cannot be sent: the module takes it in quotes, which hold {QUOTES}"),
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "-h", ""],
        "host: empty, at least 1 byte",
    );
    refused(
        &["pub", "-t", "t", "-m", "x", "--apn", &"a".repeat(101)],
        "APN: 101 bytes, at most 100",
    );
    // A message with quotes or any bytes is fine: it goes through the data form. Here the
    // check passes and the device is opened (and is not there).
    let o = bin()
        .args([
            "-D",
            "/dev/fibocom-none",
            "pub",
            "-t",
            "t",
            "-m",
            "say \"hi\"",
        ])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "fibocom-mqtt: device /dev/fibocom-none not found (is the module plugged in?)\n"
    );
}

#[test]
fn numbers_format_and_at_commands() {
    refused_by_clap(
        &["pub", "-t", "t", "-m", "x", "-q", "3"],
        "3 is not in 0..=2",
    );
    refused_by_clap(
        &["pub", "-t", "t", "-m", "x", "-p", "0"],
        "0 is not in 1..=65535",
    );
    refused_by_clap(&["sub", "-t", "t", "-k", "0"], "0 is not in 1..=300");
    refused_by_clap(
        &["sub", "-t", "t", "--will-qos", "7", "--will-topic", "w"],
        "7 is not in 0..=2",
    );
    refused_by_clap(
        &["sub", "-t", "t", "--modem-client", "3"],
        "3 is not in 1..=2",
    );
    refused_by_clap(&["at", "CSQ", "-t", "x"], "unexpected argument '-t'");
    refused_by_clap(&["info", "--apn", "x"], "unexpected argument '--apn'");
    refused_by_clap(
        &["pub", "-t", "t", "-m", "x", "-R"],
        "unexpected argument '-R'",
    );
    refused(
        &["sub", "-t", "t", "-F", "%t %z"],
        "format (-F): '%t %z' has an unknown % sequence; %t %p %x %q %r %l %I %U %j %% and \\n \\t \\\\ are known",
    );
    refused(
        &["at", "AT+CSQ\u{1}"],
        &format!("AT command: byte 0x01 at character 5 cannot be sent: the module takes it in quotes, which hold {QUOTES}"),
    );
    refused(
        &["at", &format!("AT+{}", "X".repeat(1500))],
        "AT command: 1501 bytes, at most 1500",
    );
}

#[test]
fn no_device_is_a_usage_error() {
    let o = bin().args(["sub", "-t", "t"]).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "fibocom-mqtt: no device given: use -D PATH (or tcp://HOST:PORT) or set FIBOCOM_DEVICE\n"
    );
}

#[test]
fn a_tcp_device_without_a_port_is_a_usage_error() {
    for device in [
        "tcp://localhost",
        "tcp://127.0.0.1/",
        "tcp://[::1]",
        "tcp://host:",
    ] {
        let o = bin()
            .args(["sub", "-t", "t", "-D", device])
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{device}");
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            format!("fibocom-mqtt: -D {device}: a TCP device needs a port: -D tcp://HOST:PORT\n")
        );
    }
}

#[test]
fn version() {
    let o = bin().arg("--version").output().unwrap();
    assert!(o.status.success());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        format!("fibocom-mqtt {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn each_command_offers_only_its_own_options() {
    let help = |cmd: &str| {
        let o = bin().args([cmd, "--help"]).output().unwrap();
        assert!(o.status.success());
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let (publ, sub, at, info) = (help("pub"), help("sub"), help("at"), help("info"));
    for common in ["--device", "--baud", "-d, --debug"] {
        for h in [&publ, &sub, &at, &info] {
            assert!(h.contains(common), "{common} missing in:\n{h}");
        }
    }
    for broker in ["--host", "--modem-client", "--apn", "--will-topic", "--qos"] {
        assert!(publ.contains(broker) && sub.contains(broker), "{broker}");
        assert!(!at.contains(broker) && !info.contains(broker), "{broker}");
    }
    for only_sub in [
        "-N ",
        "-R ",
        "-F <FORMAT>",
        "-C <COUNT>",
        "-W <SECONDS>",
        "--reconnect",
        "--verbose",
    ] {
        assert!(sub.contains(only_sub), "{only_sub}");
        assert!(
            !publ.contains(only_sub) && !at.contains(only_sub),
            "{only_sub}"
        );
    }
    for only_pub in ["--retain", "--message", "--stdin-line", "--null-message"] {
        assert!(publ.contains(only_pub), "{only_pub}");
        assert!(!sub.contains(only_pub), "{only_pub}");
    }
    assert!(at.contains("--timeout") && !publ.contains("--timeout"));
}
