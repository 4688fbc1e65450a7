//! The streaming parser: bytes received so far in, one [`Item`] and the bytes it took out.
//!
//! # Framing
//!
//! A line runs from its first byte to the first CR or LF. Bytes that cannot start a line (CR, LF,
//! NUL, space, other control bytes and bytes above 0x7e) are noise and are skipped, so blank
//! lines, lone CR or LF, NUL bytes, lines with no leading CRLF and binary garbage before an echo
//! all parse. A `>` at the start of a line is the data prompt (with one following space, if it
//! is there). The answer of `AT+MQTTREAD` is read by the lengths in its header, so its payload
//! may hold any byte.

mod fields;
mod mqtt;
pub use mqtt::{MAX_READ_PAYLOAD, MAX_READ_TOPIC};
mod network;

use super::command::MqttCommand;
use super::item::{ErrorCode, Item, RegistrationKind};

/// What [`parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Parsed<'a> {
    /// An item, and how many bytes of the input it took (noise before it included). Never 0.
    Item(Item<'a>, usize),
    /// The input ends inside an item. The first `noise` bytes are noise that can be dropped now;
    /// `needed`, when known, is the total length from the start of the input that the item needs
    /// (known for `+MQTTREAD` answers, which are framed by length).
    Incomplete {
        /// Leading bytes that are noise.
        noise: usize,
        /// Total bytes needed, if known.
        needed: Option<usize>,
    },
}

/// Whether `b` can start a line.
#[inline]
fn starts_line(b: u8) -> bool {
    matches!(b, 0x21..=0x7e)
}

/// The offset of the first CR or LF.
#[inline]
pub(super) fn line_end(input: &[u8]) -> Option<usize> {
    input.iter().position(|&b| b == b'\r' || b == b'\n')
}

/// Parses one item from the start of `input`.
///
/// Never needs bytes after the item it returns, never panics, and takes at least one byte with
/// every item.
pub fn parse(input: &[u8]) -> Parsed<'_> {
    parse_item(input).0
}

/// What is known about an incomplete item at the start of an input, for a later call on the
/// same bytes and more: the [`Decoder`](super::Decoder) uses it so that an item fed a few bytes
/// at a time is not parsed again from its start every time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub(super) enum Resume {
    /// Nothing: parse from the start.
    Start,
    /// A line that is not a `+MQTTREAD` answer, whatever follows, with no line end in its first
    /// `n` bytes. It ends at the first CR or LF after them.
    Line(usize),
    /// A message read by length: for the same input with more bytes, from `seen` (the length
    /// when this was found) up to `needed`, the answer is the same `Incomplete`.
    Until {
        /// The input length when this was found.
        seen: usize,
        /// The total length the item needs.
        needed: usize,
    },
}

/// [`parse`], and what a later call on the same bytes and more may take as known (always
/// [`Resume::Start`] unless the answer is an `Incomplete` with no noise).
pub(super) fn parse_item(input: &[u8]) -> (Parsed<'_>, Resume) {
    let noise = input
        .iter()
        .position(|&b| starts_line(b))
        .unwrap_or(input.len());
    let Some(rest) = input.get(noise..).filter(|r| !r.is_empty()) else {
        return (
            Parsed::Incomplete {
                noise,
                needed: None,
            },
            Resume::Start,
        );
    };
    if rest.first() == Some(&b'>') {
        let len = if rest.get(1) == Some(&b' ') { 2 } else { 1 };
        return (
            Parsed::Item(Item::Prompt, noise.saturating_add(len)),
            Resume::Start,
        );
    }
    const READ: &[u8] = b"+MQTTREAD:";
    if rest.starts_with(READ) {
        return match mqtt::read(rest) {
            mqtt::ReadParse::Done(item, len) => {
                (Parsed::Item(item, noise.saturating_add(len)), Resume::Start)
            }
            mqtt::ReadParse::Incomplete(needed) => (
                Parsed::Incomplete {
                    noise,
                    needed: needed.and_then(|n| n.checked_add(noise)),
                },
                Resume::Start,
            ),
            mqtt::ReadParse::Until(needed) => match needed.checked_add(noise) {
                Some(needed) => (
                    Parsed::Incomplete {
                        noise,
                        needed: Some(needed),
                    },
                    if noise == 0 {
                        Resume::Until {
                            seen: input.len(),
                            needed,
                        }
                    } else {
                        Resume::Start
                    },
                ),
                None => (
                    Parsed::Incomplete {
                        noise,
                        needed: None,
                    },
                    Resume::Start,
                ),
            },
            mqtt::ReadParse::NotRead => (line_item(rest, noise), Resume::Start),
        };
    }
    let parsed = line_item(rest, noise);
    // A line that cannot become a `+MQTTREAD` answer, whatever follows, has no line end in
    // the bytes seen so far.
    let resume = match parsed {
        Parsed::Incomplete { noise: 0, .. } if !READ.starts_with(rest) => Resume::Line(input.len()),
        _ => Resume::Start,
    };
    (parsed, resume)
}

/// Parses the line at the start of `rest` (which starts a line).
fn line_item(rest: &[u8], noise: usize) -> Parsed<'_> {
    let Some(end) = line_end(rest) else {
        return Parsed::Incomplete {
            noise,
            needed: None,
        };
    };
    let line = rest.get(..end).unwrap_or(rest);
    Parsed::Item(classify(line), noise.saturating_add(end).saturating_add(1))
}

/// Classifies one complete line (no line end, first byte printable).
pub(super) fn classify(line: &[u8]) -> Item<'_> {
    match line {
        b"OK" => Item::Ok,
        b"ERROR" => Item::Error(ErrorCode::Plain),
        [b'A' | b'a', b'T' | b't', ..] => Item::Echo(line),
        [b'E', b'R', b'R', b'O', b'R', b':', rest @ ..] => {
            match fields::only_num(rest).and_then(|n| u16::try_from(n).ok()) {
                Some(n) => Item::Error(ErrorCode::Code(n)),
                None => Item::Malformed(line),
            }
        }
        [b'+', ..] => plus_line(line),
        _ => Item::Line(line),
    }
}

/// What the name of a `+` line (the text before its colon) says the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// `+MQTTMSG`
    Message,
    /// `+MQTTMSGI`
    Waiting,
    /// `+MQTTBREAK`
    Break,
    /// The result, information or test-form line of an MQTT command.
    Mqtt(MqttCommand),
    /// `+CME ERROR`
    Cme,
    /// `+MIPCALL`
    MipCall,
    /// `+CSQ`
    Csq,
    /// `+CPIN`
    Cpin,
    /// `+COPS`
    Cops,
    /// `+CREG`, `+CGREG`, `+CEREG`
    Registration(RegistrationKind),
}

/// The names of the `+` lines the parser knows.
const PREFIXES: [(&[u8], Prefix); 21] = [
    (b"+MQTTMSG", Prefix::Message),
    (b"+MQTTMSGI", Prefix::Waiting),
    (b"+MQTTBREAK", Prefix::Break),
    (b"+MQTTOPEN", Prefix::Mqtt(MqttCommand::Open)),
    // A misspelling some firmware versions send.
    (b"+MPQTTOPEN", Prefix::Mqtt(MqttCommand::Open)),
    (b"+MQTTCLOSE", Prefix::Mqtt(MqttCommand::Close)),
    (b"+MQTTSUB", Prefix::Mqtt(MqttCommand::Sub)),
    (b"+MQTTUNSUB", Prefix::Mqtt(MqttCommand::Unsub)),
    (b"+MQTTPUB", Prefix::Mqtt(MqttCommand::Pub)),
    (b"+MQTTUSER", Prefix::Mqtt(MqttCommand::User)),
    (b"+MQTTWILL", Prefix::Mqtt(MqttCommand::Will)),
    (b"+MQTTCONF", Prefix::Mqtt(MqttCommand::Conf)),
    (b"+MQTTREAD", Prefix::Mqtt(MqttCommand::Read)),
    (b"+CME ERROR", Prefix::Cme),
    (b"+MIPCALL", Prefix::MipCall),
    (b"+CSQ", Prefix::Csq),
    (b"+CPIN", Prefix::Cpin),
    (b"+COPS", Prefix::Cops),
    (b"+CREG", Prefix::Registration(RegistrationKind::Creg)),
    (b"+CGREG", Prefix::Registration(RegistrationKind::Cgreg)),
    (b"+CEREG", Prefix::Registration(RegistrationKind::Cereg)),
];

/// A line that starts with `+`.
fn plus_line(line: &[u8]) -> Item<'_> {
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Item::Line(line);
    };
    let (name, args) = match (line.get(..colon), line.get(colon.saturating_add(1)..)) {
        (Some(n), Some(a)) => (n, a),
        _ => return Item::Line(line),
    };
    let Some(&(_, prefix)) = PREFIXES.iter().find(|(n, _)| *n == name) else {
        return Item::Line(line);
    };
    let parsed = match prefix {
        Prefix::Message => mqtt::message(args).map(Item::Message),
        Prefix::Waiting => mqtt::waiting(args),
        Prefix::Break => mqtt::connection_break(args),
        Prefix::Mqtt(command) => mqtt::line(command, args),
        Prefix::Cme => Some(network::cme(args)),
        Prefix::MipCall => network::mipcall(args),
        Prefix::Csq => network::csq(args),
        Prefix::Cpin => Some(Item::SimState(fields::trim(args))),
        Prefix::Cops => network::cops(args),
        Prefix::Registration(kind) => network::registration(kind, args),
    };
    parsed.unwrap_or(Item::Malformed(line))
}
