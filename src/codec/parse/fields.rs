//! nom building blocks for the fields of an information line.

use nom::bytes::complete::{tag, take_until};
use nom::character::complete::{space0, u32 as dec};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use crate::types::{ClientId, QoS};

/// What a field parser returns: the rest of the line and the value.
pub(super) type Res<'a, T> = IResult<&'a [u8], T, ()>;

/// A decimal number, after optional spaces.
pub(super) fn num(i: &[u8]) -> Res<'_, u32> {
    preceded(space0, dec).parse(i)
}

/// A comma, with optional spaces on either side.
pub(super) fn comma(i: &[u8]) -> Res<'_, &[u8]> {
    delimited(space0, tag(&b","[..]), space0).parse(i)
}

/// A number after a comma.
pub(super) fn next_num(i: &[u8]) -> Res<'_, u32> {
    preceded(comma, num).parse(i)
}

/// A quoted string that holds no `"`, after optional spaces.
pub(super) fn quoted(i: &[u8]) -> Res<'_, &[u8]> {
    preceded(
        space0,
        delimited(tag(&b"\""[..]), take_until(&b"\""[..]), tag(&b"\""[..])),
    )
    .parse(i)
}

/// A quoted string after a comma.
pub(super) fn next_quoted(i: &[u8]) -> Res<'_, &[u8]> {
    preceded(comma, quoted).parse(i)
}

/// A client id (1 or 2).
pub(super) fn client(i: &[u8]) -> Res<'_, ClientId> {
    let (i, n) = num(i)?;
    ClientId::new(n).map(|c| (i, c)).ok_or(nom::Err::Error(()))
}

/// A QoS (0, 1 or 2).
pub(super) fn qos(i: &[u8]) -> Res<'_, QoS> {
    let (i, n) = num(i)?;
    QoS::new(n).map(|q| (i, q)).ok_or(nom::Err::Error(()))
}

/// A number that fits in a `u8`.
pub(super) fn small(i: &[u8]) -> Res<'_, u8> {
    let (i, n) = num(i)?;
    u8::try_from(n)
        .map(|n| (i, n))
        .map_err(|_| nom::Err::Error(()))
}

/// Succeeds at the end of the line, allowing trailing spaces.
pub(super) fn end(i: &[u8]) -> Res<'_, ()> {
    let (i, _) = space0(i)?;
    if i.is_empty() {
        Ok((i, ()))
    } else {
        Err(nom::Err::Error(()))
    }
}

/// Runs `p` over the whole of `i`, or gives `None`.
pub(super) fn all<'a, T>(i: &'a [u8], mut p: impl FnMut(&'a [u8]) -> Res<'a, T>) -> Option<T> {
    let (rest, v) = p(i).ok()?;
    end(rest).ok()?;
    Some(v)
}

/// `s` without spaces at either end.
pub(super) fn trim(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    let end = s
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(start, |e| e.saturating_add(1));
    s.get(start..end).unwrap_or(&[])
}

/// `s` without one pair of surrounding quotes, if it has them.
pub(super) fn unquote(s: &[u8]) -> &[u8] {
    match s {
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}
