//! The receive buffer, and the loop that turns received bytes into items for the machine.

use super::machine::{Keep, Machine, Wake};
use crate::codec::{Decoded, Decoder, Item, Message};

/// A message kept in the receive buffer until the application takes it: where its item lies
/// (noise before it included). [`RxBuf::message`] decodes it again.
#[derive(Debug, Clone)]
pub(crate) struct HeldMessage {
    /// Where the item starts (nothing before it may be dropped while it is held).
    pub(crate) start: usize,
    /// How many bytes it takes.
    pub(crate) len: usize,
}

/// The receive buffer: `buf[..fill]` holds received bytes, `buf[pos..fill]` those not parsed
/// yet. Bytes before `pos` are dropped at the next compaction, except what is kept: the answer
/// of a collecting command (`answer`) and a held mode-0 message.
#[derive(Debug)]
pub(crate) struct RxBuf<B: ?Sized> {
    pub(crate) fill: usize,
    pub(crate) pos: usize,
    pub(crate) decoder: Decoder,
    /// The answer of the collecting command in flight: start, and end once its final came.
    pub(crate) answer: Option<(usize, Option<usize>)>,
    pub(crate) message: Option<HeldMessage>,
    pub(crate) buf: B,
}

impl<const N: usize> RxBuf<[u8; N]> {
    pub(crate) const fn new() -> Self {
        RxBuf {
            fill: 0,
            pos: 0,
            decoder: Decoder::new(),
            answer: None,
            message: None,
            buf: [0; N],
        }
    }
}

impl RxBuf<[u8]> {
    /// Free space at the end, after compaction.
    pub(crate) fn space(&mut self) -> usize {
        self.compact();
        self.buf.len().saturating_sub(self.fill)
    }

    /// Drops bytes no longer needed, moving the rest to the front.
    pub(crate) fn compact(&mut self) {
        let keep = self.kept_before();
        if keep == 0 {
            return;
        }
        self.buf.copy_within(keep..self.fill, 0);
        self.fill = self.fill.saturating_sub(keep);
        self.pos = self.pos.saturating_sub(keep);
        if let Some((start, end)) = self.answer.as_mut() {
            *start = start.saturating_sub(keep);
            if let Some(e) = end.as_mut() {
                *e = e.saturating_sub(keep);
            }
        }
        if let Some(m) = self.message.as_mut() {
            m.start = m.start.saturating_sub(keep);
        }
    }

    /// Appends received bytes (as many as fit; returns how many).
    pub(crate) fn push(&mut self, bytes: &[u8]) -> usize {
        self.compact();
        let Some(free) = self.buf.get_mut(self.fill..) else {
            return 0;
        };
        let n = bytes.len().min(free.len());
        if let (Some(dst), Some(src)) = (free.get_mut(..n), bytes.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.fill = self.fill.saturating_add(n);
        n
    }

    /// Parses everything complete and feeds it to the machine; says whom to wake.
    pub(crate) fn process(&mut self, m: &mut Machine) -> Wake {
        let mut wake = Wake::default();
        loop {
            let capacity = self.buf.len().saturating_sub(self.kept_before());
            let input = self.buf.get(self.pos..self.fill).unwrap_or(&[]);
            let consumed = match self.decoder.decode_core(input, capacity) {
                Decoded::Incomplete => break,
                Decoded::Skipped { consumed } => consumed,
                Decoded::Overflow { consumed } => {
                    m.events.lost.overlong_lines = m.events.lost.overlong_lines.saturating_add(1);
                    wake.add(Wake::EVENTS);
                    consumed
                }
                // By reference: the item is not copied out of what the decoder returned.
                Decoded::Item(ref item, consumed) => {
                    crate::log::rx(input.get(..consumed).unwrap_or(&[]));
                    let start = self.pos;
                    let (w, keep) = m.feed(item);
                    wake.add(w);
                    self.keep(keep, start, consumed);
                    consumed
                }
            };
            self.pos = self.pos.saturating_add(consumed);
            if consumed == 0 {
                break;
            }
        }
        wake
    }

    /// How many bytes at the front are kept, shrinking the space an item may use.
    fn kept_before(&self) -> usize {
        let mut keep = self.pos;
        if let Some((start, _)) = self.answer {
            keep = keep.min(start);
        }
        if let Some(m) = &self.message {
            keep = keep.min(m.start);
        }
        keep
    }

    /// What `keep` says of the item that starts at `start` and takes `len` bytes.
    fn keep(&mut self, keep: Keep, start: usize, len: usize) {
        match keep {
            Keep::Nothing => {}
            Keep::Answer => {
                if self.answer.is_none() {
                    self.answer = Some((start, None));
                }
            }
            Keep::AnswerEnd => {
                let s = self.answer.map_or(start, |(s, _)| s);
                self.answer = Some((s, Some(start)));
            }
            Keep::Message => self.message = Some(HeldMessage { start, len }),
        }
    }

    /// The kept answer of the collecting command that just finished, if any.
    pub(crate) fn answer(&self) -> &[u8] {
        match self.answer {
            Some((s, Some(e))) => self.buf.get(s..e).unwrap_or(&[]),
            Some((s, None)) => self.buf.get(s..self.pos).unwrap_or(&[]),
            None => &[],
        }
    }

    /// Releases the kept answer.
    pub(crate) fn release_answer(&mut self) {
        self.answer = None;
    }

    /// The held message (mode 0, or read with `AT+MQTTREAD`), lent from the buffer.
    pub(crate) fn message(&self) -> Option<Message<'_>> {
        let m = self.message.as_ref()?;
        let item = self.buf.get(m.start..m.start.saturating_add(m.len))?;
        // The item decodes as it did when it came: a mode-0 message or a read answer.
        match Decoder::new().decode_core(item, item.len()) {
            Decoded::Item(Item::Message(msg) | Item::Read(msg), _) => Some(msg),
            _ => None,
        }
    }
}
