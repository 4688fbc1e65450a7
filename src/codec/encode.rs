//! Encoding commands: into a caller's buffer, or piece by piece into a blocking or async writer,
//! never needing a buffer as large as the whole command.

use super::command::{uses_data_form, Command, Form, Query};
use super::validate::EncodeError;

/// What ends a command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum LineEnd {
    /// `\r`, what the manual specifies.
    #[default]
    Cr,
    /// `\r\n`, which modules also accept.
    CrLf,
}

impl LineEnd {
    const fn bytes(self) -> &'static [u8] {
        match self {
            LineEnd::Cr => b"\r",
            LineEnd::CrLf => b"\r\n",
        }
    }
}

/// A piece of an encoded command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part<'a> {
    Bytes(&'a [u8]),
    Num(u32),
}

/// The pieces of one command line, in order.
struct Parts<'a> {
    items: [Part<'a>; MAX_PARTS],
    len: usize,
}

const MAX_PARTS: usize = 16;

impl<'a> Parts<'a> {
    fn new() -> Self {
        Parts {
            items: [Part::Bytes(b""); MAX_PARTS],
            len: 0,
        }
    }

    fn push(&mut self, part: Part<'a>) -> &mut Self {
        // Every command has at most MAX_PARTS pieces (the most, 14, for a text-form publish and for `AT+MIPCALL` with credentials); the
        // `get_mut` keeps this free of any panic path regardless.
        if let Some(slot) = self.items.get_mut(self.len) {
            *slot = part;
            self.len = self.len.saturating_add(1);
        }
        self
    }

    fn b(&mut self, bytes: &'a [u8]) -> &mut Self {
        self.push(Part::Bytes(bytes))
    }

    fn n(&mut self, n: impl Into<u32>) -> &mut Self {
        self.push(Part::Num(n.into()))
    }

    /// `,"<s>"`
    fn quoted(&mut self, s: &'a [u8]) -> &mut Self {
        self.b(b",\"").b(s).b(b"\"")
    }

    fn iter(&self) -> impl Iterator<Item = Part<'a>> + '_ {
        self.items.iter().take(self.len).copied()
    }
}

/// Formats `n` in decimal into `buf`, returning the digits.
fn digits(n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    let mut n = n;
    loop {
        i = i.saturating_sub(1);
        if let Some(slot) = buf.get_mut(i) {
            *slot = b'0'.saturating_add((n % 10) as u8);
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    buf.get(i..).unwrap_or(b"")
}

fn flag(b: bool) -> u32 {
    u32::from(b)
}

impl<'a> Command<'a> {
    fn parts(&self, end: LineEnd) -> Parts<'a> {
        let mut p = Parts::new();
        match *self {
            Command::At => p.b(b"AT"),
            Command::Echo(on) => p.b(if on { b"ATE1" } else { b"ATE0" }),
            Command::Query(q) => p.b(match q {
                Query::Cpin => b"AT+CPIN?",
                Query::Csq => b"AT+CSQ",
                Query::Cops => b"AT+COPS?",
                Query::Creg => b"AT+CREG?",
                Query::Cgreg => b"AT+CGREG?",
                Query::Cereg => b"AT+CEREG?",
                Query::MipCall => b"AT+MIPCALL?",
                Query::Ati => b"ATI",
            }),
            Command::MipCallUp { apn, credentials } => {
                p.b(b"AT+MIPCALL=1");
                if let Some(apn) = apn {
                    p.quoted(apn.as_bytes());
                    if let Some((user, pass)) = credentials {
                        p.quoted(user.as_bytes()).quoted(pass.as_bytes());
                    }
                } else if let Some((user, pass)) = credentials {
                    p.quoted(b"")
                        .quoted(user.as_bytes())
                        .quoted(pass.as_bytes());
                }
                &mut p
            }
            Command::MipCallDown => p.b(b"AT+MIPCALL=0"),
            Command::User {
                id,
                user,
                password,
                client_id,
            } => {
                p.b(b"AT+MQTTUSER=").n(id.number());
                p.quoted(user.as_bytes()).quoted(password.as_bytes());
                if let Some(cid) = client_id {
                    p.quoted(cid.as_bytes());
                }
                &mut p
            }
            Command::Open {
                id,
                host,
                port,
                clean_session,
                keepalive,
            } => p
                .b(b"AT+MQTTOPEN=")
                .n(id.number())
                .quoted(host.as_bytes())
                .b(b",")
                .n(port)
                .b(b",")
                .n(flag(clean_session))
                .b(b",")
                .n(keepalive),
            Command::Close(id) => p.b(b"AT+MQTTCLOSE=").n(id.number()),
            Command::Subscribe { id, topic, qos } => p
                .b(b"AT+MQTTSUB=")
                .n(id.number())
                .quoted(topic.as_bytes())
                .b(b",")
                .n(qos.number()),
            Command::Unsubscribe { id, topic } => p
                .b(b"AT+MQTTUNSUB=")
                .n(id.number())
                .quoted(topic.as_bytes()),
            Command::Publish {
                id,
                topic,
                qos,
                retain,
                payload,
                form,
            } => {
                p.b(b"AT+MQTTPUB=")
                    .n(id.number())
                    .quoted(topic.as_bytes())
                    .b(b",")
                    .n(qos.number())
                    .b(b",")
                    .n(flag(retain))
                    .b(b",");
                if uses_data_form(payload, form) {
                    // The length is at most 1024 once validated.
                    p.n(u32::try_from(payload.len()).unwrap_or(u32::MAX))
                } else {
                    p.b(b"\"").b(payload).b(b"\"")
                }
            }
            Command::Conf(mode) => p.b(b"AT+MQTTCONF=").n(mode as u32),
            Command::Read(id) => p.b(b"AT+MQTTREAD=").n(id.number()),
            Command::Will {
                id,
                topic,
                qos,
                retain,
                payload,
            } => p
                .b(b"AT+MQTTWILL=")
                .n(id.number())
                .quoted(topic.as_bytes())
                .b(b",")
                .n(qos.number())
                .b(b",")
                .n(flag(retain))
                .quoted(payload.as_bytes()),
            Command::Mqtt(cmd, form) => p.b(b"AT").b(cmd.name().as_bytes()).b(match form {
                Form::Read => b"?",
                Form::Test => b"=?",
            }),
            Command::Raw(body) => p.b(b"AT").b(body.as_bytes()),
        };
        p.b(end.bytes());
        p
    }

    /// The length of the encoded command line, line end included (not the data of a data-form
    /// publish, which follows the prompt).
    pub fn encoded_len(&self, end: LineEnd) -> Result<usize, EncodeError> {
        self.validate()?;
        let mut buf = [0u8; 10];
        Ok(self
            .parts(end)
            .iter()
            .map(|part| match part {
                Part::Bytes(b) => b.len(),
                Part::Num(n) => digits(n, &mut buf).len(),
            })
            .sum())
    }

    /// Encodes the command line into `buf`, returning its length. Validates first: on any error
    /// nothing is written.
    pub fn encode(&self, buf: &mut [u8], end: LineEnd) -> Result<usize, EncodeError> {
        let needed = self.encoded_len(end)?;
        let out = buf
            .get_mut(..needed)
            .ok_or(EncodeError::BufferTooSmall { needed })?;
        let mut at = 0usize;
        let mut num = [0u8; 10];
        for part in self.parts(end).iter() {
            let bytes = match part {
                Part::Bytes(b) => b,
                Part::Num(n) => digits(n, &mut num),
            };
            let next = at.saturating_add(bytes.len());
            if let Some(dst) = out.get_mut(at..next) {
                dst.copy_from_slice(bytes);
            }
            at = next;
        }
        Ok(at)
    }

    /// Writes the command line to a blocking writer, piece by piece. Validates first: on an
    /// encoding error nothing is written. Does not flush.
    pub fn write<W: embedded_io::Write>(
        &self,
        w: &mut W,
        end: LineEnd,
    ) -> Result<(), WriteError<W::Error>> {
        self.validate().map_err(WriteError::Encode)?;
        let mut num = [0u8; 10];
        for part in self.parts(end).iter() {
            let bytes = match part {
                Part::Bytes(b) => b,
                Part::Num(n) => digits(n, &mut num),
            };
            w.write_all(bytes).map_err(WriteError::Io)?;
        }
        Ok(())
    }

    /// Writes the command line to an async writer, piece by piece. Validates first: on an
    /// encoding error nothing is written. Does not flush.
    ///
    /// If the future is dropped part way, part of the line may have been written.
    pub async fn write_async<W: embedded_io_async::Write>(
        &self,
        w: &mut W,
        end: LineEnd,
    ) -> Result<(), WriteError<W::Error>> {
        self.validate().map_err(WriteError::Encode)?;
        let parts = self.parts(end);
        for part in parts.iter() {
            let mut num = [0u8; 10];
            let bytes = match part {
                Part::Bytes(b) => b,
                Part::Num(n) => digits(n, &mut num),
            };
            w.write_all(bytes).await.map_err(WriteError::Io)?;
        }
        Ok(())
    }
}

/// Why writing a command to a writer failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum WriteError<E> {
    /// The command broke a limit; nothing was written.
    Encode(EncodeError),
    /// The writer failed.
    Io(E),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_formats_edges() {
        let mut b = [0u8; 10];
        assert_eq!(digits(0, &mut b), b"0");
        assert_eq!(digits(7, &mut b), b"7");
        assert_eq!(digits(65535, &mut b), b"65535");
        assert_eq!(digits(u32::MAX, &mut b), b"4294967295");
    }
}
