//! The data call (`AT+MIPCALL`): the operation under way, what the driver knows of the call,
//! and [`Attach`], which brings a call up only when none is.

use embassy_time::Instant;

use super::exchange::Exchange;
use super::procedure::{Do, Learned, Next, Procedure};
use crate::codec::{AtCommand, Command, Query};
use crate::error::Error;
use crate::query::{self, IpText};

/// The data call's operation (`AT+MIPCALL=1` / `=0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Call {
    /// No operation of the call is under way.
    #[default]
    Idle,
    /// Its command was answered `OK`; the `+MIPCALL:` line is awaited until `deadline`.
    Waiting {
        /// Whether the call is brought up (else hung up).
        up: bool,
        /// When to give up.
        deadline: Instant,
    },
    /// The outcome, until the operation takes it.
    Finished(Result<(), Error>),
}

impl Exchange {
    /// A `+MIPCALL:` line that answers no query: the outcome of the data call awaited, if one
    /// is (returns whether one was); in any case what the driver knows of the call.
    pub(crate) fn call_line(&mut self, ip: Option<&[u8]>) -> bool {
        let awaited = match self.call {
            Call::Waiting { up, .. } => Some(up),
            _ => None,
        };
        self.learn_call(ip);
        let Some(up) = awaited else {
            return false;
        };
        self.call = Call::Finished(match (ip, up) {
            (Some(_), true) | (None, false) => Ok(()),
            _ => Err(Error::Failed(if up {
                AtCommand::CallUp
            } else {
                AtCommand::CallDown
            })),
        });
        self.wake(super::wake::Waiter::Call);
        true
    }

    /// What the module said of the data call: up with this address, or down (`None`).
    pub(crate) fn learn_call(&mut self, ip: Option<&[u8]>) {
        self.call_up = Some(ip.is_some());
        if let Some(ip) = ip {
            self.ip.clear();
            let _ = self.ip.extend_from_slice(ip.get(..46).unwrap_or(ip));
        }
    }
}

/// Where [`Attach`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The driver knows a call is up: nothing to send.
    Known,
    /// `AT+MIPCALL=1...`.
    Dial,
    /// `AT+MIPCALL?`, after the dial was answered `ERROR` (with this error): a call may be up
    /// already (the module refuses a second one), from before this run.
    Ask(Error),
}

/// Brings the data call up, unless it is: a call the driver knows to be up (start-up asked,
/// or an earlier attach brought it up, and no `+MIPCALL: 0` came since) is kept with its
/// address, and a dial answered `ERROR` is followed by one `AT+MIPCALL?`, whose call, if up,
/// is kept. The APN of a call kept is whatever it was dialled with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Attach<'a> {
    apn: Option<&'a str>,
    credentials: Option<(&'a str, &'a str)>,
    stage: Stage,
}

impl<'a> Attach<'a> {
    pub(crate) fn new(
        x: &Exchange,
        apn: Option<&'a str>,
        credentials: Option<(&'a str, &'a str)>,
    ) -> Self {
        let stage = if x.call_up == Some(true) {
            Stage::Known
        } else {
            Stage::Dial
        };
        Attach {
            apn,
            credentials,
            stage,
        }
    }
}

impl Attach<'_> {
    /// The address of the call, once [`Attach`] is done.
    pub(crate) fn address(x: &Exchange) -> IpText {
        query::text(&x.ip)
    }
}

impl Procedure for Attach<'_> {
    fn step(&self) -> Do<'_> {
        match self.stage {
            Stage::Known => Do::Skip,
            Stage::Dial => Do::send(Command::MipCallUp {
                apn: self.apn,
                credentials: self.credentials,
            }),
            // Its answer is taken as it comes, as every `+MIPCALL:` line.
            Stage::Ask(_) => Do::send(Command::Query(Query::MipCall)),
        }
    }

    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        _: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        match (self.stage, outcome) {
            (Stage::Known | Stage::Dial, Ok(_)) => Ok(Next::Done),
            (Stage::Dial, Err(e @ Error::Module(_))) => {
                self.stage = Stage::Ask(e);
                Ok(Next::Continue)
            }
            (Stage::Ask(_), Ok(_)) if x.call_up == Some(true) => {
                crate::log::state("a data call was up already: kept");
                Ok(Next::Done)
            }
            // No call up after all, or the query failed: the dial's refusal stands, and is
            // the last failure too.
            (Stage::Ask(e), _) => {
                x.failure = Some(crate::Failure::new(crate::AtCommand::CallUp, e));
                Err(e)
            }
            (_, Err(e)) => Err(e),
        }
    }
}
