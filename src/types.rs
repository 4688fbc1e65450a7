//! Small value types shared by the codec and the driver.

/// One of the module's two MQTT clients.
///
/// The module runs up to two MQTT connections at once, numbered 1 and 2 in every command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClientId {
    /// Client 1.
    One = 1,
    /// Client 2.
    Two = 2,
}

impl ClientId {
    /// Both clients, in order.
    pub const ALL: [ClientId; 2] = [ClientId::One, ClientId::Two];

    /// The client with this number, if it is 1 or 2.
    pub const fn new(n: u32) -> Option<Self> {
        match n {
            1 => Some(ClientId::One),
            2 => Some(ClientId::Two),
            _ => None,
        }
    }

    /// The number the module uses for this client (1 or 2).
    pub const fn number(self) -> u8 {
        self as u8
    }

    /// 0 for client 1, 1 for client 2: an index into per-client tables.
    pub const fn index(self) -> usize {
        match self {
            ClientId::One => 0,
            ClientId::Two => 1,
        }
    }
}

/// MQTT quality of service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum QoS {
    /// 0: at most once.
    AtMostOnce = 0,
    /// 1: at least once.
    AtLeastOnce = 1,
    /// 2: exactly once.
    ExactlyOnce = 2,
}

impl QoS {
    /// The QoS with this number, if it is 0, 1 or 2.
    pub const fn new(n: u32) -> Option<Self> {
        match n {
            0 => Some(QoS::AtMostOnce),
            1 => Some(QoS::AtLeastOnce),
            2 => Some(QoS::ExactlyOnce),
            _ => None,
        }
    }

    /// The number on the wire (0, 1 or 2).
    pub const fn number(self) -> u8 {
        self as u8
    }
}

/// How the module reports received messages (`AT+MQTTCONF=<mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ReceiveMode {
    /// Mode 0 (the module's power-up default): `+MQTTMSG: <id>,<qos>,"<topic>","<payload>"`.
    /// Not binary safe: a payload holding CR or LF cannot be framed.
    Direct = 0,
    /// Mode 1 (the driver's default): `+MQTTMSGI` announces lengths and `AT+MQTTREAD` fetches the
    /// message, framed by length, so any payload byte is safe.
    Buffered = 1,
}

impl ReceiveMode {
    /// The mode with this number, if it is 0 or 1.
    pub const fn new(n: u32) -> Option<Self> {
        match n {
            0 => Some(ReceiveMode::Direct),
            1 => Some(ReceiveMode::Buffered),
            _ => None,
        }
    }
}

/// Why the module reported `+MQTTBREAK`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BreakCause {
    /// 1: the broker closed the connection, or a ping went unanswered.
    Broker,
    /// 2: the wireless link (the IP data call) was lost.
    Link,
    /// 3: the module is not registered on the network.
    Network,
    /// A cause number the manual does not define.
    Other(u8),
}

impl BreakCause {
    /// The cause for this number.
    pub const fn new(n: u8) -> Self {
        match n {
            1 => BreakCause::Broker,
            2 => BreakCause::Link,
            3 => BreakCause::Network,
            n => BreakCause::Other(n),
        }
    }
}

/// A set of client ids, as listed by `AT+MQTTOPEN?` (ids that can be opened) and `AT+MQTTCLOSE?`
/// (ids that can be closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ClientSet(u8);

impl ClientSet {
    /// The empty set.
    pub const EMPTY: ClientSet = ClientSet(0);

    /// The set of these bits: 1 for client 1, 2 for client 2.
    pub(crate) const fn from_bits(bits: u8) -> Self {
        ClientSet(bits & 3)
    }

    /// Whether `id` is in the set.
    pub const fn contains(self, id: ClientId) -> bool {
        self.0 & (1 << id.index()) != 0
    }

    /// The set with `id` added.
    #[must_use]
    pub const fn with(self, id: ClientId) -> Self {
        ClientSet(self.0 | (1 << id.index()))
    }

    /// The set without `id`.
    #[must_use]
    pub const fn without(self, id: ClientId) -> Self {
        ClientSet(self.0 & !(1 << id.index()))
    }

    /// The clients not in the set.
    #[must_use]
    pub const fn complement(self) -> Self {
        ClientSet(!self.0 & 3)
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: ClientSet) -> Self {
        ClientSet(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}
