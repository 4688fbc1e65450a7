//! The streaming parser and the bounded-buffer decoder: every form of docs/protocol.md,
//! table-driven, with the bytes each item takes; noise; partial input; overlong items; and the
//! exchanges of the manual's section 3, byte for byte.

use fibocom_mqtt::codec::{
    parse, Command, Decoded, Decoder, ErrorCode, Item, LineEnd, Message, MipCall, MqttCommand,
    Parsed, PayloadForm, Query, Registration, RegistrationKind, ResultOf,
};
use fibocom_mqtt::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};

const ONE: ClientId = ClientId::One;
const TWO: ClientId = ClientId::Two;

// ---------------------------------------------------------------------------------------------
// The table

/// One case: `before` (noise) + `body` (the item, with the byte that ends it) + `after` (what
/// follows, not taken). `parse` must return `want` having taken exactly `before` + `body`.
struct Case {
    before: &'static [u8],
    body: &'static [u8],
    after: &'static [u8],
    want: Item<'static>,
}

const fn case(
    before: &'static [u8],
    body: &'static [u8],
    after: &'static [u8],
    want: Item<'static>,
) -> Case {
    Case {
        before,
        body,
        after,
        want,
    }
}

/// A response line as the module frames it: `\r\n<text>\r\n`.
const fn line(body: &'static [u8], want: Item<'static>) -> Case {
    case(b"\r\n", body, b"\n", want)
}

fn result(command: ResultOf, client: ClientId, status: u8) -> Item<'static> {
    Item::Result {
        command,
        client,
        status,
    }
}

fn free(command: MqttCommand, ids: &[ClientId]) -> Item<'static> {
    Item::FreeClients {
        command,
        clients: ids.iter().fold(ClientSet::EMPTY, |s, &id| s.with(id)),
    }
}

fn msg(
    client: ClientId,
    qos: QoS,
    topic: &'static [u8],
    payload: &'static [u8],
) -> Message<'static> {
    Message {
        client,
        qos,
        topic,
        payload,
    }
}

fn reg(kind: RegistrationKind, mode: Option<u8>, stat: u8) -> Item<'static> {
    Item::Registration(Registration { kind, mode, stat })
}

fn cases() -> Vec<Case> {
    use ResultOf as R;
    vec![
        // Echo lines: ended by CR, CR CR LF, or CR LF; case-insensitive `AT`.
        case(b"", b"AT\r", b"", Item::Echo(b"AT")),
        case(b"", b"AT+CSQ\r", b"\r\n", Item::Echo(b"AT+CSQ")),
        case(b"", b"ATE0\r", b"\n", Item::Echo(b"ATE0")),
        case(b"", b"ate1\r", b"", Item::Echo(b"ate1")),
        case(
            b"",
            b"AT+MQTTPUB=1,\"t\",0,0,\"a,b\"\r",
            b"\r\n",
            Item::Echo(b"AT+MQTTPUB=1,\"t\",0,0,\"a,b\""),
        ),
        case(b"", b"AT+MQTTOPEN?\n", b"", Item::Echo(b"AT+MQTTOPEN?")),
        // Final results.
        line(b"OK\r", Item::Ok),
        case(b"", b"OK\r", b"\n", Item::Ok),
        case(b"", b"OK\n", b"", Item::Ok),
        line(b"ERROR\r", Item::Error(ErrorCode::Plain)),
        line(b"ERROR: 703\r", Item::Error(ErrorCode::Code(703))),
        line(b"ERROR:700\r", Item::Error(ErrorCode::Code(700))),
        line(b"ERROR: 4\r", Item::Error(ErrorCode::Code(4))),
        line(b"+CME ERROR: 704\r", Item::Error(ErrorCode::Cme(704))),
        line(b"+CME ERROR: 10\r", Item::Error(ErrorCode::Cme(10))),
        line(
            b"+CME ERROR: SIM not inserted\r",
            Item::Error(ErrorCode::CmeText(b"SIM not inserted")),
        ),
        line(
            b"+CME ERROR: operation not allowed \r",
            Item::Error(ErrorCode::CmeText(b"operation not allowed")),
        ),
        // The prompt, in every form.
        case(b"\r\n", b">", b"\r\n", Item::Prompt),
        case(b"", b">", b"\r\n", Item::Prompt),
        case(b"", b"> ", b"", Item::Prompt),
        case(b"\r\n", b"> ", b"", Item::Prompt),
        case(b"", b">", b"", Item::Prompt),
        case(b"\r\n", b">", b"", Item::Prompt),
        // Result lines: 1 success, 0 failure.
        line(b"+MQTTOPEN: 1,1\r", result(R::Open, ONE, 1)),
        line(b"+MQTTOPEN: 1,0\r", result(R::Open, ONE, 0)),
        line(b"+MQTTOPEN: 2,1\r", result(R::Open, TWO, 1)),
        line(b"+MQTTOPEN: 2,0\r", result(R::Open, TWO, 0)),
        line(b"+MQTTCLOSE: 1,1\r", result(R::Close, ONE, 1)),
        line(b"+MQTTCLOSE: 2,0\r", result(R::Close, TWO, 0)),
        line(b"+MQTTSUB: 1,1\r", result(R::Subscribe, ONE, 1)),
        line(b"+MQTTSUB: 2,0\r", result(R::Subscribe, TWO, 0)),
        line(b"+MQTTUNSUB: 1,1\r", result(R::Unsubscribe, ONE, 1)),
        line(b"+MQTTUNSUB: 2,0\r", result(R::Unsubscribe, TWO, 0)),
        line(b"+MQTTPUB: 1,1\r", result(R::Publish, ONE, 1)),
        line(b"+MQTTPUB: 2,0\r", result(R::Publish, TWO, 0)),
        line(b"+MQTTPUB: 1, 1\r", result(R::Publish, ONE, 1)),
        // Free-id lists: strictly increasing ids; `2,1` and `1,1` are results.
        line(b"+MQTTOPEN: 1,2\r", free(MqttCommand::Open, &[ONE, TWO])),
        line(b"+MQTTOPEN: 1\r", free(MqttCommand::Open, &[ONE])),
        line(b"+MQTTOPEN: 2\r", free(MqttCommand::Open, &[TWO])),
        line(b"+MQTTOPEN: 0\r", free(MqttCommand::Open, &[])),
        line(b"+MQTTCLOSE: 1, 2\r", free(MqttCommand::Close, &[ONE, TWO])),
        line(b"+MQTTCLOSE: 2\r", free(MqttCommand::Close, &[TWO])),
        line(b"+MQTTCLOSE: 0\r", free(MqttCommand::Close, &[])),
        // Read-form answers.
        line(
            b"+MQTTUSER: 1,\"username\",\"passwd\",\"ClientIDStr\"\r",
            Item::UserInfo {
                client: ONE,
                user: b"username",
                password: b"passwd",
                client_id: Some(b"ClientIDStr"),
            },
        ),
        line(
            b"+MQTTUSER: 2,\"u\",\"\"\r",
            Item::UserInfo {
                client: TWO,
                user: b"u",
                password: b"",
                client_id: None,
            },
        ),
        line(
            b"+MQTTWILL: 1,\"topic1\",1,1,\"Tell you, I'm dead.\"\r",
            Item::WillInfo {
                client: ONE,
                topic: b"topic1",
                qos: QoS::AtLeastOnce,
                retain: true,
                payload: b"Tell you, I'm dead.",
            },
        ),
        line(
            b"+MQTTWILL: 2, \"w\", 2, 0, \"say \"bye\", now\"\r",
            Item::WillInfo {
                client: TWO,
                topic: b"w",
                qos: QoS::ExactlyOnce,
                retain: false,
                payload: b"say \"bye\", now",
            },
        ),
        line(
            b"+MQTTWILL: 1,\"w\",0,0,\"\"\r",
            Item::WillInfo {
                client: ONE,
                topic: b"w",
                qos: QoS::AtMostOnce,
                retain: false,
                payload: b"",
            },
        ),
        line(b"+MQTTCONF: 0\r", Item::ConfInfo(ReceiveMode::Direct)),
        line(b"+MQTTCONF: 1\r", Item::ConfInfo(ReceiveMode::Buffered)),
        // Mode 0 messages: spaces after commas, payload to the last quote.
        line(
            b"+MQTTMSG: 1,0,\"topic1\",\"Test\"\r",
            Item::Message(msg(ONE, QoS::AtMostOnce, b"topic1", b"Test")),
        ),
        line(
            b"+MQTTMSG: 1, 0, \"test1\", \"123\"\r",
            Item::Message(msg(ONE, QoS::AtMostOnce, b"test1", b"123")),
        ),
        line(
            b"+MQTTMSG: 2,1,\"a/b\",\"{\"k\":\"v\",\"n\":1}\"\r",
            Item::Message(msg(TWO, QoS::AtLeastOnce, b"a/b", b"{\"k\":\"v\",\"n\":1}")),
        ),
        line(
            b"+MQTTMSG: 1,2,\"t\",\"\"\r",
            Item::Message(msg(ONE, QoS::ExactlyOnce, b"t", b"")),
        ),
        line(
            b"+MQTTMSG: 1,0,\"t\",\"\"\"\r",
            Item::Message(msg(ONE, QoS::AtMostOnce, b"t", b"\"")),
        ),
        // Mode 1 announcements.
        line(
            b"+MQTTMSGI: 1,1,6,4\r",
            Item::MessageWaiting {
                client: ONE,
                qos: QoS::AtLeastOnce,
                topic_len: 6,
                payload_len: 4,
            },
        ),
        line(
            b"+MQTTMSGI: 2, 2, 255, 1024\r",
            Item::MessageWaiting {
                client: TWO,
                qos: QoS::ExactlyOnce,
                topic_len: 255,
                payload_len: 1024,
            },
        ),
        // +MQTTREAD, the manual's layout (message on its own line), read by length.
        case(
            b"\r\n",
            b"+MQTTREAD: 1,0,6,4\r\n\"topic1\",\"Test\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::AtMostOnce, b"topic1", b"Test")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 2,1,3,12\r\n\"a/b\",\"\",\r\n\0\"\r\nOK\r\n\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(TWO, QoS::AtLeastOnce, b"a/b", b"\",\r\n\0\"\r\nOK\r\n")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 1,2,1,0\r\n\"t\",\"\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::ExactlyOnce, b"t", b"")),
        ),
        // ... and the inline layout.
        case(
            b"\r\n",
            b"+MQTTREAD: 1,0,6,4,\"topic1\",\"Test\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::AtMostOnce, b"topic1", b"Test")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 2,2,5,7,\"x/y/z\",\"\x00\"\r\n,\xff\"\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(TWO, QoS::ExactlyOnce, b"x/y/z", b"\x00\"\r\n,\xff\"")),
        ),
        case(
            b"",
            b"+MQTTREAD: 1,1,1,3,\"t\",\"\r\r\r\"",
            b"",
            Item::Read(msg(ONE, QoS::AtLeastOnce, b"t", b"\r\r\r")),
        ),
        // Nothing waiting.
        line(b"+MQTTREAD: 1,0,0,0\r", Item::ReadEmpty(ONE)),
        line(b"+MQTTREAD: 2,0,0,0\r", Item::ReadEmpty(TWO)),
        // Breaks.
        line(
            b"+MQTTBREAK: 1,1\r",
            Item::Break {
                client: ONE,
                cause: BreakCause::Broker,
            },
        ),
        line(
            b"+MQTTBREAK: 2,2\r",
            Item::Break {
                client: TWO,
                cause: BreakCause::Link,
            },
        ),
        line(
            b"+MQTTBREAK: 1,3\r",
            Item::Break {
                client: ONE,
                cause: BreakCause::Network,
            },
        ),
        line(
            b"+MQTTBREAK: 2,9\r",
            Item::Break {
                client: TWO,
                cause: BreakCause::Other(9),
            },
        ),
        // Data call.
        line(
            b"+MIPCALL: 10.2.83.148\r",
            Item::MipCall(MipCall::Up(b"10.2.83.148")),
        ),
        line(
            b"+MIPCALL: 1,10.2.83.148\r",
            Item::MipCall(MipCall::Up(b"10.2.83.148")),
        ),
        line(
            b"+MIPCALL: 1,\"10.2.83.148\"\r",
            Item::MipCall(MipCall::Up(b"10.2.83.148")),
        ),
        line(
            b"+MIPCALL: \"10.0.0.1\"\r",
            Item::MipCall(MipCall::Up(b"10.0.0.1")),
        ),
        line(b"+MIPCALL: 0\r", Item::MipCall(MipCall::Down)),
        // Network.
        line(
            b"+COPS: 0,0,\"CHN-UNICOM\",7\r",
            Item::Operator {
                mode: 0,
                name: Some(b"CHN-UNICOM"),
                act: Some(7),
            },
        ),
        line(
            b"+COPS: 1,2,\"46001\"\r",
            Item::Operator {
                mode: 1,
                name: Some(b"46001"),
                act: None,
            },
        ),
        line(
            b"+COPS: 0\r",
            Item::Operator {
                mode: 0,
                name: None,
                act: None,
            },
        ),
        line(b"+CSQ: 31,99\r", Item::SignalQuality { rssi: 31, ber: 99 }),
        line(b"+CSQ: 99,99\r", Item::SignalQuality { rssi: 99, ber: 99 }),
        line(b"+CPIN: READY\r", Item::SimState(b"READY")),
        line(b"+CPIN: SIM PIN\r", Item::SimState(b"SIM PIN")),
        line(b"+CREG: 0,1\r", reg(RegistrationKind::Creg, Some(0), 1)),
        line(b"+CREG: 1\r", reg(RegistrationKind::Creg, None, 1)),
        line(
            b"+CREG: 2,5,\"1A2B\",\"01C3\"\r",
            reg(RegistrationKind::Creg, Some(2), 5),
        ),
        line(b"+CGREG: 0,5\r", reg(RegistrationKind::Cgreg, Some(0), 5)),
        line(b"+CGREG: 5\r", reg(RegistrationKind::Cgreg, None, 5)),
        line(b"+CEREG: 0,1\r", reg(RegistrationKind::Cereg, Some(0), 1)),
        line(b"+CEREG: 2\r", reg(RegistrationKind::Cereg, None, 2)),
        line(
            b"+CEREG: 1,\"1A2B\",\"0A1B2C3D\",7\r",
            reg(RegistrationKind::Cereg, None, 1),
        ),
        // Unknown lines.
        line(b"RDY\r", Item::Line(b"RDY")),
        line(b"+SIM READY\r", Item::Line(b"+SIM READY")),
        line(b"+QIND: \"csq\",1\r", Item::Line(b"+QIND: \"csq\",1")),
        line(b"Fibocom NL668\r", Item::Line(b"Fibocom NL668")),
        line(b"+CGSN: 8612\r", Item::Line(b"+CGSN: 8612")),
        line(b"+\r", Item::Line(b"+")),
        // Known lines that do not parse: reported, never trusted.
        line(b"+MQTTSUB: 3,1\r", Item::Malformed(b"+MQTTSUB: 3,1")),
        line(b"+MQTTSUB: 1\r", Item::Malformed(b"+MQTTSUB: 1")),
        line(b"+MQTTSUB: 1,1,1\r", Item::Malformed(b"+MQTTSUB: 1,1,1")),
        line(b"+MQTTPUB: 1,x\r", Item::Malformed(b"+MQTTPUB: 1,x")),
        line(b"+MQTTOPEN: 3\r", Item::Malformed(b"+MQTTOPEN: 3")),
        line(b"+MQTTOPEN: 1,2,3\r", Item::Malformed(b"+MQTTOPEN: 1,2,3")),
        line(b"+MQTTOPEN:\r", Item::Malformed(b"+MQTTOPEN:")),
        line(b"+MQTTCLOSE: 3,1\r", Item::Malformed(b"+MQTTCLOSE: 3,1")),
        line(b"+MQTTBREAK: 1\r", Item::Malformed(b"+MQTTBREAK: 1")),
        line(b"+MQTTBREAK: 0,1\r", Item::Malformed(b"+MQTTBREAK: 0,1")),
        line(
            b"+MQTTMSG: 1,0,\"t\"\r",
            Item::Malformed(b"+MQTTMSG: 1,0,\"t\""),
        ),
        line(
            b"+MQTTMSG: 1,3,\"t\",\"p\"\r",
            Item::Malformed(b"+MQTTMSG: 1,3,\"t\",\"p\""),
        ),
        // A mode-0 payload holding a line end: the first part is reported as malformed.
        case(
            b"\r\n",
            b"+MQTTMSG: 1,0,\"t\",\"two\r",
            b"\nlines\"\r\n",
            Item::Malformed(b"+MQTTMSG: 1,0,\"t\",\"two"),
        ),
        line(b"+MQTTMSGI: 1,0,5\r", Item::Malformed(b"+MQTTMSGI: 1,0,5")),
        line(
            b"+MQTTMSGI: 1,3,5,5\r",
            Item::Malformed(b"+MQTTMSGI: 1,3,5,5"),
        ),
        line(
            b"+MQTTUSER: 1,\"u\"\r",
            Item::Malformed(b"+MQTTUSER: 1,\"u\""),
        ),
        line(
            b"+MQTTWILL: 1,\"t\",0,2,\"p\"\r",
            Item::Malformed(b"+MQTTWILL: 1,\"t\",0,2,\"p\""),
        ),
        line(b"+MQTTCONF: 2\r", Item::Malformed(b"+MQTTCONF: 2")),
        line(
            b"+MQTTREAD: 3,0,0,0\r",
            Item::Malformed(b"+MQTTREAD: 3,0,0,0"),
        ),
        line(
            b"+MQTTREAD: 1,0,0,0,x\r",
            Item::Malformed(b"+MQTTREAD: 1,0,0,0,x"),
        ),
        line(b"+MQTTREAD: 1\r", Item::Malformed(b"+MQTTREAD: 1")),
        case(
            b"\r\n",
            b"+MQTTREAD: 1,3,1,1,\"t\",\"p\"\r",
            b"\n",
            Item::Malformed(b"+MQTTREAD: 1,3,1,1,\"t\",\"p\""),
        ),
        line(b"ERROR: x\r", Item::Malformed(b"ERROR: x")),
        line(b"ERROR: 70000\r", Item::Malformed(b"ERROR: 70000")),
        line(b"+CSQ: x\r", Item::Malformed(b"+CSQ: x")),
        line(b"+CSQ: 31\r", Item::Malformed(b"+CSQ: 31")),
        line(b"+COPS: \"x\"\r", Item::Malformed(b"+COPS: \"x\"")),
        line(b"+MIPCALL: no!\r", Item::Malformed(b"+MIPCALL: no!")),
        line(b"+MIPCALL:\r", Item::Malformed(b"+MIPCALL:")),
        line(b"+CREG: x\r", Item::Malformed(b"+CREG: x")),
        // Noise: blank lines, lone CR or LF, NUL, binary garbage, no leading CRLF.
        case(b"\r\n\r\n\r\n", b"OK\r", b"\n", Item::Ok),
        case(b"\r", b"OK\r", b"", Item::Ok),
        case(b"\n", b"OK\n", b"", Item::Ok),
        case(b"\n\n", b"OK\n", b"\n", Item::Ok),
        case(b"\0\0\0", b"OK\r", b"\n", Item::Ok),
        case(
            b"\r\n\0\r\n",
            b"ERROR\r",
            b"\n",
            Item::Error(ErrorCode::Plain),
        ),
        case(
            b"\xff\xfe\x00\x1b\x80\x7f",
            b"AT+CSQ\r",
            b"\r\n",
            Item::Echo(b"AT+CSQ"),
        ),
        case(b"  \t", b"RDY\r", b"\n", Item::Line(b"RDY")),
        case(b"\x00\xf0", b"> ", b"\r\n", Item::Prompt),
        // Spacing of other firmware: spaces after any separator, in every line; never read
        // into a payload.
        case(
            b"\r\n",
            b"+MQTTREAD: 1, 0, 5, 4\r\n\"cmd/x\", \"a, b\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::AtMostOnce, b"cmd/x", b"a, b")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 1,0,5,4, \"cmd/x\", \"a, b\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::AtMostOnce, b"cmd/x", b"a, b")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 2, 1, 5, 6,  \"cmd/x\" ,  \" a, b \"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(TWO, QoS::AtLeastOnce, b"cmd/x", b" a, b ")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 1, 2, 1, 3\r\n\"t\", \", \"\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::ExactlyOnce, b"t", b", \"")),
        ),
        case(
            b"\r\n",
            b"+MQTTREAD: 1, 0, 1, 2\r\n\"t\",\t\"\r\n\"",
            b"\r\n\r\nOK\r\n",
            Item::Read(msg(ONE, QoS::AtMostOnce, b"t", b"\r\n")),
        ),
        line(b"+MQTTREAD: 2, 0, 0, 0\r", Item::ReadEmpty(TWO)),
        // An inline message of no topic and no payload is not a message (and not the empty
        // answer either), whether or not its line end has arrived.
        line(
            b"+MQTTREAD: 1,0,0,0,\"\",\"\"\r",
            Item::Malformed(b"+MQTTREAD: 1,0,0,0,\"\",\"\""),
        ),
        line(
            b"+MQTTMSG: 2, 1, \"cmd/x\", \" a, b \"\r",
            Item::Message(msg(TWO, QoS::AtLeastOnce, b"cmd/x", b" a, b ")),
        ),
        line(
            b"+MQTTMSG:1,0,\"t\",  \"\"\r",
            Item::Message(msg(ONE, QoS::AtMostOnce, b"t", b"")),
        ),
        line(
            b"+MQTTMSGI: 1, 0, 5, 4\r",
            Item::MessageWaiting {
                client: ONE,
                qos: QoS::AtMostOnce,
                topic_len: 5,
                payload_len: 4,
            },
        ),
        line(b"+MQTTOPEN: 1, 0\r", result(R::Open, ONE, 0)),
        line(b"+MQTTOPEN:  2,  1\r", result(R::Open, TWO, 1)),
        line(b"+MQTTCLOSE: 2, 1\r", result(R::Close, TWO, 1)),
        line(b"+MQTTSUB: 2, 1\r", result(R::Subscribe, TWO, 1)),
        line(b"+MQTTUNSUB: 1, 0\r", result(R::Unsubscribe, ONE, 0)),
        line(b"+MQTTOPEN: 1, 2\r", free(MqttCommand::Open, &[ONE, TWO])),
        line(
            b"+MQTTBREAK: 1, 2\r",
            Item::Break {
                client: ONE,
                cause: BreakCause::Link,
            },
        ),
        // `+MQTTLOSE`, the same report in other firmware.
        line(
            b"+MQTTLOSE: 1, 1\r",
            Item::Break {
                client: ONE,
                cause: BreakCause::Broker,
            },
        ),
        line(
            b"+MQTTLOSE: 2,3\r",
            Item::Break {
                client: TWO,
                cause: BreakCause::Network,
            },
        ),
        line(b"+MQTTLOSE: 1\r", Item::Malformed(b"+MQTTLOSE: 1")),
        line(b"+MQTTLOSE: 3, 1\r", Item::Malformed(b"+MQTTLOSE: 3, 1")),
        line(
            b"+MQTTUSER: 1, \"u\", \"p\", \"cid\"\r",
            Item::UserInfo {
                client: ONE,
                user: b"u",
                password: b"p",
                client_id: Some(b"cid"),
            },
        ),
        line(
            b"+MIPCALL: 1, 10.2.83.148\r",
            Item::MipCall(MipCall::Up(b"10.2.83.148")),
        ),
        line(
            b"+MIPCALL: 1, \"10.2.83.148\"\r",
            Item::MipCall(MipCall::Up(b"10.2.83.148")),
        ),
        line(
            b"+COPS: 0, 0, \"CHN-UNICOM\", 7\r",
            Item::Operator {
                mode: 0,
                name: Some(b"CHN-UNICOM"),
                act: Some(7),
            },
        ),
        line(b"+CSQ: 31, 99\r", Item::SignalQuality { rssi: 31, ber: 99 }),
        line(b"+CREG: 0, 1\r", reg(RegistrationKind::Creg, Some(0), 1)),
        line(
            b"+CEREG: 2, 1, \"1A2B\", \"0A1B2C3D\", 7\r",
            reg(RegistrationKind::Cereg, Some(2), 1),
        ),
        line(b"ERROR:  703\r", Item::Error(ErrorCode::Code(703))),
    ]
}

// ---------------------------------------------------------------------------------------------
// Table checks

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Leading bytes that cannot start a line.
fn leading_noise(input: &[u8]) -> usize {
    input
        .iter()
        .position(|b| (0x21..=0x7e).contains(b))
        .unwrap_or(input.len())
}

#[test]
fn every_case_parses_to_its_item_taking_exactly_its_bytes() {
    for c in cases() {
        let taken = c.before.len() + c.body.len();
        let full = cat(&[c.before, c.body, c.after]);
        assert_eq!(
            parse(&full),
            Parsed::Item(c.want, taken),
            "input {:?}",
            String::from_utf8_lossy(&full)
        );
        // Never needs the bytes after the item.
        let exact = cat(&[c.before, c.body]);
        assert_eq!(
            parse(&exact),
            Parsed::Item(c.want, taken),
            "input {:?}",
            String::from_utf8_lossy(&exact)
        );
        // What follows does not change it.
        let more = cat(&[c.before, c.body, b"\r\nOK\r\n+MQTTBREAK: 1,1\r\n"]);
        assert_eq!(parse(&more), Parsed::Item(c.want, taken));
    }
}

#[test]
fn every_proper_prefix_is_incomplete() {
    for c in cases() {
        let exact = cat(&[c.before, c.body]);
        let noise = leading_noise(&exact);
        for len in 0..exact.len() {
            let prefix = &exact[..len];
            let got = parse(prefix);
            match got {
                Parsed::Incomplete { noise: n, needed } => {
                    assert_eq!(n, noise.min(len), "noise of {prefix:?}");
                    // When a message's length is known, it is the whole item's.
                    if let (Some(needed), Item::Read(_)) = (needed, c.want) {
                        assert_eq!(needed, exact.len(), "needed for {prefix:?}");
                    }
                }
                // The prompt is reported as soon as its `>` is there.
                Parsed::Item(Item::Prompt, n) if c.want == Item::Prompt => {
                    assert_eq!(n, len, "{prefix:?}");
                    assert_eq!(prefix.last(), Some(&b'>'));
                }
                other => panic!(
                    "prefix {:?} of {:?} gave {other:?}",
                    String::from_utf8_lossy(prefix),
                    String::from_utf8_lossy(&exact)
                ),
            }
        }
    }
}

#[test]
fn read_lengths_are_known_once_the_payload_starts() {
    let header = b"+MQTTREAD: 1,0,5,3\r\n";
    let full = cat(&[header, b"\"hello\",\"abc\""]);
    // Header line complete, message not begun, or the topic begun: the spaces before the
    // payload may still vary, so the length is not yet known.
    for len in header.len()..header.len() + 9 {
        assert_eq!(
            parse(&full[..len]),
            Parsed::Incomplete {
                noise: 0,
                needed: None
            },
            "{len}"
        );
    }
    // Known from the payload's opening quote on.
    assert_eq!(
        parse(&full[..header.len() + 9]),
        Parsed::Incomplete {
            noise: 0,
            needed: Some(full.len())
        }
    );
    // The same with spaces before the payload.
    let spaced = cat(&[header, b"\"hello\",  \"abc\""]);
    assert_eq!(
        parse(&spaced[..header.len() + 11]),
        Parsed::Incomplete {
            noise: 0,
            needed: Some(spaced.len())
        }
    );
    // With noise before: counted in both.
    let noisy = cat(&[b"\r\n\0", &full[..full.len() - 1]]);
    assert_eq!(
        parse(&noisy),
        Parsed::Incomplete {
            noise: 3,
            needed: Some(full.len() + 3)
        }
    );
    // The inline layout: the same.
    let inline = b"+MQTTREAD: 2,1,1,1000,\"t\",\"";
    assert_eq!(
        parse(inline),
        Parsed::Incomplete {
            noise: 0,
            needed: Some(b"+MQTTREAD: 2,1,1,1000,".len() + 1 + 1000 + 5)
        }
    );
}

#[test]
fn read_header_without_its_message() {
    // The header line alone: the message may still come.
    let header = b"\r\n+MQTTREAD: 1,0,5,3\r\n";
    assert_eq!(
        parse(header),
        Parsed::Incomplete {
            noise: 2,
            needed: None
        }
    );
    // Something else comes instead: the header alone is malformed, and the rest still parses.
    let stream = cat(&[header, b"OK\r\n"]);
    assert_eq!(
        parse(&stream),
        Parsed::Item(Item::Malformed(b"+MQTTREAD: 1,0,5,3"), header.len() - 1)
    );
    assert_eq!(
        parse_all(&stream),
        [Item::Malformed(b"+MQTTREAD: 1,0,5,3"), Item::Ok]
    );
    // A message that does not match its lengths: the same.
    let stream = b"+MQTTREAD: 1,0,5,3\r\n\"hi\",\"abc\"\r\n\r\nOK\r\n";
    assert_eq!(
        parse_all(stream),
        [
            Item::Malformed(b"+MQTTREAD: 1,0,5,3"),
            Item::Line(b"\"hi\",\"abc\""),
            Item::Ok
        ]
    );
}

#[test]
fn incomplete_and_noise_only_inputs() {
    let table: [(&[u8], usize); 8] = [
        (b"", 0),
        (b"\r\n", 2),
        (b"\r", 1),
        (b"\n\n\n", 3),
        (b"\r\n\0\xff ", 5),
        (b"\r\nOK", 2),
        (b"+MQTTOPEN: 1,1", 0),
        (b"\0AT+CSQ", 1),
    ];
    for (input, noise) in table {
        assert_eq!(
            parse(input),
            Parsed::Incomplete {
                noise,
                needed: None
            },
            "{input:?}"
        );
    }
}

#[test]
fn test_form_answers_in_both_styles() {
    type Fields = &'static [Option<(u32, u32)>];
    let table: [(&[u8], MqttCommand, Fields); 13] = [
        (
            b"+MQTTUSER: (1,2),128,128,23",
            MqttCommand::User,
            &[
                Some((1, 2)),
                Some((128, 128)),
                Some((128, 128)),
                Some((23, 23)),
            ],
        ),
        (
            b"+MQTTUSER: (1-2),(128),(128),(23)",
            MqttCommand::User,
            &[
                Some((1, 2)),
                Some((128, 128)),
                Some((128, 128)),
                Some((23, 23)),
            ],
        ),
        (
            b"+MQTTUSER: (1-2), (128), (128), (23)",
            MqttCommand::User,
            &[
                Some((1, 2)),
                Some((128, 128)),
                Some((128, 128)),
                Some((23, 23)),
            ],
        ),
        // The manual's typo.
        (
            b"+MPQTTOPEN: (1,2),(\"Remote IP/URL\"),(1-65535),(0,1),(1-300)",
            MqttCommand::Open,
            &[
                Some((1, 2)),
                None,
                Some((1, 65535)),
                Some((0, 1)),
                Some((1, 300)),
            ],
        ),
        (
            b"+MQTTOPEN: (1-2),\"\",(1-65535),(0-1),(1-300)",
            MqttCommand::Open,
            &[
                Some((1, 2)),
                None,
                Some((1, 65535)),
                Some((0, 1)),
                Some((1, 300)),
            ],
        ),
        (b"+MQTTCLOSE: (1,2)", MqttCommand::Close, &[Some((1, 2))]),
        (b"+MQTTCLOSE: (1-2)", MqttCommand::Close, &[Some((1, 2))]),
        (
            b"+MQTTSUB: (1,2),255,(0-2)",
            MqttCommand::Sub,
            &[Some((1, 2)), Some((255, 255)), Some((0, 2))],
        ),
        (
            b"+MQTTUNSUB: (1,2),255",
            MqttCommand::Unsub,
            &[Some((1, 2)), Some((255, 255))],
        ),
        (
            b"+MQTTPUB: (1,2),255,(0,1,2),(0,1),1024",
            MqttCommand::Pub,
            &[
                Some((1, 2)),
                Some((255, 255)),
                Some((0, 2)),
                Some((0, 1)),
                Some((1024, 1024)),
            ],
        ),
        (
            b"+MQTTWILL: (1-2),(255),(0-2),(0-1),(1024)",
            MqttCommand::Will,
            &[
                Some((1, 2)),
                Some((255, 255)),
                Some((0, 2)),
                Some((0, 1)),
                Some((1024, 1024)),
            ],
        ),
        (b"+MQTTCONF: (0,1)", MqttCommand::Conf, &[Some((0, 1))]),
        (b"+MQTTREAD: (1,2)", MqttCommand::Read, &[Some((1, 2))]),
    ];
    for (text, command, fields) in table {
        let input = cat(&[b"\r\n", text, b"\r\n"]);
        match parse(&input) {
            Parsed::Item(Item::Capabilities(caps), n) => {
                assert_eq!(n, input.len() - 1, "{text:?}");
                assert_eq!(caps.command, command, "{text:?}");
                assert_eq!(caps.fields(), fields, "{text:?}");
                for (i, f) in fields.iter().enumerate() {
                    assert_eq!(caps.field(i), *f);
                }
                assert_eq!(caps.field(fields.len()), None);
            }
            other => panic!("{:?} gave {other:?}", String::from_utf8_lossy(text)),
        }
    }
    // More fields than kept: the first six.
    match parse(b"+MQTTUSER: (1),(2),(3),(4),(5),(6),(7),(8)\r") {
        Parsed::Item(Item::Capabilities(caps), _) => {
            assert_eq!(caps.fields().len(), 6);
            assert_eq!(caps.field(5), Some((6, 6)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn small_helpers_on_items() {
    assert_eq!(ErrorCode::Code(703).code(), Some(703));
    assert_eq!(ErrorCode::Cme(702).code(), Some(702));
    assert_eq!(ErrorCode::Plain.code(), None);
    assert_eq!(ErrorCode::CmeText(b"x").code(), None);
    for (stat, registered) in [(0, false), (1, true), (2, false), (3, false), (5, true)] {
        let r = Registration {
            kind: RegistrationKind::Creg,
            mode: None,
            stat,
        };
        assert_eq!(r.registered(), registered, "stat {stat}");
    }
}

// ---------------------------------------------------------------------------------------------
// The decoder over a bounded buffer

/// What the decoder reported, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Item(String),
    Overflow,
}

fn it(item: Item<'_>) -> Event {
    Event::Item(format!("{item:?}"))
}

/// Feeds `stream` in chunks of `chunk` bytes into a receive buffer of `capacity` bytes, decoding
/// after each chunk and moving the unconsumed bytes to the front. Returns the items and overflows,
/// and checks that every decode that is not `Incomplete` takes bytes, that a full buffer never
/// stays full, and that every byte is accounted for.
fn feed(stream: &[u8], chunk: usize, capacity: usize) -> Vec<Event> {
    let mut buf = vec![0u8; capacity];
    let mut len = 0;
    let mut fed = 0;
    let mut consumed = 0;
    let mut decoder = Decoder::new();
    let mut events = Vec::new();
    loop {
        let n = chunk.min(capacity - len).min(stream.len() - fed);
        buf[len..len + n].copy_from_slice(&stream[fed..fed + n]);
        len += n;
        fed += n;
        let mut pos = 0;
        loop {
            let d = decoder.decode(&buf[pos..len], capacity);
            match d {
                Decoded::Incomplete => break,
                Decoded::Item(item, _) => events.push(it(item)),
                Decoded::Overflow { .. } => events.push(Event::Overflow),
                Decoded::Skipped { .. } => {}
            }
            assert!(d.consumed() > 0, "{d:?} took nothing");
            assert!(d.consumed() <= len - pos);
            pos += d.consumed();
        }
        consumed += pos;
        buf.copy_within(pos..len, 0);
        len -= pos;
        assert!(len < capacity, "the buffer stayed full");
        if n == 0 && fed == stream.len() {
            break;
        }
    }
    assert_eq!(consumed + len, stream.len());
    events
}

#[test]
fn overlong_line_is_reported_once_and_skipped_to_its_end() {
    let long = vec![b'X'; 100];
    let stream = cat(&[b"\r\nOK\r\n\r\n", &long, b"\r\n\r\n+MQTTSUB: 1,1\r\n"]);
    for capacity in [16, 32, 99] {
        for chunk in [1, 2, 3, 7, 16, 64, 1000] {
            assert_eq!(
                feed(&stream, chunk, capacity),
                [
                    it(Item::Ok),
                    Event::Overflow,
                    it(Item::Result {
                        command: ResultOf::Subscribe,
                        client: ONE,
                        status: 1
                    })
                ],
                "capacity {capacity}, chunk {chunk}"
            );
        }
    }
    // Large enough: the line is an item.
    assert_eq!(
        feed(&stream, 7, 128),
        [
            it(Item::Ok),
            it(Item::Line(&long)),
            it(Item::Result {
                command: ResultOf::Subscribe,
                client: ONE,
                status: 1
            })
        ]
    );
}

#[test]
fn line_exactly_filling_the_buffer_is_an_item() {
    // "OK" and its CR: 3 bytes.
    assert_eq!(feed(b"OK\r\n", 1, 3), [it(Item::Ok)]);
    // One byte less and it cannot fit.
    assert_eq!(
        feed(b"OK\r\nOK\r\n", 1, 2),
        [Event::Overflow, Event::Overflow]
    );
    // Noise before a line does not count against it once it has been dropped.
    assert_eq!(feed(b"\r\n\r\n\0\0OK\r\n", 1, 3), [it(Item::Ok)]);
}

#[test]
fn oversized_read_is_skipped_by_its_announced_length() {
    // A payload of 200 bytes that holds what looks like the end of the answer, and more.
    let mut payload = b"\r\n\r\nOK\r\n+MQTTBREAK: 1,1\r\n\"".to_vec();
    payload.resize(200, b'p');
    for (layout, gap) in [
        (&b"\r\n"[..], &b","[..]),
        (b",", b","),
        (b"\r\n", b", "),
        (b", ", b",   "),
    ] {
        let stream = cat(&[
            b"\r\n+MQTTREAD: 1,1,5,200",
            layout,
            b"\"hello\"",
            gap,
            b"\"",
            &payload,
            b"\"\r\n\r\nOK\r\n\r\n+MQTTMSGI: 2,0,1,1\r\n",
        ]);
        for chunk in [1, 5, 32, 64, 1000] {
            assert_eq!(
                feed(&stream, chunk, 64),
                [
                    Event::Overflow,
                    it(Item::Ok),
                    it(Item::MessageWaiting {
                        client: TWO,
                        qos: QoS::AtMostOnce,
                        topic_len: 1,
                        payload_len: 1
                    })
                ],
                "chunk {chunk}"
            );
        }
        // With room for it, it is read.
        assert_eq!(
            feed(&stream, 9, 512),
            [
                it(Item::Read(Message {
                    client: ONE,
                    qos: QoS::AtLeastOnce,
                    topic: b"hello",
                    payload: &payload
                })),
                it(Item::Ok),
                it(Item::MessageWaiting {
                    client: TWO,
                    qos: QoS::AtMostOnce,
                    topic_len: 1,
                    payload_len: 1
                })
            ]
        );
    }
}

#[test]
fn read_longer_than_the_buffer_before_its_payload_is_skipped_by_its_lengths() {
    // The topic alone fills the buffer, so the spaces before the payload have not arrived when
    // the message is found too long: it is still dropped by its lengths, not to a line end.
    let topic = [b't'; 80];
    let payload = b"\r\nOK\r\n+MQTTBREAK: 1,1\r\n\"";
    for gap in [&b","[..], b", ", b" ,\t ", b",      "] {
        let stream = cat(&[
            b"\r\n+MQTTREAD: 1, 1, 80, ",
            payload.len().to_string().as_bytes(),
            b"\r\n\"",
            &topic,
            b"\"",
            gap,
            b"\"",
            payload,
            b"\"\r\n\r\nOK\r\n\r\n+MQTTSUB: 2, 1\r\n",
        ]);
        for chunk in [1, 3, 16, 64, 1000] {
            assert_eq!(
                feed(&stream, chunk, 48),
                [
                    Event::Overflow,
                    it(Item::Ok),
                    it(Item::Result {
                        command: ResultOf::Subscribe,
                        client: TWO,
                        status: 1
                    })
                ],
                "gap {gap:?}, chunk {chunk}"
            );
        }
    }
    // Something other than the separator after the topic ends the skip, and is parsed.
    let stream = cat(&[b"+MQTTREAD: 1,0,80,4\r\n\"", &topic, b"\"\r\nOK\r\n"]);
    assert_eq!(feed(&stream, 5, 48), [Event::Overflow, it(Item::Ok)]);
}

#[test]
fn decoder_steps_exactly() {
    let mut d = Decoder::new();
    // Noise first, on its own.
    assert_eq!(d.decode(b"\r\n\0OK", 16), Decoded::Skipped { consumed: 3 });
    assert_eq!(d.decode(b"OK", 16), Decoded::Incomplete);
    assert_eq!(d.decode(b"OK\r\n", 16), Decoded::Item(Item::Ok, 3));

    // A full buffer with no line end: overflow, then the rest of the line is dropped.
    assert_eq!(d.decode(b"ABCDEFGH", 8), Decoded::Overflow { consumed: 8 });
    assert_eq!(d.decode(b"", 8), Decoded::Incomplete);
    assert_eq!(d.decode(b"IJ", 8), Decoded::Skipped { consumed: 2 });
    assert_eq!(
        d.decode(b"KL\r\nOK\r\n", 8),
        Decoded::Skipped { consumed: 3 }
    );
    // Noise before an item is taken with it.
    assert_eq!(d.decode(b"\nOK\r\n", 8), Decoded::Item(Item::Ok, 4));

    // A read announcing more than the capacity: dropped at once, then by length.
    let head = b"+MQTTREAD: 1,0,1,100,\"t\",\"";
    let total = head.len() + 100 + 1;
    assert_eq!(
        parse(head),
        Parsed::Incomplete {
            noise: 0,
            needed: Some(total)
        }
    );
    assert_eq!(
        d.decode(head, 64),
        Decoded::Overflow {
            consumed: head.len()
        }
    );
    assert_eq!(d.decode(&[b'x'; 60], 64), Decoded::Skipped { consumed: 60 });
    assert_eq!(d.decode(&[b'x'; 30], 64), Decoded::Skipped { consumed: 30 });
    // 10 payload bytes and the closing quote remain.
    assert_eq!(
        d.decode(b"0123456789\"\r\nOK\r\n", 64),
        Decoded::Skipped { consumed: 11 }
    );
    assert_eq!(d.decode(b"\r\nOK\r\n", 64), Decoded::Item(Item::Ok, 5));

    // While dropping, a full buffer is dropped whole.
    let mut d = Decoder::new();
    assert_eq!(d.decode(b"AAAA", 4), Decoded::Overflow { consumed: 4 });
    assert_eq!(d.decode(b"AAAA", 4), Decoded::Skipped { consumed: 4 });
    assert_eq!(d.decode(b"AA\rA", 4), Decoded::Skipped { consumed: 3 });
    assert_eq!(d.decode(b"A", 4), Decoded::Incomplete);
}

#[test]
fn a_full_buffer_always_makes_progress() {
    let fills: [&[u8]; 8] = [
        b"AAAAAAAAAAAAAAAA",
        b"\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
        b"\0\0\0\0\0\0\0\0OKOKOKOK",
        b"+MQTTREAD: 1,0,5",
        b"+MQTTREAD: 1,0,5,3\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n",
        b"+MQTTREAD: 1,0,1,1\r\n\"",
        b"\r\n+MQTTMSG: 1,0,\"",
        b"> > > > > > > > > ",
    ];
    for fill in fills {
        for capacity in 1..=fill.len() {
            let input = &fill[..capacity];
            let mut d = Decoder::new();
            let got = d.decode(input, capacity);
            assert!(
                got.consumed() > 0,
                "{got:?} on a full buffer {input:?} of {capacity}"
            );
            // Then every step on what is left takes bytes, until more are needed.
            let mut rest = &input[got.consumed()..];
            loop {
                let got = d.decode(rest, capacity);
                if got == Decoded::Incomplete {
                    break;
                }
                assert!(got.consumed() > 0, "{got:?} on {rest:?}");
                rest = &rest[got.consumed()..];
            }
        }
    }
}

#[test]
fn an_empty_buffer_never_reports_progress() {
    for capacity in [0, 1, 64] {
        assert_eq!(Decoder::new().decode(b"", capacity), Decoded::Incomplete);
    }
}

// ---------------------------------------------------------------------------------------------
// The manual's section 3, byte for byte

struct Exchange {
    /// The command as the manual writes it.
    text: &'static str,
    /// The same, typed.
    command: Command<'static>,
    /// What the module sends after the echo.
    answer: &'static [u8],
    /// The items the whole exchange (echo included) parses to.
    items: Vec<Item<'static>>,
}

fn manual_exchanges() -> Vec<Exchange> {
    use ResultOf as R;
    let echo = |s: &'static str| Item::Echo(s.as_bytes());
    vec![
        // 3.1 MQTT Connection Established
        Exchange {
            text: "AT+COPS?",
            command: Command::Query(Query::Cops),
            answer: b"\r\n+COPS: 0,0,\"CHN-UNICOM\",7\r\n\r\nOK\r\n",
            items: vec![
                echo("AT+COPS?"),
                Item::Operator {
                    mode: 0,
                    name: Some(b"CHN-UNICOM"),
                    act: Some(7),
                },
                Item::Ok,
            ],
        },
        Exchange {
            text: "AT+MIPCALL=1",
            command: Command::MipCallUp {
                apn: None,
                credentials: None,
            },
            answer: b"\r\nOK\r\n\r\n+MIPCALL: 10.2.83.148\r\n",
            items: vec![
                echo("AT+MIPCALL=1"),
                Item::Ok,
                Item::MipCall(MipCall::Up(b"10.2.83.148")),
            ],
        },
        Exchange {
            text: "AT+MQTTOPEN?",
            command: Command::Mqtt(MqttCommand::Open, fibocom_mqtt::codec::Form::Read),
            answer: b"\r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n",
            items: vec![
                echo("AT+MQTTOPEN?"),
                free(MqttCommand::Open, &[ONE, TWO]),
                Item::Ok,
            ],
        },
        Exchange {
            text: "AT+MQTTUSER=1,\"username\",\"passwd\",\"ClientIDStr\"",
            command: Command::User {
                id: ONE,
                user: "username",
                password: "passwd",
                client_id: Some("ClientIDStr"),
            },
            answer: b"\r\nOK\r\n",
            items: vec![
                echo("AT+MQTTUSER=1,\"username\",\"passwd\",\"ClientIDStr\""),
                Item::Ok,
            ],
        },
        Exchange {
            text: "AT+MQTTOPEN=1,\"MQTT BrokerServer\",1883,0,80",
            command: Command::Open {
                id: ONE,
                host: "MQTT BrokerServer",
                port: 1883,
                clean_session: false,
                keepalive: 80,
            },
            answer: b"\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n",
            items: vec![
                echo("AT+MQTTOPEN=1,\"MQTT BrokerServer\",1883,0,80"),
                Item::Ok,
                result(R::Open, ONE, 1),
            ],
        },
        // 3.2 MQTT Message Process
        Exchange {
            text: "AT+MQTTSUB=1,\"topic1\",0",
            command: Command::Subscribe {
                id: ONE,
                topic: "topic1",
                qos: QoS::AtMostOnce,
            },
            answer: b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n\r\n+MQTTMSG: 1,0,\"topic1\",\"Test\"\r\n",
            items: vec![
                echo("AT+MQTTSUB=1,\"topic1\",0"),
                Item::Ok,
                result(R::Subscribe, ONE, 1),
                Item::Message(msg(ONE, QoS::AtMostOnce, b"topic1", b"Test")),
            ],
        },
        Exchange {
            text: "AT+MQTTPUB=1,\"topic1\",1,0,\"9\"",
            command: Command::Publish {
                id: ONE,
                topic: "topic1",
                qos: QoS::AtLeastOnce,
                retain: false,
                payload: b"9",
                form: fibocom_mqtt::codec::PayloadForm::Auto,
            },
            answer: b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n",
            items: vec![
                echo("AT+MQTTPUB=1,\"topic1\",1,0,\"9\""),
                Item::Ok,
                result(R::Publish, ONE, 1),
            ],
        },
        Exchange {
            text: "AT+MQTTUNSUB=1,\"topic1\"",
            command: Command::Unsubscribe {
                id: ONE,
                topic: "topic1",
            },
            answer: b"\r\nOK\r\n\r\n+MQTTUNSUB: 1,1\r\n",
            items: vec![
                echo("AT+MQTTUNSUB=1,\"topic1\""),
                Item::Ok,
                result(R::Unsubscribe, ONE, 1),
            ],
        },
        Exchange {
            text: "AT+MQTTWILL=1,\"topic1\",1,1,\"Tell you, I'm dead.\"",
            command: Command::Will {
                id: ONE,
                topic: "topic1",
                qos: QoS::AtLeastOnce,
                retain: true,
                payload: b"Tell you, I'm dead.",
                form: PayloadForm::Text,
            },
            answer: b"\r\nOK\r\n",
            items: vec![
                echo("AT+MQTTWILL=1,\"topic1\",1,1,\"Tell you, I'm dead.\""),
                Item::Ok,
            ],
        },
        // 3.3 MQTT Disconnect, then the unexpected drop.
        Exchange {
            text: "AT+MQTTCLOSE=1",
            command: Command::Close(ONE),
            answer:
                b"\r\nOK\r\n\r\n+MQTTCLOSE: 1,1\r\n\r\n+MQTTBREAK: 1,1\r\n\r\n+MQTTCLOSE: 1,1\r\n",
            items: vec![
                echo("AT+MQTTCLOSE=1"),
                Item::Ok,
                result(R::Close, ONE, 1),
                Item::Break {
                    client: ONE,
                    cause: BreakCause::Broker,
                },
                result(R::Close, ONE, 1),
            ],
        },
    ]
}

/// All items of `input`, by `parse` alone; panics if anything is left but noise.
fn parse_all(input: &[u8]) -> Vec<Item<'_>> {
    let mut items = Vec::new();
    let mut rest = input;
    loop {
        match parse(rest) {
            Parsed::Item(item, n) => {
                assert!(n > 0 && n <= rest.len());
                items.push(item);
                rest = &rest[n..];
            }
            Parsed::Incomplete { noise, needed } => {
                assert_eq!(noise, rest.len(), "left over: {rest:?}");
                assert_eq!(needed, None);
                return items;
            }
        }
    }
}

#[test]
fn manual_section_3_commands_encode_as_written() {
    for ex in manual_exchanges() {
        let mut buf = [0u8; 256];
        let n = ex.command.encode(&mut buf, LineEnd::Cr).expect("encode");
        assert_eq!(String::from_utf8_lossy(&buf[..n]), format!("{}\r", ex.text));
        let n = ex.command.encode(&mut buf, LineEnd::CrLf).expect("encode");
        assert_eq!(&buf[..n], format!("{}\r\n", ex.text).as_bytes());
    }
}

#[test]
fn manual_section_3_replays_with_echo_on() {
    let mut stream = Vec::new();
    let mut all_items = Vec::new();
    for ex in manual_exchanges() {
        // The echo is the command line exactly as sent.
        let mut line = [0u8; 256];
        let n = ex.command.encode(&mut line, LineEnd::Cr).expect("encode");
        let bytes = cat(&[&line[..n], ex.answer]);
        assert_eq!(parse_all(&bytes), ex.items, "{}", ex.text);
        stream.extend_from_slice(&bytes);
        all_items.extend(ex.items.iter().map(|&i| it(i)));
    }
    // The whole session as one stream, through the decoder, in chunks of every size.
    let whole: Vec<Event> = parse_all(&stream).into_iter().map(it).collect();
    assert_eq!(whole, all_items);
    for chunk in 1..=stream.len() {
        assert_eq!(feed(&stream, chunk, 128), all_items, "chunk {chunk}");
    }
}

#[test]
fn manual_section_3_replays_with_echo_off_and_crlf_echo() {
    for ex in manual_exchanges() {
        // Echo off: no echo item.
        assert_eq!(parse_all(ex.answer), ex.items[1..], "{}", ex.text);
        // Echo ended by CR CR LF.
        let bytes = cat(&[ex.text.as_bytes(), b"\r", ex.answer]);
        assert_eq!(parse_all(&bytes), ex.items, "{}", ex.text);
    }
}

#[test]
fn unsolicited_lines_between_echo_and_ok() {
    let stream = b"AT+MQTTSUB=2,\"a\",1\r\r\n+CREG: 1\r\n\r\nRDY\r\n\r\n+SIM READY\r\n\r\n+CGREG: 5\r\n\r\nOK\r\n";
    assert_eq!(
        parse_all(stream),
        [
            Item::Echo(b"AT+MQTTSUB=2,\"a\",1"),
            reg(RegistrationKind::Creg, None, 1),
            Item::Line(b"RDY"),
            Item::Line(b"+SIM READY"),
            reg(RegistrationKind::Cgreg, None, 5),
            Item::Ok,
        ]
    );
}

#[test]
fn data_publish_prompt_after_echo() {
    for prompt in [&b"\r\n>\r\n"[..], b">\r\n", b"> ", b"\r\n> ", b">"] {
        let stream = cat(&[b"AT+MQTTPUB=1,\"t\",0,0,5\r", prompt]);
        assert_eq!(
            parse_all(&stream),
            [Item::Echo(b"AT+MQTTPUB=1,\"t\",0,0,5"), Item::Prompt],
            "{prompt:?}"
        );
        // Then OK and the result line.
        let stream = cat(&[&stream, b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n"]);
        assert_eq!(
            parse_all(&stream),
            [
                Item::Echo(b"AT+MQTTPUB=1,\"t\",0,0,5"),
                Item::Prompt,
                Item::Ok,
                result(ResultOf::Publish, ONE, 1)
            ]
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Seed corpus for the fuzz target

/// The seed corpus of the `parse` fuzz target (`fuzz/corpus/parse/`) is made from the cases
/// above: the table in groups of five cases, the manual's session, and the overflow streams.
/// This checks that the committed seeds are what the cases make; after changing the cases,
/// write them again with `FIBOCOM_WRITE_SEEDS=1 cargo test --test codec_parse fuzz_seed_corpus`.
#[test]
fn fuzz_seed_corpus_matches_the_cases() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/parse");
    let rewrite = std::env::var_os("FIBOCOM_WRITE_SEEDS").is_some();
    if rewrite {
        std::fs::create_dir_all(&dir).expect("create the corpus directory");
    }
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        if rewrite {
            std::fs::write(&path, bytes).expect("write a seed");
        } else {
            let committed = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("seed {} missing ({e}): write the seeds again", name));
            assert!(
                committed == bytes,
                "seed {name} is stale: write the seeds again"
            );
        }
    };

    for (i, group) in cases().chunks(5).enumerate() {
        let bytes: Vec<u8> = group
            .iter()
            .flat_map(|c| cat(&[c.before, c.body, c.after]))
            .collect();
        write(&format!("table-{i:02}"), &bytes);
    }

    let mut session = Vec::new();
    for ex in manual_exchanges() {
        let mut line = [0u8; 256];
        let n = ex.command.encode(&mut line, LineEnd::Cr).expect("encode");
        session.extend_from_slice(&line[..n]);
        session.extend_from_slice(ex.answer);
    }
    write("manual-section-3", &session);

    let mut payload = b"\r\n\r\nOK\r\n+MQTTBREAK: 1,1\r\n\"".to_vec();
    payload.resize(200, b'p');
    write(
        "read-oversized",
        &cat(&[
            b"\r\n+MQTTREAD: 1,1,5,200\r\n\"hello\",\"",
            &payload,
            b"\"\r\n\r\nOK\r\n\r\n+MQTTMSGI: 2,0,1,1\r\n",
        ]),
    );
    let mut topic = b"t/".to_vec();
    topic.resize(80, b't');
    write(
        "read-spaced-long-topic",
        &cat(&[
            b"\r\n+MQTTREAD: 1, 1, 80, 24\r\n\"",
            &topic,
            b"\",   \"\r\nOK\r\n+MQTTBREAK: 1,1\r\n\"\"\r\n\r\nOK\r\n",
            b"\r\n+MQTTREAD: 2, 0, 80, 4, \"",
            &topic,
            b"\", \"a, b\"\r\n\r\nOK\r\n\r\n+MQTTLOSE: 2, 1\r\n",
        ]),
    );
    write(
        "line-overlong",
        &cat(&[
            b"\r\nOK\r\n\r\n",
            &[b'X'; 100],
            b"\r\n\r\n+MQTTSUB: 1,1\r\n",
        ]),
    );
    write(
        "publish-prompt",
        b"AT+MQTTPUB=1,\"t\",0,0,5\r\r\n> \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n",
    );
}

#[test]
fn a_read_header_announcing_more_than_64_kib_is_garbled_not_waited_for() {
    let input = b"+MQTTREAD: 1,0,5,2000000000\r\n\"topic\",\"x\"\r\n\r\nOK\r\n";
    match parse(input) {
        Parsed::Item(Item::Malformed(line), n) => {
            assert_eq!(line, b"+MQTTREAD: 1,0,5,2000000000");
            assert_eq!(n, 28);
        }
        other => panic!("expected a malformed header, got {other:?}"),
    }
    // At the limit the message is still read by its lengths (and waited for).
    let at_limit = b"+MQTTREAD: 1,0,5,65535\r\n\"topic\",\"";
    assert_eq!(
        parse(at_limit),
        Parsed::Incomplete {
            noise: 0,
            needed: Some(24 + 1 + 5 + 3 + 65_535 + 1)
        }
    );
}
