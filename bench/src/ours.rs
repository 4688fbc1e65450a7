//! The receive path of the driver, as its receive buffer runs it: append a chunk (moving the
//! unparsed bytes to the front first if it does not fit at the end), then, unless
//! [`Decoder::needs_more`] says the new bytes complete nothing, [`Decoder::decode`] until it
//! needs more.

use fibocom_mqtt::codec::{Decoded, Decoder, Item};

use crate::Counts;

/// A receive buffer of `N` bytes in front of a [`Decoder`].
pub struct Receiver<const N: usize> {
    buf: [u8; N],
    fill: usize,
    pos: usize,
    decoder: Decoder,
    /// What was recognised so far.
    pub counts: Counts,
}

impl<const N: usize> Default for Receiver<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Receiver<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Receiver {
            buf: [0; N],
            fill: 0,
            pos: 0,
            decoder: Decoder::new(),
            counts: Counts::default(),
        }
    }

    /// Appends `bytes` (which must fit: at most what a compaction leaves free) and decodes
    /// everything complete. As the driver's receive buffer does: one byte is stored without a
    /// copy routine, and the unparsed bytes move to the front only when `bytes` do not fit at
    /// the end.
    #[inline(never)]
    pub fn receive(&mut self, bytes: &[u8]) {
        match (bytes, self.buf.get_mut(self.fill)) {
            ([b], Some(slot)) => {
                *slot = *b;
                self.fill += 1;
                if !self.decoder.needs_more(&self.buf[self.pos..self.fill], N) {
                    self.decode();
                }
            }
            _ => self.receive_many(bytes),
        }
    }

    /// [`receive`](Self::receive) for more than one byte: compacts first if they do not fit at
    /// the end.
    #[inline(never)]
    fn receive_many(&mut self, bytes: &[u8]) {
        if N - self.fill < bytes.len() {
            self.buf.copy_within(self.pos..self.fill, 0);
            self.fill -= self.pos;
            self.pos = 0;
        }
        let end = self.fill + bytes.len();
        self.buf[self.fill..end].copy_from_slice(bytes);
        self.fill = end;
        if !self.decoder.needs_more(&self.buf[self.pos..self.fill], N) {
            self.decode();
        }
    }

    /// Decodes everything complete, once the decoder has more to do than wait.
    #[inline(never)]
    fn decode(&mut self) {
        loop {
            let input = &self.buf[self.pos..self.fill];
            let decoded = self.decoder.decode(input, N);
            match decoded {
                Decoded::Incomplete => break,
                Decoded::Item(item, _) => self.counts.add(&item),
                Decoded::Overflow { .. } => self.counts.overflows += 1,
                Decoded::Skipped { .. } => {}
            }
            self.pos += decoded.consumed();
            if self.pos == self.fill {
                break;
            }
        }
    }
}

impl Counts {
    fn add(&mut self, item: &Item<'_>) {
        match item {
            Item::Echo(_) => self.echoes += 1,
            Item::Ok | Item::Error(_) => self.finals += 1,
            Item::Prompt => self.prompts += 1,
            Item::SignalQuality { .. } => self.info += 1,
            Item::Read(m) => {
                self.urcs += 1;
                self.reads += 1;
                self.read_payload_bytes += m.payload.len();
            }
            Item::Malformed(_) => self.malformed += 1,
            _ => self.urcs += 1,
        }
    }
}
