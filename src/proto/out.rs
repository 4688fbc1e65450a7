//! The bytes of what the exchange says to write ([`Tx`]), chunk by chunk, so that both drivers
//! write every kind of output with one loop.

use super::exchange::Tx;
use crate::codec::encode::Pieces;
use crate::codec::line::Line;
use crate::codec::LineEnd;

/// NUL bytes, to end the data of an abandoned data command.
const ZEROS: [u8; 32] = [0; 32];

/// The chunks of one [`Tx`].
pub(crate) enum Chunks<'l, 'a> {
    /// The command line, piece by piece.
    Line(Pieces<'l, 'a>),
    /// Bytes written as they are (the data after the prompt, a line end); empty once given.
    Bytes(&'l [u8]),
    /// This many NUL bytes are left.
    Filler(u16),
}

impl<'l, 'a> Chunks<'l, 'a> {
    /// The bytes of `tx` for the operation whose command is `line`, ended by `end`.
    pub(crate) fn new(tx: Tx, line: &'l Line<'a>, end: LineEnd) -> Self {
        match tx {
            Tx::Line => Chunks::Line(line.pieces(end)),
            Tx::Data { from } => {
                let data = line.data().unwrap_or(&[]);
                Chunks::Bytes(data.get(usize::from(from)..).unwrap_or(&[]))
            }
            Tx::LineEnd => Chunks::Bytes(b"\r"),
            Tx::Filler(n) => Chunks::Filler(n),
        }
    }

    /// The next chunk; a number of the command line is formatted into `num`.
    pub(crate) fn next<'b>(&mut self, num: &'b mut [u8; 10]) -> Option<&'b [u8]>
    where
        'l: 'b,
        'a: 'b,
    {
        match self {
            Chunks::Line(pieces) => pieces.next(num),
            Chunks::Bytes(bytes) => {
                let chunk = core::mem::take(bytes);
                (!chunk.is_empty()).then_some(chunk)
            }
            Chunks::Filler(left) => {
                let n = (*left).min(ZEROS.len() as u16);
                *left = left.saturating_sub(n);
                (n > 0).then(|| ZEROS.get(..usize::from(n)).unwrap_or(&[]))
            }
        }
    }
}
