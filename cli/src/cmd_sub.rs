//! `sub`: subscribes and prints each message as it arrives, until `-C` messages came, `-W`
//! seconds passed without one, the connection broke, or SIGINT / SIGTERM asked to stop (then
//! the connection is closed cleanly).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant, SystemTime};

use embassy_time::Duration;
use fibocom_mqtt::{ClientId, Event};

use crate::args::{DeviceArgs, SubArgs};
use crate::check;
use crate::format::{self, Shown};
use crate::session::{self, Module};
use crate::Fail;

/// How long one wait for an event lasts: the longest a stop request waits to be noticed.
const POLL: Duration = Duration::from_millis(200);

/// How long to wait between attempts to connect again with `--reconnect`.
const RETRY: StdDuration = StdDuration::from_secs(2);

/// How long after the subscriptions are confirmed a message is taken for a retained one.
const RETAINED_WINDOW: StdDuration = StdDuration::from_secs(1);

/// What an event meant for the loop.
enum Step {
    Message,
    Skipped,
    Dropped(String),
    Other,
    Output(std::io::Error),
}

/// Runs the subscription.
pub fn run(dev: &DeviceArgs, a: &SubArgs) -> Result<(), Fail> {
    // Every argument is checked before the module is touched.
    session::device(dev)?;
    check::subscribe(a)?;
    if let Some(f) = &a.format {
        format::check(f)?;
    }
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal, while the connection is being closed, ends the process at once.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(|e| Fail::new(format!("cannot handle signals: {e}")))?;
    }
    let mut m = Module::start(dev, &a.modem)?;
    let mut subscribed = connect(&mut m, a)?;

    let mut out = std::io::stdout();
    let mut received = 0u64;
    let mut last = Instant::now();
    let idle = a.wait.map(StdDuration::from_secs);
    loop {
        if stop.load(Ordering::Relaxed) {
            return m.close();
        }
        if let Some(limit) = idle {
            if last.elapsed() >= limit {
                let _ = m.close();
                return Err(Fail::new(format!(
                    "timed out: no message for {} s",
                    limit.as_secs()
                )));
            }
        }
        let step = m
            .client
            .poll_event(POLL, |ev| handle(ev, m.id, a, subscribed, &mut out))
            .map_err(|e| m.fail("waiting for messages", e))?;
        match step {
            Some(Step::Message) => {
                received = received.saturating_add(1);
                last = Instant::now();
                if a.count.is_some_and(|c| received >= c) {
                    return m.close();
                }
            }
            Some(Step::Dropped(why)) if a.reconnect => {
                eprintln!("fibocom-mqtt: connection lost ({why}); connecting again");
                match again(&mut m, a, &stop) {
                    Some(at) => subscribed = at,
                    None => return Ok(()),
                }
                last = Instant::now();
            }
            Some(Step::Dropped(why)) => {
                return Err(Fail::new(format!("connection lost: {why}")));
            }
            Some(Step::Output(e)) => {
                let _ = m.close();
                return Err(Fail::new(format!("cannot write to stdout: {e}")));
            }
            Some(Step::Skipped | Step::Other) | None => {}
        }
    }
}

/// Brings the connection up and subscribes to every topic; returns when the last subscription
/// was confirmed.
fn connect(m: &mut Module, a: &SubArgs) -> Result<Instant, Fail> {
    session::bring_up(m, &a.modem, &a.broker)?;
    let qos = session::qos(a.broker.qos);
    for topic in &a.topics {
        let id = m.id;
        if let Err(e) = m.client.subscribe(id, topic, qos) {
            let f = m.fail(&format!("subscribing to {topic}"), e);
            let _ = m.close();
            return Err(f);
        }
    }
    Ok(Instant::now())
}

/// `--reconnect`: tries until connected (when the subscriptions were confirmed) or asked to
/// stop (`None`).
fn again(m: &mut Module, a: &SubArgs, stop: &AtomicBool) -> Option<Instant> {
    loop {
        let attempt = m.restart().and_then(|()| connect(m, a));
        match attempt {
            Ok(at) => return Some(at),
            Err(f) => eprintln!("fibocom-mqtt: {}; trying again", f.message),
        }
        let until = Instant::now() + RETRY;
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                return None;
            }
            std::thread::sleep(StdDuration::from_millis(50));
        }
    }
}

/// Prints a message of our client (as mosquitto_sub does: see [`format`]), skips it (`-R`), or
/// classifies another event.
fn handle(
    ev: Event<'_>,
    id: ClientId,
    a: &SubArgs,
    subscribed: Instant,
    out: &mut impl Write,
) -> Step {
    match ev {
        Event::Message(msg) if msg.client == id => {
            let retained = subscribed.elapsed() < RETAINED_WINDOW;
            if retained && a.no_retained {
                return Step::Skipped;
            }
            let shown = Shown {
                topic: msg.topic,
                payload: msg.payload,
                qos: msg.qos.number(),
                retained,
                time: SystemTime::now(),
            };
            let eol = !a.no_eol;
            let r = match &a.format {
                Some(f) => format::formatted(out, f, &shown, eol),
                None => format::plain(out, &shown, a.verbose, eol),
            };
            match r.and_then(|()| out.flush()) {
                Ok(()) => Step::Message,
                Err(e) => Step::Output(e),
            }
        }
        Event::Break { client, cause } if client == id => Step::Dropped(session::cause(cause)),
        Event::Restarted => Step::Dropped("the module restarted".into()),
        Event::Lost(l) => {
            if l.messages > 0 {
                eprintln!("fibocom-mqtt: {} message(s) lost", l.messages);
            }
            Step::Other
        }
        Event::ReadFailed { client, error } if client == id => {
            eprintln!(
                "fibocom-mqtt: a message could not be read: {}",
                session::describe(error)
            );
            Step::Other
        }
        _ => Step::Other,
    }
}
