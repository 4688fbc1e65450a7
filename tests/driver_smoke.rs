mod common;
use common::*;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, QoS};

#[test]
fn open_subscribe_publish() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a/b",1\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTPUB=1,"a/b",1,0,"hello"\r
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.subscribe(ClientId::One, "a/b", QoS::AtLeastOnce).await?;
        c.publish(ClientId::One, "a/b", b"hello", QoS::AtLeastOnce, false)
            .await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn message_in_mode_1_is_read_and_lent() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,1,3,6\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,1,3,6\r\n"a/b","q\r\n\0,""\r\n\r\nOK\r\n
"#;
    let got = run!(script, fast(), |c| {
        c.next_event(|ev| match ev {
            fibocom_mqtt::Event::Message(m) => {
                (m.client, m.qos, m.topic.to_vec(), m.payload.to_vec())
            }
            other => panic!("unexpected {other:?}"),
        })
        .await
        .unwrap()
    });
    assert_eq!(
        got,
        (
            ClientId::One,
            QoS::AtLeastOnce,
            b"a/b".to_vec(),
            b"q\r\n\0,\"".to_vec()
        )
    );
}

#[test]
fn timeout_then_late_ok_is_absorbed() {
    let script = r#"
>> AT\r
.. 250
<< \r\nOK\r\n
>> AT+CSQ\r
<< \r\n+CSQ: 20,99\r\n\r\nOK\r\n
"#;
    let (first, second) = run!(script, fast(), |c| {
        let first = c.ping().await;
        let second = c.signal_quality().await;
        (first, second)
    });
    assert_eq!(first, Err(fibocom_mqtt::Error::AnswerTimeout));
    assert_eq!(second.map(|s| (s.rssi, s.ber)), Ok((20, 99)));
}

#[test]
fn read_message_on_demand_and_an_empty_read() {
    let script = r#"
<< \r\n+MQTTMSGI: 2,0,1,3\r\n
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,0,1,3,"t","a\"b"\r\n\r\nOK\r\n
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,0,0,0\r\n\r\nOK\r\n
"#;
    let got = run!(script, fast(), |c| {
        // Let the announcement arrive first.
        embassy_time::Timer::after_millis(20).await;
        let first = c
            .read_message(ClientId::Two, |m| (m.topic.to_vec(), m.payload.to_vec()))
            .await;
        let second = c.read_message(ClientId::Two, |m| m.payload.len()).await;
        (first, second)
    });
    assert_eq!(got.0, Ok(Some((b"t".to_vec(), b"a\"b".to_vec()))));
    assert_eq!(got.1, Ok(None));
}

#[test]
fn blocking_read_message() {
    let script = fibocom_mqtt::scripted::Script::new(
        r#"
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,2,3,2\r\n"a/b","\r\n"\r\n\r\nOK\r\n
"#,
    );
    let mut client = fibocom_mqtt::blocking::Modem::<_, 256>::new(script.port(), fast());
    let got = client.read_message(ClientId::One, |m| {
        (m.qos, m.topic.to_vec(), m.payload.to_vec())
    });
    assert_eq!(
        got,
        Ok(Some((QoS::ExactlyOnce, b"a/b".to_vec(), b"\r\n".to_vec())))
    );
    script.finish().unwrap();
}
