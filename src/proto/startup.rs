//! Start-up: `AT` until the module answers, `ATE0`, the receive mode, then what the module
//! kept from before this run (the data call, clients still connected, messages they hold),
//! so that starting is the same on a module that was just powered on and on one whose host
//! restarted.
//!
//! Every query here only learns state: a firmware that answers `ERROR` to it (or something
//! the parser does not know) makes start-up go on without what it would have learned, never
//! ask again. What is kept and what is undone is written in docs/decisions.md.

use super::exchange::Exchange;
use super::procedure::{self, Do, Learned, Next, Procedure};
use crate::codec::{Command, Form, MqttCommand, Query};
use crate::config::{Config, Leftover};
use crate::error::{ConnState, Error};
use crate::types::{ClientId, ClientSet, ReceiveMode};

/// How many messages start-up reads from one left-over client before it closes it anyway:
/// a bound, so that a module that keeps answering with messages cannot hold start-up.
pub(crate) const DRAIN_LIMIT: u16 = 64;

/// Where start-up is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// `AT`, this many tries left after this one.
    Probe(u8),
    /// `ATE0`.
    EchoOff,
    /// `AT+MQTTCONF=<mode>`.
    Mode(ReceiveMode),
    /// `AT+MIPCALL?`: is a data call up, and with which address?
    Call,
    /// `AT+MQTTCLOSE?`: which clients are connected?
    Connected,
    /// `AT+MQTTOPEN?`, when the firmware does not answer `AT+MQTTCLOSE?`: which are free?
    Free,
    /// `AT+MQTTREAD=<id>` of a left-over client, until it holds no message.
    Drain(ClientId),
    /// `AT+MQTTCLOSE=<id>` of a left-over client.
    Close(ClientId),
    /// Over.
    Done,
}

/// Start-up, as a [`Procedure`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Startup {
    stage: Stage,
    /// [`Config::echo_off`].
    echo_off: bool,
    /// [`Config::receive_mode`].
    mode: ReceiveMode,
    /// [`Config::leftover`].
    leftover_rule: Leftover,
    /// Clients connected before this driver knew of them, not closed yet.
    leftover: ClientSet,
    /// Messages read and dropped from the left-over client being drained.
    drained: u16,
    /// The module would not say which clients are connected: every client the driver does
    /// not hold open is closed, and a close the module refuses means it was not connected.
    blind: bool,
}

impl Startup {
    pub(crate) fn new(config: &Config) -> Self {
        Startup {
            stage: Stage::Probe(config.probe_attempts.max(1).saturating_sub(1)),
            echo_off: config.echo_off,
            mode: config.receive_mode,
            leftover_rule: config.leftover,
            leftover: ClientSet::EMPTY,
            drained: 0,
            blind: false,
        }
    }

    /// Takes `connected` as what the module says, and decides what to do about the clients
    /// left over from before.
    fn learned_clients(&mut self, connected: ClientSet, x: &mut Exchange) -> Stage {
        let leftover = x.learn_connected(connected);
        let buffered = x.receive_mode == Some(ReceiveMode::Buffered);
        match self.leftover_rule {
            Leftover::Keep => {
                if buffered {
                    for id in ClientId::ALL
                        .into_iter()
                        .filter(|&id| leftover.contains(id))
                    {
                        x.client_mut(id).drain();
                    }
                }
                self.leftover = ClientSet::EMPTY;
            }
            Leftover::Close => self.leftover = leftover,
        }
        self.next_leftover(buffered)
    }

    /// The next left-over client to close (drained first in receive mode 1).
    fn next_leftover(&mut self, buffered: bool) -> Stage {
        self.drained = 0;
        match ClientId::ALL
            .into_iter()
            .find(|&id| self.leftover.contains(id))
        {
            Some(id) if buffered => Stage::Drain(id),
            Some(id) => Stage::Close(id),
            None => Stage::Done,
        }
    }
}

impl Procedure for Startup {
    fn step(&self) -> Do<'_> {
        let cmd = match self.stage {
            Stage::Probe(_) => Command::At,
            Stage::EchoOff => Command::Echo(false),
            Stage::Mode(m) => Command::Conf(m),
            // The queries' answers are taken by the exchange as they come: the data call
            // (`Exchange::learn_call`) and the lists of clients (`Exchange::listed`).
            Stage::Call => Command::Query(Query::MipCall),
            Stage::Connected => Command::Mqtt(MqttCommand::Close, Form::Read),
            Stage::Free => Command::Mqtt(MqttCommand::Open, Form::Read),
            Stage::Drain(id) => return Do::discard(id),
            Stage::Close(id) => Command::Close(id),
            Stage::Done => return Do::Skip,
        };
        Do::send(cmd)
    }

    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        _: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        let mode = self.mode;
        if matches!(self.stage, Stage::Call | Stage::Connected | Stage::Free) {
            if let Some(e) = procedure::query_failed(&outcome) {
                return Err(e);
            }
        }
        self.stage = match (self.stage, outcome) {
            (Stage::Probe(n), Err(e)) => {
                // An unanswered probe owes nothing: the module was not listening.
                x.owed = super::channel::Owed::Nothing;
                if n == 0 {
                    return Err(e);
                }
                Stage::Probe(n.saturating_sub(1))
            }
            (Stage::Probe(_), Ok(_)) if self.echo_off => Stage::EchoOff,
            (Stage::Probe(_) | Stage::EchoOff, Ok(_)) => Stage::Mode(mode),
            (Stage::Mode(m), Ok(_)) => {
                x.receive_mode = Some(m);
                Stage::Call
            }
            // Firmware older than the manual's V1.0.2 has no AT+MQTTCONF: it answers ERROR and
            // reports messages only as `+MQTTMSG` (mode 0), which the driver also handles.
            (Stage::Mode(ReceiveMode::Buffered), Err(Error::Module(_))) => {
                crate::log::state(
                    "AT+MQTTCONF=1 refused: the module receives in mode 0 (+MQTTMSG); \
                     payloads holding CR or LF cannot be received",
                );
                x.receive_mode = Some(ReceiveMode::Direct);
                Stage::Call
            }
            // The queries: what they learned, or that this firmware does not say.
            (Stage::Call, _) => {
                if x.call_up.is_none() {
                    crate::log::note("AT+MIPCALL? unanswered: call unknown");
                }
                Stage::Connected
            }
            (Stage::Connected, _) => match x.listed {
                Some(connected) => self.learned_clients(connected, x),
                _ => Stage::Free,
            },
            (Stage::Free, _) => match x.listed {
                Some(free) => self.learned_clients(free.complement(), x),
                _ => {
                    crate::log::note("the module did not say which clients are connected");
                    match self.leftover_rule {
                        // Neither query answered: close every client the driver does not
                        // hold open, taking a refusal to mean it was not connected.
                        Leftover::Close => {
                            self.blind = true;
                            self.learned_clients(ClientSet::EMPTY.complement(), x)
                        }
                        // Nothing is known to keep: the states stay as the driver has them.
                        Leftover::Keep => Stage::Done,
                    }
                }
            },
            (Stage::Drain(id), Ok(true)) => {
                self.drained = self.drained.saturating_add(1);
                if self.drained < DRAIN_LIMIT {
                    Stage::Drain(id)
                } else {
                    Stage::Close(id)
                }
            }
            // None left, or this firmware cannot read: close it.
            (Stage::Drain(id), Ok(false) | Err(Error::Module(_))) => Stage::Close(id),
            (Stage::Close(id), r) => {
                match r {
                    Ok(_) => {}
                    // Closed meanwhile (a `+MQTTBREAK` came): as good.
                    Err(Error::WrongState {
                        state: ConnState::Closed,
                        ..
                    }) => {}
                    // Closed blindly: refused, so it was not connected.
                    Err(Error::Module(_)) if self.blind => x.client_closed(id),
                    Err(e) => return Err(e),
                }
                x.closed_leftover(id, self.drained);
                self.leftover = self.leftover.without(id);
                self.next_leftover(x.receive_mode == Some(ReceiveMode::Buffered))
            }
            (Stage::Done, Ok(_)) => Stage::Done,
            (_, Err(e)) => return Err(e),
        };
        if self.stage == Stage::Done {
            return Ok(Next::Done);
        }
        Ok(Next::Continue)
    }
}

/// `AT+MQTTCLOSE?`, taken as the clients' states (for clients with no operation under way):
/// what `sync_states` runs. The connected clients, once done, in [`SyncStates::open`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SyncStates {
    /// The clients the module said are connected.
    pub(crate) open: ClientSet,
}

impl Procedure for SyncStates {
    fn step(&self) -> Do<'_> {
        // Its list is taken as it comes (`Exchange::listed`).
        Do::send(Command::Mqtt(MqttCommand::Close, Form::Read))
    }

    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        _: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        outcome?;
        let Some(open) = x.listed else {
            return Err(Error::UnexpectedAnswer);
        };
        let _ = x.learn_connected(open);
        self.open = open;
        Ok(Next::Done)
    }
}

#[cfg(test)]
mod tests;
