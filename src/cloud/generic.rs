//! A hosted broker over TLS with a user name and password (HiveMQ Cloud, EMQX, ...).

use crate::session::{BrokerRules, Forbidden, User};
use crate::types::QoS;
use crate::{Broker, TlsSetup};

use super::{check_broker, check_tls, check_user, Cloud, CloudError, Profile};

/// A broker over TLS with a user name and password, as hosted brokers (HiveMQ Cloud, EMQX
/// Cloud) admit devices: the server verified with its CA, the account checked by the
/// broker. QoS 0-2, retained messages and any topic: only the module's limits apply (a user
/// name and a password of at most 128 bytes, a client identifier of at most 23, a keepalive
/// of 1-300 s).
///
/// Many hosted brokers serve several tenants on one address and need the TLS server name
/// (SNI) to choose; whether the module sends it is not documented.
///
/// ```
/// use fibocom_mqtt::cloud::{CloudError, Generic, Profile};
/// use fibocom_mqtt::TlsSetup;
///
/// const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
///
/// let host = "0123456789abcdef.s1.eu.hivemq.cloud";
/// let broker = Generic::new(host, 8883, "device-7", "a-long-password", TlsSetup::new().trust(CA))?
///     .client_id("device-7")?;
/// assert_eq!(broker.user().identifier, Some("device-7"));
/// assert!(matches!(
///     Generic::new(host, 8883, "device-7", "pw", TlsSetup::new()),
///     Err(CloudError::TrustRequired { .. })
/// ));
/// # Ok::<(), CloudError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Generic<'a> {
    broker: Broker<'a>,
    user: &'a str,
    password: &'a str,
    identifier: Option<&'a str>,
    tls: TlsSetup<'a>,
}

impl<'a> Generic<'a> {
    /// The broker `host:port` with the account `user` / `password`, the server verified
    /// with the CA of `tls`, the module's IMEI as client identifier, a 60 s keepalive, a
    /// clean session.
    pub fn new(
        host: &'a str,
        port: u16,
        user: &'a str,
        password: &'a str,
        tls: TlsSetup<'a>,
    ) -> Result<Self, CloudError> {
        let g = Generic {
            broker: Broker::new(host, port),
            user,
            password,
            identifier: None,
            tls,
        };
        g.check()?;
        Ok(g)
    }

    /// The same with the client identifier `id` (at most 23 bytes).
    pub fn client_id(mut self, id: &'a str) -> Result<Self, CloudError> {
        self.identifier = Some(id);
        self.check()?;
        Ok(self)
    }

    /// The same with a keepalive of `seconds` (1-300).
    pub fn keepalive(mut self, seconds: u16) -> Result<Self, CloudError> {
        self.broker.keepalive = seconds;
        self.check()?;
        Ok(self)
    }

    /// The same with the clean-session flag `clean`.
    pub const fn clean_session(mut self, clean: bool) -> Self {
        self.broker.clean_session = clean;
        self
    }

    fn check(&self) -> Result<(), CloudError> {
        let cloud = Cloud::Generic;
        check_user(cloud, self.user, self.password, self.identifier)?;
        check_broker(cloud, self.broker, 1, crate::codec::validate::MAX_KEEPALIVE)?;
        check_tls(cloud, &self.tls, false)
    }
}

impl BrokerRules for Generic<'_> {
    fn check_publish(&self, _topic: &str, _qos: QoS, _retain: bool) -> Result<(), Forbidden> {
        Ok(())
    }

    fn check_subscribe(&self, _filter: &str, _qos: QoS) -> Result<(), Forbidden> {
        Ok(())
    }
}

impl Profile for Generic<'_> {
    fn cloud(&self) -> Cloud {
        Cloud::Generic
    }

    fn broker(&self) -> Broker<'_> {
        self.broker
    }

    fn user(&self) -> User<'_> {
        User {
            user: self.user,
            password: self.password,
            identifier: self.identifier,
        }
    }

    fn tls(&self) -> Option<&TlsSetup<'_>> {
        Some(&self.tls)
    }
}
