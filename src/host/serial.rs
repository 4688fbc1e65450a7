//! A tty or pseudo-terminal, raw, with reads that time out.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::Duration;

use embedded_io::{ErrorType, Read, Write};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, Flock, FlockArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{self, BaudRate, ControlFlags, SetArg, SpecialCharacterIndices};

use super::{timed_out, READ_TIMEOUT};

/// A serial device (a tty such as `/dev/ttyUSB2`, or the slave side of a pseudo-terminal) set
/// to raw mode (8N1, no echo, no line editing, no flow control, `CLOCAL`), as an `embedded_io`
/// port whose reads time out with `TimedOut` (see the [module](super) documentation).
///
/// A device opened with [`open`](Self::open) is locked with `flock`, so a second program using
/// this crate on the same device is told it is busy instead of mixing its commands into the
/// first one's.
#[derive(Debug)]
pub struct SerialPort {
    file: Device,
    timeout: PollTimeout,
}

#[derive(Debug)]
enum Device {
    Locked(Flock<File>),
    Plain(File),
}

impl Device {
    fn file(&self) -> &File {
        match self {
            Device::Locked(f) => f,
            Device::Plain(f) => f,
        }
    }
}

/// Why [`SerialPort::open`] failed, worded for a person.
#[derive(Debug)]
#[non_exhaustive]
pub enum OpenError {
    /// No such device (`ENOENT`, `ENXIO`, `ENODEV`): is the module plugged in?
    NotFound(io::Error),
    /// Permission denied: on most Linux systems the user must be in the `dialout` group.
    PermissionDenied(io::Error),
    /// Another program holds the device (its `flock`, or `EBUSY`).
    Busy,
    /// The path is not a terminal (`tcgetattr` failed with `ENOTTY`).
    NotATty,
    /// The line rate is not one termios offers.
    UnsupportedBaud(u32),
    /// Any other failure of opening or setting up the device.
    Other(io::Error),
}

impl core::fmt::Display for OpenError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            OpenError::NotFound(_) => f.write_str("not found (is the module plugged in?)"),
            OpenError::PermissionDenied(_) => {
                f.write_str("permission denied (is the user in the dialout group?)")
            }
            OpenError::Busy => f.write_str("busy (another program has it)"),
            OpenError::NotATty => f.write_str("not a serial device"),
            OpenError::UnsupportedBaud(b) => write!(f, "unsupported baud rate {b}"),
            OpenError::Other(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for OpenError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            OpenError::NotFound(e) | OpenError::PermissionDenied(e) | OpenError::Other(e) => {
                Some(e)
            }
            _ => None,
        }
    }
}

impl From<Errno> for OpenError {
    fn from(e: Errno) -> Self {
        OpenError::Other(e.into())
    }
}

impl SerialPort {
    /// Opens `path` at `baud` (ignored where the device has no line rate, as on a
    /// pseudo-terminal), raw, locked against other users; reads time out after
    /// [`READ_TIMEOUT`].
    pub fn open(path: impl AsRef<Path>, baud: u32) -> Result<SerialPort, OpenError> {
        let rate = baud_rate(baud).ok_or(OpenError::UnsupportedBaud(baud))?;
        // Non-blocking for the open itself (a tty without carrier would block), then blocking.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .custom_flags((OFlag::O_NOCTTY | OFlag::O_NONBLOCK).bits())
            .open(path)
            .map_err(|e| match Errno::from_raw(e.raw_os_error().unwrap_or(0)) {
                Errno::ENOENT | Errno::ENXIO | Errno::ENODEV => OpenError::NotFound(e),
                Errno::EACCES | Errno::EPERM => OpenError::PermissionDenied(e),
                Errno::EBUSY => OpenError::Busy,
                _ => OpenError::Other(e),
            })?;
        let file =
            Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| match e {
                Errno::EWOULDBLOCK => OpenError::Busy,
                e => OpenError::from(e),
            })?;
        fcntl(file.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))?;
        configure(file.as_fd(), Some(rate))?;
        Ok(SerialPort {
            file: Device::Locked(file),
            timeout: timeout(READ_TIMEOUT),
        })
    }

    /// Takes a terminal opened elsewhere (the slave side of `openpty`, say), sets it to raw
    /// mode and blocking reads (with `baud`, if given), without locking it.
    pub fn from_file(file: File, baud: Option<u32>) -> Result<SerialPort, OpenError> {
        let rate = match baud {
            Some(b) => Some(baud_rate(b).ok_or(OpenError::UnsupportedBaud(b))?),
            None => None,
        };
        fcntl(file.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))?;
        configure(file.as_fd(), rate)?;
        Ok(SerialPort {
            file: Device::Plain(file),
            timeout: timeout(READ_TIMEOUT),
        })
    }

    /// Changes how long a read waits before it reports `TimedOut` (1 ms to 65 s).
    pub fn set_read_timeout(&mut self, t: Duration) {
        self.timeout = timeout(t);
    }

    /// Discards what was received and not read yet, and what was written and not sent yet.
    pub fn discard_buffers(&self) -> io::Result<()> {
        termios::tcflush(self.file.file().as_fd(), termios::FlushArg::TCIOFLUSH)
            .map_err(io::Error::from)
    }

    /// The device.
    pub fn get_ref(&self) -> &File {
        self.file.file()
    }
}

/// A read timeout in whole milliseconds, 1 to `u16::MAX`.
fn timeout(t: Duration) -> PollTimeout {
    let ms = u16::try_from(t.as_millis()).unwrap_or(u16::MAX).max(1);
    PollTimeout::from(ms)
}

/// Raw mode, 8N1, no flow control, reads that wait for one byte (the timeout is `poll`'s).
fn configure(fd: std::os::fd::BorrowedFd<'_>, rate: Option<BaudRate>) -> Result<(), OpenError> {
    let mut t = termios::tcgetattr(fd).map_err(|e| match e {
        Errno::ENOTTY | Errno::EINVAL => OpenError::NotATty,
        e => OpenError::from(e),
    })?;
    termios::cfmakeraw(&mut t);
    t.control_flags |= ControlFlags::CLOCAL | ControlFlags::CREAD;
    t.control_flags &= !(ControlFlags::CRTSCTS | ControlFlags::CSTOPB);
    one_byte_reads(&mut t);
    if let Some(rate) = rate {
        // A pseudo-terminal has no line rate: a refusal there is harmless.
        let _ = termios::cfsetspeed(&mut t, rate);
    }
    if termios::tcsetattr(fd, SetArg::TCSANOW, &t).is_err() {
        let mut t = termios::tcgetattr(fd)?;
        termios::cfmakeraw(&mut t);
        one_byte_reads(&mut t);
        termios::tcsetattr(fd, SetArg::TCSANOW, &t)?;
    }
    let _ = termios::tcflush(fd, termios::FlushArg::TCIOFLUSH);
    Ok(())
}

/// VMIN 1, VTIME 0: a read returns at least one byte, or 0 only when the line hung up.
fn one_byte_reads(t: &mut termios::Termios) {
    for (i, v) in [
        (SpecialCharacterIndices::VMIN, 1),
        (SpecialCharacterIndices::VTIME, 0),
    ] {
        if let Some(c) = t.control_chars.get_mut(i as usize) {
            *c = v;
        }
    }
}

fn hung_up() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the serial device hung up")
}

impl ErrorType for SerialPort {
    type Error = io::Error;
}

impl Read for SerialPort {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut file = self.file.file();
        let mut fds = [PollFd::new(file.as_fd(), PollFlags::POLLIN)];
        match poll(&mut fds, self.timeout) {
            Ok(0) => return Err(timed_out()),
            Ok(_) => {}
            Err(Errno::EINTR) => return Err(io::ErrorKind::Interrupted.into()),
            Err(e) => return Err(e.into()),
        }
        let events = fds
            .first()
            .and_then(PollFd::revents)
            .unwrap_or(PollFlags::empty());
        if !events.contains(PollFlags::POLLIN)
            && events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR)
        {
            // The other side of a pseudo-terminal closed, a USB device unplugged.
            return Err(hung_up());
        }
        match file.read(buf) {
            // VMIN is 1: no byte after POLLIN means the line hung up.
            Ok(0) => Err(hung_up()),
            Err(e) if e.raw_os_error() == Some(Errno::EIO as i32) => Err(hung_up()),
            r => r,
        }
    }
}

impl Write for SerialPort {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.file().write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.file().flush()
    }
}

fn baud_rate(n: u32) -> Option<BaudRate> {
    use BaudRate::*;
    Some(match n {
        1200 => B1200,
        2400 => B2400,
        4800 => B4800,
        9600 => B9600,
        19_200 => B19200,
        38_400 => B38400,
        57_600 => B57600,
        115_200 => B115200,
        230_400 => B230400,
        460_800 => B460800,
        921_600 => B921600,
        1_000_000 => B1000000,
        1_500_000 => B1500000,
        2_000_000 => B2000000,
        3_000_000 => B3000000,
        4_000_000 => B4000000,
        _ => return None,
    })
}
