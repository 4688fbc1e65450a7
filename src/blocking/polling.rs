//! A port adapter that turns "nothing to read yet" into a `TimedOut` error.

use embedded_io::{ErrorKind, ErrorType, Read, ReadReady, Write};

/// Wraps a port that implements [`ReadReady`] so that `read` returns at once with an error of
/// kind [`TimedOut`](ErrorKind::TimedOut) when no byte is waiting, as the blocking
/// [`Modem`](super::Modem) expects.
#[derive(Debug)]
pub struct Polling<P>(pub P);

/// The error of a [`Polling`] port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct PollingError(pub ErrorKind);

impl core::fmt::Display for PollingError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl core::error::Error for PollingError {}

impl embedded_io::Error for PollingError {
    fn kind(&self) -> ErrorKind {
        self.0
    }
}

impl<P: ErrorType> ErrorType for Polling<P> {
    type Error = PollingError;
}

impl<P: Read + ReadReady> Read for Polling<P> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let ready = self
            .0
            .read_ready()
            .map_err(|e| PollingError(embedded_io::Error::kind(&e)))?;
        if !ready {
            return Err(PollingError(ErrorKind::TimedOut));
        }
        self.0
            .read(buf)
            .map_err(|e| PollingError(embedded_io::Error::kind(&e)))
    }
}

impl<P: Write> Write for Polling<P> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0
            .write(buf)
            .map_err(|e| PollingError(embedded_io::Error::kind(&e)))
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.0
            .flush()
            .map_err(|e| PollingError(embedded_io::Error::kind(&e)))
    }
}
