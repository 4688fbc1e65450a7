//! Azure IoT Hub: MQTT 3.1.1 over TLS on port 8883, X.509 device authentication.

use core::fmt::Write as _;

use heapless::String;

use crate::session::{BrokerRules, Forbidden, User};
use crate::types::QoS;
use crate::{Broker, TlsSetup};

use super::{
    check_broker, check_name, check_qos, check_tls, check_user, strip, Cloud, CloudError, Profile,
};

/// Room for the device-to-cloud topic and the cloud-to-device filter of a device id of at
/// most 23 bytes.
const TOPIC_ROOM: usize = 64;

/// Azure IoT Hub, as its documentation ("Communicate with an IoT hub using the MQTT
/// protocol") describes a device that uses MQTT directly: TLS 1.2 on port 8883, the device id
/// as the client identifier, the user name `<hub>.azure-devices.net/<device id>/?api-version=2021-04-12`,
/// the device's X.509 certificate (or a SAS token as password), device-to-cloud messages on
/// `devices/<device id>/messages/events/`, cloud-to-device messages on
/// `devices/<device id>/messages/devicebound/#`, QoS 0 and 1 only (the hub closes the
/// connection on a QoS 2 publish) and no retained messages (it closes the connection too).
///
/// A SAS token is usually longer than the 128 bytes the module takes as a password
/// ([`CloudError::PasswordTooLong`]): with this module, authenticate with X.509 ([`Azure::new`]).
/// The device id is the client identifier: at most 23 bytes here (Azure allows 128).
///
/// ```
/// use fibocom_mqtt::cloud::{Azure, CloudError, Profile};
/// use fibocom_mqtt::session::{BrokerRules, Forbidden};
/// use fibocom_mqtt::{QoS, TlsSetup};
///
/// const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----\n";
/// const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n";
/// const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH...\n-----END PRIVATE KEY-----\n";
///
/// let tls = TlsSetup::new().trust(CA).client(CERT, KEY);
/// let hub = Azure::new("my-hub.azure-devices.net", "pump-7", tls)?;
/// assert_eq!(hub.user().password, "");
/// assert_eq!(hub.c2d_filter(), "devices/pump-7/messages/devicebound/#");
/// // Only the device's own topics.
/// assert!(matches!(
///     hub.check_publish("devices/pump-8/messages/events/", QoS::AtMostOnce, false),
///     Err(Forbidden::Topic { .. })
/// ));
/// # Ok::<(), CloudError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Azure<'a> {
    broker: Broker<'a>,
    device: &'a str,
    password: &'a str,
    tls: TlsSetup<'a>,
    user: String<128>,
    events: String<TOPIC_ROOM>,
    c2d: String<TOPIC_ROOM>,
}

impl<'a> Azure<'a> {
    /// The only port of MQTT (without WebSockets) on Azure IoT Hub.
    pub const PORT: u16 = 8883;
    /// The API version the user name names.
    pub const API_VERSION: &'static str = "2021-04-12";

    /// The device `device_id` of the hub `hub_host` (`<hub>.azure-devices.net`),
    /// authenticated by the X.509 certificate and key of `tls` (registered with the hub as
    /// the device's, CA-signed or by thumbprint), with an empty password, verifying the hub
    /// with the CA of `tls`. A 60 s keepalive, a clean session.
    pub fn new(
        hub_host: &'a str,
        device_id: &'a str,
        tls: TlsSetup<'a>,
    ) -> Result<Self, CloudError> {
        Self::build(hub_host, device_id, "", tls, true)
    }

    /// The device `device_id` of the hub `hub_host`, authenticated by the SAS token `token`
    /// as password (`SharedAccessSignature sr=...`), verifying the hub with the CA of `tls`.
    /// A token of more than 128 bytes (most are) is refused
    /// ([`CloudError::PasswordTooLong`]): use X.509 ([`Azure::new`]). The module cannot
    /// renew a token: it stops working when the token expires.
    pub fn with_sas_token(
        hub_host: &'a str,
        device_id: &'a str,
        token: &'a str,
        tls: TlsSetup<'a>,
    ) -> Result<Self, CloudError> {
        Self::build(hub_host, device_id, token, tls, false)
    }

    fn build(
        hub_host: &'a str,
        device_id: &'a str,
        password: &'a str,
        tls: TlsSetup<'a>,
        x509: bool,
    ) -> Result<Self, CloudError> {
        let cloud = Cloud::Azure;
        // The identifier's own rules first: its length decides whether the rest fits.
        check_user(cloud, "", password, Some(device_id))?;
        // Azure device ids: ASCII letters, digits and - . % _ * ? ! ( ) , : = @ $ '.
        check_name(cloud, device_id, |b| {
            b.is_ascii_alphanumeric() || b"-.%_*?!(),:=@$'".contains(&b)
        })?;
        let mut user = String::new();
        let user_len = hub_host
            .len()
            .saturating_add(device_id.len())
            .saturating_add(2)
            .saturating_add("?api-version=".len())
            .saturating_add(Self::API_VERSION.len());
        write!(
            user,
            "{hub_host}/{device_id}/?api-version={}",
            Self::API_VERSION
        )
        .map_err(|_| CloudError::UserTooLong {
            cloud,
            len: user_len,
        })?;
        let mut events = String::new();
        let mut c2d = String::new();
        // A device id of at most 23 bytes always fits.
        let _ = write!(events, "devices/{device_id}/messages/events/");
        let _ = write!(c2d, "devices/{device_id}/messages/devicebound/#");
        let azure = Azure {
            broker: Broker::new(hub_host, Self::PORT),
            device: device_id,
            password,
            tls,
            user,
            events,
            c2d,
        };
        azure.check(x509)?;
        Ok(azure)
    }

    /// The same with a keepalive of `seconds` (1-300: the module's range, within Azure's).
    pub fn keepalive(mut self, seconds: u16) -> Result<Self, CloudError> {
        self.broker.keepalive = seconds;
        let x509 = self.password.is_empty();
        self.check(x509)?;
        Ok(self)
    }

    /// The same with the clean-session flag `clean` (`false`: the hub keeps cloud-to-device
    /// messages for the device while it is away).
    pub fn clean_session(mut self, clean: bool) -> Self {
        self.broker.clean_session = clean;
        self
    }

    /// The device id (the client identifier).
    pub const fn device_id(&self) -> &'a str {
        self.device
    }

    /// The device-to-cloud topic, `devices/<device id>/messages/events/` (message properties
    /// may follow it, URL-encoded: `.../events/$.ct=application%2Fjson`).
    pub fn telemetry_topic(&self) -> &str {
        &self.events
    }

    /// The cloud-to-device filter, `devices/<device id>/messages/devicebound/#`.
    pub fn c2d_filter(&self) -> &str {
        &self.c2d
    }

    fn check(&self, x509: bool) -> Result<(), CloudError> {
        let cloud = Cloud::Azure;
        check_user(cloud, &self.user, self.password, Some(self.device))?;
        check_broker(cloud, self.broker, 1, crate::codec::validate::MAX_KEEPALIVE)?;
        check_tls(cloud, &self.tls, x509)
    }
}

impl BrokerRules for Azure<'_> {
    fn check_publish(&self, topic: &str, qos: QoS, retain: bool) -> Result<(), Forbidden> {
        let broker = Cloud::Azure.name();
        check_qos(Cloud::Azure, qos, QoS::AtLeastOnce)?;
        if retain {
            return Err(Forbidden::Retain { broker });
        }
        let own = strip(topic, &["devices/", self.device, "/messages/events/"]).is_some();
        if own || topic.starts_with("$iothub/") {
            Ok(())
        } else {
            Err(Forbidden::Topic {
                broker,
                allowed: "devices/<device id>/messages/events/... or $iothub/...",
            })
        }
    }

    fn check_subscribe(&self, filter: &str, qos: QoS) -> Result<(), Forbidden> {
        let broker = Cloud::Azure.name();
        check_qos(Cloud::Azure, qos, QoS::AtLeastOnce)?;
        let own = strip(filter, &["devices/", self.device, "/messages/devicebound/"]).is_some();
        if own || filter.starts_with("$iothub/") {
            Ok(())
        } else {
            Err(Forbidden::Filter {
                broker,
                allowed: "devices/<device id>/messages/devicebound/# or $iothub/...",
            })
        }
    }
}

impl Profile for Azure<'_> {
    fn cloud(&self) -> Cloud {
        Cloud::Azure
    }

    fn broker(&self) -> Broker<'_> {
        self.broker
    }

    fn user(&self) -> User<'_> {
        User {
            user: &self.user,
            password: self.password,
            identifier: Some(self.device),
        }
    }

    fn tls(&self) -> Option<&TlsSetup<'_>> {
        Some(&self.tls)
    }
}
