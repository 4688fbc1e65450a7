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
//!
//! # Spacing
//!
//! Firmware versions differ in spacing: any separator (a comma, the colon after a line's name)
//! may be followed by spaces in any line, `+MQTTMSG: 1, 0, "t", "p"` and the `+MQTTREAD`
//! message `"t", "p"` included. Spaces are skipped between fields, never inside a payload: a
//! `+MQTTREAD` payload is taken by its length, a `+MQTTMSG` payload runs to the last `"` of the
//! line.

mod clock;
mod fields;
mod mqtt;
pub(super) use mqtt::started;
pub use mqtt::{MAX_READ_PAYLOAD, MAX_READ_TOPIC};
mod network;
mod tls;

use super::command::MqttCommand;
use super::item::{ErrorCode, Item, RegistrationKind};
use super::tls::TlsCommand;

/// What [`parse`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Parsed<'a> {
    /// An item, and how many bytes of the input it took (noise before it included). Never 0.
    Item(Item<'a>, usize),
    /// The input ends inside an item. The first `noise` bytes are noise that can be dropped now;
    /// `needed`, when known, is the total length from the start of the input that the item needs
    /// (known for `+MQTTREAD` answers, which are framed by length, once the payload's opening
    /// quote has arrived: the spaces before it vary between firmware).
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
    parse_with::<true>(input)
}

/// [`parse`] as the driver's runner uses it (`FULL` false): the answers only a query asks for
/// (`+MQTTUSER:`, `+MQTTWILL:`, `+MQTTCONF:`, test-form ranges, `+CSQ`, `+CPIN`, `+COPS`) are
/// left as [`Item::Line`], for the query that reads them to parse with [`parse`]. A firmware
/// that makes no query then carries no parser for them.
pub(crate) fn parse_core(input: &[u8]) -> Parsed<'_> {
    parse_with::<false>(input)
}

/// [`parse`], or [`parse_core`] when not `FULL`.
fn parse_with<const FULL: bool>(input: &[u8]) -> Parsed<'_> {
    match parse_item(input) {
        Found::Line(line, len) => Parsed::Item(classify::<FULL>(line), len),
        Found::Item(item, len) => Parsed::Item(item, len),
        Found::Incomplete { noise, needed, .. } => Parsed::Incomplete { noise, needed },
    }
}

/// What [`parse_item`] found at the start of an input.
pub(super) enum Found<'a> {
    /// A complete line (without its line end, for [`classify`] to classify) and the bytes it
    /// takes (noise before it and its line end included).
    Line(&'a [u8], usize),
    /// A prompt or a message read by length, and the bytes it takes (noise included).
    Item(Item<'a>, usize),
    /// [`Parsed::Incomplete`], and what a later call on the same bytes and more may take as
    /// known (always [`Resume::Start`] unless `noise` is 0).
    Incomplete {
        /// Leading bytes that are noise.
        noise: usize,
        /// Total bytes needed, if known.
        needed: Option<usize>,
        /// What is known of the item for a later call.
        resume: Resume,
    },
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
    /// A line that is not a `+MQTTREAD` answer, whose end (its first CR or LF) is at `n`.
    LineEnd(usize),
    /// The start of what may become a `+MQTTREAD` answer: the input is a proper prefix of
    /// `+MQTTREAD:`, and the line stays incomplete while it is (the first `n` bytes checked).
    ReadPrefix(usize),
    /// A `+MQTTREAD` header that has not ended (no line end in its first `n` bytes): the same
    /// until a line end or a `"` arrives after them (a header line ends with its line end; an
    /// inline message begins with its topic's quote).
    ReadHeader(usize),
    /// A message read by length: for the same input with more bytes, from `seen` (the length
    /// when this was found) up to `needed`, the answer is the same `Incomplete`. Also the topic
    /// of a message whose total length is not known yet: the same until its end (`needed`).
    Until {
        /// The input length when this was found.
        seen: usize,
        /// The total length the item needs.
        needed: usize,
    },
    /// Not parsing (the [`Decoder`](super::Decoder)'s own states): dropping an overlong item
    /// up to and including the next CR or LF.
    SkipToLineEnd,
    /// Not parsing: dropping this many more bytes of an overlong item.
    SkipBytes(usize),
    /// Not parsing: dropping an overlong `+MQTTREAD` message whose total length was not known
    /// yet: `left` more bytes (to the end of its topic), then the spaces and comma before the
    /// payload, then from the payload's opening quote `payload` more bytes (the payload and its
    /// closing quote).
    SkipMessage {
        /// Bytes left to the end of the topic.
        left: usize,
        /// The payload's length plus its closing quote.
        payload: usize,
    },
}

/// How a `+MQTTREAD` answer starts.
pub(super) const READ: &[u8] = b"+MQTTREAD:";

/// The item at the start of `input`, its line left to classify.
pub(super) fn parse_item(input: &[u8]) -> Found<'_> {
    let noise = input
        .iter()
        .position(|&b| starts_line(b))
        .unwrap_or(input.len());
    let incomplete = |needed, resume| Found::Incomplete {
        noise,
        needed,
        resume,
    };
    let Some(rest) = input.get(noise..).filter(|r| !r.is_empty()) else {
        return incomplete(None, Resume::Start);
    };
    if rest.first() == Some(&b'>') {
        let len = if rest.get(1) == Some(&b' ') { 2 } else { 1 };
        return Found::Item(Item::Prompt, noise.saturating_add(len));
    }
    let resume = if rest.starts_with(READ) {
        match mqtt::read(rest) {
            mqtt::ReadParse::Done(item, len) => {
                return Found::Item(item, noise.saturating_add(len))
            }
            // Nothing changes before a line end or a quote arrives.
            mqtt::ReadParse::Incomplete if noise == 0 && line_end(rest).is_none() => {
                return incomplete(None, Resume::ReadHeader(input.len()))
            }
            // Nothing changes before the topic has arrived.
            mqtt::ReadParse::Started { topic_end, .. } if noise == 0 => {
                return incomplete(
                    None,
                    Resume::Until {
                        seen: input.len(),
                        needed: topic_end,
                    },
                )
            }
            mqtt::ReadParse::Incomplete | mqtt::ReadParse::Started { .. } => {
                return incomplete(None, Resume::Start)
            }
            mqtt::ReadParse::Until(needed) => {
                return match needed.checked_add(noise) {
                    Some(needed) => incomplete(
                        Some(needed),
                        if noise == 0 {
                            Resume::Until {
                                seen: input.len(),
                                needed,
                            }
                        } else {
                            Resume::Start
                        },
                    ),
                    None => incomplete(None, Resume::Start),
                }
            }
            // Not a message: a line.
            mqtt::ReadParse::NotRead => Resume::Start,
        }
    } else if noise == 0 && !READ.starts_with(rest) {
        // A line that cannot become a `+MQTTREAD` answer, whatever follows, has no line end
        // in the bytes seen so far.
        Resume::Line(input.len())
    } else if noise == 0 {
        // A proper prefix of `+MQTTREAD:`: no line end in it either.
        Resume::ReadPrefix(input.len())
    } else {
        Resume::Start
    };
    line_item(rest, noise, resume)
}

/// The line at the start of `rest` (which starts a line), or, if it has not ended,
/// incomplete with `resume`.
#[inline(never)]
fn line_item(rest: &[u8], noise: usize, resume: Resume) -> Found<'_> {
    let Some(end) = line_end(rest) else {
        return Found::Incomplete {
            noise,
            needed: None,
            resume,
        };
    };
    let line = rest.get(..end).unwrap_or(rest);
    Found::Line(line, noise.saturating_add(end).saturating_add(1))
}

/// Classifies one complete line (no line end, first byte printable); see [`parse_core`] for
/// `FULL`.
pub(super) fn classify<const FULL: bool>(line: &[u8]) -> Item<'_> {
    match line {
        [b'A' | b'a', b'T' | b't', ..] => Item::Echo(line),
        _ => named_line::<FULL>(line),
    }
}

/// What the name of a line (the text before its colon, or the whole line) says the line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prefix {
    /// `OK`
    Ok,
    /// `ERROR`
    Error,
    /// `+MQTTMSG`
    Message,
    /// `+MQTTMSGI`
    Waiting,
    /// `+MQTTBREAK`, or `+MQTTLOSE` (the same report in other firmware)
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
    /// `+GTSSLVER`, `+GTSSLMODE`, `+GTSSLFILE`, `+GTSSLERR`
    Tls(TlsCommand),
}

/// The names of the lines the parser knows.
const PREFIXES: [(&[u8], Prefix); 28] = [
    (b"OK", Prefix::Ok),
    (b"ERROR", Prefix::Error),
    (b"+MQTTMSG", Prefix::Message),
    (b"+MQTTMSGI", Prefix::Waiting),
    (b"+MQTTBREAK", Prefix::Break),
    // What some firmware (a G510 driver's) sends instead of `+MQTTBREAK`.
    (b"+MQTTLOSE", Prefix::Break),
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
    (b"+GTSSLVER", Prefix::Tls(TlsCommand::Version)),
    (b"+GTSSLMODE", Prefix::Tls(TlsCommand::Mode)),
    (b"+GTSSLFILE", Prefix::Tls(TlsCommand::File)),
    (b"+GTSSLERR", Prefix::Tls(TlsCommand::Error)),
];

/// The name of a line the parser knows, and its arguments (after the colon; `None` if the
/// line has no colon).
fn split_name(line: &[u8]) -> Option<(Prefix, Option<&[u8]>)> {
    let (name, args) = match line.iter().position(|&b| b == b':') {
        Some(colon) => (
            line.get(..colon)?,
            Some(line.get(colon.saturating_add(1)..)?),
        ),
        None => (line, None),
    };
    let &(_, prefix) = PREFIXES.iter().find(|(n, _)| *n == name)?;
    Some((prefix, args))
}

/// The name of a line the parser knows, and its arguments (after the colon).
fn split_plus(line: &[u8]) -> Option<(Prefix, &[u8])> {
    match split_name(line)? {
        (prefix, Some(args)) => Some((prefix, args)),
        (_, None) => None,
    }
}

/// Whether a line of this name and arguments is an answer only a query asks for.
fn is_query_only(prefix: Prefix, args: &[u8]) -> bool {
    match prefix {
        Prefix::Csq | Prefix::Cpin | Prefix::Cops | Prefix::Tls(_) => true,
        Prefix::Mqtt(MqttCommand::User | MqttCommand::Will | MqttCommand::Conf) => true,
        Prefix::Mqtt(_) => fields::is_range(args),
        _ => false,
    }
}

/// Whether `line` is an answer only a query asks for, which [`parse_core`] leaves as a line.
pub(crate) fn query_only(line: &[u8]) -> bool {
    split_plus(line).is_some_and(|(prefix, args)| is_query_only(prefix, args))
}

/// A line [`parse_core`] left as [`Item::Line`], parsed as [`parse`] would: an answer only a
/// query asks for becomes its item (or [`Item::Malformed`]); any other line stays a line. The
/// queries read their answers with this, so that a firmware that makes them carries these
/// parsers once, beside the runner's.
pub(crate) fn refine(line: &[u8]) -> Item<'_> {
    let Some((prefix, args)) = split_plus(line) else {
        return Item::Line(line);
    };
    let parsed = match prefix {
        Prefix::Mqtt(command) if is_query_only(prefix, args) => mqtt::query_line(command, args),
        Prefix::Csq => network::csq(args),
        Prefix::Cpin => Some(Item::SimState(fields::trim(args))),
        Prefix::Cops => network::cops(args),
        _ => return Item::Line(line),
    };
    parsed.unwrap_or(Item::Malformed(line))
}

/// A line that is not an echo: `OK`, `ERROR`, `ERROR: <n>`, a `+` line, or any other line.
fn named_line<const FULL: bool>(line: &[u8]) -> Item<'_> {
    // `+CCLK:` is known to the full parser only: to the runner's it is a line like any other
    // the driver does not know, which the clock query (the only command that asks for it)
    // collects and reads with `refine_tls`. The runner carries neither its name nor its parser.
    if FULL {
        if let Some(item) = clock_line(line) {
            return item;
        }
    }
    let (prefix, args) = match split_name(line) {
        Some((Prefix::Ok, None)) => return Item::Ok,
        Some((Prefix::Error, None)) => return Item::Error(ErrorCode::Plain),
        Some((prefix, Some(args))) if prefix != Prefix::Ok => (prefix, args),
        _ => return Item::Line(line),
    };
    // The arms that parse answers only a query asks for are compiled out of the runner's parser.
    let parsed = match prefix {
        Prefix::Ok => return Item::Line(line),
        Prefix::Error => fields::only_num(args)
            .and_then(|n| u16::try_from(n).ok())
            .map(|n| Item::Error(ErrorCode::Code(n))),
        Prefix::Message => mqtt::message(args).map(Item::Message),
        Prefix::Waiting => mqtt::waiting(args),
        Prefix::Break => mqtt::connection_break(args),
        Prefix::Mqtt(_) if !FULL && is_query_only(prefix, args) => return Item::Line(line),
        Prefix::Mqtt(command) => mqtt::line::<FULL>(command, args),
        Prefix::Cme => Some(network::cme(args)),
        Prefix::MipCall => network::mipcall(args),
        Prefix::Csq | Prefix::Cpin | Prefix::Cops if !FULL => return Item::Line(line),
        Prefix::Csq => network::csq(args),
        Prefix::Cpin => Some(Item::SimState(fields::trim(args))),
        Prefix::Cops => network::cops(args),
        Prefix::Registration(kind) => network::registration(kind, args),
        Prefix::Tls(_) if !FULL => return Item::Line(line),
        Prefix::Tls(command) => return tls::line(command, line, args),
    };
    parsed.unwrap_or(Item::Malformed(line))
}

/// A `+GTSSL...:` or `+CCLK:` line [`parse_core`] left as [`Item::Line`], parsed as [`parse`]
/// would; any other line stays a line. [`refine`] leaves these lines alone, so that only a
/// firmware that reads TLS answers carries their parser: the TLS queries (and the clock query
/// after a failed TLS open) read their answers with this.
pub(crate) fn refine_tls(line: &[u8]) -> Item<'_> {
    match split_plus(line) {
        Some((Prefix::Tls(command), args)) => tls::line(command, line, args),
        _ => clock_line(line).unwrap_or(Item::Line(line)),
    }
}

/// The item of a `+CCLK:` line ([`Item::Clock`], or [`Item::Malformed`] when its time does
/// not parse); `None` for any other line.
fn clock_line(line: &[u8]) -> Option<Item<'_>> {
    let args = line.strip_prefix(b"+CCLK:")?;
    Some(clock::cclk(args).unwrap_or(Item::Malformed(line)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The runner's parser leaves exactly the answers only a query asks for as lines,
    /// `query_only` says which they are and `refine` parses them as `parse` does; everything
    /// else the runner's parser parses as `parse` does.
    #[test]
    fn core_leaves_query_answers_as_lines() {
        let answers: [&[u8]; 8] = [
            b"+CSQ: 20,99\r\n",
            b"+CPIN: READY\r\n",
            b"+COPS: 0,0,\"Op\",7\r\n",
            b"+MQTTUSER: 1,\"u\",\"p\"\r\n",
            b"+MQTTWILL: 1,\"t\",0,0,\"w\"\r\n",
            b"+MQTTCONF: 1\r\n",
            b"+MQTTOPEN: (1-2),\"host\",(1-65535),(0,1),(1-300)\r\n",
            b"+CSQ: garbled\r\n",
        ];
        for input in answers {
            let line = input.strip_suffix(b"\r\n").unwrap();
            assert_eq!(
                parse_core(input),
                Parsed::Item(Item::Line(line), line.len() + 1)
            );
            assert!(query_only(line), "{:?}", core::str::from_utf8(line));
            assert!(!matches!(parse(input), Parsed::Item(Item::Line(_), _)));
            // What the queries read them with gives what the whole parser gives.
            assert_eq!(Parsed::Item(refine(line), line.len() + 1), parse(input));
        }
        let others: [&[u8]; 9] = [
            b"OK\r\n",
            b"+MQTTOPEN: 1,1\r\n",
            b"+MQTTOPEN: 1,2\r\n",
            b"+MQTTPUB: 2,0\r\n",
            b"+MQTTMSGI: 1,1,3,4\r\n",
            b"+MQTTBREAK: 1,2\r\n",
            b"+MIPCALL: 10.0.0.1\r\n",
            b"+CREG: 1\r\n",
            b"+UNKNOWN: 1\r\n",
        ];
        for input in others {
            assert_eq!(parse_core(input), parse(input));
            let line = input.strip_suffix(b"\r\n").unwrap();
            assert!(!query_only(line), "{:?}", core::str::from_utf8(line));
            if let Parsed::Item(Item::Line(l), _) = parse_core(input) {
                assert_eq!(refine(l), Item::Line(l));
            }
        }
    }
}
