//! MQTT over TLS: the values of the `AT+GTSSL*` provisioning commands, the TLS parameter of
//! `AT+MQTTOPEN`, the reasons behind an `AT+GTSSLERR?` code, and the PEM checks a file passes
//! before it is uploaded.
//!
//! The module terminates TLS itself. The MQTT manual does not describe it; what follows comes
//! from public drivers for the L610 and the G510 (Fibocom's shared AT set) and an L610
//! acceptance record (see `docs/tls.md`):
//!
//! - `AT+GTSSLVER=<v>` picks the TLS version (`4` is TLS 1.2 in every source);
//! - `AT+GTSSLMODE=<0|1>`: `1` verifies the server's certificate against the trusted CA;
//! - `AT+GTSSLFILE="<kind>",<length>`, then the prompt, then exactly `<length>` bytes: a whole
//!   PEM file (BEGIN/END lines and line ends included; a bare base64 body makes the handshake
//!   fail with `-19`);
//! - `AT+MQTTOPEN=<id>,"<host>",<port>,<clean>,<keepalive>,<tls>` opens over TLS;
//! - every TLS setting and file is lost when the module restarts.
//!
//! Provisioning code that does not use these types carries none of them: the PEM checks are
//! reached only through the file command's line.

use super::clock::ClockCheck;

/// The version `AT+GTSSLVER=<v>` selects, and `+GTSSLVER: <v>` reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TlsVersion {
    /// `4`: TLS 1.2, the value every source uses.
    Tls12,
    /// Any other value, sent and reported as it is (older versions, or TLS 1.3 on newer
    /// firmware: check `AT+GTSSLVER=?` on the module). `Other(4)` is never produced by
    /// [`TlsVersion::from_number`].
    Other(u8),
}

impl TlsVersion {
    /// The number on the wire.
    pub const fn number(self) -> u8 {
        match self {
            TlsVersion::Tls12 => 4,
            TlsVersion::Other(n) => n,
        }
    }

    /// The version a number on the wire stands for.
    pub const fn from_number(n: u8) -> Self {
        match n {
            4 => TlsVersion::Tls12,
            n => TlsVersion::Other(n),
        }
    }
}

/// The kind of a file `AT+GTSSLFILE` uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TlsFileKind {
    /// `TRUSTFILE`: the CA certificate (or bundle) that verifies the server.
    Trust,
    /// `CAFILE`: the client's own certificate, for mutual TLS (the name is the module's).
    ClientCert,
    /// `KEYFILE`: the client's private key, for mutual TLS.
    ClientKey,
}

impl TlsFileKind {
    /// The three kinds, in the order the module lists them.
    pub const ALL: [TlsFileKind; 3] = [
        TlsFileKind::Trust,
        TlsFileKind::ClientCert,
        TlsFileKind::ClientKey,
    ];

    /// The kind's name on the wire.
    pub const fn name(self) -> &'static str {
        match self {
            TlsFileKind::Trust => "TRUSTFILE",
            TlsFileKind::ClientCert => "CAFILE",
            TlsFileKind::ClientKey => "KEYFILE",
        }
    }

    /// The kind a name on the wire stands for (any case).
    pub fn from_name(name: &[u8]) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|k| k.name().as_bytes().eq_ignore_ascii_case(name))
    }

    /// Whether `file` has the PEM shape this kind needs (see [`is_certificate_pem`] and
    /// [`is_private_key_pem`]). The file command checks this before a byte is sent.
    pub fn accepts(self, file: &[u8]) -> bool {
        match self {
            TlsFileKind::Trust | TlsFileKind::ClientCert => is_certificate_pem(file),
            TlsFileKind::ClientKey => is_private_key_pem(file),
        }
    }
}

/// The TLS commands, by name, for their read and test forms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TlsCommand {
    /// `+GTSSLVER`
    Version,
    /// `+GTSSLMODE`
    Mode,
    /// `+GTSSLFILE`
    File,
    /// `+GTSSLERR`
    Error,
}

impl TlsCommand {
    /// The command's name, with its `+`.
    pub const fn name(self) -> &'static str {
        match self {
            TlsCommand::Version => "+GTSSLVER",
            TlsCommand::Mode => "+GTSSLMODE",
            TlsCommand::File => "+GTSSLFILE",
            TlsCommand::Error => "+GTSSLERR",
        }
    }
}

/// The sixth parameter of `AT+MQTTOPEN`, which asks for TLS. Its value differs by module
/// family, so it is configurable; a single digit, 1-9.
///
/// Evidence:
/// - a public G510 driver for AWS IoT sends `1`
///   (`AT+MQTTOPEN=1,"...amazonaws.com.cn",8883,1,60,1`), a plain on/off flag;
/// - L610 notes give `0` plain, `1` reserved, `2` TLS;
/// - no NL668, M910 or NL661 source was found.
///
/// Decision: the default is [`TlsParam::FLAG`] (`1`), the value a working driver of
/// Fibocom's shared AT set uses and the only TLS value a module reading the parameter as a
/// flag can have. Use [`TlsParam::L610`] (`2`) for the L610 family; a wrong value shows as a
/// failed open, not as a silent plain connection, on every family seen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TlsParam(u8);

impl TlsParam {
    /// `1`: TLS on, as a flag (G510; the default).
    pub const FLAG: TlsParam = TlsParam(1);
    /// `2`: TLS, as the L610 notes give it (`1` is reserved there).
    pub const L610: TlsParam = TlsParam(2);

    /// The value `v`, if it is 1-9 (`0` means plain: use [`Command::Open`](super::Command)).
    pub const fn new(v: u8) -> Option<TlsParam> {
        match v {
            1..=9 => Some(TlsParam(v)),
            _ => None,
        }
    }

    /// The value on the wire.
    pub const fn value(self) -> u8 {
        self.0
    }

    /// The value as its one decimal digit.
    pub(crate) fn digit(self) -> &'static [u8] {
        const DIGITS: &[u8] = b"0123456789";
        let at = usize::from(self.0);
        DIGITS.get(at..at.saturating_add(1)).unwrap_or(b"1")
    }
}

impl Default for TlsParam {
    fn default() -> Self {
        TlsParam::FLAG
    }
}

/// Why a TLS connection failed, from the code `+GTSSLERR: <code>` reports (codes seen or
/// documented in public tooling). The codes are small negative numbers; one outside the range
/// of an `i16` is kept as the nearest `i16` (so that the driver's [`Error`](crate::Error) stays
/// two registers wide).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum TlsErrorReason {
    /// `-11`: the server's certificate did not pass the CA check, or the module's clock made it
    /// look expired or not yet valid; with what the module's clock said when the drivers asked
    /// it (`AT+CCLK?`) after the failure ([`ClockCheck::Unknown`] when it could not be read,
    /// and from [`TlsErrorReason::from_code`], which asks nothing). A plausible clock points at
    /// the TRUSTFILE; an implausible one at the clock.
    CaOrClock(ClockCheck),
    /// `-7`, `-8`, `-9` or `-20` (the code): the handshake failed (version or cipher
    /// mismatch, the server refused the client, the connection closed). Check `AT+GTSSLVER`,
    /// the port, and the client certificate when the server asks for one.
    Handshake(i16),
    /// `-12` to `-19` (the code): a certificate or key is unusable (`-19`: a file that is not
    /// PEM). Upload the files again as whole PEM text.
    Certificate(i16),
    /// Any other code, `0` included.
    Other(i16),
}

impl TlsErrorReason {
    /// The reason code `code` stands for (`-11` with the clock [`ClockCheck::Unknown`]).
    pub const fn from_code(code: i32) -> Self {
        // In range of an i16 on every arm but the last, which clamps first.
        match code {
            -11 => TlsErrorReason::CaOrClock(ClockCheck::Unknown),
            -9..=-7 | -20 => TlsErrorReason::Handshake(code as i16),
            -19..=-12 => TlsErrorReason::Certificate(code as i16),
            ..=-32768 => TlsErrorReason::Other(i16::MIN),
            32767.. => TlsErrorReason::Other(i16::MAX),
            _ => TlsErrorReason::Other(code as i16),
        }
    }

    /// The code as the module sent it (clamped to an `i16`).
    pub const fn code(self) -> i32 {
        match self {
            TlsErrorReason::CaOrClock(_) => -11,
            TlsErrorReason::Handshake(c)
            | TlsErrorReason::Certificate(c)
            | TlsErrorReason::Other(c) => c as i32,
        }
    }
}

/// Least length of a TLS file, in bytes.
pub const MIN_FILE: usize = 4;
/// Greatest length of a TLS file, in bytes (what tooling for these modules assumes).
pub const MAX_FILE: usize = 8192;

/// The labels of a certificate's PEM block.
const CERTIFICATE: [&[u8]; 1] = [b"CERTIFICATE"];
/// The labels of a private key's PEM block: PKCS #8, PKCS #1 (RSA) and SEC 1 (EC).
const PRIVATE_KEY: [&[u8]; 3] = [b"PRIVATE KEY", b"RSA PRIVATE KEY", b"EC PRIVATE KEY"];

/// Whether `file` is PEM text holding a certificate: ASCII text that starts with a
/// `-----BEGIN ` line and ends with an `-----END ...-----` line (spaces and line ends around
/// allowed), with a `-----BEGIN CERTIFICATE-----` line and its END line in it. Several
/// certificates (a CA bundle) pass.
pub fn is_certificate_pem(file: &[u8]) -> bool {
    is_pem_of(file, &CERTIFICATE)
}

/// Whether `file` is PEM text holding a private key: as [`is_certificate_pem`], with a
/// `PRIVATE KEY`, `RSA PRIVATE KEY` or `EC PRIVATE KEY` block (an `EC PARAMETERS` block
/// before it passes; an encrypted key does not, the module cannot use one).
pub fn is_private_key_pem(file: &[u8]) -> bool {
    is_pem_of(file, &PRIVATE_KEY)
}

fn is_pem_of(file: &[u8], labels: &[&[u8]]) -> bool {
    let text = file.trim_ascii();
    let is_text = text
        .iter()
        .all(|&b| matches!(b, 0x20..=0x7e | b'\r' | b'\n' | b'\t'));
    is_text
        && text.starts_with(b"-----BEGIN ")
        && text.ends_with(b"-----")
        && labels.iter().any(|label| {
            has_line(text, b"-----BEGIN ", label) && has_line(text, b"-----END ", label)
        })
}

/// Whether `text` holds `<head><label>-----` at the start of a line, followed by a line end or
/// the end of the text.
fn has_line(text: &[u8], head: &[u8], label: &[u8]) -> bool {
    let mut rest = text;
    while let Some(at) = find(rest, head) {
        let line_start = at == 0 || matches!(rest.get(at.wrapping_sub(1)), Some(b'\n' | b'\r'));
        let after = rest.get(at.saturating_add(head.len())..).unwrap_or(&[]);
        if line_start {
            if let Some(tail) = after
                .strip_prefix(label)
                .and_then(|t| t.strip_prefix(b"-----"))
            {
                if matches!(tail.first(), None | Some(b'\r' | b'\n')) {
                    return true;
                }
            }
        }
        rest = after;
    }
    false
}

/// The offset of the first `needle` in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_shapes() {
        let cert = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(is_certificate_pem(cert));
        assert!(!is_private_key_pem(cert));
        let key = b"-----BEGIN EC PARAMETERS-----\nBggq\n-----END EC PARAMETERS-----\r\n\
                    -----BEGIN EC PRIVATE KEY-----\r\nMHcC\r\n-----END EC PRIVATE KEY-----";
        assert!(is_private_key_pem(key));
        assert!(!is_certificate_pem(key));
        assert!(!is_private_key_pem(
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n"
        ));
        assert!(!is_certificate_pem(b"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A"));
        assert!(!is_certificate_pem(
            b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nextra"
        ));
        assert!(!is_certificate_pem(
            b"-----BEGIN CERTIFICATE-----\nMI\xffB\n-----END CERTIFICATE-----\n"
        ));
        assert!(!is_certificate_pem(b"-----BEGIN CERTIFICATE-----\nMIIB\n"));
        assert!(!is_certificate_pem(b""));
    }

    #[test]
    fn error_reasons() {
        assert_eq!(
            TlsErrorReason::from_code(-11),
            TlsErrorReason::CaOrClock(ClockCheck::Unknown)
        );
        for c in [-7i16, -8, -9, -20] {
            let reason = TlsErrorReason::from_code(c.into());
            assert_eq!(reason, TlsErrorReason::Handshake(c));
        }
        for c in -19i16..=-12 {
            let reason = TlsErrorReason::from_code(c.into());
            assert_eq!(reason, TlsErrorReason::Certificate(c));
        }
        for c in [0i16, -1, -6, -10, -21, 5, i16::MIN, i16::MAX] {
            assert_eq!(
                TlsErrorReason::from_code(c.into()),
                TlsErrorReason::Other(c)
            );
            assert_eq!(TlsErrorReason::from_code(c.into()).code(), i32::from(c));
        }
        assert_eq!(
            TlsErrorReason::from_code(i32::MIN),
            TlsErrorReason::Other(i16::MIN)
        );
        assert_eq!(
            TlsErrorReason::from_code(70000),
            TlsErrorReason::Other(i16::MAX)
        );
        assert_eq!(TlsErrorReason::CaOrClock(ClockCheck::Plausible).code(), -11);
    }

    #[test]
    fn param_digits() {
        assert_eq!(TlsParam::default().digit(), b"1");
        assert_eq!(TlsParam::L610.digit(), b"2");
        assert_eq!(TlsParam::new(9).map(|p| p.digit()), Some(&b"9"[..]));
        assert_eq!(TlsParam::new(0), None);
        assert_eq!(TlsParam::new(10), None);
    }
}
