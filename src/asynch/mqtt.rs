//! The MQTT operations.

use super::client::Client;
use crate::codec::{Command, PayloadForm, ResultOf};
use crate::error::Error;
use crate::proto::op::Op;
use crate::types::{ClientId, QoS, ReceiveMode};
use embedded_io_async::Write;

/// Broker connection settings for [`Client::open`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Broker<'a> {
    /// Host name or dotted IPv4 address, 1-255 bytes.
    pub host: &'a str,
    /// Port, 1-65535.
    pub port: u16,
    /// Clean session.
    pub clean_session: bool,
    /// Keepalive interval in seconds, 1-300.
    pub keepalive: u16,
}

impl<'a> Broker<'a> {
    /// `AT+MQTTOPEN` for client `id` to this broker.
    pub(crate) fn command(&self, id: ClientId) -> Command<'a> {
        Command::Open {
            id,
            host: self.host,
            port: self.port,
            clean_session: self.clean_session,
            keepalive: self.keepalive,
        }
    }

    /// `host:port` with a clean session and a 60 s keepalive.
    pub const fn new(host: &'a str, port: u16) -> Self {
        Broker {
            host,
            port,
            clean_session: true,
            keepalive: 60,
        }
    }
}

impl<W: Write> Client<'_, W> {
    /// `AT+MQTTUSER`: sets user name, password and (optionally) the MQTT client identifier of
    /// client `id`, which must be closed. Without a client identifier the module uses its IMEI.
    ///
    /// Cancel-safe: dropped before the command went out, nothing happened; dropped after, the
    /// module's answer is absorbed when it comes and the setting may or may not have taken.
    pub async fn set_user(
        &self,
        id: ClientId,
        user: &str,
        password: &str,
        client_id: Option<&str>,
    ) -> Result<(), Error> {
        let cmd = Command::User {
            id,
            user,
            password,
            client_id,
        };
        self.transact(&cmd, Op::Configure(id)).await.map(drop)
    }

    /// `AT+MQTTWILL`: sets the will of client `id`, which must be closed. The payload is text
    /// (printable ASCII without `"`, 0-1024 bytes): the command has no data form.
    ///
    /// Cancel-safe in the same way as [`set_user`](Self::set_user).
    pub async fn set_will(
        &self,
        id: ClientId,
        topic: &str,
        qos: QoS,
        retain: bool,
        payload: &str,
    ) -> Result<(), Error> {
        let cmd = Command::Will {
            id,
            topic,
            qos,
            retain,
            payload,
        };
        self.transact(&cmd, Op::Configure(id)).await.map(drop)
    }

    /// `AT+MQTTOPEN`: connects client `id` (which must be closed) to a broker, and waits for
    /// `+MQTTOPEN: <id>,<status>`. Status 0 is [`Error::Failed`]; `ERROR: 700`-`704` (before or
    /// after `OK`) is [`Error::Refused`]; a `+MQTTBREAK` meanwhile is [`Error::Break`].
    ///
    /// Cancel-safe: if dropped after the command went out, the client counts as closed, and a
    /// late `+MQTTOPEN` result is absorbed (a late success moves the client to open, so
    /// [`state`](Self::state) follows the module).
    pub async fn open(&self, id: ClientId, broker: Broker<'_>) -> Result<(), Error> {
        let cmd = broker.command(id);
        self.transact_result(
            id,
            &cmd,
            Op::Async(id, ResultOf::Open),
            self.config.get().open_timeout,
        )
        .await
    }

    /// `AT+MQTTCLOSE`: disconnects client `id` (which must be open) and waits for
    /// `+MQTTCLOSE: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, the client stays open as far as the
    /// driver knows, and a late result line is absorbed (a late success closes it).
    pub async fn close(&self, id: ClientId) -> Result<(), Error> {
        self.transact_result(
            id,
            &Command::Close(id),
            Op::Async(id, ResultOf::Close),
            self.config.get().result_timeout,
        )
        .await
    }

    /// `AT+MQTTSUB`: subscribes client `id` (which must be open) to `topic` and waits for
    /// `+MQTTSUB: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, its late answer and result line are
    /// absorbed; the subscription may or may not exist.
    pub async fn subscribe(&self, id: ClientId, topic: &str, qos: QoS) -> Result<(), Error> {
        let cmd = Command::Subscribe { id, topic, qos };
        self.transact_result(
            id,
            &cmd,
            Op::Async(id, ResultOf::Subscribe),
            self.config.get().result_timeout,
        )
        .await
    }

    /// `AT+MQTTUNSUB`: unsubscribes client `id` from `topic` and waits for
    /// `+MQTTUNSUB: <id>,<status>`.
    ///
    /// Cancel-safe like [`subscribe`](Self::subscribe).
    pub async fn unsubscribe(&self, id: ClientId, topic: &str) -> Result<(), Error> {
        let cmd = Command::Unsubscribe { id, topic };
        self.transact_result(
            id,
            &cmd,
            Op::Async(id, ResultOf::Unsubscribe),
            self.config.get().result_timeout,
        )
        .await
    }

    /// `AT+MQTTPUB`: publishes `payload` on `topic` and waits for `+MQTTPUB: <id>,<status>`.
    /// Printable ASCII without `"` goes in the text form, anything else in the data form (the
    /// size, the prompt, then the raw bytes); see [`publish_with`](Self::publish_with) to force
    /// a form.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent. Dropped after it but
    /// before the prompt, nothing of the payload is sent; if the module prompts anyway, the
    /// driver waits (up to [`Config::data_mode_timeout`](crate::Config::data_mode_timeout)) for
    /// the module to leave data mode before the next command, then completes the payload with
    /// NUL bytes. Dropped while the payload is written, the same. Late answers are absorbed.
    pub async fn publish(
        &self,
        id: ClientId,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
    ) -> Result<(), Error> {
        let cmd = Command::Publish {
            id,
            topic,
            qos,
            retain,
            payload,
            form: PayloadForm::Auto,
        };
        self.transact_result(
            id,
            &cmd,
            Op::publish(&cmd),
            self.config.get().result_timeout,
        )
        .await
    }

    /// [`publish`](Self::publish), choosing the payload's form.
    ///
    /// Cancel-safe in the same way as [`publish`](Self::publish).
    pub async fn publish_with(
        &self,
        id: ClientId,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
        form: PayloadForm,
    ) -> Result<(), Error> {
        let cmd = Command::Publish {
            id,
            topic,
            qos,
            retain,
            payload,
            form,
        };
        self.transact_result(
            id,
            &cmd,
            Op::publish(&cmd),
            self.config.get().result_timeout,
        )
        .await
    }

    /// `AT+MQTTCONF`: sets how the module reports messages. [`start`](Self::start) sets
    /// [`Config::receive_mode`](crate::Config::receive_mode); the driver handles both modes.
    ///
    /// Cancel-safe: a late answer is absorbed.
    pub async fn set_receive_mode(&self, mode: ReceiveMode) -> Result<(), Error> {
        self.transact(&Command::Conf(mode), Op::Simple)
            .await
            .map(drop)
    }
}
