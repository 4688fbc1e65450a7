//! Trace logging of every AT line, through `defmt` or `log` when one of those features is on.

/// Logs bytes sent to the module.
#[inline]
pub(crate) fn tx(bytes: &[u8]) {
    #[cfg(feature = "defmt")]
    defmt::trace!("AT> {=[u8]:a}", bytes);
    #[cfg(feature = "log")]
    log::trace!("AT> {:?}", Escaped(bytes));
    let _ = bytes;
}

/// Logs a command line sent to the module (at most 160 bytes of it).
#[inline]
pub(crate) fn command(line: &crate::codec::line::Line<'_>, end: crate::codec::LineEnd) {
    #[cfg(any(feature = "defmt", feature = "log"))]
    {
        let mut buf = [0u8; 160];
        let mut prefix = Prefix(&mut buf, 0);
        let _ = line.write(&mut prefix, end);
        let n = prefix.1;
        tx(buf.get(..n).unwrap_or(&[]));
    }
    let _ = (line, end);
}

/// Logs what was written for `tx` of the operation whose command is `line`: the command
/// line, or the data after the prompt.
#[inline]
pub(crate) fn sent(
    what: crate::proto::exchange::Tx,
    line: &crate::codec::line::Line<'_>,
    end: crate::codec::LineEnd,
) {
    use crate::proto::exchange::Tx;
    match what {
        Tx::Line => command(line, end),
        Tx::Data { .. } => tx(line.data().unwrap_or(&[])),
        Tx::LineEnd | Tx::Filler(_) => {}
    }
}

/// Fills a buffer, dropping what does not fit.
#[cfg(any(feature = "defmt", feature = "log"))]
struct Prefix<'a>(&'a mut [u8], usize);

#[cfg(any(feature = "defmt", feature = "log"))]
impl embedded_io::ErrorType for Prefix<'_> {
    type Error = core::convert::Infallible;
}

#[cfg(any(feature = "defmt", feature = "log"))]
impl embedded_io::Write for Prefix<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        for &b in buf {
            if let Some(slot) = self.0.get_mut(self.1) {
                *slot = b;
                self.1 = self.1.saturating_add(1);
            }
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// Logs one item received from the module, without the line ends around it.
#[inline]
pub(crate) fn rx(bytes: &[u8]) {
    let start = bytes
        .iter()
        .position(|&b| b != b'\r' && b != b'\n')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b'\r' && b != b'\n')
        .map_or(start, |e| e.saturating_add(1));
    let bytes = bytes.get(start..end).unwrap_or(&[]);
    #[cfg(feature = "defmt")]
    defmt::trace!("AT< {=[u8]:a}", bytes);
    #[cfg(feature = "log")]
    log::trace!("AT< {:?}", Escaped(bytes));
    let _ = bytes;
}

/// Logs something the driver noticed.
#[inline]
pub(crate) fn note(what: &str) {
    #[cfg(feature = "defmt")]
    defmt::debug!("{=str}", what);
    #[cfg(feature = "log")]
    log::debug!("{}", what);
    let _ = what;
}

/// Logs a change of the connection's state.
#[inline]
pub(crate) fn state(what: &str) {
    #[cfg(feature = "defmt")]
    defmt::info!("{=str}", what);
    #[cfg(feature = "log")]
    log::info!("{}", what);
    let _ = what;
}

#[cfg(feature = "log")]
struct Escaped<'a>(&'a [u8]);

#[cfg(feature = "log")]
impl core::fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for &b in self.0 {
            match b {
                b'\r' => f.write_str("\\r")?,
                b'\n' => f.write_str("\\n")?,
                0x20..=0x7e => core::fmt::Write::write_char(f, char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        Ok(())
    }
}
