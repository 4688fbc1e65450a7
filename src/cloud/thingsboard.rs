//! ThingsBoard: the device's access token as user name, the `v1/devices/me/...` topics.

use crate::session::{BrokerRules, Forbidden, User};
use crate::types::QoS;
use crate::{Broker, TlsSetup};

use super::{check_broker, check_qos, check_tls, check_user, Cloud, CloudError, Profile};

/// ThingsBoard's MQTT device API with access-token credentials, as its documentation ("MQTT
/// Device API Reference") describes it: the token as the user name, no password, any client
/// identifier, QoS 0 and 1, and the device's topics under `v1/devices/me/` (telemetry,
/// attributes, attribute requests and responses, RPC). Plain MQTT on 1883, or TLS on 8883
/// ([`with_tls`](Self::with_tls), the server verified with its CA).
///
/// The topics are ThingsBoard's defaults; a device profile that changes them is not covered.
///
/// ```
/// use fibocom_mqtt::cloud::{CloudError, Profile, ThingsBoard};
/// use fibocom_mqtt::session::{BrokerRules, Forbidden};
/// use fibocom_mqtt::QoS;
///
/// let tb = ThingsBoard::new("thingsboard.example.com", "A1_TEST_TOKEN")?;
/// assert_eq!(tb.user().user, "A1_TEST_TOKEN");
/// assert_eq!(tb.broker().port, 1883);
/// assert_eq!(tb.check_publish(ThingsBoard::TELEMETRY, QoS::AtLeastOnce, false), Ok(()));
/// assert!(matches!(
///     tb.check_publish("telemetry", QoS::AtLeastOnce, false),
///     Err(Forbidden::Topic { .. })
/// ));
/// # Ok::<(), CloudError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThingsBoard<'a> {
    broker: Broker<'a>,
    token: &'a str,
    identifier: Option<&'a str>,
    tls: Option<TlsSetup<'a>>,
}

impl<'a> ThingsBoard<'a> {
    /// The port of plain MQTT.
    pub const PORT: u16 = 1883;
    /// The port of MQTT over TLS.
    pub const TLS_PORT: u16 = 8883;
    /// The prefix of every topic and filter of the device.
    pub const PREFIX: &'static str = "v1/devices/me/";
    /// Publish time series here (JSON: `{"temperature":21.5}`).
    pub const TELEMETRY: &'static str = "v1/devices/me/telemetry";
    /// Publish client-side attributes here; subscribe here for shared attribute updates.
    pub const ATTRIBUTES: &'static str = "v1/devices/me/attributes";
    /// Subscribe here for the answers to attribute requests
    /// (`v1/devices/me/attributes/request/<n>`).
    pub const ATTRIBUTE_RESPONSES: &'static str = "v1/devices/me/attributes/response/+";
    /// Subscribe here for server-side RPC requests (answer on
    /// `v1/devices/me/rpc/response/<n>`).
    pub const RPC_REQUESTS: &'static str = "v1/devices/me/rpc/request/+";

    /// The device with the access token `token` on the ThingsBoard server `host`, plain
    /// MQTT on 1883, the module's IMEI as client identifier, a 60 s keepalive, a clean
    /// session.
    pub fn new(host: &'a str, token: &'a str) -> Result<Self, CloudError> {
        let tb = ThingsBoard {
            broker: Broker::new(host, Self::PORT),
            token,
            identifier: None,
            tls: None,
        };
        tb.check()?;
        Ok(tb)
    }

    /// The same over TLS on 8883, verifying the server with the CA of `tls`.
    pub fn with_tls(mut self, tls: TlsSetup<'a>) -> Result<Self, CloudError> {
        self.tls = Some(tls);
        self.broker.port = Self::TLS_PORT;
        self.check()?;
        Ok(self)
    }

    /// The same on port `port`.
    pub fn port(mut self, port: u16) -> Result<Self, CloudError> {
        self.broker.port = port;
        self.check()?;
        Ok(self)
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

    fn check(&self) -> Result<(), CloudError> {
        let cloud = Cloud::ThingsBoard;
        // ThingsBoard answers an empty user name with "bad user name or password".
        if self.token.is_empty() {
            return Err(CloudError::Module(
                crate::codec::validate::EncodeError::Invalid {
                    field: crate::codec::Field::User,
                    rule: crate::codec::Rule::TooShort { min: 1 },
                },
            ));
        }
        check_user(cloud, self.token, "", self.identifier)?;
        check_broker(cloud, self.broker, 1, crate::codec::validate::MAX_KEEPALIVE)?;
        match &self.tls {
            Some(tls) => check_tls(cloud, tls, false),
            None => Ok(()),
        }
    }
}

impl BrokerRules for ThingsBoard<'_> {
    fn check_publish(&self, topic: &str, qos: QoS, _retain: bool) -> Result<(), Forbidden> {
        check_qos(Cloud::ThingsBoard, qos, QoS::AtLeastOnce)?;
        if topic.starts_with(Self::PREFIX) {
            Ok(())
        } else {
            Err(Forbidden::Topic {
                broker: Cloud::ThingsBoard.name(),
                allowed: "v1/devices/me/... (telemetry, attributes, rpc)",
            })
        }
    }

    fn check_subscribe(&self, filter: &str, qos: QoS) -> Result<(), Forbidden> {
        check_qos(Cloud::ThingsBoard, qos, QoS::AtLeastOnce)?;
        if filter.starts_with(Self::PREFIX) {
            Ok(())
        } else {
            Err(Forbidden::Filter {
                broker: Cloud::ThingsBoard.name(),
                allowed: "v1/devices/me/... (attributes, rpc/request/+)",
            })
        }
    }
}

impl Profile for ThingsBoard<'_> {
    fn cloud(&self) -> Cloud {
        Cloud::ThingsBoard
    }

    fn broker(&self) -> Broker<'_> {
        self.broker
    }

    fn user(&self) -> User<'_> {
        User {
            user: self.token,
            password: "",
            identifier: self.identifier,
        }
    }

    fn tls(&self) -> Option<&TlsSetup<'_>> {
        self.tls.as_ref()
    }
}
