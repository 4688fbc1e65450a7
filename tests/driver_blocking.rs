//! The blocking driver: the same flows over the scripted port, and the basic ones over
//! embedded-hal-mock's serial mock through an embedded-hal-nb adapter.

mod common;
#[path = "common/halmock.rs"]
mod halmock;

use common::*;
use embassy_time::{Duration, Instant};
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::codec::{MqttCommand, PayloadForm};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{
    BreakCause, ClientId, ClientSet, ConnState, Error, ModuleError, QoS, Refusal, SimState,
};

/// Runs `$body` with a blocking client `$c` over the script; checks it was played exactly.
macro_rules! blocking {
    ($script:expr, $config:expr, |$c:ident| $body:expr) => {{
        let s = fibocom_mqtt::scripted::Script::new($script);
        let out = {
            let mut client = Modem::<_, 1536>::new(s.port(), $config);
            let $c = &mut client;
            $body
        };
        if let Err(e) = s.finish() {
            panic!("script not played exactly: {e}");
        }
        out
    }};
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A plain `ERROR` answer to `command`.
fn refused(command: AtCommand) -> Error {
    Error::Module(ModuleError::new(command, None))
}

// ---------------------------------------------------------------------------------------------
// Over the scripted port.

#[test]
fn start_probes_until_answered() {
    let script = r#"
>> AT\r
>> AT\r
<< AT\r\r\nOK\r\n
>> ATE0\r
<< ATE0\r\r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#;
    let r = blocking!(script, fast(), |c| c.start());
    assert_eq!(r, Ok(()));
}

#[test]
fn mqtt_flow() {
    let script = r#"
>> AT+MQTTUSER=1,"u","p","cid"\r
<< \r\nOK\r\n
>> AT+MQTTWILL=1,"w",1,1,"bye"\r
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"a/#",1\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTPUB=1,"a/b",1,0,"hi there"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"a/b",0,1,4\r
<< \r\n>\r\n
>> "\r\n\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"a/b",0,0,2\r
<< >\s
>> ok
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTUNSUB=1,"a/#"\r
<< \r\nOK\r\n\r\n+MQTTUNSUB: 1,1\r\n
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n\r\n+MQTTCLOSE: 1,1\r\n
>> AT+MQTTCONF=0\r
<< \r\nOK\r\n
"#;
    let r = blocking!(script, fast(), |c| {
        let mut states = vec![];
        c.set_user(ClientId::One, "u", "p", Some("cid")).unwrap();
        c.set_will(ClientId::One, "w", QoS::AtLeastOnce, true, "bye")
            .unwrap();
        c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
        states.push(c.state(ClientId::One));
        c.subscribe(ClientId::One, "a/#", QoS::AtLeastOnce).unwrap();
        c.publish(ClientId::One, "a/b", b"hi there", QoS::AtLeastOnce, false)
            .unwrap();
        c.publish(ClientId::One, "a/b", b"\"\r\n\0", QoS::AtMostOnce, true)
            .unwrap();
        c.publish_with(
            ClientId::One,
            "a/b",
            b"ok",
            QoS::AtMostOnce,
            false,
            PayloadForm::Data,
        )
        .unwrap();
        c.unsubscribe(ClientId::One, "a/#").unwrap();
        c.close(ClientId::One).unwrap();
        states.push(c.state(ClientId::One));
        c.set_receive_mode(fibocom_mqtt::ReceiveMode::Direct)
            .unwrap();
        states
    });
    assert_eq!(r, vec![ConnState::Open, ConnState::Closed]);
}

#[test]
fn queries_call_and_raw() {
    let script = r#"
>> AT+CSQ\r
<< \r\n+CSQ: 18,0\r\n\r\nOK\r\n
>> AT+CPIN?\r
<< \r\n+CPIN: READY\r\n\r\nOK\r\n
>> AT+COPS?\r
<< \r\n+COPS: 0,0,"Op",7\r\n\r\nOK\r\n
>> AT+CEREG?\r
<< \r\n+CEREG: 0,5\r\n\r\nOK\r\n
>> AT+MQTTOPEN?\r
<< \r\n+MQTTOPEN: 2\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
>> AT+MQTTUSER?\r
<< \r\n+MQTTUSER: 1,"u","p"\r\n\r\nOK\r\n
>> AT+MQTTWILL?\r
<< \r\n+MQTTWILL: 2,"w",2,0,"x"\r\n\r\nOK\r\n
>> AT+MQTTCONF?\r
<< \r\n+MQTTCONF: 1\r\n\r\nOK\r\n
>> AT+MQTTPUB=?\r
<< \r\n+MQTTPUB: (1,2),("topic"),(0-2),(0,1),(1-1024)\r\n\r\nOK\r\n
>> ATI\r
<< \r\nFibocom\r\nNL668\r\n\r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MIPCALL=1,"apn"\r
<< \r\nOK\r\n\r\n+MIPCALL: 10.9.8.7\r\n
>> AT+MIPCALL=0\r
<< \r\nOK\r\n\r\n+MIPCALL: 0\r\n
>> AT+GSN\r
<< \r\n8679\r\n\r\nOK\r\n
>> AT+NOPE\r
<< \r\n+CME ERROR: 4\r\n
"#;
    let r = blocking!(script, fast(), |c| {
        let csq = c.signal_quality().unwrap();
        assert_eq!((csq.rssi, csq.ber), (18, 0));
        assert_eq!(c.sim_state(), Ok(SimState::Ready));
        let op = c.operator().unwrap();
        assert_eq!((op.mode, op.name.as_str(), op.act), (0, "Op", Some(7)));
        let reg = c
            .registration(fibocom_mqtt::codec::RegistrationKind::Cereg)
            .unwrap();
        assert_eq!((reg.mode, reg.stat), (Some(0), 5));
        assert_eq!(c.free_clients(), Ok(ClientSet::EMPTY.with(ClientId::Two)));
        assert_eq!(c.closable_clients(), Ok(ClientSet::EMPTY));
        let mut users = vec![];
        c.stored_users(|u| users.push((u.client, u.user.to_vec(), u.client_id.is_some())))
            .unwrap();
        assert_eq!(users, vec![(ClientId::One, b"u".to_vec(), false)]);
        let mut wills = vec![];
        c.stored_wills(|w| wills.push((w.client, w.qos, w.retain, w.payload.to_vec())))
            .unwrap();
        assert_eq!(
            wills,
            vec![(ClientId::Two, QoS::ExactlyOnce, false, b"x".to_vec())]
        );
        assert_eq!(c.receive_mode(), Ok(fibocom_mqtt::ReceiveMode::Buffered));
        let caps = c.capabilities(MqttCommand::Pub).unwrap();
        assert_eq!(caps.field(4), Some((1, 1024)));
        let mut id = vec![];
        c.identify(|l| id.push(l.to_vec())).unwrap();
        assert_eq!(id, vec![b"Fibocom".to_vec(), b"NL668".to_vec()]);
        assert_eq!(c.data_call(), Ok(None));
        assert_eq!(
            c.attach(Some("apn"), None)
                .as_deref()
                .map(|s| s.to_string()),
            Ok("10.9.8.7".to_string())
        );
        // The call is up: a second attach keeps it and sends nothing.
        assert_eq!(
            c.attach(None, None).as_deref().map(|s| s.to_string()),
            Ok("10.9.8.7".to_string())
        );
        assert_eq!(c.detach(), Ok(()));
        let mut raw = vec![];
        c.raw("+GSN", |l| raw.push(l.to_vec())).unwrap();
        assert_eq!(raw, vec![b"8679".to_vec()]);
        c.raw("+NOPE", |_| panic!("no line expected"))
    });
    assert_eq!(
        r,
        Err(Error::Module(ModuleError::new(AtCommand::Raw, Some(4))))
    );
}

#[test]
fn local_refusals_write_nothing() {
    let r = blocking!(OPEN1, fast(), |c| {
        let long = "t".repeat(256);
        let mut out = vec![
            c.publish(ClientId::One, "t", b"x", QoS::AtMostOnce, false),
            c.subscribe(ClientId::One, &long, QoS::AtMostOnce),
            c.subscribe(ClientId::Two, "a\",0\rAT+MQTTCLOSE=1\r", QoS::AtMostOnce),
        ];
        c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
        out.push(c.set_will(ClientId::One, "w", QoS::AtMostOnce, false, ""));
        out.push(c.open(ClientId::One, Broker::new("broker", 1883)));
        out
    });
    assert_eq!(
        r[0],
        Err(Error::WrongState {
            client: ClientId::One,
            state: ConnState::Closed
        })
    );
    assert!(matches!(r[1], Err(Error::Invalid(_))), "{:?}", r[1]);
    assert!(matches!(r[2], Err(Error::Invalid(_))), "{:?}", r[2]);
    assert_eq!(
        r[3],
        Err(Error::WrongState {
            client: ClientId::One,
            state: ConnState::Open
        })
    );
    assert_eq!(
        r[4],
        Err(Error::WrongState {
            client: ClientId::One,
            state: ConnState::Open
        })
    );
}

#[test]
fn refusals_and_failures() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\nERROR: 703\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\n+CME ERROR: 703\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTOPEN: 1,0\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR\r\n
"#;
    let r = blocking!(script, fast(), |c| {
        (0..4)
            .map(|_| {
                let r = c.open(ClientId::One, Broker::new("broker", 1883));
                (r, c.state(ClientId::One))
            })
            .collect::<Vec<_>>()
    });
    assert_eq!(
        r,
        vec![
            (
                Err(Error::Refused(Refusal::BadCredentials)),
                ConnState::Closed
            ),
            (
                Err(Error::Refused(Refusal::BadCredentials)),
                ConnState::Closed
            ),
            (Err(Error::Failed(AtCommand::Open)), ConnState::Closed),
            (Err(refused(AtCommand::Open)), ConnState::Closed),
        ]
    );
}

#[test]
fn timeouts_and_late_answers() {
    let script = r#"
>> AT\r
.. 300
<< \r\nOK\r\n
>> AT\r
<< \r\nERROR\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 600
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n
"#;
    let r = blocking!(script, fast(), |c| {
        let first = c.ping();
        // Reading events reads the port: the late OK comes and is absorbed.
        assert_eq!(c.poll_event(ms(300), owned), Ok(None));
        let second = c.ping();
        let open = c.open(ClientId::One, Broker::new("broker", 1883));
        let after_timeout = c.state(ClientId::One);
        // Reading events reads the port: the late result line comes, the client opens.
        let ev = c.poll_event(ms(400), owned);
        let late = c.state(ClientId::One);
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce);
        (first, second, open, after_timeout, ev, late, sub)
    });
    assert_eq!(r.0, Err(Error::AnswerTimeout));
    assert_eq!(r.1, Err(refused(AtCommand::At)));
    assert_eq!(r.2, Err(Error::ResultTimeout));
    assert_eq!(r.3, ConnState::Closed);
    assert_eq!(r.4, Ok(None));
    assert_eq!(r.5, ConnState::Open);
    assert_eq!(r.6, Ok(()));
}

#[test]
fn the_next_command_waits_for_a_late_answer_before_it_goes_out() {
    let mut config = fast();
    config.answer_timeout = ms(300);
    let script = r#"
>> AT\r
.. 450
<< \r\nOK\r\n
>> AT\r
<< \r\nERROR\r\n
"#;
    let r = blocking!(script, config, |c| (c.ping(), c.ping()));
    assert_eq!(r, (Err(Error::AnswerTimeout), Err(refused(AtCommand::At))));
}

#[test]
fn prompt_timeout_then_late_prompt_is_completed_with_nul_bytes() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
.. 300
<< \r\n>\s
>> \0\0\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT\r
<< \r\nERROR\r\n
"#
    );
    let r = blocking!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
        let publish = c.publish(ClientId::One, "t", b"\x01\x02\x03", QoS::AtMostOnce, false);
        (publish, c.ping(), c.state(ClientId::One))
    });
    assert_eq!(
        r,
        (
            Err(Error::PromptTimeout),
            Err(refused(AtCommand::At)),
            ConnState::Open
        )
    );
}

#[test]
fn break_during_a_waiting_publish() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",1,0,"x"\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTBREAK: 1,1\r\n\r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = blocking!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
        let publish = c.publish(ClientId::One, "t", b"x", QoS::AtLeastOnce, false);
        let first = c.poll_event(ms(200), owned);
        let second = c.poll_event(ms(200), owned);
        (publish, c.state(ClientId::One), first, second)
    });
    assert_eq!(
        r,
        (
            Err(Error::Break(BreakCause::Broker)),
            ConnState::Closed,
            Ok(Some(Ev::Break {
                client: ClientId::One,
                cause: BreakCause::Broker
            })),
            Ok(None)
        )
    );
}

#[test]
fn events() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,2,3,4\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,2,3,4\r\n"a/b","\r\n,""\r\n\r\nOK\r\n
<< \r\n+MQTTMSGI: 2,0,1,2\r\n
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,0,1,2,"c","\0""\r\n\r\nOK\r\n
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n
<< \r\n+MQTTMSG: 1,1,"m0","p,"q"\r\n
<< \r\n+SIM READY\r\n
.. 300
<< \r\n+MQTTMSG: 2,0,"x","1"\r\n\r\n+MQTTMSG: 2,0,"x","2"\r\n
.. 300
<< \r\n+MQTTOPEN: x\r\n
.. 300
<< \r\nRDY\r\n
"#;
    let evs = blocking!(script, fast(), |c| {
        let mut evs = vec![];
        let deadline = Instant::now() + ms(3000);
        while Instant::now() < deadline {
            if let Some(ev) = c.poll_event(ms(100), owned).unwrap() {
                evs.push(ev);
            }
            if evs.last() == Some(&Ev::Restarted) {
                break;
            }
        }
        evs
    });
    assert_eq!(
        evs,
        vec![
            msg(ClientId::One, 2, b"a/b", b"\r\n,\""),
            msg(ClientId::Two, 0, b"c", b"\0\""),
            msg(ClientId::One, 1, b"m0", b"p,\"q"),
            Ev::Unsolicited(b"+SIM READY".to_vec()),
            // Back to back, both held and handed out in order: nothing lost.
            msg(ClientId::Two, 0, b"x", b"1"),
            msg(ClientId::Two, 0, b"x", b"2"),
            Ev::Garbled(b"+MQTTOPEN: x".to_vec()),
            Ev::Restarted,
        ]
    );
}

#[test]
fn poll_event_with_nothing_returns_after_its_timeout() {
    let r = blocking!("", fast(), |c| {
        let t0 = Instant::now();
        let ev = c.poll_event(ms(100), owned);
        (ev, t0.elapsed())
    });
    assert_eq!(r.0, Ok(None));
    assert!(r.1 >= ms(100) && r.1 < ms(1000), "{:?}", r.1);
}

#[test]
fn restart_fails_the_waiting_operation() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n\r\nRDY\r\n
"#
    );
    let r = blocking!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce);
        (sub, c.state(ClientId::One), c.poll_event(ms(50), owned))
    });
    assert_eq!(
        r,
        (
            Err(Error::Restarted),
            ConnState::Closed,
            Ok(Some(Ev::Restarted))
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Over embedded-hal-mock's serial mock.

mod hal {
    use super::*;
    use embedded_hal_mock::eh1::serial::{Mock, Transaction};
    use embedded_hal_nb::nb;
    use halmock::HalSerial;

    /// What the driver must write: the bytes, then a flush.
    pub fn cmd(bytes: &[u8]) -> [Transaction<u8>; 2] {
        [Transaction::write_many(bytes), Transaction::flush()]
    }

    /// What the module sends in one burst: the bytes, then nothing more for now.
    pub fn burst(bytes: &[u8]) -> [Transaction<u8>; 2] {
        [
            Transaction::read_many(bytes),
            Transaction::read_error(nb::Error::WouldBlock),
        ]
    }

    /// A read that finds nothing.
    pub fn quiet() -> Transaction<u8> {
        Transaction::read_error(nb::Error::WouldBlock)
    }

    pub fn client(
        expectations: &[Transaction<u8>],
    ) -> (Modem<HalSerial<Mock<u8>>, 1536>, Mock<u8>) {
        let mock = Mock::new(expectations);
        let handle = mock.clone();
        (Modem::new(HalSerial(mock), fast()), handle)
    }
}

#[test]
fn hal_mock_start_open_subscribe_publish() {
    use hal::*;
    let mut e = vec![];
    e.extend(cmd(b"AT\r"));
    e.extend(burst(b"AT\r\r\nOK\r\n"));
    e.extend(cmd(b"ATE0\r"));
    e.extend(burst(b"ATE0\r\r\nOK\r\n"));
    e.extend(cmd(b"AT+MQTTCONF=1\r"));
    e.extend(burst(b"\r\nOK\r\n"));
    e.extend(cmd(b"AT+MIPCALL?\r"));
    e.extend(burst(b"\r\n+MIPCALL: 0\r\n\r\nOK\r\n"));
    e.extend(cmd(b"AT+MQTTCLOSE?\r"));
    e.extend(burst(b"\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n"));
    e.extend(cmd(b"AT+MQTTOPEN=1,\"broker\",1883,1,60\r"));
    e.extend(burst(b"\r\nOK\r\n"));
    e.push(quiet());
    e.push(quiet());
    e.extend(burst(b"\r\n+MQTTOPEN: 1,1\r\n"));
    e.extend(cmd(b"AT+MQTTSUB=1,\"a/b\",1\r"));
    // The answer and the result line in one burst.
    e.extend(burst(b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n"));
    e.extend(cmd(b"AT+MQTTPUB=1,\"a/b\",1,0,\"hello\"\r"));
    // Split in the middle of a line.
    e.extend(burst(b"\r\nO"));
    e.extend(burst(b"K\r\n\r\n+MQTTPUB: 1,1\r\n"));
    e.extend(cmd(b"AT+MQTTPUB=1,\"a/b\",0,0,3\r"));
    e.extend(burst(b"\r\n> "));
    e.extend(cmd(b"\x00\"\n"));
    e.extend(burst(b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n"));
    let (mut c, mut mock) = client(&e);
    c.start().unwrap();
    c.open(ClientId::One, Broker::new("broker", 1883)).unwrap();
    assert_eq!(c.state(ClientId::One), ConnState::Open);
    c.subscribe(ClientId::One, "a/b", QoS::AtLeastOnce).unwrap();
    c.publish(ClientId::One, "a/b", b"hello", QoS::AtLeastOnce, false)
        .unwrap();
    c.publish(ClientId::One, "a/b", b"\0\"\n", QoS::AtMostOnce, false)
        .unwrap();
    mock.done();
}

#[test]
fn hal_mock_received_message() {
    use hal::*;
    let mut e = vec![];
    e.push(quiet());
    e.extend(burst(b"\r\n+MQTTMSGI: 1,1,3,5\r\n"));
    e.extend(cmd(b"AT+MQTTREAD=1\r"));
    e.extend(burst(
        b"\r\n+MQTTREAD: 1,1,3,5\r\n\"a/b\",\"x\r\n\0\"\"\r\n\r\nOK\r\n",
    ));
    e.extend(burst(b"\r\n+MQTTMSGI: 2,0,1,1\r\n"));
    e.extend(cmd(b"AT+MQTTREAD=2\r"));
    e.extend(burst(b"\r\n+MQTTREAD: 2,0,1,1,\"t\",\"z\"\r\n\r\nOK\r\n"));
    let (mut c, mut mock) = client(&e);
    let first = c.poll_event(ms(500), owned);
    let second = c.poll_event(ms(500), owned);
    assert_eq!(first, Ok(Some(msg(ClientId::One, 1, b"a/b", b"x\r\n\0\""))));
    assert_eq!(second, Ok(Some(msg(ClientId::Two, 0, b"t", b"z"))));
    mock.done();
}

#[test]
fn hal_mock_refusal_after_ok() {
    use hal::*;
    let mut e = vec![];
    e.extend(cmd(b"AT+MQTTOPEN=2,\"h\",1,0,1\r"));
    e.extend(burst(b"\r\nOK\r\n"));
    e.extend(burst(b"\r\n+CME ERROR: 704\r\n"));
    let (mut c, mut mock) = client(&e);
    let broker = Broker {
        host: "h",
        port: 1,
        clean_session: false,
        keepalive: 1,
    };
    assert_eq!(
        c.open(ClientId::Two, broker),
        Err(Error::Refused(Refusal::NotAuthorized))
    );
    assert_eq!(c.state(ClientId::Two), ConnState::Closed);
    mock.done();
}

// ---------------------------------------------------------------------------------------------
// Sizes.

#[test]
fn driver_state_for_two_clients_is_under_1_kib() {
    use core::mem::size_of;
    type Port<'a, 's> = fibocom_mqtt::scripted::Port<'a, 's>;
    let async_state = size_of::<fibocom_mqtt::asynch::State<0>>();
    let blocking_client = size_of::<Modem<Port<'static, 'static>, 0>>() - size_of::<Port>();
    println!("asynch::State<0> (receive buffer excluded): {async_state} bytes");
    println!("blocking::Modem<P, 0> minus the port: {blocking_client} bytes");
    type Writer<'a, 's> = fibocom_mqtt::scripted::Writer<'a, 's>;
    let control = size_of::<fibocom_mqtt::asynch::Control<'static, Writer<'static, 'static>>>()
        - size_of::<Writer>();
    println!("asynch::Control minus the writer: {control} bytes");
    assert!(async_state + control < 1024, "{}", async_state + control);
    assert!(async_state < 1024, "{async_state}");
    assert!(blocking_client < 1024, "{blocking_client}");
    // The receive buffer adds exactly its size.
    assert_eq!(
        size_of::<fibocom_mqtt::asynch::State<1536>>() - async_state,
        1536
    );
}
