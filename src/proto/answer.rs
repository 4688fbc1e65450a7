//! Reading the kept answer of a collecting command: the items it holds, and its raw lines.

use crate::codec::parse::{parse_core, refine};
use crate::codec::{Item, Parsed};

/// The items of a kept answer, echoes left out, every kind parsed: what the runner left as a
/// line because only a query asks for it is parsed here (for the queries).
pub(crate) fn items(answer: &[u8]) -> impl Iterator<Item = Item<'_>> {
    let mut rest = answer;
    core::iter::from_fn(move || loop {
        match parse_core(rest) {
            Parsed::Item(item, n) => {
                rest = rest.get(n..).unwrap_or(&[]);
                match item {
                    Item::Echo(_) => {}
                    Item::Line(line) => return Some(refine(line)),
                    item => return Some(item),
                }
            }
            Parsed::Incomplete { .. } => return None,
        }
    })
}

/// The raw lines of a kept answer (split at CR and LF; empty lines and echoes left out).
pub(crate) fn lines(answer: &[u8]) -> impl Iterator<Item = &[u8]> {
    answer
        .split(|&b| b == b'\r' || b == b'\n')
        .map(trim_noise)
        .filter(|l| !l.is_empty() && !l.starts_with(b"AT") && !l.starts_with(b"at"))
}

fn trim_noise(l: &[u8]) -> &[u8] {
    let start = l
        .iter()
        .position(|&b| matches!(b, 0x21..=0x7e))
        .unwrap_or(l.len());
    l.get(start..).unwrap_or(&[])
}
