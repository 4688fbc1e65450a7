//! What [`provision_tls`](crate::asynch::Control::provision_tls) sends: the TLS version,
//! whether the server is verified, and the PEM files.

use crate::codec::{TlsParam, TlsVersion};

/// The TLS settings and files a module needs before it opens over TLS: what
/// [`asynch::Control::provision_tls`](crate::asynch::Control::provision_tls) and
/// [`blocking::Modem::provision_tls`](crate::blocking::Modem::provision_tls) send
/// (`AT+GTSSLVER`, `AT+GTSSLMODE`, one `AT+GTSSLFILE` per file given), and the TLS parameter
/// of `AT+MQTTOPEN` for [`open_tls`](crate::asynch::Control::open_tls).
///
/// The files are borrowed, never copied: each goes to the module from the caller's slice
/// after the module's prompt. Each must be whole PEM text of its kind, BEGIN/END lines and line
/// ends included, 4-8192 bytes; provisioning checks every file before it sends a byte.
///
/// The module forgets all of it when it restarts ([`Event::Restarted`](crate::Event::Restarted)):
/// provision again with the same `TlsSetup`, which is why it is a plain value to keep (in a
/// `static` or a `const`, for files included with `include_bytes!`).
///
/// It keeps it all while only the host restarts, and uploading a file again adds one beside the
/// first: by default ([`Upload::IfMissing`]) provisioning asks `AT+GTSSLFILE?` first and
/// uploads only the kinds of file the module holds none of, so that files do not pile up across
/// host restarts. See [`Upload`] for what is known and what is not, and how to change a CA.
///
/// ```
/// use fibocom_mqtt::TlsSetup;
///
/// const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
/// const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n";
/// const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH...\n-----END PRIVATE KEY-----\n";
///
/// // TLS 1.2, the server verified against CA (the usual case).
/// const SERVER_AUTH: TlsSetup<'static> = TlsSetup::new().trust(CA);
/// // Mutual TLS: the client's own certificate and key too.
/// const MUTUAL: TlsSetup<'static> = TlsSetup::new().trust(CA).client(CERT, KEY);
/// // Encryption without verifying the server (tests only: anyone can pose as the broker).
/// const INSECURE: TlsSetup<'static> = TlsSetup::new().verify(false);
/// assert!(SERVER_AUTH.verify && !INSECURE.verify);
/// assert_eq!(MUTUAL.client_key, Some(KEY));
///
/// // Then, with the async driver (the blocking one has the same calls):
/// # async fn demo<W: embedded_io_async::Write>(
/// #     control: &fibocom_mqtt::asynch::Control<'_, W>,
/// # ) -> Result<(), fibocom_mqtt::Error> {
/// use fibocom_mqtt::{Broker, ClientId};
/// control.provision_tls(&SERVER_AUTH).await?;
/// let broker = Broker::new("broker.example.com", 8883);
/// control.open_tls(ClientId::One, broker, SERVER_AUTH.param).await?;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TlsSetup<'a> {
    /// `AT+GTSSLVER`: the TLS version ([`TlsVersion::Tls12`] by default).
    pub version: TlsVersion,
    /// `AT+GTSSLMODE`: verify the server's certificate against [`trust`](Self::trust) (on by
    /// default). With it on and no trusted CA the module refuses every server.
    pub verify: bool,
    /// The CA certificate (or bundle) that verifies the server, PEM: the module's `TRUSTFILE`.
    pub trust: Option<&'a [u8]>,
    /// The client's own certificate, PEM, for mutual TLS: the module's `CAFILE` (its name).
    pub client_cert: Option<&'a [u8]>,
    /// The client's private key, PEM, for mutual TLS: the module's `KEYFILE`.
    pub client_key: Option<&'a [u8]>,
    /// The TLS parameter of `AT+MQTTOPEN` for this module family (see [`TlsParam`]), for
    /// [`open_tls`](crate::asynch::Control::open_tls); provisioning does not send it.
    pub param: TlsParam,
    /// Which of the files given are uploaded when the module already holds files of their
    /// kind ([`Upload::IfMissing`] by default).
    pub upload: Upload,
}

/// Which of the files a [`TlsSetup`] gives provisioning uploads, on a module that may hold
/// files already (put there by an earlier run of the host: the module keeps its TLS files until
/// it restarts).
///
/// What is known: `AT+GTSSLFILE?` answers how many files of each kind the module holds
/// (`+GTSSLFILE: TRUSTFILE,<n>`), and uploading a file adds one, also when it is the same PEM
/// (an L610 counted 2 after two uploads of one CA); a module restart clears every file.
/// What is not known: which file the module holds (there is no command to read one back),
/// which of several of a kind it uses, and how to delete one (no command is known).
///
/// So a module that holds a file of a kind is taken to hold the right one. To change a CA (or
/// the client's certificate or key) on a module that holds one, restart the module
/// (`AT+CFUN=1,1`, or its power), then provision: the new files are the only ones. Uploading
/// the new file beside the old ([`Upload::Always`]) leaves it to the module which it uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Upload {
    /// Ask `AT+GTSSLFILE?` first and upload a file only when the module holds none of its
    /// kind; the default. A firmware that answers `ERROR` to the query gets every file uploaded
    /// (once: the query is not asked again), as with [`Upload::Always`]. No query is made when
    /// the setup gives no file.
    #[default]
    IfMissing,
    /// Upload every file given, without asking: each upload adds a file on a module that
    /// holds one of its kind already.
    Always,
}

impl<'a> TlsSetup<'a> {
    /// TLS 1.2, verification on, no files yet, the default TLS parameter ([`TlsParam::FLAG`]),
    /// files uploaded only when the module holds none of their kind ([`Upload::IfMissing`]).
    pub const fn new() -> Self {
        TlsSetup {
            version: TlsVersion::Tls12,
            verify: true,
            trust: None,
            client_cert: None,
            client_key: None,
            param: TlsParam::FLAG,
            upload: Upload::IfMissing,
        }
    }

    /// With `upload` deciding which files provisioning uploads (see [`Upload`]).
    pub const fn upload(mut self, upload: Upload) -> Self {
        self.upload = upload;
        self
    }

    /// With the TLS version `version`.
    pub const fn version(mut self, version: TlsVersion) -> Self {
        self.version = version;
        self
    }

    /// With verification of the server's certificate on or off.
    pub const fn verify(mut self, on: bool) -> Self {
        self.verify = on;
        self
    }

    /// With `ca` (PEM) as the CA that verifies the server.
    pub const fn trust(mut self, ca: &'a [u8]) -> Self {
        self.trust = Some(ca);
        self
    }

    /// With the client's certificate and private key (PEM), for mutual TLS.
    pub const fn client(mut self, cert: &'a [u8], key: &'a [u8]) -> Self {
        self.client_cert = Some(cert);
        self.client_key = Some(key);
        self
    }

    /// With the client's certificate alone (PEM).
    pub const fn client_cert(mut self, cert: &'a [u8]) -> Self {
        self.client_cert = Some(cert);
        self
    }

    /// With the client's private key alone (PEM).
    pub const fn client_key(mut self, key: &'a [u8]) -> Self {
        self.client_key = Some(key);
        self
    }

    /// With the TLS parameter `param` for `AT+MQTTOPEN` (for example [`TlsParam::L610`]).
    pub const fn param(mut self, param: TlsParam) -> Self {
        self.param = param;
        self
    }
}

impl Default for TlsSetup<'_> {
    fn default() -> Self {
        TlsSetup::new()
    }
}
