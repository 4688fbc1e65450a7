//! The driver's error type.

use crate::codec::{AtCommand, ClockCheck, EncodeError, ErrorCode, TlsErrorReason};
use crate::types::{BreakCause, ClientId};

/// Why an operation failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error {
    /// An argument broke a limit of the protocol. Nothing was sent.
    Invalid(EncodeError),
    /// The operation makes no sense in the client's current state (for example publishing on a
    /// closed client, or setting the will of an open one). Nothing was sent.
    WrongState {
        /// The client.
        client: ClientId,
        /// Its state.
        state: ConnState,
    },
    /// Another operation of this module client is waiting for its result line, so this one
    /// cannot start. Nothing was sent. The drivers of this crate never return it: the async
    /// driver ([`asynch::Control`](crate::asynch::Control)) makes a second operation of the
    /// same module client wait its turn, and the blocking one
    /// ([`blocking::Modem`](crate::blocking::Modem)) runs one operation at a time. The protocol
    /// core returns it to any other use that would start two, so that their result lines
    /// cannot be confused.
    Busy(ClientId),
    /// The module did not answer `OK` or `ERROR` in time.
    AnswerTimeout,
    /// The module did not send the data prompt in time. No payload byte was sent.
    PromptTimeout,
    /// The module did not send the result line in time.
    ResultTimeout,
    /// The module answered `ERROR` to a command (named, with the code if the module gave
    /// one): its `Display` is `AT+MQTTOPEN answered ERROR (code 3)`. An operation of several
    /// commands (start-up, `attach`, a TLS open) names the one that was refused.
    Module(ModuleError),
    /// The broker refused the connection (`ERROR: 700`-`704`).
    Refused(Refusal),
    /// The result line of a command (`+MQTTOPEN: 1,0`, `+MIPCALL: 0` after a dial) said
    /// status 0: the module could not do it. Names the command: its `Display` is
    /// `AT+MQTTSUB failed: its result line said status 0`.
    Failed(AtCommand),
    /// The connection dropped (`+MQTTBREAK`) while the operation waited.
    Break(BreakCause),
    /// The module restarted while the operation waited.
    Restarted,
    /// The answer did not have the expected form (for example a query answered `OK` without
    /// its information line).
    UnexpectedAnswer,
    /// The serial port failed.
    Io(embedded_io::ErrorKind),
    /// An open over TLS failed, and `AT+GTSSLERR?` said why (see [`TlsErrorReason`]): the
    /// server's certificate did not verify (check the CA and the module's clock; the driver
    /// read the clock with `AT+CCLK?` and says whether it is plausible), a certificate
    /// or key is unusable (upload the files again as PEM), or the handshake failed (check the
    /// TLS version, the port, and the client certificate when the broker asks for one).
    Tls(TlsErrorReason),
    /// An open over TLS was asked after the module restarted, and it forgot the TLS settings
    /// and files provisioned before: it would open with its power-up settings (verification
    /// off). Call `provision_tls` again first. Nothing was sent.
    TlsLost,
}

/// What failed last: the command an operation sent, and how it failed. The drivers keep the
/// last one (`last_failure()` on [`asynch::Control`](crate::asynch::Control) and
/// [`blocking::Modem`](crate::blocking::Modem)), so that a caller can say which command of an
/// operation of several steps (start-up, for one) failed:
///
/// ```text
/// start-up: ATE0 answered ERROR
/// open: AT+MQTTOPEN failed: its result line said status 0
/// ```
///
/// Its `Debug` is text too: `Failure { command: Open, error: Failed(Open) }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Failure {
    command: AtCommand,
    /// How it failed.
    pub error: Error,
}

impl Failure {
    pub(crate) const fn new(command: AtCommand, error: Error) -> Self {
        Failure { command, error }
    }

    /// The command that failed; its `Display` is the command up to its first argument:
    /// `AT+MQTTOPEN`, `ATE0`, `AT+MQTTCLOSE?`.
    pub fn command(&self) -> AtCommand {
        self.command
    }
}

impl core::fmt::Display for Failure {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let cmd = self.command;
        match self.error {
            // It names its command itself.
            Error::Module(ModuleError {
                command: Some(_), ..
            }) => write!(f, "{}", self.error),
            Error::Module(ModuleError {
                command: None,
                code: None,
            }) => write!(f, "{cmd} answered ERROR"),
            Error::Module(ModuleError {
                command: None,
                code: Some(c),
            }) => write!(f, "{cmd} answered ERROR (code {c})"),
            Error::AnswerTimeout => write!(f, "{cmd} got no answer (neither OK nor ERROR) in time"),
            Error::PromptTimeout => write!(f, "{cmd}: the module sent no data prompt in time"),
            Error::ResultTimeout => write!(f, "{cmd}: the module sent no result line in time"),
            Error::Failed(_) => write!(f, "{}", self.error),
            e => write!(f, "{cmd}: {e}"),
        }
    }
}

/// An `ERROR` answer: to which command, and its code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ModuleError {
    /// The command the module refused. The drivers always name it; `None` only in an error
    /// made from an answer alone (`Error::from(ErrorCode)`).
    pub command: Option<AtCommand>,
    /// The numeric code of `ERROR: <n>` or `+CME ERROR: <n>`; `None` for a plain `ERROR` or a
    /// text `+CME ERROR`.
    pub code: Option<u16>,
}

impl ModuleError {
    /// `command` answered `ERROR`, with `code` if the module gave one.
    pub const fn new(command: AtCommand, code: Option<u16>) -> Self {
        ModuleError {
            command: Some(command),
            code,
        }
    }
}

impl From<ErrorCode<'_>> for Error {
    fn from(e: ErrorCode<'_>) -> Self {
        match e.code().and_then(Refusal::from_code) {
            Some(r) => Error::Refused(r),
            None => Error::Module(ModuleError {
                command: None,
                code: e.code(),
            }),
        }
    }
}

impl Error {
    /// The error, with the command it is the answer to named where the error names one (an
    /// `ERROR` answer not yet named).
    pub(crate) fn answer_to(self, command: AtCommand) -> Error {
        match self {
            Error::Module(ModuleError {
                command: None,
                code,
            }) => Error::Module(ModuleError::new(command, code)),
            e => e,
        }
    }
}

/// A broker's refusal of a connection (MQTT 3.1.1 CONNACK codes 1-5, module codes 700-704).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Refusal {
    /// 700: unacceptable protocol version.
    ProtocolVersion,
    /// 701: client identifier rejected.
    IdentifierRejected,
    /// 702: server unavailable.
    ServerUnavailable,
    /// 703: bad user name or password.
    BadCredentials,
    /// 704: not authorized.
    NotAuthorized,
}

impl Refusal {
    /// The refusal for a module error code, if it is 700-704.
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            700 => Refusal::ProtocolVersion,
            701 => Refusal::IdentifierRejected,
            702 => Refusal::ServerUnavailable,
            703 => Refusal::BadCredentials,
            704 => Refusal::NotAuthorized,
            _ => return None,
        })
    }
}

impl From<EncodeError> for Error {
    fn from(e: EncodeError) -> Self {
        Error::Invalid(e)
    }
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Invalid(e) => write!(f, "invalid argument: {e}"),
            Error::WrongState { client, state } => {
                write!(f, "client {} is {state:?}", client.number())
            }
            Error::Busy(c) => write!(f, "client {} is busy with another operation", c.number()),
            Error::AnswerTimeout => f.write_str("no answer from the module"),
            Error::PromptTimeout => f.write_str("no data prompt from the module"),
            Error::ResultTimeout => f.write_str("no result line from the module"),
            Error::Module(ModuleError { command, code }) => {
                match command {
                    Some(c) => write!(f, "{c}")?,
                    None => f.write_str("the module")?,
                }
                f.write_str(" answered ERROR")?;
                match code {
                    Some(c) => write!(f, " (code {c})"),
                    None => Ok(()),
                }
            }
            Error::Refused(r) => write!(
                f,
                "connection refused: {}",
                match r {
                    Refusal::ProtocolVersion => "unacceptable protocol version",
                    Refusal::IdentifierRejected => "identifier rejected",
                    Refusal::ServerUnavailable => "server unavailable",
                    Refusal::BadCredentials => "bad user name or password",
                    Refusal::NotAuthorized => "not authorized",
                }
            ),
            Error::Failed(c) => write!(f, "{c} failed: its result line said status 0"),
            Error::Break(c) => write!(f, "connection dropped ({c:?})"),
            Error::Restarted => f.write_str("the module restarted"),
            Error::UnexpectedAnswer => f.write_str("unexpected answer from the module"),
            Error::Io(k) => write!(f, "serial port error: {k:?}"),
            Error::Tls(r) => tls_reason(f, *r),
            Error::TlsLost => {
                f.write_str("the module restarted and forgot its TLS settings: provision TLS again")
            }
        }
    }
}

// Kept out of line, so that a firmware that never shows a TLS error does not carry its text.
#[inline(never)]
fn tls_reason(f: &mut core::fmt::Formatter<'_>, r: TlsErrorReason) -> core::fmt::Result {
    let (what, check) = match r {
        TlsErrorReason::CaOrClock(clock) => return ca_or_clock(f, clock),
        TlsErrorReason::Certificate(_) => (
            "a certificate or key is unusable",
            "upload the certificate files again as whole PEM text",
        ),
        TlsErrorReason::Handshake(_) => (
            "the TLS handshake failed",
            "check the TLS version, the port, and the client certificate and key",
        ),
        _ => (
            "the TLS connection failed",
            "check the TLS settings and the port",
        ),
    };
    write!(f, "TLS: {what} (code {}): {check}", r.code())
}

/// The text of a failed CA or clock check (`-11`), by what the module's clock said.
#[inline(never)]
fn ca_or_clock(f: &mut core::fmt::Formatter<'_>, clock: ClockCheck) -> core::fmt::Result {
    f.write_str("TLS: the server's certificate did not verify (code -11): ")?;
    const SET_CLOCK: &str = "sync it with network time (AT+CTZU=1, then registration) or set it \
                             with AT+CCLK=\"yy/MM/dd,hh:mm:ss+zz\"";
    match clock {
        ClockCheck::Plausible => f.write_str(
            "the module's clock is plausible, so check the CA (TRUSTFILE): it must sign the \
             server's certificate, which must be valid and for the host name opened (a CA the \
             module held from before is kept: restart the module to replace it)",
        ),
        ClockCheck::Implausible { year } => write!(
            f,
            "the module's clock shows the year {year}, which cannot be right: every \
             certificate looks not yet valid; {SET_CLOCK}, then open again"
        ),
        ClockCheck::Unknown => write!(
            f,
            "check the CA (TRUSTFILE) and the module's clock (AT+CCLK? could not be read; if \
             it is wrong, {SET_CLOCK})"
        ),
    }
}

impl core::error::Error for Error {}

/// The state of one MQTT client of the module, as the driver tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ConnState {
    /// Not connected. User and will may be set; open may start.
    #[default]
    Closed,
    /// `AT+MQTTOPEN` sent; waiting for its result.
    Opening,
    /// Connected.
    Open,
    /// `AT+MQTTCLOSE` sent; waiting for its result.
    Closing,
}

// On 32-bit targets the error fits in two registers, so that `Result<_, Error>` is returned in
// registers rather than through memory by every operation.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(core::mem::size_of::<Result<(), Error>>() <= 8);
