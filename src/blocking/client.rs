//! The blocking client: one port, the protocol state, the receive buffer.

use embassy_time::{Duration, Instant};
use embedded_io::{ErrorKind, Read, Write};

use crate::codec::line::Line;
use crate::codec::Command;
use crate::config::Config;
use crate::error::{ConnState, Error};
use crate::event::Event;
use crate::proto::machine::Machine;
use crate::proto::op::Op;
use crate::proto::rx::RxBuf;
use crate::types::ClientId;

/// The blocking driver. `N` is the receive buffer (at least
/// [`RX_BUFFER_MIN`](crate::RX_BUFFER_MIN) to receive the largest messages).
pub struct Client<P, const N: usize> {
    pub(crate) port: P,
    pub(crate) machine: Machine,
    pub(crate) rx: RxBuf<[u8; N]>,
    pub(crate) config: Config,
}

fn io<E: embedded_io::Error>(e: E) -> Error {
    Error::Io(e.kind())
}

impl<P: Read + Write, const N: usize> Client<P, N> {
    /// A client over `port`. Call [`start`](Self::start) next.
    pub fn new(port: P, config: Config) -> Self {
        Client {
            port,
            machine: Machine::default(),
            rx: RxBuf::new(),
            config,
        }
    }

    /// The settings in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Changes the settings; operations started from now on use them.
    pub fn config_mut(&mut self) -> &mut Config {
        &mut self.config
    }

    /// The state of client `id`, as the driver tracks it.
    pub fn state(&self, id: ClientId) -> ConnState {
        self.machine.client(id).state
    }

    /// The port, to use it directly (any bytes it then receives bypass the driver).
    pub fn port_mut(&mut self) -> &mut P {
        &mut self.port
    }

    /// Gives the port back.
    pub fn release(self) -> P {
        self.port
    }

    fn rx(&mut self) -> &mut RxBuf<[u8]> {
        &mut self.rx
    }

    /// Reads and dispatches until `check` gives a value or `timeout` passes.
    pub(crate) fn pump<T>(
        &mut self,
        timeout: Duration,
        mut check: impl FnMut(&mut Machine) -> Option<T>,
    ) -> Result<Option<T>, Error> {
        let deadline = Instant::now().saturating_add(timeout);
        loop {
            if let Some(v) = check(&mut self.machine) {
                return Ok(Some(v));
            }
            if Instant::now() >= deadline {
                return Ok(None);
            }
            let space = self.rx().space();
            if space == 0 {
                // Full of kept data: nothing more can come in until it is released.
                return Ok(None);
            }
            let mut chunk = [0u8; 64];
            let want = chunk.get_mut(..space.min(64)).unwrap_or(&mut []);
            match self.port.read(want) {
                Ok(0) => return Err(Error::Io(ErrorKind::BrokenPipe)),
                Ok(n) => {
                    let rx: &mut RxBuf<[u8]> = &mut self.rx;
                    rx.push(chunk.get(..n).unwrap_or(&[]));
                    let _ = rx.process(&mut self.machine);
                }
                Err(e) => match embedded_io::Error::kind(&e) {
                    ErrorKind::TimedOut | ErrorKind::Interrupted => {}
                    k => return Err(Error::Io(k)),
                },
            }
        }
    }

    /// Waits for answers owed to abandoned commands (see the async driver).
    fn settle(&mut self) -> Result<(), Error> {
        if self.machine.settled() {
            return Ok(());
        }
        let limit = self.machine.settle_limit(&self.config);
        if self.pump(limit, |m| m.settled().then_some(()))?.is_none() {
            if let Some(n) = self.machine.take_filler() {
                crate::log::note("completing an abandoned data publish with NUL bytes");
                for chunk in crate::proto::filler(n) {
                    self.port.write_all(chunk).map_err(io)?;
                }
                self.port.flush().map_err(io)?;
                let t = self.config.answer_timeout;
                self.pump(t, |m| m.settled().then_some(()))?;
            }
            self.machine.force_settle();
        }
        Ok(())
    }

    /// Sends `cmd` as `op` and waits for its final result. For a collecting op the answer stays
    /// kept in the receive buffer; the caller reads it and calls `release_answer`.
    ///
    /// Builds the command's line here, where the command is known, so that only its template
    /// and checks are compiled at each call.
    #[inline(always)]
    pub(crate) fn transact(&mut self, cmd: &Command<'_>, op: Op) -> Result<(), Error> {
        self.transact_line(cmd.line(), op)
    }

    fn transact_line(&mut self, line: Line<'_>, op: Op) -> Result<(), Error> {
        let r = self.transact_keep_line(line, op);
        if r.is_err() {
            self.rx().release_answer();
        }
        r
    }

    /// [`transact`](Self::transact), keeping a collecting op's answer also when the module
    /// answered `ERROR` (the caller releases it).
    #[inline(always)]
    pub(crate) fn transact_keep(&mut self, cmd: &Command<'_>, op: Op) -> Result<(), Error> {
        self.transact_keep_line(cmd.line(), op)
    }

    fn transact_keep_line(&mut self, line: Line<'_>, op: Op) -> Result<(), Error> {
        line.check()?;
        self.settle()?;
        self.machine.begin(op)?;
        let r = self.transact_inner(&line);
        let verdict = matches!(r, Err(Error::Module(_) | Error::Refused(_)));
        if !op.collects() || (r.is_err() && !verdict) {
            self.rx().release_answer();
        }
        r
    }

    fn transact_inner(&mut self, line: &Line<'_>) -> Result<(), Error> {
        let abandon = |me: &mut Self, data_left: Option<u16>, e: Error| {
            me.machine.abandon(data_left);
            Err(e)
        };
        // Checked by the caller.
        if let Err(e) = line.write(&mut self.port, self.config.line_end) {
            return abandon(self, None, io(e));
        }
        if let Err(e) = self.port.flush() {
            return abandon(self, None, io(e));
        }
        crate::log::command(line, self.config.line_end);
        if let Some(data) = line.data() {
            let size = u16::try_from(data.len()).ok();
            let t = self.config.prompt_timeout;
            let prompted = self.pump(t, |m| {
                if m.prompted() {
                    Some(Ok(()))
                } else {
                    m.inflight
                        .and_then(|i| i.done)
                        .map(|d| d.and(Err(Error::UnexpectedAnswer)))
                }
            })?;
            match prompted {
                None => return abandon(self, size, Error::PromptTimeout),
                Some(Err(e)) => {
                    self.machine.take_done();
                    return Err(e);
                }
                Some(Ok(())) => {}
            }
            if let Err(e) = self.port.write_all(data).and_then(|()| self.port.flush()) {
                return abandon(self, size, io(e));
            }
            crate::log::tx(data);
        }
        let t = self.config.answer_timeout;
        match self.pump(t, |m| m.take_done()) {
            Ok(Some(done)) => done,
            Ok(None) => abandon(self, None, Error::AnswerTimeout),
            Err(e) => abandon(self, None, e),
        }
    }

    /// Sends a command that has a result line, and waits for both.
    #[inline(always)]
    pub(crate) fn transact_result(
        &mut self,
        id: ClientId,
        cmd: &Command<'_>,
        op: Op,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.transact_result_line(id, cmd.line(), op, timeout)
    }

    pub(crate) fn transact_result_line(
        &mut self,
        id: ClientId,
        line: Line<'_>,
        op: Op,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.transact_line(line, op)?;
        match self.pump(timeout, |m| m.take_result(id)) {
            Ok(Some(r)) => r,
            Ok(None) => {
                self.machine.abandon_result(id);
                Err(Error::ResultTimeout)
            }
            Err(e) => {
                self.machine.abandon_result(id);
                Err(e)
            }
        }
    }

    /// Runs a collecting command and `f` over its answer.
    #[inline(always)]
    pub(crate) fn collect<T>(
        &mut self,
        cmd: &Command<'_>,
        op: Op,
        f: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, Error> {
        self.collect_line(cmd.line(), op, f)
    }

    fn collect_line<T>(
        &mut self,
        line: Line<'_>,
        op: Op,
        f: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, Error> {
        let r = self.transact_keep_line(line, op);
        let out = r.as_ref().ok().map(|()| f(self.rx().answer()));
        self.rx().release_answer();
        r?;
        out.flatten().ok_or(Error::UnexpectedAnswer)
    }

    /// Reads the port for up to `timeout`, and lends the next unsolicited event to `f`, if one
    /// came. In receive mode 1 this reads a waiting message with `AT+MQTTREAD`; see the async
    /// [`next_event`](crate::asynch::Client::next_event) for what waits and what is counted
    /// as lost.
    pub fn poll_event<T>(
        &mut self,
        timeout: Duration,
        f: impl FnOnce(Event<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        let deadline = Instant::now().saturating_add(timeout);
        let mut f = Some(f);
        let mut lend = |ev: Event<'_>| f.take().map(|f| f(ev));
        loop {
            if let Some(ev) = crate::asynch::queued_event(&mut self.machine) {
                return Ok(lend(ev));
            }
            if self.machine.message_held {
                return Ok(self.take_message(|m| lend(Event::Message(m))).flatten());
            }
            let waiting = ClientId::ALL
                .into_iter()
                .find(|&id| self.machine.client(id).waiting > 0);
            if let Some(id) = waiting {
                // A message read is held: handed out after the events that came before its
                // answer ended, in the next turn.
                match self.fetch(id) {
                    Ok(_) => continue,
                    Err(error) => return Ok(lend(Event::ReadFailed { client: id, error })),
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            let ready = self.pump(left, |m| {
                (!m.events.is_empty()
                    || m.message_held
                    || m.events.any_lost()
                    || m.clients.iter().any(|c| c.waiting > 0))
                .then_some(())
            })?;
            if ready.is_none() {
                return Ok(None);
            }
        }
    }

    /// `AT+MQTTREAD=<id>`; see
    /// [`asynch::Client::read_message`](crate::asynch::Client::read_message).
    pub fn read_message<T>(
        &mut self,
        id: ClientId,
        f: impl FnOnce(crate::codec::Message<'_>) -> T,
    ) -> Result<Option<T>, Error> {
        // The read answers one announcement when it goes out (see `Machine::begin`).
        if !self.fetch(id)? {
            return Ok(None);
        }
        Ok(self.take_message(f))
    }

    /// Sends `AT+MQTTREAD`; `Ok(true)` when a message came (held in the receive buffer like a
    /// mode-0 message), `Ok(false)` when the module had none.
    fn fetch(&mut self, id: ClientId) -> Result<bool, Error> {
        self.transact(&Command::Read(id), Op::Read(id))?;
        self.machine.read.ok_or(Error::UnexpectedAnswer)
    }

    /// Lends the held message to `f`, and lets it go.
    fn take_message<T>(&mut self, f: impl FnOnce(crate::codec::Message<'_>) -> T) -> Option<T> {
        self.machine.message_held = false;
        let rx: &mut RxBuf<[u8]> = &mut self.rx;
        let out = rx.message().map(f);
        rx.message = None;
        out
    }
}
