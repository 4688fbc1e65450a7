//! What the driver says went out: the command line, its data byte by byte, the bytes that end
//! an abandoned command.

use embassy_time::Instant;

use super::{after, Exchange, Owed, Phase, Tx};

impl Exchange {
    /// `tx` was written in full at time `now`.
    pub(crate) fn sent(&mut self, tx: Tx, now: Instant) {
        match tx {
            Tx::LineEnd => self.owed = Owed::Finals(1),
            Tx::Filler(_) => {
                crate::log::note("ended an abandoned data command with NUL bytes");
                self.owed = Owed::Finals(1);
                if let Some(cmd) = self.channel.as_mut() {
                    cmd.phase = Phase::Settling {
                        deadline: Some(after(now, self.config.answer_timeout)),
                        filled: true,
                    };
                }
            }
            Tx::Line => {
                let Some(cmd) = self.channel.as_mut() else {
                    return;
                };
                if let Phase::Line { prompted } = cmd.phase {
                    cmd.phase = match cmd.data {
                        Some(left) if prompted => Phase::Data { left },
                        Some(_) => Phase::Prompt {
                            deadline: after(now, self.config.prompt_timeout),
                        },
                        None => Phase::Final {
                            deadline: after(now, self.config.answer_timeout),
                        },
                    };
                }
                self.end_of_data(now);
            }
            Tx::Data { .. } => {}
        }
    }

    /// `n` more bytes of `tx` were written at time `now`: counted for the data, whose every
    /// byte matters if the operation is abandoned part way (the rest is owed).
    pub(crate) fn wrote(&mut self, tx: Tx, n: usize, now: Instant) {
        if let Tx::Data { .. } = tx {
            self.data_sent(n, now);
        }
    }

    /// `n` more bytes of the data were written at time `now`.
    fn data_sent(&mut self, n: usize, now: Instant) {
        if let Some(cmd) = self.channel.as_mut() {
            if let Phase::Data { left } = cmd.phase {
                let n = u16::try_from(n).unwrap_or(u16::MAX);
                cmd.phase = Phase::Data {
                    left: left.saturating_sub(n),
                };
            }
        }
        self.end_of_data(now);
    }

    /// All the data is out: the final result is awaited.
    fn end_of_data(&mut self, now: Instant) {
        let timeout = self.config.answer_timeout;
        if let Some(cmd) = self.channel.as_mut() {
            if cmd.phase == (Phase::Data { left: 0 }) {
                cmd.phase = Phase::Final {
                    deadline: after(now, timeout),
                };
            }
        }
    }
}
