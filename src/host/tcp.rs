//! A TCP link to a serial server.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use embedded_io::{ErrorType, Read, Write};

use super::{timed_out, READ_TIMEOUT};

/// A TCP connection to a module's serial link (ser2net, QEMU `-serial tcp:`, the simulator's
/// `--tcp`), as an `embedded_io` port whose reads time out with `TimedOut` (see the
/// [module](super) documentation). Nagle's algorithm is turned off, so each command line
/// leaves at once.
#[derive(Debug)]
pub struct TcpPort {
    stream: TcpStream,
}

impl TcpPort {
    /// Connects to `addr`, trying each address it resolves to for at most `timeout`.
    pub fn connect(addr: impl ToSocketAddrs, timeout: Duration) -> io::Result<TcpPort> {
        let mut last = None;
        for a in addr.to_socket_addrs()? {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(stream) => return TcpPort::new(stream),
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            io::Error::new(io::ErrorKind::NotFound, "the name resolves to no address")
        }))
    }

    /// Takes a connected stream, with reads timing out after [`READ_TIMEOUT`].
    pub fn new(stream: TcpStream) -> io::Result<TcpPort> {
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(READ_TIMEOUT))?;
        Ok(TcpPort { stream })
    }

    /// Changes how long a read waits before it reports `TimedOut` (at least 1 ms).
    pub fn set_read_timeout(&mut self, timeout: Duration) -> io::Result<()> {
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
    }

    /// The address of the other end.
    pub fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.stream.peer_addr()
    }

    /// The stream.
    pub fn get_ref(&self) -> &TcpStream {
        &self.stream
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> TcpStream {
        self.stream
    }
}

impl ErrorType for TcpPort {
    type Error = io::Error;
}

impl Read for TcpPort {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.stream.read(buf) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(timed_out())
            }
            r => r,
        }
    }
}

impl Write for TcpPort {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
