//! A deterministic, recorded-looking stream of what a module sends to its host.
//!
//! The stream is a sequence of *cycles*. Every cycle holds what a connected module says during
//! a few seconds of ordinary work, with echo on (a module that rebooted turns it back on):
//!
//! - a binary message in receive mode 1: `+MQTTMSGI`, the echo of `AT+MQTTREAD=1`, the answer
//!   in the manual's layout with a 1024-byte payload of random bytes (so CR, LF, NUL, `"`, `>`
//!   and bytes above 0x7f all occur inside it), and `OK`;
//! - two or three `+MQTTMSG` lines (receive mode 0) with short JSON payloads, quotes included;
//! - a text publish (echo, `OK`, `+MQTTPUB: 1,1`);
//! - a data publish (echo, the `>` prompt, then silence while the host sends the payload,
//!   `OK`, `+MQTTPUB: 1,1`), with an unsolicited `+CREG: 1` between `OK` and the result line;
//! - `AT+CSQ` and its answer;
//!
//! every 4th cycle also `+SIM READY`, two NUL bytes and a bare `AT` whose `OK` has a stray
//! CRLF before it, a subscribe with its result line, and `+CGREG: 1`; every 8th cycle also a
//! connection break (`+MQTTBREAK`, `+MQTTCLOSE`), the re-open with its result line, an empty
//! read (`+MQTTREAD: 1,0,0,0`), `RDY`, a refused unsubscribe (`ERROR`) and a `+CME ERROR: 3`, and
//! lone LF bytes after result lines.
//!
//! [`Stream::silences`] marks where the module goes quiet and waits for the host (right after
//! each prompt): a UART delivers nothing past such a point until the host has answered, so a
//! chunked feed never crosses it.

/// Expected counts of what a parser must recognise in a stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Expected {
    /// Command echoes.
    pub echoes: usize,
    /// Final results: `OK`, `ERROR`, `+CME ERROR: <n>`.
    pub finals: usize,
    /// Solicited information lines that atat keeps inside a response (`+CSQ: ...`).
    pub info: usize,
    /// Data prompts.
    pub prompts: usize,
    /// Everything else that is a unit of its own: result lines, `+MQTTMSGI`, `+MQTTMSG`, the
    /// `+MQTTREAD` answers (with or without a message), `+MQTTBREAK`, registration reports and
    /// unknown unsolicited lines.
    pub urcs: usize,
    /// Of the `urcs`, the `+MQTTREAD` answers that carry a message.
    pub reads: usize,
    /// Payload bytes in those answers.
    pub read_payload_bytes: usize,
    /// Lines (CR- or LF-ended units, echoes and the read answers' message lines included).
    pub lines: usize,
    /// Bytes that are noise: NUL, stray CR / LF beyond the framing.
    pub noise_bytes: usize,
}

impl Expected {
    /// What `reps` passes over the same stream hold.
    pub fn times(&self, reps: usize) -> Expected {
        Expected {
            echoes: self.echoes * reps,
            finals: self.finals * reps,
            info: self.info * reps,
            prompts: self.prompts * reps,
            urcs: self.urcs * reps,
            reads: self.reads * reps,
            read_payload_bytes: self.read_payload_bytes * reps,
            lines: self.lines * reps,
            noise_bytes: self.noise_bytes * reps,
        }
    }
}

/// A generated stream.
#[derive(Debug, Clone)]
pub struct Stream {
    /// The bytes, as the host receives them.
    pub bytes: Vec<u8>,
    /// Offsets after which the module is silent until the host acts (after every prompt).
    pub silences: Vec<usize>,
    /// What is in it.
    pub expected: Expected,
}

/// xorshift64*: small, deterministic, good enough for payload bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

struct Builder {
    out: Vec<u8>,
    silences: Vec<usize>,
    e: Expected,
}

impl Builder {
    fn raw(&mut self, b: &[u8]) {
        self.out.extend_from_slice(b);
    }

    /// `\r\n<text>\r\n`.
    fn line(&mut self, text: &str) {
        self.raw(b"\r\n");
        self.raw(text.as_bytes());
        self.raw(b"\r\n");
        self.e.lines += 1;
    }

    fn urc(&mut self, text: &str) {
        self.line(text);
        self.e.urcs += 1;
    }

    fn echo(&mut self, cmd: &str) {
        self.raw(cmd.as_bytes());
        self.raw(b"\r");
        self.e.echoes += 1;
        self.e.lines += 1;
    }

    fn ok(&mut self) {
        self.line("OK");
        self.e.finals += 1;
    }

    fn noise(&mut self, b: &[u8]) {
        self.raw(b);
        self.e.noise_bytes += b.len();
    }
}

/// The topic of the 1 KiB binary messages.
pub const READ_TOPIC: &str = "dev/42/cmd/firmware";
/// The size of their payloads.
pub const READ_PAYLOAD: usize = 1024;

/// Generates `cycles` cycles from `seed`.
pub fn generate(cycles: usize, seed: u64) -> Stream {
    let mut rng = Rng(seed | 1);
    let mut b = Builder {
        out: Vec::new(),
        silences: Vec::new(),
        e: Expected::default(),
    };
    for cycle in 0..cycles {
        // A binary message, announced, then read in the manual's layout.
        let header = format!("1,1,{},{}", READ_TOPIC.len(), READ_PAYLOAD);
        b.urc(&format!("+MQTTMSGI: {header}"));
        b.echo("AT+MQTTREAD=1");
        b.raw(format!("\r\n+MQTTREAD: {header}\r\n\"{READ_TOPIC}\",\"").as_bytes());
        for _ in 0..READ_PAYLOAD {
            b.out.push(rng.next() as u8);
        }
        b.raw(b"\"\r\n");
        b.e.lines += 2;
        b.e.urcs += 1;
        b.e.reads += 1;
        b.e.read_payload_bytes += READ_PAYLOAD;
        b.ok();

        // Mode-0 messages with JSON payloads (quotes inside, not escaped).
        for _ in 0..2 + rng.below(2) {
            let level = rng.below(100);
            let on = rng.below(2) == 1;
            b.urc(&format!(
                "+MQTTMSG: 1, 0, \"dev/42/cmd/led\", \"{{\"on\":{on},\"level\":{level},\"fade_ms\":250}}\""
            ));
        }

        // A text publish.
        let t = 150 + rng.below(100);
        b.echo(&format!(
            "AT+MQTTPUB=1,\"dev/42/telemetry\",0,0,\"t={}.{};h={};v=3.{}\"",
            t / 10,
            t % 10,
            30 + rng.below(40),
            rng.below(10)
        ));
        b.ok();
        b.urc("+MQTTPUB: 1,1");

        // A data publish: prompt, silence, OK, an unsolicited line, the result line.
        b.echo("AT+MQTTPUB=1,\"dev/42/blob\",1,0,256");
        b.raw(b"\r\n>\r\n");
        b.e.prompts += 1;
        b.e.lines += 1;
        b.silences.push(b.out.len());
        b.ok();
        b.urc("+CREG: 1");
        b.urc("+MQTTPUB: 1,1");

        // Signal quality.
        b.echo("AT+CSQ");
        b.line(&format!("+CSQ: {},99", 10 + rng.below(21)));
        b.e.info += 1;
        b.ok();

        if cycle % 4 == 3 {
            b.urc("+SIM READY");
            b.noise(b"\0\0");
            b.echo("AT");
            b.noise(b"\r\n");
            b.ok();
            b.echo("AT+MQTTSUB=1,\"dev/42/cmd/#\",1");
            b.ok();
            b.urc("+CGREG: 1");
            b.urc("+MQTTSUB: 1,1");
        }
        if cycle % 8 == 7 {
            b.urc("+MQTTBREAK: 1,1");
            b.urc("+MQTTCLOSE: 1,1");
            b.noise(b"\n");
            b.urc("RDY");
            b.echo("AT+MQTTOPEN=1,\"broker.example.com\",1883,1,60");
            b.ok();
            b.urc("+MQTTOPEN: 1,1");
            b.noise(b"\n");
            b.echo("AT+MQTTREAD=1");
            b.urc("+MQTTREAD: 1,0,0,0");
            b.ok();
            b.echo("AT+MQTTUNSUB=2,\"dev/42/cmd/#\"");
            b.line("ERROR");
            b.e.finals += 1;
            b.echo("AT+MQTTSUB=2,\"dev/42/cmd/#\",1");
            b.line("+CME ERROR: 3");
            b.e.finals += 1;
        }
    }
    Stream {
        bytes: b.out,
        silences: b.silences,
        expected: b.e,
    }
}

impl Stream {
    /// The chunks a UART driver reading at most `size` bytes at a time would get: `size` bytes
    /// each, except that none crosses a silence.
    pub fn chunks(&self, size: usize) -> Chunks<'_> {
        Chunks {
            bytes: &self.bytes,
            silences: &self.silences,
            at: 0,
            next_silence: 0,
            size: size.max(1),
        }
    }

    /// Payload bytes of the binary messages, as a share of the stream.
    pub fn payload_share(&self) -> f64 {
        self.expected.read_payload_bytes as f64 / self.bytes.len() as f64
    }
}

/// See [`Stream::chunks`].
pub struct Chunks<'a> {
    bytes: &'a [u8],
    silences: &'a [usize],
    at: usize,
    next_silence: usize,
    size: usize,
}

impl<'a> Iterator for Chunks<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        if self.at >= self.bytes.len() {
            return None;
        }
        while self
            .silences
            .get(self.next_silence)
            .is_some_and(|&s| s <= self.at)
        {
            self.next_silence += 1;
        }
        let limit = self
            .silences
            .get(self.next_silence)
            .copied()
            .unwrap_or(self.bytes.len());
        let end = (self.at + self.size).min(limit);
        let chunk = &self.bytes[self.at..end];
        self.at = end;
        Some(chunk)
    }
}
