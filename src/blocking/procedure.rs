//! Running the core's procedures (start-up, the data call): one loop for all of them, which
//! only sends what the procedure says and hands back what came of it.

use embedded_io::{Read, Write};

use super::Modem;
use crate::codec::Command;
use crate::error::Error;
use crate::proto::op::{Op, Reply};
use crate::proto::procedure::{Do, Learned, Next, Procedure};

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// Runs `p` to its end; what it learned is in the exchange.
    pub(crate) fn procedure(&mut self, p: &mut dyn Procedure) -> Result<(), Error> {
        loop {
            let mut learned = Learned::Nothing;
            let outcome = match p.step() {
                Do::Skip => Ok(true),
                Do::Discard(id) => {
                    let read = self.run(&Command::Read(id).line(), Op::Read(id), None);
                    if let Ok(Reply::Read(true)) = read {
                        let rx: &mut crate::proto::rx::RxBuf<[u8]> = &mut self.rx;
                        rx.release_message();
                    }
                    read.map(|r| r == Reply::Read(true))
                }
                Do::Send { line, op, parse } => {
                    let mut read = |answer: &[u8], ok: bool| {
                        if let (true, Some(parse)) = (ok, parse) {
                            learned = parse(answer);
                        }
                    };
                    self.run(&line, op, Some(&mut read)).map(|_| true)
                }
            };
            if p.answered(outcome, learned, &mut self.exchange)? == Next::Done {
                return Ok(());
            }
        }
    }
}
