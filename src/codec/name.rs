//! Commands by name: what a failure says it was (`AT+MQTTOPEN answered ERROR`).

use super::command::{Command, Form, MqttCommand, Query};
use super::tls::TlsCommand;

/// A command, by name, without its arguments: what an [`Error::Module`](crate::Error::Module)
/// and a [`Failure`](crate::Failure) say the module answered. Its `Display` is the command as
/// sent, up to its first argument: `AT+MQTTOPEN`, `ATE0`, `AT+MIPCALL=1`, `AT+MQTTCLOSE?`.
/// Two bytes, so that an [`Error`](crate::Error) naming one stays two words on 32-bit
/// targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum AtCommand {
    /// `AT`.
    At,
    /// `ATE1` (true) or `ATE0` (false).
    Echo(bool),
    /// A network query (`AT+CPIN?`, `AT+MIPCALL?`, `ATI`, ...).
    Query(Query),
    /// `AT+MIPCALL=1`: bring the data call up.
    CallUp,
    /// `AT+MIPCALL=0`: hang the data call up.
    CallDown,
    /// `AT+MQTTUSER=`.
    User,
    /// `AT+MQTTOPEN=`, over TCP or TLS.
    Open,
    /// `AT+MQTTCLOSE=`.
    Close,
    /// `AT+MQTTSUB=`.
    Subscribe,
    /// `AT+MQTTUNSUB=`.
    Unsubscribe,
    /// `AT+MQTTPUB=`.
    Publish,
    /// `AT+MQTTCONF=`.
    Conf,
    /// `AT+MQTTREAD=`.
    Read,
    /// `AT+MQTTWILL=`.
    Will,
    /// `AT+MQTTxxx?`.
    MqttRead(MqttCommand),
    /// `AT+MQTTxxx=?`.
    MqttTest(MqttCommand),
    /// `AT+GTSSLVER=`.
    TlsVersion,
    /// `AT+GTSSLMODE=`.
    TlsVerify,
    /// `AT+GTSSLFILE=`.
    TlsFile,
    /// `AT+GTSSLxxx?`.
    TlsRead(TlsCommand),
    /// `AT+GTSSLxxx=?`.
    TlsTest(TlsCommand),
    /// A raw command (`AT...`, sent as given).
    Raw,
}

const _: () = assert!(core::mem::size_of::<AtCommand>() == 2);

impl super::ResultOf {
    /// The command whose result line this is.
    pub const fn command(self) -> AtCommand {
        match self {
            super::ResultOf::Open => AtCommand::Open,
            super::ResultOf::Close => AtCommand::Close,
            super::ResultOf::Subscribe => AtCommand::Subscribe,
            super::ResultOf::Unsubscribe => AtCommand::Unsubscribe,
            super::ResultOf::Publish => AtCommand::Publish,
        }
    }
}

impl Query {
    /// The query's command line, without its line end: `AT+CPIN?`.
    pub const fn text(self) -> &'static str {
        match self {
            Query::Cpin => "AT+CPIN?",
            Query::Csq => "AT+CSQ",
            Query::Cops => "AT+COPS?",
            Query::Creg => "AT+CREG?",
            Query::Cgreg => "AT+CGREG?",
            Query::Cereg => "AT+CEREG?",
            Query::MipCall => "AT+MIPCALL?",
            Query::Ati => "ATI",
            Query::Clock => "AT+CCLK?",
        }
    }
}

impl Form {
    /// What follows the command's name: `?` or `=?`.
    pub const fn suffix(self) -> &'static str {
        match self {
            Form::Read => "?",
            Form::Test => "=?",
        }
    }
}

impl Command<'_> {
    /// The command's name. Inlined where the command is built, so that the match folds away
    /// there.
    #[inline(always)]
    pub const fn name(&self) -> AtCommand {
        match *self {
            Command::At => AtCommand::At,
            Command::Echo(on) => AtCommand::Echo(on),
            Command::Query(q) => AtCommand::Query(q),
            Command::MipCallUp { .. } => AtCommand::CallUp,
            Command::MipCallDown => AtCommand::CallDown,
            Command::User { .. } => AtCommand::User,
            Command::Open { .. } | Command::OpenTls { .. } => AtCommand::Open,
            Command::Close(_) => AtCommand::Close,
            Command::Subscribe { .. } => AtCommand::Subscribe,
            Command::Unsubscribe { .. } => AtCommand::Unsubscribe,
            Command::Publish { .. } => AtCommand::Publish,
            Command::Conf(_) => AtCommand::Conf,
            Command::Read(_) => AtCommand::Read,
            Command::Will { .. } => AtCommand::Will,
            Command::Mqtt(c, Form::Read) => AtCommand::MqttRead(c),
            Command::Mqtt(c, Form::Test) => AtCommand::MqttTest(c),
            Command::Raw(_) => AtCommand::Raw,
            Command::TlsVersion(_) => AtCommand::TlsVersion,
            Command::TlsVerify(_) => AtCommand::TlsVerify,
            Command::TlsFile { .. } => AtCommand::TlsFile,
            Command::Tls(c, Form::Read) => AtCommand::TlsRead(c),
            Command::Tls(c, Form::Test) => AtCommand::TlsTest(c),
        }
    }
}

impl core::fmt::Display for AtCommand {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (name, suffix) = match *self {
            AtCommand::At => ("", ""),
            AtCommand::Echo(true) => ("E1", ""),
            AtCommand::Echo(false) => ("E0", ""),
            AtCommand::Query(q) => return f.write_str(q.text()),
            AtCommand::CallUp => ("+MIPCALL", "=1"),
            AtCommand::CallDown => ("+MIPCALL", "=0"),
            AtCommand::User => (MqttCommand::User.name(), ""),
            AtCommand::Open => (MqttCommand::Open.name(), ""),
            AtCommand::Close => (MqttCommand::Close.name(), ""),
            AtCommand::Subscribe => (MqttCommand::Sub.name(), ""),
            AtCommand::Unsubscribe => (MqttCommand::Unsub.name(), ""),
            AtCommand::Publish => (MqttCommand::Pub.name(), ""),
            AtCommand::Conf => (MqttCommand::Conf.name(), ""),
            AtCommand::Read => (MqttCommand::Read.name(), ""),
            AtCommand::Will => (MqttCommand::Will.name(), ""),
            AtCommand::MqttRead(c) => (c.name(), Form::Read.suffix()),
            AtCommand::MqttTest(c) => (c.name(), Form::Test.suffix()),
            AtCommand::TlsVersion => (TlsCommand::Version.name(), ""),
            AtCommand::TlsVerify => (TlsCommand::Mode.name(), ""),
            AtCommand::TlsFile => (TlsCommand::File.name(), ""),
            AtCommand::TlsRead(c) => (c.name(), Form::Read.suffix()),
            AtCommand::TlsTest(c) => (c.name(), Form::Test.suffix()),
            AtCommand::Raw => ("...", ""),
        };
        write!(f, "AT{name}{suffix}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ClientId;

    /// A name is the command line as sent, up to its first argument.
    #[test]
    fn names_match_the_lines_sent() {
        let mut out = heapless::String::<32>::new();
        for (cmd, name) in [
            (Command::At, "AT"),
            (Command::Echo(false), "ATE0"),
            (Command::Query(Query::MipCall), "AT+MIPCALL?"),
            (Command::Query(Query::Csq), "AT+CSQ"),
            (Command::MipCallDown, "AT+MIPCALL=0"),
            (Command::Close(ClientId::Two), "AT+MQTTCLOSE"),
            (
                Command::Mqtt(MqttCommand::Close, Form::Read),
                "AT+MQTTCLOSE?",
            ),
            (Command::Tls(TlsCommand::File, Form::Test), "AT+GTSSLFILE=?"),
            (Command::TlsVerify(true), "AT+GTSSLMODE"),
            (Command::Raw("+CGMR"), "AT..."),
        ] {
            out.clear();
            core::fmt::write(&mut out, format_args!("{}", cmd.name())).unwrap();
            assert_eq!(out, name, "{cmd:?}");
            // The line sent starts with the name (a raw one with `AT`).
            let mut line = [0u8; 40];
            let n = cmd.encode(&mut line, crate::codec::LineEnd::Cr).unwrap();
            let lead = name.trim_end_matches("...").as_bytes();
            assert!(line[..n].starts_with(lead), "{cmd:?}");
        }
    }
}
