//! Syntax of one AT command line, as the module reads it (written from docs/protocol.md section 1
//! and 3 and the manual, independently of the driver's encoder).
//!
//! A line is `AT` (any case) followed by either a basic command (`E0`, `I`, nothing) or one
//! extended command `+NAME` with one of four forms: action (`AT+CSQ`), read (`AT+CPIN?`), test
//! (`AT+MQTTUSER=?`) or set (`AT+MQTTSUB=1,"a",0`). Set arguments are decimal integers or
//! double-quoted strings; a quoted string holds printable ASCII only and ends at the next `"`
//! (there is no escape). No spaces are allowed between arguments.

/// One argument of a set command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// A decimal integer (at most 10 digits).
    Int(u64),
    /// The bytes between two double quotes (printable ASCII, no `"`).
    Str(Vec<u8>),
}

/// The form of an extended command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Form {
    /// `AT+NAME`
    Action,
    /// `AT+NAME?`
    Read,
    /// `AT+NAME=?`
    Test,
    /// `AT+NAME=<args>`
    Set(Vec<Arg>),
}

/// A syntactically valid command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// `AT` followed by a basic command text (upper-cased; may be empty), e.g. `E0`, `I`, ``.
    Basic(String),
    /// `AT+NAME...`: the upper-cased name without `+`, and its form.
    Extended(String, Form),
}

/// Why a line was not accepted (the module answers `ERROR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError;

/// Parses a whole command line (without its terminating CR), which must start with `AT`.
pub fn parse_line(line: &[u8]) -> Result<Line, SyntaxError> {
    let rest = match line {
        [a, t, rest @ ..] if a.eq_ignore_ascii_case(&b'A') && t.eq_ignore_ascii_case(&b'T') => rest,
        _ => return Err(SyntaxError),
    };
    let Some(ext) = rest.strip_prefix(b"+") else {
        if !rest.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'&') {
            return Err(SyntaxError);
        }
        return Ok(Line::Basic(ascii_upper(rest)));
    };
    let name_len = ext
        .iter()
        .position(|b| !b.is_ascii_alphanumeric())
        .unwrap_or(ext.len());
    if name_len == 0 {
        return Err(SyntaxError);
    }
    let (name, tail) = ext.split_at(name_len);
    let form = match tail {
        b"" => Form::Action,
        b"?" => Form::Read,
        b"=?" => Form::Test,
        [b'=', args @ ..] => Form::Set(parse_args(args)?),
        _ => return Err(SyntaxError),
    };
    Ok(Line::Extended(ascii_upper(name), form))
}

fn ascii_upper(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| b.to_ascii_uppercase() as char)
        .collect()
}

/// Parses `arg(,arg)*`; an empty list is an error.
fn parse_args(mut s: &[u8]) -> Result<Vec<Arg>, SyntaxError> {
    let mut args = Vec::new();
    loop {
        let (arg, rest) = parse_arg(s)?;
        args.push(arg);
        match rest {
            b"" => return Ok(args),
            [b',', more @ ..] => s = more,
            _ => return Err(SyntaxError),
        }
    }
}

fn parse_arg(s: &[u8]) -> Result<(Arg, &[u8]), SyntaxError> {
    match s {
        [b'"', body @ ..] => {
            let end = body.iter().position(|b| *b == b'"').ok_or(SyntaxError)?;
            let text = &body[..end];
            if !text.iter().all(|b| (0x20..=0x7e).contains(b)) {
                return Err(SyntaxError);
            }
            Ok((Arg::Str(text.to_vec()), &body[end + 1..]))
        }
        _ => {
            let digits = s.iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 || digits > 10 {
                return Err(SyntaxError);
            }
            let mut value = 0u64;
            for d in &s[..digits] {
                value = value * 10 + u64::from(d - b'0');
            }
            Ok((Arg::Int(value), &s[digits..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(name: &str, args: Vec<Arg>) -> Result<Line, SyntaxError> {
        Ok(Line::Extended(name.to_string(), Form::Set(args)))
    }

    #[test]
    fn forms() {
        assert_eq!(parse_line(b"AT"), Ok(Line::Basic(String::new())));
        assert_eq!(parse_line(b"ate0"), Ok(Line::Basic("E0".into())));
        assert_eq!(
            parse_line(b"AT+csq"),
            Ok(Line::Extended("CSQ".into(), Form::Action))
        );
        assert_eq!(
            parse_line(b"AT+CPIN?"),
            Ok(Line::Extended("CPIN".into(), Form::Read))
        );
        assert_eq!(
            parse_line(b"AT+MQTTUSER=?"),
            Ok(Line::Extended("MQTTUSER".into(), Form::Test))
        );
        assert_eq!(
            parse_line(b"AT+MQTTSUB=1,\"a/b\",0"),
            set(
                "MQTTSUB",
                vec![Arg::Int(1), Arg::Str(b"a/b".to_vec()), Arg::Int(0)]
            )
        );
        assert_eq!(
            parse_line(b"AT+MQTTPUB=1,\"t\",0,0,\"\""),
            set(
                "MQTTPUB",
                vec![
                    Arg::Int(1),
                    Arg::Str(b"t".to_vec()),
                    Arg::Int(0),
                    Arg::Int(0),
                    Arg::Str(Vec::new())
                ]
            )
        );
    }

    #[test]
    fn errors() {
        for bad in [
            &b""[..],
            b"A",
            b"XT",
            b"AT+",
            b"AT+X=",
            b"AT+X=1,",
            b"AT+X=,1",
            b"AT+X=1 ,2",
            b"AT+X=\"a",
            b"AT+X=\"a\"b",
            b"AT+X=\"a\x01\"",
            b"AT+X=12345678901",
            b"AT+X=-1",
            b"AT+X?x",
            b"AT E0",
        ] {
            assert_eq!(parse_line(bad), Err(SyntaxError), "{:?}", bad);
        }
    }
}
