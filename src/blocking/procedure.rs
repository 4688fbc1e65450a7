//! Running the core's procedures (start-up, the data call): one loop for all of them, which
//! only sends what the procedure says and hands back what came of it.

use embedded_io::{Read, Write};

use super::Modem;
use crate::error::Error;
use crate::proto::op::Reply;
use crate::proto::procedure::{Do, Learned, Next, Procedure};

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// Runs `p` to its end; what it learned is in the exchange.
    pub(crate) fn procedure(&mut self, p: &mut dyn Procedure) -> Result<(), Error> {
        loop {
            let mut learned = Learned::Nothing;
            let outcome = match p.step() {
                Do::Skip => Ok(true),
                Do::Send { line, op, parse } => {
                    let mut read = |answer: &[u8], reply: Option<Reply>| {
                        if let (Some(_), Some(parse)) = (reply, parse) {
                            learned = parse(answer);
                        }
                    };
                    // A read that found no message is `Ok(false)`.
                    let reply = self.run(&line, op, Some(&mut read));
                    reply.map(|r| r != Reply::Read(false))
                }
            };
            if p.answered(outcome, &learned, &mut self.exchange)? == Next::Done {
                return Ok(());
            }
        }
    }
}
