//! [`parse`](super::parse()) plus a policy for a bounded receive buffer: what to do with an item
//! that cannot fit.

use super::item::Item;
use super::parse::{parse, Parsed};

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

/// What remains to drop of an overlong item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
enum Skip {
    #[default]
    Nothing,
    /// Up to and including the next CR or LF.
    ToLineEnd,
    /// This many more bytes.
    Bytes(usize),
}

/// The streaming decoder: [`parse`](super::parse()) for a buffer of fixed capacity.
///
/// Feed it the unconsumed bytes of the receive buffer, drop what it says it consumed, and call
/// again until it says [`Decoded::Incomplete`]. When the buffer is full and the item at its start
/// still is not complete, the item cannot fit: the decoder drops it (now, and the rest of it as it
/// arrives) and reports [`Decoded::Overflow`] once. So a full buffer never stalls and never spins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Decoder {
    skip: Skip,
}

impl Decoder {
    /// A decoder at the start of a stream.
    pub const fn new() -> Self {
        Decoder {
            skip: Skip::Nothing,
        }
    }

    /// Decodes from `input`, the unconsumed bytes of a receive buffer that holds at most
    /// `capacity` bytes.
    pub fn decode<'a>(&mut self, input: &'a [u8], capacity: usize) -> Decoded<'a> {
        match self.skip {
            Skip::Nothing => {}
            Skip::ToLineEnd => {
                return match super::parse::line_end(input) {
                    Some(end) => {
                        self.skip = Skip::Nothing;
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
            Skip::Bytes(n) => {
                if input.is_empty() {
                    return Decoded::Incomplete;
                }
                let take = n.min(input.len());
                let left = n.saturating_sub(take);
                self.skip = if left == 0 {
                    Skip::Nothing
                } else {
                    Skip::Bytes(left)
                };
                return Decoded::Skipped { consumed: take };
            }
        }
        match parse(input) {
            Parsed::Item(item, n) => Decoded::Item(item, n),
            Parsed::Incomplete { noise, .. } if noise > 0 => Decoded::Skipped { consumed: noise },
            // An empty input is never an overflow, even for a capacity of 0: that would take
            // nothing, and a caller decoding until `Incomplete` would spin.
            Parsed::Incomplete { needed, .. }
                if !input.is_empty()
                    && (input.len() >= capacity || needed.is_some_and(|n| n > capacity)) =>
            {
                self.skip = match needed {
                    Some(n) if n > input.len() => Skip::Bytes(n.saturating_sub(input.len())),
                    Some(_) => Skip::Nothing,
                    None => Skip::ToLineEnd,
                };
                Decoded::Overflow {
                    consumed: input.len(),
                }
            }
            Parsed::Incomplete { .. } => Decoded::Incomplete,
        }
    }
}
