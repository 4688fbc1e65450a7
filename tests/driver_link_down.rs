//! A dead link is visible: when the port fails or ends (a USB modem unplugged), every waiting
//! operation and every event wait ends with the port's error, and later calls fail at once.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::time::Instant as StdInstant;

use embassy_time::{Duration, Timer};
use embedded_io::ErrorKind;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::{Broker, ClientId, Config, Error, QoS};

mod common;
use common::fast;

/// What the port does once its bytes are read.
#[derive(Clone, Copy)]
enum End {
    /// `read` returns 0: end of file.
    Eof,
    /// `read` fails.
    Fail(ErrorKind),
}

#[derive(Debug)]
struct PortError(ErrorKind);
impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl std::error::Error for PortError {}
impl embedded_io::Error for PortError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

/// A port that answers with `bytes`, then ends `after` a while. What was written is kept.
struct Unplugged {
    bytes: RefCell<VecDeque<u8>>,
    end: End,
    after: Duration,
    written: RefCell<Vec<u8>>,
}

impl Unplugged {
    fn new(bytes: &[u8], end: End, after_ms: u64) -> Self {
        Unplugged {
            bytes: RefCell::new(bytes.iter().copied().collect()),
            end,
            after: Duration::from_millis(after_ms),
            written: RefCell::new(Vec::new()),
        }
    }

    fn take(&self, buf: &mut [u8]) -> usize {
        let mut q = self.bytes.borrow_mut();
        let n = buf.len().min(q.len());
        for b in buf.iter_mut().take(n) {
            *b = q.pop_front().unwrap();
        }
        n
    }

    fn ended(&self) -> Result<usize, PortError> {
        match self.end {
            End::Eof => Ok(0),
            End::Fail(k) => Err(PortError(k)),
        }
    }
}

struct Half<'a>(&'a Unplugged);

impl embedded_io_async::ErrorType for Half<'_> {
    type Error = PortError;
}
impl embedded_io_async::Read for Half<'_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        // The answers come once the command went out.
        while self.0.written.borrow().is_empty() {
            Timer::after_millis(1).await;
        }
        let n = self.0.take(buf);
        if n > 0 {
            return Ok(n);
        }
        Timer::after(self.0.after).await;
        self.0.ended()
    }
}
impl embedded_io_async::Write for Half<'_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        self.0.written.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), PortError> {
        Ok(())
    }
}

/// The same, blocking: reads time out until the port ends.
struct Blocking(Unplugged, Option<StdInstant>);

impl embedded_io::ErrorType for Blocking {
    type Error = PortError;
}
impl embedded_io::Read for Blocking {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        let n = self.0.take(buf);
        if n > 0 {
            return Ok(n);
        }
        let since = *self.1.get_or_insert_with(StdInstant::now);
        if since.elapsed() < std::time::Duration::from_millis(self.0.after.as_millis()) {
            std::thread::sleep(std::time::Duration::from_millis(1));
            return Err(PortError(ErrorKind::TimedOut));
        }
        self.0.ended()
    }
}
impl embedded_io::Write for Blocking {
    fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        self.0.written.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), PortError> {
        Ok(())
    }
}

fn slow() -> Config {
    // Long timeouts: only the dead link can end the waits within the test.
    Config::with_timeouts(Duration::from_secs(30), Duration::from_secs(30))
}

#[test]
fn async_waiting_operation_and_next_event_end_with_the_port_error() {
    for (end, kind) in [
        (End::Eof, ErrorKind::BrokenPipe),
        (End::Fail(ErrorKind::NotConnected), ErrorKind::NotConnected),
    ] {
        let port = Unplugged::new(b"\r\nOK\r\n", end, 50);
        let mut state = State::<256>::new();
        let (mut runner, control) = asynch::new(&mut state, Half(&port), Half(&port), slow());
        let started = StdInstant::now();
        let (ran, (open, event)) = futures::executor::block_on(async {
            futures::join!(
                runner.run(),
                futures::future::join(
                    control.open(ClientId::One, Broker::new("broker", 1883)),
                    control.next_event(|_| ()),
                )
            )
        });
        let down = Error::Io(kind);
        assert_eq!(ran, down, "the runner says why it stopped");
        assert_eq!(open, Err(down), "the open waiting for its result line");
        assert_eq!(event, Err(down), "the event wait");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "promptly"
        );
        // Later calls fail at once, without writing.
        let before = port.written.borrow().len();
        let later = futures::executor::block_on(async {
            futures::join!(
                control.subscribe(ClientId::One, "t", QoS::AtMostOnce),
                control.next_event(|_| ())
            )
        });
        assert_eq!(later, (Err(down), Err(down)));
        assert_eq!(port.written.borrow().len(), before);
        assert_eq!(control.link_error(), Some(down));
    }
}

#[test]
fn blocking_end_of_file_takes_the_link_down() {
    let port = Blocking(Unplugged::new(b"\r\nOK\r\n", End::Eof, 50), None);
    let mut modem = Modem::<_, 256>::new(port, fast());
    let down = Error::Io(ErrorKind::BrokenPipe);
    let open = modem.open(ClientId::One, Broker::new("broker", 1883));
    assert_eq!(open, Err(down), "the open waiting for its result line");
    assert_eq!(modem.link_error(), Some(down));
    assert_eq!(
        modem.poll_event(Duration::from_millis(10), |_| ()),
        Err(down)
    );
    assert_eq!(modem.ping(), Err(down), "later calls fail at once");
    let written = modem.release().0.written.into_inner();
    assert_eq!(written, b"AT+MQTTOPEN=1,\"broker\",1883,1,60\r".to_vec());
}

#[test]
fn blocking_idle_poll_event_sees_the_end_of_the_port() {
    let port = Blocking(Unplugged::new(b"", End::Eof, 20), None);
    let mut modem = Modem::<_, 256>::new(port, fast());
    let down = Error::Io(ErrorKind::BrokenPipe);
    assert_eq!(modem.poll_event(Duration::from_secs(5), |_| ()), Err(down));
    assert_eq!(modem.poll_event(Duration::from_secs(5), |_| ()), Err(down));
}
