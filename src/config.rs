//! Driver settings: timeouts, line end, receive mode.

use embassy_time::Duration;

use crate::codec::LineEnd;
use crate::types::ReceiveMode;

/// Driver settings. [`Config::default`] gives the timings of docs/protocol.md section 7.
///
/// The struct is `#[non_exhaustive]`, so outside this crate it is built from
/// [`Config::default`] (or [`Config::with_timeouts`]) and changed with its `const` setters:
///
/// ```
/// use embassy_time::Duration;
/// use fibocom_mqtt::{Config, ReceiveMode};
///
/// const CONFIG: Config = Config::new()
///     .answer_timeout(Duration::from_secs(2))
///     .open_timeout(Duration::from_secs(20))
///     .receive_mode(ReceiveMode::Direct)
///     .probe_attempts(3);
/// assert_eq!(CONFIG.answer_timeout, Duration::from_secs(2));
/// assert_eq!(CONFIG.result_timeout, Config::default().result_timeout);
///
/// let mut config = Config::default().echo_off(false);
/// config.prompt_timeout = Duration::from_secs(1); // the fields stay public
/// # let _ = config;
/// ```
///
/// A struct literal does not compile outside the crate, even with `..Default::default()`:
///
/// ```compile_fail
/// let config = fibocom_mqtt::Config {
///     answer_timeout: embassy_time::Duration::from_secs(2),
///     ..Default::default()
/// };
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub struct Config {
    /// What ends a command line. Default `\r`.
    pub line_end: LineEnd,
    /// How long to wait for `OK` / `ERROR`. Default 5 s (the manual says under 1 s).
    pub answer_timeout: Duration,
    /// How long to wait for the data prompt of a data-form publish. Default 5 s.
    pub prompt_timeout: Duration,
    /// How long to wait for `+MQTTOPEN: <id>,<status>` after `OK`. Default 40 s.
    pub open_timeout: Duration,
    /// How long to wait for the result line of close, subscribe, unsubscribe and publish.
    /// Default 35 s.
    pub result_timeout: Duration,
    /// How long to wait for `+MIPCALL:` after `AT+MIPCALL=`. Default 35 s.
    pub call_timeout: Duration,
    /// After a data publish was abandoned once the module may be waiting for its payload: how
    /// long to wait for the module to give up (it answers `ERROR`) before the driver completes
    /// the payload with NUL bytes to get the module back to command mode. Default 35 s.
    pub data_mode_timeout: Duration,
    /// How the module reports messages. Default [`ReceiveMode::Buffered`] (binary safe).
    pub receive_mode: ReceiveMode,
    /// Whether start-up turns echo off with `ATE0`. Default true. The driver works with echo
    /// on or off either way.
    pub echo_off: bool,
    /// How many times start-up sends `AT` (one answer timeout apart) before giving up.
    /// Default 10.
    pub probe_attempts: u8,
    /// What start-up does with a module client that is still connected from before this run
    /// (the module keeps its connections when the host restarts). Default
    /// [`Leftover::Close`].
    pub leftover: Leftover,
    /// How many failed reads of the port in a row, with no byte received between them, mean
    /// the link is dead. Default 8. A failed read is otherwise transient (a UART's framing,
    /// parity, break or overrun error): it is reported by
    /// [`Event::LinkError`](crate::Event::LinkError), the item being received is dropped, and
    /// the driver reads on. End of file (a read of 0 bytes) and the kinds `BrokenPipe`,
    /// `NotConnected`, `ConnectionReset` and `ConnectionAborted` mean a dead link at once.
    /// 1 (or 0) makes every failed read fatal.
    pub dead_after_errors: u16,
}

/// What start-up does with a module client found connected that the driver did not open: one
/// left over from an earlier run of the host (a watchdog reset, a crash, a firmware update,
/// a second run of a program), whose broker, user, client identifier and will may not be
/// this run's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Leftover {
    /// Close it (`AT+MQTTCLOSE=<id>`), so that this run opens it as it asks. In receive mode 1
    /// the messages the module still holds for it are read first and dropped, and their
    /// count is reported ([`Event::Discarded`](crate::Event::Discarded)). The default: what
    /// a program that starts with `start()`, `set_user()` and `open()` expects.
    #[default]
    Close,
    /// Keep it: the driver takes the client as open (its state is
    /// [`ConnState::Open`](crate::ConnState::Open); `open` would be refused with
    /// [`Error::WrongState`](crate::Error::WrongState), and so would `set_user` and `set_will`),
    /// and the messages the module holds for it are read and handed out by `next_event` /
    /// `poll_event`. For a program that knows the connection is its own (the same broker,
    /// user and will) and wants to keep its broker session without reconnecting.
    Keep,
}

impl Default for Config {
    fn default() -> Self {
        Config::DEFAULT
    }
}

/// A `const fn` setter for each field.
macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            #[must_use]
            pub const fn $name(mut self, $name: $ty) -> Self {
                self.$name = $name;
                self
            }
        )*
    };
}

impl Config {
    /// The default settings (a copy of one constant, rather than built field by field).
    const DEFAULT: Config = Config::new();

    /// The default settings, in a `const` context ([`Config::default`] gives the same).
    pub const fn new() -> Self {
        Config {
            line_end: LineEnd::Cr,
            answer_timeout: Duration::from_secs(5),
            prompt_timeout: Duration::from_secs(5),
            open_timeout: Duration::from_secs(40),
            result_timeout: Duration::from_secs(35),
            call_timeout: Duration::from_secs(35),
            data_mode_timeout: Duration::from_secs(35),
            receive_mode: ReceiveMode::Buffered,
            echo_off: true,
            probe_attempts: 10,
            leftover: Leftover::Close,
            dead_after_errors: 8,
        }
    }

    setters! {
        /// Sets [`line_end`](Self::line_end).
        line_end: LineEnd;
        /// Sets [`answer_timeout`](Self::answer_timeout).
        answer_timeout: Duration;
        /// Sets [`prompt_timeout`](Self::prompt_timeout).
        prompt_timeout: Duration;
        /// Sets [`open_timeout`](Self::open_timeout).
        open_timeout: Duration;
        /// Sets [`result_timeout`](Self::result_timeout).
        result_timeout: Duration;
        /// Sets [`call_timeout`](Self::call_timeout).
        call_timeout: Duration;
        /// Sets [`data_mode_timeout`](Self::data_mode_timeout).
        data_mode_timeout: Duration;
        /// Sets [`receive_mode`](Self::receive_mode).
        receive_mode: ReceiveMode;
        /// Sets [`echo_off`](Self::echo_off).
        echo_off: bool;
        /// Sets [`probe_attempts`](Self::probe_attempts).
        probe_attempts: u8;
        /// Sets [`leftover`](Self::leftover).
        leftover: Leftover;
        /// Sets [`dead_after_errors`](Self::dead_after_errors).
        dead_after_errors: u16;
    }

    /// The default settings with every timeout scaled to `answer` for the OK/ERROR answer and
    /// `result` for everything else: handy for tests and simulators.
    pub const fn with_timeouts(answer: Duration, result: Duration) -> Self {
        Config::new()
            .answer_timeout(answer)
            .prompt_timeout(answer)
            .open_timeout(result)
            .result_timeout(result)
            .call_timeout(result)
            .data_mode_timeout(result)
    }
}
