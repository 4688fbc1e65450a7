//! The module's clock, as `AT+CCLK?` reports it (`+CCLK: "yy/MM/dd,hh:mm:ss±zz"`), and
//! whether it is plausible: a TLS open that fails the CA check (`+GTSSLERR: -11`) fails the same
//! way when the clock is wrong, because the module then sees the server's certificate as expired
//! or not yet valid.
//!
//! What is plausible is decided here and nowhere else: a year from
//! [`EARLIEST_PLAUSIBLE_YEAR`] to [`LATEST_PLAUSIBLE_YEAR`] ([`ModuleTime::is_plausible`]).
//! A module whose clock was never set (no network time, no `AT+CCLK=`) shows its factory
//! default, a year such as 1980, 2000 or 2004, and refuses every certificate issued since.

/// The earliest year a module's clock may plausibly show: the year this driver was released.
/// A clock behind it cannot be right.
pub const EARLIEST_PLAUSIBLE_YEAR: u16 = 2025;
/// The latest year a module's clock may plausibly show.
pub const LATEST_PLAUSIBLE_YEAR: u16 = 2099;

/// The time `+CCLK: "<yy>/<MM>/<dd>,<hh>:<mm>:<ss><±zz>"` reports, as the module sent it (its
/// local time; the zone is separate). Each field is checked to be in range (month 1-12, day
/// 1-31, hour 0-23, minute and second 0-59, zone -96 to +96 quarter hours); a line with one
/// out of range does not parse.
///
/// The year is sent with two digits: `70`-`99` are 1970-1999 (a factory default such as
/// `80/01/06` is 1980), `00`-`69` are 2000-2069. A four-digit year, as some firmware sends it,
/// is taken as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct ModuleTime {
    /// The year, with its century (see above).
    pub year: u16,
    /// 1-12.
    pub month: u8,
    /// 1-31.
    pub day: u8,
    /// 0-23.
    pub hour: u8,
    /// 0-59.
    pub minute: u8,
    /// 0-59.
    pub second: u8,
    /// The time zone in quarter hours from UTC (`+32` is UTC+8); `None` when the module sends
    /// none.
    pub zone: Option<i8>,
}

impl ModuleTime {
    /// Whether the clock can be right: its year is from [`EARLIEST_PLAUSIBLE_YEAR`] to
    /// [`LATEST_PLAUSIBLE_YEAR`]. A plausible clock may still be off by days; an implausible
    /// one certainly makes the module refuse valid certificates.
    pub const fn is_plausible(&self) -> bool {
        self.year >= EARLIEST_PLAUSIBLE_YEAR && self.year <= LATEST_PLAUSIBLE_YEAR
    }

    /// What this time says of the clock, as [`ClockCheck`].
    pub const fn check(&self) -> ClockCheck {
        if self.is_plausible() {
            ClockCheck::Plausible
        } else {
            ClockCheck::Implausible { year: self.year }
        }
    }
}

/// What the module's clock said when a TLS open failed the CA or clock check
/// ([`TlsErrorReason::CaOrClock`](super::TlsErrorReason::CaOrClock)): the drivers ask
/// `AT+CCLK?` then, so that the error says which of the two to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ClockCheck {
    /// The clock shows a plausible year ([`ModuleTime::is_plausible`]): the CA is the likelier
    /// cause (the TRUSTFILE does not sign the server's certificate, or the certificate is
    /// expired or for another name).
    Plausible,
    /// The clock shows `year`, which cannot be right (a factory default such as 1980 or 2000):
    /// every certificate looks not yet valid. Set the clock: network time (`AT+CTZU=1`, then
    /// registration) or `AT+CCLK="yy/MM/dd,hh:mm:ss±zz"`.
    Implausible {
        /// The year the clock shows.
        year: u16,
    },
    /// The clock was not read: `AT+CCLK?` failed or its answer did not parse (or, from the
    /// codec alone, nobody asked).
    Unknown,
}

impl ClockCheck {
    /// What the answer of `AT+CCLK?` says: the time it reports, or `None` when it was not
    /// answered or did not parse.
    pub const fn from_time(time: Option<ModuleTime>) -> Self {
        match time {
            Some(t) => t.check(),
            None => ClockCheck::Unknown,
        }
    }
}

/// The year of two digits `yy` as the module means it: `70`-`99` are 1970-1999, `00`-`69`
/// 2000-2069; a number of three or more digits is taken as it is.
pub(crate) const fn full_year(yy: u16) -> u16 {
    match yy {
        0..=69 => yy.saturating_add(2000),
        70..=99 => yy.saturating_add(1900),
        _ => yy,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(year: u16) -> ModuleTime {
        ModuleTime {
            year,
            month: 1,
            day: 6,
            hour: 0,
            minute: 0,
            second: 0,
            zone: None,
        }
    }

    #[test]
    fn plausible_years() {
        for (year, check) in [
            (1980, ClockCheck::Implausible { year: 1980 }),
            (2000, ClockCheck::Implausible { year: 2000 }),
            (2024, ClockCheck::Implausible { year: 2024 }),
            (2025, ClockCheck::Plausible),
            (2069, ClockCheck::Plausible),
            (2099, ClockCheck::Plausible),
            (2100, ClockCheck::Implausible { year: 2100 }),
        ] {
            assert_eq!(at(year).check(), check, "{year}");
            assert_eq!(ClockCheck::from_time(Some(at(year))), check);
        }
        assert_eq!(ClockCheck::from_time(None), ClockCheck::Unknown);
        assert_eq!(full_year(80), 1980);
        assert_eq!(full_year(0), 2000);
        assert_eq!(full_year(69), 2069);
        assert_eq!(full_year(70), 1970);
        assert_eq!(full_year(2031), 2031);
    }
}
