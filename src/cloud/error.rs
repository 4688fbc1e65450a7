//! Why a cloud profile was refused: the rule, and what to do instead.

use crate::codec::EncodeError;
use crate::session::Forbidden;

use super::Cloud;

/// Why a cloud profile, or a subscription made through one, was refused. Nothing was sent:
/// profiles are checked when they are built. Each variant names the rule (the module's or
/// the cloud's) and its `Display` says what to do instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum CloudError {
    /// The client identifier the cloud wants (the AWS thing name, the Azure device id) is
    /// `len` bytes, more than the 23 the module takes (`AT+MQTTUSER`; the clouds allow 128):
    /// name the thing or device with at most 23 bytes.
    IdentifierTooLong {
        /// The cloud.
        cloud: Cloud,
        /// The identifier's length in bytes.
        len: usize,
    },
    /// The user name the cloud wants is `len` bytes, more than the 128 the module takes
    /// (Azure: the hub's host name and the device id make it up; use shorter names).
    UserTooLong {
        /// The cloud.
        cloud: Cloud,
        /// The user name's length in bytes.
        len: usize,
    },
    /// The password (an Azure SAS token) is `len` bytes, more than the 128 the module takes:
    /// with Azure IoT Hub authenticate with an X.509 certificate instead.
    PasswordTooLong {
        /// The cloud.
        cloud: Cloud,
        /// The password's length in bytes.
        len: usize,
    },
    /// The keepalive is outside `min..=max` seconds, what both the cloud and the module
    /// (1-300 s) take.
    Keepalive {
        /// The cloud.
        cloud: Cloud,
        /// The shortest keepalive both take.
        min: u16,
        /// The longest keepalive both take.
        max: u16,
    },
    /// The cloud authenticates the device by its X.509 certificate (mutual TLS): give the
    /// TLS setup the device's certificate and private key.
    ClientCertificateRequired {
        /// The cloud.
        cloud: Cloud,
    },
    /// The TLS setup verifies the server but holds no CA to verify it with (the module would
    /// refuse every server): give it the cloud's root CA.
    TrustRequired {
        /// The cloud.
        cloud: Cloud,
    },
    /// The byte `byte` at offset `at` of the thing name or device id is not one the cloud
    /// allows (AWS thing names: letters, digits, `:`, `_`, `-`; Azure device ids: letters,
    /// digits and `-.%_*?!(),:=@$'`).
    NameByte {
        /// The cloud.
        cloud: Cloud,
        /// The byte.
        byte: u8,
        /// Its offset.
        at: usize,
    },
    /// A value the module cannot carry (an empty identifier, a host, a topic, a byte that
    /// cannot stand in a quoted AT string): the module's own rule.
    Module(EncodeError),
    /// A subscription the cloud does not take from this device.
    Forbidden(Forbidden),
}

impl From<EncodeError> for CloudError {
    fn from(e: EncodeError) -> Self {
        CloudError::Module(e)
    }
}

impl From<Forbidden> for CloudError {
    fn from(e: Forbidden) -> Self {
        CloudError::Forbidden(e)
    }
}

impl core::fmt::Display for CloudError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            CloudError::IdentifierTooLong { cloud, len } => write!(
                f,
                "{}: the {} is {len} bytes, but the module takes a client identifier of at \
                 most 23 bytes: use a name of at most 23 bytes",
                cloud.name(),
                cloud.identifier()
            ),
            CloudError::UserTooLong { cloud, len } => write!(
                f,
                "{}: the user name would be {len} bytes, but the module takes at most 128: \
                 use shorter names",
                cloud.name()
            ),
            CloudError::PasswordTooLong {
                cloud: Cloud::Azure,
                len,
            } => write!(
                f,
                "Azure IoT Hub: the password (SAS token) is {len} bytes, but the module takes \
                 at most 128: authenticate with an X.509 certificate and an empty password \
                 instead"
            ),
            CloudError::PasswordTooLong { cloud, len } => write!(
                f,
                "{}: the password is {len} bytes, but the module takes at most 128: use a \
                 shorter one",
                cloud.name()
            ),
            CloudError::Keepalive { cloud, min, max } => write!(
                f,
                "{}: the keepalive must be {min}-{max} s (what both the cloud and the module \
                 take)",
                cloud.name()
            ),
            CloudError::ClientCertificateRequired { cloud } => write!(
                f,
                "{}: the device is authenticated by its X.509 certificate: give the TLS setup \
                 the device's certificate and private key",
                cloud.name()
            ),
            CloudError::TrustRequired { cloud } => write!(
                f,
                "{}: the server is verified but no CA was given: give the TLS setup the \
                 cloud's root CA",
                cloud.name()
            ),
            CloudError::NameByte { cloud, byte, at } => write!(
                f,
                "{}: byte 0x{byte:02x} at {at} is not allowed in a {}",
                cloud.name(),
                cloud.identifier()
            ),
            CloudError::Module(e) => write!(f, "the module cannot take it: {e}"),
            CloudError::Forbidden(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for CloudError {}
