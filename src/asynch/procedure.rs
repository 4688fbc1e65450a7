//! Running the core's procedures (start-up, the data call): one loop for all of them, which
//! only sends what the procedure says and hands back what came of it.

use embedded_io_async::Write;

use super::control::Control;
use crate::error::Error;
use crate::proto::op::Reply;
use crate::proto::procedure::{Do, Learned, Next, Procedure};

impl<W: Write> Control<'_, W> {
    /// Runs `p` to its end; what it learned is in the exchange.
    ///
    /// Cancel-safe as each of its commands is: dropped, the command under way is abandoned
    /// and its late answer absorbed; what the steps before did to the module stays done.
    pub(crate) async fn procedure(&self, p: &mut dyn Procedure) -> Result<(), Error> {
        loop {
            let mut learned = Learned::Nothing;
            let outcome = match p.step() {
                Do::Skip => Ok(true),
                Do::Send { line, op, parse } => {
                    // A read that found no message is `Ok(false)`.
                    let mut found = true;
                    let mut read = |answer: &[u8], reply: Option<Reply>| {
                        found = reply != Some(Reply::Read(false));
                        if let (Some(_), Some(parse)) = (reply, parse) {
                            learned = parse(answer);
                        }
                    };
                    let done = self.run(line, op, Some(&mut read)).await;
                    done.map(|()| found)
                }
            };
            if self.shared.with(|x| p.answered(outcome, &learned, x))? == Next::Done {
                return Ok(());
            }
        }
    }
}
