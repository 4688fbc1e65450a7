//! Encoding commands: into a caller's buffer, or piece by piece into a blocking or async writer,
//! never needing a buffer as large as the whole command.

use super::command::Command;
use super::line::{Line, NUM, STR};
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

/// The pieces of a [`Line`], in order: the literal runs of its template, its arguments, and the
/// line end.
pub(crate) struct Pieces<'l, 'a> {
    line: &'l Line<'a>,
    end: LineEnd,
    /// Offset in the template; past its end once the line end has been given.
    at: usize,
    num: usize,
    str: usize,
}

impl<'a> Pieces<'_, 'a> {
    /// The next piece; a number is formatted into `buf`.
    #[inline(never)]
    pub(crate) fn next<'b>(&mut self, buf: &'b mut [u8; 10]) -> Option<&'b [u8]>
    where
        'a: 'b,
    {
        let rest = self.line.template.get(self.at..)?;
        let (piece, len): (&'b [u8], usize) = match rest.first() {
            None => (self.end.bytes(), 1),
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

impl<'a> Line<'a> {
    /// The line's pieces, in order, `end` last.
    pub(crate) fn pieces(&self, end: LineEnd) -> Pieces<'_, 'a> {
        Pieces {
            line: self,
            end,
            at: 0,
            num: 0,
            str: 0,
        }
    }

    /// Writes the line (validated by the caller) to an async writer, piece by piece. Does not
    /// flush; if the future is dropped part way, part of the line may have been written.
    pub(crate) async fn write_async<W: embedded_io_async::Write>(
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

    /// Writes the line (validated by the caller) to a blocking writer, piece by piece. Does not
    /// flush.
    pub(crate) fn write<W: embedded_io::Write>(
        &self,
        w: &mut W,
        end: LineEnd,
    ) -> Result<(), W::Error> {
        let mut num = [0u8; 10];
        let mut pieces = self.pieces(end);
        while let Some(bytes) = pieces.next(&mut num) {
            w.write_all(bytes)?;
        }
        Ok(())
    }
}

impl<'a> Command<'a> {
    /// The length of the encoded command line, line end included (not the data of a data-form
    /// publish, which follows the prompt).
    pub fn encoded_len(&self, end: LineEnd) -> Result<usize, EncodeError> {
        let line = self.line();
        line.check()?;
        let mut buf = [0u8; 10];
        let mut pieces = line.pieces(end);
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
        let line = self.line();
        let mut pieces = line.pieces(end);
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
        let line = self.line();
        line.check().map_err(WriteError::Encode)?;
        line.write(w, end).map_err(WriteError::Io)
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
        let line = self.line();
        line.check().map_err(WriteError::Encode)?;
        line.write_async(w, end).await.map_err(WriteError::Io)
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
