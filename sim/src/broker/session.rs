//! The state the broker keeps for one client id: subscriptions, will, and both directions of the
//! QoS 1 and 2 exchanges.

use std::collections::{HashMap, HashSet, VecDeque};

use rumqttc::mqttbytes::v4::{LastWill, Packet, PubRel, Publish};
use rumqttc::mqttbytes::QoS;

use super::topic;

/// Where an outgoing QoS 1 or 2 message stands.
#[derive(Debug)]
enum Outgoing {
    /// PUBLISH sent, waiting for PUBACK (QoS 1) or PUBREC (QoS 2).
    Published(Publish),
    /// PUBREL sent, waiting for PUBCOMP (QoS 2).
    Released,
}

/// One client's session.
#[derive(Debug)]
pub(crate) struct Session {
    /// Whether the session ends with the connection (clean session 1).
    pub(crate) clean: bool,
    /// The connection the session is attached to, if any.
    pub(crate) conn: Option<u64>,
    /// The will of the attached connection.
    pub(crate) will: Option<LastWill>,
    /// Subscriptions: topic filter -> granted QoS.
    subscriptions: HashMap<String, QoS>,
    /// Messages sent to the client and not acknowledged yet, oldest first.
    inflight: VecDeque<(u16, Outgoing)>,
    /// Messages waiting for a free slot in `inflight` (or for the client to come back).
    queue: VecDeque<Publish>,
    /// Packet ids of QoS 2 messages received from the client and not yet released by PUBREL.
    incoming: HashSet<u16>,
    /// The last packet id used for an outgoing message.
    last_pkid: u16,
}

/// The smaller of two QoS levels.
pub(crate) fn min_qos(a: QoS, b: QoS) -> QoS {
    if (a as u8) <= (b as u8) {
        a
    } else {
        b
    }
}

impl Session {
    /// A new, empty session.
    pub(crate) fn new(clean: bool) -> Self {
        Session {
            clean,
            conn: None,
            will: None,
            subscriptions: HashMap::new(),
            inflight: VecDeque::new(),
            queue: VecDeque::new(),
            incoming: HashSet::new(),
            last_pkid: 0,
        }
    }

    /// Adds or replaces the subscription to `filter`.
    pub(crate) fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.subscriptions.insert(filter.to_owned(), qos);
    }

    /// Removes the subscription to `filter`, if any.
    pub(crate) fn unsubscribe(&mut self, filter: &str) {
        self.subscriptions.remove(filter);
    }

    /// The highest QoS granted by the subscriptions matching `topic`, if any matches.
    pub(crate) fn granted(&self, topic_name: &str) -> Option<QoS> {
        self.subscriptions
            .iter()
            .filter(|(filter, _)| topic::matches(filter, topic_name))
            .map(|(_, qos)| *qos)
            .max_by_key(|qos| *qos as u8)
    }

    /// Records the receipt of a QoS 2 message with packet id `pkid`; false if it was already
    /// received and not yet released (a duplicate that must not be delivered again).
    pub(crate) fn receive_qos2(&mut self, pkid: u16) -> bool {
        self.incoming.insert(pkid)
    }

    /// Handles PUBREL for an incoming QoS 2 message.
    pub(crate) fn release_qos2(&mut self, pkid: u16) {
        self.incoming.remove(&pkid);
    }

    /// Queues a message for the client. While the client is offline only QoS 1 and 2 messages
    /// are kept, at most `max_queued` of them (newer ones are dropped).
    pub(crate) fn enqueue(&mut self, message: Publish, max_queued: usize) {
        let offline = self.conn.is_none();
        if offline && message.qos == QoS::AtMostOnce {
            return;
        }
        if self.queue.len() >= max_queued && message.qos != QoS::AtMostOnce {
            return;
        }
        self.queue.push_back(message);
    }

    /// Moves queued messages to the wire while fewer than `max_inflight` are unacknowledged,
    /// pushing the packets to send onto `out`.
    pub(crate) fn drain(&mut self, max_inflight: usize, out: &mut Vec<Packet>) {
        while let Some(mut message) = self.queue.pop_front() {
            if message.qos == QoS::AtMostOnce {
                message.pkid = 0;
                out.push(Packet::Publish(message));
                continue;
            }
            if self.inflight.len() >= max_inflight {
                self.queue.push_front(message);
                break;
            }
            message.pkid = self.next_pkid();
            self.inflight
                .push_back((message.pkid, Outgoing::Published(message.clone())));
            out.push(Packet::Publish(message));
        }
    }

    /// Handles PUBACK from the client (end of a QoS 1 exchange).
    pub(crate) fn puback(&mut self, pkid: u16) {
        self.inflight.retain(|(id, state)| {
            !(*id == pkid && matches!(state, Outgoing::Published(p) if p.qos == QoS::AtLeastOnce))
        });
    }

    /// Handles PUBREC from the client (first half of a QoS 2 exchange).
    pub(crate) fn pubrec(&mut self, pkid: u16) {
        for (id, state) in self.inflight.iter_mut() {
            if *id == pkid {
                if let Outgoing::Published(p) = state {
                    if p.qos == QoS::ExactlyOnce {
                        *state = Outgoing::Released;
                    }
                }
            }
        }
    }

    /// Handles PUBCOMP from the client (end of a QoS 2 exchange).
    pub(crate) fn pubcomp(&mut self, pkid: u16) {
        self.inflight
            .retain(|(id, state)| !(*id == pkid && matches!(state, Outgoing::Released)));
    }

    /// The packets that resume the unacknowledged exchanges when the client reconnects to a kept
    /// session: PUBLISH again with DUP set, or PUBREL.
    pub(crate) fn resume(&self, out: &mut Vec<Packet>) {
        for (pkid, state) in &self.inflight {
            match state {
                Outgoing::Published(message) => {
                    let mut message = message.clone();
                    message.dup = true;
                    out.push(Packet::Publish(message));
                }
                Outgoing::Released => out.push(Packet::PubRel(PubRel::new(*pkid))),
            }
        }
    }

    /// A packet id not used by any unacknowledged outgoing message.
    fn next_pkid(&mut self) -> u16 {
        loop {
            self.last_pkid = self.last_pkid.checked_add(1).unwrap_or(1);
            let pkid = self.last_pkid;
            if !self.inflight.iter().any(|(id, _)| *id == pkid) {
                return pkid;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(qos: QoS, payload: &'static [u8]) -> Publish {
        Publish::new("t", qos, payload)
    }

    fn pkids(out: &[Packet]) -> Vec<u16> {
        out.iter()
            .map(|p| match p {
                Packet::Publish(p) => p.pkid,
                other => panic!("unexpected {other:?}"),
            })
            .collect()
    }

    #[test]
    fn inflight_window_and_acks() {
        let mut s = Session::new(true);
        s.conn = Some(1);
        for _ in 0..3 {
            s.enqueue(publish(QoS::AtLeastOnce, b"x"), 10);
        }
        s.enqueue(publish(QoS::AtMostOnce, b"y"), 10);
        let mut out = Vec::new();
        s.drain(2, &mut out);
        assert_eq!(pkids(&out), vec![1, 2]);
        out.clear();
        s.puback(1);
        s.drain(2, &mut out);
        // The QoS 0 message keeps its place behind the QoS 1 message.
        assert_eq!(pkids(&out), vec![3, 0]);
    }

    #[test]
    fn qos2_outgoing_and_resume() {
        let mut s = Session::new(false);
        s.conn = Some(1);
        s.enqueue(publish(QoS::ExactlyOnce, b"a"), 10);
        s.enqueue(publish(QoS::ExactlyOnce, b"b"), 10);
        let mut out = Vec::new();
        s.drain(10, &mut out);
        s.pubrec(1);
        // PUBCOMP before PUBREC is ignored.
        s.pubcomp(2);
        out.clear();
        s.resume(&mut out);
        assert_eq!(out.len(), 2);
        assert!(matches!(&out[0], Packet::PubRel(r) if r.pkid == 1));
        assert!(matches!(&out[1], Packet::Publish(p) if p.pkid == 2 && p.dup));
        s.pubcomp(1);
        s.pubrec(2);
        s.pubcomp(2);
        out.clear();
        s.resume(&mut out);
        assert!(out.is_empty());
    }

    #[test]
    fn offline_queue_keeps_qos1_only_up_to_limit() {
        let mut s = Session::new(false);
        s.enqueue(publish(QoS::AtMostOnce, b"0"), 2);
        s.enqueue(publish(QoS::AtLeastOnce, b"1"), 2);
        s.enqueue(publish(QoS::ExactlyOnce, b"2"), 2);
        s.enqueue(publish(QoS::AtLeastOnce, b"3"), 2);
        s.conn = Some(7);
        let mut out = Vec::new();
        s.drain(10, &mut out);
        let payloads: Vec<_> = out
            .iter()
            .map(|p| match p {
                Packet::Publish(p) => p.payload.clone(),
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(payloads, vec![&b"1"[..], &b"2"[..]]);
    }

    #[test]
    fn duplicate_qos2_receipt() {
        let mut s = Session::new(true);
        assert!(s.receive_qos2(5));
        assert!(!s.receive_qos2(5));
        s.release_qos2(5);
        assert!(s.receive_qos2(5));
    }

    #[test]
    fn granted_is_highest_matching() {
        let mut s = Session::new(true);
        s.subscribe("a/+", QoS::AtLeastOnce);
        s.subscribe("a/#", QoS::ExactlyOnce);
        s.subscribe("b", QoS::AtMostOnce);
        assert_eq!(s.granted("a/x"), Some(QoS::ExactlyOnce));
        assert_eq!(s.granted("b"), Some(QoS::AtMostOnce));
        assert_eq!(s.granted("c"), None);
        s.unsubscribe("a/#");
        assert_eq!(s.granted("a/x"), Some(QoS::AtLeastOnce));
    }
}
