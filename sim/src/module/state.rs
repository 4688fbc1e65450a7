//! State the module keeps per MQTT client and for the network, and the requests and reports it
//! exchanges with the broker side.

use std::collections::VecDeque;
use std::net::Ipv4Addr;
use std::time::Instant;

use crate::at::commands::{FileKind, Message};

/// `AT+MQTTUSER` settings of one client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserConf {
    /// User name (empty: connect without credentials).
    pub user: String,
    /// Password.
    pub pass: String,
    /// MQTT client identifier; `None`: the IMEI.
    pub client_id: Option<String>,
}

/// Connection state of one client. `gen` tells one connection attempt from the next, so that a
/// late report about an old connection is ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Conn {
    /// No connection; `AT+MQTTOPEN` allowed.
    #[default]
    Closed,
    /// `AT+MQTTOPEN` accepted, waiting for CONNACK.
    Connecting {
        /// Attempt number.
        gen: u64,
    },
    /// Connected to the broker.
    Connected {
        /// Attempt number.
        gen: u64,
    },
    /// `AT+MQTTCLOSE` accepted, DISCONNECT under way.
    Closing {
        /// Attempt number.
        gen: u64,
    },
}

impl Conn {
    /// The attempt number, unless closed.
    pub fn gen(self) -> Option<u64> {
        match self {
            Conn::Closed => None,
            Conn::Connecting { gen } | Conn::Connected { gen } | Conn::Closing { gen } => Some(gen),
        }
    }
}

/// A message received from the broker, waiting in receive mode 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// QoS it was delivered with.
    pub qos: u8,
    /// Topic bytes.
    pub topic: Vec<u8>,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// What to acknowledge to the broker once the message is handed to the host
    /// ([`SimConfig::ack_on_read`](crate::SimConfig::ack_on_read)); `None`: nothing (acknowledged
    /// on receipt, or QoS 0).
    pub ack: Option<Ack>,
}

/// A broker message's acknowledgement, owed once the host has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ack {
    /// The connection it came on.
    pub gen: u64,
    /// Its packet id.
    pub pkid: u16,
    /// Its QoS (1 or 2).
    pub qos: u8,
}

/// Everything the module knows about one client id (as after power-up by default).
#[derive(Debug, Clone, Default)]
pub struct Client {
    /// Last `AT+MQTTUSER`.
    pub user: Option<UserConf>,
    /// Last `AT+MQTTWILL`.
    pub will: Option<Message>,
    /// Connection state.
    pub conn: Conn,
    /// Receive-mode-1 queue, oldest first.
    pub queue: VecDeque<Received>,
}

/// The simulated data call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// No call.
    Down,
    /// `AT+MIPCALL=1` accepted; the outcome comes later.
    Dialling {
        /// Attempt number.
        gen: u64,
    },
    /// Call up with this address.
    Up(Ipv4Addr),
}

/// What the broker side must connect with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenParams {
    /// Host as given to `AT+MQTTOPEN`.
    pub host: String,
    /// Port as given.
    pub port: u16,
    /// Clean-session flag.
    pub clean: bool,
    /// Keepalive, seconds.
    pub keepalive: u16,
    /// Client identifier actually used (ClientIDStr or IMEI).
    pub client_id: String,
    /// User name and password, if a user name is set.
    pub credentials: Option<(String, String)>,
    /// Will message, if set.
    pub will: Option<Message>,
    /// TLS settings and files, if the open asked for TLS.
    pub tls: Option<TlsSettings>,
    /// Acknowledge QoS 1 and 2 messages only when told to ([`Effect::Ack`]).
    pub manual_acks: bool,
    /// The module's clock at the open, seconds since the Unix epoch (UTC): the TLS check of
    /// the server certificate's validity uses it.
    pub clock: i64,
}

/// The module's TLS settings and uploaded files (all lost on a restart).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsSettings {
    /// `AT+GTSSLVER` (0 after power-up; 4 is TLS 1.2).
    pub version: u8,
    /// `AT+GTSSLMODE=1`: verify the server's certificate.
    pub verify: bool,
    /// Uploaded TRUSTFILEs, oldest first.
    pub trust: Vec<Vec<u8>>,
    /// Uploaded CAFILEs (client certificates), oldest first; the newest is used.
    pub certs: Vec<Vec<u8>>,
    /// Uploaded KEYFILEs (client keys), oldest first; the newest is used.
    pub keys: Vec<Vec<u8>>,
}

impl TlsSettings {
    /// The files of one kind.
    pub fn files_mut(&mut self, kind: FileKind) -> &mut Vec<Vec<u8>> {
        match kind {
            FileKind::Trust => &mut self.trust,
            FileKind::Cert => &mut self.certs,
            FileKind::Key => &mut self.keys,
        }
    }

    /// How many files of one kind are loaded.
    pub fn count(&self, kind: FileKind) -> usize {
        match kind {
            FileKind::Trust => self.trust.len(),
            FileKind::Cert => self.certs.len(),
            FileKind::Key => self.keys.len(),
        }
    }
}

/// A request from the module to the broker side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Connect client `id` (attempt `gen`).
    Open(u8, u64, OpenParams),
    /// Connect client `id` (attempt `gen`) as a connection left by a previous run, and
    /// subscribe it to these filters: reported with [`Report::Resumed`] once done, not with
    /// [`Report::Connected`] and [`Report::Done`].
    Resume(u8, u64, OpenParams, Vec<(String, u8)>),
    /// SUBSCRIBE.
    Sub(u8, u64, String, u8),
    /// UNSUBSCRIBE.
    Unsub(u8, u64, String),
    /// PUBLISH.
    Pub(u8, u64, Message),
    /// Send DISCONNECT and close.
    Close(u8, u64),
    /// Close the socket at once, without DISCONNECT (the broker publishes the will).
    Kill(u8, u64),
    /// Acknowledge a message to the broker (PUBACK or PUBREC), on client `id`'s connection
    /// `ack.gen` if it is still the live one.
    Ack(u8, Ack),
}

/// Which acknowledged operation a [`Report::Done`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// SUBACK arrived.
    Sub,
    /// UNSUBACK arrived.
    Unsub,
    /// PUBLISH written (QoS 0), PUBACK (QoS 1) or PUBCOMP (QoS 2) arrived.
    Pub,
}

/// A report from the broker side about client `id`, attempt `gen`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Report {
    /// CONNACK accepted.
    Connected(u8, u64),
    /// A connection left by a previous run ([`Effect::Resume`]) is up and its subscriptions
    /// acknowledged; `false` if a subscription was refused.
    Resumed(u8, u64, bool),
    /// CONNACK refused with this return code (1..5).
    Refused(u8, u64, u8),
    /// The connection could not be made (unknown host, closed port, timeout).
    Failed(u8, u64),
    /// The TLS set-up or handshake failed with this `AT+GTSSLERR?` code.
    TlsFailed(u8, u64, i32),
    /// An operation finished; `true` on success.
    Done(u8, u64, Op, bool),
    /// A PUBLISH arrived.
    Message(u8, u64, Received),
    /// The connection broke (socket closed by the broker, keepalive failed).
    Broken(u8, u64),
    /// The connection was closed after DISCONNECT.
    Closed(u8, u64),
}

/// A line or action that waits for its time.
#[derive(Debug, Clone)]
pub struct Timed {
    /// When it is due.
    pub at: Instant,
    /// What to do.
    pub what: TimedWhat,
}

/// What a [`Timed`] entry does.
#[derive(Debug, Clone)]
pub enum TimedWhat {
    /// Send a framed line; `owner` (client id, attempt) lets a break cancel it.
    Line(Option<(u8, u64)>, Vec<u8>),
    /// The data call attempt `gen` comes to its outcome.
    CallOutcome(u64),
}
