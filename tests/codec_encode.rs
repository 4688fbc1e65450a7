//! Command encoding: exact bytes of every command, the three ways of writing agree, and every
//! limit of docs/protocol.md section 3 at its boundary.

use embassy_futures::block_on;
use fibocom_mqtt::codec::command::is_text;
use fibocom_mqtt::codec::{
    Command, EncodeError, Field, Form, LineEnd, MqttCommand, PayloadForm, Query, Rule, WriteError,
};
use fibocom_mqtt::{ClientId, QoS, ReceiveMode};

// ---------------------------------------------------------------------------------------------
// Writers

/// A blocking and async writer that appends to a `Vec`, taking at most `chunk` bytes per call.
struct VecWriter {
    out: Vec<u8>,
    chunk: usize,
}

impl VecWriter {
    fn new() -> Self {
        VecWriter {
            out: Vec::new(),
            chunk: usize::MAX,
        }
    }

    /// A writer that takes one byte per call (short writes).
    fn trickle() -> Self {
        VecWriter {
            out: Vec::new(),
            chunk: 1,
        }
    }

    fn take(&mut self, buf: &[u8]) -> usize {
        let n = buf.len().min(self.chunk);
        self.out.extend_from_slice(&buf[..n]);
        n
    }
}

impl embedded_io::ErrorType for VecWriter {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for VecWriter {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(self.take(buf))
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io_async::Write for VecWriter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(self.take(buf))
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// A writer that accepts `room` bytes, then fails.
struct FailingWriter {
    out: Vec<u8>,
    room: usize,
}

impl FailingWriter {
    fn put(&mut self, buf: &[u8]) -> Result<usize, embedded_io::ErrorKind> {
        if self.room == 0 {
            return Err(embedded_io::ErrorKind::BrokenPipe);
        }
        let n = buf.len().min(self.room);
        self.out.extend_from_slice(&buf[..n]);
        self.room -= n;
        Ok(n)
    }
}

impl embedded_io::ErrorType for FailingWriter {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.put(buf)
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io_async::Write for FailingWriter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.put(buf)
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

const ENDS: [(LineEnd, &str); 2] = [(LineEnd::Cr, "\r"), (LineEnd::CrLf, "\r\n")];

/// Encodes `cmd` four ways (`encode`, `write`, `write` with one-byte writes, `write_async`),
/// checks they agree with each other and with `encoded_len`, and returns the bytes.
fn encode_all_ways(cmd: &Command<'_>, end: LineEnd) -> Vec<u8> {
    let mut buf = [0u8; 2048];
    let n = cmd.encode(&mut buf, end).expect("encode");
    let bytes = buf[..n].to_vec();
    assert_eq!(cmd.encoded_len(end), Ok(n), "encoded_len of {cmd:?}");
    assert_eq!(cmd.validate(), Ok(()));

    let mut w = VecWriter::new();
    cmd.write(&mut w, end).expect("write");
    assert_eq!(w.out, bytes, "write of {cmd:?}");

    let mut w = VecWriter::trickle();
    cmd.write(&mut w, end).expect("write, one byte at a time");
    assert_eq!(w.out, bytes, "short writes of {cmd:?}");

    let mut w = VecWriter::new();
    block_on(cmd.write_async(&mut w, end)).expect("write_async");
    assert_eq!(w.out, bytes, "write_async of {cmd:?}");

    let mut w = VecWriter::trickle();
    block_on(cmd.write_async(&mut w, end)).expect("write_async, one byte at a time");
    assert_eq!(w.out, bytes, "short async writes of {cmd:?}");

    bytes
}

/// `cmd` encodes to `line` followed by the line end, with both line ends.
#[track_caller]
fn check(cmd: Command<'_>, line: &str) {
    for (end, suffix) in ENDS {
        let got = encode_all_ways(&cmd, end);
        let want = format!("{line}{suffix}");
        assert_eq!(String::from_utf8_lossy(&got), want, "{cmd:?} with {end:?}");
        assert_eq!(got, want.as_bytes());
    }
}

/// `cmd` is refused with exactly `field` / `rule`, by every entry point, and nothing is written.
#[track_caller]
fn refused(cmd: Command<'_>, field: Field, rule: Rule) {
    let want = EncodeError::Invalid { field, rule };
    assert_eq!(cmd.validate(), Err(want), "validate {cmd:?}");
    for (end, _) in ENDS {
        assert_eq!(cmd.encoded_len(end), Err(want), "encoded_len {cmd:?}");

        let mut buf = [0xa5u8; 4096];
        assert_eq!(cmd.encode(&mut buf, end), Err(want), "encode {cmd:?}");
        assert!(
            buf.iter().all(|&b| b == 0xa5),
            "encode wrote into the buffer"
        );

        let mut w = VecWriter::new();
        assert_eq!(cmd.write(&mut w, end), Err(WriteError::Encode(want)));
        assert!(w.out.is_empty(), "write wrote {:?}", w.out);

        let mut w = VecWriter::new();
        assert_eq!(
            block_on(cmd.write_async(&mut w, end)),
            Err(WriteError::Encode(want))
        );
        assert!(w.out.is_empty(), "write_async wrote {:?}", w.out);
    }
}

/// `cmd` is accepted (encodes without error).
#[track_caller]
fn accepted(cmd: Command<'_>) -> Vec<u8> {
    assert_eq!(cmd.validate(), Ok(()), "{cmd:?}");
    encode_all_ways(&cmd, LineEnd::Cr)
}

fn s(n: usize) -> String {
    // A printable, varied string of n bytes.
    (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

fn forbidden(byte: u8, at: u16) -> Rule {
    Rule::ForbiddenByte { byte, at }
}

/// The rule a value of `len` bytes breaks when `max` is allowed.
fn too_long(max: u16, len: usize) -> Rule {
    assert!(len > usize::from(max));
    Rule::TooLong { max }
}

const ONE: ClientId = ClientId::One;
const TWO: ClientId = ClientId::Two;

fn publish<'a>(topic: &'a str, payload: &'a [u8], form: PayloadForm) -> Command<'a> {
    Command::Publish {
        id: ONE,
        topic,
        qos: QoS::AtMostOnce,
        retain: false,
        payload,
        form,
    }
}

fn subscribe(topic: &str) -> Command<'_> {
    Command::Subscribe {
        id: ONE,
        topic,
        qos: QoS::AtMostOnce,
    }
}

fn user<'a>(user: &'a str, password: &'a str, client_id: Option<&'a str>) -> Command<'a> {
    Command::User {
        id: ONE,
        user,
        password,
        client_id,
    }
}

fn open(host: &str, port: u16, keepalive: u16) -> Command<'_> {
    Command::Open {
        id: ONE,
        host,
        port,
        clean_session: true,
        keepalive,
    }
}

/// A will in the text form.
fn will<'a>(topic: &'a str, payload: &'a str) -> Command<'a> {
    will_in(topic, payload.as_bytes(), PayloadForm::Text)
}

fn will_in<'a>(topic: &'a str, payload: &'a [u8], form: PayloadForm) -> Command<'a> {
    Command::Will {
        id: ONE,
        topic,
        qos: QoS::AtMostOnce,
        retain: false,
        payload,
        form,
    }
}

fn mipcall<'a>(apn: Option<&'a str>, credentials: Option<(&'a str, &'a str)>) -> Command<'a> {
    Command::MipCallUp { apn, credentials }
}

// ---------------------------------------------------------------------------------------------
// Exact bytes

#[test]
fn basic_commands() {
    check(Command::At, "AT");
    check(Command::Echo(false), "ATE0");
    check(Command::Echo(true), "ATE1");
    check(Command::Query(Query::Ati), "ATI");
    check(Command::Query(Query::Cpin), "AT+CPIN?");
    check(Command::Query(Query::Csq), "AT+CSQ");
    check(Command::Query(Query::Cops), "AT+COPS?");
    check(Command::Query(Query::Creg), "AT+CREG?");
    check(Command::Query(Query::Cgreg), "AT+CGREG?");
    check(Command::Query(Query::Cereg), "AT+CEREG?");
    check(Command::Query(Query::MipCall), "AT+MIPCALL?");
}

#[test]
fn data_call() {
    check(mipcall(None, None), "AT+MIPCALL=1");
    check(mipcall(Some("internet"), None), "AT+MIPCALL=1,\"internet\"");
    check(
        mipcall(Some("cmnet"), Some(("guest", "s3cret"))),
        "AT+MIPCALL=1,\"cmnet\",\"guest\",\"s3cret\"",
    );
    // Credentials without an APN: an empty APN holds their place.
    check(
        mipcall(None, Some(("guest", "s3cret"))),
        "AT+MIPCALL=1,\"\",\"guest\",\"s3cret\"",
    );
    check(mipcall(Some(""), None), "AT+MIPCALL=1,\"\"");
    check(Command::MipCallDown, "AT+MIPCALL=0");
}

#[test]
fn user_command() {
    check(
        user("username", "passwd", Some("ClientIDStr")),
        "AT+MQTTUSER=1,\"username\",\"passwd\",\"ClientIDStr\"",
    );
    check(user("u", "p", None), "AT+MQTTUSER=1,\"u\",\"p\"");
    check(user("", "", None), "AT+MQTTUSER=1,\"\",\"\"");
    check(
        Command::User {
            id: TWO,
            user: "a b",
            password: "p,w'd",
            client_id: Some("x"),
        },
        "AT+MQTTUSER=2,\"a b\",\"p,w'd\",\"x\"",
    );
}

#[test]
fn open_command() {
    check(
        Command::Open {
            id: ONE,
            host: "MQTT BrokerServer",
            port: 1883,
            clean_session: false,
            keepalive: 80,
        },
        "AT+MQTTOPEN=1,\"MQTT BrokerServer\",1883,0,80",
    );
    check(
        Command::Open {
            id: TWO,
            host: "192.168.1.10",
            port: 65535,
            clean_session: true,
            keepalive: 300,
        },
        "AT+MQTTOPEN=2,\"192.168.1.10\",65535,1,300",
    );
    check(open("h", 1, 1), "AT+MQTTOPEN=1,\"h\",1,1,1");
}

#[test]
fn close_sub_unsub_conf_read() {
    check(Command::Close(ONE), "AT+MQTTCLOSE=1");
    check(Command::Close(TWO), "AT+MQTTCLOSE=2");
    check(subscribe("topic1"), "AT+MQTTSUB=1,\"topic1\",0");
    check(
        Command::Subscribe {
            id: TWO,
            topic: "a/+/#",
            qos: QoS::AtLeastOnce,
        },
        "AT+MQTTSUB=2,\"a/+/#\",1",
    );
    check(
        Command::Subscribe {
            id: ONE,
            topic: "t",
            qos: QoS::ExactlyOnce,
        },
        "AT+MQTTSUB=1,\"t\",2",
    );
    check(
        Command::Unsubscribe {
            id: ONE,
            topic: "topic1",
        },
        "AT+MQTTUNSUB=1,\"topic1\"",
    );
    check(
        Command::Unsubscribe {
            id: TWO,
            topic: "x/y",
        },
        "AT+MQTTUNSUB=2,\"x/y\"",
    );
    check(Command::Conf(ReceiveMode::Direct), "AT+MQTTCONF=0");
    check(Command::Conf(ReceiveMode::Buffered), "AT+MQTTCONF=1");
    check(Command::Read(ONE), "AT+MQTTREAD=1");
    check(Command::Read(TWO), "AT+MQTTREAD=2");
}

#[test]
fn publish_command() {
    check(
        Command::Publish {
            id: ONE,
            topic: "topic1",
            qos: QoS::AtLeastOnce,
            retain: false,
            payload: b"9",
            form: PayloadForm::Auto,
        },
        "AT+MQTTPUB=1,\"topic1\",1,0,\"9\"",
    );
    check(
        Command::Publish {
            id: TWO,
            topic: "t",
            qos: QoS::ExactlyOnce,
            retain: true,
            payload: b"hello world",
            form: PayloadForm::Text,
        },
        "AT+MQTTPUB=2,\"t\",2,1,\"hello world\"",
    );
    check(
        Command::Publish {
            id: ONE,
            topic: "t",
            qos: QoS::AtMostOnce,
            retain: false,
            payload: b"hello",
            form: PayloadForm::Data,
        },
        "AT+MQTTPUB=1,\"t\",0,0,5",
    );
    check(
        publish("t", b"", PayloadForm::Auto),
        "AT+MQTTPUB=1,\"t\",0,0,\"\"",
    );
    check(
        publish("t", b"", PayloadForm::Text),
        "AT+MQTTPUB=1,\"t\",0,0,\"\"",
    );
}

#[test]
fn will_command() {
    check(
        Command::Will {
            id: ONE,
            topic: "topic1",
            qos: QoS::AtLeastOnce,
            retain: true,
            payload: b"Tell you, I'm dead.",
            form: PayloadForm::Auto,
        },
        "AT+MQTTWILL=1,\"topic1\",1,1,\"Tell you, I'm dead.\"",
    );
    check(
        Command::Will {
            id: TWO,
            topic: "w",
            qos: QoS::ExactlyOnce,
            retain: false,
            payload: b"",
            form: PayloadForm::Text,
        },
        "AT+MQTTWILL=2,\"w\",2,0,\"\"",
    );
}

#[test]
fn will_in_the_data_form() {
    // Forced, or picked for a payload the text form cannot carry: the length on the line, the
    // bytes after the prompt.
    let json = b"{\"state\":\"offline\"}";
    let cmd = Command::Will {
        id: TWO,
        topic: "dev/7/status",
        qos: QoS::AtLeastOnce,
        retain: true,
        payload: json,
        form: PayloadForm::Auto,
    };
    check(cmd, "AT+MQTTWILL=2,\"dev/7/status\",1,1,19");
    assert_eq!(cmd.data_payload(), Some(&json[..]));
    let cmd = will_in("t", b"bye", PayloadForm::Data);
    check(cmd, "AT+MQTTWILL=1,\"t\",0,0,3");
    assert_eq!(cmd.data_payload(), Some(&b"bye"[..]));
    for payload in [&b"\x00\xff"[..], b"a\r\nb", b"\""] {
        let cmd = will_in("t", payload, PayloadForm::Auto);
        let want = format!("AT+MQTTWILL=1,\"t\",0,0,{}\r", payload.len());
        assert_eq!(accepted(cmd), want.as_bytes());
        assert_eq!(cmd.data_payload(), Some(payload));
    }
    // Printable text without quotes (and the empty payload) stays in the text form.
    for payload in [&b"bye"[..], b""] {
        let cmd = will_in("t", payload, PayloadForm::Auto);
        assert_eq!(cmd.data_payload(), None);
        let want = format!("AT+MQTTWILL=1,\"t\",0,0,\"{}\"\r", s_of(payload));
        assert_eq!(accepted(cmd), want.as_bytes());
    }
    // Limits: 1-1024 bytes in the data form, nothing written when refused.
    let d1024 = vec![0u8; 1024];
    let cmd = will_in("t", &d1024, PayloadForm::Data);
    assert_eq!(accepted(cmd), b"AT+MQTTWILL=1,\"t\",0,0,1024\r");
    refused(
        will_in("t", &[0u8; 1025], PayloadForm::Auto),
        Field::WillPayload,
        too_long(1024, 1025),
    );
    refused(
        will_in("t", b"", PayloadForm::Data),
        Field::WillPayload,
        Rule::EmptyData,
    );
    // Forced into the text form, a payload it cannot carry is refused, naming the byte.
    refused(
        will_in("t", b"a\"b", PayloadForm::Text),
        Field::WillPayload,
        forbidden(b'"', 1),
    );
    // The will topic is checked in either form.
    refused(
        will_in("a/+", b"\x00", PayloadForm::Auto),
        Field::WillTopic,
        Rule::Wildcard { at: 2 },
    );
}

fn s_of(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap()
}

#[test]
fn publish_and_will_topics_hold_no_wildcard() {
    let cases: [(&str, u16); 7] = [
        ("+", 0),
        ("#", 0),
        ("a/+", 2),
        ("a/#", 2),
        ("a/+/b", 2),
        ("sport+", 5),
        ("x/y#/+", 3),
    ];
    for (topic, at) in cases {
        let rule = Rule::Wildcard { at };
        refused(publish(topic, b"x", PayloadForm::Auto), Field::Topic, rule);
        refused(publish(topic, b"\0", PayloadForm::Data), Field::Topic, rule);
        refused(will(topic, "x"), Field::WillTopic, rule);
    }
    // Empty levels are topics like any other.
    for topic in ["a//b", "/a", "/", "a/", "//"] {
        accepted(publish(topic, b"x", PayloadForm::Auto));
        accepted(will(topic, "x"));
    }
    // A byte a quoted string cannot carry is reported first.
    refused(
        publish("a\"/#", b"x", PayloadForm::Auto),
        Field::Topic,
        forbidden(b'"', 1),
    );
}

#[test]
fn filters_have_wildcards_only_where_mqtt_allows_them() {
    let unsubscribe = |topic| Command::Unsubscribe { id: ONE, topic };
    for filter in [
        "#", "+", "a/+/b", "a/#", "+/+/#", "+/#", "a//b", "/a", "/", "//", "a/+", "+/a", "/#",
        "a//#", "+//+",
    ] {
        let line = accepted(subscribe(filter));
        assert_eq!(line, format!("AT+MQTTSUB=1,\"{filter}\",0\r").as_bytes());
        let line = accepted(unsubscribe(filter));
        assert_eq!(line, format!("AT+MQTTUNSUB=1,\"{filter}\"\r").as_bytes());
    }
    let bad: [(&str, u16); 11] = [
        ("a/#/b", 2),
        ("a#", 1),
        ("#a", 0),
        ("a/b#", 3),
        ("##", 0),
        ("#/", 0),
        ("#/a", 0),
        ("a+/b", 1),
        ("+a", 0),
        ("a/++", 2),
        ("a/+b/#", 2),
    ];
    for (filter, at) in bad {
        let rule = Rule::BadFilter { at };
        refused(subscribe(filter), Field::Topic, rule);
        refused(unsubscribe(filter), Field::Topic, rule);
    }
}

#[test]
fn read_and_test_forms_of_every_mqtt_command() {
    let all = [
        (MqttCommand::User, "+MQTTUSER"),
        (MqttCommand::Open, "+MQTTOPEN"),
        (MqttCommand::Close, "+MQTTCLOSE"),
        (MqttCommand::Sub, "+MQTTSUB"),
        (MqttCommand::Unsub, "+MQTTUNSUB"),
        (MqttCommand::Pub, "+MQTTPUB"),
        (MqttCommand::Conf, "+MQTTCONF"),
        (MqttCommand::Read, "+MQTTREAD"),
        (MqttCommand::Will, "+MQTTWILL"),
    ];
    for (cmd, name) in all {
        assert_eq!(cmd.name(), name);
        check(Command::Mqtt(cmd, Form::Read), &format!("AT{name}?"));
        check(Command::Mqtt(cmd, Form::Test), &format!("AT{name}=?"));
    }
}

#[test]
fn raw_command() {
    check(Command::Raw(""), "AT");
    check(Command::Raw("+CGSN"), "AT+CGSN");
    check(
        Command::Raw("+CGDCONT=1,\"IP\",\"internet\""),
        "AT+CGDCONT=1,\"IP\",\"internet\"",
    );
    let body = s(1500);
    check(Command::Raw(&body), &format!("AT{body}"));
    refused(Command::Raw(&s(1501)), Field::Raw, too_long(1500, 1501));
    refused(Command::Raw("+X\rAT"), Field::Raw, forbidden(b'\r', 2));
    refused(Command::Raw("+X\n"), Field::Raw, forbidden(b'\n', 2));
    refused(Command::Raw("\0"), Field::Raw, forbidden(0, 0));
    refused(Command::Raw("ab\u{7f}"), Field::Raw, forbidden(0x7f, 2));
    refused(Command::Raw("\u{80}"), Field::Raw, forbidden(0xc2, 0));
}

// ---------------------------------------------------------------------------------------------
// Limits

#[test]
fn topic_length() {
    let t255 = s(255);
    let t256 = s(256);
    accepted(subscribe(&t255));
    refused(subscribe(&t256), Field::Topic, too_long(255, 256));
    refused(subscribe(""), Field::Topic, Rule::TooShort { min: 1 });

    let unsub = |topic| Command::Unsubscribe { id: ONE, topic };
    accepted(unsub(&t255));
    refused(unsub(&t256), Field::Topic, too_long(255, 256));
    refused(unsub(""), Field::Topic, Rule::TooShort { min: 1 });

    accepted(publish(&t255, b"x", PayloadForm::Auto));
    refused(
        publish(&t256, b"x", PayloadForm::Auto),
        Field::Topic,
        too_long(255, 256),
    );
    refused(
        publish("", b"x", PayloadForm::Auto),
        Field::Topic,
        Rule::TooShort { min: 1 },
    );

    accepted(will(&t255, "x"));
    refused(will(&t256, "x"), Field::WillTopic, too_long(255, 256));
    refused(will("", "x"), Field::WillTopic, Rule::TooShort { min: 1 });

    // The full-length line is exactly as long as its parts.
    let line = accepted(subscribe(&t255));
    assert_eq!(line.len(), "AT+MQTTSUB=1,\"".len() + 255 + "\",0\r".len());
}

#[test]
fn user_and_password_length() {
    let v128 = s(128);
    let v129 = s(129);
    accepted(user(&v128, &v128, None));
    refused(user(&v129, "", None), Field::User, too_long(128, 129));
    refused(user("", &v129, None), Field::Password, too_long(128, 129));
    // Both may be empty.
    accepted(user("", "", None));
}

#[test]
fn client_id_length() {
    let c23 = s(23);
    let c24 = s(24);
    let line = accepted(user("u", "p", Some(&c23)));
    assert!(line.ends_with(format!(",\"{c23}\"\r").as_bytes()));
    refused(
        user("u", "p", Some(&c24)),
        Field::ClientIdStr,
        too_long(23, 24),
    );
    refused(
        user("u", "p", Some("")),
        Field::ClientIdStr,
        Rule::TooShort { min: 1 },
    );
}

#[test]
fn host_length() {
    let h255 = s(255);
    let h256 = s(256);
    accepted(open(&h255, 1883, 60));
    refused(open(&h256, 1883, 60), Field::Host, too_long(255, 256));
    refused(open("", 1883, 60), Field::Host, Rule::TooShort { min: 1 });
}

#[test]
fn keepalive_range() {
    let out = Rule::OutOfRange { min: 1, max: 300 };
    assert_eq!(Field::Keepalive.bounds(), (1, 300));
    refused(open("h", 1883, 0), Field::Keepalive, out);
    accepted(open("h", 1883, 1));
    accepted(open("h", 1883, 300));
    refused(open("h", 1883, 301), Field::Keepalive, out);
    refused(open("h", 1883, u16::MAX), Field::Keepalive, out);
}

#[test]
fn port_range() {
    refused(
        open("h", 0, 60),
        Field::Port,
        Rule::OutOfRange { min: 1, max: 65535 },
    );
    check(open("h", 1, 60), "AT+MQTTOPEN=1,\"h\",1,1,60");
    check(open("h", 65535, 60), "AT+MQTTOPEN=1,\"h\",65535,1,60");
}

#[test]
fn text_payload_length() {
    let p1024 = s(1024);
    let p1025 = s(1025);
    for form in [PayloadForm::Auto, PayloadForm::Text] {
        let line = accepted(publish("t", p1024.as_bytes(), form));
        assert!(line.ends_with(format!(",\"{p1024}\"\r").as_bytes()));
        refused(
            publish("t", p1025.as_bytes(), form),
            Field::Payload,
            too_long(1024, 1025),
        );
    }
    accepted(will("t", &p1024));
    refused(will("t", &p1025), Field::WillPayload, too_long(1024, 1025));
}

#[test]
fn data_payload_length() {
    let d1024 = vec![0u8; 1024];
    let d1025 = vec![0u8; 1025];
    for form in [PayloadForm::Auto, PayloadForm::Data] {
        let cmd = publish("t", &d1024, form);
        assert_eq!(accepted(cmd), b"AT+MQTTPUB=1,\"t\",0,0,1024\r");
        assert_eq!(cmd.data_payload(), Some(&d1024[..]));
        refused(
            publish("t", &d1025, form),
            Field::Payload,
            too_long(1024, 1025),
        );
    }
    let one = publish("t", b"\x00", PayloadForm::Data);
    assert_eq!(accepted(one), b"AT+MQTTPUB=1,\"t\",0,0,1\r");
    assert_eq!(one.data_payload(), Some(&b"\x00"[..]));
    refused(
        publish("t", b"", PayloadForm::Data),
        Field::Payload,
        Rule::EmptyData,
    );
}

#[test]
fn forbidden_bytes_in_every_quoted_field() {
    // (value, the offending byte, its offset)
    let cases: [(&str, u8, u16); 7] = [
        ("a\"b", b'"', 1),
        ("ab\r", b'\r', 2),
        ("\nab", b'\n', 0),
        ("a\0", 0, 1),
        ("x\u{7f}", 0x7f, 1),
        // U+0080 is the bytes C2 80 in UTF-8; the first is reported.
        ("xy\u{80}", 0xc2, 2),
        ("tab\there", b'\t', 3),
    ];
    for (v, byte, at) in cases {
        let rule = forbidden(byte, at);
        refused(subscribe(v), Field::Topic, rule);
        refused(
            Command::Unsubscribe { id: ONE, topic: v },
            Field::Topic,
            rule,
        );
        refused(publish(v, b"x", PayloadForm::Auto), Field::Topic, rule);
        refused(user(v, "p", None), Field::User, rule);
        refused(user("u", v, None), Field::Password, rule);
        refused(user("u", "p", Some(v)), Field::ClientIdStr, rule);
        refused(open(v, 1883, 60), Field::Host, rule);
        refused(will(v, "x"), Field::WillTopic, rule);
        refused(will("t", v), Field::WillPayload, rule);
        refused(mipcall(Some(v), None), Field::Apn, rule);
        refused(mipcall(Some("a"), Some((v, "p"))), Field::ApnUser, rule);
        refused(mipcall(Some("a"), Some(("u", v))), Field::ApnPassword, rule);
        refused(mipcall(None, Some((v, "p"))), Field::ApnUser, rule);
    }
    // Raw bytes 0x80 and above in a forced-text payload.
    refused(
        publish("t", b"ab\x80", PayloadForm::Text),
        Field::Payload,
        Rule::NotText,
    );
}

#[test]
fn apn_length() {
    let a100 = s(100);
    let a101 = s(101);
    accepted(mipcall(Some(&a100), Some((&a100, &a100))));
    refused(mipcall(Some(&a101), None), Field::Apn, too_long(100, 101));
    refused(
        mipcall(Some("a"), Some((&a101, "p"))),
        Field::ApnUser,
        too_long(100, 101),
    );
    refused(
        mipcall(Some("a"), Some(("u", &a101))),
        Field::ApnPassword,
        too_long(100, 101),
    );
}

#[test]
fn injection_is_refused_and_nothing_is_written() {
    let evil = "a\",0\rAT+MQTTCLOSE=1\r";
    let rule = forbidden(b'"', 1);
    refused(subscribe(evil), Field::Topic, rule);
    refused(publish(evil, b"x", PayloadForm::Auto), Field::Topic, rule);
    refused(user(evil, "", None), Field::User, rule);
    refused(open(evil, 1883, 60), Field::Host, rule);
    refused(will("t", evil), Field::WillPayload, rule);

    // Spelled out once more for the writers: not a single byte reaches them.
    let cmd = subscribe(evil);
    let mut w = VecWriter::new();
    let err = cmd.write(&mut w, LineEnd::Cr).unwrap_err();
    assert_eq!(
        err,
        WriteError::Encode(EncodeError::Invalid {
            field: Field::Topic,
            rule
        })
    );
    assert_eq!(w.out, b"");
    let mut w = VecWriter::new();
    assert!(block_on(cmd.write_async(&mut w, LineEnd::CrLf)).is_err());
    assert_eq!(w.out, b"");

    // As a payload it is not refused: it goes in the data form, its bytes after the prompt.
    let cmd = publish("t", evil.as_bytes(), PayloadForm::Auto);
    assert_eq!(accepted(cmd), b"AT+MQTTPUB=1,\"t\",0,0,20\r");
    assert_eq!(cmd.data_payload(), Some(evil.as_bytes()));
    // Forced into the text form it is refused.
    refused(
        publish("t", evil.as_bytes(), PayloadForm::Text),
        Field::Payload,
        Rule::NotText,
    );
}

// ---------------------------------------------------------------------------------------------
// Payload forms

#[test]
fn auto_form_picks_text_for_printable_payloads() {
    let printable: Vec<u8> = (0x20u8..=0x7e).filter(|&b| b != b'"').collect();
    assert!(is_text(&printable));
    let cmd = publish("t", &printable, PayloadForm::Auto);
    let mut want = b"AT+MQTTPUB=1,\"t\",0,0,\"".to_vec();
    want.extend_from_slice(&printable);
    want.extend_from_slice(b"\"\r");
    assert_eq!(accepted(cmd), want);
    assert_eq!(cmd.data_payload(), None);

    // Empty: text.
    let cmd = publish("t", b"", PayloadForm::Auto);
    assert_eq!(accepted(cmd), b"AT+MQTTPUB=1,\"t\",0,0,\"\"\r");
    assert_eq!(cmd.data_payload(), None);
    assert!(is_text(b""));
}

#[test]
fn auto_form_picks_data_for_anything_else() {
    let cases: [&[u8]; 8] = [
        b"{\"temp\":21.5}",
        b"\"",
        b"line\r\n",
        b"\n",
        b"\x00\x01\x02",
        b"caf\xc3\xa9",
        b"\x7f",
        b"\xff\xfe",
    ];
    for payload in cases {
        assert!(!is_text(payload), "{payload:?}");
        let cmd = publish("t", payload, PayloadForm::Auto);
        let want = format!("AT+MQTTPUB=1,\"t\",0,0,{}\r", payload.len());
        assert_eq!(accepted(cmd), want.as_bytes(), "{payload:?}");
        assert_eq!(cmd.data_payload(), Some(payload));
    }
    // A printable payload too long for the text form is not text either.
    assert!(!is_text(s(1025).as_bytes()));
}

#[test]
fn forced_forms() {
    // Text refuses anything the text form cannot carry.
    for payload in [&b"a\"b"[..], b"\r", b"\x00", b"\x80", b"\x7f"] {
        refused(
            publish("t", payload, PayloadForm::Text),
            Field::Payload,
            Rule::NotText,
        );
    }
    // Data takes printable text too, and announces its length.
    let cmd = publish("t", b"hello", PayloadForm::Data);
    assert_eq!(accepted(cmd), b"AT+MQTTPUB=1,\"t\",0,0,5\r");
    assert_eq!(cmd.data_payload(), Some(&b"hello"[..]));
    // A forced-text payload has no data part.
    let cmd = publish("t", b"hello", PayloadForm::Text);
    assert_eq!(cmd.data_payload(), None);
    // Only a publish or a will has a data part.
    assert_eq!(subscribe("t").data_payload(), None);
    assert_eq!(Command::At.data_payload(), None);
}

// ---------------------------------------------------------------------------------------------
// Buffers and writers

#[test]
fn buffer_too_small_is_exact() {
    let cmd = subscribe("topic1");
    let needed = "AT+MQTTSUB=1,\"topic1\",0\r".len();
    assert_eq!(cmd.encoded_len(LineEnd::Cr), Ok(needed));
    assert_eq!(cmd.encoded_len(LineEnd::CrLf), Ok(needed + 1));

    let mut small = vec![0xa5u8; needed - 1];
    assert_eq!(
        cmd.encode(&mut small, LineEnd::Cr),
        Err(EncodeError::BufferTooSmall { needed })
    );
    assert!(small.iter().all(|&b| b == 0xa5), "nothing written");
    assert_eq!(
        cmd.encode(&mut small, LineEnd::CrLf),
        Err(EncodeError::BufferTooSmall { needed: needed + 1 })
    );
    assert_eq!(
        cmd.encode(&mut [], LineEnd::Cr),
        Err(EncodeError::BufferTooSmall { needed })
    );

    // Exactly the right size, and a larger one: the same bytes, the rest untouched.
    let mut exact = vec![0u8; needed];
    assert_eq!(cmd.encode(&mut exact, LineEnd::Cr), Ok(needed));
    assert_eq!(exact, b"AT+MQTTSUB=1,\"topic1\",0\r");
    let mut large = vec![0xa5u8; needed + 8];
    assert_eq!(cmd.encode(&mut large, LineEnd::Cr), Ok(needed));
    assert_eq!(&large[..needed], b"AT+MQTTSUB=1,\"topic1\",0\r");
    assert!(large[needed..].iter().all(|&b| b == 0xa5));

    // A limit error wins over a small buffer.
    assert_eq!(
        subscribe("").encode(&mut [], LineEnd::Cr),
        Err(EncodeError::Invalid {
            field: Field::Topic,
            rule: Rule::TooShort { min: 1 }
        })
    );

    // The longest line: a text publish of a 255-byte topic and a 1024-byte payload.
    let topic = s(255);
    let payload = s(1024);
    let cmd = publish(&topic, payload.as_bytes(), PayloadForm::Text);
    let needed = "AT+MQTTPUB=1,\"".len() + 255 + "\",0,0,\"".len() + 1024 + "\"\r\n".len();
    assert_eq!(cmd.encoded_len(LineEnd::CrLf), Ok(needed));
    let mut buf = vec![0u8; needed - 1];
    assert_eq!(
        cmd.encode(&mut buf, LineEnd::CrLf),
        Err(EncodeError::BufferTooSmall { needed })
    );
    let mut buf = vec![0u8; needed];
    assert_eq!(cmd.encode(&mut buf, LineEnd::CrLf), Ok(needed));
}

#[test]
fn encoded_len_equals_bytes_written_for_many_commands() {
    let long = s(255);
    let cmds = [
        Command::At,
        Command::Query(Query::Csq),
        mipcall(Some("apn"), Some(("u", "p"))),
        user("user", "pass", Some("id")),
        open(&long, 65535, 300),
        open("1.2.3.4", 9, 10),
        Command::Close(TWO),
        publish("t", &[0xffu8; 999], PayloadForm::Auto),
        publish("t", &[0xffu8; 10], PayloadForm::Auto),
        publish("t", b"text", PayloadForm::Auto),
        will("w", "bye"),
        Command::Mqtt(MqttCommand::Unsub, Form::Test),
        Command::Raw("+CGSN"),
    ];
    for cmd in cmds {
        for (end, _) in ENDS {
            let bytes = encode_all_ways(&cmd, end);
            assert_eq!(cmd.encoded_len(end), Ok(bytes.len()));
        }
    }
}

#[test]
fn writer_errors_are_passed_on() {
    let cmd = subscribe("topic1");
    // The writer takes 5 bytes, then fails.
    let mut w = FailingWriter {
        out: Vec::new(),
        room: 5,
    };
    assert_eq!(
        cmd.write(&mut w, LineEnd::Cr),
        Err(WriteError::Io(embedded_io::ErrorKind::BrokenPipe))
    );
    assert_eq!(w.out, b"AT+MQ");

    let mut w = FailingWriter {
        out: Vec::new(),
        room: 0,
    };
    assert_eq!(
        block_on(cmd.write_async(&mut w, LineEnd::Cr)),
        Err(WriteError::Io(embedded_io::ErrorKind::BrokenPipe))
    );
    assert_eq!(w.out, b"");

    // With enough room the failing writer takes it all.
    let mut w = FailingWriter {
        out: Vec::new(),
        room: 100,
    };
    assert_eq!(block_on(cmd.write_async(&mut w, LineEnd::CrLf)), Ok(()));
    assert_eq!(w.out, b"AT+MQTTSUB=1,\"topic1\",0\r\n");
}

#[test]
fn display_of_errors() {
    let e = EncodeError::Invalid {
        field: Field::Topic,
        rule: too_long(255, 256),
    };
    assert_eq!(e.to_string(), "Topic: longer than 255 bytes");
    let e = EncodeError::Invalid {
        field: Field::Host,
        rule: forbidden(b'"', 1),
    };
    assert_eq!(
        e.to_string(),
        "Host: byte 0x22 at 1 cannot be sent in a quoted AT string"
    );
    let e = EncodeError::Invalid {
        field: Field::Topic,
        rule: Rule::Wildcard { at: 4 },
    };
    assert_eq!(
        e.to_string(),
        "Topic: wildcard at 4: a topic to publish to cannot hold '+' or '#'"
    );
    let e = EncodeError::Invalid {
        field: Field::Topic,
        rule: Rule::BadFilter { at: 2 },
    };
    assert_eq!(
        e.to_string(),
        "Topic: wildcard at 2 out of place: '+' must fill a whole level, '#' the whole last level"
    );
    assert_eq!(
        EncodeError::BufferTooSmall { needed: 7 }.to_string(),
        "buffer too small: 7 bytes needed"
    );
}
