//! Every failure names its command: both drivers keep the last failed operation's command and
//! how it failed (`last_failure()`), so that a step of several (start-up) can be told apart.

use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::{Broker, ClientId, Error, ModuleError, QoS};

mod common;
use common::fast;

const ONE: ClientId = ClientId::One;

/// A call either driver can make.
#[derive(Debug, Clone, Copy)]
enum Call {
    Start,
    Attach,
    Open,
    OpenTls,
}

/// A transcript, the call, its error, and the last failure as the driver words it.
struct Case {
    script: &'static str,
    call: Call,
    error: Error,
    failure: &'static str,
}

const CASES: &[Case] = &[
    Case {
        script: "
>> AT\\r
<< \\r\\nOK\\r\\n
>> ATE0\\r
<< \\r\\nERROR\\r\\n
",
        call: Call::Start,
        error: Error::Module(ModuleError::new(AtCommand::Echo(false), None)),
        failure: "ATE0 answered ERROR",
    },
    Case {
        // The dial refused, then the query that would find a call up: the dial's error.
        script: r#"
>> AT+MIPCALL=1,"apn"\r
<< \r\n+CME ERROR: 30\r\n
>> AT+MIPCALL?\r
<< \r\nERROR\r\n
"#,
        call: Call::Attach,
        error: Error::Module(ModuleError::new(AtCommand::CallUp, Some(30))),
        failure: "AT+MIPCALL=1 answered ERROR (code 30)",
    },
    Case {
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR: 703\r\n
"#,
        call: Call::Open,
        error: Error::Refused(fibocom_mqtt::Refusal::BadCredentials),
        failure: "AT+MQTTOPEN: connection refused: bad user name or password",
    },
    Case {
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 1,0\r\n
"#,
        call: Call::Open,
        error: Error::Failed(AtCommand::Open),
        failure: "AT+MQTTOPEN failed: its result line said status 0",
    },
    Case {
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n
>> AT+GTSSLERR?\r
<< \r\n+GTSSLERR: -11\r\n\r\nOK\r\n
>> AT+CCLK?\r
<< \r\n+CCLK: "80/01/06,00:01:02+00"\r\n\r\nOK\r\n
"#,
        call: Call::OpenTls,
        error: Error::Tls(fibocom_mqtt::codec::TlsErrorReason::CaOrClock(
            fibocom_mqtt::codec::ClockCheck::Implausible { year: 1980 },
        )),
        failure: "AT+MQTTOPEN: TLS: the server's certificate did not verify (code -11): the \
                  module's clock shows the year 1980, which cannot be right: every certificate \
                  looks not yet valid; sync it with network time (AT+CTZU=1, then registration) \
                  or set it with AT+CCLK=\"yy/MM/dd,hh:mm:ss+zz\", then open again",
    },
    Case {
        // A plausible clock: the CA to check.
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n
>> AT+GTSSLERR?\r
<< \r\n+GTSSLERR: -11\r\n\r\nOK\r\n
>> AT+CCLK?\r
<< \r\n+CCLK: "25/12/05,09:48:45+32"\r\n\r\nOK\r\n
"#,
        call: Call::OpenTls,
        error: Error::Tls(fibocom_mqtt::codec::TlsErrorReason::CaOrClock(
            fibocom_mqtt::codec::ClockCheck::Plausible,
        )),
        failure: "AT+MQTTOPEN: TLS: the server's certificate did not verify (code -11): the \
                  module's clock is plausible, so check the CA (TRUSTFILE): it must sign the \
                  server's certificate, which must be valid and for the host name opened (a CA \
                  the module held from before is kept: restart the module to replace it)",
    },
    Case {
        // The clock could not be read: the CA and the clock both to check.
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n
>> AT+GTSSLERR?\r
<< \r\n+GTSSLERR: -11\r\n\r\nOK\r\n
>> AT+CCLK?\r
<< \r\nERROR\r\n
"#,
        call: Call::OpenTls,
        error: Error::Tls(fibocom_mqtt::codec::TlsErrorReason::CaOrClock(
            fibocom_mqtt::codec::ClockCheck::Unknown,
        )),
        failure: "AT+MQTTOPEN: TLS: the server's certificate did not verify (code -11): check \
                  the CA (TRUSTFILE) and the module's clock (AT+CCLK? could not be read; if it \
                  is wrong, sync it with network time (AT+CTZU=1, then registration) or set it \
                  with AT+CCLK=\"yy/MM/dd,hh:mm:ss+zz\")",
    },
    Case {
        // The reason could not be asked: the open's failure stands, not the query's.
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n
>> AT+GTSSLERR?\r
<< \r\nERROR\r\n
"#,
        call: Call::OpenTls,
        error: Error::Failed(AtCommand::Open),
        failure: "AT+MQTTOPEN failed: its result line said status 0",
    },
];

async fn call_async<W: embedded_io_async::Write>(
    c: &fibocom_mqtt::asynch::Control<'_, W>,
    call: Call,
) -> Result<(), Error> {
    match call {
        Call::Start => c.start().await,
        Call::Attach => c.attach(Some("apn"), None).await.map(drop),
        Call::Open => c.open(ONE, Broker::new("broker", 1883)).await,
        Call::OpenTls => {
            c.open_tls(ONE, Broker::new("broker", 8883), Default::default())
                .await
        }
    }
}

fn call_blocking<P: embedded_io::Read + embedded_io::Write>(
    m: &mut Modem<P, 1536>,
    call: Call,
) -> Result<(), Error> {
    match call {
        Call::Start => m.start(),
        Call::Attach => m.attach(Some("apn"), None).map(drop),
        Call::Open => m.open(ONE, Broker::new("broker", 1883)),
        Call::OpenTls => m.open_tls(ONE, Broker::new("broker", 8883), Default::default()),
    }
}

#[test]
fn the_last_failure_names_the_command_through_both_drivers() {
    for case in CASES {
        let (got, failure) = run!(case.script, fast(), |c| {
            assert_eq!(c.last_failure(), None, "nothing failed yet");
            let got = call_async(c, case.call).await;
            (got, c.last_failure().map(|f| f.to_string()))
        });
        assert_eq!(got, Err(case.error), "async: {}", case.failure);
        assert_eq!(failure.as_deref(), Some(case.failure), "async");
        if let Error::Module(e) = case.error {
            // What the caller prints names the command the module refused, by itself.
            assert!(e.command.is_some());
            assert_eq!(case.error.to_string(), case.failure);
        }

        let s = fibocom_mqtt::scripted::Script::new(case.script);
        let mut m = Modem::<_, 1536>::new(s.port(), fast());
        assert_eq!(call_blocking(&mut m, case.call), Err(case.error));
        let failure = m.last_failure().map(|f| f.to_string());
        assert_eq!(failure.as_deref(), Some(case.failure), "blocking");
        drop(m);
        if let Err(e) = s.finish() {
            panic!("blocking: {}: script not played exactly: {e}", case.failure);
        }
    }
}

#[test]
fn a_refusal_before_anything_is_sent_names_the_command_it_would_have_sent() {
    // Subscribing on a closed client is refused by the driver: nothing is written.
    let failure = run!("", fast(), |c| {
        assert!(c.subscribe(ONE, "a/b", QoS::AtLeastOnce).await.is_err());
        c.last_failure()
    });
    let failure = failure.expect("kept");
    assert_eq!(failure.command(), AtCommand::Subscribe);
    assert_eq!(failure.to_string(), "AT+MQTTSUB: client 1 is Closed");
}

#[test]
fn a_start_up_on_old_firmware_keeps_the_refused_mqttconf_as_its_last_failure() {
    let failure = run!(
        "
>> AT\\r
<< \\r\\nOK\\r\\n
>> ATE0\\r
<< \\r\\nOK\\r\\n
>> AT+MQTTCONF=1\\r
<< \\r\\nERROR\\r\\n
>> AT+MIPCALL?\\r
<< \\r\\n+MIPCALL: 0\\r\\n\\r\\nOK\\r\\n
>> AT+MQTTCLOSE?\\r
<< \\r\\n+MQTTCLOSE: 0\\r\\n\\r\\nOK\\r\\n
",
        fast(),
        |c| {
            assert_eq!(c.start().await, Ok(()), "goes on in mode 0");
            c.last_failure().map(|f| f.to_string())
        }
    );
    assert_eq!(failure.as_deref(), Some("AT+MQTTCONF answered ERROR"));
}

#[test]
fn each_client_keeps_its_own_last_failure() {
    // Client 1's subscribe is refused; then client 2's publish is refused before anything is
    // sent (a topic with a wildcard). The last failure is client 2's; each client's is its own.
    let script = format!(
        "{}{}{}",
        common::OPEN1,
        common::OPEN2,
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nERROR\r\n
"#
    );
    let two = ClientId::Two;
    let (last, of_one, of_two) = run!(&script, fast(), |c| {
        c.open(ONE, Broker::new("broker", 1883)).await.unwrap();
        c.open(two, Broker::new("broker", 1883)).await.unwrap();
        assert!(c.subscribe(ONE, "a", QoS::AtMostOnce).await.is_err());
        assert!(matches!(
            c.publish(two, "a/#", b"x", QoS::AtMostOnce, false).await,
            Err(Error::Invalid(_))
        ));
        let text = |f: Option<fibocom_mqtt::Failure>| f.map(|f| f.to_string());
        (
            text(c.last_failure()),
            text(c.last_failure_of(ONE)),
            text(c.last_failure_of(two)),
        )
    });
    let refused = "AT+MQTTPUB: invalid argument: Topic: wildcard at 2: a topic to publish to \
                   cannot hold '+' or '#'";
    assert_eq!(last.as_deref(), Some(refused));
    assert_eq!(of_one.as_deref(), Some("AT+MQTTSUB answered ERROR"));
    assert_eq!(of_two.as_deref(), Some(refused));
}
