//! Where to connect: the broker settings of `AT+MQTTOPEN`.

use crate::codec::Command;
use crate::types::ClientId;

/// Broker connection settings for `open`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Broker<'a> {
    /// Host name or dotted IPv4 address, 1-255 bytes.
    pub host: &'a str,
    /// Port, 1-65535.
    pub port: u16,
    /// Clean session.
    pub clean_session: bool,
    /// Keepalive interval in seconds, 1-300.
    pub keepalive: u16,
}

impl<'a> Broker<'a> {
    /// `host:port` with a clean session and a 60 s keepalive.
    pub const fn new(host: &'a str, port: u16) -> Self {
        Broker {
            host,
            port,
            clean_session: true,
            keepalive: 60,
        }
    }

    /// `AT+MQTTOPEN` for client `id` to this broker.
    pub(crate) fn command(&self, id: ClientId) -> Command<'a> {
        Command::Open {
            id,
            host: self.host,
            port: self.port,
            clean_session: self.clean_session,
            keepalive: self.keepalive,
        }
    }
}
