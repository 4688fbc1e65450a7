//! Provisioning TLS: the settings and the files, only those the module lacks.

use super::{files_held, provisioned};
use crate::codec::line::Line;
use crate::codec::{Command, Form, TlsCommand, TlsFileKind};
use crate::error::Error;
use crate::proto::exchange::Exchange;
use crate::proto::op::Op;
use crate::proto::procedure::{Do, Learned, Next, Procedure};
use crate::tls::{TlsSetup, Upload};

/// Provisioning, one command at a time, as a [`Procedure`]: [`command`](Self::command) says
/// what to send (`None`: provisioning is over), and [`outcome`](Self::outcome) takes each
/// command's outcome. Once it is over, TLS is marked provisioned on the exchange.
///
/// The order: `AT+GTSSLFILE?` (only with [`Upload::IfMissing`] and at least one file given),
/// `AT+GTSSLVER`, `AT+GTSSLMODE` (both idempotent: sent every time), then one `AT+GTSSLFILE`
/// per file given (TRUSTFILE, CAFILE, KEYFILE), each skipped when the query said the module
/// holds a file of its kind. Every line is checked first (each file's length and PEM shape): a
/// bad one fails the whole provisioning before a byte is sent. Each line is built from its own
/// command, so that only the TLS commands' templates and checks are carried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Provisioning<'a> {
    /// `AT+GTSSLVER`, `AT+GTSSLMODE`, then the uploads of TRUSTFILE, CAFILE and KEYFILE
    /// (`None` for a file not given).
    lines: [Option<Line<'a>>; 5],
    /// Whether `AT+GTSSLFILE?` is asked first.
    ask: bool,
    /// How many files of each kind ([`TlsFileKind::ALL`]'s order) the module holds, as the
    /// query said; `None` when not known (not asked, answered `ERROR`, or not listed).
    held: [Option<u16>; 3],
    /// The next step to consider: 0 the query, 1-5 `lines[step - 1]`.
    at: u8,
}

/// The last step of provisioning.
const LAST: u8 = 5;

impl<'a> Provisioning<'a> {
    /// Provisioning `setup`, every line checked.
    pub(crate) fn new(setup: &TlsSetup<'a>) -> Result<Self, Error> {
        let file =
            |kind, file: Option<&'a [u8]>| file.map(|file| Command::TlsFile { kind, file }.line());
        let lines = [
            Some(Command::TlsVersion(setup.version).line()),
            Some(Command::TlsVerify(setup.verify).line()),
            file(TlsFileKind::Trust, setup.trust),
            file(TlsFileKind::ClientCert, setup.client_cert),
            file(TlsFileKind::ClientKey, setup.client_key),
        ];
        for line in lines.iter().flatten() {
            line.check()?;
        }
        let any_file =
            setup.trust.is_some() || setup.client_cert.is_some() || setup.client_key.is_some();
        Ok(Provisioning {
            lines,
            ask: any_file && setup.upload == Upload::IfMissing,
            held: [None; 3],
            at: 0,
        })
    }

    /// Whether step `step` is to be run.
    fn applies(&self, step: u8) -> bool {
        match step {
            0 => self.ask,
            1 | 2 => true,
            _ => {
                let line = self.lines.get(usize::from(step.saturating_sub(1)));
                let held = self.held.get(usize::from(step.saturating_sub(3)));
                let holds_one = held.copied().flatten().unwrap_or(0) > 0;
                line.is_some_and(Option::is_some) && !holds_one
            }
        }
    }

    /// The step to run now.
    fn current(&self) -> Option<u8> {
        (self.at..=LAST).find(|&step| self.applies(step))
    }

    /// The command to send now and its operation; `None` when provisioning is over.
    pub(crate) fn command(&self) -> Option<(Line<'a>, Op)> {
        match self.current()? {
            0 => Some((
                Command::Tls(TlsCommand::File, Form::Read).line(),
                Op::Collect,
            )),
            step => {
                let line = self.lines.get(usize::from(step.saturating_sub(1)))?;
                line.map(|line| (line, Op::Simple))
            }
        }
    }

    /// The outcome of [`command`](Self::command): an error ends provisioning with it, but for
    /// the query's `ERROR`, after which every file given is uploaded.
    fn outcome(&mut self, outcome: Result<(), Error>) -> Result<(), Error> {
        let Some(step) = self.current() else {
            return outcome;
        };
        self.at = step.saturating_add(1);
        match (step, outcome) {
            (0, Err(Error::Module(_))) => {
                crate::log::state(
                    "AT+GTSSLFILE? refused: which TLS files the module holds is not known; \
                     every file given is uploaded",
                );
                Ok(())
            }
            (0, Ok(())) => {
                let given = self.lines.iter().skip(2).map(Option::is_some);
                if given
                    .zip(self.held)
                    .any(|(given, n)| given && n.unwrap_or(0) > 0)
                {
                    crate::log::state(
                        "the module holds TLS files from before: those kinds are not uploaded \
                         again (restart the module to replace them)",
                    );
                }
                Ok(())
            }
            (_, outcome) => outcome,
        }
    }
}

/// [`Parse`](crate::proto::procedure::Parse) for `AT+GTSSLFILE?`.
fn held(answer: &[u8]) -> Learned {
    Learned::TlsFiles(files_held(answer))
}

impl Procedure for Provisioning<'_> {
    fn step(&self) -> Do<'_> {
        match self.command() {
            Some((line, op)) => Do::Send {
                line,
                op,
                parse: (op == Op::Collect).then_some(held as fn(&[u8]) -> Learned),
            },
            None => Do::Skip,
        }
    }

    fn answered(
        &mut self,
        outcome: Result<bool, Error>,
        learned: &Learned,
        x: &mut Exchange,
    ) -> Result<Next, Error> {
        if let Learned::TlsFiles(held) = learned {
            self.held = *held;
        }
        if self.current().is_some() {
            self.outcome(outcome.map(|_| ()))?;
        }
        if self.current().is_some() {
            return Ok(Next::Continue);
        }
        provisioned(x);
        Ok(Next::Done)
    }
}
