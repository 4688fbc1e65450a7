//! Cloud profiles (feature `cloud`): what AWS IoT Core, Azure IoT Hub, ThingsBoard and a
//! hosted TLS broker (HiveMQ Cloud, EMQX) ask of a device, built into what the driver and the
//! session take, and checked against the module's limits and the cloud's rules before a byte
//! is sent.
//!
//! The module's built-in client takes a client identifier of at most 23 bytes, a user name and
//! a password of at most 128, a keepalive of 1-300 s; the clouds have rules of their own (Azure
//! IoT Hub closes the connection on a QoS 2 or retained publish, AWS IoT Core has no QoS 2 and
//! a keepalive of at least 30 s, ...). A profile is refused when it is built if the module or
//! the cloud cannot take it ([`CloudError`], naming the rule and what to do instead), and it
//! keeps checking every publish and subscription ([`BrokerRules`]): through
//! [`Profile::session_config`] the session refuses what the cloud forbids
//! ([`PublishError::Forbidden`](crate::session::PublishError::Forbidden)).
//!
//! | profile | authentication | port | client identifier | QoS | retain | topics |
//! |---|---|---|---|---|---|---|
//! | [`Aws`] | X.509 client certificate | 8883 | the thing name | 0, 1 | yes | at most 7 `/` |
//! | [`Azure`] | X.509 (or a SAS token of at most 128 bytes) | 8883 | the device id | 0, 1 | no | `devices/<id>/messages/...`, `$iothub/...` |
//! | [`ThingsBoard`] | access token as user name | 1883, 8883 | any | 0, 1 | yes | `v1/devices/me/...` |
//! | [`Generic`] | user name and password over TLS | any | any | 0, 1, 2 | yes | any |
//!
//! ```
//! use fibocom_mqtt::cloud::{Azure, CloudError, Profile};
//! use fibocom_mqtt::session::{BrokerRules, Forbidden, Subscription};
//! use fibocom_mqtt::{QoS, TlsSetup};
//!
//! const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
//! const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n";
//! const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH...\n-----END PRIVATE KEY-----\n";
//!
//! let tls = TlsSetup::new().trust(CA).client(CERT, KEY);
//! let hub = Azure::new("my-hub.azure-devices.net", "pump-7", tls)?;
//! assert_eq!(hub.user().user, "my-hub.azure-devices.net/pump-7/?api-version=2021-04-12");
//! assert_eq!(hub.telemetry_topic(), "devices/pump-7/messages/events/");
//!
//! // Refused before anything is sent: Azure IoT Hub closes the connection on these.
//! assert!(matches!(
//!     hub.check_publish(hub.telemetry_topic(), QoS::ExactlyOnce, false),
//!     Err(Forbidden::QoS { max: QoS::AtLeastOnce, .. })
//! ));
//! assert!(matches!(
//!     hub.check_publish(hub.telemetry_topic(), QoS::AtLeastOnce, true),
//!     Err(Forbidden::Retain { .. })
//! ));
//! // A SAS token longer than the module's 128-byte password: use X.509.
//! let token = "SharedAccessSignature sr=my-hub.azure-devices.net%2Fdevices%2Fpump-7&sig=\
//!              Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm8%3D&se=1767225600";
//! assert!(matches!(
//!     Azure::with_sas_token("my-hub.azure-devices.net", "pump-7", token, TlsSetup::new().trust(CA)),
//!     Err(CloudError::PasswordTooLong { .. })
//! ));
//!
//! // What the session takes: broker, user, TLS, the subscriptions (checked), and the rules.
//! let subs = [Subscription { filter: hub.c2d_filter(), qos: QoS::AtLeastOnce }];
//! let config = hub.session_config(&subs)?;
//! assert_eq!(config.broker.port, 8883);
//! assert!(config.rules.is_some());
//! # Ok::<(), CloudError>(())
//! ```
//!
//! With the driver alone (no session), a profile gives what each call takes; check each
//! publish with the profile's [`BrokerRules::check_publish`] before it:
//!
//! ```
//! # async fn demo<W: embedded_io_async::Write>(
//! #     control: &fibocom_mqtt::asynch::Control<'_, W>,
//! #     aws: &fibocom_mqtt::cloud::Aws<'_>,
//! # ) -> Result<(), Box<dyn core::error::Error>> {
//! use fibocom_mqtt::cloud::Profile;
//! use fibocom_mqtt::session::BrokerRules;
//! use fibocom_mqtt::{ClientId, QoS};
//!
//! let id = ClientId::One;
//! let user = aws.user();
//! control.set_user(id, user.user, user.password, user.identifier).await?;
//! if let Some(tls) = aws.tls() {
//!     control.provision_tls(tls).await?;
//!     control.open_tls(id, aws.broker(), tls.param).await?;
//! }
//! aws.check_publish("dt/pump-7/temp", QoS::AtLeastOnce, false)?;
//! control.publish(id, "dt/pump-7/temp", b"21.5", QoS::AtLeastOnce, false).await?;
//! # Ok(())
//! # }
//! ```

mod aws;
mod azure;
mod error;
mod generic;
mod thingsboard;

pub use self::aws::Aws;
pub use self::azure::Azure;
pub use self::error::CloudError;
pub use self::generic::Generic;
pub use self::thingsboard::ThingsBoard;

use crate::codec::Command;
use crate::session::{BrokerRules, Forbidden, SessionConfig, Subscription, User};
use crate::types::{ClientId, QoS};
use crate::{Broker, TlsSetup};

/// The clouds with a profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Cloud {
    /// AWS IoT Core ([`Aws`]).
    Aws,
    /// Azure IoT Hub ([`Azure`]).
    Azure,
    /// ThingsBoard ([`ThingsBoard`]).
    ThingsBoard,
    /// A hosted TLS broker with user name and password ([`Generic`]).
    Generic,
}

impl Cloud {
    /// The cloud's name, as its documentation writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Cloud::Aws => "AWS IoT Core",
            Cloud::Azure => "Azure IoT Hub",
            Cloud::ThingsBoard => "ThingsBoard",
            Cloud::Generic => "the broker",
        }
    }

    /// What the cloud calls the device's client identifier.
    pub const fn identifier(self) -> &'static str {
        match self {
            Cloud::Aws => "thing name",
            Cloud::Azure => "device id",
            Cloud::ThingsBoard | Cloud::Generic => "client identifier",
        }
    }
}

/// What every cloud profile gives: the broker, the account and the TLS setup the driver and
/// the session take, and (through [`BrokerRules`]) the cloud's rules for each publish and
/// subscription. Only the cloud's rules are in `check_publish` / `check_subscribe`; the
/// module's limits are the driver's, checked anyway.
pub trait Profile: BrokerRules {
    /// Which cloud.
    fn cloud(&self) -> Cloud;

    /// Where to connect (`AT+MQTTOPEN`).
    fn broker(&self) -> Broker<'_>;

    /// The account (`AT+MQTTUSER`): user name, password and client identifier.
    fn user(&self) -> User<'_>;

    /// The TLS setup to provision, `None` for plain MQTT (ThingsBoard on 1883 only).
    fn tls(&self) -> Option<&TlsSetup<'_>>;

    /// A session configuration for this cloud: its broker, account and TLS, the
    /// `subscriptions` (each checked against the module's limits and the cloud's rules), and
    /// the cloud's rules for every publish ([`SessionConfig::rules`]). Change the other fields
    /// (the data call, the back-off, ...) as for any configuration.
    fn session_config<'s>(
        &'s self,
        subscriptions: &'s [Subscription<'s>],
    ) -> Result<SessionConfig<'s, Option<&'s TlsSetup<'s>>>, CloudError>
    where
        Self: Sized,
    {
        for s in subscriptions {
            check_filter(s.filter, s.qos)?;
            self.check_subscribe(s.filter, s.qos)?;
        }
        let mut config = SessionConfig::new(self.broker()).with_tls(self.tls());
        config.user = Some(self.user());
        config.subscriptions = subscriptions;
        config.rules = Some(self);
        Ok(config)
    }
}

/// The module's limits on a subscription filter.
fn check_filter(filter: &str, qos: QoS) -> Result<(), CloudError> {
    Command::Subscribe {
        id: ClientId::One,
        topic: filter,
        qos,
    }
    .line()
    .check()
    .map_err(CloudError::Module)
}

/// The module's limits on the account: the identifier's length named for `cloud`, the rest
/// by the driver's own checks.
fn check_user(
    cloud: Cloud,
    user: &str,
    password: &str,
    identifier: Option<&str>,
) -> Result<(), CloudError> {
    use crate::codec::validate::{MAX_CLIENT_ID, MAX_USER};
    if let Some(len) = identifier.map(str::len).filter(|&l| l > MAX_CLIENT_ID) {
        return Err(CloudError::IdentifierTooLong { cloud, len });
    }
    if user.len() > MAX_USER {
        return Err(CloudError::UserTooLong {
            cloud,
            len: user.len(),
        });
    }
    if password.len() > MAX_USER {
        return Err(CloudError::PasswordTooLong {
            cloud,
            len: password.len(),
        });
    }
    Command::User {
        id: ClientId::One,
        user,
        password,
        client_id: identifier,
    }
    .line()
    .check()
    .map_err(CloudError::Module)
}

/// The module's limits on the broker, and a keepalive within `min..=max` (the cloud's range
/// cut to the module's 1-300 s).
fn check_broker(cloud: Cloud, broker: Broker<'_>, min: u16, max: u16) -> Result<(), CloudError> {
    let max = if max > crate::codec::validate::MAX_KEEPALIVE {
        crate::codec::validate::MAX_KEEPALIVE
    } else {
        max
    };
    let min = if min < 1 { 1 } else { min };
    if broker.keepalive < min || broker.keepalive > max {
        return Err(CloudError::Keepalive { cloud, min, max });
    }
    broker
        .command(ClientId::One)
        .line()
        .check()
        .map_err(CloudError::Module)
}

/// A TLS setup the cloud can take: a CA when the server is verified, and the device's
/// certificate and key when `client` (mutual TLS) is required.
fn check_tls(cloud: Cloud, tls: &TlsSetup<'_>, client: bool) -> Result<(), CloudError> {
    if tls.verify && tls.trust.is_none() {
        return Err(CloudError::TrustRequired { cloud });
    }
    if client && (tls.client_cert.is_none() || tls.client_key.is_none()) {
        return Err(CloudError::ClientCertificateRequired { cloud });
    }
    Ok(())
}

/// The first byte of `name` that `allowed` refuses, with its offset.
fn check_name(cloud: Cloud, name: &str, allowed: fn(u8) -> bool) -> Result<(), CloudError> {
    match name.bytes().enumerate().find(|&(_, b)| !allowed(b)) {
        Some((at, byte)) => Err(CloudError::NameByte { cloud, byte, at }),
        None => Ok(()),
    }
}

/// `qos` is at most `max` on `cloud`.
fn check_qos(cloud: Cloud, qos: QoS, max: QoS) -> Result<(), Forbidden> {
    if qos.number() > max.number() {
        Err(Forbidden::QoS {
            broker: cloud.name(),
            max,
        })
    } else {
        Ok(())
    }
}

/// `topic` with `parts` stripped from its start, in order, if it starts with all of them.
fn strip<'t>(topic: &'t str, parts: &[&str]) -> Option<&'t str> {
    parts
        .iter()
        .try_fold(topic, |rest, part| rest.strip_prefix(part))
}

#[cfg(test)]
mod tests;
