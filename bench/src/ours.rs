//! The receive path of the driver, as its receive buffer runs it: append a chunk (moving the
//! unparsed bytes to the front first), then [`Decoder::decode`] until it needs more.

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

    /// Appends `bytes` (which must fit) and decodes everything complete.
    #[inline(never)]
    pub fn receive(&mut self, bytes: &[u8]) {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.fill, 0);
            self.fill -= self.pos;
            self.pos = 0;
        }
        let end = self.fill + bytes.len();
        self.buf[self.fill..end].copy_from_slice(bytes);
        self.fill = end;
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
