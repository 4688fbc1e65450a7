//! MQTT over TLS, sans-IO: what provisioning sends and in which order, the check of every file
//! before the first byte goes out, and what a failed TLS open means, as two procedures both
//! drivers run with their one loop ([`Provisioning`], [`OpenTls`]). Only the drivers' TLS calls
//! use this, so that a firmware without TLS carries none of it.

mod open;
mod provisioning;

pub(crate) use open::OpenTls;
pub(crate) use provisioning::Provisioning;

use crate::codec::parse::{parse_core, refine_tls};
use crate::codec::{AtCommand, ClockCheck, Item, Parsed, TlsErrorReason, TlsFileKind};
use crate::error::{Error, Failure};
use crate::proto::exchange::Exchange;

/// How many files of each kind ([`TlsFileKind::ALL`]'s order) the answer of `AT+GTSSLFILE?`
/// lists; `None` for a kind it does not list (or lists in a line that does not parse).
fn files_held(answer: &[u8]) -> [Option<u16>; 3] {
    let mut held = [None; 3];
    each_item(answer, &mut |item| {
        if let Item::TlsFiles { kind, count } = item {
            let at = TlsFileKind::ALL.iter().position(|&k| k == kind);
            if let Some(slot) = at.and_then(|at| held.get_mut(at)) {
                *slot = Some(count);
            }
        }
    });
    held
}

/// Each item of a collected answer, its TLS and `+CCLK:` lines parsed, to `f`. One function
/// for every answer the TLS calls read, so that its loop is compiled once.
#[inline(never)]
fn each_item(answer: &[u8], f: &mut dyn FnMut(Item<'_>)) {
    let mut rest = answer;
    while let Parsed::Item(item, n) = parse_core(rest) {
        rest = rest.get(n..).unwrap_or(&[]);
        f(match item {
            Item::Line(line) => refine_tls(line),
            item => item,
        });
    }
}

/// Whether the TLS a driver provisioned still holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Provisioned {
    /// This driver never provisioned TLS (the module may have been, by an earlier program).
    #[default]
    Never,
    /// Provisioned, and the module has not restarted since.
    Yes,
    /// Provisioned, then the module restarted: it forgot.
    Forgotten,
}

/// Provisioning succeeded on exchange `x`: TLS holds until the module restarts.
fn provisioned(x: &mut Exchange) {
    x.tls = Provisioned::Yes;
}

/// Whether an open over TLS may go out on exchange `x`: not when the module restarted since
/// TLS was provisioned ([`Error::TlsLost`]). Never provisioned through this driver, it may go:
/// the module may have been provisioned before the driver started.
fn may_open(x: &Exchange) -> Result<(), Error> {
    match x.tls {
        Provisioned::Forgotten => Err(Error::TlsLost),
        Provisioned::Never | Provisioned::Yes => Ok(()),
    }
}

/// What a failed TLS open fails with, from the answer to `AT+GTSSLERR?` (`None` if it was not
/// answered): [`Error::Tls`] with the reason the code gives (the clock not read yet), or
/// [`Error::Failed`] when the module gives none, or code 0 (no TLS failure: the connection
/// itself failed; check the host and the port).
fn failed_open(answer: Option<&[u8]>) -> Error {
    let mut reason = None;
    each_item(answer.unwrap_or(&[]), &mut |item| {
        if let (None, Item::TlsError(r)) = (reason, item) {
            reason = Some(r);
        }
    });
    match reason {
        None | Some(TlsErrorReason::Other(0)) => Error::Failed(AtCommand::Open),
        Some(reason) => Error::Tls(reason),
    }
}

/// What the answer to `AT+CCLK?` says of the module's clock: [`ClockCheck::Unknown`] without a
/// `+CCLK:` line that parses.
fn clock(answer: &[u8]) -> ClockCheck {
    let mut time = None;
    each_item(answer, &mut |item| {
        if let (None, Item::Clock(t)) = (time, item) {
            time = Some(t);
        }
    });
    ClockCheck::from_time(time)
}

/// The last failure to keep after a TLS open failed with `error`: the open's own (`opened`,
/// its `AT+MQTTOPEN`), with `error`, whatever became of the `AT+GTSSLERR?` asked after it.
fn open_failure(opened: Option<Failure>, error: Error) -> Option<Failure> {
    opened.map(|mut f| {
        f.error = error;
        f
    })
}

#[cfg(test)]
mod tests;
