//! A scripted serial port for testing firmware against a transcript of the module, without
//! hardware (feature `scripted`; `no_std`, no allocation).
//!
//! The script is text, one directive a line:
//!
//! ```text
//! # comments and blank lines are ignored
//! >> AT+MQTTSUB=1,"a",0\r        what the driver must write next, byte for byte
//! << \r\nOK\r\n                  what the module sends
//! .. 200                         a pause of 200 ms before the module sends what follows
//! ```
//!
//! Escapes: `\r`, `\n`, `\0`, `\\`, `\s` (a space, for trailing spaces) and `\xNN`. The text
//! after `>> ` / `<< ` is taken exactly.
//!
//! Causality is kept: the module's lines after a `>>` line become readable only once the
//! driver wrote that line; the driver may write while earlier module output is still unread.
//! Any byte that differs from the script, and any write past its end, is recorded;
//! [`Script::finish`] reports it, or what was left unread or unwritten.
//!
//! # Testing your firmware's code
//!
//! Write the code that uses the driver generic over the port's write half (the HAL's UART in
//! the firmware, the script in a test), and run it with [`run`]: a fresh driver over the
//! script, its runner beside your code, and the script checked at the end.
//!
//! ```
//! use fibocom_mqtt::asynch::{Control, Write};
//! use fibocom_mqtt::{scripted, Broker, ClientId, Config, Error, QoS};
//!
//! /// The firmware's code under test: connect and report a reading.
//! async fn report<W: Write>(control: &Control<'_, W>, reading: &[u8]) -> Result<(), Error> {
//!     control.open(ClientId::One, Broker::new("broker", 1883)).await?;
//!     control.publish(ClientId::One, "telemetry", reading, QoS::AtLeastOnce, false).await
//! }
//!
//! const SCRIPT: &str = r#"
//! >> AT+MQTTOPEN=1,"broker",1883,1,60\r
//! << \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
//! >> AT+MQTTPUB=1,"telemetry",1,0,"21.5"\r
//! << \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
//! "#;
//!
//! let result = scripted::run::<512, _>(SCRIPT, Config::default(), async |control| {
//!     report(control, b"21.5").await
//! });
//! assert_eq!(result, Ok(Ok(()))); // the script played to its end, and report succeeded
//! ```
//!
//! A byte the code writes that the script does not expect ends the run with
//! [`ScriptError::Mismatch`] (line, offset, the byte expected and the one written); the
//! driver sees a port error, so the code under test fails too. Inside your own executor, the
//! pieces are [`Script::split`], [`asynch::new`](crate::asynch::new) and [`drive`].

use core::cell::RefCell;
use core::future::poll_fn;
use core::task::Poll;

use core::future::Future;
use core::pin::pin;

use embassy_futures::select::{select, Either};
use embassy_sync::waitqueue::WakerRegistration;
use embassy_time::{Duration, Instant, Timer};
use embedded_io::ErrorKind;

use crate::config::Config;

/// A place in the script: which line, and how far into its text.
#[derive(Debug, Clone, Copy, Default)]
struct Cursor {
    /// Byte offset of the line's start in the script.
    line: usize,
    /// Byte offset inside the line's content (after the marker).
    at: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Write,
    Read,
    Pause,
    Skip,
}

/// What went wrong, from [`Script::finish`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ScriptError<'s> {
    /// The driver wrote `got` where line `line` (1-based) expected `expected` at offset `at`.
    Mismatch {
        /// The line's number.
        line: usize,
        /// The line's text.
        text: &'s str,
        /// Offset of the byte within the line's bytes.
        at: usize,
        /// The byte expected.
        expected: u8,
        /// The byte written.
        got: u8,
    },
    /// The driver wrote `got` after the script's last `>>` line.
    Unexpected {
        /// The byte written.
        got: u8,
    },
    /// The script still expected the driver to write line `line`.
    NotWritten {
        /// The line's number.
        line: usize,
        /// The line's text.
        text: &'s str,
    },
    /// The driver never read line `line` of the module's output.
    NotRead {
        /// The line's number.
        line: usize,
        /// The line's text.
        text: &'s str,
    },
}

impl core::fmt::Display for ScriptError<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ScriptError::Mismatch {
                line,
                text,
                at,
                expected,
                got,
            } => write!(
                f,
                "line {line} `{text}`: byte {at} written as {:?}, expected {:?}",
                char::from(*got),
                char::from(*expected)
            ),
            ScriptError::Unexpected { got } => {
                write!(
                    f,
                    "wrote {:?} after the end of the script",
                    char::from(*got)
                )
            }
            ScriptError::NotWritten { line, text } => write!(f, "line {line} `{text}` not written"),
            ScriptError::NotRead { line, text } => write!(f, "line {line} `{text}` not read"),
        }
    }
}

struct Inner<'s> {
    reader: Cursor,
    writer: Cursor,
    pause_until: Option<Instant>,
    error: Option<ScriptError<'s>>,
    waker: WakerRegistration,
}

/// A scripted port. Split it with [`Script::split`] for the async driver, or use `&Script`'s
/// halves for the blocking driver ([`Script::port`]).
pub struct Script<'s> {
    text: &'s str,
    inner: RefCell<Inner<'s>>,
}

/// Decodes one byte of `content` at `*at`, moving `*at` past it.
fn next_byte(content: &[u8], at: &mut usize) -> Option<u8> {
    let b = *content.get(*at)?;
    if b != b'\\' {
        *at = at.saturating_add(1);
        return Some(b);
    }
    let e = *content.get(at.saturating_add(1))?;
    let (byte, len) = match e {
        b'r' => (b'\r', 2),
        b'n' => (b'\n', 2),
        b'0' => (0, 2),
        b's' => (b' ', 2),
        b'\\' => (b'\\', 2),
        b'x' => {
            let hex = content.get(at.saturating_add(2)..at.saturating_add(4))?;
            let s = core::str::from_utf8(hex).ok()?;
            (u8::from_str_radix(s, 16).ok()?, 4)
        }
        other => (other, 2),
    };
    *at = at.saturating_add(len);
    Some(byte)
}

impl<'s> Script<'s> {
    /// A port that plays `text`.
    pub fn new(text: &'s str) -> Self {
        Script {
            text,
            inner: RefCell::new(Inner {
                reader: Cursor::default(),
                writer: Cursor::default(),
                pause_until: None,
                error: None,
                waker: WakerRegistration::new(),
            }),
        }
    }

    /// The line starting at `start`: its kind, content, and the start of the next line.
    fn line(&self, start: usize) -> Option<(Kind, &'s str, usize)> {
        let rest = self.text.get(start..)?;
        if rest.is_empty() {
            return None;
        }
        let len = rest.find('\n').unwrap_or(rest.len());
        let next = start
            .saturating_add(len)
            .saturating_add(1)
            .min(self.text.len());
        let raw = rest.get(..len).unwrap_or("").trim_end_matches('\r');
        let trimmed = raw.trim_start();
        let (kind, content) = if let Some(c) = trimmed.strip_prefix(">>") {
            (Kind::Write, c.strip_prefix(' ').unwrap_or(c))
        } else if let Some(c) = trimmed.strip_prefix("<<") {
            (Kind::Read, c.strip_prefix(' ').unwrap_or(c))
        } else if let Some(c) = trimmed.strip_prefix("..") {
            (Kind::Pause, c.trim())
        } else {
            (Kind::Skip, trimmed)
        };
        Some((kind, content, next))
    }

    fn line_number(&self, start: usize) -> usize {
        self.text
            .get(..start)
            .map_or(0, |t| t.bytes().filter(|&b| b == b'\n').count())
            .saturating_add(1)
    }

    /// Feeds bytes the driver wrote.
    fn write_bytes(&self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let mut inner = self.inner.try_borrow_mut().map_err(|_| ErrorKind::Other)?;
        if inner.error.is_some() {
            return Err(ErrorKind::InvalidData);
        }
        for &got in buf {
            loop {
                let Some((kind, content, next)) = self.line(inner.writer.line) else {
                    inner.error = Some(ScriptError::Unexpected { got });
                    return Err(ErrorKind::InvalidData);
                };
                if kind != Kind::Write || inner.writer.at >= content.len() {
                    inner.writer = Cursor { line: next, at: 0 };
                    continue;
                }
                let mut at = inner.writer.at;
                let offset = content.as_bytes().get(..at).map_or(0, |c| {
                    let mut i = 0;
                    let mut n = 0usize;
                    while next_byte(c, &mut i).is_some() {
                        n = n.saturating_add(1);
                    }
                    n
                });
                let expected = next_byte(content.as_bytes(), &mut at).unwrap_or(0);
                if got != expected {
                    inner.error = Some(ScriptError::Mismatch {
                        line: self.line_number(inner.writer.line),
                        text: content,
                        at: offset,
                        expected,
                        got,
                    });
                    return Err(ErrorKind::InvalidData);
                }
                inner.writer.at = at;
                if at >= content.len() {
                    inner.writer = Cursor { line: next, at: 0 };
                    inner.waker.wake();
                }
                break;
            }
        }
        Ok(buf.len())
    }

    /// What the reader can do now.
    fn read_bytes(&self, buf: &mut [u8]) -> ReadStep {
        let Ok(mut inner) = self.inner.try_borrow_mut() else {
            return ReadStep::Wait;
        };
        loop {
            let Some((kind, content, next)) = self.line(inner.reader.line) else {
                return ReadStep::End;
            };
            match kind {
                Kind::Skip => inner.reader = Cursor { line: next, at: 0 },
                Kind::Write => {
                    // Readable only once the driver wrote this line.
                    if inner.writer.line > inner.reader.line {
                        inner.reader = Cursor { line: next, at: 0 };
                    } else {
                        return ReadStep::Wait;
                    }
                }
                Kind::Pause => {
                    let until = match inner.pause_until {
                        Some(u) => u,
                        None => {
                            let ms = content.parse::<u64>().unwrap_or(0);
                            let u = Instant::now().saturating_add(Duration::from_millis(ms));
                            inner.pause_until = Some(u);
                            u
                        }
                    };
                    if Instant::now() < until {
                        return ReadStep::Pause(until);
                    }
                    inner.pause_until = None;
                    inner.reader = Cursor { line: next, at: 0 };
                }
                Kind::Read => {
                    let mut n: usize = 0;
                    let mut at = inner.reader.at;
                    for slot in buf.iter_mut() {
                        match next_byte(content.as_bytes(), &mut at) {
                            Some(b) => {
                                *slot = b;
                                n = n.saturating_add(1);
                            }
                            None => break,
                        }
                    }
                    inner.reader.at = at;
                    if at >= content.len() {
                        inner.reader = Cursor { line: next, at: 0 };
                    }
                    if n > 0 {
                        return ReadStep::Got(n);
                    }
                }
            }
        }
    }

    /// Checks that the driver wrote exactly the script's `>>` lines and read all of its `<<`
    /// lines.
    pub fn finish(&self) -> Result<(), ScriptError<'s>> {
        let inner = self
            .inner
            .try_borrow()
            .map_err(|_| ScriptError::Unexpected { got: 0 })?;
        if let Some(e) = inner.error {
            return Err(e);
        }
        let mut at = inner.writer.line;
        while let Some((kind, content, next)) = self.line(at) {
            if kind == Kind::Write && !(at == inner.writer.line && inner.writer.at >= content.len())
            {
                return Err(ScriptError::NotWritten {
                    line: self.line_number(at),
                    text: content,
                });
            }
            at = next;
        }
        let mut at = inner.reader.line;
        while let Some((kind, content, next)) = self.line(at) {
            if kind == Kind::Read {
                return Err(ScriptError::NotRead {
                    line: self.line_number(at),
                    text: content,
                });
            }
            at = next;
        }
        Ok(())
    }

    /// The two halves, for the async driver.
    pub fn split(&self) -> (Reader<'_, 's>, Writer<'_, 's>) {
        (Reader(self), Writer(self))
    }

    /// One value that reads and writes, for the blocking driver (reads return
    /// [`TimedOut`](ErrorKind::TimedOut) while nothing is due).
    pub fn port(&self) -> Port<'_, 's> {
        Port(self)
    }
}

/// The async handle over a script, named without the writer's type.
pub type Control<'d, 'a, 's> = crate::asynch::Control<'d, Writer<'a, 's>>;

/// The runner over a script, named without the reader's type.
pub type Runner<'d, 'a, 's> = crate::asynch::Runner<'d, Reader<'a, 's>>;

/// Runs `op` while `runner` reads the port, in one future: what a firmware does with a task for
/// the runner, for a test or a host program. Returns what `op` returned; if the runner stops
/// first (the link failed), `op` goes on alone, and the driver's operations then fail with the
/// port's error.
pub async fn drive<R, T>(
    runner: &mut crate::asynch::Runner<'_, R>,
    op: impl Future<Output = T>,
) -> T
where
    R: embedded_io_async::Read,
{
    let mut op = pin!(op);
    match select(runner.run(), op.as_mut()).await {
        Either::First(_) => op.await,
        Either::Second(out) => out,
    }
}

/// Runs `test` against the script `text`: an async driver over it (a fresh
/// [`State<N>`](crate::asynch::State) with `config`), its runner beside `test` ([`drive`]),
/// on the calling thread (`embassy_futures::block_on`, which polls in a loop: no executor
/// needed, only embassy-time's driver, `std` in a host test). Then checks the script ([`Script::finish`]): `Ok` with what `test` returned if the
/// driver wrote every `>>` line exactly and read every `<<` line.
pub fn run<'s, const N: usize, T>(
    text: &'s str,
    config: Config,
    test: impl for<'c> AsyncFnOnce(&'c Control<'c, 'c, 's>) -> T,
) -> Result<T, ScriptError<'s>> {
    let script = Script::new(text);
    let mut state = crate::asynch::State::<N>::new();
    let (rx, tx) = script.split();
    let (mut runner, control) = crate::asynch::new(&mut state, rx, tx, config);
    let out = embassy_futures::block_on(drive(&mut runner, test(&control)));
    script.finish().map(|()| out)
}

enum ReadStep {
    Got(usize),
    Wait,
    Pause(Instant),
    End,
}

/// The read half of a [`Script`].
pub struct Reader<'a, 's>(&'a Script<'s>);
/// The write half of a [`Script`].
pub struct Writer<'a, 's>(&'a Script<'s>);
/// A [`Script`] as one blocking port.
pub struct Port<'a, 's>(&'a Script<'s>);

/// The error of a scripted port: the kind only; [`Script::finish`] has the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PortError(pub ErrorKind);

impl core::fmt::Display for PortError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}
impl core::error::Error for PortError {}
impl embedded_io::Error for PortError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl embedded_io::ErrorType for Reader<'_, '_> {
    type Error = PortError;
}
impl embedded_io::ErrorType for Writer<'_, '_> {
    type Error = PortError;
}
impl embedded_io::ErrorType for Port<'_, '_> {
    type Error = PortError;
}

impl embedded_io_async::Read for Reader<'_, '_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        loop {
            match self.0.read_bytes(buf) {
                ReadStep::Got(n) => return Ok(n),
                ReadStep::Pause(until) => Timer::at(until).await,
                ReadStep::Wait | ReadStep::End => {
                    let mut first = true;
                    poll_fn(|cx| {
                        if first {
                            first = false;
                            if let Ok(mut i) = self.0.inner.try_borrow_mut() {
                                i.waker.register(cx.waker());
                            }
                            Poll::Pending
                        } else {
                            Poll::Ready(())
                        }
                    })
                    .await;
                }
            }
        }
    }
}

impl embedded_io_async::Write for Writer<'_, '_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        self.0.write_bytes(buf).map_err(PortError)
    }
    async fn flush(&mut self) -> Result<(), PortError> {
        Ok(())
    }
}

impl embedded_io::Read for Port<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        match self.0.read_bytes(buf) {
            ReadStep::Got(n) => Ok(n),
            ReadStep::Pause(_) | ReadStep::Wait | ReadStep::End => {
                embassy_time::block_for(Duration::from_micros(200));
                Err(PortError(ErrorKind::TimedOut))
            }
        }
    }
}

impl embedded_io::Write for Port<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        self.0.write_bytes(buf).map_err(PortError)
    }
    fn flush(&mut self) -> Result<(), PortError> {
        Ok(())
    }
}
