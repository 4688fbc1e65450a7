//! The answer of `AT+CCLK?`: `+CCLK: "yy/MM/dd,hh:mm:ss±zz"`. The quotes and the zone may be
//! missing, a space may follow the comma, and the year may have four digits.

use super::fields::skip_spaces;
use crate::codec::clock::{full_year, ModuleTime};
use crate::codec::item::Item;

/// The fields of `yy/MM/dd,hh:mm:ss`, in order: the separator after each (none after the
/// seconds), its most digits, and its range.
const FIELDS: [(Option<u8>, usize, u16, u16); 6] = [
    (Some(b'/'), 4, 0, 9999),
    (Some(b'/'), 2, 1, 12),
    (Some(b','), 2, 1, 31),
    (Some(b':'), 2, 0, 23),
    (Some(b':'), 2, 0, 59),
    (None, 2, 0, 59),
];

/// The item of the arguments `args` of a `+CCLK:` line; `None` if they do not parse or a field
/// is out of range.
#[inline(never)]
pub(super) fn cclk(args: &[u8]) -> Option<Item<'static>> {
    let args = skip_spaces(args);
    let (quoted, mut rest) = match args.strip_prefix(b"\"") {
        Some(rest) => (true, rest),
        None => (false, args),
    };
    let mut values = [0u8; 5];
    let mut year = 0;
    for (i, &(sep, max, low, high)) in FIELDS.iter().enumerate() {
        let (n, digits, after) = number(rest, max)?;
        // A year of two or four digits; every field in its range.
        if (i == 0 && !matches!(digits, 2 | 4)) || n < low || n > high {
            return None;
        }
        rest = match sep {
            Some(b',') => skip_spaces(after.strip_prefix(b",")?),
            Some(sep) => after.strip_prefix(&[sep])?,
            None => after,
        };
        match i.checked_sub(1) {
            None => year = n,
            Some(at) => *values.get_mut(at)? = u8::try_from(n).ok()?,
        }
    }
    let zone = match rest.split_first() {
        Some((&sign @ (b'+' | b'-'), after)) => {
            let (n, _, after) = number(after, 2)?;
            rest = after;
            let n = i8::try_from(n).ok().filter(|&n| n <= 96)?;
            Some(if sign == b'-' { n.saturating_neg() } else { n })
        }
        _ => None,
    };
    if quoted {
        rest = rest.strip_prefix(b"\"")?;
    }
    if !skip_spaces(rest).is_empty() {
        return None;
    }
    let [month, day, hour, minute, second] = values;
    Some(Item::Clock(ModuleTime {
        year: full_year(year),
        month,
        day,
        hour,
        minute,
        second,
        zone,
    }))
}

/// The decimal number of 1 to `max` digits at the start of `i`: its value, how many digits it
/// had, and what follows.
fn number(i: &[u8], max: usize) -> Option<(u16, usize, &[u8])> {
    let count = i.iter().take_while(|b| b.is_ascii_digit()).count();
    if count == 0 || count > max {
        return None;
    }
    let (digits, rest) = i.split_at_checked(count)?;
    let n = digits.iter().fold(0u16, |n, &b| {
        n.saturating_mul(10).saturating_add(u16::from(b & 0x0f))
    });
    Some((n, count, rest))
}
