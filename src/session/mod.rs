//! A connection that stays up: an optional layer over either driver that keeps one module
//! client connected across every fault the module reports, resubscribes, and keeps the QoS 1
//! and 2 publishes that were not yet confirmed.
//!
//! Configured once ([`SessionConfig`]: the data call, user, will, TLS, broker, clean-session flag
//! and the subscriptions), a session brings the client up and keeps it up:
//!
//! - on `+MQTTBREAK` (each cause), `+MIPCALL: 0`, the loss of registration, a module restart
//!   (`RDY`: everything is lost), a module that stops answering (every step times out), and
//!   failed opens, it goes back as far as the fault requires (start-up, the data call, TLS,
//!   the user and will, the open) and tries again, with exponential back-off and jitter between
//!   attempts ([`Backoff`]);
//! - after every open it subscribes again to every [`Subscription`], in order, then reads what
//!   the module holds, and only then sends what is queued;
//! - QoS 1 and 2 publishes go through an [`Outbox`] in storage the caller sizes: a publish made
//!   while disconnected, or not confirmed by its `+MQTTPUB: <id>,1` before a fault, is sent
//!   again after the reconnect, in order; QoS 0 publishes are never queued.
//!
//! # Delivery guarantee
//!
//! At least once, across faults: a QoS 1 or 2 publish accepted by the outbox stays there until
//! the module confirmed it (`+MQTTPUB: <id>,1`), and is sent again, in order, after any fault
//! that left its outcome unknown. A message the module sent but whose confirmation was lost
//! (a break between `OK` and the result line, a restart, a silent module) reaches the broker
//! twice: such re-sends are counted ([`Stats::resent`]), so duplicates are possible and
//! counted, never silent. Entries leave the outbox only by confirmation, by the
//! [`WhenFull::DropOldest`] policy (reported as [`SessionEvent::Dropped`]), or when the module
//! refuses them for good (reported as [`SessionEvent::Rejected`]). The outbox lives in RAM: a
//! reset of the microcontroller loses it.
//!
//! Incoming messages: with a persistent session (`clean_session: false`) the broker keeps QoS 1
//! and 2 messages for the device while it is away, and the session reads every message the
//! module announces or holds (it asks with `AT+MQTTREAD` after every open), so a message the
//! module received is handed to the application. Whether the module acknowledges a message to
//! the broker on receipt or only when it is read is the module's: if it acknowledges on
//! receipt, a message received and not yet read when the module restarts is lost with the
//! module's memory.
//!
//! # Back-off
//!
//! The first attempt after a fault of a connected client is made at once. Each failed attempt
//! waits `initial * 2^(n-1)` (capped at `max`), less a random part of up to `jitter_percent`
//! of it, from a small PRNG seeded by the caller ([`Backoff::seed`]), so that many devices do
//! not come back in step. Registration coming back (`+CREG: 1` and the like) ends a wait at
//! once.
//!
//! # Layers
//!
//! The decisions (the state, what to do next, the back-off schedule, the outbox bookkeeping,
//! the publish policy, what each step comes to with the configuration, and whose turn it is:
//! an event's or a step's) live in a sans-IO core ([`Core`], [`Outbox`] and crate-internal
//! pieces beside them), tested directly. [`asynch::Session`] (over
//! [`asynch::Control`](crate::asynch::Control)) and [`blocking::Session`] (over
//! [`blocking::Modem`](crate::blocking::Modem)) only carry out what it decides. Everything here
//! is generic and only compiled into a firmware that uses it.

mod action;
pub mod asynch;
pub mod blocking;
mod machine;
mod outbox;
mod publishing;
mod pump;
mod rules;

pub use self::machine::{Backoff, Core, Plan, Reason, SessionState, Stage, Stats, Step};
pub use self::outbox::{Outbox, OutboxFull, Pending, Seq, Slot};
pub use self::rules::{BrokerRules, Forbidden};

use crate::broker::Broker;
use crate::codec::{EncodeError, Message, TlsParam};
use crate::error::Error;
use crate::event::Event;
use crate::types::{ClientId, QoS};
use crate::TlsSetup;

/// How the data call is brought up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum DataCall<'a> {
    /// Use the call that is up (brought up by someone else, or automatically by the module):
    /// the session checks with `AT+MIPCALL?` and waits (with back-off) while none is.
    UseExisting,
    /// Dial it with `AT+MIPCALL=1`, with this APN (or the module's default) and credentials.
    Dial {
        /// The APN, or `None` for the module's default.
        apn: Option<&'a str>,
        /// User name and password, if the APN needs them.
        credentials: Option<(&'a str, &'a str)>,
    },
}

/// The MQTT account (`AT+MQTTUSER`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct User<'a> {
    /// User name.
    pub user: &'a str,
    /// Password.
    pub password: &'a str,
    /// The MQTT client identifier; `None`: the module's IMEI.
    pub identifier: Option<&'a str>,
}

/// The will (`AT+MQTTWILL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Will<'a> {
    /// Topic.
    pub topic: &'a str,
    /// QoS.
    pub qos: QoS,
    /// Retain flag.
    pub retain: bool,
    /// Payload (sent in the text form when it is printable text, else in the data form).
    pub payload: &'a [u8],
}

/// A subscription the session keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Subscription<'a> {
    /// Topic filter.
    pub filter: &'a str,
    /// Maximum QoS.
    pub qos: QoS,
}

/// What a QoS 1 or 2 publish does when the outbox has no room for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WhenFull {
    /// Wait until there is room (async); the blocking session returns
    /// [`PublishError::Full`] and the caller polls and tries again.
    #[default]
    Wait,
    /// Drop the oldest entries until there is room (reported as [`SessionEvent::Dropped`]).
    DropOldest,
    /// Refuse the new publish: [`PublishError::Full`].
    Refuse,
}

/// Whether and how a session secures its connection, chosen by type so that a session
/// without TLS carries no TLS code: [`NoTls`] (plain MQTT, the default), a `&TlsSetup` (always
/// TLS) or an `Option<&TlsSetup>` (chosen at run time, as the command-line tool does).
///
/// The session decides from [`setup`](Self::setup) whether to provision and open over TLS,
/// and makes those calls through this trait, so that a session without TLS compiles none of
/// them in (a call that is never made would still be compiled into an async state machine).
pub trait SessionTls: Copy + sealed::Sealed {
    /// The TLS setup to provision and open with, if the connection uses TLS.
    fn setup(&self) -> Option<&TlsSetup<'_>>;

    /// [`Control::provision_tls`](crate::asynch::Control::provision_tls); nothing with
    /// [`NoTls`], which is never asked to.
    #[doc(hidden)]
    fn provision<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
        c: &'c crate::asynch::Control<'d, W>,
        setup: &'c TlsSetup<'c>,
    ) -> impl core::future::Future<Output = Result<(), Error>> + 'c;

    /// [`Control::open_tls`](crate::asynch::Control::open_tls); a plain open with [`NoTls`],
    /// which is never asked to.
    #[doc(hidden)]
    fn open_tls<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
        c: &'c crate::asynch::Control<'d, W>,
        id: ClientId,
        broker: Broker<'c>,
        param: TlsParam,
    ) -> impl core::future::Future<Output = Result<(), Error>> + 'c;

    /// [`Modem::provision_tls`](crate::blocking::Modem::provision_tls); nothing with
    /// [`NoTls`], which is never asked to.
    #[doc(hidden)]
    fn provision_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
        m: &mut crate::blocking::Modem<P, N>,
        setup: &TlsSetup<'_>,
    ) -> Result<(), Error>;

    /// [`Modem::open_tls`](crate::blocking::Modem::open_tls); a plain open with [`NoTls`],
    /// which is never asked to.
    #[doc(hidden)]
    fn open_tls_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
        m: &mut crate::blocking::Modem<P, N>,
        id: ClientId,
        broker: Broker<'_>,
        param: TlsParam,
    ) -> Result<(), Error>;
}

mod sealed {
    /// Only the crate's choices implement [`SessionTls`](super::SessionTls).
    pub trait Sealed {}
    impl Sealed for super::NoTls {}
    impl<'a> Sealed for &'a crate::TlsSetup<'a> {}
    impl<'a> Sealed for Option<&'a crate::TlsSetup<'a>> {}
}

/// Plain MQTT, no TLS: [`SessionConfig::new`]'s choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NoTls;

impl SessionTls for NoTls {
    #[inline]
    fn setup(&self) -> Option<&TlsSetup<'_>> {
        None
    }

    fn provision<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
        _: &'c crate::asynch::Control<'d, W>,
        _: &'c TlsSetup<'c>,
    ) -> impl core::future::Future<Output = Result<(), Error>> + 'c {
        core::future::ready(Ok(()))
    }

    fn open_tls<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
        c: &'c crate::asynch::Control<'d, W>,
        id: ClientId,
        broker: Broker<'c>,
        _: TlsParam,
    ) -> impl core::future::Future<Output = Result<(), Error>> + 'c {
        c.open(id, broker)
    }

    fn provision_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
        _: &mut crate::blocking::Modem<P, N>,
        _: &TlsSetup<'_>,
    ) -> Result<(), Error> {
        Ok(())
    }

    fn open_tls_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
        m: &mut crate::blocking::Modem<P, N>,
        id: ClientId,
        broker: Broker<'_>,
        _: TlsParam,
    ) -> Result<(), Error> {
        m.open(id, broker)
    }
}

/// The TLS calls, for the choices that have TLS.
macro_rules! tls_calls {
    () => {
        fn provision<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
            c: &'c crate::asynch::Control<'d, W>,
            setup: &'c TlsSetup<'c>,
        ) -> impl core::future::Future<Output = Result<(), Error>> + 'c {
            c.provision_tls(setup)
        }

        fn open_tls<'c, 'd: 'c, W: embedded_io_async::Write + 'c>(
            c: &'c crate::asynch::Control<'d, W>,
            id: ClientId,
            broker: Broker<'c>,
            param: TlsParam,
        ) -> impl core::future::Future<Output = Result<(), Error>> + 'c {
            c.open_tls(id, broker, param)
        }

        fn provision_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
            m: &mut crate::blocking::Modem<P, N>,
            setup: &TlsSetup<'_>,
        ) -> Result<(), Error> {
            m.provision_tls(setup)
        }

        fn open_tls_blocking<P: embedded_io::Read + embedded_io::Write, const N: usize>(
            m: &mut crate::blocking::Modem<P, N>,
            id: ClientId,
            broker: Broker<'_>,
            param: TlsParam,
        ) -> Result<(), Error> {
            m.open_tls(id, broker, param)
        }
    };
}

impl<'a> SessionTls for &'a TlsSetup<'a> {
    #[inline]
    fn setup(&self) -> Option<&TlsSetup<'_>> {
        Some(*self)
    }

    tls_calls!();
}

impl<'a> SessionTls for Option<&'a TlsSetup<'a>> {
    #[inline]
    fn setup(&self) -> Option<&TlsSetup<'_>> {
        *self
    }

    tls_calls!();
}

/// Everything a session is configured with, once. Build it from [`SessionConfig::new`] and
/// change the fields (`SessionConfig { user: Some(..), ..SessionConfig::new(broker) }`); for
/// TLS, [`with_tls`](Self::with_tls).
#[derive(Debug, Clone, Copy)]
pub struct SessionConfig<'a, T: SessionTls = NoTls> {
    /// The module client the session owns.
    pub client: ClientId,
    /// How the data call comes up.
    pub call: DataCall<'a>,
    /// The account, if any (set again after every module restart).
    pub user: Option<User<'a>>,
    /// The will, if any (set again after every module restart).
    pub will: Option<Will<'a>>,
    /// TLS, if any ([`SessionTls`]): provisioned
    /// ([`provision_tls`](crate::asynch::Control::provision_tls)) before the first open and
    /// again after every module restart (the module forgets it), and every open is
    /// [`open_tls`](crate::asynch::Control::open_tls) with its parameter. [`NoTls`] compiles
    /// none of that in.
    pub tls: T,
    /// The broker; its `clean_session` flag is the session's (use `false` to have the broker
    /// keep messages while the device is away).
    pub broker: Broker<'a>,
    /// The subscriptions, subscribed again in this order after every open.
    pub subscriptions: &'a [Subscription<'a>],
    /// The wait between attempts.
    pub backoff: Backoff,
    /// What a QoS 1 or 2 publish does when the outbox is full.
    pub when_full: WhenFull,
    /// The broker's own rules (a cloud's), if any: every publish is checked against them
    /// before it is queued ([`PublishError::Forbidden`]). A cloud profile sets them.
    pub rules: Option<&'a dyn BrokerRules>,
}

impl<'a> SessionConfig<'a, NoTls> {
    /// Client 1 to `broker`, plain MQTT, using the data call that is up, no user, will or
    /// subscription, the default back-off, waiting when the outbox is full.
    pub const fn new(broker: Broker<'a>) -> Self {
        SessionConfig {
            client: ClientId::One,
            call: DataCall::UseExisting,
            user: None,
            will: None,
            tls: NoTls,
            broker,
            subscriptions: &[],
            backoff: Backoff::DEFAULT,
            when_full: WhenFull::Wait,
            rules: None,
        }
    }
}

impl<'a, T: SessionTls> SessionConfig<'a, T> {
    /// The same configuration, secured by `tls`: a `&TlsSetup` for TLS always, an
    /// `Option<&TlsSetup>` to choose at run time.
    pub const fn with_tls<U: SessionTls>(self, tls: U) -> SessionConfig<'a, U> {
        SessionConfig {
            client: self.client,
            call: self.call,
            user: self.user,
            will: self.will,
            tls,
            broker: self.broker,
            subscriptions: self.subscriptions,
            backoff: self.backoff,
            when_full: self.when_full,
            rules: self.rules,
        }
    }
}

/// What a session hands the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum SessionEvent<'a> {
    /// A message arrived (lent from the receive buffer: copy what you keep).
    Message(Message<'a>),
    /// The connection's state changed.
    State(SessionState),
    /// The module confirmed the outbox entry `Seq` (`+MQTTPUB: <id>,1`); it left the outbox.
    Delivered(Seq),
    /// `count` entries, from `first` on, were dropped from the outbox to make room
    /// ([`WhenFull::DropOldest`]); they may or may not have reached the broker.
    Dropped {
        /// The first dropped entry.
        first: Seq,
        /// How many, in order from `first`.
        count: u32,
    },
    /// The module refused an outbox entry for good (it can never be sent); it left the
    /// outbox.
    Rejected(Seq, Error),
    /// Any other event of the module (a break, a restart, a registration report, an unknown
    /// line, losses), after the session acted on it. Nothing is for the application to do.
    Module(Event<'a>),
}

/// Why a publish was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum PublishError {
    /// The topic or payload breaks a limit of the protocol. Nothing was queued.
    Invalid(EncodeError),
    /// The outbox is full ([`WhenFull::Refuse`], or [`WhenFull::Wait`] on the blocking
    /// session). Nothing was queued.
    Full,
    /// Topic and payload together are larger than the outbox's byte storage: they can never
    /// be queued.
    TooLarge,
    /// A QoS 0 publish while the session is not connected (QoS 0 is never queued).
    NotConnected,
    /// A QoS 0 publish failed (it is not retried); or the link is dead (the port's error,
    /// [`Error::Io`]): nothing was queued, and a publish waiting for room ends with it.
    Failed(Error),
    /// The broker's rules ([`SessionConfig::rules`]) forbid it. Nothing was queued.
    Forbidden(Forbidden),
}

impl core::fmt::Display for PublishError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PublishError::Invalid(e) => write!(f, "invalid publish: {e}"),
            PublishError::Full => f.write_str("the outbox is full"),
            PublishError::TooLarge => {
                f.write_str("topic and payload are larger than the outbox's storage")
            }
            PublishError::NotConnected => f.write_str("not connected (QoS 0 is not queued)"),
            PublishError::Failed(e) => write!(f, "publish failed: {e}"),
            PublishError::Forbidden(e) => write!(f, "publish forbidden: {e}"),
        }
    }
}

impl core::error::Error for PublishError {}

/// Checks a publish as the driver will send it, and against the broker's `rules`, before it
/// is queued.
fn check_publish(
    id: ClientId,
    rules: Option<&dyn BrokerRules>,
    topic: &str,
    payload: &[u8],
    qos: QoS,
    retain: bool,
) -> Result<(), PublishError> {
    if let Some(rules) = rules {
        rules
            .check_publish(topic, qos, retain)
            .map_err(PublishError::Forbidden)?;
    }
    crate::codec::Command::Publish {
        id,
        topic,
        qos,
        retain,
        payload,
        form: crate::codec::PayloadForm::Auto,
    }
    .line()
    .check()
    .map_err(PublishError::Invalid)
}

/// The core's view of a configuration.
fn core_for<T: SessionTls>(config: &SessionConfig<'_, T>) -> Core {
    Core::new(Plan {
        backoff: config.backoff,
        dial: matches!(config.call, DataCall::Dial { .. }),
        user: config.user.is_some(),
        will: config.will.is_some(),
        tls: config.tls.setup().is_some(),
        subscriptions: config.subscriptions.len(),
    })
}
