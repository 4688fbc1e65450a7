//! MQTT over TLS, sans-IO: what provisioning sends and in which order, the check of every file
//! before the first byte goes out, and what a failed TLS open means. Only the drivers' TLS
//! calls use this, so that a firmware without TLS carries none of it.

use crate::broker::Broker;
use crate::codec::line::Line;
use crate::codec::parse::{parse_core, refine_tls};
use crate::codec::{
    Command, Form, Item, Parsed, TlsCommand, TlsErrorReason, TlsFileKind, TlsParam,
};
use crate::error::{Error, Failure};
use crate::tls::TlsSetup;
use crate::types::ClientId;

/// The command lines of provisioning `setup`, in order: `AT+GTSSLVER`, `AT+GTSSLMODE`, then
/// one `AT+GTSSLFILE` per file given (TRUSTFILE, CAFILE, KEYFILE); `None` for a file not
/// given. Every line is checked first (each file's length and PEM shape): a bad one fails the
/// whole provisioning before a byte is sent. Each line is built from its own command, so that
/// only the TLS commands' templates and checks are carried.
pub(crate) fn provisioning<'a>(setup: &TlsSetup<'a>) -> Result<[Option<Line<'a>>; 5], Error> {
    let file =
        |kind, file: Option<&'a [u8]>| file.map(|file| Command::TlsFile { kind, file }.line());
    let lines = [
        Some(Command::TlsVersion(setup.version).line()),
        Some(Command::TlsVerify(setup.verify).line()),
        file(TlsFileKind::Trust, setup.trust),
        file(TlsFileKind::ClientCert, setup.client_cert),
        file(TlsFileKind::ClientKey, setup.client_key),
    ];
    for line in lines.iter().flatten() {
        line.check()?;
    }
    Ok(lines)
}

/// `AT+MQTTOPEN` over TLS for client `id` to `broker`.
pub(crate) fn open<'a>(id: ClientId, broker: &Broker<'a>, tls: TlsParam) -> Line<'a> {
    Command::OpenTls {
        id,
        host: broker.host,
        port: broker.port,
        clean_session: broker.clean_session,
        keepalive: broker.keepalive,
        tls,
    }
    .line()
}

/// After a TLS open ended with `outcome`: the query that says why it failed
/// (`AT+GTSSLERR?`), when the module reported failure (`+MQTTOPEN: <id>,0`); `None` when the
/// outcome stands as it is.
pub(crate) fn reason_query(outcome: &Result<(), Error>) -> Option<Line<'static>> {
    matches!(outcome, Err(Error::Failed))
        .then(|| Command::Tls(TlsCommand::Error, Form::Read).line())
}

/// What a failed TLS open fails with, from the answer to `AT+GTSSLERR?` (`None` if it was not
/// answered): [`Error::Tls`] with the reason the code gives, or [`Error::Failed`] when the module
/// gives none, or code 0 (no TLS failure: the connection itself failed; check the host and the
/// port).
pub(crate) fn failed_open(answer: Option<&[u8]>) -> Error {
    let mut rest = answer.unwrap_or(&[]);
    while let Parsed::Item(item, n) = parse_core(rest) {
        rest = rest.get(n..).unwrap_or(&[]);
        let item = match item {
            Item::Line(line) => refine_tls(line),
            item => item,
        };
        match item {
            Item::TlsError(TlsErrorReason::Other(0)) => return Error::Failed,
            Item::TlsError(reason) => return Error::Tls(reason),
            _ => {}
        }
    }
    Error::Failed
}

/// The last failure to keep after a TLS open failed with `error`: the open's own (`opened`,
/// its `AT+MQTTOPEN`), with `error`, whatever became of the `AT+GTSSLERR?` asked after it.
pub(crate) fn open_failure(opened: Option<Failure>, error: Error) -> Option<Failure> {
    opened.map(|mut f| {
        f.error = error;
        f
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";

    #[test]
    fn provisioning_order_and_checks() {
        let setup = TlsSetup::new().trust(CERT).client(CERT, KEY);
        let lines = provisioning(&setup).unwrap();
        let data: [Option<Option<&[u8]>>; 5] = lines.map(|l| l.map(|l| l.data()));
        assert_eq!(
            data,
            [
                Some(None),
                Some(None),
                Some(Some(CERT)),
                Some(Some(CERT)),
                Some(Some(KEY))
            ]
        );
        let written = |line: Line<'_>| {
            let mut buf = [0u8; 64];
            let mut out = &mut buf[..];
            line.write(&mut out, crate::codec::LineEnd::Cr).unwrap();
            let left = out.len();
            heapless::Vec::<u8, 64>::from_slice(&buf[..64 - left]).unwrap()
        };
        assert_eq!(written(lines[0].unwrap()), b"AT+GTSSLVER=4\r"[..]);
        assert_eq!(written(lines[1].unwrap()), b"AT+GTSSLMODE=1\r"[..]);
        assert_eq!(
            written(lines[2].unwrap()),
            b"AT+GTSSLFILE=\"TRUSTFILE\",59\r"[..]
        );
        assert_eq!(
            written(lines[4].unwrap()),
            b"AT+GTSSLFILE=\"KEYFILE\",59\r"[..]
        );
        // A key given as the client certificate: refused as a whole.
        let bad = TlsSetup::new().trust(CERT).client(KEY, KEY);
        assert!(matches!(provisioning(&bad), Err(Error::Invalid(_))));
        let none = TlsSetup::new().verify(false);
        assert_eq!(provisioning(&none).unwrap().iter().flatten().count(), 2);
    }

    #[test]
    fn failed_open_reasons() {
        assert_eq!(
            failed_open(Some(b"\r\n+GTSSLERR: -11\r\n\r\nOK\r\n")),
            Error::Tls(TlsErrorReason::CaOrClock)
        );
        assert_eq!(
            failed_open(Some(b"AT+GTSSLERR?\r\r\n+GTSSLERR: -8\r\n")),
            Error::Tls(TlsErrorReason::Handshake(-8))
        );
        assert_eq!(failed_open(Some(b"+GTSSLERR: 0\r\nOK\r\n")), Error::Failed);
        assert_eq!(failed_open(Some(b"OK\r\n")), Error::Failed);
        assert_eq!(failed_open(None), Error::Failed);
        assert!(reason_query(&Err(Error::Failed)).is_some());
        assert!(reason_query(&Ok(())).is_none());
        assert!(reason_query(&Err(Error::ResultTimeout)).is_none());
    }
}
