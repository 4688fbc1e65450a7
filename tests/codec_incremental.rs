//! The decoder's incremental scan: a stream fed one byte at a time through a receive buffer
//! that asks [`Decoder::needs_more`] before decoding (as the driver's does) yields the same
//! items as the stream decoded whole; `needs_more` never says "more" where `decode` would not
//! say `Incomplete`.

use fibocom_mqtt::codec::{Decoded, Decoder};

/// What came out, owned.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Out {
    Item(String),
    Overflow,
}

/// A receive buffer of `capacity` bytes compacted only when bytes do not fit at its end, fed
/// `chunk` bytes at a time; decodes only when `needs_more` says no, and checks on a copy of the
/// decoder that `decode` agrees whenever it says yes.
fn feed(stream: &[u8], capacity: usize, chunk: usize) -> (Vec<Out>, usize) {
    let mut buf = vec![0u8; capacity];
    let (mut fill, mut pos) = (0, 0);
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    let mut at = 0;
    while at < stream.len() {
        // At most what a compaction leaves free, as the driver reads.
        let n = chunk.min(capacity - (fill - pos)).min(stream.len() - at);
        let piece = &stream[at..at + n];
        at += n;
        if capacity - fill < piece.len() {
            buf.copy_within(pos..fill, 0);
            fill -= pos;
            pos = 0;
        }
        buf[fill..fill + piece.len()].copy_from_slice(piece);
        fill += piece.len();
        let mut copy = decoder;
        if decoder.needs_more(&buf[pos..fill], capacity) {
            assert_eq!(
                copy.decode(&buf[pos..fill], capacity),
                Decoded::Incomplete,
                "needs_more said more, decode did not, at {:?}",
                String::from_utf8_lossy(&buf[pos..fill])
            );
            continue;
        }
        loop {
            let input = &buf[pos..fill];
            let got = decoder.decode(input, capacity);
            match got {
                Decoded::Incomplete => break,
                Decoded::Item(item, _) => out.push(Out::Item(format!("{item:?}"))),
                Decoded::Overflow { .. } => out.push(Out::Overflow),
                Decoded::Skipped { .. } => {}
            }
            assert!(got.consumed() > 0 && got.consumed() <= input.len());
            pos += got.consumed();
        }
        assert!(fill - pos < capacity, "a full buffer was left full");
    }
    (out, fill - pos)
}

/// The stream decoded in one piece (a buffer as large as the stream).
fn whole(stream: &[u8]) -> (Vec<Out>, usize) {
    feed(stream, stream.len() + 1, stream.len().max(1))
}

const STREAM: &[&[u8]] = &[
    b"\r\nOK\r\n",
    b"AT+MQTTPUB=1,\"t\",1,0,5\r\r\n>",
    b" ",
    b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n",
    // The data block of a mode-1 message, in the manual's layout, its payload holding CR LF,
    // a quote and a prompt.
    b"\r\n+MQTTMSGI: 1,1,3,9\r\n",
    b"\r\n+MQTTREAD: 1,1,3,9\r\n\"a/b\",\"x\r\n> \"y\r\n\"\r\n\r\nOK\r\n",
    // The inline layout, spaced, and a header that is not a message.
    b"\r\n+MQTTREAD: 1, 0, 1, 4, \"t\", \"\r\n\r\n\"\r\nOK\r\n",
    b"\r\n+MQTTREAD: 1,0,0,0\r\nOK\r\n",
    b"+MQTTREA\r\n+MQTTRE+X\r\n+MQTTREAD: (1-2)\r\n",
    b"\r\n+MQTTMSG: 1,0,\"t\",\"{\"a\":1}\"\r\n",
    b"\x00\x00\r\n+CSQ: 20,99\r\n\nRDY\r\n",
];

#[test]
fn byte_by_byte_gives_what_whole_gives() {
    let stream: Vec<u8> = STREAM.concat();
    let (items, left) = whole(&stream);
    assert!(items.len() >= 15, "{items:?}");
    assert!(!items.contains(&Out::Overflow));
    assert_eq!(left, 0);
    for chunk in [1, 2, 3, 7, 16, 64] {
        for capacity in [64, 100, 1536] {
            let got = feed(&stream, capacity, chunk);
            assert_eq!(
                got,
                (items.clone(), 0),
                "chunk {chunk}, capacity {capacity}"
            );
        }
    }
}

/// An item left incomplete at the end of the stream: a partial line, a prompt's `>` (the
/// space may follow), a read header, a message short of its payload. Byte by byte leaves the
/// same bytes unparsed as whole.
#[test]
fn a_partial_item_at_the_end_is_left_alike() {
    let partials: [&[u8]; 6] = [
        b"\r\n+MQTTPUB: 1",
        b"\r\n+MQTTRE",
        b"\r\n+MQTTREAD: 1,0,3,",
        b"\r\n+MQTTREAD: 1,0,3,4\r\n\"a/b\",\"x\r",
        b"\r\n+MQTTREAD: 1,0,3,4,\"a/",
        b"\r\n+MQTTMSG: 1,0,\"t\",\"p",
    ];
    for partial in partials {
        let stream = [b"\r\nOK\r\n".as_slice(), partial].concat();
        let expected = whole(&stream);
        assert_eq!(expected.0, vec![Out::Item("Ok".into())], "{partial:?}");
        assert!(expected.1 > 0);
        assert_eq!(feed(&stream, 1536, 1), expected, "{partial:?}");
    }
    // A prompt without its space is a prompt already, and the space then is noise.
    let prompt = whole(b">");
    assert_eq!(prompt, (vec![Out::Item("Prompt".into())], 0));
    assert_eq!(feed(b"> ", 1536, 1), (vec![Out::Item("Prompt".into())], 0));
    assert_eq!(feed(b"> ", 1536, 2), (vec![Out::Item("Prompt".into())], 0));
}

/// A buffer filled by one item that does not fit: it is dropped once, the same way byte by
/// byte as in larger reads, and what follows it is parsed.
#[test]
fn a_full_buffer_overflows_alike() {
    let mut long = b"\r\n+MQTTMSG: 1,0,\"t\",\"".to_vec();
    long.extend(std::iter::repeat_n(b'p', 200));
    long.extend_from_slice(b"\"\r\n\r\nOK\r\n");
    // A read answer longer than the buffer, announced by its header.
    long.extend_from_slice(b"\r\n+MQTTREAD: 1,0,1,150\r\n\"t\",\"");
    long.extend(std::iter::repeat_n(b'\n', 150));
    long.extend_from_slice(b"\"\r\nOK\r\n");
    let expected = vec![
        Out::Overflow,
        Out::Item("Ok".into()),
        Out::Overflow,
        Out::Item("Ok".into()),
    ];
    for chunk in [1, 5, 64] {
        assert_eq!(
            feed(&long, 64, chunk),
            (expected.clone(), 0),
            "chunk {chunk}"
        );
    }
}
