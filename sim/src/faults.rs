//! Faults and run-time controls: the [`Control`] values the simulator applies, the text control
//! language read on stdin and given to `--fault`, and the noise generator.

use std::time::Duration;

/// One run-time control or fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Close the broker connection of client 1 or 2 without DISCONNECT (`drop-broker <id>`).
    DropBroker(u8),
    /// Drop the data call (`drop-call`).
    DropCall,
    /// Lose network registration (`lose-reg`); this also drops the data call.
    LoseRegistration,
    /// Registration comes back (`restore-reg`).
    RestoreRegistration,
    /// Send these bytes between answers (`inject <line>` frames a line as `\r\n<line>\r\n`;
    /// `inject-raw <bytes>` sends the bytes as they are).
    Inject(Vec<u8>),
    /// Send these bytes right after the echo of the next command line, before its answer
    /// (`inject-inside <line>` frames a line; `inject-inside-raw <bytes>` does not).
    InjectInside(Vec<u8>),
    /// Send this many noise bytes between answers (`noise <n>`).
    Noise(usize),
    /// Send this many noise bytes inside the next answer (`noise-inside <n>`).
    NoiseInside(usize),
    /// Delay every result line by this much (`delay-results <ms>`).
    ResultDelay(Duration),
    /// Reboot the module (`reboot`).
    Reboot,
    /// The module hangs for this long (`silence <ms>`): it reads nothing and sends nothing
    /// (what it would have sent meanwhile is lost; a command line it was reading is
    /// forgotten), while its broker connections go on. Then it answers again, its state as
    /// the silence left it.
    Silence(Duration),
    /// Answer `ERROR` to the next command line that starts with this text, whatever it is
    /// (`refuse <prefix>`, for example `refuse ATE0`).
    Refuse(String),
    /// Set the module's clock (`set-clock <yy/MM/dd,hh:mm:ss+zz>`, or `set-clock factory` for
    /// `80/01/06,00:00:09+00`), as `AT+CCLK="..."` would: `AT+CCLK?` and the validity check of
    /// a server certificate over TLS count from there (a clock before the certificate's start
    /// makes a verified TLS open fail with `+GTSSLERR: -11`).
    SetClock(crate::clock::ModuleTime),
}

impl Control {
    /// Parses one control command line. `\r`, `\n`, `\t`, `\\` and `\xNN` escapes are decoded
    /// in the text of the inject commands.
    pub fn parse(line: &str) -> Result<Control, String> {
        let line = line.trim_end_matches(['\r', '\n']);
        let (word, rest) = line
            .trim_start()
            .split_once(' ')
            .unwrap_or((line.trim(), ""));
        let number = |what: &str| -> Result<u64, String> {
            rest.trim()
                .parse::<u64>()
                .map_err(|_| format!("{word}: expected {what}, got {rest:?}"))
        };
        Ok(match word {
            "drop-broker" => match number("a client id (1 or 2)")? {
                id @ (1 | 2) => Control::DropBroker(id as u8),
                _ => return Err("drop-broker: client id must be 1 or 2".into()),
            },
            "drop-call" => Control::DropCall,
            "lose-reg" => Control::LoseRegistration,
            "restore-reg" => Control::RestoreRegistration,
            "inject" => Control::Inject(frame(&unescape(rest)?)),
            "inject-raw" => Control::Inject(unescape(rest)?),
            "inject-inside" => Control::InjectInside(frame(&unescape(rest)?)),
            "inject-inside-raw" => Control::InjectInside(unescape(rest)?),
            "noise" => Control::Noise(number("a byte count")? as usize),
            "noise-inside" => Control::NoiseInside(number("a byte count")? as usize),
            "delay-results" => Control::ResultDelay(Duration::from_millis(number("milliseconds")?)),
            "reboot" => Control::Reboot,
            "silence" => Control::Silence(Duration::from_millis(number("milliseconds")?)),
            "refuse" if !rest.trim().is_empty() => Control::Refuse(rest.trim().to_string()),
            "refuse" => return Err("refuse: expected the start of a command line".into()),
            "set-clock" => match rest.trim() {
                "factory" => Control::SetClock(crate::clock::ModuleTime::FACTORY),
                t => Control::SetClock(crate::clock::ModuleTime::parse(t).ok_or_else(|| {
                    format!("set-clock: expected yy/MM/dd,hh:mm:ss+zz or factory, got {t:?}")
                })?),
            },
            other => return Err(format!("unknown control command {other:?}")),
        })
    }
}

/// Help text listing the control commands.
pub const CONTROL_HELP: &str = "\
control commands (one per line):
  drop-broker <1|2>        close that client's broker connection without DISCONNECT
  drop-call                drop the data call (+MQTTBREAK: <id>,2)
  lose-reg                 lose registration (+MQTTBREAK: <id>,3)
  restore-reg              registration comes back
  inject <text>            send \\r\\n<text>\\r\\n between answers
  inject-raw <bytes>       send bytes as given between answers
  inject-inside <text>     send \\r\\n<text>\\r\\n between the next echo and its answer
  inject-inside-raw <bytes>
  noise <n>                send n noise bytes between answers
  noise-inside <n>         send n noise bytes inside the next answer
  delay-results <ms>       delay every result line
  reboot                   reboot the module (RDY)
  silence <ms>             the module hangs: reads and sends nothing for that long
  refuse <prefix>          answer ERROR to the next command line starting with <prefix>
  set-clock <time>         set the module's clock: yy/MM/dd,hh:mm:ss+zz, or factory
                           (80/01/06,00:00:09+00: verified TLS opens fail with -11)
escapes in text: \\r \\n \\t \\\\ \\xNN";

fn frame(text: &[u8]) -> Vec<u8> {
    crate::module::framed(text)
}

/// Decodes `\r`, `\n`, `\t`, `\\` and `\xNN`.
pub fn unescape(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next() {
            Some(b'r') => out.push(b'\r'),
            Some(b'n') => out.push(b'\n'),
            Some(b't') => out.push(b'\t'),
            Some(b'\\') => out.push(b'\\'),
            Some(b'x') => {
                let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                let text = std::str::from_utf8(&hex).map_err(|_| "bad \\x escape")?;
                let v = u8::from_str_radix(text, 16).map_err(|_| format!("bad \\x{text}"))?;
                out.push(v);
            }
            other => {
                return Err(format!(
                    "unknown escape \\{}",
                    other.map_or('?', char::from)
                ))
            }
        }
    }
    Ok(out)
}

/// Deterministic noise: bytes that are neither CR, LF nor printable ASCII, so that noise alone
/// never forms a response line.
#[derive(Debug, Clone)]
pub struct Noise(u64);

impl Default for Noise {
    fn default() -> Self {
        Noise(0x9e37_79b9_7f4a_7c15)
    }
}

impl Noise {
    /// The next `n` noise bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            // xorshift64
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            let b = (self.0 >> 24) as u8;
            if b != b'\r' && b != b'\n' && !(0x20..=0x7e).contains(&b) {
                out.push(b);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_controls() {
        assert_eq!(Control::parse("drop-broker 2"), Ok(Control::DropBroker(2)));
        assert!(Control::parse("drop-broker 3").is_err());
        assert_eq!(
            Control::parse("inject +CREG: 1"),
            Ok(Control::Inject(b"\r\n+CREG: 1\r\n".to_vec()))
        );
        assert_eq!(
            Control::parse("inject-raw a\\x00\\r"),
            Ok(Control::Inject(b"a\0\r".to_vec()))
        );
        assert_eq!(
            Control::parse("delay-results 250"),
            Ok(Control::ResultDelay(Duration::from_millis(250)))
        );
        assert_eq!(Control::parse("reboot\n"), Ok(Control::Reboot));
        assert_eq!(
            Control::parse("silence 1500"),
            Ok(Control::Silence(Duration::from_millis(1500)))
        );
        assert_eq!(
            Control::parse("refuse AT+MQTTSUB=1"),
            Ok(Control::Refuse("AT+MQTTSUB=1".into()))
        );
        assert!(Control::parse("refuse ").is_err());
        assert_eq!(
            Control::parse("set-clock factory"),
            Ok(Control::SetClock(crate::clock::ModuleTime::FACTORY))
        );
        assert_eq!(
            Control::parse("set-clock 80/01/06,00:00:09+00"),
            Ok(Control::SetClock(crate::clock::ModuleTime::FACTORY))
        );
        assert!(Control::parse("set-clock yesterday").is_err());
        assert!(Control::parse("explode").is_err());
    }

    #[test]
    fn noise_never_prints() {
        let bytes = Noise::default().bytes(4096);
        assert_eq!(bytes.len(), 4096);
        assert!(bytes
            .iter()
            .all(|b| *b != b'\r' && *b != b'\n' && !(0x20..=0x7e).contains(b)));
    }
}
