//! The answer of `AT+CCLK?`: `+CCLK: "yy/MM/dd,hh:mm:ss±zz"`. The quotes and the zone may be
//! missing, a space may follow the comma, and the year may have four digits.

use super::fields::skip_spaces;
use crate::codec::clock::{full_year, ModuleTime};
use crate::codec::item::Item;

/// The item of the arguments `args` of a `+CCLK:` line; `None` if they do not parse or a field
/// is out of range.
#[inline(never)]
pub(super) fn cclk(args: &[u8]) -> Option<Item<'static>> {
    let args = skip_spaces(args);
    let (quoted, rest) = match args.strip_prefix(b"\"") {
        Some(rest) => (true, rest),
        None => (false, args),
    };
    let (year, year_digits, rest) = field(rest, 4, Some(b'/'))?;
    let (month, _, rest) = field(rest, 2, Some(b'/'))?;
    let (day, _, rest) = field(rest, 2, Some(b','))?;
    let (hour, _, rest) = field(rest, 2, Some(b':'))?;
    let (minute, _, rest) = field(rest, 2, Some(b':'))?;
    let (second, _, mut rest) = field(rest, 2, None)?;
    let zone = match rest.first() {
        Some(&sign @ (b'+' | b'-')) => {
            let (n, _, after) = field(rest.get(1..)?, 2, None)?;
            rest = after;
            let n = i8::try_from(n).ok()?;
            Some(if sign == b'-' { n.saturating_neg() } else { n })
        }
        _ => None,
    };
    if quoted {
        rest = rest.strip_prefix(b"\"")?;
    }
    let in_range = matches!(year_digits, 2 | 4)
        && matches!(month, 1..=12)
        && matches!(day, 1..=31)
        && hour <= 23
        && minute <= 59
        && second <= 59
        && zone.is_none_or(|z| (-96..=96).contains(&z));
    if !(in_range && skip_spaces(rest).is_empty()) {
        return None;
    }
    Some(Item::Clock(ModuleTime {
        year: full_year(year),
        month: u8::try_from(month).ok()?,
        day: u8::try_from(day).ok()?,
        hour: u8::try_from(hour).ok()?,
        minute: u8::try_from(minute).ok()?,
        second: u8::try_from(second).ok()?,
        zone,
    }))
}

/// The decimal number of 1 to `max` digits at the start of `i`, then the separator `sep` (a
/// comma may be followed by spaces): its value, how many digits it had, and what follows.
fn field(i: &[u8], max: usize, sep: Option<u8>) -> Option<(u16, usize, &[u8])> {
    let count = i.iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 || count > max {
        return None;
    }
    let (digits, rest) = i.split_at_checked(count)?;
    let mut n: u16 = 0;
    for &b in digits {
        n = n.checked_mul(10)?.checked_add(u16::from(b & 0x0f))?;
    }
    let rest = match sep {
        Some(b',') => skip_spaces(rest.strip_prefix(b",")?),
        Some(sep) => rest.strip_prefix(&[sep])?,
        None => rest,
    };
    Some((n, count, rest))
}
