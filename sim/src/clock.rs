//! The module's real-time clock, as `AT+CCLK?` reports it (`+CCLK: "yy/MM/dd,hh:mm:ss+zz"`)
//! and as the TLS check of a server certificate's validity uses it.
//!
//! A module whose clock was never set from the network shows its factory time,
//! `80/01/06,00:00:09+00` and counting; every certificate is then "not yet valid" and a
//! verified TLS open fails with `+GTSSLERR: -11`, as on a real module.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A moment as the module shows it: seconds since 1970-01-01 00:00:00 UTC and the time zone,
/// in quarters of an hour east of UTC (the `+zz` / `-zz` of `AT+CCLK`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModuleTime {
    /// Seconds since the Unix epoch, UTC.
    pub utc: i64,
    /// Time zone in quarters of an hour (-48..=56).
    pub zone: i8,
}

impl ModuleTime {
    /// The factory time an unsynchronised module shows: `80/01/06,00:00:09+00`.
    pub const FACTORY: ModuleTime = ModuleTime {
        utc: 315_964_809,
        zone: 0,
    };

    /// Parses `yy/MM/dd,hh:mm:ss+zz` (with or without the surrounding quotes). `yy` 70-99 is
    /// 19yy, 00-69 is 20yy; `zz` is in quarters of an hour, `-` west of UTC.
    pub fn parse(text: &str) -> Option<ModuleTime> {
        let t = text.trim().trim_matches('"');
        let b = t.as_bytes();
        if b.len() != 20
            || b[2] != b'/'
            || b[5] != b'/'
            || b[8] != b','
            || b[11] != b':'
            || b[14] != b':'
            || !matches!(b[17], b'+' | b'-')
        {
            return None;
        }
        let num = |r: std::ops::Range<usize>| -> Option<i64> {
            let s = t.get(r)?;
            s.bytes()
                .all(|c| c.is_ascii_digit())
                .then(|| s.parse().ok())?
        };
        let yy = num(0..2)?;
        let year = if yy >= 70 { 1900 + yy } else { 2000 + yy };
        let (month, day) = (num(3..5)?, num(6..8)?);
        let (h, m, s) = (num(9..11)?, num(12..14)?, num(15..17)?);
        let zz = num(18..20)?;
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || h > 23
            || m > 59
            || s > 59
            || zz > 56
        {
            return None;
        }
        let zone = if b[17] == b'-' { -zz } else { zz };
        let local = days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + s;
        Some(ModuleTime {
            utc: local - zone * 900,
            zone: zone as i8,
        })
    }

    /// `yy/MM/dd,hh:mm:ss+zz`, without quotes.
    pub fn format(&self) -> String {
        let local = self.utc + i64::from(self.zone) * 900;
        let (year, month, day) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        let sign = if self.zone < 0 { '-' } else { '+' };
        format!(
            "{:02}/{month:02}/{day:02},{:02}:{:02}:{:02}{sign}{:02}",
            year.rem_euclid(100),
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            self.zone.unsigned_abs()
        )
    }

    /// The date it falls on where the module is (year, month 1-12, day 1-31).
    pub fn date(&self) -> (i64, i64, i64) {
        civil_from_days((self.utc + i64::from(self.zone) * 900).div_euclid(86_400))
    }

    /// This moment plus `d`.
    pub fn plus(&self, d: Duration) -> ModuleTime {
        ModuleTime {
            utc: self.utc.saturating_add(d.as_secs() as i64),
            zone: self.zone,
        }
    }

    /// The host's current time, UTC.
    pub fn now_utc() -> ModuleTime {
        let utc = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        ModuleTime { utc, zone: 0 }
    }
}

/// What the module's clock shows at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Clock {
    /// The host's time, UTC (`+00`): a module whose clock was set by the network (default).
    #[default]
    Real,
    /// This time at start-up, running from there: [`Clock::factory`] for a module whose clock
    /// was never set.
    At(ModuleTime),
}

impl Clock {
    /// `80/01/06,00:00:09+00` at start-up, as a module shows before the network set its clock.
    pub fn factory() -> Clock {
        Clock::At(ModuleTime::FACTORY)
    }

    /// `real`, `factory`, or a time `yy/MM/dd,hh:mm:ss+zz` (the option `--clock`).
    pub fn parse(text: &str) -> Option<Clock> {
        match text {
            "real" => Some(Clock::Real),
            "factory" => Some(Clock::factory()),
            t => ModuleTime::parse(t).map(Clock::At),
        }
    }
}

/// The running clock of a module: the time it showed at `since`.
#[derive(Debug, Clone, Copy)]
pub struct RunningClock {
    /// `None`: the host's time.
    set: Option<(ModuleTime, Instant)>,
}

impl RunningClock {
    /// A clock showing `clock` at `now`.
    pub fn new(clock: Clock, now: Instant) -> Self {
        match clock {
            Clock::Real => RunningClock { set: None },
            Clock::At(t) => RunningClock::at(t, now),
        }
    }

    /// A clock set to `t` at `now` (`AT+CCLK="..."`).
    pub fn at(t: ModuleTime, now: Instant) -> Self {
        RunningClock {
            set: Some((t, now)),
        }
    }

    /// What the clock shows at `now`.
    pub fn read(&self, now: Instant) -> ModuleTime {
        match self.set {
            None => ModuleTime::now_utc(),
            Some((t, since)) => t.plus(now.saturating_duration_since(since)),
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day number since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factory_time_round_trips() {
        let t = ModuleTime::parse("\"80/01/06,00:00:09+00\"").unwrap();
        assert_eq!(t, ModuleTime::FACTORY);
        assert_eq!(t.format(), "80/01/06,00:00:09+00");
    }

    #[test]
    fn zones_and_dates() {
        let t = ModuleTime::parse("24/02/29,23:59:59+32").unwrap();
        // 2024-02-29 23:59:59 at UTC+8 is 15:59:59 UTC.
        assert_eq!(t.utc, 1_709_222_399);
        assert_eq!(t.format(), "24/02/29,23:59:59+32");
        assert_eq!(
            t.plus(Duration::from_secs(1)).format(),
            "24/03/01,00:00:00+32"
        );
        let w = ModuleTime::parse("00/01/01,00:00:00-20").unwrap();
        assert_eq!(w.format(), "00/01/01,00:00:00-20");
        assert_eq!(w.utc, 946_684_800 + 5 * 3600);
        for bad in [
            "23/02/29,00:00:00+00",
            "24/13/01,00:00:00+00",
            "24/01/01,24:00:00+00",
            "24/01/01,00:00:00+57",
            "24/01/01 00:00:00+00",
            "24/1/01,00:00:00+000",
        ] {
            assert_eq!(ModuleTime::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn running_clock_counts_from_its_setting() {
        let start = Instant::now();
        let c = RunningClock::new(Clock::factory(), start);
        assert_eq!(c.read(start).format(), "80/01/06,00:00:09+00");
        let later = c.read(start + Duration::from_secs(61));
        assert_eq!(later.format(), "80/01/06,00:01:10+00");
        let real = RunningClock::new(Clock::Real, start).read(start);
        assert!((real.utc - ModuleTime::now_utc().utc).abs() <= 1);
    }
}
