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

/// Logs one item received from the module.
#[inline]
pub(crate) fn rx(bytes: &[u8]) {
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
