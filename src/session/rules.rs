//! What a broker allows beyond the module's own limits (a cloud's rules), checked by the
//! session before a publish is queued.

use crate::types::QoS;

/// The rules a broker adds to the module's limits: which QoS, retain flag and topics it takes
/// from this device. A cloud profile (the `cloud` module, feature `cloud`) implements it; a
/// [`SessionConfig`](super::SessionConfig) whose [`rules`](super::SessionConfig::rules) holds
/// one refuses every publish that breaks them ([`PublishError::Forbidden`](super::PublishError::Forbidden))
/// before anything is queued or sent, instead of the broker closing the connection.
///
/// Only the broker's own rules are checked here; the module's limits (lengths, bytes) are the
/// driver's, checked anyway.
pub trait BrokerRules: core::fmt::Debug + Sync {
    /// Whether the broker takes a publish to `topic` with `qos` and `retain` from this device.
    fn check_publish(&self, topic: &str, qos: QoS, retain: bool) -> Result<(), Forbidden>;

    /// Whether the broker takes a subscription to `filter` with `qos` from this device.
    fn check_subscribe(&self, filter: &str, qos: QoS) -> Result<(), Forbidden>;
}

/// A publish or subscription the broker does not take from this device, named by its rule.
/// `broker` is the broker's name (such as `"Azure IoT Hub"`), for messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Forbidden {
    /// The broker has no QoS above `max` (Azure IoT Hub and AWS IoT Core close the connection
    /// on a QoS 2 publish, ThingsBoard has QoS 0 and 1): use `max` or lower.
    QoS {
        /// The broker's name.
        broker: &'static str,
        /// The highest QoS it takes.
        max: QoS,
    },
    /// The broker takes no retained message (Azure IoT Hub closes the connection): publish
    /// without the retain flag (keep state in the device twin instead).
    Retain {
        /// The broker's name.
        broker: &'static str,
    },
    /// The topic is not one this device may publish to on this broker (Azure IoT Hub:
    /// `devices/<device id>/messages/events/...` or `$iothub/...`; ThingsBoard:
    /// `v1/devices/me/...`): use the profile's topics.
    Topic {
        /// The broker's name.
        broker: &'static str,
        /// The topics it takes from the device, in words (`"v1/devices/me/..."`).
        allowed: &'static str,
    },
    /// The filter is not one this device may subscribe to on this broker (Azure IoT Hub:
    /// `devices/<device id>/messages/devicebound/#` or `$iothub/...`; ThingsBoard:
    /// `v1/devices/me/...`): use the profile's filters.
    Filter {
        /// The broker's name.
        broker: &'static str,
        /// The filters it takes from the device, in words.
        allowed: &'static str,
    },
    /// The topic or filter has more than `max` slashes (AWS IoT Core allows 7).
    Levels {
        /// The broker's name.
        broker: &'static str,
        /// The most slashes it takes.
        max: u8,
    },
}

impl core::fmt::Display for Forbidden {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Forbidden::QoS { broker, max } => write!(
                f,
                "{broker} takes QoS {} at most (a higher QoS makes it close the connection or \
                 is not supported): use QoS {} or lower",
                max.number(),
                max.number()
            ),
            Forbidden::Retain { broker } => write!(
                f,
                "{broker} takes no retained messages (it closes the connection): publish \
                 without retain"
            ),
            Forbidden::Topic { broker, allowed } => write!(
                f,
                "{broker} does not let this device publish to that topic: use {allowed}"
            ),
            Forbidden::Filter { broker, allowed } => write!(
                f,
                "{broker} does not let this device subscribe to that filter: use {allowed}"
            ),
            Forbidden::Levels { broker, max } => write!(
                f,
                "{broker} takes topics and filters of at most {max} slashes: use fewer levels"
            ),
        }
    }
}

impl core::error::Error for Forbidden {}
