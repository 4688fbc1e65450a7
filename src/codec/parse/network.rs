//! The lines of docs/protocol.md section 6: data call, signal, SIM, operator, registration, and
//! `+CME ERROR`.

use super::fields::{self, Fields};
use crate::codec::item::{ErrorCode, Item, MipCall, Registration, RegistrationKind};

/// `+CME ERROR: <n>` or `+CME ERROR: <text>`.
pub(super) fn cme(args: &[u8]) -> Item<'_> {
    match fields::only_num(args).and_then(|n| u16::try_from(n).ok()) {
        Some(n) => Item::Error(ErrorCode::Cme(n)),
        None => Item::Error(ErrorCode::CmeText(fields::trim(args))),
    }
}

/// `+CSQ: <rssi>,<ber>`.
pub(super) fn csq(args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let rssi = f.small()?;
    let ber = f.next_small()?;
    f.end()?;
    Some(Item::SignalQuality { rssi, ber })
}

/// `+COPS: <mode>[,<format>,"<operator>"[,<act>]]`.
pub(super) fn cops(args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let mode = f.small()?;
    // The operator's part comes whole or not at all.
    let mut g = f;
    let (name, act) = match (g.next_num(), g.next_quoted()) {
        (Some(_), Some(name)) => {
            let act = g.next_num();
            f = g;
            (Some(name), act.and_then(|a| u8::try_from(a).ok()))
        }
        _ => (None, None),
    };
    f.end()?;
    Some(Item::Operator { mode, name, act })
}

/// `+MIPCALL: 0`, `+MIPCALL: <ip>`, `+MIPCALL: 1,<ip>` (the ip possibly quoted).
pub(super) fn mipcall(args: &[u8]) -> Option<Item<'_>> {
    let args = fields::trim(args);
    let ip = match args {
        b"0" => return Some(Item::MipCall(MipCall::Down)),
        b"1" => b"",
        [b'1', b',', ip @ ..] => fields::trim(ip),
        ip if !ip.is_empty()
            && ip
                .iter()
                .all(|&b| b == b'.' || b == b'"' || b == b':' || b.is_ascii_hexdigit()) =>
        {
            ip
        }
        _ => return None,
    };
    Some(Item::MipCall(MipCall::Up(fields::unquote(ip))))
}

/// `+CxREG: <n>,<stat>[,...]` (a query answer) or `+CxREG: <stat>[,"<lac>",...]` (unsolicited).
pub(super) fn registration(kind: RegistrationKind, args: &[u8]) -> Option<Item<'_>> {
    let mut f = Fields(args);
    let first = f.small()?;
    let second = f.next_small();
    let (mode, stat) = match second {
        Some(stat) => (Some(first), stat),
        None => (None, first),
    };
    Some(Item::Registration(Registration { kind, mode, stat }))
}
