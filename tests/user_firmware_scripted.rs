//! Testing an application's own code against a script, as a user of the crate would: the code
//! under test is generic over the port's write half (the HAL's UART in the firmware), and
//! `scripted::run` plays the module.

use core::fmt::Write as _;
use fibocom_mqtt::AtCommand;

use fibocom_mqtt::asynch::{Control, Write};
use fibocom_mqtt::scripted::{self, ScriptError};
use fibocom_mqtt::{Broker, ClientId, Config, Error, Event, ModuleError, QoS};

/// The application's code: connect, subscribe to commands, report a reading, and wait for the
/// first command; returns its payload's first byte.
async fn report<W: Write>(control: &Control<'_, W>, celsius: i16) -> Result<u8, Error> {
    let id = ClientId::One;
    control.open(id, Broker::new("broker", 1883)).await?;
    control.subscribe(id, "cmd/#", QoS::AtLeastOnce).await?;
    let mut text = heapless::String::<8>::new();
    let _ = write!(text, "{celsius}");
    control
        .publish(id, "telemetry", text.as_bytes(), QoS::AtLeastOnce, false)
        .await?;
    loop {
        let first = control
            .next_event(|event| match event {
                Event::Message(m) => m.payload.first().copied(),
                _ => None,
            })
            .await?;
        if let Some(b) = first {
            return Ok(b);
        }
    }
}

const CONNECT: &str = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"cmd/#",1\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n
"#;

#[test]
fn reports_and_takes_the_first_command() {
    let script = [
        CONNECT,
        r#"
>> AT+MQTTPUB=1,"telemetry",1,0,"-4"\r
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
.. 20
<< \r\n+MQTTMSG: 1,0,"cmd/led","on"\r\n
"#,
    ]
    .concat();
    let out = scripted::run::<512, _>(&script, Config::default(), async |control| {
        report(control, -4).await
    });
    assert_eq!(out, Ok(Ok(b'o')));
}

#[test]
fn a_refused_publish_names_its_command() {
    let script = [
        CONNECT,
        r#"
>> AT+MQTTPUB=1,"telemetry",1,0,"21"\r
<< \r\nERROR\r\n
"#,
    ]
    .concat();
    let out = scripted::run::<512, _>(&script, Config::default(), async |control| {
        let result = report(control, 21).await;
        (result, control.last_failure())
    });
    let (result, failure) = out.expect("the script played to its end");
    let e = result.expect_err("the publish was refused");
    assert_eq!(e, Error::Module(ModuleError::new(AtCommand::Publish, None)));
    // The error names the command the module refused.
    assert_eq!(e.to_string(), "AT+MQTTPUB answered ERROR");
    // The driver keeps it as the last failure too.
    let failure = failure.expect("kept");
    assert_eq!(failure.error, e);
    assert_eq!(failure.command(), AtCommand::Publish);
    assert_eq!(failure.to_string(), "AT+MQTTPUB answered ERROR");
    assert_eq!(
        format!("{failure:?}"),
        "Failure { command: Publish, error: Module(ModuleError { command: Some(Publish), \
         code: None }) }"
    );
}

#[test]
fn a_byte_the_script_does_not_expect_is_reported_with_its_place() {
    // The script expects client 2: the code under test opens client 1.
    let script = r#"
>> AT+MQTTOPEN=2,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 2,1\r\n
"#;
    let out = scripted::run::<512, _>(script, Config::default(), async |control| {
        report(control, 0).await
    });
    assert_eq!(
        out,
        Err(ScriptError::Mismatch {
            line: 2,
            text: r#"AT+MQTTOPEN=2,"broker",1883,1,60\r"#,
            at: 12,
            expected: b'2',
            got: b'1',
        })
    );
}
