//! The TLS procedures, driven as a driver drives them, against a module played by a closure.
use super::*;
use crate::broker::Broker;
use crate::codec::line::Line;
use crate::codec::TlsParam;
use crate::config::Config;
use crate::proto::op::Op;
use crate::proto::procedure::{Do, Learned, Next, Procedure};
use crate::tls::{TlsSetup, Upload};
use crate::types::ClientId;

const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
const ERROR: Error = Error::Module(crate::ModuleError {
    command: None,
    code: None,
});

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
/// with `module(line)`: its outcome and answer. The lines sent, and the result; on success,
/// TLS is marked provisioned.
fn provision(
    setup: &TlsSetup<'_>,
    mut module: impl FnMut(&str) -> (Result<(), Error>, &'static [u8]),
) -> (heapless::Vec<Text, 8>, Result<(), Error>) {
    let mut sent = heapless::Vec::new();
    let mut x = Exchange::new(Config::default());
    let mut p = match Provisioning::new(setup) {
        Ok(p) => p,
        Err(e) => return (sent, Err(e)),
    };
    loop {
        let (outcome, learned) = match p.step() {
            Do::Send { line, op, parse } => {
                let text = written(line);
                let (outcome, answer) = module(&text);
                assert_eq!(op == Op::Collect, text == "AT+GTSSLFILE?", "{text}");
                sent.push(text).unwrap();
                let learned = match (outcome, parse) {
                    (Ok(()), Some(parse)) => parse(answer),
                    _ => Learned::Nothing,
                };
                (outcome.map(|()| true), learned)
            }
            Do::Skip => (Ok(true), Learned::Nothing),
        };
        match p.answered(outcome, &learned, &mut x) {
            Ok(Next::Continue) => {}
            Ok(Next::Done) => {
                assert_eq!(x.tls, Provisioned::Yes);
                return (sent, Ok(()));
            }
            Err(e) => {
                assert_eq!(x.tls, Provisioned::Never);
                return (sent, Err(e));
            }
        }
    }
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

/// Opens over TLS as a driver does, the open ending with `outcome`, then the module answering
/// each query with `module(line)` (`None`: no answer; `Some((ok, answer))`). The queries
/// asked, and what the open fails with once a query was asked (`None`: the outcome stood).
fn diagnose(
    outcome: Result<(), Error>,
    mut module: impl FnMut(&str) -> Option<(bool, &'static [u8])>,
) -> (heapless::Vec<Text, 4>, Option<Error>) {
    let mut asked = heapless::Vec::new();
    let mut x = Exchange::new(Config::default());
    let broker = Broker::new("example.com", 8883);
    let mut p = OpenTls::new(ClientId::One, &broker, TlsParam::default());
    loop {
        let (result, learned) = match p.step() {
            Do::Skip => (Ok(true), Learned::Nothing),
            Do::Send {
                op: Op::Async(..), ..
            } => (outcome.map(|()| true), Learned::Nothing),
            Do::Send { line, parse, .. } => {
                let text = written(line);
                let got = module(&text);
                asked.push(text).unwrap();
                match got {
                    None => (Err(Error::AnswerTimeout), Learned::Nothing),
                    Some((false, _)) => (Err(ERROR), Learned::Nothing),
                    Some((true, answer)) => {
                        (Ok(true), parse.map_or(Learned::Nothing, |f| f(answer)))
                    }
                }
            }
        };
        match p.answered(result, &learned, &mut x) {
            Ok(Next::Continue) => {}
            Ok(Next::Done) => return (asked, None),
            Err(e) if asked.is_empty() => {
                let _ = e;
                return (asked, None);
            }
            Err(e) => return (asked, Some(e)),
        }
    }
}

#[test]
fn an_open_after_a_restart_is_refused_with_nothing_sent() {
    let mut x = Exchange::new(Config::default());
    x.tls = Provisioned::Forgotten;
    let broker = Broker::new("example.com", 8883);
    let mut p = OpenTls::new(ClientId::One, &broker, TlsParam::default());
    assert!(matches!(p.step(), Do::Skip));
    assert_eq!(
        p.answered(Ok(true), &Learned::Nothing, &mut x),
        Err(Error::TlsLost)
    );
}

#[test]
fn failed_open_reasons() {
    let reason = |answer: &'static [u8]| {
        diagnose(Err(Error::Failed(crate::AtCommand::Open)), move |line| {
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
        (only_reason(), Some(Error::Failed(crate::AtCommand::Open)))
    );
    assert_eq!(
        reason(b"OK\r\n"),
        (only_reason(), Some(Error::Failed(crate::AtCommand::Open)))
    );
    // -11: the clock is asked, and not answered.
    let (asked, error) = reason(b"\r\n+GTSSLERR: -11\r\n\r\nOK\r\n");
    assert_eq!(strs(&asked).as_slice(), &["AT+GTSSLERR?", "AT+CCLK?"][..]);
    assert_eq!(
        error,
        Some(Error::Tls(TlsErrorReason::CaOrClock(ClockCheck::Unknown)))
    );
    // Not answered at all.
    assert_eq!(
        diagnose(Err(Error::Failed(crate::AtCommand::Open)), |_| None),
        (only_reason(), Some(Error::Failed(crate::AtCommand::Open)))
    );
    assert_eq!(
        diagnose(Err(Error::Failed(crate::AtCommand::Open)), |_| Some((
            false,
            b"\r\nERROR\r\n"
        ))),
        (only_reason(), Some(Error::Failed(crate::AtCommand::Open)))
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
        diagnose(
            Err(Error::Failed(crate::AtCommand::Open)),
            move |line| match line {
                "AT+GTSSLERR?" => Some((true, b"+GTSSLERR: -11\r\nOK\r\n")),
                _ => clock,
            },
        )
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
