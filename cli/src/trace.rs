//! `--at-trace`: prints the driver's log of every AT line sent (`AT>`) and received (`AT<`) to
//! stderr, each with the UTC time of day.

use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

use log::{Level, LevelFilter, Log, Metadata, Record};

/// The logger: records of the driver (`fibocom_mqtt`) at trace and debug level.
struct Trace;

impl Log for Trace {
    fn enabled(&self, m: &Metadata<'_>) -> bool {
        m.level() >= Level::Debug && m.target().starts_with("fibocom_mqtt")
    }

    fn log(&self, r: &Record<'_>) {
        if self.enabled(r.metadata()) {
            let line = format!("{} {}\n", timestamp(SystemTime::now()), r.args());
            // One write per line, so lines of other writers are not split.
            let _ = std::io::stderr().lock().write_all(line.as_bytes());
        }
    }

    fn flush(&self) {}
}

/// Installs the logger.
pub fn install() {
    if log::set_logger(&Trace).is_ok() {
        log::set_max_level(LevelFilter::Trace);
    }
}

/// `HH:MM:SS.mmm` (UTC) of `t`.
fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let s = d.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        d.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamp_is_utc_time_of_day() {
        let t = UNIX_EPOCH + Duration::from_millis(86_400_000 * 3 + 3_723_045);
        assert_eq!(timestamp(t), "01:02:03.045");
    }
}
