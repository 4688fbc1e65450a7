//! TLS for the in-process broker, and test certificates made at run time (nothing secret is
//! kept in the repository).
//!
//! [`TestPki`] makes a server CA, a client CA, and certificates signed by them: a server
//! certificate for `localhost` and `127.0.0.1`, an expired one, one for another name, and
//! client certificates. [`TlsOptions`] in [`BrokerOptions::tls`](super::BrokerOptions) adds a
//! TLS listener to the broker, optionally requiring client certificates.
//!
//! ```no_run
//! use fibocom_sim::broker::tls::{TestPki, TlsOptions};
//! use fibocom_sim::broker::{Broker, BrokerOptions};
//!
//! let pki = TestPki::new();
//! let broker = Broker::start(BrokerOptions {
//!     tls: Some(TlsOptions::new(pki.server())),
//!     ..BrokerOptions::default()
//! })?;
//! println!("MQTT over TLS on {}, CA:\n{}", broker.tls_addr().unwrap(), pki.ca_pem());
//! # Ok::<(), std::io::Error>(())
//! ```

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{ClientConfig, RootCertStore, ServerConfig};

/// A certificate (chain) and its private key, both PEM text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The certificate, PEM (`-----BEGIN CERTIFICATE-----`).
    pub cert_pem: String,
    /// Its private key, PEM (`-----BEGIN PRIVATE KEY-----`, PKCS #8).
    pub key_pem: String,
}

/// Test certificates, made when created: a server CA and a client CA, each self-signed.
pub struct TestPki {
    ca: CertifiedIssuer<'static, KeyPair>,
    client_ca: CertifiedIssuer<'static, KeyPair>,
}

impl std::fmt::Debug for TestPki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestPki").finish_non_exhaustive()
    }
}

impl Default for TestPki {
    fn default() -> Self {
        TestPki::new()
    }
}

/// The names a good server certificate carries.
pub const SERVER_NAMES: [&str; 2] = ["localhost", "127.0.0.1"];

fn ca(name: &str) -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).expect("CA parameters");
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().expect("CA key");
    CertifiedIssuer::self_signed(params, key).expect("self-signed CA")
}

impl TestPki {
    /// A new server CA and client CA (ECDSA P-256 keys, made now).
    pub fn new() -> TestPki {
        TestPki {
            ca: ca("fibocom-sim test server CA"),
            client_ca: ca("fibocom-sim test client CA"),
        }
    }

    /// The server CA's certificate, PEM: what a client uploads as its TRUSTFILE.
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// The client CA's certificate, PEM: what [`TlsOptions::client_ca_pem`] takes to require
    /// client certificates made by [`TestPki::client`].
    pub fn client_ca_pem(&self) -> String {
        self.client_ca.pem()
    }

    /// A server certificate for `localhost` and `127.0.0.1`, valid from yesterday, signed by the CA.
    pub fn server(&self) -> Identity {
        self.server_for(&SERVER_NAMES)
    }

    /// A server certificate for `names` only (such as `["wrong.example"]`, to test name
    /// checks), valid from yesterday, signed by the CA.
    pub fn server_for(&self, names: &[&str]) -> Identity {
        self.leaf(names, false, false)
    }

    /// A server certificate for `localhost` and `127.0.0.1` that expired in 2001, signed by
    /// the CA.
    pub fn expired_server(&self) -> Identity {
        self.leaf(&SERVER_NAMES, false, true)
    }

    /// A client certificate with common name `name`, valid from yesterday, signed by the client CA.
    pub fn client(&self, name: &str) -> Identity {
        self.leaf(&[name], true, false)
    }

    fn leaf(&self, names: &[&str], client: bool, expired: bool) -> Identity {
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut params = CertificateParams::new(names.clone()).expect("certificate parameters");
        if let Some(first) = names.first() {
            params.distinguished_name.push(DnType::CommonName, first);
        }
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        if expired {
            params.not_before = rcgen::date_time_ymd(2000, 1, 1);
            params.not_after = rcgen::date_time_ymd(2001, 1, 1);
        } else {
            // Valid from yesterday, as a certificate issued lately: a module whose clock was
            // never set (1980) finds it not valid yet.
            let yesterday = crate::clock::ModuleTime::now_utc().utc - 86_400;
            let (y, m, d) = crate::clock::ModuleTime {
                utc: yesterday,
                zone: 0,
            }
            .date();
            params.not_before = rcgen::date_time_ymd(y as i32, m as u8, d as u8);
        }
        let key = KeyPair::generate().expect("certificate key");
        let issuer = if client { &self.client_ca } else { &self.ca };
        let cert = params.signed_by(&key, issuer).expect("signed certificate");
        Identity {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
        }
    }
}

/// The TLS listener of a broker.
#[derive(Debug, Clone)]
pub struct TlsOptions {
    /// Address to listen on; default `127.0.0.1:0` (a free port, see
    /// [`Broker::tls_addr`](super::Broker::tls_addr)).
    pub bind: SocketAddr,
    /// The server's certificate and key.
    pub server: Identity,
    /// When set, a client must present a certificate signed by this CA (PEM); the handshake
    /// fails for one that presents none or another.
    pub client_ca_pem: Option<String>,
}

impl TlsOptions {
    /// A listener on a free loopback port presenting `server`, with no client certificates.
    pub fn new(server: Identity) -> TlsOptions {
        TlsOptions {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            server,
            client_ca_pem: None,
        }
    }

    /// The same, requiring client certificates signed by `client_ca_pem`.
    pub fn requiring_clients(mut self, client_ca_pem: String) -> TlsOptions {
        self.client_ca_pem = Some(client_ca_pem);
        self
    }
}

/// The ring provider every TLS configuration of the simulator uses.
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn invalid(what: &str, e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, format!("{what}: {e}"))
}

/// The certificates of a PEM text (at least one).
pub fn certs(pem: &[u8]) -> io::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid("certificate PEM", e))?;
    if certs.is_empty() {
        return Err(invalid("certificate PEM", "no certificate"));
    }
    Ok(certs)
}

/// The private key of a PEM text.
pub fn key(pem: &[u8]) -> io::Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_slice(pem).map_err(|e| invalid("private key PEM", e))
}

/// A root store of the certificates in `pem`.
pub fn roots(pem: &[u8]) -> io::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    for cert in certs(pem)? {
        store.add(cert).map_err(|e| invalid("CA certificate", e))?;
    }
    Ok(store)
}

/// The rustls configuration of a broker's TLS listener.
pub(crate) fn server_config(options: &TlsOptions) -> io::Result<Arc<ServerConfig>> {
    let provider = provider();
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("TLS versions", e))?;
    let builder = match &options.client_ca_pem {
        Some(pem) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(pem.as_bytes())?),
                provider,
            )
            .build()
            .map_err(|e| invalid("client CA", e))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let config = builder
        .with_single_cert(
            certs(options.server.cert_pem.as_bytes())?,
            key(options.server.key_pem.as_bytes())?,
        )
        .map_err(|e| invalid("server certificate", e))?;
    Ok(Arc::new(config))
}

/// A client configuration (ring provider) that trusts the CA certificates in `ca_pem` and, if
/// given, presents `identity`: for an independent MQTT client watching a TLS broker
/// (`rumqttc::TlsConfiguration::Rustls`).
pub fn client_config(ca_pem: &str, identity: Option<&Identity>) -> io::Result<Arc<ClientConfig>> {
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid("TLS versions", e))?
        .with_root_certificates(roots(ca_pem.as_bytes())?);
    let config = match identity {
        Some(id) => builder
            .with_client_auth_cert(certs(id.cert_pem.as_bytes())?, key(id.key_pem.as_bytes())?)
            .map_err(|e| invalid("client certificate", e))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Arc::new(config))
}
