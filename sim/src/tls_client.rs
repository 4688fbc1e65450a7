//! The module's TLS towards the broker: a rustls client configuration (ring provider) made
//! from the module's TLS settings and uploaded files, and the `AT+GTSSLERR?` code of a failure.
//!
//! Codes (the simulator's choice among those public tooling documents):
//! - `-11`: the server's certificate failed verification (unknown CA, expired or not yet valid
//!   by the module's clock, wrong name), or verification is on with no usable TRUSTFILE;
//! - `-8`: the server ended the handshake with an alert (such as a refused client certificate);
//! - `-9`: the connection closed during the handshake;
//! - `-20`: any other handshake failure;
//! - `-12`: a client certificate without a key, or a key without a certificate, or a pair
//!   rustls does not accept;
//! - `-19`: an uploaded file that is not PEM.

use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, CryptoProvider};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use crate::broker::tls::{certs, key, provider};
use crate::module::state::TlsSettings;

/// Verification failed (CA, clock, name).
pub const VERIFY_FAILED: i32 = -11;
/// The server sent an alert.
pub const ALERT: i32 = -8;
/// The connection closed during the handshake.
pub const CLOSED: i32 = -9;
/// Any other handshake failure.
pub const HANDSHAKE: i32 = -20;
/// Client certificate and key unusable together.
pub const CLIENT_PAIR: i32 = -12;
/// A file that is not PEM.
pub const NOT_PEM: i32 = -19;

/// The client configuration for a TLS open of `host` with settings `s`, the module's clock
/// showing `clock` (seconds since the Unix epoch, UTC), or the code of why there is none.
pub fn config(s: &TlsSettings, host: &str, clock: i64) -> Result<Arc<ClientConfig>, i32> {
    let provider = provider();
    // 4 is TLS 1.2, the only version every source agrees on; other values let rustls pick.
    let versions: &[&rustls::SupportedProtocolVersion] = if s.version == 4 {
        &[&rustls::version::TLS12]
    } else {
        rustls::DEFAULT_VERSIONS
    };
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(versions)
        .map_err(|_| HANDSHAKE)?;
    let verifier: Arc<dyn ServerCertVerifier> = if s.verify {
        let mut roots = RootCertStore::empty();
        for file in &s.trust {
            for cert in certs(file).map_err(|_| NOT_PEM)? {
                roots.add(cert).map_err(|_| VERIFY_FAILED)?;
            }
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|_| VERIFY_FAILED)?;
        let name = ServerName::try_from(host.to_string()).map_err(|_| VERIFY_FAILED)?;
        // The module checks validity against its own clock, wherever that stands.
        let now = UnixTime::since_unix_epoch(std::time::Duration::from_secs(
            u64::try_from(clock).unwrap_or(0),
        ));
        Arc::new(AsGiven { inner, name, now })
    } else {
        Arc::new(Unverified(provider))
    };
    let builder = builder
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let config = match (s.certs.last(), s.keys.last()) {
        (None, None) => builder.with_no_client_auth(),
        (Some(cert), Some(k)) => {
            let chain = certs(cert).map_err(|_| NOT_PEM)?;
            let k = key(k).map_err(|_| NOT_PEM)?;
            builder
                .with_client_auth_cert(chain, k)
                .map_err(|_| CLIENT_PAIR)?
        }
        _ => return Err(CLIENT_PAIR),
    };
    Ok(Arc::new(config))
}

/// The code of a failed connection, if TLS is what failed: a rustls error anywhere in its
/// chain of sources, or a connection closed during the handshake.
pub fn failure_code(e: &rumqttc::ConnectionError) -> Option<i32> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(r) = err.downcast_ref::<rustls::Error>() {
            return Some(match r {
                rustls::Error::InvalidCertificate(_) => VERIFY_FAILED,
                rustls::Error::AlertReceived(_) => ALERT,
                _ => HANDSHAKE,
            });
        }
        if let Some(io) = err.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                if let Some(r) = inner.downcast_ref::<rustls::Error>() {
                    source = Some(r);
                    continue;
                }
            }
        }
        source = err.source();
    }
    if let rumqttc::ConnectionError::Tls(rumqttc::TlsError::Io(io)) = e {
        if io.kind() == std::io::ErrorKind::UnexpectedEof {
            return Some(CLOSED);
        }
    }
    matches!(e, rumqttc::ConnectionError::Tls(_)).then_some(HANDSHAKE)
}

/// Verification against the host name the module was given (the broker side may connect
/// elsewhere: a host name stands for the configured broker), at the time the module's clock
/// showed when the open began.
#[derive(Debug)]
struct AsGiven {
    inner: Arc<WebPkiServerVerifier>,
    name: ServerName<'static>,
    now: UnixTime,
}

impl ServerCertVerifier for AsGiven {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.inner.verify_server_cert(
            end_entity,
            intermediates,
            &self.name,
            ocsp_response,
            self.now,
        )
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `AT+GTSSLMODE=0`: any server certificate is accepted (the handshake's signatures are still
/// checked, so the connection is encrypted to whoever holds the certificate's key).
#[derive(Debug)]
struct Unverified(Arc<CryptoProvider>);

impl ServerCertVerifier for Unverified {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
