//! The link to the module: the driver's host ports (`fibocom_mqtt::host`), a tty or
//! pseudo-terminal, or a TCP connection to a serial server, with errors in words.

use std::io;
use std::time::Duration;

use embedded_io::{ErrorType, Read, Write};
use fibocom_mqtt::host::{OpenError, SerialPort, TcpPort};

use crate::Fail;

/// How long connecting to a `tcp://` device may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The link to the module.
pub enum Port {
    /// A tty or pseudo-terminal, locked against other users.
    Serial(SerialPort),
    /// A TCP connection (ser2net, QEMU `-serial tcp:`).
    Tcp(TcpPort),
}

impl ErrorType for Port {
    type Error = io::Error;
}

impl Read for Port {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Port::Serial(p) => p.read(buf),
            Port::Tcp(p) => p.read(buf),
        }
    }
}

impl Write for Port {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Port::Serial(p) => p.write(buf),
            Port::Tcp(p) => p.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Port::Serial(p) => p.flush(),
            Port::Tcp(p) => p.flush(),
        }
    }
}

/// Opens `device`: `tcp://HOST:PORT`, or a tty / pseudo-terminal path set to raw mode at
/// `baud`.
pub fn open(device: &str, baud: u32) -> Result<Port, Fail> {
    match device.strip_prefix("tcp://") {
        Some(addr) => TcpPort::connect(addr.trim_end_matches('/'), CONNECT_TIMEOUT)
            .map(Port::Tcp)
            .map_err(|e| Fail::new(format!("cannot connect to {device}: {e}"))),
        None => SerialPort::open(device, baud)
            .map(Port::Serial)
            .map_err(|e| {
                Fail::new(match e {
                    OpenError::UnsupportedBaud(_) => e.to_string(),
                    OpenError::NotATty => format!("{device} is {e}"),
                    OpenError::Busy => format!("device {device} is {e}"),
                    OpenError::Other(e) => format!("cannot open {device}: {e}"),
                    OpenError::PermissionDenied(_) => format!("device {device}: {e}"),
                    e => format!("device {device} {e}"),
                })
            }),
    }
}
