//! AWS IoT Core: mutual TLS on port 8883, the thing name as the client identifier.

use crate::session::{BrokerRules, Forbidden, User};
use crate::types::QoS;
use crate::{Broker, TlsSetup};

use super::{
    check_broker, check_name, check_qos, check_tls, check_user, Cloud, CloudError, Profile,
};

/// AWS IoT Core, as its developer guide describes device connections: MQTT over TLS 1.2 on
/// port 8883 with the device's X.509 certificate, the thing name as the client identifier
/// (what policies with `${iot:Connection.Thing.ThingName}` expect), a keepalive of 30-1200 s,
/// QoS 0 and 1 (no QoS 2), topics of at most 7 slashes. No user name or password.
///
/// The module takes a client identifier of 23 bytes (AWS allows 128) and a keepalive up to
/// 300 s; both are checked here. Port 443 needs the ALPN `x-amzn-mqtt-ca`, which the module
/// is not known to send, so the profile uses 8883.
///
/// ```
/// use fibocom_mqtt::cloud::{Aws, CloudError, Profile};
/// use fibocom_mqtt::TlsSetup;
///
/// const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
/// const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n";
/// const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH...\n-----END PRIVATE KEY-----\n";
///
/// let endpoint = "a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com";
/// let tls = TlsSetup::new().trust(CA).client(CERT, KEY);
/// let aws = Aws::new(endpoint, "pump-7", tls)?;
/// assert_eq!(aws.broker().port, 8883);
/// assert_eq!(aws.user().identifier, Some("pump-7"));
/// // A thing name of 24 bytes or more cannot be the module's client identifier.
/// assert!(matches!(
///     Aws::new(endpoint, "a-thing-name-of-24-bytes", tls),
///     Err(CloudError::IdentifierTooLong { len: 24, .. })
/// ));
/// # Ok::<(), CloudError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aws<'a> {
    broker: Broker<'a>,
    thing: &'a str,
    tls: TlsSetup<'a>,
}

impl<'a> Aws<'a> {
    /// The port of MQTT over TLS with a client certificate.
    pub const PORT: u16 = 8883;
    /// The shortest keepalive AWS IoT Core takes, in seconds.
    pub const MIN_KEEPALIVE: u16 = 30;
    /// The longest keepalive AWS IoT Core takes, in seconds (the module's is 300).
    pub const MAX_KEEPALIVE: u16 = 1200;
    /// The most slashes AWS IoT Core takes in a topic or a filter.
    pub const MAX_SLASHES: u8 = 7;

    /// The thing `thing_name` at the account's device data `endpoint`
    /// (`<prefix>-ats.iot.<region>.amazonaws.com`), authenticated by the certificate and key
    /// of `tls` and verifying the endpoint with its CA (Amazon Root CA 1). A 60 s keepalive,
    /// a clean session.
    pub fn new(
        endpoint: &'a str,
        thing_name: &'a str,
        tls: TlsSetup<'a>,
    ) -> Result<Self, CloudError> {
        let aws = Aws {
            broker: Broker::new(endpoint, Self::PORT),
            thing: thing_name,
            tls,
        };
        aws.check()?;
        Ok(aws)
    }

    /// The same with a keepalive of `seconds` (30-300: AWS's lower bound, the module's upper).
    pub fn keepalive(mut self, seconds: u16) -> Result<Self, CloudError> {
        self.broker.keepalive = seconds;
        self.check()?;
        Ok(self)
    }

    /// The same with the clean-session flag `clean` (`false`: AWS keeps QoS 1 messages for
    /// the device while it is away, for the time the account's settings say).
    pub const fn clean_session(mut self, clean: bool) -> Self {
        self.broker.clean_session = clean;
        self
    }

    /// The thing name (the client identifier).
    pub const fn thing_name(&self) -> &'a str {
        self.thing
    }

    fn check(&self) -> Result<(), CloudError> {
        let cloud = Cloud::Aws;
        check_user(cloud, "", "", Some(self.thing))?;
        // AWS IoT thing names: [a-zA-Z0-9:_-]+.
        check_name(cloud, self.thing, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b':' | b'_' | b'-')
        })?;
        check_broker(cloud, self.broker, Self::MIN_KEEPALIVE, Self::MAX_KEEPALIVE)?;
        check_tls(cloud, &self.tls, true)
    }
}

/// At most [`Aws::MAX_SLASHES`] slashes in `topic`.
fn levels(topic: &str) -> Result<(), Forbidden> {
    let slashes = topic.bytes().filter(|&b| b == b'/').count();
    if slashes > usize::from(Aws::MAX_SLASHES) {
        Err(Forbidden::Levels {
            broker: Cloud::Aws.name(),
            max: Aws::MAX_SLASHES,
        })
    } else {
        Ok(())
    }
}

impl BrokerRules for Aws<'_> {
    fn check_publish(&self, topic: &str, qos: QoS, _retain: bool) -> Result<(), Forbidden> {
        check_qos(Cloud::Aws, qos, QoS::AtLeastOnce)?;
        levels(topic)
    }

    fn check_subscribe(&self, filter: &str, qos: QoS) -> Result<(), Forbidden> {
        check_qos(Cloud::Aws, qos, QoS::AtLeastOnce)?;
        levels(filter)
    }
}

impl Profile for Aws<'_> {
    fn cloud(&self) -> Cloud {
        Cloud::Aws
    }

    fn broker(&self) -> Broker<'_> {
        self.broker
    }

    fn user(&self) -> User<'_> {
        User {
            user: "",
            password: "",
            identifier: Some(self.thing),
        }
    }

    fn tls(&self) -> Option<&TlsSetup<'_>> {
        Some(&self.tls)
    }
}
