//! The least a receive path called once per read can do: append the bytes to a bounded buffer
//! (moving what is left to the front when they do not fit) and look at each new byte for a line
//! end, dropping each line once it is complete. No parsing: its cost per byte is the floor under
//! any parser fed through such a buffer, before the parser does any work of its own.

use crate::Counts;

/// A receive buffer of `N` bytes that only finds line ends.
pub struct Floor<const N: usize> {
    buf: [u8; N],
    fill: usize,
    pos: usize,
    /// Lines seen (as `finals`).
    pub counts: Counts,
}

impl<const N: usize> Default for Floor<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Floor<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Floor {
            buf: [0; N],
            fill: 0,
            pos: 0,
            counts: Counts::default(),
        }
    }

    /// Appends `bytes` and drops every complete line.
    #[inline(never)]
    pub fn receive(&mut self, bytes: &[u8]) {
        // One byte: stored and looked at, no copy routine (as the driver's buffer does).
        if let ([b], Some(slot)) = (bytes, self.buf.get_mut(self.fill)) {
            *slot = *b;
            self.fill += 1;
            if *b == b'\n' {
                self.counts.finals += 1;
                self.pos = 0;
                self.fill = 0;
            }
            return;
        }
        if N - self.fill < bytes.len() {
            self.buf.copy_within(self.pos..self.fill, 0);
            self.fill -= self.pos;
            self.pos = 0;
        }
        let start = self.fill;
        let end = (start + bytes.len()).min(N);
        self.buf[start..end].copy_from_slice(&bytes[..end - start]);
        self.fill = end;
        for i in start..end {
            if self.buf[i] == b'\n' {
                self.counts.finals += 1;
                self.pos = i + 1;
            }
        }
        if self.pos == self.fill {
            self.pos = 0;
            self.fill = 0;
        }
    }
}
