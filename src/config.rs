//! Driver settings: timeouts, line end, receive mode.

use embassy_time::Duration;

use crate::codec::LineEnd;
use crate::types::ReceiveMode;

/// Driver settings. [`Config::default`] gives the timings of PROTOCOL.md section 7.
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
}

impl Default for Config {
    fn default() -> Self {
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
        }
    }
}

impl Config {
    /// The default settings with every timeout scaled to `answer` for the OK/ERROR answer and
    /// `result` for everything else: handy for tests and simulators.
    pub fn with_timeouts(answer: Duration, result: Duration) -> Self {
        Config {
            answer_timeout: answer,
            prompt_timeout: answer,
            open_timeout: result,
            result_timeout: result,
            call_timeout: result,
            data_mode_timeout: result,
            ..Config::default()
        }
    }
}
