//! The MQTT operations of the async driver: exact command bytes and the success path of each.

mod common;
use common::*;
use fibocom_mqtt::codec::{MqttCommand, PayloadForm};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, ClientSet, ConnState, QoS, ReceiveMode};

#[test]
fn start_probes_until_answered_then_echo_off_and_conf() {
    // The first two probes go unanswered (the module is still booting); the third is answered.
    let script = r#"
>> AT\r
>> AT\r
>> AT\r
<< \r\nOK\r\n
>> ATE0\r
<< ATE0\r\r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| c.start().await);
    assert_eq!(r, Ok(()));
}

#[test]
fn start_gives_up_after_the_probe_attempts() {
    let mut config = fast();
    config.probe_attempts = 3;
    let script = r#"
>> AT\r
>> AT\r
>> AT\r
"#;
    let r = run!(script, config, |c| c.start().await);
    assert_eq!(r, Err(fibocom_mqtt::Error::AnswerTimeout));
}

#[test]
fn start_with_echo_kept_and_mode_0() {
    let mut config = fast();
    config.echo_off = false;
    config.receive_mode = ReceiveMode::Direct;
    let script = r#"
>> AT\r
<< AT\r\r\nOK\r\n
>> AT+MQTTCONF=0\r
<< AT+MQTTCONF=0\r\r\nOK\r\n
>> AT+MIPCALL?\r
<< AT+MIPCALL?\r\r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< AT+MQTTCLOSE?\r\r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, config, |c| c.start().await);
    assert_eq!(r, Ok(()));
}

#[test]
fn start_with_crlf_line_end() {
    let mut config = fast();
    config.line_end = fibocom_mqtt::codec::LineEnd::CrLf;
    let script = r#"
>> AT\r\n
<< \r\nOK\r\n
>> ATE0\r\n
<< \r\nOK\r\n
>> AT+MQTTCONF=1\r\n
<< \r\nOK\r\n
>> AT+MIPCALL?\r\n
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r\n
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, config, |c| c.start().await);
    assert_eq!(r, Ok(()));
}

#[test]
fn ping_and_echo() {
    let script = r#"
>> AT\r
<< \r\nOK\r\n
>> ATE1\r
<< \r\nOK\r\n
>> ATE0\r
<< ATE0\r\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.ping().await?;
        c.set_echo(true).await?;
        c.set_echo(false).await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn set_user_with_and_without_client_id() {
    // Without a client id the command has no third quoted field at all.
    let script = r#"
>> AT+MQTTUSER=1,"alice","s3cret","dev-42"\r
<< \r\nOK\r\n
>> AT+MQTTUSER=2,"bob",""\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.set_user(ClientId::One, "alice", "s3cret", Some("dev-42"))
            .await?;
        c.set_user(ClientId::Two, "bob", "", None).await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn set_will() {
    let script = r#"
>> AT+MQTTWILL=1,"dev/status",1,1,"offline"\r
<< \r\nOK\r\n
>> AT+MQTTWILL=2,"w",0,0,""\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.set_will(
            ClientId::One,
            "dev/status",
            QoS::AtLeastOnce,
            true,
            "offline",
        )
        .await?;
        c.set_will(ClientId::Two, "w", QoS::AtMostOnce, false, "")
            .await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn open_and_close_move_the_state() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let states = run!(&script, fast(), |c| {
        let before = c.state(ClientId::One);
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let open = c.state(ClientId::One);
        c.close(ClientId::One).await.unwrap();
        (before, open, c.state(ClientId::One), c.state(ClientId::Two))
    });
    assert_eq!(
        states,
        (
            ConnState::Closed,
            ConnState::Open,
            ConnState::Closed,
            ConnState::Closed
        )
    );
}

#[test]
fn open_with_every_setting() {
    let script = r#"
>> AT+MQTTOPEN=2,"10.0.0.1",8883,0,300\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 2,1\r\n
"#;
    let r = run!(script, fast(), |c| {
        let broker = Broker {
            host: "10.0.0.1",
            port: 8883,
            clean_session: false,
            keepalive: 300,
        };
        c.open(ClientId::Two, broker).await?;
        Ok::<_, fibocom_mqtt::Error>(c.state(ClientId::Two))
    });
    assert_eq!(r, Ok(ConnState::Open));
}

#[test]
fn opening_state_while_waiting_for_the_result_line() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 300
<< \r\n+MQTTOPEN: 1,1\r\n
"#;
    let (r, during) = run!(script, fast(), |c| {
        let open = c.open(ClientId::One, Broker::new("broker", 1883));
        let peek = async {
            sleep(100).await;
            c.state(ClientId::One)
        };
        futures::join!(open, peek)
    });
    assert_eq!(r, Ok(()));
    assert_eq!(during, ConnState::Opening);
}

#[test]
fn subscribe_and_unsubscribe() {
    let script = format!(
        "{OPEN1}{}",
        r##"
>> AT+MQTTSUB=1,"sensors/+/temp",2\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTSUB=1,"#",0\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTUNSUB=1,"sensors/+/temp"\r
<< \r\nOK\r\n
<< \r\n+MQTTUNSUB: 1,1\r\n
"##
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.subscribe(ClientId::One, "sensors/+/temp", QoS::ExactlyOnce)
            .await?;
        c.subscribe(ClientId::One, "#", QoS::AtMostOnce).await?;
        c.unsubscribe(ClientId::One, "sensors/+/temp").await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn publish_text_form() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"a/b",0,1,"{t:21.5, 'ok'}"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"a/b",2,0,""\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.publish(
            ClientId::One,
            "a/b",
            b"{t:21.5, 'ok'}",
            QoS::AtMostOnce,
            true,
        )
        .await?;
        c.publish(ClientId::One, "a/b", b"", QoS::ExactlyOnce, false)
            .await
    });
    assert_eq!(r, Ok(()));
}

/// A data publish of a binary payload with the prompt `prompt` (as script text).
fn data_publish_with_prompt(prompt: &str) {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"bin",1,0,6\r
<< PROMPT
>> "a,\r\n\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
"#
        .replace("PROMPT", prompt)
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.publish(ClientId::One, "bin", b"\"a,\r\n\0", QoS::AtLeastOnce, false)
            .await
    });
    assert_eq!(r, Ok(()), "prompt {prompt}");
}

#[test]
fn publish_data_form_prompt_gt_crlf() {
    data_publish_with_prompt(r"\r\n>\r\n");
}

#[test]
fn publish_data_form_prompt_gt_space() {
    data_publish_with_prompt(r">\s");
}

#[test]
fn publish_data_form_prompt_crlf_gt_space() {
    data_publish_with_prompt(r"\r\n>\s");
}

#[test]
fn publish_data_form_with_echo_before_the_prompt() {
    data_publish_with_prompt(r#"AT+MQTTPUB=1,"bin",1,0,6\r\r\n>\s"#);
}

#[test]
fn publish_forced_forms() {
    // A text payload forced into the data form, and a printable one forced into the text form.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,5\r
<< >\s
>> hello
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,"a b"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.publish_with(
            ClientId::One,
            "t",
            b"hello",
            QoS::AtMostOnce,
            false,
            PayloadForm::Data,
        )
        .await?;
        c.publish_with(
            ClientId::One,
            "t",
            b"a b",
            QoS::AtMostOnce,
            false,
            PayloadForm::Text,
        )
        .await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn publish_data_form_of_1024_bytes_is_written_whole() {
    let payload: Vec<u8> = (0..1024u32).map(|i| (i % 251) as u8).collect();
    let escaped: String = payload.iter().map(|b| format!("\\x{b:02x}")).collect();
    let script = format!(
        "{OPEN1}>> AT+MQTTPUB=1,\"big\",0,0,1024\\r\n<< >\\s\n>> {escaped}\n<< \\r\\nOK\\r\\n\n<< \\r\\n+MQTTPUB: 1,1\\r\\n\n"
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.publish(ClientId::One, "big", &payload, QoS::AtMostOnce, false)
            .await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn set_receive_mode_both_ways() {
    let script = r#"
>> AT+MQTTCONF=0\r
<< \r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.set_receive_mode(ReceiveMode::Direct).await?;
        c.set_receive_mode(ReceiveMode::Buffered).await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn free_and_closable_clients() {
    let script = r#"
>> AT+MQTTOPEN?\r
<< \r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n
>> AT+MQTTOPEN?\r
<< \r\n+MQTTOPEN: 1\r\n\r\n+MQTTOPEN: 2\r\n\r\nOK\r\n
>> AT+MQTTOPEN?\r
<< \r\n+MQTTOPEN: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 2\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        (
            c.free_clients().await,
            c.free_clients().await,
            c.free_clients().await,
            c.closable_clients().await,
            c.closable_clients().await,
        )
    });
    let both = ClientSet::EMPTY.with(ClientId::One).with(ClientId::Two);
    assert_eq!(r.0, Ok(both));
    assert_eq!(r.1, Ok(both));
    assert_eq!(r.2, Ok(ClientSet::EMPTY));
    assert_eq!(r.3, Ok(ClientSet::EMPTY.with(ClientId::Two)));
    // OK without the information line: not the answer expected.
    assert_eq!(r.4, Err(fibocom_mqtt::Error::UnexpectedAnswer));
}

#[test]
fn free_clients_is_not_taken_for_a_result_line() {
    // `+MQTTOPEN: 1,2` is a list of free ids, not a result for client 1 with status 2; the
    // client's state must not move.
    let script = r#"
>> AT+MQTTOPEN?\r
<< \r\n+MQTTOPEN: 1,2\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let free = c.free_clients().await;
        (free, c.state(ClientId::One), c.state(ClientId::Two))
    });
    let both = ClientSet::EMPTY.with(ClientId::One).with(ClientId::Two);
    assert_eq!(r, (Ok(both), ConnState::Closed, ConnState::Closed));
}

#[test]
fn stored_users_and_wills() {
    let script = r#"
>> AT+MQTTUSER?\r
<< \r\n+MQTTUSER: 1,"alice","pw","dev-1"\r\n+MQTTUSER: 2,"bob","x"\r\n\r\nOK\r\n
>> AT+MQTTWILL?\r
<< \r\n+MQTTWILL: 1,"dev/status",1,1,"offline"\r\n\r\nOK\r\n
>> AT+MQTTUSER?\r
<< \r\nOK\r\n
"#;
    type User = (ClientId, Vec<u8>, Vec<u8>, Option<Vec<u8>>);
    let (users, wills, none) = run!(script, fast(), |c| {
        let mut users: Vec<User> = Vec::new();
        c.stored_users(|u| {
            users.push((
                u.client,
                u.user.to_vec(),
                u.password.to_vec(),
                u.client_id.map(|i| i.to_vec()),
            ))
        })
        .await
        .unwrap();
        let mut wills = Vec::new();
        c.stored_wills(|w| {
            wills.push((
                w.client,
                w.topic.to_vec(),
                w.qos,
                w.retain,
                w.payload.to_vec(),
            ))
        })
        .await
        .unwrap();
        let mut none = 0;
        c.stored_users(|_| none += 1).await.unwrap();
        (users, wills, none)
    });
    assert_eq!(
        users,
        vec![
            (
                ClientId::One,
                b"alice".to_vec(),
                b"pw".to_vec(),
                Some(b"dev-1".to_vec())
            ),
            (ClientId::Two, b"bob".to_vec(), b"x".to_vec(), None),
        ]
    );
    assert_eq!(
        wills,
        vec![(
            ClientId::One,
            b"dev/status".to_vec(),
            QoS::AtLeastOnce,
            true,
            b"offline".to_vec()
        )]
    );
    assert_eq!(none, 0);
}

#[test]
fn receive_mode_query() {
    let script = r#"
>> AT+MQTTCONF?\r
<< \r\n+MQTTCONF: 1\r\n\r\nOK\r\n
>> AT+MQTTCONF?\r
<< \r\n+MQTTCONF: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.receive_mode().await,
        c.receive_mode().await
    ));
    assert_eq!(r, (Ok(ReceiveMode::Buffered), Ok(ReceiveMode::Direct)));
}

#[test]
fn capabilities_both_layouts() {
    let script = r#"
>> AT+MQTTUSER=?\r
<< \r\n+MQTTUSER: (1,2),128,128,23\r\n\r\nOK\r\n
>> AT+MQTTOPEN=?\r
<< \r\n+MQTTOPEN: (1-2),("Remote IP/URL"),(1-65535),(0,1),(1-300)\r\n\r\nOK\r\n
"#;
    let (user, open) = run!(script, fast(), |c| (
        c.capabilities(MqttCommand::User).await.unwrap(),
        c.capabilities(MqttCommand::Open).await.unwrap()
    ));
    assert_eq!(user.command, MqttCommand::User);
    assert_eq!(
        user.fields(),
        &[
            Some((1, 2)),
            Some((128, 128)),
            Some((128, 128)),
            Some((23, 23))
        ]
    );
    assert_eq!(open.command, MqttCommand::Open);
    assert_eq!(
        open.fields(),
        &[
            Some((1, 2)),
            None,
            Some((1, 65535)),
            Some((0, 1)),
            Some((1, 300))
        ]
    );
}

#[test]
fn both_clients_at_once() {
    // Client 2's open goes out while client 1 waits for its result line; the result lines come
    // in the other order and each goes to its own client.
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
>> AT+MQTTOPEN=2,"other",1884,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 2,1\r\n
<< \r\n+MQTTOPEN: 1,0\r\n
"#;
    let r = run!(script, fast(), |c| {
        let (a, b) = futures::join!(
            c.open(ClientId::One, Broker::new("broker", 1883)),
            c.open(ClientId::Two, Broker::new("other", 1884))
        );
        (a, b, c.state(ClientId::One), c.state(ClientId::Two))
    });
    assert_eq!(
        r,
        (
            Err(fibocom_mqtt::Error::Failed(AtCommand::Open)),
            Ok(()),
            ConnState::Closed,
            ConnState::Open
        )
    );
}

#[test]
fn operations_of_one_client_wait_for_each_other() {
    // Two subscribes of the same client: the second command goes out only once the first
    // one's result line came (one result line per client at a time).
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nOK\r\n
.. 100
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
        futures::join!(
            c.subscribe(ClientId::One, "a", QoS::AtMostOnce),
            c.subscribe(ClientId::One, "b", QoS::AtMostOnce)
        )
    });
    assert_eq!(
        r,
        (
            Ok(()),
            Err(fibocom_mqtt::Error::Failed(AtCommand::Subscribe))
        )
    );
}
