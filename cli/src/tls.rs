//! MQTT over TLS from the command line: mosquitto's `--cafile`, `--cert`, `--key`,
//! `--insecure` and `--tls-version`, read and checked before the module is touched, then
//! provisioned on the module (`provision_tls`) and used to open (`open_tls`).

use std::path::Path;
use std::sync::OnceLock;

use fibocom_mqtt::codec::tls::{MAX_FILE, MIN_FILE};
use fibocom_mqtt::codec::{TlsFileKind, TlsParam, TlsVersion};
use fibocom_mqtt::{TlsSetup, Upload};

use crate::args::TlsArgs;
use crate::Fail;

/// The TLS options, files read.
#[derive(Debug)]
pub struct Tls {
    version: TlsVersion,
    verify: bool,
    ca: Option<Vec<u8>>,
    cert: Option<Vec<u8>>,
    key: Option<Vec<u8>>,
    param: TlsParam,
}

impl Tls {
    /// What `provision_tls` sends.
    pub fn setup(&self) -> TlsSetup<'_> {
        TlsSetup {
            version: self.version,
            verify: self.verify,
            trust: self.ca.as_deref(),
            client_cert: self.cert.as_deref(),
            client_key: self.key.as_deref(),
            param: self.param,
            // A second run against the same module finds the files in place: never piled up.
            upload: Upload::IfMissing,
        }
    }
}

/// The TLS options of the command line, read and checked once (the first call reads the files;
/// later calls give the same): `None` when no TLS option was given. An unreadable file, one
/// that is not PEM of its kind, or a bad version is a command-line error (exit status 2).
pub fn load(t: &TlsArgs) -> Result<Option<&'static Tls>, Fail> {
    static LOADED: OnceLock<Option<Tls>> = OnceLock::new();
    if let Some(done) = LOADED.get() {
        return Ok(done.as_ref());
    }
    let tls = if t.wanted() { Some(read(t)?) } else { None };
    Ok(LOADED.get_or_init(|| tls).as_ref())
}

fn read(t: &TlsArgs) -> Result<Tls, Fail> {
    let version = match t.tls_version.as_deref() {
        None | Some("tlsv1.2") => TlsVersion::Tls12,
        Some(v @ ("tlsv1.3" | "tlsv1.1" | "tlsv1")) => {
            return Err(Fail::usage(format!(
                "--tls-version {v}: the module's number for it is not documented (only tlsv1.2, \
                 its 4, is); give the module's own number, as `fibocom-mqtt at AT+GTSSLVER=?` \
                 lists them"
            )))
        }
        Some(n) => match n.parse::<u8>() {
            Ok(n) if n <= 9 => TlsVersion::from_number(n),
            _ => {
                return Err(Fail::usage(format!(
                    "--tls-version {n}: expected tlsv1.2 or the module's AT+GTSSLVER number (0-9)"
                )))
            }
        },
    };
    let verify = !t.insecure;
    if verify && t.cafile.is_none() {
        return Err(Fail::usage(
            "TLS with verification needs --cafile FILE (the CA of the broker's certificate), \
             or --insecure to connect without verifying the broker",
        ));
    }
    let file = |path: &Option<std::path::PathBuf>, option, kind| {
        path.as_deref().map(|p| pem(p, option, kind)).transpose()
    };
    Ok(Tls {
        version,
        verify,
        ca: file(&t.cafile, "--cafile", TlsFileKind::Trust)?,
        cert: file(&t.cert, "--cert", TlsFileKind::ClientCert)?,
        key: file(&t.key, "--key", TlsFileKind::ClientKey)?,
        param: t.tls_param.and_then(TlsParam::new).unwrap_or_default(),
    })
}

/// The file of `option` at `path`, read and checked for what the module takes.
fn pem(path: &Path, option: &str, kind: TlsFileKind) -> Result<Vec<u8>, Fail> {
    let shown = path.display();
    let bytes = std::fs::read(path)
        .map_err(|e| Fail::usage(format!("{option} {shown}: cannot read it: {e}")))?;
    let what = match kind {
        TlsFileKind::ClientKey => "an unencrypted private key (-----BEGIN PRIVATE KEY-----)",
        _ => "a certificate (-----BEGIN CERTIFICATE-----)",
    };
    if bytes.len() > MAX_FILE {
        return Err(Fail::usage(format!(
            "{option} {shown}: {} bytes, more than the {MAX_FILE} the module takes",
            bytes.len()
        )));
    }
    if bytes.len() < MIN_FILE || !kind.accepts(&bytes) {
        return Err(Fail::usage(format!(
            "{option} {shown}: not PEM text holding {what}"
        )));
    }
    Ok(bytes)
}
