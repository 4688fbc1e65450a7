//! A command as the encoder sees it: a template of literal bytes with a marker where each argument
//! goes, the arguments, and the checks they must pass. [`Command::line`] builds it; everything
//! else (checking, encoding, writing) works on the line, whatever the command.
//!
//! `Command::line` is inlined where a command is built, so that a firmware that sends a few kinds
//! of command carries only their templates and checks, not a `match` over every command.

use super::command::{uses_data_form, Command, Form};
use super::tls::{self, TlsFileKind};
use super::validate::{self, invalid, EncodeError, Field, Rule};

/// The strings of `AT<name>?` / `AT<name>=?`: the read or test form of a named command.
const fn named_form(name: &'static str, form: Form) -> [&'static [u8]; 3] {
    [name.as_bytes(), form.suffix().as_bytes(), b""]
}

/// In a [`Line`]'s template: the next number goes here.
pub(super) const NUM: u8 = 0x01;
/// In a [`Line`]'s template: the next string goes here.
pub(super) const STR: u8 = 0x02;

/// What an argument must be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rules {
    /// A string of `min..=max` bytes that can stand in a quoted AT string.
    Quoted,
    /// A topic to publish to (or a will topic): [`Rules::Quoted`], and no wildcard
    /// ([`Rule::Wildcard`]).
    Topic,
    /// A topic filter to subscribe to or unsubscribe from: [`Rules::Quoted`], and wildcards
    /// only where MQTT allows them ([`Rule::BadFilter`]).
    Filter,
    /// A string of `min..=max` bytes of printable ASCII, quotes allowed (a raw command).
    Printable,
    /// A publish payload in the text form: `min..=max` bytes, all quotable, else
    /// [`Rule::NotText`].
    Text,
    /// A publish payload in the data form: at most `max` bytes, and not empty
    /// ([`Rule::EmptyData`]).
    Data,
    /// A number in `min..=max`.
    Range,
    /// A TLS file in the data form: `min..=max` bytes that `shape` accepts, else
    /// [`Rule::NotPem`]. Only the file command's line names a shape, so firmware that never
    /// uploads a file carries no PEM check.
    File(fn(&[u8]) -> bool),
}

/// One check: argument `arg` (a string index, or a number index for [`Rules::Range`]) is `field`
/// and must follow `rules` within `min..=max` (the field's [`bounds`](Field::bounds)).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Check {
    field: Field,
    rules: Rules,
    arg: u8,
    min: u16,
    max: u16,
}

/// The check of argument `arg` as `field`, within the field's bounds.
const fn check(field: Field, rules: Rules, arg: u8) -> Check {
    let (min, max) = field.bounds();
    Check {
        field,
        rules,
        arg,
        min,
        max,
    }
}

const TOPIC: Check = check(Field::Topic, Rules::Topic, 0);
const FILTER: Check = check(Field::Topic, Rules::Filter, 0);
const PAYLOAD_TEXT: Check = check(Field::Payload, Rules::Text, 1);
const PAYLOAD_DATA: Check = check(Field::Payload, Rules::Data, 1);
const USER: Check = check(Field::User, Rules::Quoted, 0);
const PASSWORD: Check = check(Field::Password, Rules::Quoted, 1);
const CLIENT_ID: Check = check(Field::ClientIdStr, Rules::Quoted, 2);
const HOST: Check = check(Field::Host, Rules::Quoted, 0);
const PORT: Check = check(Field::Port, Rules::Range, 1);
const KEEPALIVE: Check = check(Field::Keepalive, Rules::Range, 3);
const WILL_TOPIC: Check = check(Field::WillTopic, Rules::Topic, 0);
// A will forced into the text form reports the byte at fault, as it always has.
const WILL_TEXT: Check = check(Field::WillPayload, Rules::Quoted, 1);
const WILL_DATA: Check = check(Field::WillPayload, Rules::Data, 1);
const RAW: Check = check(Field::Raw, Rules::Printable, 0);
const APN: Check = check(Field::Apn, Rules::Quoted, 0);
const APN_USER: Check = check(Field::ApnUser, Rules::Quoted, 1);
const APN_PASSWORD: Check = check(Field::ApnPassword, Rules::Quoted, 2);
const TRUST_FILE: Check = check(Field::TrustFile, Rules::File(tls::is_certificate_pem), 1);
const CLIENT_CERT: Check = check(Field::ClientCert, Rules::File(tls::is_certificate_pem), 1);
const CLIENT_KEY: Check = check(Field::ClientKey, Rules::File(tls::is_private_key_pem), 1);

/// One command line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Line<'a> {
    /// The command's name, for a failure to say which it was.
    name: super::AtCommand,
    pub(super) template: &'static [u8],
    pub(super) nums: [u32; 4],
    pub(super) strs: [&'a [u8]; 3],
    checks: &'static [Check],
    /// A publish or a will in the data form, or a TLS file: its payload, the second string,
    /// goes after the prompt.
    data_form: bool,
}

impl<'a> Line<'a> {
    /// The command's name.
    pub(crate) fn name(&self) -> super::AtCommand {
        self.name
    }

    /// The bytes sent after the prompt (a publish or a will in the data form, a TLS file).
    pub(crate) fn data(&self) -> Option<&'a [u8]> {
        if self.data_form {
            self.strs.get(1).copied()
        } else {
            None
        }
    }

    /// Checks every argument against the protocol's limits.
    #[inline(never)]
    pub(crate) fn check(&self) -> Result<(), EncodeError> {
        for c in self.checks {
            let s = self.strs.get(usize::from(c.arg)).copied().unwrap_or(b"");
            let (min, max) = (c.min, c.max);
            let len = s.len();
            match c.rules {
                Rules::Range => {
                    let value = self.nums.get(usize::from(c.arg)).copied().unwrap_or(0);
                    if value < u32::from(min) || value > u32::from(max) {
                        return Err(invalid(c.field, Rule::OutOfRange { min, max }));
                    }
                    continue;
                }
                Rules::Data if len == 0 => return Err(invalid(c.field, Rule::EmptyData)),
                _ if len > usize::from(max) => return Err(invalid(c.field, Rule::TooLong { max })),
                _ if len < usize::from(min) => {
                    return Err(invalid(c.field, Rule::TooShort { min }))
                }
                _ => {}
            }
            let bad = match c.rules {
                Rules::Quoted | Rules::Text | Rules::Topic | Rules::Filter => {
                    s.iter().position(|&b| !validate::is_quotable(b))
                }
                Rules::Printable => s.iter().position(|&b| !matches!(b, 0x20..=0x7e)),
                Rules::File(shape) if !shape(s) => return Err(invalid(c.field, Rule::NotPem)),
                Rules::Data | Rules::Range | Rules::File(_) => None,
            };
            // Offsets are at most the field's maximum, checked above.
            let offset = |at: usize| u16::try_from(at).unwrap_or(u16::MAX);
            if let Some(at) = bad {
                let rule = match c.rules {
                    Rules::Text => Rule::NotText,
                    _ => Rule::ForbiddenByte {
                        byte: s.get(at).copied().unwrap_or(0),
                        at: offset(at),
                    },
                };
                return Err(invalid(c.field, rule));
            }
            let wildcard = match c.rules {
                Rules::Topic => s
                    .iter()
                    .position(|&b| b == b'+' || b == b'#')
                    .map(|at| Rule::Wildcard { at: offset(at) }),
                Rules::Filter => {
                    validate::misplaced_wildcard(s).map(|at| Rule::BadFilter { at: offset(at) })
                }
                _ => None,
            };
            if let Some(rule) = wildcard {
                return Err(invalid(c.field, rule));
            }
        }
        Ok(())
    }
}

impl<'a> Command<'a> {
    /// The command's line. Inlined where the command is built, so that only its variant's
    /// template and checks are compiled there.
    #[inline(always)]
    pub(crate) fn line(&self) -> Line<'a> {
        let mut nums = [0u32; 4];
        // Written out: a repeat expression (`[b""; 3]`) of a slice is built with a loop,
        // at every place a line is built.
        let mut strs: [&'a [u8]; 3] = [b"", b"", b""];
        let mut checks: &'static [Check] = &[];
        let mut data_form = false;
        let template: &'static [u8] = match *self {
            Command::At => b"AT",
            Command::Echo(true) => b"ATE1",
            Command::Echo(false) => b"ATE0",
            Command::Query(q) => q.text().as_bytes(),
            Command::MipCallUp { apn, credentials } => {
                strs[0] = apn.unwrap_or("").as_bytes();
                match credentials {
                    Some((user, pass)) => {
                        strs[1] = user.as_bytes();
                        strs[2] = pass.as_bytes();
                        checks = &[APN, APN_USER, APN_PASSWORD];
                        b"AT+MIPCALL=1,\"\x02\",\"\x02\",\"\x02\""
                    }
                    None if apn.is_some() => {
                        checks = &[APN];
                        b"AT+MIPCALL=1,\"\x02\""
                    }
                    None => b"AT+MIPCALL=1",
                }
            }
            Command::MipCallDown => b"AT+MIPCALL=0",
            Command::User {
                id,
                user,
                password,
                client_id,
            } => {
                nums[0] = id.number().into();
                strs = [
                    user.as_bytes(),
                    password.as_bytes(),
                    client_id.unwrap_or("").as_bytes(),
                ];
                if client_id.is_some() {
                    checks = &[USER, PASSWORD, CLIENT_ID];
                    b"AT+MQTTUSER=\x01,\"\x02\",\"\x02\",\"\x02\""
                } else {
                    checks = &[USER, PASSWORD];
                    b"AT+MQTTUSER=\x01,\"\x02\",\"\x02\""
                }
            }
            Command::Open {
                id,
                host,
                port,
                clean_session,
                keepalive,
            } => {
                nums = [
                    id.number().into(),
                    port.into(),
                    clean_session.into(),
                    keepalive.into(),
                ];
                strs[0] = host.as_bytes();
                checks = &[HOST, PORT, KEEPALIVE];
                b"AT+MQTTOPEN=\x01,\"\x02\",\x01,\x01,\x01"
            }
            Command::Close(id) => {
                nums[0] = id.number().into();
                b"AT+MQTTCLOSE=\x01"
            }
            Command::Subscribe { id, topic, qos } => {
                nums = [id.number().into(), qos.number().into(), 0, 0];
                strs[0] = topic.as_bytes();
                checks = &[FILTER];
                b"AT+MQTTSUB=\x01,\"\x02\",\x01"
            }
            Command::Unsubscribe { id, topic } => {
                nums[0] = id.number().into();
                strs[0] = topic.as_bytes();
                checks = &[FILTER];
                b"AT+MQTTUNSUB=\x01,\"\x02\""
            }
            Command::Publish {
                id,
                topic,
                qos,
                retain,
                payload,
                form,
            } => {
                // Checked to be at most 1024 bytes before it is sent.
                let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
                nums = [id.number().into(), qos.number().into(), retain.into(), len];
                strs = [topic.as_bytes(), payload, b""];
                if uses_data_form(payload, form) {
                    data_form = true;
                    checks = &[TOPIC, PAYLOAD_DATA];
                    b"AT+MQTTPUB=\x01,\"\x02\",\x01,\x01,\x01"
                } else {
                    checks = &[TOPIC, PAYLOAD_TEXT];
                    b"AT+MQTTPUB=\x01,\"\x02\",\x01,\x01,\"\x02\""
                }
            }
            Command::Conf(crate::types::ReceiveMode::Direct) => b"AT+MQTTCONF=0",
            Command::Conf(crate::types::ReceiveMode::Buffered) => b"AT+MQTTCONF=1",
            Command::Read(id) => {
                nums[0] = id.number().into();
                b"AT+MQTTREAD=\x01"
            }
            Command::Will {
                id,
                topic,
                qos,
                retain,
                payload,
                form,
            } => {
                // Checked to be at most 1024 bytes before it is sent.
                let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
                nums = [id.number().into(), qos.number().into(), retain.into(), len];
                strs = [topic.as_bytes(), payload, b""];
                if uses_data_form(payload, form) {
                    data_form = true;
                    checks = &[WILL_TOPIC, WILL_DATA];
                    b"AT+MQTTWILL=\x01,\"\x02\",\x01,\x01,\x01"
                } else {
                    checks = &[WILL_TOPIC, WILL_TEXT];
                    b"AT+MQTTWILL=\x01,\"\x02\",\x01,\x01,\"\x02\""
                }
            }
            Command::Mqtt(cmd, form) => {
                strs = named_form(cmd.name(), form);
                b"AT\x02\x02"
            }
            Command::Raw(body) => {
                strs[0] = body.as_bytes();
                checks = &[RAW];
                b"AT\x02"
            }
            Command::OpenTls {
                id,
                host,
                port,
                clean_session,
                keepalive,
                tls,
            } => {
                nums = [
                    id.number().into(),
                    port.into(),
                    clean_session.into(),
                    keepalive.into(),
                ];
                // The TLS value is one digit, carried as the second string.
                strs = [host.as_bytes(), tls.digit(), b""];
                checks = &[HOST, PORT, KEEPALIVE];
                b"AT+MQTTOPEN=\x01,\"\x02\",\x01,\x01,\x01,\x02"
            }
            Command::TlsVersion(v) => {
                nums[0] = v.number().into();
                b"AT+GTSSLVER=\x01"
            }
            Command::TlsVerify(on) => {
                nums[0] = on.into();
                b"AT+GTSSLMODE=\x01"
            }
            Command::TlsFile { kind, file } => {
                // Checked to be at most 8192 bytes before it is sent.
                nums[0] = u32::try_from(file.len()).unwrap_or(u32::MAX);
                strs = [kind.name().as_bytes(), file, b""];
                data_form = true;
                checks = match kind {
                    TlsFileKind::Trust => &[TRUST_FILE],
                    TlsFileKind::ClientCert => &[CLIENT_CERT],
                    TlsFileKind::ClientKey => &[CLIENT_KEY],
                };
                b"AT+GTSSLFILE=\"\x02\",\x01"
            }
            Command::Tls(cmd, form) => {
                strs = named_form(cmd.name(), form);
                b"AT\x02\x02"
            }
        };
        Line {
            name: self.name(),
            template,
            nums,
            strs,
            checks,
            data_form,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::codec::{Command, PayloadForm};
    use crate::{ClientId, QoS};

    /// What goes after the prompt is what `data_payload` says, for a publish and a will alike.
    #[test]
    fn data_part_of_publish_and_will() {
        for (payload, form, data) in [
            (&b"a\"b"[..], PayloadForm::Auto, true),
            (b"ab", PayloadForm::Auto, false),
            (b"", PayloadForm::Auto, false),
            (b"ab", PayloadForm::Data, true),
            (b"ab", PayloadForm::Text, false),
        ] {
            let will = Command::Will {
                id: ClientId::One,
                topic: "t",
                qos: QoS::AtMostOnce,
                retain: false,
                payload,
                form,
            };
            let publish = Command::Publish {
                id: ClientId::One,
                topic: "t",
                qos: QoS::AtMostOnce,
                retain: false,
                payload,
                form,
            };
            for cmd in [will, publish] {
                assert_eq!(cmd.line().data(), data.then_some(payload), "{cmd:?}");
                assert_eq!(cmd.data_payload(), cmd.line().data());
            }
        }
    }
}
