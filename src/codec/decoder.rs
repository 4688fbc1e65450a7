//! [`parse`](super::parse()) plus a policy for a bounded receive buffer: what to do with an item
//! that cannot fit.

use super::item::Item;
use super::parse::{classify, line_end, parse_item, started, Found, Resume, READ};

/// What [`Decoder::decode`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Decoded<'a> {
    /// An item, and how many bytes it took.
    Item(Item<'a>, usize),
    /// An item too long for the buffer began here: `consumed` bytes were dropped, and the rest of
    /// it will be dropped as it arrives. Reported once per overlong item.
    Overflow {
        /// Bytes dropped now.
        consumed: usize,
    },
    /// `consumed` bytes of noise, or of an overlong item's remainder, were dropped.
    Skipped {
        /// Bytes dropped.
        consumed: usize,
    },
    /// More bytes are needed.
    Incomplete,
}

impl Decoded<'_> {
    /// How many bytes of the input this took.
    pub fn consumed(&self) -> usize {
        match *self {
            Decoded::Item(_, n)
            | Decoded::Overflow { consumed: n }
            | Decoded::Skipped { consumed: n } => n,
            Decoded::Incomplete => 0,
        }
    }
}

/// What the decoder is doing with the bytes at the start of its input: parsing (what is known
/// of the incomplete item there from the last call: [`Resume`]), or dropping an overlong item
/// ([`Resume::SkipToLineEnd`], [`Resume::SkipBytes`]).
type Mode = Resume;

/// The streaming decoder: [`parse`](super::parse()) for a buffer of fixed capacity.
///
/// Feed it the unconsumed bytes of the receive buffer, drop what it says it consumed, and call
/// again until it says [`Decoded::Incomplete`]. After `Incomplete`, call it next with the same
/// bytes and more (what a receive buffer does): it remembers how far it has looked into the
/// item they begin, so an item fed a few bytes at a time costs about what it costs whole. When
/// the buffer is full and the item at its start still is not complete, the item cannot fit: the
/// decoder drops it (now, and the rest of it as it arrives) and reports [`Decoded::Overflow`]
/// once. So a full buffer never stalls and never spins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Decoder {
    mode: Mode,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub const fn new() -> Self {
        Decoder {
            mode: Resume::Start,
        }
    }

    /// A decoder that drops everything up to and including the next line end, then parses: for
    /// a stream in which bytes were just lost (what follows is the tail of a broken item).
    pub(crate) const fn resync() -> Self {
        Decoder {
            mode: Resume::SkipToLineEnd,
        }
    }

    /// Decodes from `input`, the unconsumed bytes of a receive buffer that holds at most
    /// `capacity` bytes.
    #[inline]
    pub fn decode<'a>(&mut self, input: &'a [u8], capacity: usize) -> Decoded<'a> {
        if self.needs_more(input, capacity) {
            return Decoded::Incomplete;
        }
        self.decode_any::<true>(input, capacity)
    }

    /// [`decode`](Self::decode) as the driver's runner uses it, after
    /// [`needs_more`](Self::needs_more) said no: the answers only a query asks for are left as
    /// lines (see [`parse_core`](super::parse::parse_core)).
    #[inline]
    pub(crate) fn decode_core<'a>(&mut self, input: &'a [u8], capacity: usize) -> Decoded<'a> {
        self.decode_any::<false>(input, capacity)
    }

    /// Whether [`decode`](Self::decode) would say [`Decoded::Incomplete`] for `input` (the same
    /// bytes as at the last call, and more), found by looking at the new bytes only: a line's
    /// new bytes for its end, a message read by length for its length. `false` when that
    /// takes more than a glance (then `decode` parses, and does not look at these bytes again).
    ///
    /// `decode` asks this first; a receive loop fed a byte at a time may ask it before calling
    /// `decode` at all, so that a byte that completes nothing costs a few instructions.
    #[inline]
    pub fn needs_more(&mut self, input: &[u8], capacity: usize) -> bool {
        let len = input.len();
        // The most common case first: the payload of a message read by length.
        if let Resume::Until { seen, needed } = self.mode {
            return seen <= len && len < needed && needed <= capacity && len < capacity;
        }
        match self.mode {
            // The same line, more bytes: look for its end in the new ones only.
            Resume::Line(scanned) => {
                let Some(tail) = input.get(scanned..) else {
                    return false;
                };
                match line_end(tail) {
                    Some(at) => {
                        self.mode = Resume::LineEnd(scanned.saturating_add(at));
                        false
                    }
                    None if len < capacity => {
                        self.mode = Resume::Line(len);
                        true
                    }
                    None => false,
                }
            }
            // A `+MQTTREAD` header: nothing changes before a line end or a quote.
            Resume::ReadHeader(scanned) if len < capacity => {
                let more = input
                    .get(scanned..)
                    .is_some_and(|t| !t.iter().any(|&b| matches!(b, b'\r' | b'\n' | b'"')));
                if more {
                    self.mode = Resume::ReadHeader(len);
                }
                more
            }
            // Still a proper prefix of `+MQTTREAD:`.
            Resume::ReadPrefix(scanned) if len < READ.len() && len < capacity => {
                let more = match (input.get(scanned..), READ.get(scanned..)) {
                    (Some(new), Some(want)) => new.iter().zip(want).all(|(a, b)| a == b),
                    _ => false,
                };
                if more {
                    self.mode = Resume::ReadPrefix(len);
                }
                more
            }
            // Nothing to parse.
            Resume::Start => input.is_empty(),
            _ => false,
        }
    }

    /// Everything but the common case: parses from the start of `input`, or drops the rest of
    /// an overlong item.
    #[inline(never)]
    fn decode_any<'a, const FULL: bool>(
        &mut self,
        input: &'a [u8],
        capacity: usize,
    ) -> Decoded<'a> {
        match self.mode {
            Resume::Start
            | Resume::Line(_)
            | Resume::Until { .. }
            | Resume::ReadHeader(_)
            | Resume::ReadPrefix(_) => {}
            // The line whose end `needs_more` found.
            Resume::LineEnd(end) => {
                if let (Some(line), Some(b'\r' | b'\n')) = (input.get(..end), input.get(end)) {
                    self.mode = Resume::Start;
                    return Decoded::Item(classify::<FULL>(line), end.saturating_add(1));
                }
            }
            Resume::SkipToLineEnd => {
                return match line_end(input) {
                    Some(end) => {
                        self.mode = Resume::Start;
                        Decoded::Skipped {
                            consumed: end.saturating_add(1),
                        }
                    }
                    None if input.is_empty() => Decoded::Incomplete,
                    None => Decoded::Skipped {
                        consumed: input.len(),
                    },
                };
            }
            Resume::SkipBytes(n) => {
                if input.is_empty() {
                    return Decoded::Incomplete;
                }
                let take = n.min(input.len());
                let left = n.saturating_sub(take);
                self.mode = if left == 0 {
                    Resume::Start
                } else {
                    Resume::SkipBytes(left)
                };
                return Decoded::Skipped { consumed: take };
            }
            Resume::SkipMessage { left, payload } if left > 0 => {
                if input.is_empty() {
                    return Decoded::Incomplete;
                }
                let take = left.min(input.len());
                self.mode = Resume::SkipMessage {
                    left: left.saturating_sub(take),
                    payload,
                };
                return Decoded::Skipped { consumed: take };
            }
            // Between the topic and the payload: spaces and the comma, then the payload's
            // opening quote. Anything else ends the message, and is parsed.
            Resume::SkipMessage { payload, .. } => {
                let gap = input
                    .iter()
                    .position(|&b| !matches!(b, b' ' | b'\t' | b','))
                    .unwrap_or(input.len());
                match input.get(gap) {
                    _ if gap > 0 => return Decoded::Skipped { consumed: gap },
                    None => return Decoded::Incomplete,
                    Some(b'"') => {
                        self.mode = Resume::SkipBytes(payload);
                        return Decoded::Skipped { consumed: 1 };
                    }
                    Some(_) => {}
                }
            }
        }
        self.mode = Resume::Start;
        match parse_item(input) {
            Found::Line(line, n) => Decoded::Item(classify::<FULL>(line), n),
            Found::Item(item, n) => Decoded::Item(item, n),
            Found::Incomplete { noise, .. } if noise > 0 => Decoded::Skipped { consumed: noise },
            // An empty input is never an overflow, even for a capacity of 0: that would take
            // nothing, and a caller decoding until `Incomplete` would spin.
            Found::Incomplete { needed, .. }
                if !input.is_empty()
                    && (input.len() >= capacity || needed.is_some_and(|n| n > capacity)) =>
            {
                self.mode = match needed {
                    Some(n) if n > input.len() => Resume::SkipBytes(n.saturating_sub(input.len())),
                    Some(_) => Resume::Start,
                    // A message whose length is not known yet, as the spaces before its payload
                    // have not all arrived: dropped by its lengths all the same.
                    None => match started(input) {
                        Some((topic_end, plen)) => Resume::SkipMessage {
                            left: topic_end.saturating_sub(input.len()),
                            payload: plen.saturating_add(1),
                        },
                        None => Resume::SkipToLineEnd,
                    },
                };
                Decoded::Overflow {
                    consumed: input.len(),
                }
            }
            Found::Incomplete { resume, .. } => {
                self.mode = resume;
                Decoded::Incomplete
            }
        }
    }
}
