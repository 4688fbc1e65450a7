//! The exchange on its own: fed items and the time, no port, no executor.

use embassy_time::{Duration, Instant};

use super::exchange::{Exchange, Ready, Step, Ticket, Tx};
use super::op::{Op, Reply};
use super::rx::RxBuf;
use crate::codec::ResultOf;
use crate::config::Config;
use crate::error::{ConnState, Error};
use crate::types::ClientId;

const ONE: ClientId = ClientId::One;

fn t0() -> Instant {
    Instant::from_secs(1000)
}

fn ms(n: u64) -> Instant {
    t0() + Duration::from_millis(n)
}

/// An exchange and a receive buffer, fed bytes as the runner would.
struct Fixture {
    x: Exchange,
    rx: RxBuf<[u8; 512]>,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            x: Exchange::new(Config::default()),
            rx: RxBuf::new(),
        }
    }

    /// Client 1 open, as after a successful `AT+MQTTOPEN`.
    fn opened() -> Self {
        let mut f = Fixture::new();
        let mut t = f.start(Op::Async(ONE, ResultOf::Open), None);
        f.send_line(&mut t);
        f.recv(b"\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n", 10);
        assert_eq!(f.poll(&mut t, 10), Some(Step::Done(Ok(Reply::Done))));
        assert_eq!(f.x.state(ONE), ConnState::Open);
        f
    }

    fn start(&mut self, op: Op, data: Option<u16>) -> Ticket {
        self.x
            .start(op, data, crate::AtCommand::Raw)
            .expect("starts")
    }

    fn poll(&mut self, t: &mut Ticket, at: u64) -> Option<Step> {
        self.x.poll(t, ms(at))
    }

    /// Polls once, expects the command line, and says it went out at time 0.
    fn send_line(&mut self, t: &mut Ticket) {
        assert_eq!(self.poll(t, 0), Some(Step::Write(Tx::Line)));
        self.x.sent(Tx::Line, t0());
    }

    /// Polls at `at`, expects the command line, and says it went out then.
    fn send_line_at(&mut self, t: &mut Ticket, at: u64) {
        assert_eq!(self.poll(t, at), Some(Step::Write(Tx::Line)));
        self.x.sent(Tx::Line, ms(at));
    }

    fn recv(&mut self, bytes: &[u8], at: u64) {
        let rx: &mut RxBuf<[u8]> = &mut self.rx;
        assert_eq!(rx.push(bytes), bytes.len());
        rx.process(&mut self.x, ms(at));
    }
}

#[test]
fn a_simple_command_is_written_then_answered() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Simple, None);
    f.send_line(&mut t);
    assert_eq!(f.poll(&mut t, 1), None, "waits for the final result");
    assert_eq!(f.x.deadline(&t), Some(ms(5000)), "the answer timeout");
    f.recv(b"\r\nOK\r\n", 2);
    assert_eq!(f.poll(&mut t, 2), Some(Step::Done(Ok(Reply::Done))));
}

#[test]
fn no_answer_times_out_and_the_late_ok_is_absorbed() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Simple, None);
    f.send_line(&mut t);
    assert_eq!(
        f.poll(&mut t, 5000),
        Some(Step::Done(Err(Error::AnswerTimeout)))
    );
    // The next command waits for the late answer before its line goes out.
    let mut next = f.start(Op::Simple, None);
    assert_eq!(f.poll(&mut next, 5001), None);
    f.recv(b"\r\nOK\r\n", 5002);
    assert_eq!(f.poll(&mut next, 5002), Some(Step::Write(Tx::Line)));
    f.x.sent(Tx::Line, ms(5002));
    f.recv(b"\r\nERROR\r\n", 5003);
    assert!(matches!(
        f.poll(&mut next, 5003),
        Some(Step::Done(Err(Error::Module(_))))
    ));
}

#[test]
fn an_open_waits_for_its_result_line_off_the_channel() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Async(ONE, ResultOf::Open), None);
    f.send_line(&mut t);
    assert_eq!(f.x.state(ONE), ConnState::Opening);
    f.recv(b"\r\nOK\r\n", 5);
    assert_eq!(f.poll(&mut t, 5), None);
    assert!(!t.on_channel(), "the channel is free for others");
    assert_eq!(f.x.deadline(&t), Some(ms(5 + 40_000)), "the open timeout");
    // Another command runs meanwhile.
    let mut ping = f.start(Op::Simple, None);
    f.send_line(&mut ping);
    f.recv(b"\r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n", 7);
    assert_eq!(f.poll(&mut ping, 7), Some(Step::Done(Ok(Reply::Done))));
    assert_eq!(
        f.poll(&mut t, 7),
        Some(Step::Done(Err(Error::Failed(crate::AtCommand::Open))))
    );
    assert_eq!(f.x.state(ONE), ConnState::Closed);
}

#[test]
fn a_refusal_after_ok_ends_the_open() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Async(ONE, ResultOf::Open), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n\r\n+CME ERROR: 704\r\n", 5);
    assert_eq!(
        f.poll(&mut t, 5),
        Some(Step::Done(Err(Error::Refused(
            crate::error::Refusal::NotAuthorized
        ))))
    );
    assert_eq!(f.x.state(ONE), ConnState::Closed);
}

#[test]
fn a_data_publish_writes_its_data_after_the_prompt() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), Some(4));
    f.send_line(&mut t);
    assert_eq!(f.poll(&mut t, 1), None, "waits for the prompt");
    assert_eq!(f.x.deadline(&t), Some(ms(5000)), "the prompt timeout");
    f.recv(b"\r\n> ", 2);
    assert_eq!(f.poll(&mut t, 2), Some(Step::Write(Tx::Data { from: 0 })));
    f.x.wrote(Tx::Data { from: 0 }, 3, ms(2));
    assert_eq!(f.poll(&mut t, 2), Some(Step::Write(Tx::Data { from: 3 })));
    f.x.wrote(Tx::Data { from: 3 }, 1, ms(3));
    f.x.sent(Tx::Data { from: 3 }, ms(3));
    assert_eq!(f.poll(&mut t, 3), None, "waits for OK");
    f.recv(b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n", 4);
    assert_eq!(f.poll(&mut t, 4), Some(Step::Done(Ok(Reply::Done))));
}

#[test]
fn a_publish_dropped_during_its_data_is_completed_with_nul_bytes() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), Some(10));
    f.send_line(&mut t);
    f.recv(b"\r\n>", 1);
    assert_eq!(f.poll(&mut t, 1), Some(Step::Write(Tx::Data { from: 0 })));
    f.x.wrote(Tx::Data { from: 0 }, 4, ms(1));
    f.x.abandon(&mut t);
    // The next command first waits for the module to leave data mode, then sends the rest.
    let mut next = f.start(Op::Simple, None);
    assert_eq!(f.poll(&mut next, 2), None);
    let limit = Config::default().data_mode_timeout.as_millis();
    assert_eq!(f.x.deadline(&next), Some(ms(2 + limit)));
    assert_eq!(
        f.poll(&mut next, 2 + limit),
        Some(Step::Write(Tx::Filler(6)))
    );
    f.x.sent(Tx::Filler(6), ms(2 + limit));
    f.recv(b"\r\nOK\r\n", 3 + limit);
    assert_eq!(f.poll(&mut next, 3 + limit), Some(Step::Write(Tx::Line)));
}

#[test]
fn a_line_cut_short_is_ended_before_the_next() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Simple, None);
    assert_eq!(f.poll(&mut t, 0), Some(Step::Write(Tx::Line)));
    f.x.abandon(&mut t);
    let mut next = f.start(Op::Simple, None);
    assert_eq!(f.poll(&mut next, 1), Some(Step::Write(Tx::LineEnd)));
    f.x.sent(Tx::LineEnd, ms(1));
    assert_eq!(
        f.poll(&mut next, 1),
        None,
        "waits for the cut line's answer"
    );
    f.recv(b"\r\nERROR\r\n", 2);
    assert_eq!(f.poll(&mut next, 2), Some(Step::Write(Tx::Line)));
}

#[test]
fn a_result_timeout_then_the_late_line_is_absorbed() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Subscribe), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n", 1);
    assert_eq!(f.poll(&mut t, 1), None);
    assert_eq!(
        f.poll(&mut t, 1 + 35_000),
        Some(Step::Done(Err(Error::ResultTimeout)))
    );
    let mut again = f.start(Op::Async(ONE, ResultOf::Subscribe), None);
    f.send_line(&mut again);
    f.recv(b"\r\nOK\r\n\r\n+MQTTSUB: 1,0\r\n", 2);
    assert_eq!(f.poll(&mut again, 2), None, "the late line is not ours");
    f.recv(b"\r\n+MQTTSUB: 1,1\r\n", 3);
    assert_eq!(f.poll(&mut again, 3), Some(Step::Done(Ok(Reply::Done))));
}

#[test]
fn a_break_ends_the_waiting_operation_and_is_an_event() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n\r\n+MQTTBREAK: 1,2\r\n", 1);
    assert!(matches!(
        f.poll(&mut t, 1),
        Some(Step::Done(Err(Error::Break(_))))
    ));
    assert_eq!(f.x.state(ONE), ConnState::Closed);
    assert_eq!(f.x.ready(false), Some(Ready::Event));
}

#[test]
fn a_restart_fails_everything_waiting() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Simple, None);
    f.send_line(&mut t);
    f.recv(b"\r\nRDY\r\n", 1);
    assert_eq!(f.poll(&mut t, 1), Some(Step::Done(Err(Error::Restarted))));
    assert_eq!(f.x.state(ONE), ConnState::Closed);
}

#[test]
fn a_dead_link_ends_every_operation_and_refuses_new_ones() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Subscribe), None);
    f.send_line(&mut t);
    f.x.link_failed(embedded_io::ErrorKind::BrokenPipe);
    let down = Error::Io(embedded_io::ErrorKind::BrokenPipe);
    assert_eq!(f.poll(&mut t, 1), Some(Step::Done(Err(down))));
    assert_eq!(f.x.start(Op::Simple, None, crate::AtCommand::At), Err(down));
    assert_eq!(f.x.ready(false), Some(Ready::LinkDown(down)));
}

#[test]
fn an_announced_message_is_read_and_held() {
    let mut f = Fixture::opened();
    f.recv(b"\r\n+MQTTMSGI: 1,0,1,2\r\n", 1);
    assert_eq!(f.x.ready(false), Some(Ready::Read(ONE)));
    let mut t = f.start(Op::Read(ONE), None);
    f.send_line(&mut t);
    f.recv(b"\r\n+MQTTREAD: 1,0,1,2\r\n\"t\",\"hi\"\r\n\r\nOK\r\n", 2);
    assert_eq!(f.poll(&mut t, 2), Some(Step::Done(Ok(Reply::Read(true)))));
    let rx: &RxBuf<[u8]> = &f.rx;
    let m = rx.message().expect("held");
    assert_eq!((m.topic, m.payload), (&b"t"[..], &b"hi"[..]));
    assert_eq!(f.x.ready(true), Some(Ready::Message));
    assert_eq!(f.x.ready(false), None, "the announcement was answered");
}

#[test]
fn state_checks_come_when_the_line_would_go_out() {
    let mut f = Fixture::new();
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), None);
    assert_eq!(
        f.poll(&mut t, 0),
        Some(Step::Done(Err(Error::WrongState {
            client: ONE,
            state: ConnState::Closed
        })))
    );
    // Nothing went out: the channel is free.
    let mut ping = f.start(Op::Simple, None);
    assert_eq!(f.poll(&mut ping, 0), Some(Step::Write(Tx::Line)));
}

#[test]
fn a_restart_while_a_client_command_is_unanswered_leaves_the_client_free() {
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Async(ONE, ResultOf::Subscribe), None);
    f.send_line(&mut t);
    f.recv(b"\r\nRDY\r\n", 1);
    assert_eq!(f.poll(&mut t, 1), Some(Step::Done(Err(Error::Restarted))));
    // The late ERROR of the command is absorbed, and the client takes its next operation.
    f.recv(b"\r\nERROR\r\n", 2);
    assert_eq!(f.x.state(ONE), ConnState::Closed);
    let mut t = f.start(Op::Async(ONE, ResultOf::Open), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n", 3);
    assert_eq!(f.poll(&mut t, 3), Some(Step::Done(Ok(Reply::Done))));
}

#[test]
fn a_command_never_answered_owes_nothing_once_the_client_reconnected() {
    let mut f = Fixture::opened();
    // A publish the module never saw: no answer at all.
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), None);
    f.send_line(&mut t);
    assert_eq!(
        f.poll(&mut t, 6000),
        Some(Step::Done(Err(Error::AnswerTimeout)))
    );
    // The client is closed and opened again.
    let mut t = f.start(Op::Async(ONE, ResultOf::Close), None);
    // It waits first for the answer the abandoned command may still get.
    assert_eq!(f.poll(&mut t, 6001), None);
    f.send_line_at(&mut t, 11001);
    f.recv(b"\r\nOK\r\n\r\n+MQTTCLOSE: 1,1\r\n", 11001);
    assert_eq!(f.poll(&mut t, 11001), Some(Step::Done(Ok(Reply::Done))));
    let mut t = f.start(Op::Async(ONE, ResultOf::Open), None);
    f.send_line_at(&mut t, 11002);
    f.recv(b"\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n", 11002);
    assert_eq!(f.poll(&mut t, 11002), Some(Step::Done(Ok(Reply::Done))));
    // The next publish's result is its own.
    let mut t = f.start(Op::Async(ONE, ResultOf::Publish), None);
    f.send_line_at(&mut t, 11003);
    f.recv(b"\r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n", 11003);
    assert_eq!(f.poll(&mut t, 11003), Some(Step::Done(Ok(Reply::Done))));
}

#[test]
fn a_failed_operation_is_kept_with_its_command_and_a_later_success_keeps_it() {
    let mut f = Fixture::new();
    let ate0 = crate::AtCommand::Echo(false);
    let mut t = f.x.start(Op::Simple, None, ate0).expect("starts");
    f.send_line(&mut t);
    f.recv(b"\r\nERROR\r\n", 1);
    // The error names the command it answers.
    let refused = Error::Module(crate::error::ModuleError::new(ate0, None));
    assert_eq!(f.poll(&mut t, 1), Some(Step::Done(Err(refused))));
    let failure = f.x.failure.expect("kept");
    assert_eq!((failure.command(), failure.error), (ate0, refused));

    let mut ok = f.start(Op::Simple, None);
    f.send_line(&mut ok);
    f.recv(b"\r\nOK\r\n", 2);
    assert_eq!(f.poll(&mut ok, 2), Some(Step::Done(Ok(Reply::Done))));
    assert_eq!(f.x.failure, Some(failure), "kept until another fails");
}

/// Fed a byte at a time, with the buffer's front filling up with bytes already parsed (it is
/// compacted only when a byte does not fit at the end), a read answer whose payload holds CR LF
/// and `> ` is held whole, exactly as when it comes in one piece.
#[test]
fn a_read_answer_fed_byte_by_byte_is_held_whole() {
    let mut f = Fixture::opened();
    // Fill most of the buffer with lines already parsed, so the answer crosses its end.
    for i in 0..40u64 {
        for &b in b"\r\n+CREG: 1\r\n" {
            f.recv(&[b], i);
        }
    }
    for &b in b"\r\n+MQTTMSGI: 1,1,3,9\r\n" {
        f.recv(&[b], 1);
    }
    let mut t = f.start(Op::Read(ONE), None);
    f.send_line(&mut t);
    let answer = b"\r\n+MQTTREAD: 1,1,3,9\r\n\"a/b\",\"x\r\n> \"y\r\n\"\r\n\r\nOK\r\n";
    for &b in answer {
        f.recv(&[b], 2);
    }
    assert_eq!(f.poll(&mut t, 2), Some(Step::Done(Ok(Reply::Read(true)))));
    let rx: &RxBuf<[u8]> = &f.rx;
    let m = rx.message().expect("held");
    assert_eq!((m.topic, m.payload), (&b"a/b"[..], &b"x\r\n> \"y\r\n"[..]));
    assert_eq!(m.qos, crate::QoS::AtLeastOnce);
}

/// Messages of the largest size, read one after the other through a buffer of
/// `RX_BUFFER_MIN` bytes, fit whatever the read size: the bytes parsed before each answer are
/// dropped when it needs their room (compaction is deferred until then), never taken for lack
/// of room.
#[test]
fn largest_messages_read_in_a_row_fit_whatever_the_read_size() {
    let mut x = Exchange::new(Config::default());
    let mut rx: RxBuf<[u8; crate::RX_BUFFER_MIN]> = RxBuf::new();
    let payload: Vec<u8> = (0..1024u32).map(|i| (i * 13 + 5) as u8).collect();
    let topic = b"e2e/ebf97e06/in/q0/5";
    let mut t = x
        .start(Op::Async(ONE, ResultOf::Open), None, crate::AtCommand::Open)
        .unwrap();
    assert_eq!(x.poll(&mut t, ms(0)), Some(Step::Write(Tx::Line)));
    x.sent(Tx::Line, t0());
    let feed = |x: &mut Exchange,
                rx: &mut RxBuf<[u8; crate::RX_BUFFER_MIN]>,
                bytes: &[u8],
                chunk: usize| {
        for c in bytes.chunks(chunk) {
            let r: &mut RxBuf<[u8]> = rx;
            let mut left = c;
            while !left.is_empty() {
                let n = r.push(left);
                r.process(x, ms(1));
                left = &left[n..];
            }
        }
    };
    feed(&mut x, &mut rx, b"\r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n", 64);
    assert_eq!(x.poll(&mut t, ms(1)), Some(Step::Done(Ok(Reply::Done))));
    for chunk in [64usize, 1, 7, 63, 64] {
        feed(&mut x, &mut rx, b"\r\n+MQTTMSGI: 1,0,20,1024\r\n", chunk);
        let mut t = x
            .start(Op::Read(ONE), None, crate::AtCommand::Read)
            .unwrap();
        assert_eq!(x.poll(&mut t, ms(1)), Some(Step::Write(Tx::Line)));
        x.sent(Tx::Line, ms(1));
        let mut answer = b"AT+MQTTREAD=1\r\r\n+MQTTREAD: 1,0,20,1024\r\n\"".to_vec();
        answer.extend_from_slice(topic);
        answer.extend_from_slice(b"\",\"");
        answer.extend_from_slice(&payload);
        answer.extend_from_slice(b"\"\r\n\r\nOK\r\n");
        feed(&mut x, &mut rx, &answer, chunk);
        let got = x.poll(&mut t, ms(2));
        assert_eq!(
            got,
            Some(Step::Done(Ok(Reply::Read(true)))),
            "{chunk}-byte reads"
        );
        assert_eq!(
            x.events.lost,
            crate::proto::Losses::default(),
            "{chunk}-byte reads"
        );
        let r: &mut RxBuf<[u8]> = &mut rx;
        let m = r.message().expect("held");
        assert_eq!(m.payload, &payload[..]);
        r.release_message();
    }
}

/// Feeds one read's outcome as both drivers do.
fn read(f: &mut Fixture, r: Result<&[u8], embedded_io::ErrorKind>, at: u64) -> Result<(), Error> {
    let rx: &mut RxBuf<[u8]> = &mut f.rx;
    super::link::on_read(&mut f.x, rx, r, ms(at))
}

#[test]
fn a_read_error_drops_the_item_under_way_and_its_tail() {
    use embedded_io::ErrorKind::Other;
    let mut f = Fixture::new();
    let mut t = f.start(Op::Simple, None);
    f.send_line(&mut t);
    // A payload ending in OK, cut by the error: neither half is used, the tail is no `OK`.
    assert_eq!(read(&mut f, Ok(b"\r\n+MQTTMSG: 1,0,\"a\",\"x"), 1), Ok(()));
    assert_eq!(read(&mut f, Err(Other), 1), Ok(()));
    assert_eq!(read(&mut f, Ok(b"\r\nOK\"\r\n"), 2), Ok(()));
    assert_eq!(
        f.poll(&mut t, 2),
        None,
        "the tail is not taken for a final result"
    );
    assert_eq!(read(&mut f, Ok(b"\r\nOK\r\n"), 3), Ok(()));
    assert_eq!(f.poll(&mut t, 3), Some(Step::Done(Ok(Reply::Done))));
    let rx: &RxBuf<[u8]> = &f.rx;
    assert!(!rx.holds_message());
    let ev = f.x.events.take().map(|t| match t.event() {
        crate::Event::LinkError { kind, count } => Some((kind, count)),
        _ => None,
    });
    assert_eq!(ev, Some(Some((Other, 1))));
    assert_eq!(f.x.link_error(), None);
}

#[test]
fn errors_in_a_row_kill_the_link_and_a_byte_between_them_does_not() {
    use embedded_io::ErrorKind::Other;
    let mut f = Fixture::new();
    f.x.config.dead_after_errors = 3;
    for _ in 0..2 {
        assert_eq!(read(&mut f, Err(Other), 1), Ok(()));
    }
    assert_eq!(
        read(&mut f, Ok(b"\r\n"), 1),
        Ok(()),
        "a byte: the count starts again"
    );
    for _ in 0..2 {
        assert_eq!(read(&mut f, Err(Other), 1), Ok(()));
    }
    assert_eq!(read(&mut f, Err(Other), 1), Err(Error::Io(Other)));
    assert_eq!(f.x.link_error(), Some(Error::Io(Other)));
    // End of file and a port that says the link is gone: dead at once.
    for (r, kind) in [
        (Ok(&b""[..]), embedded_io::ErrorKind::BrokenPipe),
        (
            Err(embedded_io::ErrorKind::ConnectionReset),
            embedded_io::ErrorKind::ConnectionReset,
        ),
    ] {
        let mut f = Fixture::new();
        assert_eq!(read(&mut f, r, 1), Err(Error::Io(kind)));
    }
}

#[test]
fn a_result_line_lost_for_good_does_not_swallow_every_later_one() {
    let sub = || Op::Async(ONE, ResultOf::Subscribe);
    let mut f = Fixture::opened();
    // 1: its result line is lost on the way: it times out, and its line is owed.
    let mut t = f.start(sub(), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n", 1);
    let timeout = Some(Step::Done(Err(Error::ResultTimeout)));
    assert_eq!(f.poll(&mut t, 1 + 35_000), timeout);
    // 2: its own line is taken for the late one (they cannot be told apart): it times out.
    let mut t = f.start(sub(), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n", 40_000);
    assert_eq!(f.poll(&mut t, 40_000), None);
    assert_eq!(f.poll(&mut t, 40_000 + 35_000), timeout);
    // 3: nothing is owed any more: its line is its own.
    let mut t = f.start(sub(), None);
    f.send_line(&mut t);
    f.recv(b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n", 80_000);
    assert_eq!(f.poll(&mut t, 80_000), Some(Step::Done(Ok(Reply::Done))));
}

mod turns;
