//! What the parser recognises in the module's output.

use super::clock::ModuleTime;
use super::command::MqttCommand;
use super::tls::{TlsErrorReason, TlsFileKind, TlsVersion};
use crate::types::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};

/// One thing the module sent: a line, a prompt, or a message read by length.
///
/// Strings and payloads are borrowed from the parser's input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Item<'a> {
    /// The echo of a command line (a line starting with `AT`), without its line end.
    Echo(&'a [u8]),
    /// `OK`.
    Ok,
    /// `ERROR`, `ERROR: <n>` or `+CME ERROR: <n>`.
    Error(ErrorCode<'a>),
    /// The data-mode prompt (`>` at the start of a line, with or without a following space or line
    /// end).
    Prompt,
    /// The result line of an asynchronous command: `+MQTTOPEN: <id>,<status>` and the like.
    /// Status 1 is success; anything else is a failure.
    Result {
        /// Which command this is the outcome of.
        command: ResultOf,
        /// The client it concerns.
        client: ClientId,
        /// The status as sent: 1 is success, 0 (or anything else) failure.
        status: u8,
    },
    /// `+MQTTMSG: <id>,<qos>,"<topic>","<payload>"` (receive mode 0). The payload runs to the
    /// last `"` of the line.
    Message(Message<'a>),
    /// `+MQTTMSGI: <id>,<qos>,<topic length>,<payload length>` (receive mode 1): a message waits
    /// to be read with `AT+MQTTREAD`.
    MessageWaiting {
        /// The client that received it.
        client: ClientId,
        /// Its QoS.
        qos: QoS,
        /// Topic length in bytes.
        topic_len: usize,
        /// Payload length in bytes.
        payload_len: usize,
    },
    /// The answer of `AT+MQTTREAD=<id>`: a message read by length, in either layout.
    Read(Message<'a>),
    /// `+MQTTREAD: <id>,0,0,0`: nothing was waiting.
    ReadEmpty(ClientId),
    /// `+MQTTBREAK: <id>,<cause>`: the connection dropped. Some firmware reports the same event
    /// as `+MQTTLOSE: <id>,<cause>`, which parses to this item too.
    Break {
        /// The client whose connection dropped.
        client: ClientId,
        /// Why.
        cause: BreakCause,
    },
    /// `+MIPCALL: ...`: the data call's state.
    MipCall(MipCall<'a>),
    /// `+CREG:`, `+CGREG:` or `+CEREG:`.
    Registration(Registration),
    /// A line with a known prefix whose fields did not parse. Reported, never trusted.
    Malformed(&'a [u8]),
    /// Any other line, such as `RDY`, `+SIM READY` or the text of `ATI`.
    Line(&'a [u8]),
    /// `+MQTTOPEN: <ids>` (after `AT+MQTTOPEN?`: the clients that can be opened) or
    /// `+MQTTCLOSE: <ids>` (after `AT+MQTTCLOSE?`: the clients that can be closed). `0` lists none.
    FreeClients {
        /// [`MqttCommand::Open`] or [`MqttCommand::Close`].
        command: MqttCommand,
        /// The clients listed.
        clients: ClientSet,
    },
    /// `+MQTTUSER: <id>,"<user>","<password>"[,"<client id>"]`, after `AT+MQTTUSER?`.
    UserInfo {
        /// The client.
        client: ClientId,
        /// Its user name.
        user: &'a [u8],
        /// Its password.
        password: &'a [u8],
        /// Its client identifier, if one was set.
        client_id: Option<&'a [u8]>,
    },
    /// `+MQTTWILL: <id>,"<topic>",<qos>,<retain>,"<payload>"`, after `AT+MQTTWILL?`.
    WillInfo {
        /// The client.
        client: ClientId,
        /// Will topic.
        topic: &'a [u8],
        /// Will QoS.
        qos: QoS,
        /// Will retain flag.
        retain: bool,
        /// Will payload.
        payload: &'a [u8],
    },
    /// `+MQTTCONF: <mode>`, after `AT+MQTTCONF?`.
    ConfInfo(ReceiveMode),
    /// The answer to a test (`=?`) form, such as `+MQTTUSER: (1,2),128,128,23`.
    Capabilities(Capabilities),
    /// `+CSQ: <rssi>,<ber>`.
    SignalQuality {
        /// 0-31, or 99 for unknown.
        rssi: u8,
        /// Bit error rate, 0-7, or 99 for unknown.
        ber: u8,
    },
    /// `+CPIN: <state>`, such as `READY`.
    SimState(&'a [u8]),
    /// `+COPS: <mode>[,<format>,"<operator>"[,<act>]]`.
    Operator {
        /// Selection mode.
        mode: u8,
        /// The operator's name, if registered.
        name: Option<&'a [u8]>,
        /// Access technology, if given (7 is LTE).
        act: Option<u8>,
    },
    /// `+GTSSLVER: <v>`, after `AT+GTSSLVER?`.
    TlsVersion(TlsVersion),
    /// `+GTSSLMODE: <m>`, after `AT+GTSSLMODE?`: whether the server's certificate is verified
    /// (`1`).
    TlsVerify(bool),
    /// `+GTSSLFILE: <kind>,<n>`, one line per kind after `AT+GTSSLFILE?`: how many files of
    /// that kind are loaded (uploading the same file twice counts 2).
    TlsFiles {
        /// The kind of file.
        kind: TlsFileKind,
        /// How many are loaded.
        count: u16,
    },
    /// `+GTSSLERR: <code>`, after `AT+GTSSLERR?`: why the last TLS connection failed.
    TlsError(TlsErrorReason),
    /// `+CCLK: "yy/MM/dd,hh:mm:ss±zz"`, after `AT+CCLK?`: the module's clock.
    Clock(ModuleTime),
}

/// The error codes of a final result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ErrorCode<'a> {
    /// `ERROR` with no code.
    Plain,
    /// `ERROR: <n>`.
    Code(u16),
    /// `+CME ERROR: <n>`.
    Cme(u16),
    /// `+CME ERROR: <text>`.
    CmeText(&'a [u8]),
}

impl ErrorCode<'_> {
    /// The numeric code, in either form.
    pub fn code(&self) -> Option<u16> {
        match *self {
            ErrorCode::Code(n) | ErrorCode::Cme(n) => Some(n),
            _ => None,
        }
    }
}

/// The command a result line ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ResultOf {
    /// `+MQTTOPEN: <id>,<status>`
    Open,
    /// `+MQTTCLOSE: <id>,<status>`
    Close,
    /// `+MQTTSUB: <id>,<status>`
    Subscribe,
    /// `+MQTTUNSUB: <id>,<status>`
    Unsubscribe,
    /// `+MQTTPUB: <id>,<status>`
    Publish,
}

/// A received message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Message<'a> {
    /// The client that received it.
    pub client: ClientId,
    /// Its QoS.
    pub qos: QoS,
    /// Its topic.
    pub topic: &'a [u8],
    /// Its payload.
    pub payload: &'a [u8],
}

/// `+MIPCALL:` forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MipCall<'a> {
    /// `+MIPCALL: 0`: no call / the call failed or ended.
    Down,
    /// `+MIPCALL: <ip>` or `+MIPCALL: 1,<ip>` (quotes removed).
    Up(&'a [u8]),
}

/// `+CREG:`, `+CGREG:` or `+CEREG:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Registration {
    /// Which of the three.
    pub kind: RegistrationKind,
    /// The reporting mode `<n>` of a query answer (`+CREG: <n>,<stat>`); `None` for the
    /// unsolicited form (`+CREG: <stat>[,...]`).
    pub mode: Option<u8>,
    /// `<stat>`: 1 registered (home), 5 registered (roaming), 0/2/3/4 not registered.
    pub stat: u8,
}

impl Registration {
    /// Whether `stat` says registered (1 home, 5 roaming).
    pub fn registered(&self) -> bool {
        matches!(self.stat, 1 | 5)
    }
}

/// Which registration report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum RegistrationKind {
    /// `+CREG`
    Creg,
    /// `+CGREG`
    Cgreg,
    /// `+CEREG`
    Cereg,
}

/// The ranges of a test-form answer, parsed leniently: each top-level field becomes the smallest
/// and greatest number it mentions (`(1,2)`, `(1-2)`, `2`, `(0-300)`), or `None` for a field with
/// no number (such as `("Remote IP/URL")`). At most [`Capabilities::MAX_FIELDS`] fields are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Capabilities {
    /// The command answered.
    pub command: MqttCommand,
    fields: [Option<(u32, u32)>; Capabilities::MAX_FIELDS],
    len: u8,
}

impl Capabilities {
    /// The most fields kept.
    pub const MAX_FIELDS: usize = 6;

    pub(crate) fn new(command: MqttCommand) -> Self {
        Capabilities {
            command,
            fields: [None; Self::MAX_FIELDS],
            len: 0,
        }
    }

    pub(crate) fn push(&mut self, field: Option<(u32, u32)>) {
        if let Some(slot) = self.fields.get_mut(usize::from(self.len)) {
            *slot = field;
            self.len = self.len.saturating_add(1);
        }
    }

    /// The fields, in order: `(min, max)` or `None`.
    pub fn fields(&self) -> &[Option<(u32, u32)>] {
        self.fields.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Field `i`, if present and numeric.
    pub fn field(&self, i: usize) -> Option<(u32, u32)> {
        self.fields().get(i).copied().flatten()
    }
}
