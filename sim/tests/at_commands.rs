//! Command-level behaviour over the TCP link: echo, identity, network commands, every
//! command's limits, the read and test forms.

mod common;

use common::{closed_port, rig};

#[test]
fn echo_is_on_at_start_and_switchable() {
    let mut r = rig();
    r.host.cmd("AT", "AT\r\r\nOK\r\n");
    r.host.cmd("at", "at\r\r\nOK\r\n");
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.cmd("AT", "\r\nOK\r\n");
    r.host.cmd("ATE1", "\r\nOK\r\n");
    r.host
        .cmd("AT+CSQ", "AT+CSQ\r\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
    // CRLF line ends are accepted; the LF is neither echoed nor taken for a command.
    r.host.send(b"AT\r\n");
    r.host.expect(b"AT\r\r\nOK\r\n");
    // Bytes before the `A` of `AT` are dropped unseen.
    r.host.send(b"\0\xff\x1bAT\r");
    r.host.expect(b"AT\r\r\nOK\r\n");
    assert_eq!(
        r.sim.received_commands(),
        ["AT", "at", "ATE0", "AT", "ATE1", "AT+CSQ", "AT", "AT"]
    );
}

#[test]
fn identity_and_network() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.cmd(
        "ATI",
        "\r\nFibocom\r\nNL668-EU\r\n17000.1000.00.01.02.03\r\n\r\nOK\r\n",
    );
    r.host.cmd("AT+CGSN", "\r\n867698040123450\r\n\r\nOK\r\n");
    r.host.cmd("AT+CPIN?", "\r\n+CPIN: READY\r\n\r\nOK\r\n");
    r.host.cmd("AT+CSQ", "\r\n+CSQ: 31,99\r\n\r\nOK\r\n");
    r.host
        .cmd("AT+COPS?", "\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\nOK\r\n");
    r.host.cmd("AT+CREG?", "\r\n+CREG: 0,1\r\n\r\nOK\r\n");
    r.host.cmd("AT+CGREG?", "\r\n+CGREG: 0,1\r\n\r\nOK\r\n");
    r.host.cmd("AT+CEREG?", "\r\n+CEREG: 0,1\r\n\r\nOK\r\n");
    r.host.ok("AT+CEREG=2");
    r.host.cmd("AT+CEREG?", "\r\n+CEREG: 2,1\r\n\r\nOK\r\n");
    r.host.error("AT+CEREG=3");
    r.host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host.error("AT+MIPCALL=0");
    r.host.ok("AT+MIPCALL=1,\"CMNET\",\"user\",\"pass\"");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host
        .cmd("AT+MIPCALL?", "\r\n+MIPCALL: 1,10.2.83.148\r\n\r\nOK\r\n");
    r.host.error("AT+MIPCALL=1");
    r.host.ok("AT+MIPCALL=0");
    r.host.line("+MIPCALL: 0");
    r.host.cmd("AT+MIPCALL?", "\r\n+MIPCALL: 0\r\n\r\nOK\r\n");
    r.host.ok("AT+MIPCALL=1,\"CMNET\"");
    r.host.line("+MIPCALL: 10.2.83.148");
    r.host.error("AT+MIPCALL=2");
    r.host.error("AT+MIPCALL=1,CMNET");
}

#[test]
fn limits_of_every_command() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    let x = |n: usize| "x".repeat(n);
    // USER: id 1-2, user and password 0-128 bytes, ClientIDStr 1-23 bytes.
    r.host.ok(&format!(
        "AT+MQTTUSER=1,\"{}\",\"{}\",\"{}\"",
        x(128),
        x(128),
        x(23)
    ));
    r.host.ok("AT+MQTTUSER=2,\"\",\"\"");
    r.host.error(&format!("AT+MQTTUSER=1,\"{}\",\"\"", x(129)));
    r.host.error(&format!("AT+MQTTUSER=1,\"\",\"{}\"", x(129)));
    r.host
        .error(&format!("AT+MQTTUSER=1,\"u\",\"p\",\"{}\"", x(24)));
    r.host.error("AT+MQTTUSER=1,\"u\",\"p\",\"\"");
    r.host.error("AT+MQTTUSER=0,\"u\",\"p\"");
    r.host.error("AT+MQTTUSER=3,\"u\",\"p\"");
    r.host.error("AT+MQTTUSER=1,\"u\"");
    r.host.error("AT+MQTTUSER=1,u,p");
    // OPEN: host 1-255 bytes, port 1-65535, clean 0-1, keepalive 1-300.
    for bad in [
        "AT+MQTTOPEN=1,\"\",1883,1,60".to_string(),
        format!("AT+MQTTOPEN=1,\"{}\",1883,1,60", x(256)),
        "AT+MQTTOPEN=1,\"h\",0,1,60".into(),
        "AT+MQTTOPEN=1,\"h\",65536,1,60".into(),
        "AT+MQTTOPEN=1,\"h\",1883,2,60".into(),
        "AT+MQTTOPEN=1,\"h\",1883,1,0".into(),
        "AT+MQTTOPEN=1,\"h\",1883,1,301".into(),
        "AT+MQTTOPEN=3,\"h\",1883,1,60".into(),
        "AT+MQTTOPEN=1,\"h\",1883,1".into(),
        "AT+MQTTOPEN=1,\"h\", 1883,1,60".into(),
    ] {
        r.host.error(&bad);
    }
    // At the limits, OPEN is accepted (and fails later: no data call).
    r.host
        .ok(&format!("AT+MQTTOPEN=1,\"{}\",65535,0,300", x(255)));
    r.host.line("+MQTTOPEN: 1,0");
    // SUB / UNSUB: topic 1-255 printable bytes, qos 0-2.
    for bad in [
        "AT+MQTTSUB=1,\"\",0".to_string(),
        format!("AT+MQTTSUB=1,\"{}\",0", x(256)),
        "AT+MQTTSUB=1,\"t\",3".into(),
        "AT+MQTTSUB=1,\"t\x01\",0".into(),
        "AT+MQTTSUB=1,\"a/#/b\",0".into(),
        "AT+MQTTUNSUB=1,\"\"".into(),
        format!("AT+MQTTUNSUB=1,\"{}\"", x(256)),
        "AT+MQTTUNSUB=1,\"t\",0".into(),
    ] {
        r.host.error(&bad);
    }
    // PUB: qos 0-2, retain 0-1, text payload 0-1024, data size 1-1024, no wildcard topic.
    for bad in [
        format!("AT+MQTTPUB=1,\"t\",0,0,\"{}\"", x(1025)),
        "AT+MQTTPUB=1,\"t\",3,0,\"p\"".into(),
        "AT+MQTTPUB=1,\"t\",0,2,\"p\"".into(),
        "AT+MQTTPUB=1,\"t\",0,0,0".into(),
        "AT+MQTTPUB=1,\"t\",0,0,1025".into(),
        "AT+MQTTPUB=1,\"t/+\",0,0,\"p\"".into(),
        "AT+MQTTPUB=1,\"\",0,0,\"p\"".into(),
        "AT+MQTTPUB=1,\"t\",0,0,\"a\"b\"".into(),
    ] {
        r.host.error(&bad);
    }
    // CONF 0-1, READ id 1-2.
    r.host.error("AT+MQTTCONF=2");
    r.host.error("AT+MQTTREAD=3");
    r.host.error("AT+MQTTCLOSE=0");
    // WILL: topic 1-255 without wildcards, qos 0-2, retain 0-1, payload 0-1024 text or a
    // data size of 1-1024.
    r.host
        .ok(&format!("AT+MQTTWILL=1,\"{}\",2,1,\"{}\"", x(255), x(1024)));
    r.host.ok("AT+MQTTWILL=2,\"w\",0,0,\"\"");
    for bad in [
        format!("AT+MQTTWILL=1,\"{}\",0,0,\"p\"", x(256)),
        format!("AT+MQTTWILL=1,\"t\",0,0,\"{}\"", x(1025)),
        "AT+MQTTWILL=1,\"t\",3,0,\"p\"".into(),
        "AT+MQTTWILL=1,\"t\",0,2,\"p\"".into(),
        "AT+MQTTWILL=1,\"t/#\",0,0,\"p\"".into(),
        "AT+MQTTWILL=1,\"t\",0,0,0".into(),
        "AT+MQTTWILL=1,\"t\",0,0,1025".into(),
    ] {
        r.host.error(&bad);
    }
    // Unknown commands and forms.
    r.host.error("AT+MQTTSUB?");
    r.host.error("AT+NOSUCH");
    r.host
        .error(&format!("AT+MQTTPUB=1,\"t\",0,0,\"{}\"", x(5000)));
}

#[test]
fn read_and_test_forms() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    let info = |text: &str| format!("\r\n{text}\r\n\r\nOK\r\n");
    for (cmd, answer) in [
        ("AT+MQTTUSER=?", "+MQTTUSER: (1,2),128,128,23"),
        (
            "AT+MQTTOPEN=?",
            "+MQTTOPEN: (1,2),255,(1-65535),(0,1),(1-300)",
        ),
        ("AT+MQTTCLOSE=?", "+MQTTCLOSE: (1,2)"),
        ("AT+MQTTSUB=?", "+MQTTSUB: (1,2),255,(0-2)"),
        ("AT+MQTTUNSUB=?", "+MQTTUNSUB: (1,2),255"),
        ("AT+MQTTPUB=?", "+MQTTPUB: (1,2),255,(0-2),(0,1),1024"),
        ("AT+MQTTCONF=?", "+MQTTCONF: (0,1)"),
        ("AT+MQTTREAD=?", "+MQTTREAD: (1,2)"),
        ("AT+MQTTWILL=?", "+MQTTWILL: (1,2),255,(0-2),(0,1),1024"),
        ("AT+MQTTOPEN?", "+MQTTOPEN: 1,2"),
        ("AT+MQTTCLOSE?", "+MQTTCLOSE: 0"),
        ("AT+MQTTCONF?", "+MQTTCONF: 0"),
    ] {
        r.host.cmd(cmd, &info(answer));
    }
    r.host.ok("AT+MQTTUSER?");
    r.host.ok("AT+MQTTWILL?");
    r.host.ok("AT+MQTTUSER=2,\"bob\",\"secret\"");
    r.host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 2,\"bob\",\"secret\"\r\n\r\nOK\r\n",
    );
    r.host.ok("AT+MQTTUSER=1,\"al\",\"pw\",\"dev-1\"");
    r.host.cmd(
        "AT+MQTTUSER?",
        "\r\n+MQTTUSER: 1,\"al\",\"pw\",\"dev-1\"\r\n+MQTTUSER: 2,\"bob\",\"secret\"\r\n\r\nOK\r\n",
    );
    r.host
        .ok("AT+MQTTWILL=1,\"dead\",1,1,\"Tell you, I'm dead.\"");
    r.host.cmd(
        "AT+MQTTWILL?",
        "\r\n+MQTTWILL: 1,\"dead\",1,1,\"Tell you, I'm dead.\"\r\n\r\nOK\r\n",
    );
    r.host.ok("AT+MQTTCONF=1");
    r.host.cmd("AT+MQTTCONF?", &info("+MQTTCONF: 1"));
    r.host.cmd("AT+MQTTREAD=2", &info("+MQTTREAD: 2,0,0,0"));
}

#[test]
fn commands_that_need_a_connection() {
    let mut r = rig();
    r.online();
    r.host.error("AT+MQTTSUB=1,\"t\",0");
    r.host.error("AT+MQTTUNSUB=1,\"t\"");
    r.host.error("AT+MQTTPUB=1,\"t\",0,0,\"p\"");
    r.host.error("AT+MQTTPUB=1,\"t\",0,0,5");
    r.host.error("AT+MQTTCLOSE=1");
    // A closed port: OK, then status 0; the client can be opened again.
    let port = closed_port();
    r.host
        .ok(&format!("AT+MQTTOPEN=1,\"127.0.0.1\",{port},1,60"));
    r.host.line("+MQTTOPEN: 1,0");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
    // An unknown host fails the same way.
    r.host.ok("AT+MQTTOPEN=2,\"nowhere.invalid\",1883,1,60");
    r.host.line("+MQTTOPEN: 2,0");
}

#[test]
fn open_without_data_call_fails_with_status_0() {
    let mut r = rig();
    r.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
    r.host.ok("AT+MQTTOPEN=1,\"broker.example\",1883,1,60");
    r.host.line("+MQTTOPEN: 1,0");
    r.host
        .cmd("AT+MQTTOPEN?", "\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n");
}
