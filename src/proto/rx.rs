//! The receive buffer, and the loop that turns received bytes into items for the machine.

use embassy_time::Instant;

use super::exchange::Exchange;
use super::feed::Keep;
use crate::codec::{Decoded, Decoder, Item, Message};
use crate::types::{ClientId, QoS};

/// How many messages the receive buffer holds at most until the application takes them (mode-0
/// messages arriving back to back, or one read with `AT+MQTTREAD`), as long as their bytes fit
/// in the buffer. One more arriving is lost, and counted.
pub const HELD_MESSAGES: usize = 8;

/// A message held in the receive buffer until the application takes it: its client and QoS,
/// and where its topic and payload lie. Positions are 16-bit (12 bytes an entry): a message
/// that starts past 64 KiB into a larger buffer cannot be held, and is counted lost.
#[derive(Debug, Clone)]
pub(crate) struct HeldMessage {
    client: ClientId,
    qos: QoS,
    /// Where the item starts (nothing from here on may be dropped while it is held).
    start: u16,
    /// The topic's bytes, from `start`.
    topic: (u16, u16),
    /// The payload's bytes, from `start`.
    payload: (u16, u16),
}

/// Where `part` lies in `base`, as (offset from `base`, length), if that fits in 16 bits.
fn span(base: &[u8], part: &[u8]) -> Option<(u16, u16)> {
    let at = (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize);
    Some((u16::try_from(at).ok()?, u16::try_from(part.len()).ok()?))
}

/// The receive buffer: `buf[..fill]` holds received bytes, `buf[pos..fill]` those not parsed
/// yet. Bytes before `pos` are dropped at the next compaction (when bytes received do not fit
/// at the end), except what is kept: the answer of a collecting command (`answer`) and the held
/// messages (in the order they came).
#[derive(Debug)]
pub(crate) struct RxBuf<B: ?Sized> {
    pub(crate) fill: usize,
    pub(crate) pos: usize,
    pub(crate) decoder: Decoder,
    /// The answer of the collecting command in flight: start, and end once its final came.
    pub(crate) answer: Option<(usize, Option<usize>)>,
    messages: heapless::Vec<HeldMessage, HELD_MESSAGES>,
    pub(crate) buf: B,
}

impl<const N: usize> RxBuf<[u8; N]> {
    pub(crate) const fn new() -> Self {
        RxBuf {
            fill: 0,
            pos: 0,
            decoder: Decoder::new(),
            answer: None,
            messages: heapless::Vec::new(),
            buf: [0; N],
        }
    }
}

impl RxBuf<[u8]> {
    /// Empties the buffer.
    pub(crate) fn clear(&mut self) {
        self.fill = 0;
        self.pos = 0;
        self.decoder = Decoder::new();
        self.answer = None;
        self.messages.clear();
    }

    /// A read of the port failed: bytes may have been lost where it struck. The item being
    /// received (the unparsed bytes, a line or message begun) is dropped, and so is the rest of
    /// it as it arrives, up to the next line end. What was parsed before (a kept answer, held
    /// messages) stays.
    pub(crate) fn drop_partial(&mut self) {
        let partial = self.fill > self.pos || self.decoder != Decoder::new();
        self.fill = self.pos;
        self.decoder = if partial {
            Decoder::resync()
        } else {
            Decoder::new()
        };
    }

    /// Free space: at the end, and what a compaction would free at the front. [`push`] takes
    /// that many bytes.
    ///
    /// [`push`]: Self::push
    pub(crate) fn space(&self) -> usize {
        self.buf
            .len()
            .saturating_sub(self.fill)
            .saturating_add(self.kept_before())
    }

    /// Whether nothing more can come in while an operation waits: the buffer is full of kept
    /// data that nothing frees before the wait ends. The kept answer is released only when its
    /// operation ends; held messages when the application takes them, which it can meanwhile
    /// only if `taken` (the async driver: another task calling `next_event`; not the blocking
    /// driver, whose one caller is inside the operation). A wait whose input is blocked ends
    /// at once, as at its deadline ([`Exchange::input_blocked`]).
    pub(crate) fn blocked(&self, taken: bool) -> bool {
        self.space() == 0 && !(taken && self.holds_message())
    }

    /// The most an item may take: the whole buffer. Bytes before it that are already parsed
    /// go at the next compaction, and what is kept (an answer, a held message) is released
    /// soon; until then the runner reads nothing more. So an item is too long for the buffer
    /// only when it fills it all, whatever compaction has not happened yet.
    fn capacity(&self) -> usize {
        self.buf.len()
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
        let shift = u16::try_from(keep).unwrap_or(u16::MAX);
        for m in self.messages.iter_mut() {
            m.start = m.start.saturating_sub(shift);
        }
    }

    /// Appends received bytes (as many as fit; returns how many). Compacts only when they do
    /// not fit at the end, so a read of a few bytes costs about what they are.
    pub(crate) fn push(&mut self, bytes: &[u8]) -> usize {
        if let [b] = bytes {
            // One byte (a port that hands over one byte per read): no copy routine.
            if let Some(slot) = self.buf.get_mut(self.fill) {
                *slot = *b;
                self.fill = self.fill.saturating_add(1);
                return 1;
            }
        }
        if self.buf.len().saturating_sub(self.fill) < bytes.len() {
            self.compact();
        }
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

    /// Parses everything complete and feeds it to the exchange, as received at `now`. Bytes
    /// that complete nothing (most of a line, or of a message read by length) cost only the
    /// decoder's glance at them.
    pub(crate) fn process(&mut self, x: &mut Exchange, now: Instant) {
        let capacity = self.capacity();
        let input = self.buf.get(self.pos..self.fill).unwrap_or(&[]);
        if !self.decoder.needs_more(input, capacity) {
            self.decode(x, now);
        }
    }

    /// [`process`](Self::process) once the decoder has more to do than wait.
    #[inline(never)]
    fn decode(&mut self, x: &mut Exchange, now: Instant) {
        loop {
            let capacity = self.capacity();
            let input = self.buf.get(self.pos..self.fill).unwrap_or(&[]);
            let consumed = match self.decoder.decode_core(input, capacity) {
                Decoded::Incomplete => break,
                Decoded::Skipped { consumed } => consumed,
                Decoded::Overflow { consumed } => {
                    x.events.lost.overlong_lines = x.events.lost.overlong_lines.saturating_add(1);
                    x.wake(super::wake::Waiter::Events);
                    consumed
                }
                Decoded::Item(ref item, consumed) => {
                    crate::log::rx(input.get(..consumed).unwrap_or(&[]));
                    let start = self.pos;
                    match x.handle(item, now, self.messages.len()) {
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
                        Keep::Message => {
                            if let Item::Message(m) | Item::Read(m) = item {
                                let held = span(input, m.topic)
                                    .zip(span(input, m.payload))
                                    .zip(u16::try_from(start).ok())
                                    .map(|((topic, payload), start)| HeldMessage {
                                        client: m.client,
                                        qos: m.qos,
                                        start,
                                        topic,
                                        payload,
                                    })
                                    .ok_or(())
                                    .and_then(|h| self.messages.push(h).map_err(|_| ()));
                                if held.is_err() {
                                    // Past 64 KiB, or no room (the exchange checked): lost,
                                    // and said so.
                                    x.lost_message();
                                }
                            }
                        }
                    }
                    consumed
                }
            };
            self.pos = self.pos.saturating_add(consumed);
            // Nothing left, or nothing taken: an empty input is always incomplete.
            if consumed == 0 || self.pos >= self.fill {
                break;
            }
        }
    }

    /// How many bytes at the front are kept, shrinking the space an item may use.
    fn kept_before(&self) -> usize {
        let mut keep = self.pos;
        if let Some((start, _)) = self.answer {
            keep = keep.min(start);
        }
        if let Some(m) = self.messages.first() {
            keep = keep.min(usize::from(m.start));
        }
        keep
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

    /// Whether a message is held.
    pub(crate) fn holds_message(&self) -> bool {
        !self.messages.is_empty()
    }

    /// The first held message (mode 0, or read with `AT+MQTTREAD`), lent from the buffer.
    pub(crate) fn message(&self) -> Option<Message<'_>> {
        let m = self.messages.first()?;
        let part = |(at, len): (u16, u16)| {
            let from = usize::from(m.start).checked_add(usize::from(at))?;
            self.buf.get(from..from.checked_add(usize::from(len))?)
        };
        Some(Message {
            client: m.client,
            qos: m.qos,
            topic: part(m.topic)?,
            payload: part(m.payload)?,
        })
    }

    /// Lets the first held message go; the next one, if any, is handed out next.
    pub(crate) fn release_message(&mut self) {
        if !self.messages.is_empty() {
            self.messages.remove(0);
        }
    }
}
