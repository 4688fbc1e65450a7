//! The limits of docs/protocol.md section 3, checked before a byte is written.

/// The field of a command that broke a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Field {
    /// The MQTT user name (`AT+MQTTUSER`).
    User,
    /// The MQTT password (`AT+MQTTUSER`).
    Password,
    /// The MQTT client identifier string (`AT+MQTTUSER`).
    ClientIdStr,
    /// The broker host (`AT+MQTTOPEN`).
    Host,
    /// The broker port (`AT+MQTTOPEN`).
    Port,
    /// The keepalive interval in seconds (`AT+MQTTOPEN`).
    Keepalive,
    /// A topic (`AT+MQTTSUB`, `AT+MQTTUNSUB`, `AT+MQTTPUB`).
    Topic,
    /// A publish payload.
    Payload,
    /// The will topic (`AT+MQTTWILL`).
    WillTopic,
    /// The will payload (`AT+MQTTWILL`).
    WillPayload,
    /// The access point name of a data call (`AT+MIPCALL`).
    Apn,
    /// The user name of a data call (`AT+MIPCALL`).
    ApnUser,
    /// The password of a data call (`AT+MIPCALL`).
    ApnPassword,
    /// The body of a raw command.
    Raw,
    /// The trusted CA file (`AT+GTSSLFILE="TRUSTFILE"`).
    TrustFile,
    /// The client certificate file (`AT+GTSSLFILE="CAFILE"`).
    ClientCert,
    /// The client private key file (`AT+GTSSLFILE="KEYFILE"`).
    ClientKey,
}

impl Field {
    /// The field's limits: its length in bytes for a string, its value for a number
    /// ([`Field::Port`], [`Field::Keepalive`]), both ends included.
    pub const fn bounds(self) -> (u16, u16) {
        // Every limit is under 65 536.
        let (min, max) = match self {
            Field::User | Field::Password => (0, MAX_USER),
            Field::ClientIdStr => (1, MAX_CLIENT_ID),
            Field::Host => (1, MAX_HOST),
            Field::Port => (1, 65_535),
            Field::Keepalive => (1, MAX_KEEPALIVE as usize),
            Field::Topic | Field::WillTopic => (1, MAX_TOPIC),
            Field::Payload | Field::WillPayload => (0, MAX_PAYLOAD),
            Field::Apn | Field::ApnUser | Field::ApnPassword => (0, MAX_APN),
            Field::Raw => (0, MAX_RAW),
            Field::TrustFile | Field::ClientCert | Field::ClientKey => {
                (super::tls::MIN_FILE, super::tls::MAX_FILE)
            }
        };
        (min as u16, max as u16)
    }
}

/// The rule a field broke. The bounds are the field's (see [`Field::bounds`]); the value at
/// fault is the caller's own, so it is not repeated here: the error stays 8 bytes on 32-bit
/// targets and `Result<_, Error>` is returned in registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Rule {
    /// The value is shorter than `min` bytes.
    TooShort {
        /// The smallest length allowed.
        min: u16,
    },
    /// The value is longer than `max` bytes.
    TooLong {
        /// The greatest length allowed.
        max: u16,
    },
    /// The number is outside `min..=max`.
    OutOfRange {
        /// The smallest value allowed.
        min: u16,
        /// The greatest value allowed.
        max: u16,
    },
    /// The byte `byte` at offset `at` cannot be carried in a quoted AT string (a `"`, CR, LF or
    /// any byte outside printable ASCII).
    ForbiddenByte {
        /// The offending byte.
        byte: u8,
        /// Its offset in the value (lengths are checked first, so it is under 1 500).
        at: u16,
    },
    /// A topic to publish to (or a will topic) holds the wildcard `+` or `#` at offset `at`:
    /// wildcards belong in subscription filters only.
    Wildcard {
        /// Its offset in the topic.
        at: u16,
    },
    /// A subscription filter holds a wildcard at offset `at` where MQTT does not allow one: `+`
    /// must fill a whole level (`a/+/b`, not `a+/b`), and `#` must fill the last level
    /// (`a/#`, not `a/#/b` or `a#`).
    BadFilter {
        /// Its offset in the filter.
        at: u16,
    },
    /// The payload was forced into the text form but holds a byte the text form cannot carry.
    NotText,
    /// The payload was forced into the data form, which needs at least one byte.
    EmptyData,
    /// A TLS file is not PEM text of the kind it is uploaded as: a certificate needs a
    /// `-----BEGIN CERTIFICATE-----` block, a key a `PRIVATE KEY`, `RSA PRIVATE KEY` or
    /// `EC PRIVATE KEY` block, BEGIN and END lines included.
    NotPem,
}

/// Why a command could not be encoded. Nothing was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum EncodeError {
    /// `field` broke `rule`.
    Invalid {
        /// The field at fault.
        field: Field,
        /// The rule it broke.
        rule: Rule,
    },
    /// The caller's buffer holds fewer than `needed` bytes.
    BufferTooSmall {
        /// The length of the encoded command.
        needed: usize,
    },
}

impl core::fmt::Display for EncodeError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EncodeError::Invalid { field, rule } => {
                write!(f, "{field:?}: ").and_then(|()| match rule {
                    Rule::TooShort { min } => write!(f, "shorter than {min} bytes"),
                    Rule::TooLong { max } => write!(f, "longer than {max} bytes"),
                    Rule::OutOfRange { min, max } => write!(f, "outside {min}..={max}"),
                    Rule::ForbiddenByte { byte, at } => {
                        write!(
                            f,
                            "byte 0x{byte:02x} at {at} cannot be sent in a quoted AT string"
                        )
                    }
                    Rule::Wildcard { at } => write!(
                        f,
                        "wildcard at {at}: a topic to publish to cannot hold '+' or '#'"
                    ),
                    Rule::BadFilter { at } => write!(
                        f,
                        "wildcard at {at} out of place: '+' must fill a whole level, \
                         '#' the whole last level"
                    ),
                    Rule::NotText => write!(f, "not printable ASCII without '\"'"),
                    Rule::EmptyData => write!(f, "the data form needs at least one byte"),
                    Rule::NotPem => write!(
                        f,
                        "not PEM text of this kind (BEGIN/END CERTIFICATE for a certificate, \
                         PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY for a key)"
                    ),
                })
            }
            EncodeError::BufferTooSmall { needed } => {
                write!(f, "buffer too small: {needed} bytes needed")
            }
        }
    }
}

impl core::error::Error for EncodeError {}

/// Greatest length of a user name or password.
pub const MAX_USER: usize = 128;
/// Greatest length of a client identifier string.
pub const MAX_CLIENT_ID: usize = 23;
/// Greatest length of a host name.
pub const MAX_HOST: usize = 255;
/// Greatest length of a topic.
pub const MAX_TOPIC: usize = 255;
/// Greatest length of a payload, in the text and in the data form.
pub const MAX_PAYLOAD: usize = 1024;
/// Greatest keepalive interval, in seconds.
pub const MAX_KEEPALIVE: u16 = 300;
/// Greatest length of a data-call APN, user or password (not in the MQTT manual; a bound to keep
/// command lines within what modules buffer).
pub const MAX_APN: usize = 100;
/// Greatest length of a raw command body.
pub const MAX_RAW: usize = 1500;

/// Whether `b` may stand inside a quoted AT string: printable ASCII other than `"`.
#[inline]
pub const fn is_quotable(b: u8) -> bool {
    matches!(b, 0x20..=0x7e) && b != b'"'
}

/// The offset of the first wildcard of the topic filter `filter` that is out of place: a `+`
/// that is not a whole level, or a `#` that is not the whole last level. Empty levels (`a//b`,
/// `/a`) are allowed, as in MQTT.
pub fn misplaced_wildcard(filter: &[u8]) -> Option<usize> {
    let mut prev = b'/';
    let mut rest = filter.iter();
    let mut at = 0usize;
    while let Some(&b) = rest.next() {
        let next = rest.as_slice().first();
        let whole_level = prev == b'/' && matches!(next, None | Some(b'/'));
        let ok = match b {
            b'+' => whole_level,
            b'#' => whole_level && next.is_none(),
            _ => true,
        };
        if !ok {
            return Some(at);
        }
        prev = b;
        at = at.wrapping_add(1);
    }
    None
}

pub(super) fn invalid(field: Field, rule: Rule) -> EncodeError {
    EncodeError::Invalid { field, rule }
}
