//! Failure paths of the async driver: local refusals (nothing written), module errors, broker
//! refusals, status 0, timeouts and late answers, unanswered data prompts.

mod common;
use common::*;
use fibocom_mqtt::codec::{EncodeError, Field, PayloadForm, Rule};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, ConnState, Error, ModuleError, QoS, Refusal};

fn invalid(field: Field, rule: Rule) -> Error {
    Error::Invalid(EncodeError::Invalid { field, rule })
}

fn wrong(client: ClientId, state: ConnState) -> Error {
    Error::WrongState { client, state }
}

/// A plain `ERROR` answer to `command`.
fn refused(command: AtCommand) -> Error {
    Error::Module(ModuleError::new(command, None))
}

// ---------------------------------------------------------------------------------------------
// Local refusals: the script has no `>>` line, so any byte written fails `finish()`.

#[test]
fn invalid_arguments_write_nothing() {
    let long_topic = "t".repeat(256);
    let r = run!("", fast(), |c| {
        vec![
            // Checked before the state: the client is closed, yet the topic is what is reported.
            c.publish(ClientId::One, &long_topic, b"x", QoS::AtMostOnce, false)
                .await,
            c.subscribe(ClientId::One, &long_topic, QoS::AtMostOnce)
                .await,
            c.subscribe(ClientId::One, "a\",0\rAT+MQTTCLOSE=1\r", QoS::AtMostOnce)
                .await,
            c.unsubscribe(ClientId::One, "").await,
            c.publish(ClientId::One, "a\"b", b"x", QoS::AtMostOnce, false)
                .await,
            c.publish(ClientId::One, "t", &[b'x'; 1025], QoS::AtMostOnce, false)
                .await,
            c.publish_with(
                ClientId::One,
                "t",
                b"a\"b",
                QoS::AtMostOnce,
                false,
                PayloadForm::Text,
            )
            .await,
            c.publish_with(
                ClientId::One,
                "t",
                b"",
                QoS::AtMostOnce,
                false,
                PayloadForm::Data,
            )
            .await,
            c.set_user(ClientId::One, "u\"", "p", None).await,
            c.set_user(ClientId::One, "u", "p", Some("")).await,
            c.set_user(ClientId::One, "u", "p", Some(&"c".repeat(24)))
                .await,
            c.set_will(ClientId::One, "w", QoS::AtMostOnce, false, "a\r\nb")
                .await,
            c.open(ClientId::One, Broker::new("", 1883)).await,
            c.open(ClientId::One, Broker::new("h", 0)).await,
            c.open(
                ClientId::One,
                Broker {
                    keepalive: 301,
                    ..Broker::new("h", 1)
                },
            )
            .await,
        ]
    });
    assert_eq!(
        r,
        vec![
            Err(invalid(Field::Topic, Rule::TooLong { max: 255 })),
            Err(invalid(Field::Topic, Rule::TooLong { max: 255 })),
            Err(invalid(
                Field::Topic,
                Rule::ForbiddenByte { byte: b'"', at: 1 }
            )),
            Err(invalid(Field::Topic, Rule::TooShort { min: 1 })),
            Err(invalid(
                Field::Topic,
                Rule::ForbiddenByte { byte: b'"', at: 1 }
            )),
            Err(invalid(Field::Payload, Rule::TooLong { max: 1024 })),
            Err(invalid(Field::Payload, Rule::NotText)),
            Err(invalid(Field::Payload, Rule::EmptyData)),
            Err(invalid(
                Field::User,
                Rule::ForbiddenByte { byte: b'"', at: 1 }
            )),
            Err(invalid(Field::ClientIdStr, Rule::TooShort { min: 1 })),
            Err(invalid(Field::ClientIdStr, Rule::TooLong { max: 23 })),
            Err(invalid(
                Field::WillPayload,
                Rule::ForbiddenByte { byte: b'\r', at: 1 }
            )),
            Err(invalid(Field::Host, Rule::TooShort { min: 1 })),
            Err(invalid(
                Field::Port,
                Rule::OutOfRange { min: 1, max: 65535 }
            )),
            Err(invalid(
                Field::Keepalive,
                Rule::OutOfRange { min: 1, max: 300 }
            )),
        ]
    );
}

#[test]
fn wrong_state_on_a_closed_client_writes_nothing() {
    let r = run!("", fast(), |c| {
        vec![
            c.publish(ClientId::One, "t", b"x", QoS::AtMostOnce, false)
                .await,
            c.publish(ClientId::Two, "t", b"\0", QoS::AtMostOnce, false)
                .await,
            c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await,
            c.unsubscribe(ClientId::Two, "t").await,
            c.close(ClientId::One).await,
        ]
    });
    assert_eq!(
        r,
        vec![
            Err(wrong(ClientId::One, ConnState::Closed)),
            Err(wrong(ClientId::Two, ConnState::Closed)),
            Err(wrong(ClientId::One, ConnState::Closed)),
            Err(wrong(ClientId::Two, ConnState::Closed)),
            Err(wrong(ClientId::One, ConnState::Closed)),
        ]
    );
}

#[test]
fn wrong_state_on_an_open_client_writes_nothing() {
    // Only the open goes out.
    let r = run!(OPEN1, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        vec![
            c.set_will(ClientId::One, "w", QoS::AtMostOnce, false, "bye")
                .await,
            c.set_user(ClientId::One, "u", "p", None).await,
            c.open(ClientId::One, Broker::new("broker", 1883)).await,
        ]
    });
    assert_eq!(
        r,
        vec![
            Err(wrong(ClientId::One, ConnState::Open)),
            Err(wrong(ClientId::One, ConnState::Open)),
            Err(wrong(ClientId::One, ConnState::Open)),
        ]
    );
}

#[test]
fn wrong_state_while_opening_writes_nothing() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 300
<< \r\n+MQTTOPEN: 1,1\r\n
"#;
    let r = run!(script, fast(), |c| {
        let open = c.open(ClientId::One, Broker::new("broker", 1883));
        let meanwhile = async {
            sleep(100).await;
            (
                c.set_user(ClientId::One, "u", "p", None).await,
                c.set_will(ClientId::One, "w", QoS::AtMostOnce, false, "")
                    .await,
            )
        };
        futures::join!(open, meanwhile)
    });
    assert_eq!(
        r,
        (
            Ok(()),
            (
                Err(wrong(ClientId::One, ConnState::Opening)),
                Err(wrong(ClientId::One, ConnState::Opening))
            )
        )
    );
}

// ---------------------------------------------------------------------------------------------
// Module errors, broker refusals, status 0.

#[test]
fn error_answers() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\nERROR\r\n
>> AT+MQTTUNSUB=1,"t"\r
<< \r\n+CME ERROR: 58\r\n
>> AT+MQTTPUB=1,"t",0,0,"x"\r
<< \r\nERROR: 601\r\n
>> AT+MQTTCLOSE=1\r
<< \r\n+CME ERROR: operation not allowed\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        (
            c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await,
            c.unsubscribe(ClientId::One, "t").await,
            c.publish(ClientId::One, "t", b"x", QoS::AtMostOnce, false)
                .await,
            c.close(ClientId::One).await,
            c.state(ClientId::One),
            c.ping().await,
        )
    });
    assert_eq!(r.0, Err(refused(AtCommand::Subscribe)));
    assert_eq!(
        r.1,
        Err(Error::Module(ModuleError::new(
            AtCommand::Unsubscribe,
            Some(58)
        )))
    );
    assert_eq!(
        r.2,
        Err(Error::Module(ModuleError::new(
            AtCommand::Publish,
            Some(601)
        )))
    );
    assert_eq!(r.3, Err(refused(AtCommand::Close)));
    // A refused close leaves the client open.
    assert_eq!(r.4, ConnState::Open);
    assert_eq!(r.5, Ok(()));
}

#[test]
fn open_refused_before_ok() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR: 703\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\n+CME ERROR: 703\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut out = Vec::new();
        for _ in 0..3 {
            let r = c.open(ClientId::One, Broker::new("broker", 1883)).await;
            out.push((r, c.state(ClientId::One)));
        }
        out
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
            (Err(refused(AtCommand::Open)), ConnState::Closed),
        ]
    );
}

#[test]
fn open_refused_after_ok_instead_of_the_result_line() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\nERROR: 703\r\n
>> AT+MQTTOPEN=2,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 50
<< \r\n+CME ERROR: 703\r\n
"#;
    let r = run!(script, fast(), |c| {
        let one = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        let two = c.open(ClientId::Two, Broker::new("broker", 1883)).await;
        (one, two, c.state(ClientId::One), c.state(ClientId::Two))
    });
    assert_eq!(
        r,
        (
            Err(Error::Refused(Refusal::BadCredentials)),
            Err(Error::Refused(Refusal::BadCredentials)),
            ConnState::Closed,
            ConnState::Closed
        )
    );
}

#[test]
fn every_refusal_code() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR: 700\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+CME ERROR: 701\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\n+CME ERROR: 702\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\nERROR: 704\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nERROR: 705\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(c.open(ClientId::One, Broker::new("broker", 1883)).await);
        }
        out
    });
    assert_eq!(
        r,
        vec![
            Err(Error::Refused(Refusal::ProtocolVersion)),
            Err(Error::Refused(Refusal::IdentifierRejected)),
            Err(Error::Refused(Refusal::ServerUnavailable)),
            Err(Error::Refused(Refusal::NotAuthorized)),
            Err(Error::Module(ModuleError::new(AtCommand::Open, Some(705)))),
        ]
    );
}

#[test]
fn open_status_0_is_a_failure() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 100
<< \r\n+MQTTOPEN: 1,0\r\n
"#;
    let r = run!(script, fast(), |c| {
        let r = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        (r, c.state(ClientId::One))
    });
    assert_eq!(r, (Err(Error::Failed(AtCommand::Open)), ConnState::Closed));
}

#[test]
fn status_0_of_sub_unsub_pub_close() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",1\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,0\r\n
>> AT+MQTTUNSUB=1,"t"\r
<< \r\nOK\r\n
<< \r\n+MQTTUNSUB: 1,0\r\n
>> AT+MQTTPUB=1,"t",1,0,"x"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,0\r\n
>> AT+MQTTPUB=1,"t",1,0,1\r
<< >\s
>> \0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,0\r\n
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
<< \r\n+MQTTCLOSE: 1,0\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        (
            c.subscribe(ClientId::One, "t", QoS::AtLeastOnce).await,
            c.unsubscribe(ClientId::One, "t").await,
            c.publish(ClientId::One, "t", b"x", QoS::AtLeastOnce, false)
                .await,
            c.publish(ClientId::One, "t", b"\0", QoS::AtLeastOnce, false)
                .await,
            c.close(ClientId::One).await,
            c.state(ClientId::One),
        )
    });
    assert_eq!(
        r,
        (
            Err(Error::Failed(AtCommand::Subscribe)),
            Err(Error::Failed(AtCommand::Unsubscribe)),
            Err(Error::Failed(AtCommand::Publish)),
            Err(Error::Failed(AtCommand::Publish)),
            Err(Error::Failed(AtCommand::Close)),
            ConnState::Open
        )
    );
}

#[test]
fn a_result_line_for_client_1_while_client_2s_command_is_in_flight() {
    // Client 2's subscribe is on the channel (no OK yet) when client 1's result line comes.
    let script = format!(
        "{OPEN1}{OPEN2}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nOK\r\n
>> AT+MQTTSUB=2,"b",0\r
.. 50
<< \r\n+MQTTSUB: 1,1\r\n
.. 50
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 2,0\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        c.open(ClientId::Two, Broker::new("broker", 1883))
            .await
            .unwrap();
        futures::join!(
            c.subscribe(ClientId::One, "a", QoS::AtMostOnce),
            c.subscribe(ClientId::Two, "b", QoS::AtMostOnce)
        )
    });
    assert_eq!(r, (Ok(()), Err(Error::Failed(AtCommand::Subscribe))));
}

#[test]
fn a_result_line_of_the_other_client_does_not_end_a_wait() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"a",1,0,"x"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 2,1\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        c.publish(ClientId::One, "a", b"x", QoS::AtLeastOnce, false)
            .await
    });
    assert_eq!(r, Err(Error::ResultTimeout));
}

// ---------------------------------------------------------------------------------------------
// Timeouts and late answers.

#[test]
fn answer_timeout_then_late_ok_is_absorbed() {
    // The late OK comes after the timeout; the next command's own answer is ERROR, so taking the
    // late OK for it would show.
    let script = r#"
>> AT+MQTTCONF=1\r
.. 300
<< \r\nOK\r\n
>> AT\r
<< \r\nERROR\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let first = c
            .set_receive_mode(fibocom_mqtt::ReceiveMode::Buffered)
            .await;
        sleep(300).await;
        (first, c.ping().await, c.ping().await)
    });
    assert_eq!(
        r,
        (
            Err(Error::AnswerTimeout),
            Err(refused(AtCommand::At)),
            Ok(())
        )
    );
}

#[test]
fn the_next_command_waits_for_a_late_answer_before_it_goes_out() {
    // Right after the timeout the next command waits (up to an answer timeout) for the answer
    // still owed, so that answer is not taken for its own.
    let mut config = fast();
    config.answer_timeout = embassy_time::Duration::from_millis(300);
    let script = r#"
>> AT\r
.. 450
<< \r\nOK\r\n
>> AT\r
<< \r\nERROR\r\n
"#;
    let r = run!(script, config, |c| (c.ping().await, c.ping().await));
    assert_eq!(r, (Err(Error::AnswerTimeout), Err(refused(AtCommand::At))));
}

#[test]
fn an_answer_that_never_comes_does_not_block_the_next_command() {
    let script = r#"
>> AT\r
>> AT+CSQ\r
<< \r\n+CSQ: 10,0\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.ping().await,
        c.signal_quality().await.map(|s| s.rssi)
    ));
    assert_eq!(r, (Err(Error::AnswerTimeout), Ok(10)));
}

#[test]
fn late_answer_of_a_timed_out_subscribe_and_its_result_line_are_absorbed() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
.. 300
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTSUB=1,"b",0\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,0\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = c.subscribe(ClientId::One, "a", QoS::AtMostOnce).await;
        sleep(300).await;
        let second = c.subscribe(ClientId::One, "b", QoS::AtMostOnce).await;
        (first, second, c.state(ClientId::One))
    });
    assert_eq!(
        r,
        (
            Err(Error::AnswerTimeout),
            Err(Error::Failed(AtCommand::Subscribe)),
            ConnState::Open
        )
    );
}

#[test]
fn result_timeout_then_late_success_opens_the_client() {
    let script = format!(
        "{}{}",
        r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 600
<< \r\n+MQTTOPEN: 1,1\r\n
"#,
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        let open = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        let after_timeout = c.state(ClientId::One);
        sleep(400).await;
        let after_late_line = c.state(ClientId::One);
        let sub = c.subscribe(ClientId::One, "a", QoS::AtMostOnce).await;
        (open, after_timeout, after_late_line, sub)
    });
    assert_eq!(
        r,
        (
            Err(Error::ResultTimeout),
            ConnState::Closed,
            ConnState::Open,
            Ok(())
        )
    );
}

#[test]
fn result_timeout_then_late_failure_keeps_the_client_closed() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 600
<< \r\n+MQTTOPEN: 1,0\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 1,1\r\n
"#;
    let r = run!(script, fast(), |c| {
        let first = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        sleep(400).await;
        let closed = c.state(ClientId::One);
        let second = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        (first, closed, second, c.state(ClientId::One))
    });
    assert_eq!(
        r,
        (
            Err(Error::ResultTimeout),
            ConnState::Closed,
            Ok(()),
            ConnState::Open
        )
    );
}

#[test]
fn late_result_line_of_a_subscribe_is_not_taken_by_the_next() {
    // The second subscribe goes out (and is answered OK) before the first one's late result
    // line comes; the late line is absorbed and the second gets its own.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nOK\r\n
>> AT+MQTTSUB=1,"b",0\r
<< \r\nOK\r\n
.. 200
<< \r\n+MQTTSUB: 1,1\r\n
.. 50
<< \r\n+MQTTSUB: 1,0\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = c.subscribe(ClientId::One, "a", QoS::AtMostOnce).await;
        let second = c.subscribe(ClientId::One, "b", QoS::AtMostOnce).await;
        (first, second)
    });
    assert_eq!(
        r,
        (
            Err(Error::ResultTimeout),
            Err(Error::Failed(AtCommand::Subscribe))
        )
    );
}

#[test]
fn close_result_timeout_then_late_success_closes_the_client() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
.. 600
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let close = c.close(ClientId::One).await;
        let after_timeout = c.state(ClientId::One);
        sleep(400).await;
        (close, after_timeout, c.state(ClientId::One))
    });
    assert_eq!(
        r,
        (
            Err(Error::ResultTimeout),
            ConnState::Open,
            ConnState::Closed
        )
    );
}

// ---------------------------------------------------------------------------------------------
// The data prompt.

#[test]
fn prompt_never_comes_no_payload_byte_is_written() {
    // The module leaves data mode with ERROR later; the next command waits for it.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
.. 300
<< \r\nERROR\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = c
            .publish(ClientId::One, "t", b"\x01\x02\x03", QoS::AtMostOnce, false)
            .await;
        (publish, c.state(ClientId::One), c.ping().await)
    });
    assert_eq!(r, (Err(Error::PromptTimeout), ConnState::Open, Ok(())));
}

#[test]
fn prompt_never_comes_and_nothing_else_either() {
    // No prompt and no ERROR: after the data-mode timeout the next command goes out, without
    // any filler (the module never asked for data).
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
>> AT\r
<< \r\nOK\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = c
            .publish(ClientId::One, "t", b"\x01\x02\x03", QoS::AtMostOnce, false)
            .await;
        (publish, c.ping().await)
    });
    assert_eq!(r, (Err(Error::PromptTimeout), Ok(())));
}

#[test]
fn data_publish_refused_instead_of_the_prompt() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
<< \r\n+CME ERROR: 3\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = c
            .publish(ClientId::One, "t", b"\x01\x02\x03", QoS::AtMostOnce, false)
            .await;
        (publish, c.state(ClientId::One), c.ping().await)
    });
    assert_eq!(
        r,
        (
            Err(Error::Module(ModuleError::new(AtCommand::Publish, Some(3)))),
            ConnState::Open,
            Ok(())
        )
    );
}

#[test]
fn data_publish_answer_timeout_after_the_payload() {
    // The payload went out whole; OK never comes. The late OK and result line are absorbed.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,2\r
<< >\s
>> \xff\xfe
.. 300
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,"x"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,0\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = c
            .publish(ClientId::One, "t", b"\xff\xfe", QoS::AtMostOnce, false)
            .await;
        sleep(300).await;
        let second = c
            .publish(ClientId::One, "t", b"x", QoS::AtMostOnce, false)
            .await;
        (first, second)
    });
    assert_eq!(
        r,
        (
            Err(Error::AnswerTimeout),
            Err(Error::Failed(AtCommand::Publish))
        )
    );
}
