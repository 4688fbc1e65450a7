//! The MQTT operations.

use super::client::Client;
use crate::codec::{Command, PayloadForm, ResultOf};
use crate::error::Error;
use crate::proto::op::Op;
use crate::types::{ClientId, QoS, ReceiveMode};
use core::future::Future;

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

/// What every operation without an answer to read returns: the same future for all of them
/// (see [`Client`]'s notes on futures).
macro_rules! op_future {
    ($($l:lifetime),*) => { impl Future<Output = Result<(), Error>> + use<$($l,)* W> };
}
pub(crate) use op_future;

impl<'d, W: Write> Client<'d, W> {
    /// `AT+MQTTUSER`: sets user name, password and (optionally) the MQTT client identifier of
    /// client `id`, which must be closed. Without a client identifier the module uses its IMEI.
    ///
    /// Cancel-safe: dropped before the command went out, nothing happened; dropped after, the
    /// module's answer is absorbed when it comes and the setting may or may not have taken.
    pub fn set_user<'a>(
        &'a self,
        id: ClientId,
        user: &'a str,
        password: &'a str,
        client_id: Option<&'a str>,
    ) -> op_future!('a, 'd) {
        let cmd = Command::User {
            id,
            user,
            password,
            client_id,
        };
        self.request(cmd, Op::Configure(id))
    }

    /// `AT+MQTTWILL`: sets the will of client `id`, which must be closed. The payload is text
    /// (printable ASCII without `"`, 0-1024 bytes): the command has no data form.
    ///
    /// Cancel-safe in the same way as [`set_user`](Self::set_user).
    pub fn set_will<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        qos: QoS,
        retain: bool,
        payload: &'a str,
    ) -> op_future!('a, 'd) {
        let cmd = Command::Will {
            id,
            topic,
            qos,
            retain,
            payload: payload.as_bytes(),
            form: PayloadForm::Text,
        };
        self.request(cmd, Op::Configure(id))
    }

    /// `AT+MQTTOPEN`: connects client `id` (which must be closed) to a broker, and waits for
    /// `+MQTTOPEN: <id>,<status>`. Status 0 is [`Error::Failed`]; `ERROR: 700`-`704` (before or
    /// after `OK`) is [`Error::Refused`]; a `+MQTTBREAK` meanwhile is [`Error::Break`].
    ///
    /// Cancel-safe: if dropped after the command went out, the client counts as closed, and a
    /// late `+MQTTOPEN` result is absorbed (a late success moves the client to open, so
    /// [`state`](Self::state) follows the module).
    pub fn open<'a>(&'a self, id: ClientId, broker: Broker<'a>) -> op_future!('a, 'd) {
        self.request(broker.command(id), Op::Async(id, ResultOf::Open))
    }

    /// `AT+MQTTCLOSE`: disconnects client `id` (which must be open) and waits for
    /// `+MQTTCLOSE: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, the client stays open as far as the
    /// driver knows, and a late result line is absorbed (a late success closes it).
    pub fn close(&self, id: ClientId) -> op_future!('_, 'd) {
        self.request(Command::Close(id), Op::Async(id, ResultOf::Close))
    }

    /// `AT+MQTTSUB`: subscribes client `id` (which must be open) to `topic` and waits for
    /// `+MQTTSUB: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, its late answer and result line are
    /// absorbed; the subscription may or may not exist.
    pub fn subscribe<'a>(&'a self, id: ClientId, topic: &'a str, qos: QoS) -> op_future!('a, 'd) {
        let cmd = Command::Subscribe { id, topic, qos };
        self.request(cmd, Op::Async(id, ResultOf::Subscribe))
    }

    /// `AT+MQTTUNSUB`: unsubscribes client `id` from `topic` and waits for
    /// `+MQTTUNSUB: <id>,<status>`.
    ///
    /// Cancel-safe like [`subscribe`](Self::subscribe).
    pub fn unsubscribe<'a>(&'a self, id: ClientId, topic: &'a str) -> op_future!('a, 'd) {
        let cmd = Command::Unsubscribe { id, topic };
        self.request(cmd, Op::Async(id, ResultOf::Unsubscribe))
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
    pub fn publish<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        payload: &'a [u8],
        qos: QoS,
        retain: bool,
    ) -> op_future!('a, 'd) {
        self.publish_with(id, topic, payload, qos, retain, PayloadForm::Auto)
    }

    /// [`publish`](Self::publish), choosing the payload's form.
    ///
    /// Cancel-safe in the same way as [`publish`](Self::publish).
    pub fn publish_with<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        payload: &'a [u8],
        qos: QoS,
        retain: bool,
        form: PayloadForm,
    ) -> op_future!('a, 'd) {
        let cmd = Command::Publish {
            id,
            topic,
            qos,
            retain,
            payload,
            form,
        };
        let line = cmd.line();
        self.request_line(line, Op::publish(id, &line), false)
    }

    /// `AT+MQTTCONF`: sets how the module reports messages. [`start`](Self::start) sets
    /// [`Config::receive_mode`](crate::Config::receive_mode); the driver handles both modes.
    ///
    /// Cancel-safe: a late answer is absorbed.
    pub fn set_receive_mode(&self, mode: ReceiveMode) -> op_future!('_, 'd) {
        self.request(Command::Conf(mode), Op::Simple)
    }
}
