//! Whose turn it is: which operation may start, whom the end of one wakes, and a ticket that
//! waits for its turn.

use super::*;

#[test]
fn an_operation_starts_when_the_channel_is_free_and_its_client_has_none_under_way() {
    use crate::proto::wake::{Waiter, Wake};
    let sub = Op::Async(ONE, ResultOf::Subscribe);
    let sub_two = Op::Async(ClientId::Two, ResultOf::Open);
    let mut f = Fixture::opened();
    assert_eq!(f.x.start_waits(sub), None);
    assert_eq!(f.x.start_waits(Op::Simple), None);
    let mut t = f.start(sub, None);
    // The operation holds the channel: the others wait for it.
    assert_eq!(f.x.start_waits(Op::Simple), Some(Waiter::Queue));
    assert_eq!(f.x.start_waits(sub), Some(Waiter::Queue));
    // Its command went out: client 1's next operation with a result line waits for client 1.
    f.send_line(&mut t);
    assert_eq!(f.x.start_waits(sub_two), Some(Waiter::Queue));
    assert_eq!(f.x.start_waits(sub), Some(Waiter::QueueOne));
    f.x.take_wake();
    f.recv(b"\r\nOK\r\n", 10);
    assert_eq!(f.poll(&mut t, 10), None);
    // Answered: the channel is free for others, and those waiting for it are woken; client
    // 1's next operation with a result line waits for this one's result line.
    let mut channel_free = Wake::default();
    channel_free.add(Waiter::Channel);
    channel_free.add(Waiter::Queue);
    assert_eq!(f.x.take_wake(), channel_free);
    assert_eq!(f.x.start_waits(Op::Simple), None);
    assert_eq!(f.x.start_waits(sub_two), None);
    assert_eq!(f.x.start_waits(Op::Read(ONE)), None);
    assert_eq!(f.x.start_waits(sub), Some(Waiter::QueueOne));
    f.recv(b"\r\n+MQTTSUB: 1,1\r\n", 20);
    assert_eq!(f.poll(&mut t, 20), Some(Step::Done(Ok(Reply::Done))));
    // Over: its result line woke it, and its end wakes those waiting to start.
    let mut over = Wake::default();
    over.add(Waiter::ResultOne);
    over.add(Waiter::Queue);
    over.add(Waiter::QueueOne);
    assert_eq!(f.x.take_wake(), over);
    assert_eq!(f.x.start_waits(sub), None);
}

#[test]
fn an_operation_waiting_to_start_starts_once_the_link_is_down_and_fails_with_its_error() {
    let sub = Op::Async(ONE, ResultOf::Subscribe);
    let mut f = Fixture::opened();
    let mut t = f.start(Op::Simple, None);
    f.send_line(&mut t);
    assert_eq!(
        f.x.start_waits(sub),
        Some(crate::proto::wake::Waiter::Queue)
    );
    f.x.link_failed(embedded_io::ErrorKind::BrokenPipe);
    assert_eq!(f.x.start_waits(sub), None);
    assert_eq!(
        f.x.start(sub, None, crate::AtCommand::Subscribe),
        Err(Error::Io(embedded_io::ErrorKind::BrokenPipe))
    );
}

#[test]
fn a_ticket_waits_for_its_turn_and_the_exchange_starts_it() {
    use crate::proto::exchange::Ticket;
    use crate::proto::wake::Waiter;
    let sub = Op::Async(ONE, ResultOf::Subscribe);
    let mut f = Fixture::opened();
    let mut first = f.start(sub, None);
    f.send_line(&mut first);
    // Client 1 has a subscribe under way: the next one waits for it, not for the channel.
    let mut next = Ticket::new(sub, None, crate::AtCommand::Subscribe);
    assert_eq!(f.poll(&mut next, 0), None);
    assert_eq!(next.waiter(), Waiter::QueueOne);
    assert!(!next.started() && !next.on_channel());
    assert_eq!(f.x.deadline(&next), None);
    f.recv(b"\r\nOK\r\n", 10);
    assert_eq!(f.poll(&mut first, 10), None);
    assert_eq!(f.poll(&mut next, 10), None, "still the first one's");
    f.recv(b"\r\n+MQTTSUB: 1,1\r\n", 20);
    assert_eq!(f.poll(&mut first, 20), Some(Step::Done(Ok(Reply::Done))));
    // Its turn: started, it writes its line.
    assert_eq!(f.poll(&mut next, 20), Some(Step::Write(Tx::Line)));
    assert!(next.started() && next.on_channel());
}

#[test]
fn a_ticket_waiting_for_its_turn_ends_with_the_dead_link_and_names_its_command() {
    use crate::proto::exchange::Ticket;
    let mut f = Fixture::opened();
    let mut holder = f.start(Op::Simple, None);
    f.send_line(&mut holder);
    let mut queued = Ticket::new(
        Op::Async(ONE, ResultOf::Publish),
        None,
        crate::AtCommand::Publish,
    );
    assert_eq!(f.poll(&mut queued, 0), None);
    f.x.link_failed(embedded_io::ErrorKind::BrokenPipe);
    let down = Error::Io(embedded_io::ErrorKind::BrokenPipe);
    assert_eq!(f.poll(&mut queued, 1), Some(Step::Done(Err(down))));
    assert!(!queued.started());
    let failure = f.x.failure_of(ONE).expect("kept as client 1's failure");
    assert_eq!(failure.command(), crate::AtCommand::Publish);
}
