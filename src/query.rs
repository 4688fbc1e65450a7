//! Typed answers of the queries, shared by the async and the blocking driver.

use crate::codec::{Capabilities, Item, MqttCommand, RegistrationKind};
use crate::proto::answer;
use crate::types::{ClientId, ClientSet, QoS, ReceiveMode};

/// `+CSQ`: signal quality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SignalQuality {
    /// 0 (-113 dBm or less) to 31 (-51 dBm or more); 99 unknown.
    pub rssi: u8,
    /// Bit error rate 0-7; 99 unknown.
    pub ber: u8,
}

impl SignalQuality {
    /// The received signal strength in dBm, if known.
    pub fn dbm(&self) -> Option<i16> {
        (self.rssi <= 31).then(|| i16::from(self.rssi).saturating_mul(2).saturating_sub(113))
    }
}

/// `+CPIN`: the SIM's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SimState {
    /// `READY`.
    Ready,
    /// `SIM PIN`: waiting for the PIN.
    Pin,
    /// `SIM PUK`: waiting for the PUK.
    Puk,
    /// Anything else.
    Other,
}

/// `+COPS`: the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Operator {
    /// Selection mode (0 automatic).
    pub mode: u8,
    /// The operator's name (at most 32 bytes kept), empty when not registered.
    pub name: heapless::String<32>,
    /// Access technology (7 is LTE), if given.
    pub act: Option<u8>,
}

/// A stored user entry, from `AT+MQTTUSER?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StoredUser<'a> {
    /// The client.
    pub client: ClientId,
    /// User name.
    pub user: &'a [u8],
    /// Password.
    pub password: &'a [u8],
    /// Client identifier, if set.
    pub client_id: Option<&'a [u8]>,
}

/// A stored will, from `AT+MQTTWILL?`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct StoredWill<'a> {
    /// The client.
    pub client: ClientId,
    /// Will topic.
    pub topic: &'a [u8],
    /// Will QoS.
    pub qos: QoS,
    /// Will retain flag.
    pub retain: bool,
    /// Will payload.
    pub payload: &'a [u8],
}

/// An IP address as the module wrote it (dotted IPv4, or IPv6 text).
pub type IpText = heapless::String<46>;

pub(crate) fn free_clients(a: &[u8]) -> Option<ClientSet> {
    let mut found = None;
    for item in answer::items(a) {
        if let Item::FreeClients { clients, .. } = item {
            found = Some(found.unwrap_or(ClientSet::EMPTY).union(clients));
        }
    }
    found
}

pub(crate) fn users(a: &[u8], f: &mut dyn FnMut(StoredUser<'_>)) {
    for item in answer::items(a) {
        if let Item::UserInfo {
            client,
            user,
            password,
            client_id,
        } = item
        {
            f(StoredUser {
                client,
                user,
                password,
                client_id,
            });
        }
    }
}

pub(crate) fn wills(a: &[u8], f: &mut dyn FnMut(StoredWill<'_>)) {
    for item in answer::items(a) {
        if let Item::WillInfo {
            client,
            topic,
            qos,
            retain,
            payload,
        } = item
        {
            f(StoredWill {
                client,
                topic,
                qos,
                retain,
                payload,
            });
        }
    }
}

pub(crate) fn capabilities(a: &[u8], cmd: MqttCommand) -> Option<Capabilities> {
    answer::items(a).find_map(|i| match i {
        Item::Capabilities(c) if c.command == cmd => Some(c),
        _ => None,
    })
}

pub(crate) fn receive_mode(a: &[u8]) -> Option<ReceiveMode> {
    answer::items(a).find_map(|i| match i {
        Item::ConfInfo(m) => Some(m),
        _ => None,
    })
}

pub(crate) fn signal(a: &[u8]) -> Option<SignalQuality> {
    answer::items(a).find_map(|i| match i {
        Item::SignalQuality { rssi, ber } => Some(SignalQuality { rssi, ber }),
        _ => None,
    })
}

pub(crate) fn sim(a: &[u8]) -> Option<SimState> {
    answer::items(a).find_map(|i| match i {
        Item::SimState(b"READY") => Some(SimState::Ready),
        Item::SimState(b"SIM PIN") => Some(SimState::Pin),
        Item::SimState(b"SIM PUK") => Some(SimState::Puk),
        Item::SimState(_) => Some(SimState::Other),
        _ => None,
    })
}

pub(crate) fn operator(a: &[u8]) -> Option<Operator> {
    answer::items(a).find_map(|i| match i {
        Item::Operator { mode, name, act } => Some(Operator {
            mode,
            name: text(name.unwrap_or(b"")),
            act,
        }),
        _ => None,
    })
}

pub(crate) fn registration(a: &[u8], kind: RegistrationKind) -> Option<crate::codec::Registration> {
    answer::items(a).find_map(|i| match i {
        Item::Registration(r) if r.kind == kind && r.mode.is_some() => Some(r),
        _ => None,
    })
}

/// `Some(Some(ip))` when a call is up, `Some(None)` when none is.
pub(crate) fn data_call(a: &[u8]) -> Option<Option<IpText>> {
    answer::items(a).find_map(|i| match i {
        Item::MipCall(crate::codec::MipCall::Up(ip)) => Some(Some(text(ip))),
        Item::MipCall(crate::codec::MipCall::Down) => Some(None),
        _ => None,
    })
}

/// Printable ASCII of `b`, truncated to the capacity.
pub(crate) fn text<const N: usize>(b: &[u8]) -> heapless::String<N> {
    let mut s = heapless::String::new();
    for &c in b.iter().take(N) {
        if matches!(c, 0x20..=0x7e) {
            let _ = s.push(char::from(c));
        }
    }
    s
}
