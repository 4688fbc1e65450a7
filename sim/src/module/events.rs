//! What the module does when the broker side reports, when the network changes, and when a
//! fault is applied.

use std::time::{Duration, Instant};

use super::state::{Call, Client, Conn, Effect, Op, Report, TimedWhat};
use super::{framed, Input, Module};
use crate::faults::Control;

impl Module {
    /// A report from the broker side.
    pub fn report(&mut self, report: Report, now: Instant) {
        if self.resume_report(&report) {
            return self.tick(now);
        }
        match report {
            // Only for a connection left by a previous run, handled above.
            Report::Resumed(..) => {}
            Report::Connected(id, gen) => {
                if self.client(id).conn != (Conn::Connecting { gen }) {
                    return;
                }
                self.client(id).conn = Conn::Connected { gen };
                self.release_held(id, gen, None, now);
                let line = format!("+MQTTOPEN: {id}{}1", self.sep());
                self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
            }
            Report::Refused(id, gen, code) => {
                if self.client(id).conn != (Conn::Connecting { gen }) {
                    return;
                }
                self.client(id).conn = Conn::Closed;
                let n = 700 + u16::from(code.clamp(1, 5)) - 1;
                let line = self.cfg.refusal_form.line(n);
                if !self.release_held(id, gen, Some(line.as_bytes()), now) {
                    self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
                }
            }
            Report::TlsFailed(id, gen, code) => {
                if self.client(id).conn == (Conn::Connecting { gen }) {
                    self.tls_error = code;
                    self.open_failed(id, gen, now);
                }
            }
            Report::Failed(id, gen) => match self.client(id).conn {
                Conn::Connecting { gen: g } if g == gen => self.open_failed(id, gen, now),
                // Closed before the connection was ever made.
                Conn::Closing { gen: g } if g == gen => self.closed(id, gen, now),
                _ => {}
            },
            Report::Done(id, gen, op, ok) => {
                if self.client(id).conn.gen() != Some(gen) {
                    return;
                }
                let name = match op {
                    Op::Sub => "+MQTTSUB",
                    Op::Unsub => "+MQTTUNSUB",
                    Op::Pub => "+MQTTPUB",
                };
                let line = format!("{name}: {id}{}{}", self.sep(), u8::from(ok));
                self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
            }
            Report::Message(id, gen, msg) => {
                if self.client(id).conn != (Conn::Connected { gen }) {
                    return;
                }
                let s = self.sep();
                if self.mode == 0 {
                    let mut line = format!("+MQTTMSG: {id}{s}{}{s}\"", msg.qos).into_bytes();
                    line.extend_from_slice(&msg.topic);
                    line.extend_from_slice(format!("\"{s}\"").as_bytes());
                    line.extend_from_slice(&msg.payload);
                    line.push(b'"');
                    self.urc(&line);
                    if let Some(ack) = msg.ack {
                        self.effects.push(Effect::Ack(id, ack));
                    }
                } else if self.client(id).queue.len() < self.cfg.read_queue {
                    let line = format!(
                        "+MQTTMSGI: {id}{s}{}{s}{}{s}{}",
                        msg.qos,
                        msg.topic.len(),
                        msg.payload.len()
                    );
                    self.client(id).queue.push_back(msg);
                    self.urc(line.as_bytes());
                }
            }
            Report::Broken(id, gen) => match self.client(id).conn {
                Conn::Connected { gen: g } if g == gen => self.lose(id, 1, now),
                Conn::Connecting { gen: g } if g == gen => self.open_failed(id, gen, now),
                Conn::Closing { gen: g } if g == gen => self.closed(id, gen, now),
                _ => {}
            },
            Report::Closed(id, gen) => {
                if self.client(id).conn == (Conn::Closing { gen }) {
                    self.closed(id, gen, now);
                }
            }
        }
        self.tick(now);
    }

    /// A report about a connection left by a previous run that is still being made again:
    /// its outcome is noted for [`Module::resume_outcome`], and the host hears nothing of it.
    /// Returns whether the report was one.
    fn resume_report(&mut self, report: &Report) -> bool {
        let (id, gen, why) = match *report {
            Report::Resumed(id, gen, ok) => (
                id,
                gen,
                (!ok).then(|| "a subscription was refused".to_string()),
            ),
            Report::Refused(id, gen, code) => (
                id,
                gen,
                Some(format!(
                    "the broker refused the connection (CONNACK {code})"
                )),
            ),
            Report::Failed(id, gen) => (id, gen, Some("the broker could not be reached".into())),
            Report::TlsFailed(id, gen, code) => (
                id,
                gen,
                Some(format!("the TLS handshake failed (+GTSSLERR: {code})")),
            ),
            Report::Broken(id, gen) => (id, gen, Some("the connection broke".into())),
            _ => return false,
        };
        let Some(pos) = self.resuming.iter().position(|&r| r == (id, gen)) else {
            return false;
        };
        self.resuming.remove(pos);
        if let Report::TlsFailed(_, _, code) = *report {
            self.tls_error = code;
        }
        if let Some(why) = why {
            self.resume_errors
                .push(format!("client {id} left connected: {why}"));
            self.effects.push(Effect::Kill(id, gen));
            self.client(id).conn = Conn::Closed;
        }
        true
    }

    /// Applies a fault or control.
    pub fn control(&mut self, control: &Control, now: Instant) {
        match control {
            Control::DropBroker(id) if (1..=2).contains(id) => self.lose(*id, 1, now),
            Control::DropBroker(_) => {}
            Control::DropCall => {
                if self.call != Call::Down {
                    self.call_lost(2, now);
                }
            }
            Control::LoseRegistration => {
                if self.registered {
                    self.registered = false;
                    self.reg_urcs();
                    if self.call != Call::Down {
                        self.call_lost(3, now);
                    }
                    for id in [1, 2] {
                        self.lose(id, 3, now);
                    }
                }
            }
            Control::RestoreRegistration => {
                if !self.registered {
                    self.registered = true;
                    self.reg_urcs();
                }
            }
            Control::Inject(bytes) => self.urcs.push_back(bytes.clone()),
            Control::InjectInside(bytes) => self.inside_next.extend_from_slice(bytes),
            Control::Noise(n) => {
                let bytes = self.noise.bytes(*n);
                self.urcs.push_back(bytes);
            }
            Control::NoiseInside(n) => {
                let bytes = self.noise.bytes(*n);
                self.inside_next.extend(bytes);
            }
            Control::ResultDelay(d) => self.result_delay = *d,
            Control::Reboot => self.reboot(now),
            Control::Silence(d) => {
                self.silent_until = Some(now + *d);
                self.input = Input::Command;
                self.pending_in.clear();
                self.line.clear();
                self.line_too_long = false;
                self.out.clear();
            }
            Control::Refuse(prefix) => self.refuse_next = Some(prefix.clone()),
            Control::SetClock(t) => self.clock = crate::clock::RunningClock::at(*t, now),
        }
        self.tick(now);
    }

    /// `+CREG: <stat>` and the like, for each report switched on with `AT+CxREG=1|2`.
    fn reg_urcs(&mut self) {
        let stat = u8::from(self.registered);
        for reg in crate::at::commands::Reg::ALL {
            if self.reg_report[reg.index()] > 0 {
                let line = format!("{}: {stat}", reg.name());
                self.urc(line.as_bytes());
            }
        }
    }

    /// The data call ends: every client breaks with `cause`, then `+MIPCALL: 0`.
    pub(super) fn call_lost(&mut self, cause: u8, now: Instant) {
        for id in [1, 2] {
            self.lose(id, cause, now);
        }
        self.call = Call::Down;
        self.urc(b"+MIPCALL: 0");
    }

    /// The data call attempt `gen` comes to its outcome.
    pub(super) fn call_outcome(&mut self, gen: u64) {
        if self.call != (Call::Dialling { gen }) {
            return;
        }
        if self.registered {
            self.call = Call::Up(self.cfg.ip);
            let line = format!("+MIPCALL: {}", self.cfg.ip);
            self.urc(line.as_bytes());
        } else {
            self.call = Call::Down;
            self.urc(b"+MIPCALL: 0");
        }
    }

    /// Client `id` loses its connection for `cause` (1 broker, 2 data call, 3 registration).
    fn lose(&mut self, id: u8, cause: u8, now: Instant) {
        match self.client(id).conn {
            Conn::Closed => {}
            Conn::Connecting { gen } => {
                self.effects.push(Effect::Kill(id, gen));
                self.open_failed(id, gen, now);
            }
            Conn::Closing { gen } => {
                self.effects.push(Effect::Kill(id, gen));
                self.closed(id, gen, now);
            }
            Conn::Connected { gen } => {
                self.effects.push(Effect::Kill(id, gen));
                self.client(id).conn = Conn::Closed;
                self.cancel_results(id, gen);
                self.forget_unacknowledged(id, gen);
                let line = self.cfg.break_report.line(id, cause, self.sep());
                self.urc(line.as_bytes());
                if self.cfg.break_then_close {
                    self.urc(format!("+MQTTCLOSE: {id}{}1", self.sep()).as_bytes());
                }
            }
        }
    }

    fn open_failed(&mut self, id: u8, gen: u64, now: Instant) {
        self.client(id).conn = Conn::Closed;
        self.release_held(id, gen, None, now);
        let line = format!("+MQTTOPEN: {id}{}0", self.sep());
        self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
    }

    /// With [`SimConfig::ack_on_read`](crate::SimConfig::ack_on_read): the unread messages
    /// of connection `gen`, which can no longer be acknowledged, are forgotten (the broker
    /// sends them again to the next connection of a kept session).
    fn forget_unacknowledged(&mut self, id: u8, gen: u64) {
        self.client(id)
            .queue
            .retain(|m| m.ack.is_none_or(|a| a.gen != gen));
    }

    fn closed(&mut self, id: u8, gen: u64, now: Instant) {
        self.forget_unacknowledged(id, gen);
        self.client(id).conn = Conn::Closed;
        let line = format!("+MQTTCLOSE: {id}{}1", self.sep());
        self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
    }

    /// Drops the result lines still waiting for connection `gen` of client `id`.
    fn cancel_results(&mut self, id: u8, gen: u64) {
        self.timed
            .retain(|t| !matches!(t.what, TimedWhat::Line(Some(owner), _) if owner == (id, gen)));
    }

    /// If an `AT+MQTTOPEN` of this connection is held (refusal before OK), answers it: with
    /// `error` instead of OK when given, else with OK. Returns whether it was held.
    fn release_held(&mut self, id: u8, gen: u64, error: Option<&[u8]>, now: Instant) -> bool {
        if self.input != (Input::Held { id, gen }) {
            return false;
        }
        self.input = Input::Command;
        match error {
            Some(line) => self.send_now(line),
            None => self.send_now(b"OK"),
        }
        // Bytes that arrived while the command was held are processed now.
        self.process(now);
        true
    }

    /// Power cycle: every connection is cut, every setting is lost, `RDY` is sent.
    fn reboot(&mut self, now: Instant) {
        for id in [1u8, 2] {
            if let Some(gen) = self.client(id).conn.gen() {
                self.effects.push(Effect::Kill(id, gen));
            }
        }
        self.clients = [Client::default(), Client::default()];
        self.resuming.clear();
        // TLS settings and files do not survive a power cycle.
        self.tls = Default::default();
        self.tls_error = 0;
        self.echo = self.cfg.echo;
        self.mode = 0;
        self.call = Call::Down;
        self.reg_report = [0; 3];
        self.input = Input::Command;
        self.pending_in.clear();
        self.line.clear();
        self.line_too_long = false;
        self.urcs.clear();
        self.timed.clear();
        self.inside_next.clear();
        self.last_input = now;
        self.out.extend(framed(b"RDY"));
    }
}
