//! Start-up's decisions, fed outcomes and answers directly.

use super::*;
use crate::codec::{Item, LineEnd, MipCall, Parsed};
use crate::error::ModuleError;
use crate::event::Event;
use crate::proto::exchange::Tx;
use crate::proto::op::Op;
use crate::proto::out::Chunks;

const ONE: ClientId = ClientId::One;
const TWO: ClientId = ClientId::Two;
const REFUSED: Result<bool, Error> = Err(Error::Module(ModuleError {
    command: None,
    code: None,
}));

/// What the step sends, as text: the command line, or `discard <id>` for a read whose message
/// is dropped.
fn step(s: &Startup) -> String {
    match s.step() {
        Do::Send {
            op: Op::Discard(id),
            ..
        } => format!("discard {}", id.number()),
        Do::Send { line, .. } => {
            let (mut out, mut num) = (Vec::new(), [0u8; 10]);
            let mut chunks = Chunks::new(Tx::Line, &line, LineEnd::Cr);
            while let Some(chunk) = chunks.next(&mut num) {
                out.extend_from_slice(chunk);
            }
            String::from_utf8_lossy(&out).trim_end().to_string()
        }
        Do::Skip => "skip".into(),
    }
}

/// Takes `answer`, the lines a query's answer brought, as the exchange takes them when they
/// come (`Exchange::handle`): the data call's `+MIPCALL:` line and the lists of clients. Start-up
/// reads what its queries learned from the exchange.
fn take_answer(x: &mut Exchange, answer: &[u8]) {
    let mut rest = answer;
    while let Parsed::Item(item, n) = crate::codec::parse::parse_core(rest) {
        match item {
            Item::MipCall(MipCall::Up(ip)) => x.learn_call(Some(ip)),
            Item::MipCall(MipCall::Down) => x.learn_call(None),
            Item::FreeClients { clients, .. } => x.list_clients(clients),
            _ => {}
        }
        rest = rest.get(n..).unwrap_or(&[]);
    }
}

/// Runs start-up against a script of (expected step, outcome, answer) and returns its end.
fn run(
    config: Config,
    x: &mut Exchange,
    script: &[(&str, Result<bool, Error>, &[u8])],
) -> Result<Next, Error> {
    let mut s = Startup::new(&config);
    let mut last = Ok(Next::Continue);
    for (i, (expected, outcome, answer)) in script.iter().enumerate() {
        assert_eq!(last, Ok(Next::Continue), "start-up ended before step {i}");
        assert_eq!(step(&s), *expected, "step {i}");
        // Cleared when an operation starts.
        x.listed = None;
        if outcome.is_ok() {
            take_answer(x, answer);
        }
        last = s.answered(*outcome, &Learned::Nothing, x);
    }
    last
}

fn events(x: &mut Exchange) -> Vec<String> {
    core::iter::from_fn(|| x.events.take())
        .map(|t| format!("{:?}", t.event()))
        .collect()
}

const FRESH: &[(&str, Result<bool, Error>, &[u8])] = &[
    ("AT", Ok(true), b""),
    ("ATE0", Ok(true), b""),
    ("AT+MQTTCONF=1", Ok(true), b""),
    ("AT+MIPCALL?", Ok(true), b"\r\n+MIPCALL: 0\r\n"),
    ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 0\r\n"),
];

#[test]
fn a_module_just_powered_on_takes_five_commands() {
    let mut x = Exchange::new(Config::default());
    assert_eq!(run(Config::default(), &mut x, FRESH), Ok(Next::Done));
    assert_eq!(x.receive_mode, Some(ReceiveMode::Buffered));
    assert_eq!(x.call_up, Some(false));
    assert_eq!(x.state(ONE), ConnState::Closed);
    assert!(events(&mut x).is_empty());
}

#[test]
fn old_firmware_without_mqttconf_goes_on_in_mode_0() {
    let mut x = Exchange::new(Config::default());
    let script: &[(&str, Result<bool, Error>, &[u8])] = &[
        ("AT", Ok(true), b""),
        ("ATE0", Ok(true), b""),
        ("AT+MQTTCONF=1", REFUSED, b""),
        ("AT+MIPCALL?", Ok(true), b"\r\n+MIPCALL: 0\r\n"),
        ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 0\r\n"),
    ];
    assert_eq!(run(Config::default(), &mut x, script), Ok(Next::Done));
    assert_eq!(x.receive_mode, Some(ReceiveMode::Direct));
}

#[test]
fn start_up_gives_up_after_its_probes() {
    let config = Config::default().probe_attempts(2);
    let mut x = Exchange::new(config);
    let mut s = Startup::new(&config);
    let timeout = Err(Error::AnswerTimeout);
    assert_eq!(
        s.answered(timeout, &Learned::Nothing, &mut x),
        Ok(Next::Continue)
    );
    assert_eq!(
        x.owed,
        super::super::channel::Owed::Nothing,
        "a lost probe owes nothing"
    );
    assert_eq!(step(&s), "AT");
    assert_eq!(
        s.answered(timeout, &Learned::Nothing, &mut x),
        Err(Error::AnswerTimeout)
    );
}

#[test]
fn a_call_up_from_before_is_learned_with_its_address() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[3] = (
        "AT+MIPCALL?",
        Ok(true),
        b"\r\n+MIPCALL: 1,\"10.2.83.148\"\r\n",
    );
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
    assert_eq!(x.call_up, Some(true));
    assert_eq!(&x.ip[..], b"10.2.83.148");
}

#[test]
fn a_client_left_connected_is_drained_then_closed_and_its_messages_counted() {
    let mut x = Exchange::new(Config::default());
    let script: &[(&str, Result<bool, Error>, &[u8])] = &[
        ("AT", Ok(true), b""),
        ("ATE0", Ok(true), b""),
        ("AT+MQTTCONF=1", Ok(true), b""),
        ("AT+MIPCALL?", Ok(true), b"\r\n+MIPCALL: 1,10.0.0.1\r\n"),
        ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1\r\n"),
        ("discard 1", Ok(true), b""),
        ("discard 1", Ok(true), b""),
        ("discard 1", Ok(false), b""),
        ("AT+MQTTCLOSE=1", Ok(true), b""),
    ];
    assert!(matches!(
        run(Config::default(), &mut x, script),
        Ok(Next::Done)
    ));
    assert_eq!(
        events(&mut x),
        [format!(
            "{:?}",
            Event::Discarded {
                client: ONE,
                messages: 2
            }
        )]
    );
}

#[test]
fn in_mode_0_a_left_over_client_is_closed_without_reading() {
    let mut x = Exchange::new(Config::default());
    let script: &[(&str, Result<bool, Error>, &[u8])] = &[
        ("AT", Ok(true), b""),
        ("ATE0", Ok(true), b""),
        ("AT+MQTTCONF=1", REFUSED, b""),
        ("AT+MIPCALL?", Ok(true), b"\r\n+MIPCALL: 0\r\n"),
        ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1,2\r\n"),
        ("AT+MQTTCLOSE=1", Ok(true), b""),
        ("AT+MQTTCLOSE=2", Ok(true), b""),
    ];
    assert_eq!(run(Config::default(), &mut x, script), Ok(Next::Done));
    assert!(
        events(&mut x).is_empty(),
        "nothing was read, nothing to report"
    );
}

#[test]
fn draining_is_bounded() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[4] = ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 2\r\n");
    script.extend((0..DRAIN_LIMIT).map(|_| ("discard 2", Ok(true), &b""[..])));
    script.push(("AT+MQTTCLOSE=2", Ok(true), b""));
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
    assert_eq!(
        events(&mut x),
        [format!(
            "{:?}",
            Event::Discarded {
                client: TWO,
                messages: DRAIN_LIMIT
            }
        )]
    );
}

#[test]
fn a_client_closed_meanwhile_counts_as_closed() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[2] = ("AT+MQTTCONF=1", REFUSED, b"");
    script[4] = ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1\r\n");
    let closed = Err(Error::WrongState {
        client: ONE,
        state: ConnState::Closed,
    });
    script.push(("AT+MQTTCLOSE=1", closed, b""));
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
}

#[test]
fn a_failed_close_fails_start_up() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[2] = ("AT+MQTTCONF=1", REFUSED, b"");
    script[4] = ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1\r\n");
    script.push((
        "AT+MQTTCLOSE=1",
        Err(Error::Failed(crate::AtCommand::Close)),
        b"",
    ));
    assert_eq!(
        run(Config::default(), &mut x, &script),
        Err(Error::Failed(crate::AtCommand::Close))
    );
}

#[test]
fn firmware_without_mqttclose_query_is_asked_mqttopen_once() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[2] = ("AT+MQTTCONF=1", REFUSED, b"");
    script[4] = ("AT+MQTTCLOSE?", REFUSED, b"");
    script.push(("AT+MQTTOPEN?", Ok(true), b"\r\n+MQTTOPEN: 2\r\n"));
    script.push(("AT+MQTTCLOSE=1", Ok(true), b""));
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
}

#[test]
fn without_any_client_query_every_client_is_closed_blindly() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[2] = ("AT+MQTTCONF=1", REFUSED, b"");
    script[4] = ("AT+MQTTCLOSE?", REFUSED, b"");
    script.push(("AT+MQTTOPEN?", REFUSED, b""));
    // Client 1 was connected; client 2 was not, and the module says so with ERROR.
    script.push(("AT+MQTTCLOSE=1", Ok(true), b""));
    script.push(("AT+MQTTCLOSE=2", REFUSED, b""));
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
    assert_eq!(x.state(TWO), ConnState::Closed);
}

#[test]
fn queries_this_firmware_refuses_are_not_asked_again() {
    let config = Config::default().leftover(Leftover::Keep);
    let mut x = Exchange::new(config);
    let script: &[(&str, Result<bool, Error>, &[u8])] = &[
        ("AT", Ok(true), b""),
        ("ATE0", Ok(true), b""),
        ("AT+MQTTCONF=1", Ok(true), b""),
        ("AT+MIPCALL?", REFUSED, b""),
        ("AT+MQTTCLOSE?", REFUSED, b""),
        // An answer the parser does not know is as good as a refusal.
        ("AT+MQTTOPEN?", Ok(true), b"\r\n+MQTTOPEN: what\r\n"),
    ];
    assert_eq!(run(config, &mut x, script), Ok(Next::Done));
    assert_eq!(x.call_up, None, "the call stays unknown");
    assert_eq!(x.state(ONE), ConnState::Closed);
}

#[test]
fn a_timed_out_query_fails_start_up() {
    let mut x = Exchange::new(Config::default());
    let mut script = FRESH.to_vec();
    script[3] = ("AT+MIPCALL?", Err(Error::AnswerTimeout), b"");
    assert_eq!(
        run(Config::default(), &mut x, &script[..4]),
        Err(Error::AnswerTimeout)
    );
}

#[test]
fn keep_takes_a_left_over_client_as_open_and_reads_what_it_holds() {
    let config = Config::default().leftover(Leftover::Keep);
    let mut x = Exchange::new(config);
    let mut script = FRESH.to_vec();
    script[4] = ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1\r\n");
    assert!(matches!(run(config, &mut x, &script), Ok(Next::Done)));
    assert_eq!(x.state(ONE), ConnState::Open);
    assert_eq!(x.state(TWO), ConnState::Closed);
    assert_eq!(
        x.announced(),
        Some(ONE),
        "the module may hold messages for it"
    );
}

#[test]
fn a_client_this_driver_opened_is_not_left_over() {
    let mut x = Exchange::new(Config::default());
    // The driver had opened client 2 (a second start-up, after the module went silent).
    x.learn_connected(ClientSet::EMPTY.with(TWO));
    let mut script = FRESH.to_vec();
    script[2] = ("AT+MQTTCONF=1", REFUSED, b"");
    script[4] = ("AT+MQTTCLOSE?", Ok(true), b"\r\n+MQTTCLOSE: 1,2\r\n");
    script.push(("AT+MQTTCLOSE=1", Ok(true), b""));
    assert!(matches!(
        run(Config::default(), &mut x, &script),
        Ok(Next::Done)
    ));
    assert_eq!(x.state(TWO), ConnState::Open);
}
