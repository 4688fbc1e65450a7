//! The outbox: QoS 1 and 2 publishes not yet confirmed, oldest first, in storage the caller
//! provides (bytes for topics and payloads, and an array of entries), as a ring. No alloc.

use crate::types::QoS;

/// The number of an outbox entry, counted from 0 in the order of the publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Seq(pub u32);

/// One entry's bookkeeping: the caller provides an array of these ([`Slot::EMPTY`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    seq: u32,
    at: u32,
    topic: u16,
    payload: u16,
    qos: QoS,
    retain: bool,
    tries: u16,
}

impl Slot {
    /// An unused entry, to fill the caller's array: `[Slot::EMPTY; 16]`.
    pub const EMPTY: Slot = Slot {
        seq: 0,
        at: 0,
        topic: 0,
        payload: 0,
        qos: QoS::AtLeastOnce,
        retain: false,
        tries: 0,
    };

    fn size(&self) -> usize {
        usize::from(self.topic).saturating_add(usize::from(self.payload))
    }
}

/// Why [`Outbox::push`] did not take an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum OutboxFull {
    /// No room now: every entry is used, or the bytes are.
    Full,
    /// The entry is larger than all the byte storage (or than 65535 bytes): never.
    TooLarge,
}

/// The oldest entry, lent by [`Outbox::front`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending<'a> {
    /// Its number.
    pub seq: Seq,
    /// Topic.
    pub topic: &'a str,
    /// Payload.
    pub payload: &'a [u8],
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// How many times it was sent without a confirmation.
    pub tries: u16,
}

/// QoS 1 and 2 publishes waiting for their confirmation, oldest first.
///
/// Topic and payload bytes go one after the other into `bytes`, as a ring: an entry that does
/// not fit before the end goes to the start, once the entries there have left. So `bytes`
/// holds at least the sum of the entries' sizes, and at most twice the largest entry is lost
/// to the wrap.
#[derive(Debug)]
pub struct Outbox<'a> {
    bytes: &'a mut [u8],
    slots: &'a mut [Slot],
    head: usize,
    len: usize,
    /// Where the next entry's bytes go, if they fit there.
    write: usize,
    next: u32,
}

impl<'a> Outbox<'a> {
    /// An empty outbox over the caller's storage: `bytes` for topics and payloads, `slots`
    /// for at most `slots.len()` entries.
    pub fn new(bytes: &'a mut [u8], slots: &'a mut [Slot]) -> Self {
        Outbox {
            bytes,
            slots,
            head: 0,
            len: 0,
            write: 0,
            next: 0,
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The most entries it holds.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The number the next entry will get.
    pub fn next_seq(&self) -> Seq {
        Seq(self.next)
    }

    fn slot(&self, i: usize) -> Option<&Slot> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        self.slots.get(self.head.checked_add(i)?.checked_rem(n)?)
    }

    /// Where `size` bytes can go now, if anywhere.
    fn room(&self, size: usize) -> Option<usize> {
        let cap = self.bytes.len();
        let Some(oldest) = self.slot(0).filter(|_| self.len > 0) else {
            return (size <= cap).then_some(0);
        };
        let start = oldest.at as usize;
        if self.write > start {
            // Used: [start, write). Free: [write, cap) and [0, start).
            if cap.checked_sub(self.write)? >= size {
                Some(self.write)
            } else {
                (size <= start).then_some(0)
            }
        } else {
            // Wrapped: used [start, cap) and [0, write); free [write, start).
            (start.checked_sub(self.write)? >= size).then_some(self.write)
        }
    }

    /// Appends an entry. Topic and payload must be checked by the caller (the session does).
    pub fn push(
        &mut self,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
    ) -> Result<Seq, OutboxFull> {
        let (Ok(tlen), Ok(plen)) = (u16::try_from(topic.len()), u16::try_from(payload.len()))
        else {
            return Err(OutboxFull::TooLarge);
        };
        let size = topic.len().saturating_add(payload.len());
        if size > self.bytes.len() || self.slots.is_empty() {
            return Err(OutboxFull::TooLarge);
        }
        // An empty entry would make a full ring look empty: every entry has a topic.
        if size == 0 {
            return Err(OutboxFull::TooLarge);
        }
        if self.len >= self.slots.len() {
            return Err(OutboxFull::Full);
        }
        let at = self.room(size).ok_or(OutboxFull::Full)?;
        let end = at.checked_add(size).ok_or(OutboxFull::TooLarge)?;
        let Some(dst) = self.bytes.get_mut(at..end) else {
            return Err(OutboxFull::Full);
        };
        let (t, p) = dst.split_at_mut(topic.len());
        t.copy_from_slice(topic.as_bytes());
        p.copy_from_slice(payload);
        let seq = self.next;
        let n = self.slots.len();
        let i = self
            .head
            .saturating_add(self.len)
            .checked_rem(n)
            .unwrap_or(0);
        if let Some(slot) = self.slots.get_mut(i) {
            *slot = Slot {
                seq,
                at: u32::try_from(at).map_err(|_| OutboxFull::TooLarge)?,
                topic: tlen,
                payload: plen,
                qos,
                retain,
                tries: 0,
            };
        }
        self.len = self.len.saturating_add(1);
        self.write = end;
        self.next = self.next.wrapping_add(1);
        Ok(Seq(seq))
    }

    /// The oldest entry.
    pub fn front(&self) -> Option<Pending<'_>> {
        if self.len == 0 {
            return None;
        }
        let s = self.slot(0)?;
        let at = s.at as usize;
        let bytes = self.bytes.get(at..at.checked_add(s.size())?)?;
        let (topic, payload) = bytes.split_at(usize::from(s.topic));
        Some(Pending {
            seq: Seq(s.seq),
            topic: core::str::from_utf8(topic).ok()?,
            payload,
            qos: s.qos,
            retain: s.retain,
            tries: s.tries,
        })
    }

    /// Counts a send of the oldest entry (before it goes out); returns how many times it had
    /// been sent before.
    pub fn mark_sent(&mut self) -> u16 {
        let n = self.slots.len();
        if self.len == 0 || n == 0 {
            return 0;
        }
        match self.slots.get_mut(self.head.checked_rem(n).unwrap_or(0)) {
            Some(s) => {
                let before = s.tries;
                s.tries = s.tries.saturating_add(1);
                before
            }
            None => 0,
        }
    }

    /// Removes the oldest entry (confirmed, dropped or refused), returning its number.
    pub fn pop(&mut self) -> Option<Seq> {
        if self.len == 0 {
            return None;
        }
        let seq = Seq(self.slot(0)?.seq);
        self.head = self
            .head
            .saturating_add(1)
            .checked_rem(self.slots.len())
            .unwrap_or(0);
        self.len = self.len.saturating_sub(1);
        if self.len == 0 {
            self.head = 0;
            self.write = 0;
        }
        Some(seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(o: &mut Outbox<'_>) -> Vec<(u32, String, Vec<u8>)> {
        let mut out = Vec::new();
        while let Some(p) = o.front() {
            out.push((p.seq.0, p.topic.to_string(), p.payload.to_vec()));
            o.pop();
        }
        out
    }

    #[test]
    fn keeps_order_and_contents() {
        let (mut b, mut s) = ([0u8; 64], [Slot::EMPTY; 4]);
        let mut o = Outbox::new(&mut b, &mut s);
        assert_eq!(o.push("a", b"1", QoS::AtLeastOnce, false), Ok(Seq(0)));
        assert_eq!(o.push("bb", b"22", QoS::ExactlyOnce, true), Ok(Seq(1)));
        let f = o.front().unwrap();
        assert_eq!(
            (f.topic, f.payload, f.qos, f.retain, f.tries),
            ("a", &b"1"[..], QoS::AtLeastOnce, false, 0)
        );
        assert_eq!(o.mark_sent(), 0);
        assert_eq!(o.mark_sent(), 1);
        assert_eq!(o.front().unwrap().tries, 2);
        assert_eq!(
            drain(&mut o),
            [
                (0, "a".into(), b"1".to_vec()),
                (1, "bb".into(), b"22".to_vec())
            ]
        );
        assert!(o.is_empty());
    }

    #[test]
    fn full_by_count_and_by_bytes() {
        let (mut b, mut s) = ([0u8; 10], [Slot::EMPTY; 2]);
        let mut o = Outbox::new(&mut b, &mut s);
        assert_eq!(
            o.push("t", b"0123456789", QoS::AtLeastOnce, false),
            Err(OutboxFull::TooLarge)
        );
        assert_eq!(
            o.push("", b"", QoS::AtLeastOnce, false),
            Err(OutboxFull::TooLarge)
        );
        o.push("t", b"1234", QoS::AtLeastOnce, false).unwrap();
        assert_eq!(
            o.push("t", b"123456", QoS::AtLeastOnce, false),
            Err(OutboxFull::Full)
        );
        o.push("t", b"1", QoS::AtLeastOnce, false).unwrap();
        assert_eq!(
            o.push("t", b"", QoS::AtLeastOnce, false),
            Err(OutboxFull::Full)
        );
        assert_eq!(o.pop(), Some(Seq(0)));
        // 5 bytes free at the start, 3 at the end: a 4-byte entry wraps.
        assert_eq!(o.push("t", b"abc", QoS::AtLeastOnce, false), Ok(Seq(2)));
        assert_eq!(
            drain(&mut o),
            [
                (1, "t".into(), b"1".to_vec()),
                (2, "t".into(), b"abc".to_vec())
            ]
        );
    }

    /// Against a model (a VecDeque), over many random pushes and pops.
    #[test]
    fn ring_matches_a_model() {
        use std::collections::VecDeque;
        let (mut b, mut s) = ([0u8; 97], [Slot::EMPTY; 7]);
        let mut o = Outbox::new(&mut b, &mut s);
        let mut model: VecDeque<(u32, String, Vec<u8>)> = VecDeque::new();
        let mut x: u32 = 12345;
        let mut rnd = |m: u32| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x % m
        };
        let mut used = 0usize;
        for i in 0..20_000u32 {
            if rnd(3) > 0 {
                let topic = "t".repeat(1 + rnd(5) as usize);
                let payload: Vec<u8> = (0..rnd(40)).map(|k| (k ^ i) as u8).collect();
                match o.push(&topic, &payload, QoS::AtLeastOnce, false) {
                    Ok(seq) => {
                        used += topic.len() + payload.len();
                        model.push_back((seq.0, topic, payload));
                    }
                    Err(OutboxFull::Full) => {
                        // Full only if the count is reached or the bytes could not hold it
                        // even with the wrap's loss.
                        let size = topic.len() + payload.len();
                        assert!(model.len() == 7 || used + size > 97 - 45, "{used} {size}");
                    }
                    Err(e) => panic!("{e:?}"),
                }
            } else if let Some(p) = o.front() {
                let want = model.pop_front().unwrap();
                assert_eq!((p.seq.0, p.topic.to_string(), p.payload.to_vec()), want);
                used -= want.1.len() + want.2.len();
                o.pop();
            }
            assert_eq!(o.len(), model.len());
        }
    }
}
