//! Fuzz target `parse`: arbitrary bytes through `parse` and through the `Decoder` behind a small
//! and a large receive buffer, in several chunkings.
//!
//! Checks, for every input:
//! - `parse` never takes more than it is given, takes at least one byte with every item, and a
//!   known `needed` is more than it was given;
//! - the decoder never takes more than it is given, takes at least one byte with every result that
//!   is not `Incomplete`, and never answers `Incomplete` to a full buffer (no stall, no spin);
//! - the items the decoder yields before its first overflow are the first items `parse` finds
//!   in the whole input, whatever the chunking; with no overflow, they are all of them.

#![no_main]

use fibocom_mqtt::codec::{parse, Decoded, Decoder, Parsed};
use libfuzzer_sys::fuzz_target;

/// A buffer smaller than many items: exercises the overflow paths.
const SMALL: usize = 64;
/// A realistic buffer: room for the largest message.
const LARGE: usize = 2048;

fuzz_target!(|data: &[u8]| {
    let whole = parse_whole(data);
    let mut rng = Rng::new(data);
    for capacity in [SMALL, LARGE] {
        // One byte at a time, as much as fits, and sizes drawn from the input.
        check_chunked(data, capacity, &whole, |_| 1);
        check_chunked(data, capacity, &whole, |room| room);
        check_chunked(data, capacity, &whole, |room| rng.below(room) + 1);
    }
});

/// The items `parse` finds in the whole of `data` (by their `Debug` form), checking every call.
fn parse_whole(data: &[u8]) -> Vec<String> {
    let mut items = Vec::new();
    let mut rest = data;
    loop {
        match parse(rest) {
            Parsed::Item(item, n) => {
                assert!(n > 0, "an item took no bytes");
                assert!(n <= rest.len(), "took {n} of {}", rest.len());
                items.push(format!("{item:?}"));
                rest = &rest[n..];
            }
            Parsed::Incomplete { noise, needed } => {
                assert!(noise <= rest.len(), "noise {noise} of {}", rest.len());
                if let Some(needed) = needed {
                    assert!(needed > rest.len(), "needs {needed}, has {}", rest.len());
                }
                return items;
            }
        }
    }
}

/// Feeds `data` through a buffer of `capacity` bytes, `chunk(room)` bytes at a time, and checks
/// the decoder's every answer and the items against `whole`.
fn check_chunked(
    data: &[u8],
    capacity: usize,
    whole: &[String],
    mut chunk: impl FnMut(usize) -> usize,
) {
    let mut buf = vec![0u8; capacity];
    let mut len = 0;
    let mut rest = data;
    let mut decoder = Decoder::new();
    let mut items: Vec<String> = Vec::new();
    let mut overflowed = false;
    while !rest.is_empty() {
        let room = capacity - len;
        let n = chunk(room).clamp(1, room).min(rest.len());
        buf[len..len + n].copy_from_slice(&rest[..n]);
        len += n;
        rest = &rest[n..];
        let mut pos = 0;
        loop {
            let input = &buf[pos..len];
            let full = pos == 0 && len == capacity;
            let got = decoder.decode(input, capacity);
            assert!(got.consumed() <= input.len(), "{got:?} of {}", input.len());
            match got {
                Decoded::Incomplete => {
                    assert!(!full, "Incomplete on a full buffer");
                    break;
                }
                Decoded::Item(item, _) => {
                    if !overflowed {
                        items.push(format!("{item:?}"));
                    }
                }
                Decoded::Overflow { .. } => overflowed = true,
                Decoded::Skipped { .. } => {}
            }
            assert!(got.consumed() > 0, "{got:?} took no bytes");
            pos += got.consumed();
        }
        buf.copy_within(pos..len, 0);
        len -= pos;
        assert!(len < capacity, "the buffer was left full");
    }
    assert!(
        whole.starts_with(&items),
        "chunked {items:?} is not a prefix of whole {whole:?}"
    );
    if !overflowed {
        assert_eq!(items, whole, "no overflow, yet different items");
    }
}

/// A small xorshift generator seeded from the input, for chunk sizes.
struct Rng(u64);

impl Rng {
    fn new(data: &[u8]) -> Self {
        let seed = data.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        });
        Rng(seed | 1)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
