//! Typed values for every command the driver sends.

use super::tls::{TlsCommand, TlsFileKind, TlsParam, TlsVersion};
use super::validate::{self, EncodeError};
use crate::types::{ClientId, QoS, ReceiveMode};

/// How a publish or will payload goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum PayloadForm {
    /// The text form when the payload is printable ASCII without `"` (and for an empty payload),
    /// else the data form.
    #[default]
    Auto,
    /// Always the text form: `...,"<payload>"`. Refused for a payload the text form cannot carry.
    Text,
    /// Always the data form: `...,<size>`, then the raw bytes after the prompt. Refused for an
    /// empty payload.
    Data,
}

/// The three forms every MQTT command has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Form {
    /// `AT+X?`: read the current setting or state.
    Read,
    /// `AT+X=?`: list the supported values.
    Test,
}

/// The MQTT commands, by name, for the read and test forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum MqttCommand {
    /// `+MQTTUSER`
    User,
    /// `+MQTTOPEN`
    Open,
    /// `+MQTTCLOSE`
    Close,
    /// `+MQTTSUB`
    Sub,
    /// `+MQTTUNSUB`
    Unsub,
    /// `+MQTTPUB`
    Pub,
    /// `+MQTTCONF`
    Conf,
    /// `+MQTTREAD`
    Read,
    /// `+MQTTWILL`
    Will,
}

impl MqttCommand {
    /// The command's name, with its `+`.
    pub const fn name(self) -> &'static str {
        match self {
            MqttCommand::User => "+MQTTUSER",
            MqttCommand::Open => "+MQTTOPEN",
            MqttCommand::Close => "+MQTTCLOSE",
            MqttCommand::Sub => "+MQTTSUB",
            MqttCommand::Unsub => "+MQTTUNSUB",
            MqttCommand::Pub => "+MQTTPUB",
            MqttCommand::Conf => "+MQTTCONF",
            MqttCommand::Read => "+MQTTREAD",
            MqttCommand::Will => "+MQTTWILL",
        }
    }
}

/// The network queries of docs/protocol.md section 6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Query {
    /// `AT+CPIN?`: SIM state.
    Cpin,
    /// `AT+CSQ`: signal quality.
    Csq,
    /// `AT+COPS?`: operator.
    Cops,
    /// `AT+CREG?`: circuit-switched registration.
    Creg,
    /// `AT+CGREG?`: packet-switched registration.
    Cgreg,
    /// `AT+CEREG?`: EPS (LTE) registration.
    Cereg,
    /// `AT+MIPCALL?`: data call state.
    MipCall,
    /// `ATI`: identification.
    Ati,
    /// `AT+CCLK?`: the module's clock (asked after a TLS open failed the CA or clock check).
    Clock,
}

/// A command line, typed. [`Command::validate`] checks every limit; the encoders call it first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Command<'a> {
    /// `AT`: is the module there?
    At,
    /// `ATE1` (true) or `ATE0` (false): echo on or off.
    Echo(bool),
    /// A network query of docs/protocol.md section 6.
    Query(Query),
    /// `AT+MIPCALL=1[,"<apn>"[,"<user>","<password>"]]`: bring the data call up.
    MipCallUp {
        /// Access point name.
        apn: Option<&'a str>,
        /// User and password for the APN.
        credentials: Option<(&'a str, &'a str)>,
    },
    /// `AT+MIPCALL=0`: hang the data call up.
    MipCallDown,
    /// `AT+MQTTUSER=<id>,"<user>","<password>"[,"<client id>"]`.
    User {
        /// The module client.
        id: ClientId,
        /// User name, 0-128 bytes.
        user: &'a str,
        /// Password, 0-128 bytes.
        password: &'a str,
        /// MQTT client identifier, 1-23 bytes; the module uses its IMEI when left out.
        client_id: Option<&'a str>,
    },
    /// `AT+MQTTOPEN=<id>,"<host>",<port>,<clean>,<keepalive>`.
    Open {
        /// The module client.
        id: ClientId,
        /// Broker host name or dotted IPv4 address, 1-255 bytes.
        host: &'a str,
        /// Broker port, 1-65535.
        port: u16,
        /// Clean session.
        clean_session: bool,
        /// Keepalive interval in seconds, 1-300.
        keepalive: u16,
    },
    /// `AT+MQTTCLOSE=<id>`.
    Close(ClientId),
    /// `AT+MQTTSUB=<id>,"<topic>",<qos>`.
    Subscribe {
        /// The module client.
        id: ClientId,
        /// Topic filter, 1-255 printable bytes.
        topic: &'a str,
        /// Requested QoS.
        qos: QoS,
    },
    /// `AT+MQTTUNSUB=<id>,"<topic>"`.
    Unsubscribe {
        /// The module client.
        id: ClientId,
        /// Topic filter, 1-255 printable bytes.
        topic: &'a str,
    },
    /// `AT+MQTTPUB=...`, in the text or the data form (see [`PayloadForm`]).
    Publish {
        /// The module client.
        id: ClientId,
        /// Topic, 1-255 printable bytes.
        topic: &'a str,
        /// QoS.
        qos: QoS,
        /// Retain flag.
        retain: bool,
        /// Payload, 0-1024 bytes (1-1024 in the data form).
        payload: &'a [u8],
        /// Text or data form.
        form: PayloadForm,
    },
    /// `AT+MQTTCONF=<mode>`.
    Conf(ReceiveMode),
    /// `AT+MQTTREAD=<id>`: fetch a message announced by `+MQTTMSGI`.
    Read(ClientId),
    /// `AT+MQTTWILL=...`, in the text form (`...,"<payload>"`, the manual's) or the data form
    /// (`...,<size>`, then the raw bytes after the prompt, as a data publish; some firmware
    /// only). See [`PayloadForm`]; firmware that knows only the text form answers `ERROR` to
    /// the data form.
    Will {
        /// The module client.
        id: ClientId,
        /// Will topic, 1-255 printable bytes, no wildcard.
        topic: &'a str,
        /// Will QoS.
        qos: QoS,
        /// Will retain flag.
        retain: bool,
        /// Will payload, 0-1024 bytes (1-1024 in the data form).
        payload: &'a [u8],
        /// Text or data form.
        form: PayloadForm,
    },
    /// `AT+MQTTxxx?` or `AT+MQTTxxx=?`.
    Mqtt(MqttCommand, Form),
    /// `AT<body>`: any command, sent as given. The body must be printable ASCII (quotes allowed)
    /// and at most 1500 bytes; `AT` and the line end are added.
    Raw(&'a str),
    /// `AT+MQTTOPEN=<id>,"<host>",<port>,<clean>,<keepalive>,<tls>`: open over TLS, with the
    /// settings and files provisioned by the `AT+GTSSL*` commands. The limits are
    /// [`Command::Open`]'s; see [`TlsParam`] for the last value.
    OpenTls {
        /// The module client.
        id: ClientId,
        /// Broker host name or dotted IPv4 address, 1-255 bytes; with verification on, the
        /// name the server's certificate must carry.
        host: &'a str,
        /// Broker port, 1-65535 (8883 by convention).
        port: u16,
        /// Clean session.
        clean_session: bool,
        /// Keepalive interval in seconds, 1-300.
        keepalive: u16,
        /// The TLS parameter's value for this module family.
        tls: TlsParam,
    },
    /// `AT+GTSSLVER=<v>`: the TLS version ([`TlsVersion::Tls12`] is `4`).
    TlsVersion(TlsVersion),
    /// `AT+GTSSLMODE=<m>`: `1` (true) verifies the server's certificate against the uploaded
    /// TRUSTFILE, `0` (false) does not verify it.
    TlsVerify(bool),
    /// `AT+GTSSLFILE="<kind>",<length>`, then, after the prompt, exactly the file's bytes (the
    /// data after the prompt, like a data-form publish: see [`Command::data_payload`]). The
    /// file must be 4-8192 bytes of PEM text of its kind ([`TlsFileKind::accepts`]).
    TlsFile {
        /// Which file.
        kind: TlsFileKind,
        /// The whole PEM file, BEGIN/END lines and line ends included, sent as it is.
        file: &'a [u8],
    },
    /// `AT+GTSSLxxx?` or `AT+GTSSLxxx=?`.
    Tls(TlsCommand, Form),
}

/// Whether a payload can go in the text form.
pub fn is_text(payload: &[u8]) -> bool {
    payload.len() <= validate::MAX_PAYLOAD && payload.iter().all(|&b| validate::is_quotable(b))
}

impl<'a> Command<'a> {
    /// Checks every limit of docs/protocol.md section 3. The encoders call this before writing.
    pub fn validate(&self) -> Result<(), EncodeError> {
        self.line().check()
    }

    /// For a publish or a will that goes in the data form, and for a TLS file: the bytes to
    /// send after the prompt.
    pub fn data_payload(&self) -> Option<&'a [u8]> {
        match *self {
            Command::Publish { payload, form, .. } | Command::Will { payload, form, .. }
                if uses_data_form(payload, form) =>
            {
                Some(payload)
            }
            Command::TlsFile { file, .. } => Some(file),
            _ => None,
        }
    }
}

/// Whether a publish or will of `payload` with `form` goes in the data form.
pub(crate) fn uses_data_form(payload: &[u8], form: PayloadForm) -> bool {
    match form {
        PayloadForm::Auto => !payload.is_empty() && !is_text(payload),
        PayloadForm::Text => false,
        PayloadForm::Data => true,
    }
}
