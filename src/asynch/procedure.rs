//! Running the core's procedures (start-up, the data call): the loop only sends what the
//! procedure says and hands back what came of it.

use embedded_io_async::Write;

use super::control::Control;
use crate::error::Error;
use crate::proto::procedure::{Do, Learned, Next, Procedure};

impl<W: Write> Control<'_, W> {
    /// Runs `p` to its end.
    ///
    /// Cancel-safe as each of its commands is: dropped, the command under way is abandoned
    /// and its late answer absorbed; what the steps before did to the module stays done.
    pub(crate) async fn procedure<P: Procedure>(&self, mut p: P) -> Result<P::Output, Error> {
        loop {
            let mut learned = Learned::Nothing;
            let outcome = match p.step() {
                Do::Skip => Ok(true),
                Do::Discard(id) => self.read_message(id, |_| ()).await.map(|m| m.is_some()),
                Do::Send { command, op, parse } => {
                    let mut read = |answer: &[u8], ok: bool| {
                        if let (true, Some(parse)) = (ok, parse) {
                            learned = parse(answer);
                        }
                    };
                    self.run(&command.line(), op, Some(&mut read))
                        .await
                        .map(|_| true)
                }
            };
            if let Next::Done(out) = self.shared.with(|x| p.answered(outcome, learned, x))? {
                return Ok(out);
            }
        }
    }
}
