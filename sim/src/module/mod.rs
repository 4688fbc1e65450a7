//! The module's AT side as a state machine without I/O: bytes from the host go in through
//! [`Module::feed`], reports from the broker side through [`Module::report`], faults through
//! [`Module::control`]; bytes for the host and requests for the broker side come out of
//! [`Module::take_output`] and [`Module::take_effects`]. Time is passed in, so that the shell
//! decides when [`Module::tick`] runs (see [`Module::next_deadline`]).

mod events;
mod exec;
pub mod state;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::at::commands::{FileKind, Message};
use crate::clock::RunningClock;
use crate::config::SimConfig;
use state::{Call, Client, Conn, Effect, Timed, TimedWhat, TlsSettings, UserConf};

/// Longest command line accepted; a longer one is answered `ERROR`.
pub const MAX_LINE: usize = 4096;

/// Most command lines kept for [`crate::Simulator::received_commands`]; past it the older
/// half is forgotten.
pub const MAX_RECORDED: usize = 100_000;

/// How the module is reading bytes from the host.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Input {
    /// Reading command lines.
    Command,
    /// Reading the raw payload of a data publish, or of a will in the data form (`will`).
    Data {
        id: u8,
        msg: Message,
        size: usize,
        deadline: Instant,
        will: bool,
    },
    /// An `AT+MQTTOPEN` waits for the broker before its final result (refusal before OK).
    Held { id: u8, gen: u64 },
    /// Reading the bytes of a file `AT+GTSSLFILE` uploads.
    File {
        kind: FileKind,
        size: usize,
        deadline: Instant,
    },
}

/// The simulated module.
pub struct Module {
    cfg: SimConfig,
    echo: bool,
    mode: u8,
    clients: [Client; 2],
    call: Call,
    registered: bool,
    reg_report: [u8; 3],
    input: Input,
    pending_in: VecDeque<u8>,
    line: Vec<u8>,
    line_too_long: bool,
    last_input: Instant,
    urcs: VecDeque<Vec<u8>>,
    timed: Vec<Timed>,
    inside_next: Vec<u8>,
    /// The next command line starting with this is answered `ERROR`.
    refuse_next: Option<String>,
    result_delay: Duration,
    next_gen: u64,
    noise: crate::faults::Noise,
    out: Vec<u8>,
    effects: Vec<Effect>,
    commands: Arc<Mutex<Vec<String>>>,
    /// TLS settings and files.
    tls: TlsSettings,
    /// What `AT+GTSSLERR?` answers: the code of the last TLS failure, 0 before any.
    tls_error: i32,
    /// Until when the module is silent ([`crate::Control::Silence`]).
    silent_until: Option<Instant>,
    /// The module's real-time clock (`AT+CCLK`).
    clock: RunningClock,
    /// Connections left by a previous run not yet up at the broker: (client, attempt).
    resuming: Vec<(u8, u64)>,
    /// Why a connection left by a previous run could not be made again.
    resume_errors: Vec<String>,
}

/// Frames a response line: `\r\n<text>\r\n`.
pub fn framed(text: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(text.len() + 4);
    v.extend_from_slice(b"\r\n");
    v.extend_from_slice(text);
    v.extend_from_slice(b"\r\n");
    v
}

impl Module {
    /// A module as after power-up, or as a previous run left it ([`SimConfig::previous`]; the
    /// connections it left are asked of the broker side in the first
    /// [`Module::take_effects`]). Every command line it receives is appended to `commands`.
    pub fn new(cfg: SimConfig, commands: Arc<Mutex<Vec<String>>>, now: Instant) -> Self {
        let cfg_clock = cfg.clock;
        let mut module = Module {
            echo: cfg.echo,
            result_delay: cfg.result_delay,
            cfg,
            mode: 0,
            clients: [Client::default(), Client::default()],
            call: Call::Down,
            registered: true,
            reg_report: [0; 3],
            input: Input::Command,
            pending_in: VecDeque::new(),
            line: Vec::new(),
            line_too_long: false,
            last_input: now,
            urcs: VecDeque::new(),
            timed: Vec::new(),
            inside_next: Vec::new(),
            refuse_next: None,
            next_gen: 1,
            noise: crate::faults::Noise::default(),
            out: Vec::new(),
            effects: Vec::new(),
            commands,
            tls: TlsSettings::default(),
            tls_error: 0,
            silent_until: None,
            clock: RunningClock::new(cfg_clock, now),
            resuming: Vec::new(),
            resume_errors: Vec::new(),
        };
        module.restore(now);
        module
    }

    /// Puts the module in the state [`SimConfig::previous`] describes: settings, data call,
    /// read queues, TLS files, and a connection request to the broker side for every client
    /// left connected (see [`Module::resume_outcome`]).
    fn restore(&mut self, now: Instant) {
        let previous = self.cfg.previous.clone();
        if let Some(echo) = previous.echo {
            self.echo = echo;
        }
        self.mode = previous.receive_mode;
        if previous.call_up {
            self.call = Call::Up(self.cfg.ip);
        }
        self.tls.version = previous.tls_version;
        self.tls.verify = previous.tls_verify;
        for (kind, file) in previous.tls_files {
            self.tls.files_mut(kind).push(file);
        }
        for w in previous.waiting {
            if let Some(c) = self.clients.get_mut(usize::from(w.id).wrapping_sub(1)) {
                c.queue.push_back(state::Received {
                    qos: w.qos,
                    topic: w.topic.into_bytes(),
                    payload: w.payload,
                    ack: None,
                });
            }
        }
        for (i, left) in previous.clients.into_iter().enumerate() {
            let Some(left) = left else { continue };
            let id = i as u8 + 1;
            let gen = self.gen();
            let user = left.user.map(|(user, pass, client_id)| UserConf {
                user,
                pass,
                client_id,
            });
            let params = self.open_params(
                &user,
                &left.will,
                (left.host, left.port, left.clean, left.keepalive),
                left.tls,
                now,
            );
            let client = self.client(id);
            client.user = user;
            client.will = left.will;
            if !left.connected {
                // Dropped while no host listened: closed, its settings kept.
                continue;
            }
            client.conn = Conn::Connected { gen };
            self.resuming.push((id, gen));
            self.effects
                .push(Effect::Resume(id, gen, params, left.subscriptions));
        }
    }

    /// How the connections left by a previous run came up again at the broker: `None` while
    /// one is still under way, then `Ok` (all up and subscribed, or there were none) or `Err`
    /// saying which failed.
    pub fn resume_outcome(&self) -> Option<Result<(), String>> {
        if !self.resuming.is_empty() {
            return None;
        }
        if self.resume_errors.is_empty() {
            Some(Ok(()))
        } else {
            Some(Err(self.resume_errors.join("; ")))
        }
    }

    /// Bytes to send to the host since the last call.
    pub fn take_output(&mut self) -> Vec<u8> {
        if self.silent_until.is_some() {
            // A silent module sends nothing: what it had to say is lost.
            self.out.clear();
        }
        std::mem::take(&mut self.out)
    }

    /// Requests for the broker side since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.effects)
    }

    /// Bytes received from the host.
    pub fn feed(&mut self, bytes: &[u8], now: Instant) {
        if self.silent_until.is_some() {
            return;
        }
        if !bytes.is_empty() {
            self.last_input = now;
        }
        self.pending_in.extend(bytes);
        self.process(now);
        self.tick(now);
    }

    /// The earliest time [`Module::tick`] has something to do, if any.
    pub fn next_deadline(&self) -> Option<Instant> {
        let mut at = self.timed.iter().map(|t| t.at).min();
        if let Some(until) = self.silent_until {
            at = Some(at.map_or(until, |a| a.min(until)));
        }
        if let Input::Data { deadline, .. } | Input::File { deadline, .. } = self.input {
            at = Some(at.map_or(deadline, |a| a.min(deadline)));
        }
        if !self.urcs.is_empty() && !self.line.is_empty() {
            let hold = self.last_input + self.cfg.partial_line_hold;
            at = Some(at.map_or(hold, |a| a.min(hold)));
        }
        at
    }

    /// Does whatever is due at `now`: data-mode timeout, delayed lines, held unsolicited lines.
    pub fn tick(&mut self, now: Instant) {
        if self.silent_until.is_some_and(|until| now >= until) {
            self.silent_until = None;
        }
        if let Input::Data { deadline, .. } | Input::File { deadline, .. } = self.input {
            if now >= deadline {
                // The partial data is thrown away with the publish.
                self.input = Input::Command;
                self.pending_in.clear();
                self.out.extend(framed(b"ERROR"));
                self.process(now);
            }
        }
        while let Some((i, _)) = self
            .timed
            .iter()
            .enumerate()
            .filter(|(_, t)| t.at <= now)
            .min_by_key(|(i, t)| (t.at, *i))
        {
            let t = self.timed.remove(i);
            match t.what {
                TimedWhat::Line(_, bytes) => self.urcs.push_back(bytes),
                TimedWhat::CallOutcome(gen) => self.call_outcome(gen),
            }
        }
        let stale = now.duration_since(self.last_input) >= self.cfg.partial_line_hold;
        if self.input == Input::Command && (self.line.is_empty() || stale) {
            for urc in self.urcs.drain(..) {
                self.out.extend(urc);
            }
        }
    }

    /// Processes pending input bytes as far as the input state allows.
    fn process(&mut self, now: Instant) {
        loop {
            match &mut self.input {
                Input::Held { .. } => return,
                Input::Data { size, .. } => {
                    let want = *size;
                    if self.pending_in.len() < want {
                        return;
                    }
                    let data: Vec<u8> = self.pending_in.drain(..want).collect();
                    self.finish_data(data);
                }
                Input::File { kind, size, .. } => {
                    let (kind, want) = (*kind, *size);
                    if self.pending_in.len() < want {
                        return;
                    }
                    let data: Vec<u8> = self.pending_in.drain(..want).collect();
                    self.input = Input::Command;
                    // Kept as sent: whether it is usable shows when a connection uses it.
                    self.tls.files_mut(kind).push(data);
                    self.out.extend(framed(b"OK"));
                }
                Input::Command => {
                    let Some(b) = self.pending_in.pop_front() else {
                        return;
                    };
                    self.command_byte(b, now);
                }
            }
        }
    }

    /// One byte in command mode: line editing, echo, and execution at CR.
    fn command_byte(&mut self, b: u8, now: Instant) {
        match b {
            b'\r' => {
                if self.line.is_empty() {
                    return;
                }
                if self.echo {
                    self.out.push(b'\r');
                }
                let line = std::mem::take(&mut self.line);
                let too_long = std::mem::replace(&mut self.line_too_long, false);
                self.record(&line);
                let inside = std::mem::take(&mut self.inside_next);
                self.out.extend(inside);
                if too_long {
                    self.out.extend(framed(b"ERROR"));
                } else {
                    self.execute(&line, now);
                }
            }
            b'\n' => {}
            0x08 | 0x7f => {
                if self.line.pop().is_some() && self.echo {
                    self.out.push(b);
                }
            }
            _ => {
                // Anything before the `A` of `AT` is line noise and is dropped unseen.
                if self.line.is_empty() && !b.eq_ignore_ascii_case(&b'A') {
                    return;
                }
                if self.echo {
                    self.out.push(b);
                }
                if self.line.len() < MAX_LINE {
                    self.line.push(b);
                } else {
                    self.line_too_long = true;
                }
            }
        }
    }

    fn record(&self, line: &[u8]) {
        let text: String = line
            .iter()
            .flat_map(|b| std::ascii::escape_default(*b))
            .map(char::from)
            .collect();
        if let Ok(mut c) = self.commands.lock() {
            if c.len() >= MAX_RECORDED {
                c.drain(..MAX_RECORDED / 2);
            }
            c.push(text);
        }
    }

    /// A new attempt number.
    fn gen(&mut self) -> u64 {
        self.next_gen += 1;
        self.next_gen
    }

    /// Queues an unsolicited line to go out at the next safe point.
    fn urc(&mut self, text: &[u8]) {
        self.urcs.push_back(framed(text));
    }

    /// Schedules a result line after the configured result delay (plus `extra`).
    fn result(&mut self, owner: Option<(u8, u64)>, text: &[u8], now: Instant, extra: Duration) {
        self.timed.push(Timed {
            at: now + self.result_delay + extra,
            what: TimedWhat::Line(owner, framed(text)),
        });
    }

    /// The separator between fields of the lines the module sends: `,`, or `, ` when
    /// configured to space them out.
    fn sep(&self) -> &'static str {
        if self.cfg.spaced {
            ", "
        } else {
            ","
        }
    }

    fn client(&mut self, id: u8) -> &mut Client {
        &mut self.clients[usize::from(id - 1)]
    }
}

#[cfg(test)]
mod tests;
