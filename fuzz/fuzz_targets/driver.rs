//! Fuzz target `driver`: the blocking client against a module that says anything.
//!
//! The input is a program: each step picks an operation of the client (with arguments drawn from
//! the input) and what the module sends meanwhile, built from known answers and lines (`OK`,
//! `ERROR: 703`, result lines, breaks, prompts, `RDY`, messages in both modes...) and raw bytes,
//! delivered in chunks of sizes drawn from the input, with silences between them. Time is
//! virtual (embassy-time's mock driver): a read that finds nothing moves the clock on by 1 ms.
//!
//! Checks, for every input:
//! - no panic;
//! - every call returns, within a bound computed from the timeouts (an event poll may also read
//!   one message per `+MQTTMSGI` received so far);
//! - once the input is used up and the module has sent what it still had to, ended the line it
//!   may have left unfinished, and from then on answers every command line with `OK`, the pending
//!   events drain and a `ping` succeeds: nothing is left stuck.

#![no_main]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use embassy_time::{Duration, Instant, MockDriver};
use embedded_io::{ErrorKind, ErrorType, Read, Write};
use fibocom_mqtt::Broker;
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::codec::{MqttCommand, PayloadForm, RegistrationKind};
use fibocom_mqtt::{ClientId, Config, QoS, ReceiveMode};
use libfuzzer_sys::fuzz_target;

/// Lines and answers the module may send; the input picks among them.
const TOKENS: &[&[u8]] = &[
    b"\r\nOK\r\n",
    b"\r\nERROR\r\n",
    b"\r\nERROR: 703\r\n",
    b"\r\n+CME ERROR: 701\r\n",
    b"\r\n+CME ERROR: 3\r\n",
    b"\r\n+MQTTOPEN: 1,1\r\n",
    b"\r\n+MQTTOPEN: 2,0\r\n",
    b"\r\n+MQTTOPEN: 1,2\r\n",
    b"\r\n+MQTTCLOSE: 1,1\r\n",
    b"\r\n+MQTTCLOSE: 2,1\r\n",
    b"\r\n+MQTTSUB: 1,1\r\n",
    b"\r\n+MQTTSUB: 2,0\r\n",
    b"\r\n+MQTTUNSUB: 1,1\r\n",
    b"\r\n+MQTTPUB: 1,1\r\n",
    b"\r\n+MQTTPUB: 2,1\r\n",
    b"\r\n+MQTTBREAK: 1,1\r\n",
    b"\r\n+MQTTBREAK: 2,2\r\n",
    b"\r\n+MQTTMSGI: 1,0,3,4\r\n",
    b"\r\n+MQTTMSGI: 2,1,1,1\r\n",
    b"\r\n+MQTTREAD: 1,0,3,4\r\n\"a/b\",\"x\r\n\"\"\r\n",
    b"\r\n+MQTTREAD: 2,1,1,1,\"t\",\"\0\"\r\n",
    b"\r\n+MQTTREAD: 1,0,0,0\r\n",
    b"\r\n+MQTTMSG: 1,0,\"t\",\"p,\"q\"\r\n",
    b"\r\n+MQTTMSG: 2, 1, \"t\", \"123\"\r\n",
    b"\r\n> ",
    b">\r\n",
    b"\r\nRDY\r\n",
    b"\r\n+CREG: 1\r\n",
    b"\r\n+CEREG: 0,1\r\n",
    b"\r\n+CSQ: 20,99\r\n",
    b"\r\n+CPIN: READY\r\n",
    b"\r\n+COPS: 0,0,\"Op\",7\r\n",
    b"\r\n+MIPCALL: 10.0.0.1\r\n",
    b"\r\n+MIPCALL: 1,10.0.0.2\r\n",
    b"\r\n+MIPCALL: 0\r\n",
    b"\r\n+MQTTUSER: 1,\"u\",\"p\",\"c\"\r\n",
    b"\r\n+MQTTWILL: 1,\"w\",1,0,\"x\"\r\n",
    b"\r\n+MQTTCONF: 1\r\n",
    b"\r\n+MQTTUSER: (1,2),128,128,23\r\n",
    b"\r\n+SIM READY\r\n",
    b"AT\r",
    b"AT+MQTTSUB=1,\"t\",0\r\r\n",
    b"\0\0\r\n\xff",
    b"\r\n+MQTTSUB: x\r\n",
];

/// One thing the module does.
enum Step {
    Bytes(Vec<u8>),
    /// Nothing for this many milliseconds.
    Silence(u64),
}

#[derive(Default)]
struct Wire {
    steps: VecDeque<Step>,
    /// Everything the module sent, to bound the messages announced.
    sent: Vec<u8>,
    /// After the input: answer every command line with OK.
    answer_ok: bool,
}

/// The fuzz-driven port.
#[derive(Clone)]
struct Port(Rc<RefCell<Wire>>);

impl ErrorType for Port {
    type Error = ErrorKind;
}

fn idle(ms: u64) -> Result<usize, ErrorKind> {
    MockDriver::get().advance(Duration::from_millis(ms));
    Err(ErrorKind::TimedOut)
}

impl Read for Port {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let mut w = self.0.borrow_mut();
        match w.steps.pop_front() {
            None => idle(1),
            Some(Step::Silence(ms)) => idle(ms),
            Some(Step::Bytes(mut bytes)) => {
                let n = bytes.len().min(buf.len());
                buf[..n].copy_from_slice(&bytes[..n]);
                w.sent.extend_from_slice(&bytes[..n]);
                if n < bytes.len() {
                    w.steps.push_front(Step::Bytes(bytes.split_off(n)));
                }
                Ok(n)
            }
        }
    }
}

impl Write for Port {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut w = self.0.borrow_mut();
        if w.answer_ok && buf.contains(&b'\r') {
            w.steps.push_back(Step::Bytes(b"\r\nOK\r\n".to_vec()));
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// Reads the input a byte at a time; zeros once it is used up.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn below(&mut self, n: usize) -> usize {
        usize::from(self.byte()) % n.max(1)
    }
    fn bytes(&mut self, n: usize) -> &[u8] {
        let n = n.min(self.0.len());
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        a
    }
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

const ANSWER: u64 = 10;
const PROMPT: u64 = 8;
const RESULT: u64 = 30;
const DATA_MODE: u64 = 20;
const PROBES: u8 = 3;

fn config() -> Config {
    let mut c = Config::with_timeouts(Duration::from_millis(ANSWER), Duration::from_millis(RESULT));
    c.prompt_timeout = Duration::from_millis(PROMPT);
    c.data_mode_timeout = Duration::from_millis(DATA_MODE);
    c.probe_attempts = PROBES;
    c
}

/// The longest one command may take: waiting for owed answers (data mode, then the answer to
/// the NUL filler), the prompt, the answer, the result line; each wait may overrun by the 1 ms
/// step of the clock. The silences queued come on top.
const COMMAND: u64 = (DATA_MODE + 1) + (ANSWER + 1) + (PROMPT + 1) + (ANSWER + 1) + (RESULT + 1);

/// Queues what the module says during the next call.
fn module_says(input: &mut Input<'_>, wire: &Rc<RefCell<Wire>>) {
    let pieces = input.below(6);
    let mut w = wire.borrow_mut();
    for _ in 0..pieces {
        let pick = input.byte();
        let bytes = if usize::from(pick) < TOKENS.len() {
            TOKENS[usize::from(pick)].to_vec()
        } else if pick >= 0xf0 {
            w.steps.push_back(Step::Silence(u64::from(pick & 0x0f) * 3));
            continue;
        } else {
            let n = input.below(24);
            input.bytes(n).to_vec()
        };
        if bytes.is_empty() {
            // A read of 0 bytes means the port closed.
            continue;
        }
        // Delivered in chunks of 1 to 16 bytes, or whole.
        let chunk = input.below(17);
        if chunk == 0 {
            w.steps.push_back(Step::Bytes(bytes));
        } else {
            for c in bytes.chunks(chunk) {
                w.steps.push_back(Step::Bytes(c.to_vec()));
            }
        }
    }
}

/// The silences still queued (from this call's steps and earlier ones'): time a call may spend.
fn silences(wire: &Rc<RefCell<Wire>>) -> u64 {
    let w = wire.borrow();
    w.steps
        .iter()
        .map(|s| match s {
            Step::Silence(ms) => *ms,
            Step::Bytes(_) => 0,
        })
        .sum()
}

fn client_id(input: &mut Input<'_>) -> ClientId {
    if input.byte() & 1 == 0 {
        ClientId::One
    } else {
        ClientId::Two
    }
}

fn qos(input: &mut Input<'_>) -> QoS {
    QoS::new(u32::from(input.byte() % 3)).unwrap_or(QoS::AtMostOnce)
}

fn announced(wire: &Rc<RefCell<Wire>>) -> u64 {
    let w = wire.borrow();
    w.sent
        .windows(b"+MQTTMSGI".len())
        .filter(|win| *win == b"+MQTTMSGI")
        .count() as u64
}

fuzz_target!(|data: &[u8]| {
    MockDriver::get().reset();
    let wire = Rc::new(RefCell::new(Wire::default()));
    let mut c: Modem<Port, 1536> = Modem::new(Port(wire.clone()), config());
    let mut input = Input(data);
    let mut calls = 0;
    while !input.is_empty() && calls < 64 {
        calls += 1;
        module_says(&mut input, &wire);
        let silences = silences(&wire);
        let op = input.byte();
        let id = client_id(&mut input);
        let t0 = Instant::now();
        let mut bound = COMMAND + silences;
        match op % 26 {
            0 => {
                let _ = c.start();
                bound = (u64::from(PROBES) + 2) * COMMAND + silences;
            }
            1 => {
                let _ = c.ping();
            }
            2 => {
                let _ = c.set_echo(input.byte() & 1 == 0);
            }
            3 => {
                let cid = if input.byte() & 1 == 0 {
                    None
                } else {
                    Some("dev")
                };
                let _ = c.set_user(id, "u", "p", cid);
            }
            4 => {
                let _ = c.set_will(id, "w", qos(&mut input), false, "bye");
            }
            5 => {
                let _ = c.open(id, Broker::new("broker", 1883));
            }
            6 => {
                let _ = c.close(id);
            }
            7 => {
                let q = qos(&mut input);
                let _ = c.subscribe(id, "a/#", q);
            }
            8 => {
                let _ = c.unsubscribe(id, "a/#");
            }
            9 | 10 => {
                let n = input.below(8);
                let payload = input.bytes(n).to_vec();
                let form = match input.byte() % 3 {
                    0 => PayloadForm::Auto,
                    1 => PayloadForm::Text,
                    _ => PayloadForm::Data,
                };
                let q = qos(&mut input);
                let _ = c.publish_with(id, "a/b", &payload, q, false, form);
            }
            11 => {
                let mode = if input.byte() & 1 == 0 {
                    ReceiveMode::Direct
                } else {
                    ReceiveMode::Buffered
                };
                let _ = c.set_receive_mode(mode);
            }
            12 => {
                let _ = c.free_clients();
            }
            13 => {
                let _ = c.closable_clients();
            }
            14 => {
                let _ = c.stored_users(|u| assert!(u.user.len() <= 1536));
            }
            15 => {
                let _ = c.stored_wills(|w| assert!(w.topic.len() <= 1536));
            }
            16 => {
                let _ = c.capabilities(MqttCommand::User);
            }
            17 => {
                let _ = c.signal_quality();
            }
            18 => {
                let _ = c.sim_state();
            }
            19 => {
                let _ = c.operator();
            }
            20 => {
                let _ = c.registration(RegistrationKind::Cereg);
            }
            21 => {
                let _ = c.identify(|l| assert!(!l.is_empty()));
            }
            22 => {
                let _ = c.data_call();
            }
            23 => {
                if input.byte() & 1 == 0 {
                    let _ = c.attach(Some("apn"), None);
                } else {
                    let _ = c.detach();
                }
            }
            24 => {
                let _ = c.raw("+CGSN", |l| assert!(!l.is_empty()));
            }
            _ => {
                let wait = u64::from(input.byte() % 32);
                let _ = c.poll_event(Duration::from_millis(wait), |ev| format!("{ev:?}"));
                bound = wait + 1 + (announced(&wire) + 1) * COMMAND + silences;
            }
        }
        let took = Instant::now().duration_since(t0).as_millis();
        assert!(
            took <= bound,
            "call {op} took {took} ms of virtual time, bound {bound}"
        );
    }

    // The module sends what it still had to send (without the silences), ends the line it may
    // have left unfinished, then answers every command line with OK and says nothing else.
    {
        let mut w = wire.borrow_mut();
        w.steps.retain(|s| matches!(s, Step::Bytes(_)));
        w.steps.push_back(Step::Bytes(b"\r\n".to_vec()));
        w.answer_ok = true;
    }
    let mut drained = 0;
    while let Ok(Some(_)) = c.poll_event(Duration::from_millis(5), |_| ()) {
        drained += 1;
        assert!(drained < 70_000, "events never stop");
    }
    let t0 = Instant::now();
    let ping = c.ping();
    assert_eq!(ping, Ok(()), "final ping");
    assert!(Instant::now().duration_since(t0).as_millis() <= COMMAND);
});
