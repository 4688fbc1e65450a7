//! Running the core's procedures (start-up, the data call): the loop only sends what the
//! procedure says and hands back what came of it.

use embedded_io::{Read, Write};

use super::Modem;
use crate::error::Error;
use crate::proto::procedure::{Do, Learned, Next, Procedure};

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// Runs `p` to its end.
    pub(crate) fn procedure<Q: Procedure>(&mut self, mut p: Q) -> Result<Q::Output, Error> {
        loop {
            let mut learned = Learned::Nothing;
            let outcome = match p.step() {
                Do::Skip => Ok(true),
                Do::Discard(id) => self.read_message(id, |_| ()).map(|m| m.is_some()),
                Do::Send { command, op, parse } => {
                    let mut read = |answer: &[u8], ok: bool| {
                        if let (true, Some(parse)) = (ok, parse) {
                            learned = parse(answer);
                        }
                    };
                    self.run(&command.line(), op, Some(&mut read)).map(|_| true)
                }
            };
            if let Next::Done(out) = p.answered(outcome, learned, &mut self.exchange)? {
                return Ok(out);
            }
        }
    }
}
