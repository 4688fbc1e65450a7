//! The lines of PROTOCOL.md section 6: data call, signal, SIM, operator, registration, and
//! `+CME ERROR`.

use nom::combinator::opt;
use nom::Parser;

use super::fields::{self, all, next_num, next_quoted, num, small};
use crate::codec::item::{ErrorCode, Item, MipCall, Registration, RegistrationKind};

/// `+CME ERROR: <n>` or `+CME ERROR: <text>`.
pub(super) fn cme(args: &[u8]) -> Item<'_> {
    match all(args, num).and_then(|n| u16::try_from(n).ok()) {
        Some(n) => Item::Error(ErrorCode::Cme(n)),
        None => Item::Error(ErrorCode::CmeText(fields::trim(args))),
    }
}

/// `+CSQ: <rssi>,<ber>`.
pub(super) fn csq(args: &[u8]) -> Option<Item<'_>> {
    let (rssi, ber) = all(args, |i| {
        (small, nom::sequence::preceded(fields::comma, small)).parse(i)
    })?;
    Some(Item::SignalQuality { rssi, ber })
}

/// `+COPS: <mode>[,<format>,"<operator>"[,<act>]]`.
pub(super) fn cops(args: &[u8]) -> Option<Item<'_>> {
    let (mode, rest) = all(args, |i| {
        (small, opt((next_num, next_quoted, opt(next_num)))).parse(i)
    })?;
    let (name, act) = match rest {
        Some((_, name, act)) => (Some(name), act.and_then(|a| u8::try_from(a).ok())),
        None => (None, None),
    };
    Some(Item::Operator { mode, name, act })
}

/// `+MIPCALL: 0`, `+MIPCALL: <ip>`, `+MIPCALL: 1,<ip>` (the ip possibly quoted).
pub(super) fn mipcall(args: &[u8]) -> Option<Item<'_>> {
    let args = fields::trim(args);
    let call = match args {
        b"0" => MipCall::Down,
        b"1" => MipCall::Up(b""),
        [b'1', b',', ip @ ..] => MipCall::Up(fields::unquote(fields::trim(ip))),
        ip if !ip.is_empty()
            && ip
                .iter()
                .all(|&b| b == b'.' || b == b'"' || b == b':' || b.is_ascii_hexdigit()) =>
        {
            MipCall::Up(fields::unquote(ip))
        }
        _ => return None,
    };
    Some(Item::MipCall(call))
}

/// `+CxREG: <n>,<stat>[,...]` (a query answer) or `+CxREG: <stat>[,"<lac>",...]` (unsolicited).
pub(super) fn registration(kind: RegistrationKind, args: &[u8]) -> Option<Item<'_>> {
    let (rest, first) = small(args).ok()?;
    let second = next_num(rest).ok().and_then(|(_, n)| u8::try_from(n).ok());
    let (mode, stat) = match second {
        Some(stat) => (Some(first), stat),
        None => (None, first),
    };
    Some(Item::Registration(Registration { kind, mode, stat }))
}
