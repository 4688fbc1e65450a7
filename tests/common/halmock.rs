//! An `embedded_io` port over an `embedded-hal-nb` serial device, such as embedded-hal-mock's
//! `eh1::serial::Mock<u8>`.
//!
//! `read` takes bytes until the device says `WouldBlock` (or the buffer is full); with no byte at
//! all it returns `TimedOut`, as the blocking client expects of a port with nothing to say.

use embedded_hal_nb::nb;
use embedded_hal_nb::serial::{Read as NbRead, Write as NbWrite};
use embedded_io::ErrorKind;

/// The adapter.
pub struct HalSerial<S>(pub S);

/// Its error: the kind only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HalError(pub ErrorKind);

impl core::fmt::Display for HalError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl core::error::Error for HalError {}

impl embedded_io::Error for HalError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl<S> embedded_io::ErrorType for HalSerial<S> {
    type Error = HalError;
}

impl<S: NbRead<u8>> embedded_io::Read for HalSerial<S> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, HalError> {
        let mut n = 0;
        for slot in buf.iter_mut() {
            match self.0.read() {
                Ok(b) => *slot = b,
                Err(nb::Error::WouldBlock) => break,
                Err(nb::Error::Other(_)) => return Err(HalError(ErrorKind::Other)),
            }
            n += 1;
        }
        if n == 0 {
            Err(HalError(ErrorKind::TimedOut))
        } else {
            Ok(n)
        }
    }
}

impl<S: NbWrite<u8>> embedded_io::Write for HalSerial<S> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, HalError> {
        for &b in buf {
            nb::block!(self.0.write(b)).map_err(|_| HalError(ErrorKind::Other))?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), HalError> {
        nb::block!(self.0.flush()).map_err(|_| HalError(ErrorKind::Other))
    }
}
