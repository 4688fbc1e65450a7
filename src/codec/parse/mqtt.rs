//! The `+MQTT...` lines.

use super::fields::{self, Fields};
use crate::codec::command::MqttCommand;
use crate::codec::item::{Capabilities, Item, Message, ResultOf};
use crate::types::{BreakCause, ClientSet, QoS, ReceiveMode};

/// `+MQTTBREAK: <id>,<cause>`, or `+MQTTLOSE: <id>,<cause>` (the same report in other firmware).
pub(super) fn connection_break(args: &[u8]) -> Option<Item<'_>> {
    let (client, cause) = client_and_status(args)?;
    Some(Item::Break {
        client,
        cause: BreakCause::new(cause),
    })
}

/// Parses the arguments (after the colon) of the line of MQTT command `command`: its result
/// line, information line or test-form answer.
///
/// Without `FULL` (the runner's parser, whose caller leaves these as lines), the information
/// lines of `AT+MQTTUSER?`, `AT+MQTTWILL?`, `AT+MQTTCONF?` and the test-form answers are not
/// parsed.
pub(super) fn line<const FULL: bool>(command: MqttCommand, args: &[u8]) -> Option<Item<'_>> {
    if FULL {
        if let Some(item) = query_line(command, args) {
            return Some(item);
        }
    }
    match command {
        MqttCommand::Open | MqttCommand::Close => open_or_close(command, args),
        MqttCommand::Sub => result(ResultOf::Subscribe, args),
        MqttCommand::Unsub => result(ResultOf::Unsubscribe, args),
        MqttCommand::Pub => result(ResultOf::Publish, args),
        MqttCommand::User | MqttCommand::Will | MqttCommand::Conf | MqttCommand::Read => None,
    }
}

/// The lines of MQTT command `command` that only a query asks for: the test-form answer, and
/// the information lines of `AT+MQTTUSER?`, `AT+MQTTWILL?` and `AT+MQTTCONF?`.
pub(super) fn query_line(command: MqttCommand, args: &[u8]) -> Option<Item<'_>> {
    if fields::is_range(args) {
        return Some(Item::Capabilities(capabilities(command, args)));
    }
    match command {
        MqttCommand::User => user(args),
        MqttCommand::Will => will(args),
        MqttCommand::Conf => fields::only_num(args)
            .and_then(ReceiveMode::new)
            .map(Item::ConfInfo),
        _ => None,
    }
}

/// `<id>,<status>`.
fn client_and_status(args: &[u8]) -> Option<(crate::ClientId, u8)> {
    let mut f = Fields(args);
    let client = f.client()?;
    let status = f.next_small()?;
    f.end()?;
    Some((client, status))
}

/// `<id>,<status>` of a result line.
fn result(command: ResultOf, args: &[u8]) -> Option<Item<'_>> {
    let (client, status) = client_and_status(args)?;
    Some(Item::Result {
        command,
        client,
        status,
    })
}

/// `+MQTTOPEN:` / `+MQTTCLOSE:`: a result line (`<id>,<status>`) or a list of free ids (`0`,
/// `1`, `2`, `1,2`). A list is strictly increasing ids, so `1,2` is a list and `2,1` a result.
fn open_or_close(command: MqttCommand, args: &[u8]) -> Option<Item<'_>> {
    let of = if command == MqttCommand::Open {
        ResultOf::Open
    } else {
        ResultOf::Close
    };
    let mut f = Fields(args);
    let a = f.num()?;
    let b = f.next_num();
    f.end()?;
    // A list's set, as bits: 0 none, 1 client 1, 2 client 2, 3 both.
    let bits = match (a, b) {
        (0..=2, None) => a,
        (1, Some(2)) => 3,
        (n, Some(status)) => {
            return Some(Item::Result {
                command: of,
                client: crate::ClientId::new(n)?,
                status: u8::try_from(status).ok()?,
            })
        }
        _ => return None,
    };
    Some(Item::FreeClients {
        command,
        clients: ClientSet::from_bits(bits as u8),
    })
}

/// `<id>,"<user>","<password>"[,"<client id>"]`.
fn user(args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let client = f.client()?;
    let user = f.next_quoted()?;
    let password = f.next_quoted()?;
    let client_id = f.next_quoted();
    f.end()?;
    Some(Item::UserInfo {
        client,
        user,
        password,
        client_id,
    })
}

/// `<id>,"<topic>",<qos>,<retain>,"<payload>"`, the payload running to the last quote.
fn will(args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let client = f.client()?;
    let topic = f.next_quoted()?;
    let qos = f.next_qos()?;
    let retain = match f.next_num()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    f.comma()?;
    let payload = last_quoted(f.0)?;
    Some(Item::WillInfo {
        client,
        topic,
        qos,
        retain,
        payload,
    })
}

/// `"<text>"` where the text runs to the last quote of `i`; trailing spaces allowed.
fn last_quoted(i: &[u8]) -> Option<&[u8]> {
    let i = fields::trim(i);
    match i {
        [b'"', inner @ .., b'"'] => Some(inner),
        _ => None,
    }
}

/// `+MQTTMSG: <id>,<qos>,"<topic>","<payload>"`, with optional spaces after the commas; the
/// payload is not escaped and runs to the last `"` of the line.
pub(super) fn message(args: &[u8]) -> Option<Message<'_>> {
    let mut f = Fields(args);
    let client = f.client()?;
    let qos = f.next_qos()?;
    let topic = f.next_quoted()?;
    f.comma()?;
    let payload = last_quoted(f.0)?;
    Some(Message {
        client,
        qos,
        topic,
        payload,
    })
}

/// `+MQTTMSGI: <id>,<qos>,<tlen>,<plen>`.
pub(super) fn waiting(args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let client = f.client()?;
    let qos = f.next_qos()?;
    let topic_len = f.next_num()?;
    let payload_len = f.next_num()?;
    f.end()?;
    Some(Item::MessageWaiting {
        client,
        qos,
        topic_len: topic_len as usize,
        payload_len: payload_len as usize,
    })
}

/// A test-form answer: each top-level comma-separated field becomes the smallest and greatest
/// number in it.
fn capabilities(command: MqttCommand, args: &[u8]) -> Capabilities {
    let mut caps = Capabilities::new(command);
    let mut depth = 0u32;
    let mut field: Option<(u32, u32)> = None;
    let mut number: Option<u32> = None;
    let close_number = |number: &mut Option<u32>, field: &mut Option<(u32, u32)>| {
        if let Some(n) = number.take() {
            *field = Some(match *field {
                Some((lo, hi)) => (lo.min(n), hi.max(n)),
                None => (n, n),
            });
        }
    };
    for &b in fields::trim(args) {
        match b {
            b'0'..=b'9' => {
                let d = u32::from(b.saturating_sub(b'0'));
                number = Some(number.unwrap_or(0).saturating_mul(10).saturating_add(d));
            }
            b'(' => {
                close_number(&mut number, &mut field);
                depth = depth.saturating_add(1);
            }
            b')' => {
                close_number(&mut number, &mut field);
                depth = depth.saturating_sub(1);
            }
            b',' if depth == 0 => {
                close_number(&mut number, &mut field);
                caps.push(field.take());
            }
            _ => close_number(&mut number, &mut field),
        }
    }
    close_number(&mut number, &mut field);
    caps.push(field);
    caps
}

/// What [`read`] found.
pub(super) enum ReadParse<'a> {
    /// An item and its length.
    Done(Item<'a>, usize),
    /// More input is needed; the total length is not known yet.
    Incomplete,
    /// More input is needed: the message's topic has begun, but its total length is not known
    /// yet, as the spaces before the payload have not all arrived.
    Started {
        /// The offset just past the topic's closing quote.
        topic_end: usize,
        /// The payload's length.
        plen: usize,
    },
    /// More input is needed: this total length, and the same answer holds for the same input
    /// with more bytes, up to that length (the message's opening quote has arrived).
    Until(usize),
    /// Not a message header (a test-form answer, or malformed): parse it as a line.
    NotRead,
}

/// `+MQTTREAD: <id>,<qos>,<tlen>,<plen>` and its message, in either layout:
/// - `...,<plen>\r\n"<topic>","<payload>"` (the manual's), or
/// - `...,<plen>,"<topic>","<payload>"` (seen in public code),
///
/// with spaces allowed around the commas (`+MQTTREAD: 1, 0, 5, 4, "cmd/x", "a, b"`). Topic and
/// payload are taken by their lengths, so the payload may hold any byte. The item ends at the
/// closing quote; the line end after it is left as noise.
pub(super) fn read(input: &[u8]) -> ReadParse<'_> {
    let eol = super::line_end(input);
    // The header line, or all of the input if it has not ended: it may still be a complete
    // inline message whose payload holds no CR or LF.
    let line = match eol {
        Some(eol) => input.get(..eol).unwrap_or(input),
        None => input,
    };
    let Some((rest, h)) = header(line) else {
        return match eol {
            Some(_) => ReadParse::NotRead,
            None => ReadParse::Incomplete,
        };
    };
    let (client, _, tlen, plen) = h;
    // Inline: the message follows a comma on the header line. Either way, `body` reads it.
    let rest = match (fields::after(rest, b','), eol) {
        // Lengths 0,0 and more after them: not the empty answer, and no message to read either.
        (Some(_), _) if tlen == 0 && plen == 0 => return ReadParse::NotRead,
        (Some(inline), _) => {
            let offset = line.len().saturating_sub(inline.len());
            input.get(offset..).unwrap_or(&[])
        }
        (None, None) => return ReadParse::Incomplete,
        (None, Some(eol)) => {
            if Fields(rest).end().is_none() {
                return ReadParse::NotRead;
            }
            if tlen == 0 && plen == 0 {
                return ReadParse::Done(Item::ReadEmpty(client), eol.saturating_add(1));
            }
            // The manual's layout: the message starts on the next line.
            let after = input.get(eol..).unwrap_or(&[]);
            let skip = after
                .iter()
                .position(|&b| b != b'\r' && b != b'\n')
                .unwrap_or(after.len());
            after.get(skip..).unwrap_or(&[])
        }
    };
    body(input, rest, h)
}

/// The longest topic a `+MQTTREAD` header may announce (MQTT's own limit); a longer one marks
/// the header as garbled.
pub const MAX_READ_TOPIC: u32 = 65_535;
/// The longest payload a `+MQTTREAD` header may announce; a longer one marks the header as
/// garbled rather than making the parser wait for, or skip, that many bytes. Modules send at
/// most a few KiB.
pub const MAX_READ_PAYLOAD: u32 = 65_535;

/// A `+MQTTREAD` header: client, QoS (as given), topic length, payload length.
type Header = (crate::ClientId, u32, u32, u32);

/// `+MQTTREAD: <id>,<qos>,<tlen>,<plen>` and what follows it.
fn header(i: &[u8]) -> Option<(&[u8], Header)> {
    let mut f = Fields(i.strip_prefix(b"+MQTTREAD:")?);
    let client = f.client()?;
    let qos = f.next_num()?;
    let tlen = f.next_num()?;
    let plen = f.next_num()?;
    Some((f.0, (client, qos, tlen, plen)))
}

/// Reads `"<topic>","<payload>"` by length from `rest`, a suffix of `input`, with spaces
/// allowed before the topic and around the comma. The total length is known, and the answer
/// stays [`ReadParse::Until`] it, once the payload's opening quote has arrived.
fn body<'a>(input: &'a [u8], rest: &'a [u8], (client, qos, tlen, plen): Header) -> ReadParse<'a> {
    let Some(qos) = QoS::new(qos) else {
        return ReadParse::NotRead;
    };
    if tlen > MAX_READ_TOPIC || plen > MAX_READ_PAYLOAD {
        // A garbled header: taking it at its word could mean skipping gigabytes.
        return ReadParse::NotRead;
    }
    let (tlen, plen) = (tlen as usize, plen as usize);
    // `"<topic>"`, then spaces, `,`, spaces and the payload's opening `"`: each needs bytes
    // that may not have arrived yet.
    let rest = fields::skip_spaces(rest);
    let topic = match rest.split_first() {
        Some((b'"', r)) => r.get(..tlen),
        Some(_) => return ReadParse::NotRead,
        None => return ReadParse::Incomplete,
    };
    let started = ReadParse::Started {
        // Past the opening quote, the topic and the closing quote.
        topic_end: input
            .len()
            .saturating_sub(rest.len())
            .saturating_add(tlen)
            .saturating_add(2),
        plen,
    };
    let Some(topic) = topic else {
        return started;
    };
    // The topic's closing quote, the comma and the payload's opening quote, spaces allowed
    // between them.
    let mut tail = rest.get(tlen.saturating_add(1)..).unwrap_or(&[]);
    for (i, want) in b"\",\"".iter().enumerate() {
        if i > 0 {
            tail = fields::skip_spaces(tail);
        }
        match tail.split_first() {
            Some((b, r)) if b == want => tail = r,
            Some(_) => return ReadParse::NotRead,
            None => return started,
        }
    }
    // The payload starts after that quote and ends at the quote `plen` bytes later.
    let start = input.len().saturating_sub(tail.len());
    let Some(end) = start.checked_add(plen) else {
        return ReadParse::NotRead;
    };
    let needed = end.saturating_add(1);
    match (input.get(start..end), input.get(end)) {
        (Some(payload), Some(b'"')) => ReadParse::Done(
            Item::Read(Message {
                client,
                qos,
                topic,
                payload,
            }),
            needed,
        ),
        (_, Some(_)) => ReadParse::NotRead,
        (_, None) => ReadParse::Until(needed),
    }
}

/// For an incomplete `+MQTTREAD` answer at the start of `input` whose topic has begun but whose
/// total length is not known yet: how many bytes from the start of `input` run to the end of
/// its topic (closing quote included), and the payload's length. The decoder drops such a
/// message, when it cannot fit, by these lengths.
pub(crate) fn started(input: &[u8]) -> Option<(usize, usize)> {
    match read(input) {
        ReadParse::Started { topic_end, plen } => Some((topic_end, plen)),
        _ => None,
    }
}
