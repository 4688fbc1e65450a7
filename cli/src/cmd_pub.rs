//! `pub`: one message (`-m`, `-f`, `-s`, `-n`) or one per stdin line (`-l`).

use std::io::{BufRead, Read};

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
