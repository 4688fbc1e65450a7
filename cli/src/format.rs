//! How `sub` prints a message: mosquitto_sub's plain output (`-v`, `-N`) and its `-F` format.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::Fail;

/// A message to print.
pub struct Shown<'a> {
    /// Its topic.
    pub topic: &'a [u8],
    /// Its payload.
    pub payload: &'a [u8],
    /// Its QoS, 0-2.
    pub qos: u8,
    /// Whether it is taken for a retained message (see `-R`).
    pub retained: bool,
    /// When it arrived.
    pub time: SystemTime,
}

/// Plain output, as mosquitto_sub writes it: the payload raw, after `TOPIC ` with `-v`, then a
/// newline unless `-N`. An empty payload is `TOPIC (null)` with `-v` (nothing with `-N`), and
/// nothing at all without `-v`.
pub fn plain(out: &mut impl Write, m: &Shown<'_>, verbose: bool, eol: bool) -> io::Result<()> {
    if m.payload.is_empty() {
        if verbose && eol {
            out.write_all(m.topic)?;
            out.write_all(b" (null)\n")?;
        }
        return Ok(());
    }
    if verbose {
        out.write_all(m.topic)?;
        out.write_all(b" ")?;
    }
    out.write_all(m.payload)?;
    if eol {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Checks a `-F` format before anything starts: every `%` and `\` is one we know.
pub fn check(format: &str) -> Result<(), Fail> {
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        let known = match c {
            '%' => chars.next().filter(|n| "tpxqrlIUj%".contains(*n)).is_some(),
            '\\' => chars.next().filter(|n| "nt\\".contains(*n)).is_some(),
            _ => true,
        };
        if !known {
            return Err(Fail::usage(format!(
                "format (-F): '{format}' has an unknown {c} sequence; %t %p %x %q %r %l %I %U \
                 %j %% and \\n \\t \\\\ are known"
            )));
        }
    }
    Ok(())
}

/// `-F`: the format with each `%` sequence replaced (see `--help`), then a newline unless
/// `-N`. The format was checked by [`check`].
pub fn formatted(out: &mut impl Write, format: &str, m: &Shown<'_>, eol: bool) -> io::Result<()> {
    let mut chars = format.chars();
    let mut buf = [0u8; 4];
    while let Some(c) = chars.next() {
        match c {
            '%' => match chars.next() {
                Some('t') => out.write_all(m.topic)?,
                Some('p') => out.write_all(m.payload)?,
                Some('x') => {
                    for b in m.payload {
                        write!(out, "{b:02x}")?;
                    }
                }
                Some('q') => write!(out, "{}", m.qos)?,
                Some('r') => write!(out, "{}", u8::from(m.retained))?,
                Some('l') => write!(out, "{}", m.payload.len())?,
                Some('I') => out.write_all(iso8601(m.time, false).as_bytes())?,
                Some('U') => {
                    let d = m.time.duration_since(UNIX_EPOCH).unwrap_or_default();
                    write!(out, "{}.{:09}", d.as_secs(), d.subsec_nanos())?;
                }
                Some('j') => out.write_all(json(m).as_bytes())?,
                Some('%') => out.write_all(b"%")?,
                _ => {}
            },
            '\\' => match chars.next() {
                Some('n') => out.write_all(b"\n")?,
                Some('t') => out.write_all(b"\t")?,
                Some('\\') => out.write_all(b"\\")?,
                _ => {}
            },
            c => out.write_all(c.encode_utf8(&mut buf).as_bytes())?,
        }
    }
    if eol {
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// `%j`: the message as one JSON object (the payload as a string; bytes that are not UTF-8
/// become U+FFFD).
fn json(m: &Shown<'_>) -> String {
    format!(
        "{{\"tst\":\"{}\",\"topic\":{},\"qos\":{},\"retain\":{},\"payloadlen\":{},\"payload\":{}}}",
        iso8601(m.time, true),
        json_string(m.topic),
        m.qos,
        u8::from(m.retained),
        m.payload.len(),
        json_string(m.payload)
    )
}

fn json_string(bytes: &[u8]) -> String {
    let mut s = String::from("\"");
    for c in String::from_utf8_lossy(bytes).chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            '\r' => s.push_str("\\r"),
            '\t' => s.push_str("\\t"),
            c if u32::from(c) < 0x20 => s.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// `2026-12-01T22:30:05+0000` (UTC), with microseconds (`...05.123456Z`) for JSON.
fn iso8601(t: SystemTime, micros: bool) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (y, mo, day) = civil(secs / 86_400);
    let s = secs % 86_400;
    let time = format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
    if micros {
        format!("{y:04}-{mo:02}-{day:02}T{time}.{:06}Z", d.subsec_micros())
    } else {
        format!("{y:04}-{mo:02}-{day:02}T{time}+0000")
    }
}

/// The civil date of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + u64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64, nanos: u32) -> SystemTime {
        UNIX_EPOCH + Duration::new(secs, nanos)
    }

    fn msg(payload: &[u8]) -> Shown<'_> {
        Shown {
            topic: b"a/b",
            payload,
            qos: 1,
            retained: false,
            time: at(1_700_000_000, 123_456_789),
        }
    }

    fn fmt(f: &str, m: &Shown<'_>, eol: bool) -> String {
        let mut out = Vec::new();
        formatted(&mut out, f, m, eol).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn dates() {
        assert_eq!(iso8601(at(0, 0), false), "1970-01-01T00:00:00+0000");
        assert_eq!(
            iso8601(at(951_782_400, 0), false),
            "2000-02-29T00:00:00+0000"
        );
        assert_eq!(
            iso8601(at(1_700_000_000, 123_456_789), true),
            "2023-11-14T22:13:20.123456Z"
        );
    }

    #[test]
    fn every_sequence() {
        let m = msg(b"h\"i");
        assert_eq!(
            fmt("%t %p %x %q %r %l %% 100%%\\t|\\\\", &m, true),
            "a/b h\"i 682269 1 0 3 % 100%\t|\\\n"
        );
        assert_eq!(fmt("%I", &m, false), "2023-11-14T22:13:20+0000");
        assert_eq!(fmt("%U", &m, false), "1700000000.123456789");
        assert_eq!(
            fmt("%j", &m, false),
            "{\"tst\":\"2023-11-14T22:13:20.123456Z\",\"topic\":\"a/b\",\"qos\":1,\"retain\":0,\
             \"payloadlen\":3,\"payload\":\"h\\\"i\"}"
        );
        assert!(check("%t %p %x %q %r %l %I %U %j %% \\n \\t \\\\").is_ok());
        assert!(check("%z").is_err());
        assert!(check("50%").is_err());
        assert!(check("\\a").is_err());
    }

    #[test]
    fn plain_like_mosquitto_sub() {
        let show = |p: &[u8], v: bool, eol: bool| {
            let mut out = Vec::new();
            plain(&mut out, &msg(p), v, eol).unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(show(b"x", false, true), "x\n");
        assert_eq!(show(b"x", true, true), "a/b x\n");
        assert_eq!(show(b"x", true, false), "a/b x");
        assert_eq!(show(b"", true, true), "a/b (null)\n");
        assert_eq!(show(b"", false, true), "");
        assert_eq!(show(b"", true, false), "");
    }
}
