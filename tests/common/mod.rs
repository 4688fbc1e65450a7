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
