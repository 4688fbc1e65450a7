//! Split-anywhere property: a stream fed to the [`Decoder`] through a receive buffer of fixed
//! capacity, in chunks of any size, yields exactly the items that [`parse`] finds in the whole
//! stream at once, and those are the items the stream was made of.

use fibocom_mqtt::codec::{
    parse, Decoded, Decoder, ErrorCode, Item, Message, MipCall, MqttCommand, Parsed, Registration,
    RegistrationKind, ResultOf,
};
use fibocom_mqtt::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// The harness

/// What the decoder reported, owned (items by their `Debug` form).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Event {
    Item(String),
    Overflow,
}

fn ev(item: Item<'_>) -> Event {
    Event::Item(format!("{item:?}"))
}

/// A receive buffer of fixed capacity in front of a [`Decoder`], as a driver holds it.
struct Receiver {
    buf: Vec<u8>,
    len: usize,
    decoder: Decoder,
}

impl Receiver {
    fn new(capacity: usize) -> Self {
        Receiver {
            buf: vec![0; capacity],
            len: 0,
            decoder: Decoder::new(),
        }
    }

    /// Room left at the end of the buffer.
    fn room(&self) -> usize {
        self.buf.len() - self.len
    }

    /// Appends `bytes` (at most `room()`), decodes everything it can, and moves what is left to
    /// the front of the buffer. Checks that every step takes bytes and that the buffer is never
    /// left full.
    fn push(&mut self, bytes: &[u8], events: &mut Vec<Event>) {
        assert!(bytes.len() <= self.room());
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
        let capacity = self.buf.len();
        let mut pos = 0;
        loop {
            let input = &self.buf[pos..self.len];
            let got = self.decoder.decode(input, capacity);
            match got {
                Decoded::Incomplete => break,
                Decoded::Item(item, _) => events.push(ev(item)),
                Decoded::Overflow { .. } => events.push(Event::Overflow),
                Decoded::Skipped { .. } => {}
            }
            assert!(got.consumed() > 0, "{got:?} took no bytes");
            assert!(
                got.consumed() <= input.len(),
                "{got:?} took more than given"
            );
            pos += got.consumed();
        }
        self.buf.copy_within(pos..self.len, 0);
        self.len -= pos;
        assert!(self.len < capacity, "the buffer was left full");
    }
}

/// Feeds `stream` through a [`Receiver`] of `capacity` bytes, `chunks` bytes at a time (the
/// sizes cycled; each also limited by the room in the buffer).
fn decode_chunked(stream: &[u8], capacity: usize, chunks: &[usize]) -> Vec<Event> {
    let mut rx = Receiver::new(capacity);
    let mut events = Vec::new();
    let mut rest = stream;
    for &chunk in chunks.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = chunk.max(1).min(rx.room()).min(rest.len());
        let (now, later) = rest.split_at(n);
        rx.push(now, &mut events);
        rest = later;
    }
    events
}

/// The items [`parse`] finds in the whole of `stream`.
fn decode_whole(stream: &[u8]) -> Vec<Event> {
    let mut events = Vec::new();
    let mut rest = stream;
    while let Parsed::Item(item, n) = parse(rest) {
        assert!(n > 0 && n <= rest.len());
        events.push(ev(item));
        rest = &rest[n..];
    }
    events
}

/// Chunk sizes every stream is tried with, besides random ones.
const FIXED_CHUNKS: [usize; 9] = [1, 2, 3, 5, 8, 13, 64, 511, usize::MAX];

/// The receive buffer: room for the largest message with its header and line ends.
const CAPACITY: usize = 2048;

// ---------------------------------------------------------------------------------------------
// The vocabulary: units of valid traffic and what they parse to

/// Bytes the module may send, and the items they hold.
#[derive(Debug, Clone)]
struct Unit {
    bytes: Vec<u8>,
    items: Vec<Event>,
}

fn unit(bytes: Vec<u8>, items: &[Item<'_>]) -> Unit {
    Unit {
        bytes,
        items: items.iter().map(|&i| ev(i)).collect(),
    }
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

fn client() -> impl Strategy<Value = ClientId> {
    prop_oneof![Just(ClientId::One), Just(ClientId::Two)]
}

fn qos() -> impl Strategy<Value = QoS> {
    prop_oneof![
        Just(QoS::AtMostOnce),
        Just(QoS::AtLeastOnce),
        Just(QoS::ExactlyOnce)
    ]
}

/// Printable ASCII, `"` included.
fn printable(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(0x20u8..=0x7e, len)
}

/// Printable ASCII without `"`: what a quoted AT string can carry.
fn quotable(len: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        (0x20u8..=0x7e).prop_map(|b| if b == b'"' { b'\'' } else { b }),
        len,
    )
}

/// Bytes that cannot start a line.
fn noise() -> impl Strategy<Value = Vec<u8>> {
    let byte = prop_oneof![
        Just(b'\r'),
        Just(b'\n'),
        Just(0u8),
        Just(b' '),
        0x01u8..=0x1f,
        0x7fu8..=0xff,
    ];
    prop::collection::vec(byte, 1..=12)
}

/// How a response line is framed: before and after its text.
fn framing() -> impl Strategy<Value = (&'static [u8], &'static [u8])> {
    let forms: [(&'static [u8], &'static [u8]); 6] = [
        (b"\r\n", b"\r\n"),
        (b"\r\n", b"\r\n"),
        (b"\r\n", b"\r"),
        (b"", b"\r\n"),
        (b"\n", b"\n"),
        (b"\r\n\r\n", b"\r\n"),
    ];
    prop::sample::select(forms.to_vec())
}

/// A line unit: `text` framed, parsing to `item`.
fn framed(
    text: Vec<u8>,
    (before, after): (&[u8], &[u8]),
    item: impl FnOnce(&[u8]) -> Vec<Event>,
) -> Unit {
    let items = item(&text);
    Unit {
        bytes: cat(&[before, &text, after]),
        items,
    }
}

fn final_result() -> impl Strategy<Value = Unit> {
    prop_oneof![
        framing().prop_map(|f| framed(b"OK".to_vec(), f, |_| vec![ev(Item::Ok)])),
        framing().prop_map(|f| framed(b"ERROR".to_vec(), f, |_| vec![ev(Item::Error(
            ErrorCode::Plain
        ))])),
        (any::<u16>(), framing()).prop_map(|(n, f)| framed(
            format!("ERROR: {n}").into_bytes(),
            f,
            |_| vec![ev(Item::Error(ErrorCode::Code(n)))]
        )),
        (any::<u16>(), framing()).prop_map(|(n, f)| framed(
            format!("+CME ERROR: {n}").into_bytes(),
            f,
            |_| vec![ev(Item::Error(ErrorCode::Cme(n)))]
        )),
        (
            prop::sample::select(vec!["SIM not inserted", "operation not allowed", "busy"]),
            framing()
        )
            .prop_map(|(text, f)| framed(
                format!("+CME ERROR: {text}").into_bytes(),
                f,
                |_| vec![ev(Item::Error(ErrorCode::CmeText(text.as_bytes())))]
            )),
    ]
}

fn echo() -> impl Strategy<Value = Unit> {
    (
        prop::sample::select(vec!["AT", "at", "At"]),
        printable(0..=80),
        prop::sample::select(vec![&b"\r"[..], b"\r\r\n", b"\r\n"]),
    )
        .prop_map(|(at, body, end)| {
            let line = cat(&[at.as_bytes(), &body]);
            unit(cat(&[&line, end]), &[Item::Echo(&line)])
        })
}

fn prompt() -> impl Strategy<Value = Unit> {
    prop::sample::select(vec![&b">\r\n"[..], b"> ", b"\r\n> ", b">", b"\r\n>"])
        .prop_map(|p| unit(p.to_vec(), &[Item::Prompt]))
}

fn result_line() -> impl Strategy<Value = Unit> {
    let command = prop::sample::select(vec![
        ("+MQTTOPEN", ResultOf::Open),
        ("+MQTTCLOSE", ResultOf::Close),
        ("+MQTTSUB", ResultOf::Subscribe),
        ("+MQTTUNSUB", ResultOf::Unsubscribe),
        ("+MQTTPUB", ResultOf::Publish),
    ]);
    let sep = prop::sample::select(vec![",", ", ", ",  "]);
    (command, client(), 0u8..=1, sep, framing()).prop_map(
        |((name, command), client, status, sep, f)| {
            framed(
                format!("{name}: {}{sep}{status}", client.number()).into_bytes(),
                f,
                |_| {
                    vec![ev(Item::Result {
                        command,
                        client,
                        status,
                    })]
                },
            )
        },
    )
}

fn free_list() -> impl Strategy<Value = Unit> {
    let lists: [(&str, &[ClientId]); 5] = [
        ("1,2", &[ClientId::One, ClientId::Two]),
        ("1, 2", &[ClientId::One, ClientId::Two]),
        ("1", &[ClientId::One]),
        ("2", &[ClientId::Two]),
        ("0", &[]),
    ];
    let list = prop::sample::select(lists.to_vec());
    let command = prop::sample::select(vec![
        ("+MQTTOPEN", MqttCommand::Open),
        ("+MQTTCLOSE", MqttCommand::Close),
    ]);
    (command, list, framing()).prop_map(|((name, command), (text, ids), f)| {
        let clients = ids.iter().fold(ClientSet::EMPTY, |s, &id| s.with(id));
        framed(format!("{name}: {text}").into_bytes(), f, |_| {
            vec![ev(Item::FreeClients { command, clients })]
        })
    })
}

fn settings() -> impl Strategy<Value = Unit> {
    prop_oneof![
        (
            client(),
            quotable(0..=128),
            quotable(0..=128),
            prop::option::of(quotable(1..=23)),
            framing()
        )
            .prop_map(|(client, user, password, cid, f)| {
                let mut text = format!("+MQTTUSER: {},\"", client.number()).into_bytes();
                text.extend_from_slice(&cat(&[&user, b"\",\"", &password, b"\""]));
                if let Some(cid) = &cid {
                    text.extend_from_slice(&cat(&[b",\"", cid, b"\""]));
                }
                framed(text, f, |_| {
                    vec![ev(Item::UserInfo {
                        client,
                        user: &user,
                        password: &password,
                        client_id: cid.as_deref(),
                    })]
                })
            }),
        (
            client(),
            quotable(1..=255),
            qos(),
            any::<bool>(),
            printable(0..=300),
            framing()
        )
            .prop_map(|(client, topic, qos, retain, payload, f)| {
                let head = format!(
                    "+MQTTWILL: {},\"{}\",{},{},\"",
                    client.number(),
                    String::from_utf8_lossy(&topic),
                    qos.number(),
                    u8::from(retain)
                );
                framed(cat(&[head.as_bytes(), &payload, b"\""]), f, |_| {
                    vec![ev(Item::WillInfo {
                        client,
                        topic: &topic,
                        qos,
                        retain,
                        payload: &payload,
                    })]
                })
            }),
        (
            prop_oneof![Just(ReceiveMode::Direct), Just(ReceiveMode::Buffered)],
            framing()
        )
            .prop_map(|(mode, f)| framed(
                format!("+MQTTCONF: {}", mode as u8).into_bytes(),
                f,
                |_| vec![ev(Item::ConfInfo(mode))]
            )),
    ]
}

fn capabilities() -> impl Strategy<Value = Unit> {
    let line = prop::sample::select(vec![
        &b"+MQTTUSER: (1,2),128,128,23"[..],
        b"+MQTTUSER: (1-2),(128),(128),(23)",
        b"+MPQTTOPEN: (1,2),(\"Remote IP/URL\"),(1-65535),(0,1),(1-300)",
        b"+MQTTCLOSE: (1,2)",
        b"+MQTTSUB: (1,2),255,(0-2)",
        b"+MQTTPUB: (1,2),255,(0-2),(0,1),1024",
        b"+MQTTCONF: (0,1)",
        b"+MQTTREAD: (1,2)",
    ]);
    (line, framing()).prop_map(|(text, f)| {
        // The expected item is the line's own parse, checked in the table tests.
        framed(text.to_vec(), f, |t| {
            let line = cat(&[t, b"\r"]);
            match parse(&line) {
                Parsed::Item(item @ Item::Capabilities(_), _) => vec![ev(item)],
                other => panic!("{other:?}"),
            }
        })
    })
}

fn message() -> impl Strategy<Value = Unit> {
    (
        client(),
        qos(),
        quotable(1..=255),
        printable(0..=300),
        any::<bool>(),
        framing(),
    )
        .prop_map(|(client, qos, topic, payload, spaced, f)| {
            let sep: &[u8] = if spaced { b", " } else { b"," };
            let text = cat(&[
                b"+MQTTMSG: ",
                format!("{}", client.number()).as_bytes(),
                sep,
                format!("{}", qos.number()).as_bytes(),
                sep,
                b"\"",
                &topic,
                b"\"",
                sep,
                b"\"",
                &payload,
                b"\"",
            ]);
            framed(text, f, |_| {
                vec![ev(Item::Message(Message {
                    client,
                    qos,
                    topic: &topic,
                    payload: &payload,
                }))]
            })
        })
}

fn waiting() -> impl Strategy<Value = Unit> {
    (client(), qos(), 0usize..=255, 0usize..=1024, framing()).prop_map(
        |(client, qos, topic_len, payload_len, f)| {
            framed(
                format!(
                    "+MQTTMSGI: {},{},{topic_len},{payload_len}",
                    client.number(),
                    qos.number()
                )
                .into_bytes(),
                f,
                |_| {
                    vec![ev(Item::MessageWaiting {
                        client,
                        qos,
                        topic_len,
                        payload_len,
                    })]
                },
            )
        },
    )
}

/// A mode-1 read in either layout, any payload bytes, with its OK.
fn read() -> impl Strategy<Value = Unit> {
    (
        client(),
        qos(),
        printable(1..=255),
        prop::collection::vec(any::<u8>(), 0..=1024),
        any::<bool>(),
        prop::sample::select(vec!["", " ", "  ", "\t "]),
    )
        .prop_map(|(client, qos, topic, payload, inline, space)| {
            // Spaces after every separator, or none.
            let head = format!(
                "\r\n+MQTTREAD: {},{space}{},{space}{},{space}{}",
                client.number(),
                qos.number(),
                topic.len(),
                payload.len()
            );
            let sep = if inline {
                format!(",{space}")
            } else {
                "\r\n".to_string()
            };
            let bytes = cat(&[
                head.as_bytes(),
                sep.as_bytes(),
                b"\"",
                &topic,
                b"\",",
                space.as_bytes(),
                b"\"",
                &payload,
                b"\"\r\n\r\nOK\r\n",
            ]);
            unit(
                bytes,
                &[
                    Item::Read(Message {
                        client,
                        qos,
                        topic: &topic,
                        payload: &payload,
                    }),
                    Item::Ok,
                ],
            )
        })
}

fn read_empty() -> impl Strategy<Value = Unit> {
    (client(), framing()).prop_map(|(client, f)| {
        framed(
            format!("+MQTTREAD: {},0,0,0", client.number()).into_bytes(),
            f,
            |_| vec![ev(Item::ReadEmpty(client))],
        )
    })
}

fn brk() -> impl Strategy<Value = Unit> {
    let name = prop::sample::select(vec!["+MQTTBREAK: ", "+MQTTLOSE: "]);
    let sep = prop::sample::select(vec![",", ", "]);
    (client(), any::<u8>(), name, sep, framing()).prop_map(|(client, cause, name, sep, f)| {
        framed(
            format!("{name}{}{sep}{cause}", client.number()).into_bytes(),
            f,
            |_| {
                vec![ev(Item::Break {
                    client,
                    cause: BreakCause::new(cause),
                })]
            },
        )
    })
}

fn network() -> impl Strategy<Value = Unit> {
    let ip = (any::<u8>(), any::<u8>(), any::<u8>(), any::<u8>())
        .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}"));
    let reg_kind = prop::sample::select(vec![
        ("+CREG", RegistrationKind::Creg),
        ("+CGREG", RegistrationKind::Cgreg),
        ("+CEREG", RegistrationKind::Cereg),
    ]);
    prop_oneof![
        (
            ip,
            prop::sample::select(vec!["", "1,", "1,\"", "\""]),
            framing()
        )
            .prop_map(|(ip, form, f)| {
                let close = if form.ends_with('"') { "\"" } else { "" };
                framed(
                    format!("+MIPCALL: {form}{ip}{close}").into_bytes(),
                    f,
                    |_| vec![ev(Item::MipCall(MipCall::Up(ip.as_bytes())))],
                )
            }),
        framing().prop_map(
            |f| framed(b"+MIPCALL: 0".to_vec(), f, |_| vec![ev(Item::MipCall(
                MipCall::Down
            ))])
        ),
        (
            0u8..=4,
            0u8..=2,
            quotable(0..=24),
            prop::option::of(0u8..=9),
            framing()
        )
            .prop_map(|(mode, format, name, act, f)| {
                let mut text = format!("+COPS: {mode},{format},\"").into_bytes();
                text.extend_from_slice(&name);
                text.push(b'"');
                if let Some(act) = act {
                    text.extend_from_slice(format!(",{act}").as_bytes());
                }
                framed(text, f, |_| {
                    vec![ev(Item::Operator {
                        mode,
                        name: Some(&name),
                        act,
                    })]
                })
            }),
        (0u8..=99, 0u8..=99, framing()).prop_map(|(rssi, ber, f)| framed(
            format!("+CSQ: {rssi},{ber}").into_bytes(),
            f,
            |_| vec![ev(Item::SignalQuality { rssi, ber })]
        )),
        (
            prop::sample::select(vec!["READY", "SIM PIN", "SIM PUK"]),
            framing()
        )
            .prop_map(|(state, f)| framed(
                format!("+CPIN: {state}").into_bytes(),
                f,
                |_| vec![ev(Item::SimState(state.as_bytes()))]
            )),
        (reg_kind, prop::option::of(0u8..=2), 0u8..=5, framing()).prop_map(
            |((name, kind), mode, stat, f)| {
                let text = match mode {
                    Some(n) => format!("{name}: {n},{stat}"),
                    None => format!("{name}: {stat},\"1A2B\",\"0A1B2C3D\",7"),
                };
                framed(text.into_bytes(), f, |_| {
                    vec![ev(Item::Registration(Registration { kind, mode, stat }))]
                })
            }
        ),
    ]
}

fn other_line() -> impl Strategy<Value = Unit> {
    prop_oneof![
        (
            prop::sample::select(vec![
                &b"RDY"[..],
                b"+SIM READY",
                b"+QIND: \"csq\",1",
                b"Fibocom",
                b"NL668-CN-00",
            ]),
            framing()
        )
            .prop_map(|(text, f)| framed(text.to_vec(), f, |t| vec![ev(Item::Line(t))])),
        (printable(0..=60), framing()).prop_map(|(rest, f)| framed(
            cat(&[b"+ZZ", &rest]),
            f,
            |t| vec![ev(Item::Line(t))]
        )),
        (
            prop::sample::select(vec![
                &b"+MQTTSUB: 3,1"[..],
                b"+MQTTBREAK: 1",
                b"+MQTTMSG: 1,0,\"t\"",
                b"+MQTTCONF: 7",
                b"+CSQ: x",
                b"ERROR: x",
                b"+MQTTREAD: 1",
            ]),
            framing()
        )
            .prop_map(|(text, f)| framed(text.to_vec(), f, |t| vec![ev(Item::Malformed(t))])),
    ]
}

/// Any unit of valid traffic.
fn any_unit() -> impl Strategy<Value = Unit> {
    prop_oneof![
        3 => final_result(),
        2 => echo(),
        1 => prompt(),
        2 => result_line(),
        1 => free_list(),
        1 => settings(),
        1 => capabilities(),
        2 => message(),
        2 => waiting(),
        3 => read(),
        1 => read_empty(),
        1 => brk(),
        2 => network(),
        1 => other_line(),
    ]
}

/// A stream of units with noise between some of them, and the items it holds.
fn stream() -> impl Strategy<Value = (Vec<u8>, Vec<Event>)> {
    prop::collection::vec((prop::option::of(noise()), any_unit()), 1..=24).prop_map(|units| {
        let mut bytes = Vec::new();
        let mut items = Vec::new();
        for (noise, unit) in units {
            if let Some(noise) = noise {
                bytes.extend_from_slice(&noise);
            }
            bytes.extend_from_slice(&unit.bytes);
            items.extend(unit.items);
        }
        (bytes, items)
    })
}

fn chunk_sizes() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(
        prop_oneof![1usize..=8, 1usize..=64, 1usize..=CAPACITY],
        1..=16,
    )
}

// ---------------------------------------------------------------------------------------------
// The properties

proptest! {
    #[test]
    fn any_chunking_gives_the_items_of_the_whole_stream(
        (bytes, items) in stream(),
        chunks in chunk_sizes(),
    ) {
        let whole = decode_whole(&bytes);
        prop_assert_eq!(&whole, &items);
        for chunk in FIXED_CHUNKS {
            let got = decode_chunked(&bytes, CAPACITY, &[chunk]);
            prop_assert_eq!(&got, &items, "chunks of {}", chunk);
        }
        let got = decode_chunked(&bytes, CAPACITY, &chunks);
        prop_assert_eq!(&got, &items, "chunks {:?}", chunks);
    }

    /// Streams spliced from pieces of valid units and random bytes: whatever they parse to, the
    /// chunking does not change it, up to the first item too long for the buffer.
    #[test]
    fn spliced_streams_parse_the_same_in_any_chunking(
        pieces in prop::collection::vec(
            (any_unit(), any::<prop::sample::Index>(), any::<prop::sample::Index>(),
             prop::collection::vec(any::<u8>(), 0..=8)),
            1..=16,
        ),
        chunks in chunk_sizes(),
    ) {
        let mut bytes = Vec::new();
        for (unit, a, b, junk) in &pieces {
            let (a, b) = (a.index(unit.bytes.len() + 1), b.index(unit.bytes.len() + 1));
            bytes.extend_from_slice(&unit.bytes[a.min(b)..a.max(b)]);
            bytes.extend_from_slice(junk);
        }
        let whole = decode_whole(&bytes);
        for sizes in [&[1usize][..], &[7], &[CAPACITY], &chunks] {
            let got = decode_chunked(&bytes, CAPACITY, sizes);
            match got.iter().position(|e| *e == Event::Overflow) {
                None => prop_assert_eq!(&got, &whole, "chunks {:?}", sizes),
                Some(at) => prop_assert!(
                    whole.starts_with(&got[..at]),
                    "chunks {:?}: {:?} is not a prefix of {:?}", sizes, &got[..at], whole
                ),
            }
        }
    }

    /// A small buffer: items that fit come out as in the whole stream; every other one is one
    /// overflow; nothing stalls.
    #[test]
    fn small_buffer_reports_each_overlong_item_once(
        (bytes, items) in stream(),
        chunks in chunk_sizes(),
    ) {
        let got = decode_chunked(&bytes, 96, &chunks);
        // Every item reported is one of the stream's, in order.
        let mut want = items.iter();
        for e in got.iter().filter(|e| **e != Event::Overflow) {
            prop_assert!(want.any(|w| w == e), "{:?} out of order", e);
        }
        // No more overflows than items that do not fit.
        let overflows = got.iter().filter(|e| **e == Event::Overflow).count();
        prop_assert!(overflows <= items.len());
    }
}

// ---------------------------------------------------------------------------------------------
// The harness itself

#[test]
fn harness_compacts_and_reports_overflow() {
    // A line that fits only once the noise before it is dropped and the rest moved to the front.
    let stream = b"\r\n\r\n\r\n\r\nABCDEFGH\r\n";
    assert_eq!(
        decode_chunked(stream, 9, &[1]),
        [ev(Item::Line(b"ABCDEFGH"))]
    );
    assert_eq!(
        decode_chunked(stream, 9, &[5, 3]),
        [ev(Item::Line(b"ABCDEFGH"))]
    );
    assert_eq!(decode_chunked(stream, 8, &[1]), [Event::Overflow]);
    assert_eq!(decode_whole(stream), [ev(Item::Line(b"ABCDEFGH"))]);
}
