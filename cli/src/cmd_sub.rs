//! `sub`: subscribes and prints each message as it arrives, until `-C` messages came, `-W`
//! seconds passed without one, the connection broke, or SIGINT / SIGTERM asked to stop (then
//! the connection is closed cleanly).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant, SystemTime};

use embassy_time::Duration;
use fibocom_mqtt::codec::Message;
use fibocom_mqtt::session::blocking::Session;
use fibocom_mqtt::session::{Outbox, SessionEvent, SessionState, Subscription};
use fibocom_mqtt::{ClientId, Event};

use crate::args::{DeviceArgs, SubArgs};
use crate::check;
use crate::format::{self, Shown};
use crate::session::{self, Module};
use crate::Fail;

/// How long one wait for an event lasts: the longest a stop request waits to be noticed.
const POLL: Duration = Duration::from_millis(200);

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
    if a.reconnect {
        return kept(dev, a, &stop);
    }
    let mut m = Module::start(dev, &a.modem)?;
    let subscribed = connect(&mut m, a)?;

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

/// `--reconnect`: the session layer keeps the connection up (start-up, data call, user,
/// will, open and the subscriptions, again after every break or module restart, with
/// back-off), and says on stderr why it is down and when it tries again.
fn kept(dev: &DeviceArgs, a: &SubArgs, stop: &AtomicBool) -> Result<(), Fail> {
    let mut m = Module::unstarted(dev, &a.modem)?;
    let id = m.id;
    let qos = session::qos(a.broker.qos);
    let subs: Vec<Subscription<'_>> = a
        .topics
        .iter()
        .map(|t| Subscription { filter: t, qos })
        .collect();
    let default_id = check::default_client_id();
    let client_id = a.broker.id.as_deref().unwrap_or(&default_id);
    let tls = crate::tls::load(&a.broker.tls)?.map(|t| t.setup());
    let config = session::kept(id, &a.modem, &a.broker, client_id, &subs, tls.as_ref());
    let mut out = std::io::stdout();
    let idle = a.wait.map(StdDuration::from_secs);
    let ended = {
        let mut s = Session::new(&mut m.client, config, Outbox::new(&mut [], &mut []));
        let mut received = 0u64;
        let mut last = Instant::now();
        let mut subscribed = Instant::now();
        let mut watch = session::Watch::default();
        loop {
            if stop.load(Ordering::Relaxed) {
                break Ok(());
            }
            if let Some(limit) = idle {
                if last.elapsed() >= limit {
                    break Err(Fail::new(format!(
                        "timed out: no message for {} s",
                        limit.as_secs()
                    )));
                }
            }
            let step = s.poll(POLL, |ev| match ev {
                SessionEvent::Message(msg) if msg.client == id => {
                    print(msg, a, subscribed, &mut out)
                }
                SessionEvent::State(state) => {
                    session::say_state(state, &mut watch);
                    if state == SessionState::Connected {
                        subscribed = Instant::now();
                    }
                    Step::Other
                }
                SessionEvent::Module(Event::Lost(l)) if l.messages > 0 => {
                    eprintln!("fibocom-mqtt: {} message(s) lost", l.messages);
                    Step::Other
                }
                _ => Step::Other,
            });
            match step {
                Ok(Some(Step::Message)) => {
                    received = received.saturating_add(1);
                    last = Instant::now();
                    if a.count.is_some_and(|c| received >= c) {
                        break Ok(());
                    }
                }
                Ok(Some(Step::Output(e))) => {
                    break Err(Fail::new(format!("cannot write to stdout: {e}")))
                }
                Ok(_) => {}
                // The port failed: nothing more can be done on it.
                Err(e) => return Err(m.fail("waiting for messages", e)),
            }
        }
    };
    let closed = m.close();
    ended.and(closed)
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
        Event::Message(msg) if msg.client == id => print(msg, a, subscribed, out),
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

/// Prints a message (as mosquitto_sub does: see [`format`]), or skips it (`-R`).
fn print(msg: Message<'_>, a: &SubArgs, subscribed: Instant, out: &mut impl Write) -> Step {
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
