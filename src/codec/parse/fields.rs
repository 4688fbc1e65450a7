//! The fields of an information line, read one after the other with a [`Fields`] cursor.
//! Quoted strings are read with nom; numbers (as nom's `u32` reads them: at least one digit, no
//! sign, `None` past `u32::MAX`), and the spaces and commas between fields, by hand.

use nom::bytes::complete::take_till;
use nom::IResult;

use crate::types::{ClientId, QoS};

/// The fields of a line not read yet. Each step reads one field and moves past it, or fails
/// (`None`) and leaves the cursor where it was.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fields<'a>(pub(super) &'a [u8]);

/// `i` without its leading spaces and tabs.
pub(super) fn skip_spaces(i: &[u8]) -> &[u8] {
    let n = i
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(i.len());
    i.get(n..).unwrap_or(&[])
}

/// After optional spaces and tabs, `i` without its leading `c`.
pub(super) fn after(i: &[u8], c: u8) -> Option<&[u8]> {
    match skip_spaces(i) {
        [first, rest @ ..] if *first == c => Some(rest),
        _ => None,
    }
}

impl<'a> Fields<'a> {
    /// A decimal number, after optional spaces.
    #[inline(never)]
    pub(super) fn num(&mut self) -> Option<u32> {
        let i = skip_spaces(self.0);
        let len = i
            .iter()
            .position(|b| !b.is_ascii_digit())
            .unwrap_or(i.len());
        let (digits, rest) = i.split_at_checked(len)?;
        if digits.is_empty() {
            return None;
        }
        let mut n: u32 = 0;
        for &b in digits {
            n = n.checked_mul(10)?.checked_add(u32::from(b & 0x0f))?;
        }
        self.0 = rest;
        Some(n)
    }

    /// A comma, spaces on either side allowed.
    #[inline(never)]
    pub(super) fn comma(&mut self) -> Option<()> {
        self.0 = skip_spaces(after(self.0, b',')?);
        Some(())
    }

    /// A comma (spaces on either side allowed), then a decimal number.
    pub(super) fn next_num(&mut self) -> Option<u32> {
        let mut f = *self;
        f.comma()?;
        let n = f.num()?;
        *self = f;
        Some(n)
    }

    /// A comma (spaces on either side allowed), then a quoted string that holds no `"`.
    #[inline(never)]
    pub(super) fn next_quoted(&mut self) -> Option<&'a [u8]> {
        let mut f = *self;
        f.comma()?;
        let i = after(f.0, b'"')?;
        let r: IResult<&[u8], &[u8], ()> = take_till(|b| b == b'"')(i);
        let (rest, s) = r.ok()?;
        // `rest` starts at the closing quote, or is empty if there is none.
        self.0 = rest.get(1..)?;
        Some(s)
    }

    /// A client id (1 or 2).
    pub(super) fn client(&mut self) -> Option<ClientId> {
        self.num().and_then(ClientId::new)
    }

    /// A comma, then a QoS (0, 1 or 2).
    pub(super) fn next_qos(&mut self) -> Option<QoS> {
        self.next_num().and_then(QoS::new)
    }

    /// A number that fits in a `u8`.
    pub(super) fn small(&mut self) -> Option<u8> {
        self.num().and_then(|n| u8::try_from(n).ok())
    }

    /// A comma, then a number that fits in a `u8`.
    pub(super) fn next_small(&mut self) -> Option<u8> {
        self.next_num().and_then(|n| u8::try_from(n).ok())
    }

    /// Succeeds at the end of the line, allowing trailing spaces.
    pub(super) fn end(self) -> Option<()> {
        skip_spaces(self.0).is_empty().then_some(())
    }
}

/// The whole of `i` as one number (spaces around it allowed), or `None`.
pub(super) fn only_num(i: &[u8]) -> Option<u32> {
    let mut f = Fields(i);
    let n = f.num()?;
    f.end()?;
    Some(n)
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

/// Whether `s` starts, after spaces, with `(`: a test-form answer's range.
pub(super) fn is_range(s: &[u8]) -> bool {
    s.iter().find(|&&b| b != b' ') == Some(&b'(')
}

/// `s` without one pair of surrounding quotes, if it has them.
pub(super) fn unquote(s: &[u8]) -> &[u8] {
    match s {
        [b'"', inner @ .., b'"'] => inner,
        _ => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `num` reads a number as nom's `u32` does, after optional spaces.
    #[test]
    fn num_reads_as_nom_does() {
        let inputs: [&[u8]; 14] = [
            b"",
            b" ",
            b"0",
            b"007,",
            b"  42 ",
            b"4294967295",
            b"4294967296",
            b"99999999999",
            b"12a",
            b"+1",
            b"-1",
            b"a1",
            b"\t 5,6",
            b"1 2",
        ];
        for input in inputs {
            let mut f = Fields(input);
            let got = f.num().map(|n| (f.0, n));
            let nom: IResult<&[u8], u32, ()> = nom::character::complete::u32(skip_spaces(input));
            assert_eq!(got, nom.ok(), "{input:?}");
        }
    }
}
