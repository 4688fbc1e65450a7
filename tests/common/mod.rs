//! Shared helpers for the scripted-port driver tests.
#![allow(dead_code, unused_macros, unused_imports)]

use embassy_time::Duration;
use fibocom_mqtt::Config;

/// Short timeouts, so that timeout tests take a fraction of a second.
pub fn fast() -> Config {
    Config::with_timeouts(Duration::from_millis(150), Duration::from_millis(400))
}

/// Runs `$body` (with the async client bound to `$c`) over the script `$script`, with the runner
/// beside it. `$check` receives the script afterwards.
#[macro_export]
macro_rules! play {
    ($script:expr, $config:expr, |$c:ident| $body:expr, |$s:ident| $check:expr) => {{
        let $s = fibocom_mqtt::scripted::Script::new($script);
        let (r, w) = $s.split();
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
        $check;
        out
    }};
}

/// [`play!`], then checks the script was played exactly.
#[macro_export]
macro_rules! run {
    ($script:expr, $config:expr, |$c:ident| $body:expr) => {
        $crate::play!(
            $script,
            $config,
            |$c| $body,
            |s| if let Err(e) = s.finish() {
                panic!("script not played exactly: {e}")
            }
        )
    };
}

/// Script lines that open client 1 on `broker:1883`.
pub const OPEN1: &str = r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 1,1\r\n
"#;

/// Script lines that open client 2 on `broker:1883`.
pub const OPEN2: &str = r#"
>> AT+MQTTOPEN=2,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 2,1\r\n
"#;

/// An [`Event`](fibocom_mqtt::Event) copied out of the driver's buffers, to compare in tests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    Message {
        client: fibocom_mqtt::ClientId,
        qos: fibocom_mqtt::QoS,
        topic: Vec<u8>,
        payload: Vec<u8>,
    },
    Break {
        client: fibocom_mqtt::ClientId,
        cause: fibocom_mqtt::BreakCause,
    },
    Restarted,
    Registration(fibocom_mqtt::codec::Registration),
    DataCallDown,
    Unsolicited(Vec<u8>),
    Garbled(Vec<u8>),
    Lost(fibocom_mqtt::proto::Losses),
    ReadFailed {
        client: fibocom_mqtt::ClientId,
        error: fibocom_mqtt::Error,
    },
    LinkError {
        kind: embedded_io::ErrorKind,
        count: u16,
    },
}

/// Copies an event out.
pub fn owned(ev: fibocom_mqtt::Event<'_>) -> Ev {
    use fibocom_mqtt::Event;
    match ev {
        Event::Message(m) => Ev::Message {
            client: m.client,
            qos: m.qos,
            topic: m.topic.to_vec(),
            payload: m.payload.to_vec(),
        },
        Event::Break { client, cause } => Ev::Break { client, cause },
        Event::Restarted => Ev::Restarted,
        Event::Registration(r) => Ev::Registration(r),
        Event::DataCallDown => Ev::DataCallDown,
        Event::Unsolicited(l) => Ev::Unsolicited(l.to_vec()),
        Event::Garbled(l) => Ev::Garbled(l.to_vec()),
        Event::Lost(l) => Ev::Lost(l),
        Event::ReadFailed { client, error } => Ev::ReadFailed { client, error },
        Event::LinkError { kind, count } => Ev::LinkError { kind, count },
        other => panic!("an event this helper does not know: {other:?}"),
    }
}

/// A message event, for comparisons.
pub fn msg(client: fibocom_mqtt::ClientId, qos: u32, topic: &[u8], payload: &[u8]) -> Ev {
    Ev::Message {
        client,
        qos: fibocom_mqtt::QoS::new(qos).expect("qos"),
        topic: topic.to_vec(),
        payload: payload.to_vec(),
    }
}

/// Losses, for comparisons.
pub fn lost(events: u16, messages: u16, overlong_lines: u16) -> Ev {
    Ev::Lost(fibocom_mqtt::proto::Losses {
        events,
        messages,
        overlong_lines,
    })
}

/// The next event, or `None` if none comes within `ms` milliseconds.
pub async fn event_within<W: embedded_io_async::Write>(
    c: &fibocom_mqtt::asynch::Control<'_, W>,
    ms: u64,
) -> Option<Ev> {
    use futures::future::{select, Either};
    let next = core::pin::pin!(c.next_event(owned));
    let timer = core::pin::pin!(embassy_time::Timer::after_millis(ms));
    match select(next, timer).await {
        Either::Left((ev, _)) => Some(ev.expect("the link is up")),
        Either::Right(((), _)) => None,
    }
}

/// Every event that comes until none came for `quiet_ms` milliseconds.
pub async fn events_until_quiet<W: embedded_io_async::Write>(
    c: &fibocom_mqtt::asynch::Control<'_, W>,
    quiet_ms: u64,
) -> Vec<Ev> {
    let mut out = Vec::new();
    while let Some(ev) = event_within(c, quiet_ms).await {
        out.push(ev);
    }
    out
}

/// Sleeps `ms` milliseconds (async).
pub async fn sleep(ms: u64) {
    embassy_time::Timer::after_millis(ms).await;
}

/// Polls `fut` until it completes or `ms` milliseconds pass; `None` when it was dropped
/// unfinished.
pub async fn cut_after<F: core::future::Future>(ms: u64, fut: F) -> Option<F::Output> {
    use futures::future::{select, Either};
    let fut = core::pin::pin!(fut);
    let timer = core::pin::pin!(embassy_time::Timer::after_millis(ms));
    match select(fut, timer).await {
        Either::Left((v, _)) => Some(v),
        Either::Right(((), _)) => None,
    }
}
