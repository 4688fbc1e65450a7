//! Network queries, the data call and raw commands of the async driver.

mod common;
use common::*;
use fibocom_mqtt::codec::{Registration, RegistrationKind};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::{ClientId, ClientSet, ConnState, Error, ModuleError, SimState};

#[test]
fn signal_quality() {
    let script = r#"
>> AT+CSQ\r
<< \r\n+CSQ: 31,99\r\n\r\nOK\r\n
>> AT+CSQ\r
<< \r\n+CSQ: 99,99\r\n\r\nOK\r\n
"#;
    let (a, b) = run!(script, fast(), |c| (
        c.signal_quality().await.unwrap(),
        c.signal_quality().await.unwrap()
    ));
    assert_eq!((a.rssi, a.ber, a.dbm()), (31, 99, Some(-51)));
    assert_eq!((b.rssi, b.ber, b.dbm()), (99, 99, None));
}

#[test]
fn sim_state() {
    let script = r#"
>> AT+CPIN?\r
<< \r\n+CPIN: READY\r\n\r\nOK\r\n
>> AT+CPIN?\r
<< \r\n+CPIN: SIM PIN\r\n\r\nOK\r\n
>> AT+CPIN?\r
<< \r\n+CPIN: SIM PUK\r\n\r\nOK\r\n
>> AT+CPIN?\r
<< \r\n+CPIN: PH-NET PIN\r\n\r\nOK\r\n
>> AT+CPIN?\r
<< \r\n+CME ERROR: 10\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut out = Vec::new();
        for _ in 0..5 {
            out.push(c.sim_state().await);
        }
        out
    });
    assert_eq!(
        r,
        vec![
            Ok(SimState::Ready),
            Ok(SimState::Pin),
            Ok(SimState::Puk),
            Ok(SimState::Other),
            Err(Error::Module(ModuleError::new(
                AtCommand::Query(fibocom_mqtt::codec::Query::Cpin),
                Some(10),
            ))),
        ]
    );
}

#[test]
fn operator() {
    let script = r#"
>> AT+COPS?\r
<< \r\n+COPS: 0,0,"CHN-UNICOM",7\r\n\r\nOK\r\n
>> AT+COPS?\r
<< \r\n+COPS: 0\r\n\r\nOK\r\n
"#;
    let (a, b) = run!(script, fast(), |c| (
        c.operator().await.unwrap(),
        c.operator().await.unwrap()
    ));
    assert_eq!((a.mode, a.name.as_str(), a.act), (0, "CHN-UNICOM", Some(7)));
    assert_eq!((b.mode, b.name.as_str(), b.act), (0, "", None));
}

#[test]
fn registration_of_each_kind() {
    let script = r#"
>> AT+CREG?\r
<< \r\n+CREG: 0,1\r\n\r\nOK\r\n
>> AT+CGREG?\r
<< \r\n+CGREG: 2,5,"1A2B","01C3D4E5",7\r\n\r\nOK\r\n
>> AT+CEREG?\r
<< \r\n+CEREG: 0,2\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.registration(RegistrationKind::Creg).await.unwrap(),
        c.registration(RegistrationKind::Cgreg).await.unwrap(),
        c.registration(RegistrationKind::Cereg).await.unwrap()
    ));
    let reg = |kind, mode, stat| Registration {
        kind,
        mode: Some(mode),
        stat,
    };
    assert_eq!(r.0, reg(RegistrationKind::Creg, 0, 1));
    assert_eq!(r.1, reg(RegistrationKind::Cgreg, 2, 5));
    assert_eq!(r.2, reg(RegistrationKind::Cereg, 0, 2));
    assert!(r.0.registered() && r.1.registered() && !r.2.registered());
}

#[test]
fn registration_report_during_a_query_is_an_event_not_the_answer() {
    // The unsolicited form (`+CREG: <stat>`) comes first; the answer (`+CREG: <n>,<stat>`) after.
    let script = r#"
>> AT+CREG?\r
<< \r\n+CREG: 5\r\n\r\n+CREG: 0,1\r\n\r\nOK\r\n
"#;
    let (answer, events) = run!(script, fast(), |c| {
        let a = c.registration(RegistrationKind::Creg).await;
        (a, events_until_quiet(c, 100).await)
    });
    assert_eq!(
        answer,
        Ok(Registration {
            kind: RegistrationKind::Creg,
            mode: Some(0),
            stat: 1
        })
    );
    assert_eq!(
        events,
        vec![Ev::Registration(Registration {
            kind: RegistrationKind::Creg,
            mode: None,
            stat: 5
        })]
    );
}

#[test]
fn query_answered_without_its_line_is_unexpected() {
    let script = r#"
>> AT+CSQ\r
<< \r\nOK\r\n
>> AT+CEREG?\r
<< \r\n+CREG: 0,1\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.signal_quality().await.map(|s| s.rssi),
        c.registration(RegistrationKind::Cereg).await
    ));
    assert_eq!(
        r,
        (Err(Error::UnexpectedAnswer), Err(Error::UnexpectedAnswer))
    );
}

#[test]
fn identify_returns_each_line() {
    let script = r#"
>> ATI\r
<< ATI\r\r\nFibocom\r\nNL668-EAU\r\n\r\nRevision: 19906.1000.00.04.11.01\r\n\r\nOK\r\n
"#;
    let lines = run!(script, fast(), |c| {
        let mut lines = Vec::new();
        c.identify(|l| lines.push(String::from_utf8_lossy(l).into_owned()))
            .await
            .unwrap();
        lines
    });
    assert_eq!(
        lines,
        ["Fibocom", "NL668-EAU", "Revision: 19906.1000.00.04.11.01"]
    );
}

#[test]
fn data_call_query() {
    let script = r#"
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 1,10.12.3.4\r\n\r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 1,"10.0.0.7"\r\n\r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut out = Vec::new();
        for _ in 0..3 {
            out.push(c.data_call().await.map(|ip| ip.map(|s| s.to_string())));
        }
        out
    });
    assert_eq!(
        r,
        vec![
            Ok(Some("10.12.3.4".to_string())),
            Ok(Some("10.0.0.7".to_string())),
            Ok(None)
        ]
    );
}

#[test]
fn attach_with_the_manuals_answer() {
    let script = r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n
.. 50
<< \r\n+MIPCALL: 10.170.34.97\r\n
"#;
    let r = run!(script, fast(), |c| c.attach(None, None).await);
    assert_eq!(r.as_deref(), Ok("10.170.34.97"));
}

#[test]
fn attach_with_the_state_and_address_answer() {
    let script = r#"
>> AT+MIPCALL=1,"internet"\r
<< \r\nOK\r\n
<< \r\n+MIPCALL: 1,100.64.0.9\r\n
"#;
    let r = run!(script, fast(), |c| c.attach(Some("internet"), None).await);
    assert_eq!(r.as_deref(), Ok("100.64.0.9"));
}

#[test]
fn attach_with_credentials() {
    // The second attach dials because the call dropped in between.
    let script = r#"
>> AT+MIPCALL=1,"apn.corp","user","pw"\r
<< \r\nOK\r\n
<< \r\n+MIPCALL: 1,"10.1.2.3"\r\n
<< \r\n+MIPCALL: 0\r\n
>> AT+MIPCALL=1,"","user","pw"\r
<< \r\nOK\r\n
<< \r\n+MIPCALL: 10.1.2.4\r\n
"#;
    let r = run!(script, fast(), |c| {
        let first = c.attach(Some("apn.corp"), Some(("user", "pw"))).await;
        events_until_quiet(c, 50).await;
        (first, c.attach(None, Some(("user", "pw"))).await)
    });
    assert_eq!(r.0.as_deref(), Ok("10.1.2.3"));
    assert_eq!(r.1.as_deref(), Ok("10.1.2.4"));
}

#[test]
fn attach_failures() {
    // `+MIPCALL: 0` after OK; ERROR with no call up (asked once); no `+MIPCALL` line at all.
    let script = r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n
<< \r\n+MIPCALL: 0\r\n
>> AT+MIPCALL=1\r
<< \r\nERROR\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MIPCALL=1\r
<< \r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.attach(None, None).await,
        c.attach(None, None).await,
        c.attach(None, None).await
    ));
    assert_eq!(r.0, Err(Error::Failed(AtCommand::CallUp)));
    assert_eq!(
        r.1,
        Err(Error::Module(ModuleError::new(AtCommand::CallUp, None)))
    );
    assert_eq!(r.2, Err(Error::ResultTimeout));
}

#[test]
fn a_late_attach_line_says_the_call_is_up() {
    // The `+MIPCALL:` line after the attach's timeout is not its result (that was a timeout),
    // but it says a call is up: the next attach keeps it and sends nothing.
    let script = r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n
.. 600
<< \r\n+MIPCALL: 10.0.0.1\r\n
"#;
    let r = run!(script, fast(), |c| {
        let first = c.attach(None, None).await;
        sleep(400).await;
        let events = events_until_quiet(c, 50).await;
        (first, events, c.attach(None, None).await)
    });
    assert_eq!(r.0, Err(Error::ResultTimeout));
    assert_eq!(r.1, vec![]);
    assert_eq!(r.2.as_deref(), Ok("10.0.0.1"));
}

#[test]
fn attach_keeps_a_call_up_from_before() {
    // The module refuses a second call: the driver asks once, and keeps the call it finds.
    let script = r#"
>> AT+MIPCALL=1,"internet"\r
<< \r\nERROR\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 1,"10.9.8.7"\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| (
        c.attach(Some("internet"), None).await,
        c.attach(Some("internet"), None).await
    ));
    assert_eq!(r.0.as_deref(), Ok("10.9.8.7"));
    assert_eq!(r.1.as_deref(), Ok("10.9.8.7"), "no second dial");
}

#[test]
fn attach_after_start_up_found_the_call_up_sends_nothing() {
    let script = r#"
>> AT\r
<< \r\nOK\r\n
>> ATE0\r
<< \r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 1,10.20.30.40\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        c.start().await?;
        c.attach(None, None).await
    });
    assert_eq!(r.as_deref(), Ok("10.20.30.40"));
}

#[test]
fn attach_on_firmware_that_refuses_the_call_query_too() {
    let script = r#"
>> AT+MIPCALL=1\r
<< \r\nERROR\r\n
>> AT+MIPCALL?\r
<< \r\nERROR\r\n
"#;
    let r = run!(script, fast(), |c| c.attach(None, None).await);
    assert_eq!(
        r,
        Err(Error::Module(ModuleError::new(AtCommand::CallUp, None)))
    );
}

#[test]
fn detach() {
    let script = r#"
>> AT+MIPCALL=0\r
<< \r\nOK\r\n
<< \r\n+MIPCALL: 0\r\n
"#;
    let (r, events) = run!(script, fast(), |c| {
        let r = c.detach().await;
        (r, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, Ok(()));
    // The `+MIPCALL: 0` answered the detach: it is not also reported as the call dropping.
    assert_eq!(events, vec![]);
}

#[test]
fn detach_refused() {
    let script = r#"
>> AT+MIPCALL=0\r
<< \r\n+CME ERROR: 3\r\n
"#;
    let r = run!(script, fast(), |c| c.detach().await);
    assert_eq!(
        r,
        Err(Error::Module(ModuleError::new(
            AtCommand::CallDown,
            Some(3)
        )))
    );
}

#[test]
fn raw_returns_its_lines() {
    let script = r#"
>> AT+CGSN\r
<< \r\n867962040000000\r\n\r\nOK\r\n
>> AT+GTSET="IPRFMT",0\r
<< AT+GTSET="IPRFMT",0\r\r\nOK\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut a = Vec::new();
        c.raw("+CGSN", |l| a.push(l.to_vec())).await.unwrap();
        let mut b: Vec<Vec<u8>> = Vec::new();
        c.raw("+GTSET=\"IPRFMT\",0", |l| b.push(l.to_vec()))
            .await
            .unwrap();
        (a, b)
    });
    assert_eq!(r.0, vec![b"867962040000000".to_vec()]);
    assert_eq!(r.1, Vec::<Vec<u8>>::new());
}

#[test]
fn raw_fails_on_error_and_still_shows_the_lines_before_it() {
    let script = r#"
>> AT+FOO\r
<< \r\nERROR\r\n
>> AT+BAR?\r
<< \r\n+BAR: 1\r\n\r\n+CME ERROR: 50\r\n
"#;
    let r = run!(script, fast(), |c| {
        let mut seen = Vec::new();
        let a = c.raw("+FOO", |l| seen.push(l.to_vec())).await;
        let b = c.raw("+BAR?", |l| seen.push(l.to_vec())).await;
        (a, b, seen)
    });
    assert_eq!(
        r.0,
        Err(Error::Module(ModuleError::new(AtCommand::Raw, None)))
    );
    assert_eq!(
        r.1,
        Err(Error::Module(ModuleError::new(AtCommand::Raw, Some(50))))
    );
    assert_eq!(r.2, vec![b"+BAR: 1".to_vec()]);
}

#[test]
fn sync_states_takes_the_modules_view() {
    let script = r#"
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 2\r\n\r\nOK\r\n
>> AT+MQTTCLOSE=2\r
<< \r\nOK\r\n\r\n+MQTTCLOSE: 2,1\r\n
"#;
    let r = run!(script, fast(), |c| {
        let open = c.sync_states().await;
        let before = (c.state(ClientId::One), c.state(ClientId::Two));
        let closed = c.close(ClientId::Two).await;
        (open, before, closed, c.state(ClientId::Two))
    });
    assert_eq!(r.0, Ok(ClientSet::EMPTY.with(ClientId::Two)));
    assert_eq!(r.1, (ConnState::Closed, ConnState::Open));
    assert_eq!(r.2, Ok(()));
    assert_eq!(r.3, ConnState::Closed);
}

#[test]
fn raw_refuses_a_line_end_in_its_body() {
    let r = run!("", fast(), |c| c.raw("+FOO\rAT+MQTTCLOSE=1", |_| ()).await);
    assert!(matches!(r, Err(Error::Invalid(_))), "{r:?}");
}
