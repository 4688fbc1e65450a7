//! Unsolicited events of the async driver: messages in both receive modes, breaks, restarts,
//! unknown and garbled lines, losses; and answers surviving URCs, echo and noise.

mod common;
use common::*;
use fibocom_mqtt::codec::{Registration, RegistrationKind};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{BreakCause, ClientId, ConnState, Error, ModuleError, QoS};

fn creg(stat: u8) -> Ev {
    Ev::Registration(Registration {
        kind: RegistrationKind::Creg,
        mode: None,
        stat,
    })
}

// ---------------------------------------------------------------------------------------------
// Messages, mode 1 (+MQTTMSGI then AT+MQTTREAD).

#[test]
fn mode_1_message_manual_layout_binary_payload() {
    let script = r#"
<< \r\n+MQTTMSGI: 2,2,5,8\r\n
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,2,5,8\r\n"x/y/z","a",\r\n\0"b"\r\n\r\nOK\r\n
"#;
    let ev = run!(script, fast(), |c| c.next_event(owned).await.unwrap());
    assert_eq!(ev, msg(ClientId::Two, 2, b"x/y/z", b"a\",\r\n\0\"b"));
}

#[test]
fn mode_1_message_inline_layout() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,3,5\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,3,5,"a/b","\r\n,"""\r\n\r\nOK\r\n
"#;
    let ev = run!(script, fast(), |c| c.next_event(owned).await.unwrap());
    assert_eq!(ev, msg(ClientId::One, 0, b"a/b", b"\r\n,\"\""));
}

#[test]
fn mode_1_message_with_echo_on() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,1,1,2\r\n
>> AT+MQTTREAD=1\r
<< AT+MQTTREAD=1\r\r\n+MQTTREAD: 1,1,1,2\r\n"t","OK"\r\n\r\nOK\r\n
"#;
    let ev = run!(script, fast(), |c| c.next_event(owned).await.unwrap());
    assert_eq!(ev, msg(ClientId::One, 1, b"t", b"OK"));
}

#[test]
fn mode_1_empty_read_delivers_nothing() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,0,0\r\n\r\nOK\r\n
.. 600
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,1,1\r\n"t","x"\r\n\r\nOK\r\n
"#;
    let (first, second) = run!(script, fast(), |c| {
        // The empty read happens within the first 200 ms, and nothing is delivered.
        let first = event_within(c, 200).await;
        (first, c.next_event(owned).await.unwrap())
    });
    assert_eq!(first, None);
    assert_eq!(second, msg(ClientId::One, 0, b"t", b"x"));
}

#[test]
fn mode_1_two_announcements_two_reads() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,1,1\r\n\r\n+MQTTMSGI: 2,1,1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,1,1\r\n"a","1"\r\n\r\nOK\r\n
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,1,1,1\r\n"b","2"\r\n\r\nOK\r\n
"#;
    let evs = run!(script, fast(), |c| {
        vec![
            c.next_event(owned).await.unwrap(),
            c.next_event(owned).await.unwrap(),
        ]
    });
    assert_eq!(
        evs,
        vec![
            msg(ClientId::One, 0, b"a", b"1"),
            msg(ClientId::Two, 1, b"b", b"2")
        ]
    );
}

#[test]
fn mode_1_read_refused_is_reported() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\nERROR\r\n
"#;
    let ev = run!(script, fast(), |c| c.next_event(owned).await.unwrap());
    assert_eq!(
        ev,
        Ev::ReadFailed {
            client: ClientId::One,
            error: Error::Module(ModuleError::new(AtCommand::Read, None))
        }
    );
}

#[test]
fn mode_1_message_announced_while_a_subscribe_waits() {
    // The announcement comes between the subscribe's OK and its result line; the read waits for
    // the AT channel and does not disturb the subscribe.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n
<< \r\n+MQTTMSGI: 1,0,1,3\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,1,3\r\n"t","abc"\r\n\r\nOK\r\n
.. 50
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let (sub, ev) = futures::join!(
            c.subscribe(ClientId::One, "t", QoS::AtMostOnce),
            c.next_event(owned)
        );
        (sub, ev.unwrap())
    });
    assert_eq!(r, (Ok(()), msg(ClientId::One, 0, b"t", b"abc")));
}

#[test]
fn a_read_answer_no_one_asked_for_is_counted_lost() {
    let script = r#"
<< \r\n+MQTTREAD: 1,0,1,1\r\n"t","x"\r\n\r\nOK\r\n
"#;
    let evs = run!(script, fast(), |c| events_until_quiet(c, 100).await);
    assert_eq!(evs, vec![lost(0, 1, 0)]);
}

// ---------------------------------------------------------------------------------------------
// Messages, mode 0 (+MQTTMSG held in the receive buffer).

#[test]
fn mode_0_message_is_held_and_delivered() {
    let script = r#"
<< \r\n+MQTTMSG: 1,1,"a/b","x,"y""\r\n
.. 300
<< \r\n+MQTTMSG: 2, 0, "test1", "123"\r\n
"#;
    let evs = run!(script, fast(), |c| {
        let first = c.next_event(owned).await.unwrap();
        let second = c.next_event(owned).await.unwrap();
        vec![first, second]
    });
    assert_eq!(
        evs,
        vec![
            msg(ClientId::One, 1, b"a/b", b"x,\"y\""),
            msg(ClientId::Two, 0, b"test1", b"123")
        ]
    );
}

#[test]
fn mode_0_messages_back_to_back_are_all_held_in_order() {
    // Five small messages pushed in one burst (a broker delivering a backlog): none is lost.
    let mut script = String::from("<< ");
    for i in 0..5 {
        script.push_str(&format!("\\r\\n+MQTTMSG: 1,0,\"a\",\"m{i}\"\\r\\n"));
    }
    script.push('\n');
    let evs = run!(&script, fast(), |c| {
        sleep(100).await;
        events_until_quiet(c, 100).await
    });
    let want: Vec<Ev> = (0..5)
        .map(|i| msg(ClientId::One, 0, b"a", format!("m{i}").as_bytes()))
        .collect();
    assert_eq!(evs, want);
}

#[test]
fn mode_0_messages_beyond_what_is_held_are_counted_lost() {
    let n = fibocom_mqtt::proto::HELD_MESSAGES + 2;
    let mut script = String::from("<< ");
    for i in 0..n {
        script.push_str(&format!("\\r\\n+MQTTMSG: 1,0,\"a\",\"m{i}\"\\r\\n"));
    }
    script.push('\n');
    let evs = run!(&script, fast(), |c| {
        sleep(100).await;
        events_until_quiet(c, 100).await
    });
    let mut want = vec![lost(0, 2, 0)];
    want.extend(
        (0..fibocom_mqtt::proto::HELD_MESSAGES)
            .map(|i| msg(ClientId::One, 0, b"a", format!("m{i}").as_bytes())),
    );
    assert_eq!(evs, want);
}

#[test]
fn mode_0_held_message_does_not_stop_commands() {
    // A message held in the receive buffer while commands run and answers are collected.
    let script = r#"
<< \r\n+MQTTMSG: 1,0,"a","held"\r\n
>> AT+CSQ\r
<< \r\n+CSQ: 12,3\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        sleep(50).await;
        let q = c.signal_quality().await.map(|s| (s.rssi, s.ber));
        (q, c.next_event(owned).await.unwrap())
    });
    assert_eq!(r, (Ok((12, 3)), msg(ClientId::One, 0, b"a", b"held")));
}

#[test]
fn mode_0_message_broken_by_a_line_end_is_reported_garbled() {
    // A payload holding CR LF cannot be framed in mode 0: the first part is garbled, the rest is
    // an unknown line; neither is trusted as a message. The text slot holds one line, so the
    // second is counted lost (losses are reported first).
    let script = r#"
<< \r\n+MQTTMSG: 1,0,"a","x\r\ny"\r\n
"#;
    let evs = run!(script, fast(), |c| {
        sleep(50).await;
        events_until_quiet(c, 100).await
    });
    assert_eq!(
        evs,
        vec![
            lost(1, 0, 0),
            Ev::Garbled(b"+MQTTMSG: 1,0,\"a\",\"x".to_vec())
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Breaks.

#[test]
fn break_during_a_waiting_publish() {
    let script = format!(
        "{OPEN1}{}{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",1,0,"x"\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTBREAK: 1,1\r\n
<< \r\n+MQTTCLOSE: 1,1\r\n
"#,
        r#"
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = c
            .publish(ClientId::One, "t", b"x", QoS::AtLeastOnce, false)
            .await;
        let state = c.state(ClientId::One);
        let events = events_until_quiet(c, 150).await;
        // Open again and close: the close gets its own result line.
        let reopen = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        let close = c.close(ClientId::One).await;
        (
            publish,
            state,
            events,
            reopen,
            close,
            c.state(ClientId::One),
        )
    });
    assert_eq!(r.0, Err(Error::Break(BreakCause::Broker)));
    assert_eq!(r.1, ConnState::Closed);
    assert_eq!(
        r.2,
        vec![Ev::Break {
            client: ClientId::One,
            cause: BreakCause::Broker
        }]
    );
    assert_eq!((r.3, r.4, r.5), (Ok(()), Ok(()), ConnState::Closed));
}

#[test]
fn break_without_a_close_line_does_not_swallow_a_later_close() {
    let script = format!(
        "{OPEN1}{}{OPEN1}{}",
        r#"
<< \r\n+MQTTBREAK: 1,2\r\n
"#,
        r#"
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let ev = c.next_event(owned).await.unwrap();
        let reopen = c.open(ClientId::One, Broker::new("broker", 1883)).await;
        let close = c.close(ClientId::One).await;
        (ev, reopen, close)
    });
    assert_eq!(
        r,
        (
            Ev::Break {
                client: ClientId::One,
                cause: BreakCause::Link
            },
            Ok(()),
            Ok(())
        )
    );
}

#[test]
fn break_while_idle_and_while_closing() {
    let script = format!(
        "{OPEN1}{OPEN2}{}",
        r#"
<< \r\n+MQTTBREAK: 2,3\r\n
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
<< \r\n+MQTTBREAK: 1,9\r\n
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        c.open(ClientId::Two, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = c.next_event(owned).await.unwrap();
        let two = c.state(ClientId::Two);
        // A break while closing: the close is done.
        let close = c.close(ClientId::One).await;
        let events = events_until_quiet(c, 150).await;
        (first, two, close, c.state(ClientId::One), events)
    });
    assert_eq!(
        r.0,
        Ev::Break {
            client: ClientId::Two,
            cause: BreakCause::Network
        }
    );
    assert_eq!(r.1, ConnState::Closed);
    assert_eq!(r.2, Ok(()));
    assert_eq!(r.3, ConnState::Closed);
    assert_eq!(
        r.4,
        vec![Ev::Break {
            client: ClientId::One,
            cause: BreakCause::Other(9)
        }]
    );
}

#[test]
fn break_before_the_data_prompt_ends_the_publish() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,1\r
<< \r\n+MQTTBREAK: 1,1\r\n
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
            .publish(ClientId::One, "t", b"\x00", QoS::AtMostOnce, false)
            .await;
        (publish, c.state(ClientId::One), c.ping().await)
    });
    assert_eq!(
        r,
        (
            Err(Error::Break(BreakCause::Broker)),
            ConnState::Closed,
            Ok(())
        )
    );
}

#[test]
fn break_of_the_other_client_does_not_end_a_wait() {
    let script = format!(
        "{OPEN1}{OPEN2}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n
<< \r\n+MQTTBREAK: 2,1\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        c.open(ClientId::Two, Broker::new("broker", 1883))
            .await
            .unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await;
        (sub, c.state(ClientId::One), c.state(ClientId::Two))
    });
    assert_eq!(r, (Ok(()), ConnState::Open, ConnState::Closed));
}

// ---------------------------------------------------------------------------------------------
// Restarts.

#[test]
fn restart_fails_the_waiting_operation_and_closes_both_clients() {
    let script = format!(
        "{OPEN1}{OPEN2}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n
<< \r\n+CREG: 1\r\n
<< \r\nRDY\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        c.open(ClientId::Two, Broker::new("broker", 1883))
            .await
            .unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await;
        let events = events_until_quiet(c, 100).await;
        (sub, c.state(ClientId::One), c.state(ClientId::Two), events)
    });
    assert_eq!(
        r,
        (
            Err(Error::Restarted),
            ConnState::Closed,
            ConnState::Closed,
            // Events from before the restart are dropped with it.
            vec![Ev::Restarted]
        )
    );
}

#[test]
fn restart_fails_the_command_in_flight() {
    let script = r#"
>> AT+CSQ\r
<< \r\nRDY\r\n
>> AT\r
<< AT\r\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let q = c.signal_quality().await.map(|s| s.rssi);
        let ev = c.next_event(owned).await.unwrap();
        (q, ev, c.ping().await)
    });
    assert_eq!(r, (Err(Error::Restarted), Ev::Restarted, Ok(())));
}

// ---------------------------------------------------------------------------------------------
// Other unsolicited lines, and losses.

#[test]
fn unknown_and_garbled_lines() {
    let script = r#"
<< \r\n+SIM READY\r\n
.. 300
<< \r\n+MQTTSUB: x\r\n
.. 300
<< \r\n+MIPCALL: 0\r\n
<< \r\n+CGREG: 5\r\n
"#;
    let evs = run!(script, fast(), |c| {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(c.next_event(owned).await.unwrap());
        }
        out
    });
    assert_eq!(
        evs,
        vec![
            Ev::Unsolicited(b"+SIM READY".to_vec()),
            Ev::Garbled(b"+MQTTSUB: x".to_vec()),
            Ev::DataCallDown,
            Ev::Registration(Registration {
                kind: RegistrationKind::Cgreg,
                mode: None,
                stat: 5
            }),
        ]
    );
}

#[test]
fn a_long_unknown_line_is_cut_to_the_text_slot() {
    let long = "+X".to_string() + &"y".repeat(100);
    let script = format!("<< \\r\\n{long}\\r\\n\n");
    let ev = run!(&script, fast(), |c| c.next_event(owned).await.unwrap());
    assert_eq!(
        ev,
        Ev::Unsolicited(long.as_bytes()[..fibocom_mqtt::proto::TEXT_SLOT].to_vec())
    );
}

#[test]
fn one_text_line_waits_at_a_time() {
    // The text slot holds one line: the second unknown line before the first was taken is lost,
    // and said so (losses are reported first).
    let script = r#"
<< \r\n+SIM READY\r\n\r\nHELLO\r\n
"#;
    let evs = run!(script, fast(), |c| {
        sleep(50).await;
        events_until_quiet(c, 100).await
    });
    assert_eq!(
        evs,
        vec![lost(1, 0, 0), Ev::Unsolicited(b"+SIM READY".to_vec())]
    );
}

#[test]
fn event_queue_overflow_is_counted_exactly() {
    let urcs: String = (0..11)
        .map(|i| format!("\\r\\n+CREG: {}\\r\\n", i % 6))
        .collect();
    let script = format!("<< {urcs}\n");
    let evs = run!(&script, fast(), |c| {
        sleep(100).await;
        events_until_quiet(c, 100).await
    });
    let capacity = fibocom_mqtt::proto::EVENT_QUEUE;
    assert_eq!(capacity, 8);
    let mut expected = vec![lost(3, 0, 0)];
    expected.extend((0..8).map(|i| creg(i % 6)));
    assert_eq!(evs, expected);
}

#[test]
fn overlong_line_is_counted_and_skipped() {
    // Longer than the 1536-byte receive buffer: dropped, counted; what follows still works.
    let long = "Z".repeat(2000);
    let script =
        format!("<< \\r\\n{long}\\r\\n\n<< \\r\\n+CREG: 1\\r\\n\n>> AT\\r\n<< \\r\\nOK\\r\\n\n");
    let r = run!(&script, fast(), |c| {
        sleep(100).await;
        let evs = events_until_quiet(c, 100).await;
        (evs, c.ping().await)
    });
    assert_eq!(r, (vec![lost(0, 0, 1), creg(1)], Ok(())));
}

#[test]
fn losses_are_reported_once_and_reset() {
    let urcs: String = (0..9).map(|_| "\\r\\n+CREG: 1\\r\\n".to_string()).collect();
    let script = format!("<< {urcs}\n.. 300\n<< {urcs}\n");
    let evs = run!(&script, fast(), |c| {
        sleep(100).await;
        let mut first = Vec::new();
        for _ in 0..9 {
            first.push(c.next_event(owned).await.unwrap());
        }
        sleep(300).await;
        let second = events_until_quiet(c, 100).await;
        (first, second)
    });
    let mut expected = vec![lost(1, 0, 0)];
    expected.extend((0..8).map(|_| creg(1)));
    assert_eq!(evs.0, expected);
    assert_eq!(evs.1, expected);
}

// ---------------------------------------------------------------------------------------------
// Answers among URCs, echo and noise.

#[test]
fn urc_between_echo_and_ok() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",1\r
<< AT+MQTTSUB=1,"t",1\r\r\n+CREG: 1\r\n\r\n+SIM READY\r\n\r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtLeastOnce).await;
        (sub, events_until_quiet(c, 100).await)
    });
    assert_eq!(
        r,
        (
            Ok(()),
            vec![creg(1), Ev::Unsolicited(b"+SIM READY".to_vec())]
        )
    );
}

#[test]
fn urc_between_echo_and_the_answer_of_a_query() {
    let script = r#"
>> AT+CSQ\r
<< AT+CSQ\r\r\n+CREG: 5\r\n\r\n+CSQ: 20,99\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let q = c.signal_quality().await.map(|s| s.rssi);
        (q, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (Ok(20), vec![creg(5)]));
}

#[test]
fn echo_on_throughout() {
    let script = r#"
>> AT+MQTTUSER=1,"u","p"\r
<< AT+MQTTUSER=1,"u","p"\r\r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< AT+MQTTOPEN=1,"broker",1883,1,60\r\r\nOK\r\n
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"t",0\r
<< AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,2\r
<< AT+MQTTPUB=1,"t",0,0,2\r\r\n>\s
>> \r\n
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTCLOSE=1\r
<< AT+MQTTCLOSE=1\r\r\nOK\r\n\r\n+MQTTCLOSE: 1,1\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.set_user(ClientId::One, "u", "p", None).await?;
        c.open(ClientId::One, Broker::new("broker", 1883)).await?;
        c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await?;
        c.publish(ClientId::One, "t", b"\r\n", QoS::AtMostOnce, false)
            .await?;
        c.close(ClientId::One).await
    });
    assert_eq!(r, Ok(()));
}

#[test]
fn noise_around_answers() {
    // NUL bytes, lone CR and LF, binary garbage before the echo, answers split in pieces.
    let script = r#"
>> AT\r
<< \0\0\r\r\n\n\xff\x80\x01AT\r\r
<< \n\0O
.. 20
<< K\r
>> AT+CSQ\r
<< \n\n\r+CSQ: 7,
<< 1\r\n\0\r\r\nO
<< K\r\n\0\0
"#;
    let r = run!(script, fast(), |c| {
        let ping = c.ping().await;
        let q = c.signal_quality().await.map(|s| (s.rssi, s.ber));
        (ping, q, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (Ok(()), Ok((7, 1)), vec![]));
}

#[test]
fn printable_garbage_before_an_echo_is_an_unknown_line() {
    let script = r#"
>> AT\r
<< xx\r\nAT\r\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let ping = c.ping().await;
        (ping, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (Ok(()), vec![Ev::Unsolicited(b"xx".to_vec())]));
}

#[test]
fn lines_without_a_leading_crlf() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< OK\r\n+MQTTSUB: 1,1\r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
<< +MQTTREAD: 1,0,1,1\r\n"t","z"\r\nOK\r\n
"#
    );
    let r = run!(&script, fast(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await;
        (sub, c.next_event(owned).await.unwrap())
    });
    assert_eq!(r, (Ok(()), msg(ClientId::One, 0, b"t", b"z")));
}
