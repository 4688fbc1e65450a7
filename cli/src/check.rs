//! Every argument checked before the device is opened: the commands the tool will send are
//! built here and checked by the driver's own validation (`Command::validate`), and its verdict
//! (a field and the rule it broke) is put in the words of the command line. Nothing reaches the
//! module, and the tool exits with status 2, as for any other bad command line.

use fibocom_mqtt::codec::{Command, EncodeError, Field, PayloadForm, Rule};
use fibocom_mqtt::{ClientId, QoS};

use crate::args::{BrokerArgs, ModemArgs, PubArgs, SubArgs};
use crate::Fail;

/// What a field is called on the command line, and the value given for it.
#[derive(Clone, Copy)]
pub struct Value<'a> {
    field: Field,
    name: &'static str,
    bytes: &'a [u8],
}

fn value<'a>(field: Field, name: &'static str, bytes: &'a [u8]) -> Value<'a> {
    Value { field, name, bytes }
}

/// The default MQTT client identifier (mosquitto's is `mosq-` and random characters).
pub fn default_client_id() -> String {
    format!("fibocom-mqtt-{}", std::process::id())
}

/// The module client of `--modem-client` (clap allows only 1 and 2).
pub fn modem_client(m: &ModemArgs) -> ClientId {
    ClientId::new(u32::from(m.modem_client)).unwrap_or(ClientId::One)
}

/// The QoS of a number that the command line already limited to 0-2.
pub fn qos(n: u8) -> QoS {
    QoS::new(u32::from(n)).unwrap_or(QoS::AtMostOnce)
}

/// `pub`: the data call, the user, the will, the open, and the publish of `payload` (for
/// `-l`, `None`: each line is checked as it is read, the topic here with an empty payload).
pub fn publish(a: &PubArgs, payload: Option<&[u8]>) -> Result<(), Fail> {
    connection(&a.broker, &a.modem)?;
    no_wildcards("topic", &a.topic)?;
    publish_line(a, payload.unwrap_or(b""))
}

/// One publish of `pub`.
pub fn publish_line(a: &PubArgs, payload: &[u8]) -> Result<(), Fail> {
    let cmd = Command::Publish {
        id: modem_client(&a.modem),
        topic: &a.topic,
        qos: qos(a.broker.qos),
        retain: a.retain,
        payload,
        form: PayloadForm::Auto,
    };
    check(
        &cmd,
        &[
            value(Field::Topic, "topic", a.topic.as_bytes()),
            value(Field::Payload, "message", payload),
        ],
    )
}

/// `sub`: the connection, then each filter.
pub fn subscribe(a: &SubArgs) -> Result<(), Fail> {
    connection(&a.broker, &a.modem)?;
    for filter in &a.topics {
        filter_levels(filter)?;
        let cmd = Command::Subscribe {
            id: modem_client(&a.modem),
            topic: filter,
            qos: qos(a.broker.qos),
        };
        check(
            &cmd,
            &[value(Field::Topic, "topic filter", filter.as_bytes())],
        )?;
    }
    Ok(())
}

/// `at`: the command's body (without `AT`).
pub fn at(body: &str) -> Result<(), Fail> {
    check(
        &Command::Raw(body),
        &[value(Field::Raw, "AT command", body.as_bytes())],
    )
}

/// The data call, the user, the will and the open of `pub` and `sub`.
fn connection(b: &BrokerArgs, m: &ModemArgs) -> Result<(), Fail> {
    let id = modem_client(m);
    // The TLS files are read and checked here, once, before the device is opened.
    crate::tls::load(&b.tls)?;
    if let Some(apn) = m.apn.as_deref() {
        let user = m.apn_user.as_deref().unwrap_or("");
        let pass = m.apn_pass.as_deref().unwrap_or("");
        let credentials = (m.apn_user.is_some() || m.apn_pass.is_some()).then_some((user, pass));
        check(
            &Command::MipCallUp {
                apn: Some(apn),
                credentials,
            },
            &[
                value(Field::Apn, "APN", apn.as_bytes()),
                value(Field::ApnUser, "APN user", user.as_bytes()),
                value(Field::ApnPassword, "APN password", pass.as_bytes()),
            ],
        )?;
    }
    let default_id = default_client_id();
    let client_id = b.id.as_deref().unwrap_or(&default_id);
    let user = b.user.as_deref().unwrap_or("");
    let password = b.password.as_deref().unwrap_or("");
    check(
        &Command::User {
            id,
            user,
            password,
            client_id: Some(client_id),
        },
        &[
            value(Field::User, "user name", user.as_bytes()),
            value(Field::Password, "password", password.as_bytes()),
            value(Field::ClientIdStr, "client id", client_id.as_bytes()),
        ],
    )?;
    if let Some(topic) = b.will_topic.as_deref() {
        no_wildcards("will topic", topic)?;
        let payload = b.will_payload.as_deref().unwrap_or("");
        check(
            &Command::Will {
                id,
                topic,
                qos: qos(b.will_qos),
                retain: b.will_retain,
                payload: payload.as_bytes(),
                form: fibocom_mqtt::codec::PayloadForm::Auto,
            },
            &[
                value(Field::WillTopic, "will topic", topic.as_bytes()),
                value(Field::WillPayload, "will payload", payload.as_bytes()),
            ],
        )?;
    }
    check(
        &Command::Open {
            id,
            host: &b.host,
            port: b.port(),
            clean_session: !b.no_clean,
            keepalive: b.keepalive,
        },
        &[value(Field::Host, "host", b.host.as_bytes())],
    )
}

/// `cmd` checked by the driver; a refusal in the words of `values`.
fn check(cmd: &Command<'_>, values: &[Value<'_>]) -> Result<(), Fail> {
    cmd.validate().map_err(|e| Fail::usage(explain(e, values)))
}

/// An encoding error in words, the field named as in `values`.
pub fn explain(e: EncodeError, values: &[Value<'_>]) -> String {
    let EncodeError::Invalid { field, rule } = e else {
        return e.to_string();
    };
    let v = values.iter().find(|v| v.field == field);
    let name = v.map_or_else(|| field_name(field), |v| v.name);
    let len = v.map_or(0, |v| v.bytes.len());
    let what = match rule {
        Rule::TooLong { max } => format!("{len} bytes, at most {max}"),
        Rule::TooShort { min } if len == 0 => {
            format!(
                "empty, at least {min} byte{}",
                if min == 1 { "" } else { "s" }
            )
        }
        Rule::TooShort { min } => format!("{len} bytes, at least {min}"),
        Rule::OutOfRange { min, max } => format!("must be {min} to {max}"),
        Rule::ForbiddenByte { byte, at } => format!(
            "{} at character {} cannot be sent: the module takes it in quotes, which hold only \
             printable ASCII without '\"'",
            byte_name(byte),
            u32::from(at) + 1
        ),
        Rule::NotText => "cannot be sent as text (printable ASCII without '\"' only)".into(),
        Rule::EmptyData => "cannot be empty".into(),
        other => format!("refused ({other:?})"),
    };
    format!("{name}: {what}")
}

/// The words for a field when no value names it.
fn field_name(f: Field) -> &'static str {
    match f {
        Field::User => "user name",
        Field::Password => "password",
        Field::ClientIdStr => "client id",
        Field::Host => "host",
        Field::Port => "port",
        Field::Keepalive => "keepalive",
        Field::Topic => "topic",
        Field::Payload => "message",
        Field::WillTopic => "will topic",
        Field::WillPayload => "will payload",
        Field::Apn => "APN",
        Field::ApnUser => "APN user",
        Field::ApnPassword => "APN password",
        Field::Raw => "AT command",
        _ => "an argument",
    }
}

fn byte_name(b: u8) -> String {
    match b {
        b'"' => "'\"'".into(),
        b'\r' => "a carriage return".into(),
        b'\n' => "a line feed".into(),
        b'\t' => "a tab".into(),
        0x20..=0x7e => format!("'{}'", char::from(b)),
        b => format!("byte 0x{b:02x}"),
    }
}

// The MQTT topic rules the driver's validation does not check (it checks what the AT channel
// can carry): wildcards belong in filters only, and there only as whole levels.

/// A topic to publish on (or the will's) has no wildcard.
fn no_wildcards(name: &str, topic: &str) -> Result<(), Fail> {
    match topic.chars().find(|&c| c == '+' || c == '#') {
        Some(w) => Err(Fail::usage(format!(
            "{name}: '{topic}' holds the wildcard '{w}', which only a subscription's filter may"
        ))),
        None => Ok(()),
    }
}

/// A filter's wildcards stand alone in their level, `#` in the last one.
fn filter_levels(filter: &str) -> Result<(), Fail> {
    let levels: Vec<&str> = filter.split('/').collect();
    let last = levels.len() - 1;
    for (i, level) in levels.iter().enumerate() {
        if level.contains('#') && (*level != "#" || i != last) {
            return Err(Fail::usage(format!(
                "topic filter: '{filter}': '#' must be the whole last level (as in 'a/#')"
            )));
        }
        if level.contains('+') && *level != "+" {
            return Err(Fail::usage(format!(
                "topic filter: '{filter}': '+' must be a whole level (as in 'a/+/b')"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        for ok in ["#", "a/#", "+", "a/+/b", "+/+", "a/b", "/"] {
            assert!(filter_levels(ok).is_ok(), "{ok}");
        }
        for bad in ["a#", "a/#/b", "#/a", "a+", "a/b+/c", "++"] {
            assert!(filter_levels(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn publish_topics() {
        assert!(no_wildcards("topic", "a/b").is_ok());
        assert!(no_wildcards("topic", "a/#").is_err());
        assert!(no_wildcards("topic", "a/+/b").is_err());
    }
}
