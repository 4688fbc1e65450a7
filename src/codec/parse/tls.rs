//! The answers of the TLS queries: `+GTSSLVER: <v>`, `+GTSSLMODE: <m>`,
//! `+GTSSLFILE: <kind>,<n>` and `+GTSSLERR: <code>`. A space may follow (or precede) any
//! separator; the file kind may be quoted.

use super::fields::{self, Fields};
use crate::codec::item::Item;
use crate::codec::tls::{TlsCommand, TlsErrorReason, TlsFileKind, TlsVersion};

/// The item of `line`, a `+GTSSL...:` line with arguments `args`: a test-form answer (a range
/// such as `(0-4)`) stays a line, one whose fields do not parse is [`Item::Malformed`].
#[inline(never)]
pub(super) fn line<'a>(command: TlsCommand, line: &'a [u8], args: &'a [u8]) -> Item<'a> {
    if fields::is_range(args) {
        return Item::Line(line);
    }
    let parsed = match command {
        TlsCommand::Version => fields::only_num(args)
            .and_then(|n| u8::try_from(n).ok())
            .map(|n| Item::TlsVersion(TlsVersion::from_number(n))),
        TlsCommand::Mode => match fields::only_num(args) {
            Some(0) => Some(Item::TlsVerify(false)),
            Some(1) => Some(Item::TlsVerify(true)),
            _ => None,
        },
        TlsCommand::File => files(args),
        TlsCommand::Error => signed(args).map(|c| Item::TlsError(TlsErrorReason::from_code(c))),
    };
    parsed.unwrap_or(Item::Malformed(line))
}

/// `<kind>,<n>`, the kind bare or quoted.
fn files(args: &[u8]) -> Option<Item<'_>> {
    let args = args.trim_ascii_start();
    let (quoted, rest) = match args.strip_prefix(b"\"") {
        Some(rest) => (true, rest),
        None => (false, args),
    };
    let end = rest
        .iter()
        .position(|&b| matches!(b, b',' | b'"' | b' ' | b'\t'))
        .unwrap_or(rest.len());
    let (name, mut rest) = rest.split_at_checked(end)?;
    if quoted {
        rest = rest.strip_prefix(b"\"")?;
    }
    let kind = TlsFileKind::from_name(name)?;
    let mut f = Fields(rest);
    let count = f.next_num().and_then(|n| u16::try_from(n).ok())?;
    f.end()?;
    Some(Item::TlsFiles { kind, count })
}

/// The whole of `args` as one signed number (`-11`, `0`), spaces around it allowed.
fn signed(args: &[u8]) -> Option<i32> {
    let args = args.trim_ascii_start();
    let (negative, digits) = match args.strip_prefix(b"-") {
        Some(rest) => (true, rest),
        None => (false, args),
    };
    // No space between the sign and the digits.
    if digits.first().is_some_and(|b| !b.is_ascii_digit()) {
        return None;
    }
    let n = i32::try_from(fields::only_num(digits)?).ok()?;
    Some(if negative { n.checked_neg()? } else { n })
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_core, query_only, refine, refine_tls, Parsed};
    use super::*;

    /// The runner's parser leaves every TLS answer as a line, which `query_only` keeps for the
    /// query, `refine` leaves alone and `refine_tls` parses as `parse` does.
    #[test]
    fn core_leaves_tls_answers_as_lines() {
        let answers: [&[u8]; 6] = [
            b"+GTSSLVER: 4\r\n",
            b"+GTSSLMODE: 1\r\n",
            b"+GTSSLFILE: TRUSTFILE,2\r\n",
            b"+GTSSLERR: -11\r\n",
            b"+GTSSLERR: x\r\n",
            b"+GTSSLVER: (0-4)\r\n",
        ];
        for input in answers {
            let line = input.strip_suffix(b"\r\n").unwrap();
            let n = line.len() + 1;
            assert_eq!(parse_core(input), Parsed::Item(Item::Line(line), n));
            assert!(query_only(line));
            assert_eq!(refine(line), Item::Line(line));
            assert_eq!(Parsed::Item(refine_tls(line), n), parse(input));
        }
        assert_eq!(refine_tls(b"+MQTTOPEN: 1,1"), Item::Line(b"+MQTTOPEN: 1,1"));
        // `+CCLK:` is a line the runner does not know at all (not even as a query's answer),
        // which `refine_tls` parses as `parse` does.
        let clocks: [&[u8]; 3] = [
            b"+CCLK: \"25/12/05,09:48:45+32\"\r\n",
            b"+CCLK: \"25/13/05,09:48:45+32\"\r\n",
            b"+CCLK:\r\n",
        ];
        for input in clocks {
            let line = input.strip_suffix(b"\r\n").unwrap();
            let n = line.len() + 1;
            assert_eq!(parse_core(input), Parsed::Item(Item::Line(line), n));
            assert!(!query_only(line));
            assert_eq!(refine(line), Item::Line(line));
            assert_eq!(Parsed::Item(refine_tls(line), n), parse(input));
            assert!(matches!(
                parse(input),
                Parsed::Item(Item::Clock(_) | Item::Malformed(_), _)
            ));
        }
    }

    #[test]
    fn signed_numbers() {
        assert_eq!(signed(b" -11"), Some(-11));
        assert_eq!(signed(b"0 "), Some(0));
        assert_eq!(signed(b"-2147483647"), Some(-2_147_483_647));
        assert_eq!(signed(b"-2147483648"), None);
        assert_eq!(signed(b"- 1"), None);
        assert_eq!(signed(b"--1"), None);
        assert_eq!(signed(b"-"), None);
        assert_eq!(signed(b""), None);
    }
}
