//! The blocking driver: one port, the exchange, the receive buffer, and the loop every
//! operation runs, which moves bytes and time between the port and the exchange.

use embassy_time::{Duration, Instant};
use embedded_io::{ErrorKind, Read, Write};

use crate::codec::line::Line;
use crate::codec::Command;
use crate::config::Config;
use crate::error::{ConnState, Error};
use crate::event::Event;
use crate::proto::exchange::{Exchange, Ready, Step, Tx};
use crate::proto::op::{Op, Reply};
use crate::proto::out::Chunks;
use crate::proto::rx::RxBuf;
use crate::types::ClientId;

/// The blocking driver over one port. `N` is the receive buffer (at least
/// [`RX_BUFFER_MIN`](crate::RX_BUFFER_MIN) to receive the largest messages).
pub struct Modem<P, const N: usize> {
    port: P,
    pub(crate) exchange: Exchange,
    pub(super) rx: RxBuf<[u8; N]>,
}

fn io<E: embedded_io::Error>(e: E) -> Error {
    Error::Io(e.kind())
}

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// A driver over `port`. Call [`start`](Self::start) next.
    pub fn new(port: P, config: Config) -> Self {
        Modem {
            port,
            exchange: Exchange::new(config),
            rx: RxBuf::new(),
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.exchange.config
    }

    /// Changes the settings; operations started from now on use them.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.exchange.config
    }

    /// The state of module client `id`, as the driver tracks it.
    pub fn state(&self, id: ClientId) -> ConnState {
        self.exchange.state(id)
    }

    /// How the module reports messages, as [`start`](Self::start) left it; see
    /// [`asynch::Control::receive_mode_in_force`](crate::asynch::Control::receive_mode_in_force).
    pub fn receive_mode_in_force(&self) -> Option<crate::ReceiveMode> {
        self.exchange.receive_mode
    }

    /// The last operation that failed: which command, and how (see
    /// [`Failure`](crate::Failure)). Kept until another fails.
    pub fn last_failure(&self) -> Option<crate::Failure> {
        self.exchange.failure
    }

    /// The last operation of module client `id` that failed; see
    /// [`asynch::Control::last_failure_of`](crate::asynch::Control::last_failure_of).
    pub fn last_failure_of(&self, id: ClientId) -> Option<crate::Failure> {
        self.exchange.failure_of(id)
    }

    /// The port's error, once a read failed or ended: every operation then fails with it,
    /// until the driver is built again.
    pub fn link_error(&self) -> Option<Error> {
        self.exchange.link_error()
    }

    /// The port, to use it directly (any bytes it then receives bypass the driver).
    pub fn port_mut(&mut self) -> &mut P {
        &mut self.port
    }

    /// Gives the port back.
    pub fn release(self) -> P {
        self.port
    }

    /// One read of the port, fed to the exchange. A read that times out is no error; one that
    /// ends (0 bytes), or fails in a way that means the link is dead, takes the link down
    /// (see [`Config::dead_after_errors`]); any other failure is transient.
    fn read_port(&mut self) -> Result<(), Error> {
        let rx: &mut RxBuf<[u8]> = &mut self.rx;
        let space = rx.space();
        let mut chunk = [0u8; 64];
        let want = chunk.get_mut(..space.min(64)).unwrap_or(&mut []);
        if want.is_empty() {
            // Full of kept data: nothing more can come in until it is released. No one else
            // takes held messages meanwhile.
            if rx.blocked(false) {
                self.exchange.input_blocked();
            }
            return Ok(());
        }
        let read = match self.port.read(want) {
            Ok(n) => Ok(chunk.get(..n).unwrap_or(&[])),
            Err(e) => match embedded_io::Error::kind(&e) {
                // The port's way of saying nothing came (see the module's documentation).
                ErrorKind::TimedOut | ErrorKind::Interrupted => return Ok(()),
                k => Err(k),
            },
        };
        crate::proto::link::on_read(&mut self.exchange, rx, read, Instant::now())
    }

    /// Writes `tx` for the operation whose line is `line`.
    fn write(&mut self, tx: Tx, line: &Line<'_>) -> Result<(), Error> {
        let end = self.exchange.config.line_end;
        let mut num = [0u8; 10];
        let mut chunks = Chunks::new(tx, line, end);
        while let Some(chunk) = chunks.next(&mut num) {
            self.port.write_all(chunk).map_err(io)?;
            self.exchange.wrote(tx, chunk.len(), Instant::now());
        }
        crate::log::sent(tx, line, end);
        self.port.flush().map_err(io)?;
        self.exchange.sent(tx, Instant::now());
        Ok(())
    }

    /// Runs one operation, `line` as `op`, to its end. Once the module answered (`OK` or an
    /// error), `reader` reads the reply and a collecting op's kept answer before it is
    /// released.
    pub(crate) fn run(
        &mut self,
        line: &Line<'_>,
        op: Op,
        reader: Option<crate::proto::op::Reader<'_>>,
    ) -> Result<Reply, Error> {
        self.exchange.check(op, line)?;
        let size = line
            .data()
            .map(|d| u16::try_from(d.len()).unwrap_or(u16::MAX));
        let mut ticket = self.exchange.start(op, size, line.name())?;
        let r = loop {
            match self.exchange.poll(&mut ticket, Instant::now()) {
                Some(Step::Done(r)) => break r,
                Some(Step::Write(tx)) => {
                    if let Err(e) = self.write(tx, line) {
                        self.exchange.abandon(&mut ticket);
                        break Err(e);
                    }
                }
                None => {
                    if let Err(e) = self.read_port() {
                        self.exchange.abandon(&mut ticket);
                        break Err(e);
                    }
                }
            }
        };
        let rx: &mut RxBuf<[u8]> = &mut self.rx;
        if let (true, Some(read)) = (crate::proto::op::answered(&r), reader) {
            // Only a collecting command has an answer kept for it.
            read(if op.collects() { rx.answer() } else { &[] }, r.ok());
        }
        if op.collects() {
            rx.release_answer();
        }
        r
    }

    /// Sends `cmd` and waits for its end; its operation follows from it.
    #[inline(always)]
    pub(crate) fn request(&mut self, cmd: &Command<'_>) -> Result<(), Error> {
        self.run(&cmd.line(), Op::of(cmd), None).map(|_| ())
    }

    /// Runs a collecting command and `f` over its answer.
    pub(crate) fn collect<T>(
        &mut self,
        cmd: &Command<'_>,
        f: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, Error> {
        let op = Op::of(cmd);
        let mut f = Some(f);
        let mut out = None;
        let mut read = |answer: &[u8], reply: Option<Reply>| {
            if let (Some(_), Some(f)) = (reply, f.take()) {
                out = f(answer);
            }
        };
        self.run(&cmd.line(), op, Some(&mut read))?;
        out.ok_or(Error::UnexpectedAnswer)
    }

    /// Reads the port for up to `timeout`, and lends the next unsolicited event to `f`, if one
    /// came. In receive mode 1 this reads a waiting message with `AT+MQTTREAD`; see the async
    /// [`next_event`](crate::asynch::Control::next_event) for what waits and what is counted
    /// as lost. Fails with the port's error once a read failed or ended, and at once on every
    /// later call.
    pub fn poll_event<T>(
        &mut self,
        timeout: Duration,
        f: impl FnOnce(Event<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        let deadline = Instant::now().saturating_add(timeout);
        loop {
            let rx: &RxBuf<[u8]> = &self.rx;
            match self.exchange.ready(rx.holds_message()) {
                Some(Ready::Event) => {
                    if let Some(taken) = self.exchange.events.take() {
                        return Ok(Some(f(taken.event())));
                    }
                }
                Some(Ready::Message) => return Ok(self.lend_message(|m| f(Event::Message(m)))),
                Some(Ready::Read(id)) => {
                    // A message read is held: handed out after the events that came before its
                    // answer ended, in the next turn.
                    let read = self.run(&Command::Read(id).line(), Op::Read(id), None);
                    let read = read.map(|_| ());
                    if let Some(event) = self.exchange.read_outcome(id, read)? {
                        return Ok(Some(f(event)));
                    }
                }
                Some(Ready::LinkDown(e)) => return Err(e),
                None => {
                    let rx: &RxBuf<[u8]> = &self.rx;
                    if Instant::now() >= deadline || rx.blocked(false) {
                        return Ok(None);
                    }
                    self.read_port()?;
                }
            }
        }
    }

    /// `AT+MQTTREAD=<id>`; see
    /// [`asynch::Control::read_message`](crate::asynch::Control::read_message).
    pub fn read_message<T>(
        &mut self,
        id: ClientId,
        f: impl FnOnce(crate::codec::Message<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        match self.run(&Command::Read(id).line(), Op::Read(id), None)? {
            Reply::Read(true) => Ok(self.lend_message(f)),
            _ => Ok(None),
        }
    }

    /// Lends the held message to `f`, and lets it go.
    fn lend_message<T>(&mut self, f: impl FnOnce(crate::codec::Message<'_>) -> T) -> Option<T> {
        let rx: &mut RxBuf<[u8]> = &mut self.rx;
        let out = rx.message().map(f);
        rx.release_message();
        out
    }
}
