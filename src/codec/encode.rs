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

/// In a [`Line`]'s template: the next number goes here.
const NUM: u8 = 0x01;
/// In a [`Line`]'s template: the next string goes here.
const STR: u8 = 0x02;

/// One command line: a template of literal bytes with a [`NUM`] or [`STR`] marker where each
/// argument goes, the arguments in order, and the line end.
struct Line<'a> {
    template: &'static [u8],
    nums: [u32; 4],
    strs: [&'a [u8]; 3],
    end: LineEnd,
}

/// The pieces of a [`Line`], in order: the literal runs of its template, its arguments, and the
/// line end.
struct Pieces<'a> {
    line: Line<'a>,
    /// Offset in the template; past its end once the line end has been given.
    at: usize,
    num: usize,
    str: usize,
}

impl<'a> Pieces<'a> {
    /// The next piece; a number is formatted into `buf`.
    #[inline(never)]
    fn next<'b>(&mut self, buf: &'b mut [u8; 10]) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        let rest = self.line.template.get(self.at..)?;
        let (piece, len): (&'b [u8], usize) = match rest.first() {
            None => (self.line.end.bytes(), 1),
            Some(&NUM) => {
                let n = self.line.nums.get(self.num).copied().unwrap_or(0);
                self.num = self.num.saturating_add(1);
                (digits(n, buf), 1)
            }
            Some(&STR) => {
                let s = self.line.strs.get(self.str).copied().unwrap_or(b"");
                self.str = self.str.saturating_add(1);
                (s, 1)
            }
            Some(_) => {
                let len = rest.iter().position(|&b| b <= STR).unwrap_or(rest.len());
                (rest.get(..len).unwrap_or(rest), len)
            }
        };
        self.at = self.at.saturating_add(len);
        Some(piece)
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

impl<'a> Command<'a> {
    /// The command's line, to be written piece by piece.
    #[inline(never)]
    fn pieces(&self, end: LineEnd) -> Pieces<'a> {
        let mut nums = [0u32; 4];
        let mut strs: [&'a [u8]; 3] = [b""; 3];
        let template: &'static [u8] = match *self {
            Command::At => b"AT",
            Command::Echo(on) => {
                nums[0] = u32::from(on);
                b"ATE\x01"
            }
            Command::Query(q) => match q {
                Query::Cpin => b"AT+CPIN?",
                Query::Csq => b"AT+CSQ",
                Query::Cops => b"AT+COPS?",
                Query::Creg => b"AT+CREG?",
                Query::Cgreg => b"AT+CGREG?",
                Query::Cereg => b"AT+CEREG?",
                Query::MipCall => b"AT+MIPCALL?",
                Query::Ati => b"ATI",
            },
            Command::MipCallUp { apn, credentials } => {
                strs[0] = apn.unwrap_or("").as_bytes();
                match credentials {
                    Some((user, pass)) => {
                        strs[1] = user.as_bytes();
                        strs[2] = pass.as_bytes();
                        b"AT+MIPCALL=1,\"\x02\",\"\x02\",\"\x02\""
                    }
                    None if apn.is_some() => b"AT+MIPCALL=1,\"\x02\"",
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
                    b"AT+MQTTUSER=\x01,\"\x02\",\"\x02\",\"\x02\""
                } else {
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
                b"AT+MQTTOPEN=\x01,\"\x02\",\x01,\x01,\x01"
            }
            Command::Close(id) => {
                nums[0] = id.number().into();
                b"AT+MQTTCLOSE=\x01"
            }
            Command::Subscribe { id, topic, qos } => {
                nums = [id.number().into(), qos.number().into(), 0, 0];
                strs[0] = topic.as_bytes();
                b"AT+MQTTSUB=\x01,\"\x02\",\x01"
            }
            Command::Unsubscribe { id, topic } => {
                nums[0] = id.number().into();
                strs[0] = topic.as_bytes();
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
                // The length is at most 1024 once validated.
                let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
                nums = [id.number().into(), qos.number().into(), retain.into(), len];
                strs = [topic.as_bytes(), payload, b""];
                if uses_data_form(payload, form) {
                    b"AT+MQTTPUB=\x01,\"\x02\",\x01,\x01,\x01"
                } else {
                    b"AT+MQTTPUB=\x01,\"\x02\",\x01,\x01,\"\x02\""
                }
            }
            Command::Conf(mode) => {
                nums[0] = mode as u32;
                b"AT+MQTTCONF=\x01"
            }
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
            } => {
                nums = [id.number().into(), qos.number().into(), retain.into(), 0];
                strs = [topic.as_bytes(), payload.as_bytes(), b""];
                b"AT+MQTTWILL=\x01,\"\x02\",\x01,\x01,\"\x02\""
            }
            Command::Mqtt(cmd, form) => {
                strs = [
                    cmd.name().as_bytes(),
                    match form {
                        Form::Read => b"?",
                        Form::Test => b"=?",
                    },
                    b"",
                ];
                b"AT\x02\x02"
            }
            Command::Raw(body) => {
                strs[0] = body.as_bytes();
                b"AT\x02"
            }
        };
        Pieces {
            line: Line {
                template,
                nums,
                strs,
                end,
            },
            at: 0,
            num: 0,
            str: 0,
        }
    }

    /// The length of the encoded command line, line end included (not the data of a data-form
    /// publish, which follows the prompt).
    pub fn encoded_len(&self, end: LineEnd) -> Result<usize, EncodeError> {
        self.validate()?;
        let mut buf = [0u8; 10];
        let mut pieces = self.pieces(end);
        let mut len = 0usize;
        while let Some(piece) = pieces.next(&mut buf) {
            len = len.saturating_add(piece.len());
        }
        Ok(len)
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
        let mut pieces = self.pieces(end);
        while let Some(bytes) = pieces.next(&mut num) {
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
        let mut pieces = self.pieces(end);
        while let Some(bytes) = pieces.next(&mut num) {
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
        self.write_checked_async(w, end)
            .await
            .map_err(WriteError::Io)
    }

    /// [`write_async`](Self::write_async) for a command already validated.
    pub(crate) async fn write_checked_async<W: embedded_io_async::Write>(
        &self,
        w: &mut W,
        end: LineEnd,
    ) -> Result<(), W::Error> {
        let mut num = [0u8; 10];
        let mut pieces = self.pieces(end);
        while let Some(bytes) = pieces.next(&mut num) {
            w.write_all(bytes).await?;
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
