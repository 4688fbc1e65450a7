//! Execution of one received command line: the immediate answer, and what it starts.

use std::time::{Duration, Instant};

use super::state::{Call, Conn, Effect, OpenParams, Timed, TimedWhat, UserConf};
use super::{framed, Input, Module};
use crate::at::commands::{decode, Command, FileKind, Message};
use crate::at::parse::{parse_line, Line, SyntaxError};
use crate::config::RefusalTiming;

const OK: &[u8] = b"\r\nOK\r\n";
const ERROR: &[u8] = b"\r\nERROR\r\n";

/// Frames several information lines as one block: `\r\n<l1>\r\n<l2>\r\n`.
fn block(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut v = b"\r\n".to_vec();
    for l in lines {
        v.extend_from_slice(l);
        v.extend_from_slice(b"\r\n");
    }
    v
}

/// `+NAME: 1,2` / `+NAME: 1` / `+NAME: 2` / `+NAME: 0`: the ids for which `pick` holds, the
/// list separated by `sep`.
fn id_list(name: &str, ids: [bool; 2], sep: &str) -> Vec<u8> {
    let list: Vec<&str> = ["1", "2"]
        .into_iter()
        .zip(ids)
        .filter_map(|(id, ok)| ok.then_some(id))
        .collect();
    let list = if list.is_empty() {
        "0".to_string()
    } else {
        list.join(sep)
    };
    format!("{name}: {list}").into_bytes()
}

fn message_line(name: &str, id: u8, m: &Message, s: &str) -> Vec<u8> {
    let mut v = format!(
        "{name}: {id}{s}\"{}\"{s}{}{s}{}{s}\"",
        m.topic,
        m.qos,
        u8::from(m.retain)
    )
    .into_bytes();
    v.extend_from_slice(&m.payload);
    v.push(b'"');
    v
}

/// `text` with a space after every comma outside quotes: a fixed answer (such as a test-form
/// range list), spaced out.
fn space_out(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    let mut quoted = false;
    for c in text.chars() {
        out.push(c);
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(' '),
            _ => {}
        }
    }
    out
}

impl Module {
    /// Executes a complete command line (without its CR).
    pub(super) fn execute(&mut self, line: &[u8], now: Instant) {
        if line.len() < 2 || !line[..2].eq_ignore_ascii_case(b"AT") {
            // Not a command: a real module ignores such a line.
            return;
        }
        if let Some(prefix) = &self.refuse_next {
            if line.starts_with(prefix.as_bytes()) {
                self.refuse_next = None;
                self.out.extend_from_slice(ERROR);
                return;
            }
        }
        if self.cfg.unsupported.iter().any(|prefix| {
            line.len() >= prefix.len()
                && line[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        }) {
            // A command this firmware does not have: refused every time.
            return self.error();
        }
        match parse_line(line).and_then(|l| self.known(l)) {
            Ok(cmd) => self.run(cmd, now),
            Err(_) => self.out.extend_from_slice(ERROR),
        }
    }

    /// The command of a parsed line, if this firmware has it: old firmware has no
    /// `AT+MQTTCONF` and no `AT+MQTTREAD`, in any form.
    fn known(&self, line: Line) -> Result<Command, SyntaxError> {
        match &line {
            Line::Extended(name, _)
                if self.cfg.old_firmware && matches!(name.as_str(), "MQTTCONF" | "MQTTREAD") =>
            {
                Err(SyntaxError)
            }
            _ => decode(&line),
        }
    }

    fn answer(&mut self, lines: &[Vec<u8>]) {
        if !lines.is_empty() {
            self.out.extend(block(lines));
        }
        self.out.extend_from_slice(OK);
    }

    fn error(&mut self) {
        self.out.extend_from_slice(ERROR);
    }

    fn run(&mut self, cmd: Command, now: Instant) {
        match cmd {
            Command::Nop => self.answer(&[]),
            Command::Echo(on) => {
                self.echo = on;
                self.answer(&[]);
            }
            Command::Identify => {
                let lines: Vec<Vec<u8>> = self
                    .cfg
                    .identity
                    .iter()
                    .map(|s| s.clone().into_bytes())
                    .collect();
                self.answer(&lines);
            }
            Command::Identity(i) => {
                let line = self.cfg.identity[i].clone().into_bytes();
                self.answer(&[line]);
            }
            Command::Imei => self.answer(&[self.cfg.imei.clone().into_bytes()]),
            Command::Info(text) => {
                let text = if self.cfg.spaced {
                    space_out(&text)
                } else {
                    text
                };
                self.answer(&[text.into_bytes()]);
            }
            Command::Csq => {
                let rssi = if self.registered { 31 } else { 99 };
                self.answer(&[format!("+CSQ: {rssi}{}99", self.sep()).into_bytes()]);
            }
            Command::CopsRead => {
                let s = self.sep();
                let text = if self.registered {
                    format!("+COPS: 0{s}0{s}\"CHN-UNICOM\"{s}7")
                } else {
                    "+COPS: 0".to_string()
                };
                self.answer(&[text.into_bytes()]);
            }
            Command::RegRead(reg) => {
                let n = self.reg_report[reg.index()];
                let stat = u8::from(self.registered);
                let line = format!("{}: {n}{}{stat}", reg.name(), self.sep());
                self.answer(&[line.into_bytes()]);
            }
            Command::RegSet(reg, n) => {
                self.reg_report[reg.index()] = n;
                self.answer(&[]);
            }
            Command::CallRead => {
                let text = match self.call {
                    Call::Up(ip) => format!("+MIPCALL: 1{}{ip}", self.sep()),
                    _ => "+MIPCALL: 0".to_string(),
                };
                self.answer(&[text.into_bytes()]);
            }
            Command::Dial => self.dial(now),
            Command::HangUp => self.hang_up(now),
            Command::User {
                id,
                user,
                pass,
                client_id,
            } => {
                if self.client(id).conn != Conn::Closed {
                    return self.error();
                }
                self.client(id).user = Some(UserConf {
                    user,
                    pass,
                    client_id,
                });
                self.answer(&[]);
            }
            Command::UserRead => {
                let s = self.sep();
                let mut lines = Vec::new();
                for (i, c) in self.clients.iter().enumerate() {
                    if let Some(u) = &c.user {
                        let mut l =
                            format!("+MQTTUSER: {}{s}\"{}\"{s}\"{}\"", i + 1, u.user, u.pass);
                        if let Some(cid) = &u.client_id {
                            l.push_str(&format!("{s}\"{cid}\""));
                        }
                        lines.push(l.into_bytes());
                    }
                }
                self.answer(&lines);
            }
            Command::Open(o) => self.open(o, now),
            Command::OpenRead => {
                let ids = [0, 1].map(|i| self.clients[i].conn == Conn::Closed);
                self.answer(&[id_list("+MQTTOPEN", ids, self.sep())]);
            }
            Command::Close(id) => match self.client(id).conn {
                Conn::Connecting { gen } | Conn::Connected { gen } => {
                    self.client(id).conn = Conn::Closing { gen };
                    self.effects.push(Effect::Close(id, gen));
                    self.answer(&[]);
                }
                _ => self.error(),
            },
            Command::CloseRead => {
                let ids = [0, 1].map(|i| {
                    matches!(
                        self.clients[i].conn,
                        Conn::Connecting { .. } | Conn::Connected { .. }
                    )
                });
                self.answer(&[id_list("+MQTTCLOSE", ids, self.sep())]);
            }
            Command::Sub(id, topic, qos) => {
                self.when_connected(id, |gen| Effect::Sub(id, gen, topic, qos))
            }
            Command::Unsub(id, topic) => {
                self.when_connected(id, |gen| Effect::Unsub(id, gen, topic))
            }
            Command::PubText(id, msg) => self.when_connected(id, |gen| Effect::Pub(id, gen, msg)),
            Command::PubData(id, msg, size) => {
                if !matches!(self.client(id).conn, Conn::Connected { .. }) {
                    return self.error();
                }
                self.out.extend_from_slice(self.cfg.prompt.bytes());
                self.input = Input::Data {
                    id,
                    msg,
                    size,
                    deadline: now + self.cfg.data_timeout,
                    will: false,
                };
            }
            Command::Conf(mode) => {
                self.mode = mode;
                self.answer(&[]);
            }
            Command::ConfRead => self.answer(&[format!("+MQTTCONF: {}", self.mode).into_bytes()]),
            Command::Read(id) => self.read(id),
            Command::Will(id, msg) => {
                if self.client(id).conn != Conn::Closed {
                    return self.error();
                }
                self.client(id).will = Some(msg);
                self.answer(&[]);
            }
            Command::WillData(id, msg, size) => {
                if !self.cfg.will_data || self.client(id).conn != Conn::Closed {
                    return self.error();
                }
                self.out.extend_from_slice(self.cfg.prompt.bytes());
                self.input = Input::Data {
                    id,
                    msg,
                    size,
                    deadline: now + self.cfg.data_timeout,
                    will: true,
                };
            }
            Command::WillRead => {
                let s = self.sep();
                let lines: Vec<Vec<u8>> = (0..2)
                    .filter_map(|i| {
                        let w = self.clients[i].will.as_ref()?;
                        Some(message_line("+MQTTWILL", i as u8 + 1, w, s))
                    })
                    .collect();
                self.answer(&lines);
            }
            Command::TlsVersion(v) => {
                self.tls.version = v;
                self.answer(&[]);
            }
            Command::TlsVersionRead => {
                self.answer(&[format!("+GTSSLVER: {}", self.tls.version).into_bytes()])
            }
            Command::TlsMode(verify) => {
                self.tls.verify = verify;
                self.answer(&[]);
            }
            Command::TlsModeRead => {
                let m = u8::from(self.tls.verify);
                self.answer(&[format!("+GTSSLMODE: {m}").into_bytes()]);
            }
            Command::TlsFile(kind, size) => {
                self.out.extend_from_slice(self.cfg.prompt.bytes());
                self.input = Input::File {
                    kind,
                    size,
                    deadline: now + self.cfg.data_timeout,
                };
            }
            Command::TlsFileRead => {
                let lines: Vec<Vec<u8>> = FileKind::ALL
                    .iter()
                    .map(|&k| {
                        format!("+GTSSLFILE: {},{}", k.name(), self.tls.count(k)).into_bytes()
                    })
                    .collect();
                self.answer(&lines);
            }
            Command::TlsErrorRead => {
                self.answer(&[format!("+GTSSLERR: {}", self.tls_error).into_bytes()])
            }
            Command::ClockRead => {
                let t = self.clock.read(now).format();
                self.answer(&[format!("+CCLK: \"{t}\"").into_bytes()]);
            }
            Command::ClockSet(t) => {
                self.clock = crate::clock::RunningClock::at(t, now);
                self.answer(&[]);
            }
        }
    }

    fn when_connected(&mut self, id: u8, effect: impl FnOnce(u64) -> Effect) {
        match self.client(id).conn {
            Conn::Connected { gen } => {
                self.effects.push(effect(gen));
                self.answer(&[]);
            }
            _ => self.error(),
        }
    }

    /// The raw payload of a data publish, or of a will, is complete.
    pub(super) fn finish_data(&mut self, data: Vec<u8>) {
        let Input::Data {
            id, mut msg, will, ..
        } = std::mem::replace(&mut self.input, Input::Command)
        else {
            return;
        };
        msg.payload = data;
        if will {
            self.client(id).will = Some(msg);
            self.answer(&[]);
        } else {
            self.when_connected(id, |gen| Effect::Pub(id, gen, msg));
        }
    }

    fn dial(&mut self, now: Instant) {
        if self.call != Call::Down {
            return self.error();
        }
        let gen = self.gen();
        self.call = Call::Dialling { gen };
        self.timed.push(Timed {
            at: now + self.cfg.call_setup + self.result_delay,
            what: TimedWhat::CallOutcome(gen),
        });
        self.answer(&[]);
    }

    fn hang_up(&mut self, now: Instant) {
        if self.call == Call::Down {
            return self.error();
        }
        self.answer(&[]);
        self.call_lost(2, now);
    }

    fn open(&mut self, o: crate::at::commands::Open, now: Instant) {
        let id = o.id;
        if self.client(id).conn != Conn::Closed {
            return self.error();
        }
        let gen = self.gen();
        if !self.registered || !matches!(self.call, Call::Up(_)) {
            self.answer(&[]);
            let line = format!("+MQTTOPEN: {id}{}0", self.sep());
            return self.result(Some((id, gen)), line.as_bytes(), now, Duration::ZERO);
        }
        let client = self.client(id);
        let (user, will) = (client.user.clone(), client.will.clone());
        let params = self.open_params(
            &user,
            &will,
            (o.host, o.port, o.clean, o.keepalive),
            o.tls,
            now,
        );
        self.client(id).conn = Conn::Connecting { gen };
        self.effects.push(Effect::Open(id, gen, params));
        match self.cfg.refusal_timing {
            RefusalTiming::AfterOk => self.answer(&[]),
            RefusalTiming::BeforeOk => self.input = Input::Held { id, gen },
        }
    }

    /// What the broker side connects a client with: `user` and `will` as set, `target`
    /// (host, port, clean session, keepalive) as given to `AT+MQTTOPEN`, over TLS with the
    /// module's settings and files when `tls`.
    pub(super) fn open_params(
        &self,
        user: &Option<UserConf>,
        will: &Option<Message>,
        (host, port, clean, keepalive): (String, u16, bool, u16),
        tls: bool,
        now: Instant,
    ) -> OpenParams {
        OpenParams {
            host,
            port,
            clean,
            keepalive,
            client_id: user
                .as_ref()
                .and_then(|u| u.client_id.clone())
                .unwrap_or_else(|| self.cfg.imei.clone()),
            credentials: user
                .as_ref()
                .filter(|u| !u.user.is_empty())
                .map(|u| (u.user.clone(), u.pass.clone())),
            will: will.clone(),
            tls: tls.then(|| self.tls.clone()),
            manual_acks: self.cfg.ack_on_read,
            clock: self.clock.read(now).utc,
        }
    }

    fn read(&mut self, id: u8) {
        let s = self.sep();
        let Some(m) = self.client(id).queue.pop_front() else {
            return self.answer(&[format!("+MQTTREAD: {id}{s}0{s}0{s}0").into_bytes()]);
        };
        if let Some(ack) = m.ack {
            self.effects.push(Effect::Ack(id, ack));
        }
        let head = format!(
            "+MQTTREAD: {id}{s}{}{s}{}{s}{}",
            m.qos,
            m.topic.len(),
            m.payload.len()
        );
        let mut body = b"\"".to_vec();
        body.extend_from_slice(&m.topic);
        body.extend_from_slice(format!("\"{s}\"").as_bytes());
        body.extend_from_slice(&m.payload);
        body.push(b'"');
        match self.cfg.read_layout {
            crate::config::ReadLayout::Manual => self.answer(&[head.into_bytes(), body]),
            crate::config::ReadLayout::OneLine => {
                let mut line = head.into_bytes();
                line.extend_from_slice(s.as_bytes());
                line.extend(body);
                self.answer(&[line]);
            }
        }
    }

    /// Frames and sends a line straight away (used when a held command completes).
    pub(super) fn send_now(&mut self, text: &[u8]) {
        self.out.extend(framed(text));
    }
}
