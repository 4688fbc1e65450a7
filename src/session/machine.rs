//! The session's decisions, sans-IO: where the connection stands, what to do next, how long to
//! wait, and what each fault undoes.

use embassy_time::{Duration, Instant};

use crate::error::{ConnState, Error};
use crate::event::Event;
use crate::types::{BreakCause, ClientId};

/// The wait between attempts: exponential, capped, with jitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Backoff {
    /// The wait after the first failed attempt.
    pub initial: Duration,
    /// The longest wait.
    pub max: Duration,
    /// Up to this share (0-100 %) of each wait is taken off at random.
    pub jitter_percent: u8,
    /// Seed of the jitter's PRNG: give each device its own (a serial number, the IMEI).
    pub seed: u32,
}

impl Backoff {
    /// 1 s, doubling up to 5 min, 50 % jitter, seed 1.
    pub const DEFAULT: Backoff = Backoff {
        initial: Duration::from_secs(1),
        max: Duration::from_secs(300),
        jitter_percent: 50,
        seed: 1,
    };

    /// The wait before attempt `attempt + 1` after `attempt` failed ones (`attempt` >= 1),
    /// before jitter.
    pub fn ceiling(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(30);
        let ticks = self.initial.as_ticks().saturating_mul(1u64 << shift);
        Duration::from_ticks(ticks.min(self.max.as_ticks()))
    }
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff::DEFAULT
    }
}

/// Which step of bringing the connection up failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Stage {
    /// Start-up (`AT`, `ATE0`, `AT+MQTTCONF`, and what the module kept from before: the data
    /// call, the clients connected, which it closes if left over).
    Start,
    /// The data call (`AT+MIPCALL?`, `AT+MIPCALL=1`).
    Call,
    /// TLS provisioning.
    Tls,
    /// `AT+MQTTUSER`.
    User,
    /// `AT+MQTTWILL`.
    Will,
    /// `AT+MQTTOPEN`.
    Open,
    /// `AT+MQTTSUB`.
    Subscribe,
    /// `AT+MQTTREAD` after the open.
    Read,
    /// `AT+MQTTPUB` of an outbox entry.
    Publish,
}

/// Why the session is (re)connecting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Reason {
    /// `+MQTTBREAK` with this cause.
    Break(BreakCause),
    /// `+MIPCALL: 0`, or no data call up.
    CallDown,
    /// The module restarted (`RDY`).
    Restarted,
    /// A step failed.
    Failed(Stage, Error),
}

/// The connection's state, as the application watches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum SessionState {
    /// Connected and subscribed; the outbox is being sent.
    Connected,
    /// Attempt `attempt` (from 1) is under way.
    Connecting {
        /// The attempt's number since the connection was last up.
        attempt: u32,
        /// Why the connection is not up: the last fault or failure, if any.
        last: Option<Reason>,
    },
    /// Waiting before attempt `attempt`.
    Waiting {
        /// The number of the next attempt.
        attempt: u32,
        /// When it starts.
        until: Instant,
        /// The failure that made the session wait.
        last: Option<Reason>,
    },
}

/// What the session counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Stats {
    /// Times the connection came up again after a fault (the first connection not counted).
    pub reconnects: u32,
    /// Faults seen: breaks, call losses, restarts and failed steps.
    pub faults: u32,
    /// Outbox entries sent again after an attempt whose outcome was unknown: possible
    /// duplicates at the broker.
    pub resent: u32,
    /// Outbox entries confirmed by the module.
    pub delivered: u32,
    /// Outbox entries dropped to make room ([`WhenFull::DropOldest`](super::WhenFull)).
    pub dropped: u32,
    /// The longest time the connection was down after having been up.
    pub longest_outage: Duration,
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Step {
    /// Run start-up.
    Start,
    /// Ask whether the data call is up (`AT+MIPCALL?`); report `Ok(up)`.
    CheckCall,
    /// Dial the data call.
    Dial,
    /// Provision TLS.
    Tls,
    /// Set the user.
    User,
    /// Set the will.
    Will,
    /// Open the client. A client already open (the driver says so) counts as opened.
    Open,
    /// Subscribe to subscription number `n`.
    Subscribe(usize),
    /// Read a message the module holds (`AT+MQTTREAD`), after an open, between sends;
    /// report `Ok(one was read)`.
    Read,
    /// Send the outbox's oldest entry.
    Send,
    /// Connected, nothing to send: wait for events and new publishes.
    Idle,
    /// Wait until this time (or an event).
    Wait(Instant),
}

/// Where the attempt stands; ordered: a fault sends the session back to the earliest phase it
/// undoes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Start,
    CheckCall,
    Dial,
    Tls,
    User,
    Will,
    Open,
    Subscribe(usize),
    Up,
}

/// What the session brings up, and how it waits between attempts: what [`Core::new`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Plan {
    /// The wait between attempts.
    pub backoff: Backoff,
    /// Whether the data call is dialled (else the call that is up is used).
    pub dial: bool,
    /// Whether a user is set (`AT+MQTTUSER`).
    pub user: bool,
    /// Whether a will is set (`AT+MQTTWILL`).
    pub will: bool,
    /// Whether TLS is provisioned.
    pub tls: bool,
    /// How many subscriptions are kept.
    pub subscriptions: usize,
}

/// The session's state machine. Ask it for the [`next`](Self::next) step, carry the step out,
/// and report how it went with [`done`](Self::done); hand it every module event with
/// [`event`](Self::event).
#[derive(Debug, Clone)]
pub struct Core {
    phase: Phase,
    /// Whether start-up, user, will and TLS must be done again (after a restart).
    configure: bool,
    attempt: u32,
    last: Option<Reason>,
    wait: Option<Instant>,
    backoff: Backoff,
    rng: u32,
    dial: bool,
    user: bool,
    will: bool,
    tls: bool,
    subscriptions: usize,
    /// When the connection went down, if it had been up.
    down_since: Option<Instant>,
    ever_up: bool,
    changed: bool,
    /// The state last handed out by [`take_change`](Self::take_change).
    reported: Option<SessionState>,
    /// Whether the module may hold messages the driver was not told of (after an open): read
    /// them, between sends, until none is left.
    read_owed: bool,
    /// Alternates reads and sends while both wait.
    read_turn: bool,
    /// The firmware does not answer `AT+MIPCALL?`.
    call_unknown: bool,
    stats: Stats,
    /// The port's error, once the link is dead: the session can do nothing more.
    dead: Option<Error>,
}

impl Core {
    /// A session that brings the client up as `plan` says.
    pub fn new(plan: Plan) -> Self {
        let Plan {
            backoff,
            dial,
            user,
            will,
            tls,
            subscriptions,
        } = plan;
        Core {
            phase: Phase::Start,
            configure: true,
            attempt: 1,
            last: None,
            wait: None,
            backoff,
            rng: backoff.seed | 1,
            dial,
            user,
            will,
            tls,
            subscriptions,
            down_since: None,
            ever_up: false,
            changed: true,
            reported: None,
            read_owed: false,
            read_turn: false,
            call_unknown: false,
            stats: Stats::default(),
            dead: None,
        }
    }

    /// The connection's state.
    pub fn state(&self) -> SessionState {
        match (self.phase, self.wait) {
            (Phase::Up, _) => SessionState::Connected,
            (_, Some(until)) => SessionState::Waiting {
                attempt: self.attempt,
                until,
                last: self.last,
            },
            (_, None) => SessionState::Connecting {
                attempt: self.attempt,
                last: self.last,
            },
        }
    }

    /// Whether the client is connected and subscribed.
    pub fn connected(&self) -> bool {
        self.phase == Phase::Up
    }

    /// The state, once after each change.
    pub fn take_change(&mut self) -> Option<SessionState> {
        if !core::mem::take(&mut self.changed) {
            return None;
        }
        let now = self.state();
        if self.reported == Some(now) {
            return None;
        }
        self.reported = Some(now);
        Some(now)
    }

    /// The link is dead (the port's `error`, seen by the pump or by a publish): the session can
    /// do nothing more. From now on every publish is refused with that error (nothing is queued
    /// into a dead session) and whoever waits for room is told so.
    pub fn link_down(&mut self, error: Error) {
        if self.dead.is_none() {
            self.dead = Some(error);
        }
    }

    /// The port's error, once the link is dead.
    pub fn link_error(&self) -> Option<Error> {
        self.dead
    }

    /// Whether a publish may be taken now: `Err` with the port's error once the link is dead.
    pub fn admit(&self) -> Result<(), Error> {
        self.dead.map_or(Ok(()), Err)
    }

    /// What was counted.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// Counts an outbox entry sent again after an unknown outcome.
    pub fn count_resend(&mut self) {
        self.stats.resent = self.stats.resent.saturating_add(1);
    }

    /// Counts an outbox entry dropped to make room.
    pub fn count_drop(&mut self) {
        self.stats.dropped = self.stats.dropped.saturating_add(1);
    }

    /// What to do next at `now`; `outbox` says whether the outbox holds entries.
    pub fn next(&mut self, now: Instant, outbox: bool) -> Step {
        if let Some(until) = self.wait {
            if now < until {
                return Step::Wait(until);
            }
            self.wait = None;
            if self.phase != Phase::Up {
                self.attempt = self.attempt.saturating_add(1);
                self.changed = true;
            }
        }
        loop {
            let step = match self.phase {
                Phase::Start => Step::Start,
                Phase::CheckCall => Step::CheckCall,
                Phase::Dial => Step::Dial,
                Phase::Tls if self.tls => Step::Tls,
                Phase::User if self.user => Step::User,
                Phase::Will if self.will => Step::Will,
                Phase::Tls | Phase::User | Phase::Will => {
                    self.advance(now);
                    continue;
                }
                Phase::Open => Step::Open,
                Phase::Subscribe(n) if n < self.subscriptions => Step::Subscribe(n),
                Phase::Subscribe(_) => {
                    self.advance(now);
                    continue;
                }
                Phase::Up => {
                    self.read_turn = !self.read_turn;
                    if self.read_owed && (!outbox || self.read_turn) {
                        Step::Read
                    } else if outbox {
                        Step::Send
                    } else {
                        Step::Idle
                    }
                }
            };
            return step;
        }
    }

    /// Moves to the phase after the current one.
    fn advance(&mut self, now: Instant) {
        self.phase = match self.phase {
            Phase::Start => Phase::CheckCall,
            Phase::CheckCall | Phase::Dial if self.configure => Phase::Tls,
            Phase::CheckCall | Phase::Dial => Phase::Open,
            Phase::Tls => Phase::User,
            Phase::User => Phase::Will,
            Phase::Will => {
                self.configure = false;
                Phase::Open
            }
            Phase::Open => Phase::Subscribe(0),
            Phase::Subscribe(n) => Phase::Subscribe(n.saturating_add(1)),
            Phase::Up => Phase::Up,
        };
        if self.phase == Phase::Subscribe(self.subscriptions) {
            self.phase = Phase::Up;
            self.read_owed = true;
            self.up(now);
        }
    }

    fn up(&mut self, now: Instant) {
        if let Some(since) = self.down_since.take() {
            let outage = now.saturating_duration_since(since);
            self.stats.longest_outage = self.stats.longest_outage.max(outage);
        }
        if self.ever_up {
            self.stats.reconnects = self.stats.reconnects.saturating_add(1);
        }
        self.ever_up = true;
        self.attempt = 0;
        self.last = None;
        self.changed = true;
    }

    /// Reports how `step` went. `Ok(yes)` answers the steps that ask something
    /// ([`Step::CheckCall`], [`Step::Read`]); other steps report `Ok(true)`.
    /// `state` is the driver's state of the client after the step.
    pub fn done(
        &mut self,
        step: Step,
        result: Result<bool, Error>,
        state: ConnState,
        now: Instant,
    ) {
        let ok = match (step, result) {
            (Step::Idle | Step::Wait(_), _) => return,
            // Opening a client the driver says is open: it is.
            (Step::Open, Err(Error::WrongState { .. })) if state == ConnState::Open => true,
            // A firmware that does not answer `AT+MIPCALL?`: the call is unknown, never asked
            // again in a loop. Dial if the session dials (a refusal then means a call is up),
            // else take the call as up (the open fails if it is not).
            (Step::CheckCall, Err(Error::Module(_) | Error::UnexpectedAnswer)) => {
                self.call_unknown = true;
                !self.dial
            }
            // Dialling refused while the call cannot be asked about: a call is up already.
            (Step::Dial, Err(Error::Module(_))) if self.call_unknown => true,
            (Step::Read, Err(Error::Module(_))) => false, // receive mode 0: nothing to read
            (Step::Send, Ok(_)) => {
                self.stats.delivered = self.stats.delivered.saturating_add(1);
                return;
            }
            (_, Ok(yes)) => yes,
            (_, Err(e)) => return self.failed(step, e, now),
        };
        match (step, self.phase) {
            // Start-up found the client connected and kept it (the session's own connection,
            // kept by the module while it did not answer, or one kept by
            // `Leftover::Keep`): nothing to set up again, only the subscriptions to renew.
            (Step::Start, Phase::Start) if state == ConnState::Open => {
                self.configure = false;
                self.phase = Phase::Open;
                self.advance(now);
            }
            (Step::Start, Phase::Start) => self.advance(now),
            (Step::CheckCall, Phase::CheckCall) if ok => self.advance(now),
            (Step::CheckCall, Phase::CheckCall) if self.dial => self.phase = Phase::Dial,
            (Step::CheckCall, Phase::CheckCall) => {
                self.fault(Reason::CallDown, Phase::CheckCall, now)
            }
            (Step::Dial, Phase::Dial) => self.advance(now),
            (Step::Tls, Phase::Tls) | (Step::User, Phase::User) | (Step::Will, Phase::Will) => {
                self.advance(now)
            }
            (Step::Open, Phase::Open) => self.advance(now),
            (Step::Subscribe(n), Phase::Subscribe(m)) if n == m => self.advance(now),
            (Step::Read, _) => self.read_owed &= ok, // read until none is left
            // Sent: the outbox keeps the books; a late report of another phase is stale.
            _ => {}
        }
    }

    /// A step failed with `e`.
    fn failed(&mut self, step: Step, e: Error, now: Instant) {
        let stage = match step {
            Step::Start => Stage::Start,
            Step::CheckCall | Step::Dial => Stage::Call,
            Step::Tls => Stage::Tls,
            Step::User => Stage::User,
            Step::Will => Stage::Will,
            Step::Open => Stage::Open,
            Step::Subscribe(_) => Stage::Subscribe,
            Step::Read => Stage::Read,
            Step::Send | Step::Idle | Step::Wait(_) => Stage::Publish,
        };
        let back = match e {
            Error::Restarted => Phase::Start,
            // A module that stops answering: probe it, and take nothing it held for granted.
            Error::AnswerTimeout | Error::PromptTimeout | Error::ResultTimeout => Phase::Start,
            Error::Break(cause) => Self::undone_by(cause),
            Error::WrongState {
                state: ConnState::Closed,
                ..
            } => Phase::Open,
            // The client is not in the state the session thought: start-up learns which
            // clients are connected, and closes the session's if it was left over.
            Error::WrongState { .. } => Phase::Start,
            // The driver saw a restart the session has not: provision TLS again first.
            Error::TlsLost => Phase::Tls,
            // An open or a dial that failed: is the call (still) up?
            _ if matches!(step, Step::Open | Step::Dial) => Phase::CheckCall,
            // Anything else: the same step again, after the wait.
            _ => self.phase,
        };
        let reason = match e {
            Error::Restarted => Reason::Restarted,
            Error::Break(cause) => Reason::Break(cause),
            e => Reason::Failed(stage, e),
        };
        self.fault(reason, back, now);
    }

    /// What a break of `cause` undoes.
    fn undone_by(cause: BreakCause) -> Phase {
        match cause {
            BreakCause::Link | BreakCause::Network => Phase::CheckCall,
            BreakCause::Broker | BreakCause::Other(_) => Phase::Open,
        }
    }

    /// A fault: back to `back` (or earlier, if the session is already there), then at once
    /// (the first attempt after the connection was up) or after the back-off.
    fn fault(&mut self, reason: Reason, back: Phase, now: Instant) {
        self.stats.faults = self.stats.faults.saturating_add(1);
        if back == Phase::Start {
            self.configure = true;
        }
        let was_up = self.phase == Phase::Up;
        self.phase = self.phase.min(back);
        self.last = Some(reason);
        self.changed = true;
        if was_up && self.phase != Phase::Up {
            self.down_since = Some(now);
            self.attempt = 1;
            self.wait = None;
        } else if self.wait.is_none() {
            let failed = if self.phase == Phase::Up {
                1
            } else {
                self.attempt
            };
            self.wait = Some(now.saturating_add(self.delay(failed)));
        }
    }

    /// The back-off after `attempt` failed attempts, jitter included.
    fn delay(&mut self, attempt: u32) -> Duration {
        let ceiling = self.backoff.ceiling(attempt).as_ticks();
        let pct = u64::from(self.backoff.jitter_percent.min(100));
        let hundredth = |v: u64| v.checked_div(100).unwrap_or(0);
        let span = hundredth(ceiling)
            .saturating_mul(pct)
            .saturating_add(hundredth(
                ceiling.checked_rem(100).unwrap_or(0).saturating_mul(pct),
            ));
        // xorshift32
        let mut x = self.rng;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.rng = x;
        let cut = match span.checked_add(1) {
            Some(m) => u64::from(x).checked_rem(m).unwrap_or(0),
            None => span,
        };
        Duration::from_ticks(ceiling.saturating_sub(cut))
    }

    /// An unsolicited event of the module, for the session's client `id`. `state` is the
    /// driver's state of the client when the event is handed out.
    pub fn event(&mut self, id: ClientId, event: &Event<'_>, state: ConnState, now: Instant) {
        match *event {
            // A break of a client the driver says is open again is an old one.
            Event::Break { client, cause } if client == id && state == ConnState::Closed => {
                let back = Self::undone_by(cause);
                if self.phase > back {
                    self.fault(Reason::Break(cause), back, now);
                }
            }
            Event::Restarted => self.fault(Reason::Restarted, Phase::Start, now),
            Event::DataCallDown if self.phase > Phase::Dial => {
                self.fault(Reason::CallDown, Phase::CheckCall, now)
            }
            Event::Registration(r)
                if r.registered() && self.wait.is_some() && !self.connected() =>
            {
                // Registration is back: try now.
                self.wait = Some(now);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests;
