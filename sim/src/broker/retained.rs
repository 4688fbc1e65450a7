//! The store of retained messages: at most one per topic name.

use std::collections::BTreeMap;

use bytes::Bytes;
use rumqttc::mqttbytes::QoS;

use super::topic;

/// A retained message: its payload and the QoS it was published with.
#[derive(Debug, Clone)]
pub(crate) struct RetainedMessage {
    pub(crate) payload: Bytes,
    pub(crate) qos: QoS,
}

/// Retained messages by topic name.
#[derive(Debug, Default)]
pub(crate) struct Retained {
    messages: BTreeMap<String, RetainedMessage>,
}

impl Retained {
    /// Stores `payload` as the retained message of `topic`, replacing any previous one; an empty
    /// payload deletes the retained message of `topic` instead.
    pub(crate) fn store(&mut self, topic: &str, payload: &Bytes, qos: QoS) {
        if payload.is_empty() {
            self.messages.remove(topic);
        } else {
            let message = RetainedMessage {
                payload: payload.clone(),
                qos,
            };
            self.messages.insert(topic.to_owned(), message);
        }
    }

    /// The retained messages whose topic matches `filter`, in topic order.
    pub(crate) fn matching<'a>(
        &'a self,
        filter: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a RetainedMessage)> + 'a {
        self.messages
            .iter()
            .filter(move |(name, _)| topic::matches(filter, name))
            .map(|(name, message)| (name.as_str(), message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_replace_delete() {
        let mut retained = Retained::default();
        retained.store("a/b", &Bytes::from_static(b"1"), QoS::AtLeastOnce);
        retained.store("a/c", &Bytes::from_static(b"2"), QoS::AtMostOnce);
        retained.store("a/b", &Bytes::from_static(b"3"), QoS::ExactlyOnce);
        let all: Vec<_> = retained
            .matching("a/+")
            .map(|(t, m)| (t.to_owned(), m.payload.clone(), m.qos))
            .collect();
        assert_eq!(
            all,
            vec![
                ("a/b".to_owned(), Bytes::from_static(b"3"), QoS::ExactlyOnce),
                ("a/c".to_owned(), Bytes::from_static(b"2"), QoS::AtMostOnce),
            ]
        );
        retained.store("a/b", &Bytes::new(), QoS::AtMostOnce);
        assert_eq!(retained.matching("#").count(), 1);
        assert_eq!(retained.matching("a/b").count(), 0);
    }
}
