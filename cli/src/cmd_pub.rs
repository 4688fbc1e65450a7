//! `pub`: one message (`-m`, `-f`, `-s`, `-n`) or one per stdin line (`-l`).

use std::io::{BufRead, Read};

use fibocom_mqtt::session::blocking::Session;
use fibocom_mqtt::session::{Outbox, PublishError, SessionEvent, Slot};

use crate::args::{DeviceArgs, PubArgs};
use crate::check;
use crate::session::{self, Module};
use crate::Fail;

/// Connects, publishes and closes the connection.
pub fn run(dev: &DeviceArgs, a: &PubArgs) -> Result<(), Fail> {
    // Every argument and the message are checked before the module is touched.
    session::device(dev)?;
    check::publish(a, None)?;
    let single = message(a)?;
    if let Some(payload) = &single {
        check::publish_line(a, payload)?;
    }
    if a.retry {
        if a.broker.qos == 0 {
            return Err(Fail::usage(
                "--retry needs -q 1 or 2: QoS 0 messages are not kept to be sent again",
            ));
        }
        return kept(dev, a, single);
    }
    let mut m = Module::start(dev, &a.modem)?;
    session::bring_up(&mut m, &a.modem, &a.broker)?;
    let sent = match single {
        Some(payload) => publish(&mut m, a, &payload),
        None => each_line(&mut m, a),
    };
    let closed = m.close();
    sent.and(closed)
}

/// The message of `-m`, `-f`, `-s` or `-n`; `None` for `-l`.
fn message(a: &PubArgs) -> Result<Option<Vec<u8>>, Fail> {
    let s = &a.source;
    if let Some(text) = &s.message {
        Ok(Some(text.clone().into_bytes()))
    } else if let Some(path) = &s.file {
        std::fs::read(path)
            .map(Some)
            .map_err(|e| Fail::new(format!("cannot read {}: {e}", path.display())))
    } else if s.stdin_all {
        let mut buf = Vec::new();
        std::io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|e| Fail::new(format!("cannot read stdin: {e}")))?;
        Ok(Some(buf))
    } else if s.stdin_lines {
        Ok(None)
    } else {
        Ok(Some(Vec::new()))
    }
}

fn publish(m: &mut Module, a: &PubArgs, payload: &[u8]) -> Result<(), Fail> {
    let id = m.id;
    let qos = session::qos(a.broker.qos);
    m.client
        .publish(id, &a.topic, payload, qos, a.retain)
        .map_err(|e| m.fail("publish failed", e))
}

/// Publishes each line of stdin (without its `\n`) as it is read.
fn each_line(m: &mut Module, a: &PubArgs) -> Result<(), Fail> {
    let mut stdin = std::io::stdin().lock();
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = stdin
            .read_until(b'\n', &mut line)
            .map_err(|e| Fail::new(format!("cannot read stdin: {e}")))?;
        if n == 0 {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
        }
        check::publish_line(a, &line)?;
        publish(m, a, &line)?;
    }
}

/// `--retry`: publishes through the session layer, which keeps the connection up (connecting
/// again after breaks, a lost data call or registration, and module restarts, with back-off)
/// and sends again every message the module did not confirm; returns once every message was
/// confirmed. With `-l`, lines are read on a thread of their own, so the connection is kept
/// while stdin is quiet.
fn kept(dev: &DeviceArgs, a: &PubArgs, single: Option<Vec<u8>>) -> Result<(), Fail> {
    let mut m = Module::unstarted(dev, &a.modem)?;
    let default_id = check::default_client_id();
    let client_id = a.broker.id.as_deref().unwrap_or(&default_id);
    let tls = crate::tls::load(&a.broker.tls)?.map(|t| t.setup());
    let config = session::kept(m.id, &a.modem, &a.broker, client_id, &[], tls.as_ref());
    let lines = match single {
        Some(payload) => {
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let _ = tx.send(Ok(payload));
            rx
        }
        None => stdin_lines(),
    };
    let qos = session::qos(a.broker.qos);
    // Room for a few of the largest messages.
    let mut bytes = vec![0u8; 8 * 1024];
    let mut slots = [Slot::EMPTY; 64];
    let sent = {
        let mut s = Session::new(&mut m.client, config, Outbox::new(&mut bytes, &mut slots));
        let mut watch = session::Watch::default();
        let mut held: Option<Vec<u8>> = None;
        let mut input_done = false;
        loop {
            // Queue what came in, as long as there is room.
            loop {
                let next = match held.take() {
                    Some(p) => Some(p),
                    None if input_done => None,
                    None => match lines.try_recv() {
                        Ok(Ok(p)) => Some(p),
                        Ok(Err(f)) => return Err(f),
                        Err(std::sync::mpsc::TryRecvError::Empty) => None,
                        Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                            input_done = true;
                            None
                        }
                    },
                };
                let Some(payload) = next else { break };
                check::publish_line(a, &payload)?;
                match s.publish(&a.topic, &payload, qos, a.retain) {
                    Ok(_) => {}
                    Err(PublishError::Full) => {
                        held = Some(payload);
                        break;
                    }
                    Err(e) => return Err(Fail::new(format!("publish refused: {e}"))),
                }
            }
            if input_done && held.is_none() && s.queued() == 0 {
                break Ok(());
            }
            let r = s.poll(POLL, |ev| {
                if let SessionEvent::State(state) = ev {
                    session::say_state(state, &mut watch);
                }
            });
            if let Err(e) = r {
                return Err(m.fail("publishing", e));
            }
        }
    };
    let closed = m.close();
    sent.and(closed)
}

/// How long one turn of the session lasts while lines are awaited.
const POLL: embassy_time::Duration = embassy_time::Duration::from_millis(100);

/// Reads stdin's lines (without their `\n`) on a thread of its own.
fn stdin_lines() -> std::sync::mpsc::Receiver<Result<Vec<u8>, Fail>> {
    let (tx, rx) = std::sync::mpsc::sync_channel(16);
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        loop {
            let mut line = Vec::new();
            match stdin.read_until(b'\n', &mut line) {
                Ok(0) => return,
                Ok(_) => {
                    if line.last() == Some(&b'\n') {
                        line.pop();
                    }
                    if tx.send(Ok(line)).is_err() {
                        return;
                    }
                }
                Err(e) => {
                    let _ = tx.send(Err(Fail::new(format!("cannot read stdin: {e}"))));
                    return;
                }
            }
        }
    });
    rx
}
