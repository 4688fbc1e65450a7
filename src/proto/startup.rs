//! The start-up sequence: `AT` until the module answers, `ATE0`, then the receive mode.

use super::channel::Owed;
use super::exchange::Exchange;
use crate::codec::Command;
use crate::config::Config;
use crate::error::Error;
use crate::types::ReceiveMode;

/// Where start-up is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `AT`, this many tries left after this one.
    Probe(u8),
    /// `ATE0`.
    EchoOff,
    /// `AT+MQTTCONF=<mode>`.
    Mode(ReceiveMode),
}

/// Start-up, one command at a time: [`command`](Self::command) says what to send, and
/// [`answered`](Self::answered) takes its outcome and says whether start-up is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Startup {
    stage: Stage,
    config: Config,
}

/// What start-up does after a command's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// Send the next [`command`](Startup::command).
    Continue,
    /// Start-up is over: the module works, receiving messages in this mode.
    Done(ReceiveMode),
}

impl Startup {
    pub(crate) fn new(config: Config) -> Self {
        Startup {
            stage: Stage::Probe(config.probe_attempts.max(1).saturating_sub(1)),
            config,
        }
    }

    /// The command to send now.
    pub(crate) fn command(&self) -> Command<'static> {
        match self.stage {
            Stage::Probe(_) => Command::At,
            Stage::EchoOff => Command::Echo(false),
            Stage::Mode(m) => Command::Conf(m),
        }
    }

    /// The outcome of [`command`](Self::command), on exchange `x`. When start-up is over, the
    /// receive mode in force is noted on the exchange.
    pub(crate) fn answered(
        &mut self,
        outcome: Result<(), Error>,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        let mode = self.config.receive_mode;
        if let (Stage::Probe(_), Err(_)) = (self.stage, outcome) {
            // An unanswered probe owes nothing: the module was not listening.
            x.owed = Owed::Nothing;
        }
        self.stage = match (self.stage, outcome) {
            (Stage::Probe(0), Err(e)) => return Err(e),
            (Stage::Probe(n), Err(_)) => Stage::Probe(n.saturating_sub(1)),
            (Stage::Probe(_), Ok(())) if self.config.echo_off => Stage::EchoOff,
            (Stage::Probe(_) | Stage::EchoOff, Ok(())) => Stage::Mode(mode),
            (Stage::Mode(m), Ok(())) => {
                x.receive_mode = Some(m);
                return Ok(Next::Done(m));
            }
            // Firmware older than the manual's V1.0.2 has no AT+MQTTCONF: it answers ERROR and
            // reports messages only as `+MQTTMSG` (mode 0), which the driver also handles.
            (Stage::Mode(ReceiveMode::Buffered), Err(Error::Module(_))) => {
                crate::log::state(
                    "AT+MQTTCONF=1 refused: the module receives in mode 0 (+MQTTMSG); \
                     payloads holding CR or LF cannot be received",
                );
                x.receive_mode = Some(ReceiveMode::Direct);
                return Ok(Next::Done(ReceiveMode::Direct));
            }
            (_, Err(e)) => return Err(e),
        };
        Ok(Next::Continue)
    }
}
