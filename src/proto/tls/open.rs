//! Opening over TLS: refused while the module has forgotten the TLS this driver provisioned;
//! after a failed open, why (`AT+GTSSLERR?`), and on the CA-or-clock code the module's clock
//! (`AT+CCLK?`), each asked once.

use super::{clock, failed_open, may_open, open_failure};
use crate::broker::Broker;
use crate::codec::line::Line;
use crate::codec::{
    AtCommand, Command, Form, Query, ResultOf, TlsCommand, TlsErrorReason, TlsParam,
};
use crate::error::{Error, Failure};
use crate::proto::exchange::Exchange;
use crate::proto::op::Op;
use crate::proto::procedure::{Do, Learned, Next, Procedure};
use crate::types::ClientId;

/// Where [`OpenTls`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Whether the open may go out at all.
    Check,
    /// `AT+MQTTOPEN=<id>,...,<tls>`.
    Open,
    /// `AT+GTSSLERR?`, after the module reported failure.
    Reason,
    /// `AT+CCLK?`, after the CA-or-clock code.
    Clock,
}

/// An open over TLS, as a [`Procedure`]. It fails with [`Error::TlsLost`] (nothing sent) when
/// the module restarted since this driver provisioned TLS. When the module reports failure
/// (`+MQTTOPEN: <id>,0`) it asks why, and fails with [`Error::Tls`] and the reason (with what
/// the module's clock shows, on the CA-or-clock code), or [`Error::Failed`] when the module
/// names no TLS failure. A query the module refuses or leaves unanswered leaves what is known
/// (no retry); the last failure kept is the open's, with that error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OpenTls<'a> {
    id: ClientId,
    line: Line<'a>,
    stage: Stage,
    /// What the open fails with, as far as known.
    error: Error,
    /// The open's own failure (its `AT+MQTTOPEN`), kept while the queries run.
    opened: Option<Failure>,
}

impl<'a> OpenTls<'a> {
    /// Client `id` to `broker` over TLS, with the module family's parameter `tls`.
    pub(crate) fn new(id: ClientId, broker: &Broker<'a>, tls: TlsParam) -> Self {
        let line = Command::OpenTls {
            id,
            host: broker.host,
            port: broker.port,
            clean_session: broker.clean_session,
            keepalive: broker.keepalive,
            tls,
        }
        .line();
        OpenTls {
            id,
            line,
            stage: Stage::Check,
            error: Error::Failed(AtCommand::Open),
            opened: None,
        }
    }

    /// The open fails with what was learned, kept as the open's failure.
    fn fail(&self, x: &mut Exchange) -> Result<Next, Error> {
        x.failure = open_failure(self.opened, self.error);
        Err(self.error)
    }
}

/// [`Parse`](crate::proto::procedure::Parse) for `AT+GTSSLERR?`.
fn reason(answer: &[u8]) -> Learned {
    Learned::TlsFailure(failed_open(Some(answer)))
}

/// [`Parse`](crate::proto::procedure::Parse) for `AT+CCLK?`.
fn clock_shown(answer: &[u8]) -> Learned {
    Learned::Clock(clock(answer))
}

impl Procedure for OpenTls<'_> {
    fn step(&self) -> Do<'_> {
        match self.stage {
            Stage::Check => Do::Skip,
            Stage::Open => Do::Send {
                line: self.line,
                op: Op::Async(self.id, ResultOf::Open),
                parse: None,
            },
            Stage::Reason => Do::ask(Command::Tls(TlsCommand::Error, Form::Read), reason),
            Stage::Clock => Do::ask(Command::Query(Query::Clock), clock_shown),
        }
    }

    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        learned: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        match self.stage {
            Stage::Check => {
                may_open(x)?;
                self.stage = Stage::Open;
                Ok(Next::Continue)
            }
            Stage::Open => match outcome {
                Ok(_) => Ok(Next::Done),
                Err(Error::Failed(_)) => {
                    self.opened = x.failure;
                    self.stage = Stage::Reason;
                    Ok(Next::Continue)
                }
                Err(e) => Err(e),
            },
            // A query's own failure leaves what is known.
            Stage::Reason => {
                if let Learned::TlsFailure(e) = learned {
                    self.error = *e;
                }
                if let Error::Tls(TlsErrorReason::CaOrClock(_)) = self.error {
                    self.stage = Stage::Clock;
                    return Ok(Next::Continue);
                }
                self.fail(x)
            }
            Stage::Clock => {
                if let Learned::Clock(shown) = learned {
                    self.error = Error::Tls(TlsErrorReason::CaOrClock(*shown));
                }
                self.fail(x)
            }
        }
    }
}
