//! MQTT over TLS, sans-IO: what provisioning sends and in which order, the check of every file
//! before the first byte goes out, and what a failed TLS open means. Only the drivers' TLS
//! calls use this, so that a firmware without TLS carries none of it.

use crate::broker::Broker;
use crate::codec::line::Line;
use crate::codec::parse::{parse_core, refine_tls};
use crate::codec::{
    ClockCheck, Command, Form, Item, Parsed, Query, TlsCommand, TlsErrorReason, TlsFileKind,
    TlsParam,
};
use crate::error::{Error, Failure};
use crate::proto::exchange::Exchange;
use crate::proto::op::Op;
use crate::tls::{TlsSetup, Upload};
use crate::types::ClientId;

/// Provisioning, one command at a time, as both drivers run it: [`command`](Self::command)
/// says what to send (`None`: provisioning is over), [`read`](Self::read) takes a query's
/// answer, and [`answered`](Self::answered) each command's outcome.
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

    /// The answer of the command sent (read only for the query), and whether it was `OK`.
    pub(crate) fn read(&mut self, answer: &[u8], ok: bool) {
        if ok && self.current() == Some(0) {
            self.held = files_held(answer);
        }
    }

    /// The outcome of [`command`](Self::command): an error ends provisioning with it, but for
    /// the query's `ERROR`, after which every file given is uploaded.
    pub(crate) fn answered(&mut self, outcome: Result<(), Error>) -> Result<(), Error> {
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

/// How many files of each kind ([`TlsFileKind::ALL`]'s order) the answer of `AT+GTSSLFILE?`
/// lists; `None` for a kind it does not list (or lists in a line that does not parse).
fn files_held(answer: &[u8]) -> [Option<u16>; 3] {
    let mut held = [None; 3];
    each_item(answer, &mut |item| {
        if let Item::TlsFiles { kind, count } = item {
            let at = TlsFileKind::ALL.iter().position(|&k| k == kind);
            if let Some(slot) = at.and_then(|at| held.get_mut(at)) {
                *slot = Some(count);
            }
        }
    });
    held
}

/// Each item of a collected answer, its TLS and `+CCLK:` lines parsed, to `f`. One function
/// for every answer the TLS calls read, so that its loop is compiled once.
#[inline(never)]
fn each_item(answer: &[u8], f: &mut dyn FnMut(Item<'_>)) {
    let mut rest = answer;
    while let Parsed::Item(item, n) = parse_core(rest) {
        rest = rest.get(n..).unwrap_or(&[]);
        f(match item {
            Item::Line(line) => refine_tls(line),
            item => item,
        });
    }
}

/// Whether the TLS a driver provisioned still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Provisioned {
    /// This driver never provisioned TLS (the module may have been, by an earlier program).
    #[default]
    Never,
    /// Provisioned, and the module has not restarted since.
    Yes,
    /// Provisioned, then the module restarted: it forgot.
    Forgotten,
}

/// Provisioning succeeded on exchange `x`: TLS holds until the module restarts.
pub(crate) fn provisioned(x: &mut Exchange) {
    x.tls = Provisioned::Yes;
}

/// Whether an open over TLS may go out on exchange `x`: not when the module restarted since
/// TLS was provisioned ([`Error::TlsLost`]). Never provisioned through this driver, it may go:
/// the module may have been provisioned before the driver started.
pub(crate) fn may_open(x: &Exchange) -> Result<(), Error> {
    match x.tls {
        Provisioned::Forgotten => Err(Error::TlsLost),
        Provisioned::Never | Provisioned::Yes => Ok(()),
    }
}

/// `AT+MQTTOPEN` over TLS for client `id` to `broker`.
pub(crate) fn open<'a>(id: ClientId, broker: &Broker<'a>, tls: TlsParam) -> Line<'a> {
    Command::OpenTls {
        id,
        host: broker.host,
        port: broker.port,
        clean_session: broker.clean_session,
        keepalive: broker.keepalive,
        tls,
    }
    .line()
}

/// Why a TLS open failed, asked one query at a time after the module reported failure
/// (`+MQTTOPEN: <id>,0`), as both drivers run it: [`query`](Self::query) says what to ask
/// (`None`: nothing more), [`read`](Self::read) takes its answer, [`asked`](Self::asked) says it
/// is over (answered or not), and [`error`](Self::error) is what the open fails with.
///
/// First `AT+GTSSLERR?`; when it says `-11` (the CA or the module's clock), then `AT+CCLK?`, so
/// that the error says whether the clock is plausible. Each is asked once: a query the module
/// refuses or leaves unanswered leaves what is known (no retry).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Diagnosis {
    error: Error,
    ask: Ask,
}

/// What a [`Diagnosis`] asks next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ask {
    /// `AT+GTSSLERR?`
    Reason,
    /// `AT+CCLK?`
    Clock,
    /// Nothing.
    Done,
}

impl Diagnosis {
    /// After a TLS open ended with `outcome`: the questions to ask when the module reported
    /// failure; `None` when the outcome stands as it is.
    pub(crate) fn after(outcome: &Result<(), Error>) -> Option<Self> {
        matches!(outcome, Err(Error::Failed)).then_some(Diagnosis {
            error: Error::Failed,
            ask: Ask::Reason,
        })
    }

    /// The query to ask now, as a collecting command ([`Op::Collect`]).
    pub(crate) fn query(&self) -> Option<Line<'static>> {
        match self.ask {
            Ask::Reason => Some(Command::Tls(TlsCommand::Error, Form::Read).line()),
            Ask::Clock => Some(Command::Query(Query::Clock).line()),
            Ask::Done => None,
        }
    }

    /// The answer of [`query`](Self::query), and whether it was `OK`.
    pub(crate) fn read(&mut self, answer: &[u8], ok: bool) {
        if !ok {
            return;
        }
        match (self.ask, self.error) {
            (Ask::Reason, _) => self.error = failed_open(Some(answer)),
            (Ask::Clock, Error::Tls(TlsErrorReason::CaOrClock(_))) => {
                self.error = Error::Tls(TlsErrorReason::CaOrClock(clock(answer)));
            }
            _ => {}
        }
    }

    /// [`query`](Self::query) is over, answered or not: on to the next.
    pub(crate) fn asked(&mut self) {
        self.ask = match (self.ask, self.error) {
            (Ask::Reason, Error::Tls(TlsErrorReason::CaOrClock(_))) => Ask::Clock,
            _ => Ask::Done,
        };
    }

    /// What the open fails with, from what was learned so far.
    pub(crate) fn error(&self) -> Error {
        self.error
    }
}

/// What a failed TLS open fails with, from the answer to `AT+GTSSLERR?` (`None` if it was not
/// answered): [`Error::Tls`] with the reason the code gives (the clock not read yet), or
/// [`Error::Failed`] when the module gives none, or code 0 (no TLS failure: the connection
/// itself failed; check the host and the port).
fn failed_open(answer: Option<&[u8]>) -> Error {
    let mut reason = None;
    each_item(answer.unwrap_or(&[]), &mut |item| {
        if let (None, Item::TlsError(r)) = (reason, item) {
            reason = Some(r);
        }
    });
    match reason {
        None | Some(TlsErrorReason::Other(0)) => Error::Failed,
        Some(reason) => Error::Tls(reason),
    }
}

/// What the answer to `AT+CCLK?` says of the module's clock: [`ClockCheck::Unknown`] without a
/// `+CCLK:` line that parses.
fn clock(answer: &[u8]) -> ClockCheck {
    let mut time = None;
    each_item(answer, &mut |item| {
        if let (None, Item::Clock(t)) = (time, item) {
            time = Some(t);
        }
    });
    ClockCheck::from_time(time)
}

/// The last failure to keep after a TLS open failed with `error`: the open's own (`opened`,
/// its `AT+MQTTOPEN`), with `error`, whatever became of the `AT+GTSSLERR?` asked after it.
pub(crate) fn open_failure(opened: Option<Failure>, error: Error) -> Option<Failure> {
    opened.map(|mut f| {
        f.error = error;
        f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
    const ERROR: Error = Error::Module(crate::ModuleError { code: None });

    type Text = heapless::String<64>;

    fn written(line: Line<'_>) -> Text {
        let mut buf = [0u8; 64];
        let mut out = &mut buf[..];
        line.write(&mut out, crate::codec::LineEnd::Cr).unwrap();
        let left = out.len();
        let text = core::str::from_utf8(&buf[..64 - left]).unwrap();
        Text::try_from(text.trim_end_matches('\r')).unwrap()
    }

    fn strs<const N: usize>(texts: &heapless::Vec<Text, N>) -> heapless::Vec<&str, N> {
        texts.iter().map(|t| t.as_str()).collect()
    }

    /// Runs provisioning of `setup` as a driver does, the module answering each command line
    /// with `module(line)`: its outcome and answer. The lines sent, and the result.
    fn provision(
        setup: &TlsSetup<'_>,
        mut module: impl FnMut(&str) -> (Result<(), Error>, &'static [u8]),
    ) -> (heapless::Vec<Text, 8>, Result<(), Error>) {
        let mut sent = heapless::Vec::new();
        let mut p = match Provisioning::new(setup) {
            Ok(p) => p,
            Err(e) => return (sent, Err(e)),
        };
        while let Some((line, op)) = p.command() {
            let text = written(line);
            let (outcome, answer) = module(&text);
            assert_eq!(op == Op::Collect, text == "AT+GTSSLFILE?", "{text}");
            sent.push(text).unwrap();
            p.read(answer, outcome.is_ok());
            if let Err(e) = p.answered(outcome) {
                return (sent, Err(e));
            }
        }
        (sent, Ok(()))
    }

    /// A module holding `held` (the answer of `AT+GTSSLFILE?`) that accepts every command.
    fn holding(held: &'static [u8]) -> impl FnMut(&str) -> (Result<(), Error>, &'static [u8]) {
        move |line| match line {
            "AT+GTSSLFILE?" => (Ok(()), held),
            _ => (Ok(()), b""),
        }
    }

    const NONE_HELD: &[u8] =
        b"\r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n";
    const TRUST_HELD: &[u8] =
        b"\r\n+GTSSLFILE: TRUSTFILE,2\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n";
    const ALL_HELD: &[u8] =
        b"\r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,1\r\n+GTSSLFILE: KEYFILE,1\r\n\r\nOK\r\n";

    #[test]
    fn provisioning_uploads_what_is_missing() {
        let mutual = TlsSetup::new().trust(CERT).client(CERT, KEY);
        let all = [
            "AT+GTSSLFILE?",
            "AT+GTSSLVER=4",
            "AT+GTSSLMODE=1",
            "AT+GTSSLFILE=\"TRUSTFILE\",59",
            "AT+GTSSLFILE=\"CAFILE\",59",
            "AT+GTSSLFILE=\"KEYFILE\",59",
        ];
        let (sent, r) = provision(&mutual, holding(NONE_HELD));
        assert_eq!((strs(&sent).as_slice(), r), (&all[..], Ok(())));
        // Two CAs from earlier runs: the CA is not uploaded a third time.
        let (sent, r) = provision(&mutual, holding(TRUST_HELD));
        let expected = [all[0], all[1], all[2], all[4], all[5]];
        assert_eq!((strs(&sent).as_slice(), r), (&expected[..], Ok(())));
        let (sent, r) = provision(&mutual, holding(ALL_HELD));
        assert_eq!((strs(&sent).as_slice(), r), (&all[..3][..], Ok(())));
        // A kind the answer does not list, or lists garbled, is not known: uploaded.
        let (sent, _) = provision(
            &mutual,
            holding(b"+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,x\r\nOK\r\n"),
        );
        assert_eq!(strs(&sent).as_slice(), &expected[..]);
        // The query refused: every file uploaded, the query not asked again.
        let (sent, r) = provision(&mutual, |line| match line {
            "AT+GTSSLFILE?" => (Err(ERROR), b"\r\nERROR\r\n"),
            _ => (Ok(()), b""),
        });
        assert_eq!((strs(&sent).as_slice(), r), (&all[..], Ok(())));
        // Any other failure of the query ends provisioning.
        let (sent, r) = provision(&mutual, |_| (Err(Error::AnswerTimeout), b""));
        assert_eq!(
            (strs(&sent).as_slice(), r),
            (&all[..1][..], Err(Error::AnswerTimeout))
        );
        // Always: no query, every file.
        let always = mutual.upload(Upload::Always);
        let (sent, r) = provision(&always, holding(ALL_HELD));
        assert_eq!((strs(&sent).as_slice(), r), (&all[1..][..], Ok(())));
        // No file given: no query.
        let none = TlsSetup::new().verify(false);
        let (sent, r) = provision(&none, holding(ALL_HELD));
        let expected = ["AT+GTSSLVER=4", "AT+GTSSLMODE=0"];
        assert_eq!((strs(&sent).as_slice(), r), (&expected[..], Ok(())));
        // A refused command stops provisioning with its error.
        let (sent, r) = provision(&mutual, |line| match line {
            "AT+GTSSLMODE=1" => (Err(ERROR), b""),
            _ => (Ok(()), NONE_HELD),
        });
        assert_eq!((strs(&sent).as_slice(), r), (&all[..3][..], Err(ERROR)));
    }

    #[test]
    fn provisioning_checks_every_file_first() {
        // A key given as the client certificate: refused as a whole, nothing sent.
        let bad = TlsSetup::new().trust(CERT).client(KEY, KEY);
        let (sent, r) = provision(&bad, |_| panic!("sent"));
        assert!(sent.is_empty());
        assert!(matches!(r, Err(Error::Invalid(_))));
    }

    /// Runs the diagnosis of a failed open, the module answering with `module(line)`.
    fn diagnose(
        outcome: Result<(), Error>,
        mut module: impl FnMut(&str) -> Option<(bool, &'static [u8])>,
    ) -> (heapless::Vec<Text, 4>, Option<Error>) {
        let mut asked = heapless::Vec::new();
        let Some(mut why) = Diagnosis::after(&outcome) else {
            return (asked, None);
        };
        while let Some(query) = why.query() {
            let text = written(query);
            if let Some((ok, answer)) = module(&text) {
                why.read(answer, ok);
            }
            asked.push(text).unwrap();
            why.asked();
        }
        (asked, Some(why.error()))
    }

    #[test]
    fn failed_open_reasons() {
        let reason = |answer: &'static [u8]| {
            diagnose(Err(Error::Failed), move |line| {
                (line == "AT+GTSSLERR?").then_some((true, answer))
            })
        };
        let mut only_reason = heapless::Vec::<Text, 4>::new();
        only_reason
            .push(Text::try_from("AT+GTSSLERR?").unwrap())
            .unwrap();
        let only_reason = || only_reason.clone();
        assert_eq!(
            reason(b"AT+GTSSLERR?\r\r\n+GTSSLERR: -8\r\n"),
            (
                only_reason(),
                Some(Error::Tls(TlsErrorReason::Handshake(-8)))
            )
        );
        assert_eq!(
            reason(b"+GTSSLERR: 0\r\nOK\r\n"),
            (only_reason(), Some(Error::Failed))
        );
        assert_eq!(reason(b"OK\r\n"), (only_reason(), Some(Error::Failed)));
        // -11: the clock is asked, and not answered.
        let (asked, error) = reason(b"\r\n+GTSSLERR: -11\r\n\r\nOK\r\n");
        assert_eq!(strs(&asked).as_slice(), &["AT+GTSSLERR?", "AT+CCLK?"][..]);
        assert_eq!(
            error,
            Some(Error::Tls(TlsErrorReason::CaOrClock(ClockCheck::Unknown)))
        );
        // Not answered at all.
        assert_eq!(
            diagnose(Err(Error::Failed), |_| None),
            (only_reason(), Some(Error::Failed))
        );
        assert_eq!(
            diagnose(Err(Error::Failed), |_| Some((false, b"\r\nERROR\r\n"))),
            (only_reason(), Some(Error::Failed))
        );
        // Outcomes that stand as they are.
        assert_eq!(diagnose(Ok(()), |_| panic!("asked")).1, None);
        assert_eq!(
            diagnose(Err(Error::ResultTimeout), |_| panic!("asked")).1,
            None
        );
    }

    #[test]
    fn the_clock_after_a_failed_ca_check() {
        let with_clock = |clock: Option<(bool, &'static [u8])>| {
            diagnose(Err(Error::Failed), move |line| match line {
                "AT+GTSSLERR?" => Some((true, b"+GTSSLERR: -11\r\nOK\r\n")),
                _ => clock,
            })
            .1
        };
        let ca_or_clock = |c| Some(Error::Tls(TlsErrorReason::CaOrClock(c)));
        assert_eq!(
            with_clock(Some((
                true,
                b"\r\n+CCLK: \"25/12/05,09:48:45+32\"\r\n\r\nOK\r\n"
            ))),
            ca_or_clock(ClockCheck::Plausible)
        );
        assert_eq!(
            with_clock(Some((
                true,
                b"\r\n+CCLK: \"80/01/06,00:00:19+00\"\r\n\r\nOK\r\n"
            ))),
            ca_or_clock(ClockCheck::Implausible { year: 1980 })
        );
        assert_eq!(
            with_clock(Some((true, b"+CCLK: \"00/01/01,00:00:00\"\r\nOK\r\n"))),
            ca_or_clock(ClockCheck::Implausible { year: 2000 })
        );
        assert_eq!(
            with_clock(Some((false, b"\r\nERROR\r\n"))),
            ca_or_clock(ClockCheck::Unknown)
        );
        assert_eq!(
            with_clock(Some((true, b"+CCLK: \"garbled\"\r\nOK\r\n"))),
            ca_or_clock(ClockCheck::Unknown)
        );
        assert_eq!(with_clock(None), ca_or_clock(ClockCheck::Unknown));
    }
}
