//! The serial link as an `embedded_io` port: a tty or pseudo-terminal opened raw, or a TCP
//! connection to a serial server. Reads wait at most [`READ_SLICE`] and then fail with
//! [`ErrorKind::TimedOut`], as the blocking driver expects.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _, Write as _};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::time::Duration;

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, Flock, FlockArg, OFlag};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::termios::{self, BaudRate, ControlFlags, SetArg, SpecialCharacterIndices};

use crate::Fail;

/// How long one read waits for a byte before it reports [`ErrorKind::TimedOut`], in ms.
const READ_SLICE_MS: u16 = 50;

/// [`READ_SLICE_MS`] as a duration.
pub const READ_SLICE: Duration = Duration::from_millis(READ_SLICE_MS as u64);

/// How long connecting to a `tcp://` device may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An I/O error of the link, with the kind the driver understands.
#[derive(Debug)]
pub struct PortError(pub io::Error);

impl std::fmt::Display for PortError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PortError {}

impl embedded_io::Error for PortError {
    fn kind(&self) -> ErrorKind {
        match self.0.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => ErrorKind::TimedOut,
            io::ErrorKind::Interrupted => ErrorKind::Interrupted,
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => ErrorKind::BrokenPipe,
            io::ErrorKind::ConnectionReset => ErrorKind::ConnectionReset,
            io::ErrorKind::ConnectionAborted => ErrorKind::ConnectionAborted,
            io::ErrorKind::NotConnected => ErrorKind::NotConnected,
            io::ErrorKind::PermissionDenied => ErrorKind::PermissionDenied,
            io::ErrorKind::NotFound => ErrorKind::NotFound,
            _ => ErrorKind::Other,
        }
    }
}

/// The link to the module.
pub enum Port {
    /// A tty or pseudo-terminal, locked against other users of this tool.
    Serial(Flock<File>),
    /// A TCP connection (ser2net, QEMU `-serial tcp:`).
    Tcp(TcpStream),
}

impl ErrorType for Port {
    type Error = PortError;
}

impl Read for Port {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        match self {
            Port::Serial(file) => {
                let mut fds = [PollFd::new(file.as_fd(), PollFlags::POLLIN)];
                match poll(&mut fds, PollTimeout::from(READ_SLICE_MS)) {
                    Ok(0) => return Err(PortError(io::ErrorKind::TimedOut.into())),
                    Ok(_) => {}
                    Err(Errno::EINTR) => return Err(PortError(io::ErrorKind::Interrupted.into())),
                    Err(e) => return Err(PortError(e.into())),
                }
                let events = fds[0].revents().unwrap_or(PollFlags::empty());
                if !events.contains(PollFlags::POLLIN)
                    && events.intersects(PollFlags::POLLHUP | PollFlags::POLLERR)
                {
                    // A pseudo-terminal whose other end is closed, a USB device unplugged.
                    return Err(PortError(io::ErrorKind::BrokenPipe.into()));
                }
                match file.read(buf) {
                    Err(e) if e.raw_os_error() == Some(Errno::EIO as i32) => {
                        Err(PortError(io::ErrorKind::BrokenPipe.into()))
                    }
                    r => r.map_err(PortError),
                }
            }
            Port::Tcp(stream) => stream.read(buf).map_err(PortError),
        }
    }
}

impl Write for Port {
    fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        match self {
            Port::Serial(file) => file.write(buf).map_err(PortError),
            Port::Tcp(stream) => stream.write(buf).map_err(PortError),
        }
    }

    fn flush(&mut self) -> Result<(), PortError> {
        match self {
            Port::Serial(file) => file.flush().map_err(PortError),
            Port::Tcp(stream) => stream.flush().map_err(PortError),
        }
    }
}

/// Opens `device`: `tcp://HOST:PORT`, or a tty / pseudo-terminal path set to raw mode at
/// `baud`.
pub fn open(device: &str, baud: u32) -> Result<Port, Fail> {
    match device.strip_prefix("tcp://") {
        Some(addr) => open_tcp(device, addr.trim_end_matches('/')),
        None => open_serial(device, baud),
    }
}

fn open_tcp(device: &str, addr: &str) -> Result<Port, Fail> {
    let addrs = addr
        .to_socket_addrs()
        .map_err(|e| Fail::new(format!("cannot resolve {device}: {e}")))?;
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(stream) => {
                let setup = stream
                    .set_read_timeout(Some(READ_SLICE))
                    .and_then(|()| stream.set_nodelay(true));
                return match setup {
                    Ok(()) => Ok(Port::Tcp(stream)),
                    Err(e) => Err(Fail::new(format!("cannot set up {device}: {e}"))),
                };
            }
            Err(e) => last = Some(e),
        }
    }
    Err(Fail::new(match last {
        Some(e) => format!("cannot connect to {device}: {e}"),
        None => format!("cannot resolve {device}: no address"),
    }))
}

fn open_serial(device: &str, baud: u32) -> Result<Port, Fail> {
    let rate = baud_rate(baud).ok_or_else(|| Fail::new(format!("unsupported baud rate {baud}")))?;
    // Non-blocking for the open itself (a tty without carrier would block), then blocking.
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags((OFlag::O_NOCTTY | OFlag::O_NONBLOCK).bits())
        .open(device)
        .map_err(|e| Fail::new(open_error(device, &e)))?;
    let file = Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, e)| {
        Fail::new(match e {
            Errno::EWOULDBLOCK => format!("device {device} is busy (another program has it)"),
            e => format!("cannot lock {device}: {}", e.desc()),
        })
    })?;
    fcntl(file.as_fd(), FcntlArg::F_SETFL(OFlag::empty()))
        .map_err(|e| Fail::new(format!("cannot set up {device}: {}", e.desc())))?;
    let mut t = termios::tcgetattr(file.as_fd()).map_err(|e| {
        Fail::new(match e {
            Errno::ENOTTY | Errno::EINVAL => format!("{device} is not a serial device"),
            e => format!("cannot read the settings of {device}: {}", e.desc()),
        })
    })?;
    termios::cfmakeraw(&mut t);
    t.control_flags |= ControlFlags::CLOCAL | ControlFlags::CREAD;
    t.control_flags &= !(ControlFlags::CRTSCTS | ControlFlags::CSTOPB);
    t.control_chars[SpecialCharacterIndices::VMIN as usize] = 1;
    t.control_chars[SpecialCharacterIndices::VTIME as usize] = 0;
    // A pseudo-terminal has no line rate: a refusal there is harmless.
    let _ = termios::cfsetspeed(&mut t, rate);
    if termios::tcsetattr(file.as_fd(), SetArg::TCSANOW, &t).is_err() {
        termios::cfmakeraw(&mut t);
        termios::tcsetattr(file.as_fd(), SetArg::TCSANOW, &t)
            .map_err(|e| Fail::new(format!("cannot set {device} to raw mode: {}", e.desc())))?;
    }
    let _ = termios::tcflush(file.as_fd(), termios::FlushArg::TCIOFLUSH);
    Ok(Port::Serial(file))
}

fn open_error(device: &str, e: &io::Error) -> String {
    match Errno::from_raw(e.raw_os_error().unwrap_or(0)) {
        Errno::ENOENT | Errno::ENXIO | Errno::ENODEV => {
            format!("device {device} not found (is the module plugged in?)")
        }
        Errno::EBUSY => format!("device {device} is busy (another program has it)"),
        Errno::EACCES | Errno::EPERM => {
            format!("permission denied opening {device} (is the user in the dialout group?)")
        }
        _ => format!("cannot open {device}: {e}"),
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
