//! Operations of the async driver dropped part-way: the driver stays in step, the next command
//! gets its own answer, late answers and result lines are absorbed.

mod common;
use common::*;
use core::cell::Cell;
use core::future::{poll_fn, Future};
use core::task::Poll;
use embassy_time::Duration;
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, ConnState, Error, ModuleError, QoS};

/// Answer timeout 500 ms, result timeouts 1 s: long enough that a late answer always comes
/// within the wait of the next command.
fn patient() -> Config {
    Config::with_timeouts(Duration::from_millis(500), Duration::from_millis(1000))
}

/// A plain `ERROR` answer to `command`.
fn refused(command: AtCommand) -> Error {
    Error::Module(ModuleError::new(command, None))
}

/// Polls `fut` `n` times at most; `None` when it was dropped unfinished.
async fn poll_times<F: Future>(n: usize, fut: F) -> Option<F::Output> {
    let mut fut = core::pin::pin!(fut);
    let mut polls = 0;
    poll_fn(|cx| match fut.as_mut().poll(cx) {
        Poll::Ready(v) => Poll::Ready(Some(v)),
        Poll::Pending => {
            polls += 1;
            if polls >= n {
                Poll::Ready(None)
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        }
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Dropped before the command goes out.

#[test]
fn dropped_unpolled_or_while_waiting_for_the_channel_writes_nothing() {
    // The ping waits for the channel (held by the subscribe) and is dropped there: only the
    // subscribe's bytes are written.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
.. 100
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#
    );
    let r = run!(&script, patient(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        drop(c.ping());
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce);
        let ping = poll_times(3, c.ping());
        futures::join!(sub, ping)
    });
    assert_eq!(r, (Ok(()), None));
}

#[test]
fn dropped_while_waiting_for_a_late_answer_writes_nothing() {
    // The second ping waits for the answer owed to the first and is dropped there; the third
    // goes out once the owed answer came.
    let script = r#"
>> AT\r
.. 300
<< \r\nOK\r\n
>> AT\r
<< \r\nERROR\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = cut_after(30, c.ping()).await;
        let second = cut_after(30, c.ping()).await;
        (first, second, c.ping().await)
    });
    assert_eq!(r, (None, None, Err(refused(AtCommand::At))));
}

// ---------------------------------------------------------------------------------------------
// Dropped after the command went out, before OK.

#[test]
fn ping_dropped_after_its_first_poll() {
    // The first poll writes the command line; the late OK is absorbed by the next command.
    let script = r#"
>> AT\r
.. 100
<< \r\nOK\r\n
>> AT+CSQ\r
<< \r\nERROR\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = poll_times(1, c.ping()).await;
        let q = c.signal_quality().await.map(|s| s.rssi);
        (first, q)
    });
    assert_eq!(
        r,
        (
            None,
            Err(refused(AtCommand::Query(fibocom_mqtt::codec::Query::Csq)))
        )
    );
}

#[test]
fn subscribe_dropped_before_ok() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
.. 300
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTSUB=1,"b",0\r
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTSUB: 1,0\r\n
"#
    );
    let r = run!(&script, patient(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = cut_after(30, c.subscribe(ClientId::One, "a", QoS::AtMostOnce)).await;
        let state = c.state(ClientId::One);
        let second = c.subscribe(ClientId::One, "b", QoS::AtMostOnce).await;
        (first, state, second, c.state(ClientId::One))
    });
    assert_eq!(
        r,
        (
            None,
            ConnState::Open,
            Err(Error::Failed(AtCommand::Subscribe)),
            ConnState::Open
        )
    );
}

#[test]
fn open_dropped_before_ok_then_late_success() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
.. 250
<< \r\nOK\r\n
.. 50
<< \r\n+MQTTOPEN: 1,1\r\n
"#;
    let r = run!(script, patient(), |c| {
        let open = cut_after(30, c.open(ClientId::One, Broker::new("broker", 1883))).await;
        let dropped = c.state(ClientId::One);
        sleep(600).await;
        (open, dropped, c.state(ClientId::One))
    });
    assert_eq!(r, (None, ConnState::Closed, ConnState::Open));
}

#[test]
fn query_dropped_before_its_answer() {
    let script = r#"
>> AT+CSQ\r
.. 300
<< \r\n+CSQ: 5,5\r\n\r\nOK\r\n
>> AT+CSQ\r
<< \r\n+CSQ: 25,0\r\n\r\nOK\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = cut_after(30, c.signal_quality())
            .await
            .map(|q| q.map(|s| s.rssi));
        let second = c.signal_quality().await.map(|s| s.rssi);
        (first, second, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (None, Ok(25), vec![]));
}

// ---------------------------------------------------------------------------------------------
// Dropped after OK, while waiting for the result line.

#[test]
fn subscribe_dropped_after_ok() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"a",0\r
<< \r\nOK\r\n
.. 400
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTSUB=1,"b",0\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,0\r\n
"#
    );
    // The second subscribe goes out at once, before the first one's result line.
    let r = run!(&script, patient(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let first = cut_after(100, c.subscribe(ClientId::One, "a", QoS::AtMostOnce)).await;
        let second = c.subscribe(ClientId::One, "b", QoS::AtMostOnce).await;
        (first, second)
    });
    assert_eq!(r, (None, Err(Error::Failed(AtCommand::Subscribe))));
}

#[test]
fn open_dropped_after_ok_then_late_success() {
    let script = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 400
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"t",0\r
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
"#;
    let r = run!(script, patient(), |c| {
        let open = cut_after(100, c.open(ClientId::One, Broker::new("broker", 1883))).await;
        let dropped = c.state(ClientId::One);
        sleep(600).await;
        let late = c.state(ClientId::One);
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce).await;
        (open, dropped, late, sub)
    });
    assert_eq!(r, (None, ConnState::Closed, ConnState::Open, Ok(())));
}

#[test]
fn close_dropped_after_ok_then_late_success() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n
.. 400
<< \r\n+MQTTCLOSE: 1,1\r\n
"#
    );
    let r = run!(&script, patient(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let close = cut_after(100, c.close(ClientId::One)).await;
        let dropped = c.state(ClientId::One);
        sleep(600).await;
        (close, dropped, c.state(ClientId::One))
    });
    assert_eq!(r, (None, ConnState::Open, ConnState::Closed));
}

#[test]
fn attach_dropped_after_ok() {
    // The dropped attach's call comes up late: the driver learns it, and the next attach
    // keeps it without dialling again.
    let script = r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n
.. 400
<< \r\n+MIPCALL: 10.0.0.2\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = cut_after(100, c.attach(None, None)).await;
        sleep(500).await;
        let second = c.attach(None, None).await.map(|ip| ip.to_string());
        (first.is_none(), second)
    });
    assert_eq!(r, (true, Ok("10.0.0.2".to_string())));
}

// ---------------------------------------------------------------------------------------------
// Reading a message, dropped.

#[test]
fn next_event_dropped_while_reading_a_message() {
    let script = r#"
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
>> AT+MQTTREAD=1\r
.. 300
<< \r\n+MQTTREAD: 1,0,1,1\r\n"t","x"\r\n\r\nOK\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = cut_after(50, c.next_event(owned)).await;
        let ping = c.ping().await;
        (first, ping, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (None, Ok(()), vec![lost(0, 1, 0)]));
}

#[test]
fn next_event_dropped_while_waiting_for_the_channel_leaves_the_announcement() {
    // The announcement comes while the subscribe holds the channel; next_event, waiting for the
    // channel to read it, is dropped there. Nothing was sent for it, so the next call reads it.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTSUB=1,"t",0\r
<< \r\n+MQTTMSGI: 1,0,1,1\r\n
.. 100
<< \r\nOK\r\n
<< \r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,0,1,1\r\n"t","x"\r\n\r\nOK\r\n
"#
    );
    let r = run!(&script, patient(), |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let sub = c.subscribe(ClientId::One, "t", QoS::AtMostOnce);
        let first = cut_after(50, c.next_event(owned));
        let (sub, first) = futures::join!(sub, first);
        (sub, first, events_until_quiet(c, 300).await)
    });
    assert_eq!(r, (Ok(()), None, vec![msg(ClientId::One, 0, b"t", b"x")]));
}

#[test]
fn next_event_dropped_after_the_message_came_hands_it_out_next() {
    // The message line came before the drop: it is held, not lost, and the next call hands it
    // out; the read's late OK is absorbed before the ping's.
    let script = r#"
<< \r\n+MQTTMSGI: 1,1,1,2\r\n
>> AT+MQTTREAD=1\r
<< \r\n+MQTTREAD: 1,1,1,2\r\n"t","xy"\r\n
.. 300
<< \r\nOK\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let r = run!(script, patient(), |c| {
        let first = cut_after(100, c.next_event(owned)).await;
        let ping = c.ping().await;
        (first, ping, events_until_quiet(c, 100).await)
    });
    assert_eq!(r, (None, Ok(()), vec![msg(ClientId::One, 1, b"t", b"xy")]));
}

#[test]
fn read_message_dropped_after_the_message_came_leaves_it_to_next_event() {
    let script = r#"
<< \r\n+MQTTMSGI: 2,0,1,1\r\n
.. 50
>> AT+MQTTREAD=2\r
<< \r\n+MQTTREAD: 2,0,1,1\r\n"t","z"\r\n
.. 300
<< \r\nOK\r\n
"#;
    let r = run!(script, patient(), |c| {
        embassy_time::Timer::after_millis(20).await;
        let first = cut_after(100, c.read_message(ClientId::Two, |m| m.payload.to_vec())).await;
        (first, events_until_quiet(c, 500).await)
    });
    assert_eq!(r, (None, vec![msg(ClientId::Two, 0, b"t", b"z")]));
}

// ---------------------------------------------------------------------------------------------
// The data publish, dropped.

#[test]
fn data_publish_dropped_before_the_prompt_module_leaves_data_mode() {
    // The module prompts after the drop; the driver writes no payload and waits for the module
    // to give up (ERROR) before the next command.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
.. 300
<< \r\n>\s
.. 200
<< \r\nERROR\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let mut config = patient();
    config.data_mode_timeout = Duration::from_millis(1000);
    let r = run!(&script, config, |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = cut_after(
            50,
            c.publish(ClientId::One, "t", b"\x00\x01\x02", QoS::AtMostOnce, false),
        )
        .await;
        (publish, c.state(ClientId::One), c.ping().await)
    });
    assert_eq!(r, (None, ConnState::Open, Ok(())));
}

#[test]
fn data_publish_dropped_before_the_prompt_is_completed_with_nul_bytes() {
    // The module prompts after the drop and waits for the payload; no ERROR comes within the
    // data-mode timeout, so the driver sends the three bytes as NULs, absorbs the OK and the
    // result line, then sends the next command.
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,3\r
.. 250
<< \r\n>\s
>> \0\0\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT\r
<< \r\nERROR\r\n
"#
    );
    let mut config = patient();
    config.data_mode_timeout = Duration::from_millis(600);
    let r = run!(&script, config, |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = cut_after(
            50,
            c.publish(ClientId::One, "t", b"\x00\x01\x02", QoS::AtMostOnce, false),
        )
        .await;
        let ping = c.ping().await;
        (publish, ping, c.state(ClientId::One))
    });
    assert_eq!(r, (None, Err(refused(AtCommand::At)), ConnState::Open));
}

#[test]
fn prompt_after_a_prompt_timeout_is_completed_with_nul_bytes() {
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,2\r
.. 300
<< >\s
>> \0\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let mut config = fast();
    config.data_mode_timeout = Duration::from_millis(600);
    let r = run!(&script, config, |c| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        let publish = c
            .publish(ClientId::One, "t", b"\x01\x02", QoS::AtMostOnce, false)
            .await;
        (publish, c.ping().await)
    });
    assert_eq!(r, (Err(Error::PromptTimeout), Ok(())));
}

// ---------------------------------------------------------------------------------------------
// Dropped while writing: a port that takes one byte per write, yielding before each.

mod trickle {
    use super::*;
    use embedded_io_async::{ErrorType, Write};
    use std::rc::Rc;

    /// Writes one byte per call, after yielding once; counts what it wrote.
    pub struct Trickle<W> {
        pub inner: W,
        pub written: Rc<Cell<usize>>,
    }

    impl<W: ErrorType> ErrorType for Trickle<W> {
        type Error = W::Error;
    }

    impl<W: Write> Write for Trickle<W> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, W::Error> {
            embassy_futures::yield_now().await;
            let n = self.inner.write(buf.get(..1).unwrap_or(&[])).await?;
            self.written.set(self.written.get() + n);
            Ok(n)
        }
        async fn flush(&mut self) -> Result<(), W::Error> {
            self.inner.flush().await
        }
    }

    /// Completes once `count` reaches `n`.
    pub async fn until(count: &Cell<usize>, n: usize) {
        poll_fn(|cx| {
            if count.get() >= n {
                Poll::Ready(())
            } else {
                cx.waker().wake_by_ref();
                Poll::Pending
            }
        })
        .await
    }

    /// Runs `body` over `script` with a trickling writer; checks the script was played exactly.
    macro_rules! run_trickle {
        ($script:expr, $config:expr, |$c:ident, $written:ident| $body:expr) => {{
            let s = fibocom_mqtt::scripted::Script::new($script);
            let (r, w) = s.split();
            let $written = std::rc::Rc::new(core::cell::Cell::new(0usize));
            let w = Trickle {
                inner: w,
                written: $written.clone(),
            };
            let mut state = fibocom_mqtt::asynch::State::<1536>::new();
            let (mut runner, client) = fibocom_mqtt::asynch::new(&mut state, r, w, $config);
            let $c = &client;
            let out = futures::executor::block_on(async {
                let work = core::pin::pin!(async { $body });
                let run = core::pin::pin!(runner.run());
                match futures::future::select(run, work).await {
                    futures::future::Either::Left((e, _)) => panic!("runner stopped: {e:?}"),
                    futures::future::Either::Right((v, _)) => v,
                }
            });
            if let Err(e) = s.finish() {
                panic!("script not played exactly: {e}");
            }
            out
        }};
    }
    pub(crate) use run_trickle;
}
use trickle::{run_trickle, until, Trickle};

/// Races `fut` against the writer having written `n` bytes in all.
async fn cut_at_byte<F: Future>(written: &Cell<usize>, n: usize, fut: F) -> Option<F::Output> {
    use futures::future::{select, Either};
    let fut = core::pin::pin!(fut);
    let stop = core::pin::pin!(until(written, n));
    match select(fut, stop).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(((), _)) => None,
    }
}

#[test]
fn dropped_in_the_middle_of_its_command_line() {
    // Five bytes of a query went out; the next command first ends the cut line with CR,
    // waits for the module's answer to it, then goes out whole.
    let script = r#"
>> AT+MQ
>> \r
<< \r\nERROR\r\n
>> AT\r
<< \r\nOK\r\n
"#;
    let r = run_trickle!(script, patient(), |c, written| {
        let first = cut_at_byte(&written, 5, c.raw("+MQTTSUB?", |_| ())).await;
        (first, c.ping().await)
    });
    assert_eq!(r, (None, Ok(())));
}

#[test]
fn data_publish_dropped_in_the_middle_of_its_payload() {
    // Two of four payload bytes went out after the prompt; the module waits for the other two.
    // No ERROR comes, so the driver completes the payload with two NULs before the next command.
    let command = "AT+MQTTPUB=1,\"t\",0,0,4\r";
    let script = format!(
        "{OPEN1}{}",
        r#"
>> AT+MQTTPUB=1,"t",0,0,4\r
<< >\s
>> \x01\x02
>> \0\0
<< \r\nOK\r\n
<< \r\n+MQTTPUB: 1,1\r\n
>> AT\r
<< \r\nOK\r\n
"#
    );
    let open_len = r#"AT+MQTTOPEN=1,"broker",1883,1,60"#.len() + 1;
    let mut config = patient();
    config.data_mode_timeout = Duration::from_millis(300);
    let r = run_trickle!(&script, config, |c, written| {
        c.open(ClientId::One, Broker::new("broker", 1883))
            .await
            .unwrap();
        assert_eq!(written.get(), open_len);
        let publish = cut_at_byte(
            &written,
            open_len + command.len() + 2,
            c.publish(
                ClientId::One,
                "t",
                b"\x01\x02\x03\x04",
                QoS::AtMostOnce,
                false,
            ),
        )
        .await;
        (publish, c.ping().await, c.state(ClientId::One))
    });
    assert_eq!(r, (None, Ok(()), ConnState::Open));
}

#[test]
fn tls_provisioning_dropped_in_the_middle_of_a_file() {
    // The module holds no CA; version and mode took; ten bytes of the 59-byte CA went out
    // after the prompt. No ERROR comes, so the driver completes the file with 49 NULs (the
    // module then holds an unusable file, which a later provisioning takes as its CA: restart
    // the module, then provision) and absorbs its OK before the next command.
    const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    let setup = fibocom_mqtt::TlsSetup::new().trust(CA);
    let file_line = "AT+GTSSLFILE=\"TRUSTFILE\",59\r";
    let script = format!(
        r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n>\s
>> -----BEGIN
>> {}
<< \r\nOK\r\n
>> AT\r
<< \r\nOK\r\n
"#,
        "\\0".repeat(CA.len() - 10)
    );
    let before = "AT+GTSSLFILE?\r".len() + "AT+GTSSLVER=4\r".len() + "AT+GTSSLMODE=1\r".len();
    let mut config = patient();
    config.data_mode_timeout = Duration::from_millis(300);
    let r = run_trickle!(&script, config, |c, written| {
        let provision = cut_at_byte(
            &written,
            before + file_line.len() + 10,
            c.provision_tls(&setup),
        )
        .await;
        (provision, c.ping().await)
    });
    assert_eq!(r, (None, Ok(())));
}
