//! `sub`: subscribes and prints each message as it arrives, until `-C` messages came, `-W`
//! seconds passed without one, the connection broke, or SIGINT / SIGTERM asked to stop (then
//! the connection is closed cleanly).

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use embassy_time::Duration;
use fibocom_mqtt::{ClientId, Event};

use crate::args::{DeviceArgs, SubArgs};
use crate::session::{self, Module};
use crate::Fail;

/// How long one wait for an event lasts: the longest a stop request waits to be noticed.
const POLL: Duration = Duration::from_millis(200);

/// How long to wait between attempts to connect again with `--reconnect`.
const RETRY: StdDuration = StdDuration::from_secs(2);

/// What an event meant for the loop.
enum Step {
    Message,
    Dropped(String),
    Other,
    Output(std::io::Error),
}

/// Runs the subscription.
pub fn run(dev: &DeviceArgs, a: &SubArgs) -> Result<(), Fail> {
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal, while the connection is being closed, ends the process at once.
        signal_hook::flag::register_conditional_shutdown(signal, 1, Arc::clone(&stop))
            .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&stop)))
            .map_err(|e| Fail::new(format!("cannot handle signals: {e}")))?;
    }
    let mut m = Module::start(dev)?;
    connect(&mut m, dev, a)?;

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
            .poll_event(POLL, |ev| handle(ev, m.id, a.verbose, &mut out))
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
                if !again(&mut m, dev, a, &stop) {
                    return Ok(());
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
            Some(Step::Other) | None => {}
        }
    }
}

/// Brings the connection up and subscribes to every topic.
fn connect(m: &mut Module, dev: &DeviceArgs, a: &SubArgs) -> Result<(), Fail> {
    session::bring_up(m, dev, &a.broker)?;
    let qos = session::qos(a.broker.qos);
    for topic in &a.topics {
        let id = m.id;
        if let Err(e) = m.client.subscribe(id, topic, qos) {
            let f = m.fail(&format!("subscribing to {topic}"), e);
            let _ = m.close();
            return Err(f);
        }
    }
    Ok(())
}

/// `--reconnect`: tries until connected (true) or asked to stop (false).
fn again(m: &mut Module, dev: &DeviceArgs, a: &SubArgs, stop: &AtomicBool) -> bool {
    loop {
        let attempt = m.restart().and_then(|()| connect(m, dev, a));
        match attempt {
            Ok(()) => return true,
            Err(f) => eprintln!("fibocom-mqtt: {}; trying again", f.message),
        }
        let until = Instant::now() + RETRY;
        while Instant::now() < until {
            if stop.load(Ordering::Relaxed) {
                return false;
            }
            std::thread::sleep(StdDuration::from_millis(50));
        }
    }
}

/// Prints a message of our client (raw payload, as mosquitto_sub writes it) or classifies
/// another event.
fn handle(ev: Event<'_>, id: ClientId, verbose: bool, out: &mut impl Write) -> Step {
    match ev {
        Event::Message(msg) if msg.client == id => {
            let mut r = Ok(());
            if verbose {
                r = out.write_all(msg.topic).and_then(|()| out.write_all(b" "));
            }
            let r = r
                .and_then(|()| out.write_all(msg.payload))
                .and_then(|()| out.write_all(b"\n"))
                .and_then(|()| out.flush());
            match r {
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
