//! The MQTT operations.

use core::future::Future;

use embedded_io_async::Write;

use super::control::Control;
use crate::broker::Broker;
use crate::codec::{Command, PayloadForm};
use crate::error::Error;
use crate::proto::op::Op;
use crate::types::{ClientId, QoS, ReceiveMode};

/// What every operation without an answer to read returns: the same future for all of them
/// (see [`Control`]'s notes on futures).
impl<'d, W: Write> Control<'d, W> {
    /// Sends `cmd` and waits for its end: [`run`](Self::run) of its line and its operation,
    /// derived where the command is built, so that a firmware carries only the templates and
    /// checks of the commands it sends. Every operation without an answer to read returns
    /// this future, so that they all share one state machine.
    #[inline(always)]
    pub(crate) fn send<'a>(
        &'a self,
        cmd: Command<'a>,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        self.run(cmd.line(), Op::of(&cmd), None)
    }

    /// `AT+MQTTUSER`: sets user name, password and (optionally) the MQTT client identifier of
    /// module client `id`, which must be closed. Without an identifier the module uses its
    /// IMEI.
    ///
    /// Cancel-safe: dropped before the command went out, nothing happened; dropped after, the
    /// module's answer is absorbed when it comes and the setting may or may not have taken.
    pub fn set_user<'a>(
        &'a self,
        id: ClientId,
        user: &'a str,
        password: &'a str,
        identifier: Option<&'a str>,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::User {
            id,
            user,
            password,
            client_id: identifier,
        };
        self.send(cmd)
    }

    /// `AT+MQTTWILL`: sets the will of module client `id`, which must be closed. The payload is
    /// text (printable ASCII without `"`, 0-1024 bytes), sent in the text form every module
    /// knows; see [`set_will_with`](Self::set_will_with) for any bytes.
    ///
    /// Cancel-safe in the same way as [`set_user`](Self::set_user).
    pub fn set_will<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        qos: QoS,
        retain: bool,
        payload: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::Will {
            id,
            topic,
            qos,
            retain,
            payload: payload.as_bytes(),
            form: PayloadForm::Text,
        };
        self.send(cmd)
    }

    /// `AT+MQTTWILL` with any payload: [`PayloadForm::Auto`] sends printable ASCII without `"`
    /// in the text form and anything else in the data form (`...,<size>`, the prompt, then the
    /// raw bytes), which some firmware accepts; the manual documents only the text form. A
    /// module that refuses the data form answers `ERROR`: [`Error::Module`] (nothing was set).
    ///
    /// Cancel-safe in the same way as [`publish`](Self::publish): an abandoned data form is
    /// completed with NUL bytes before the next command.
    pub fn set_will_with<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        qos: QoS,
        retain: bool,
        payload: &'a [u8],
        form: PayloadForm,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::Will {
            id,
            topic,
            qos,
            retain,
            payload,
            form,
        };
        self.send(cmd)
    }

    /// `AT+MQTTOPEN`: connects module client `id` (which must be closed) to a broker, and waits
    /// for `+MQTTOPEN: <id>,<status>`. Status 0 is [`Error::Failed`]; `ERROR: 700`-`704`
    /// (before or after `OK`) is [`Error::Refused`]; a `+MQTTBREAK` meanwhile is
    /// [`Error::Break`].
    ///
    /// Cancel-safe: if dropped after the command went out, the client counts as closed, and a
    /// late `+MQTTOPEN` result is absorbed (a late success moves the client to open, so
    /// [`state`](Self::state) follows the module).
    pub fn open<'a>(
        &'a self,
        id: ClientId,
        broker: Broker<'a>,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        self.send(broker.command(id))
    }

    /// `AT+MQTTCLOSE`: disconnects module client `id` (which must be open) and waits for
    /// `+MQTTCLOSE: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, the client stays open as far as the
    /// driver knows, and a late result line is absorbed (a late success closes it).
    pub fn close(&self, id: ClientId) -> impl Future<Output = Result<(), Error>> + use<'_, 'd, W> {
        self.send(Command::Close(id))
    }

    /// `AT+MQTTSUB`: subscribes module client `id` (which must be open) to `topic` and waits for
    /// `+MQTTSUB: <id>,<status>`.
    ///
    /// Cancel-safe: if dropped after the command went out, its late answer and result line are
    /// absorbed; the subscription may or may not exist.
    pub fn subscribe<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
        qos: QoS,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::Subscribe { id, topic, qos };
        self.send(cmd)
    }

    /// `AT+MQTTUNSUB`: unsubscribes module client `id` from `topic` and waits for
    /// `+MQTTUNSUB: <id>,<status>`.
    ///
    /// Cancel-safe like [`subscribe`](Self::subscribe).
    pub fn unsubscribe<'a>(
        &'a self,
        id: ClientId,
        topic: &'a str,
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::Unsubscribe { id, topic };
        self.send(cmd)
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
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
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
    ) -> impl Future<Output = Result<(), Error>> + use<'a, 'd, W> {
        let cmd = Command::Publish {
            id,
            topic,
            qos,
            retain,
            payload,
            form,
        };
        self.send(cmd)
    }

    /// `AT+MQTTCONF`: sets how the module reports messages. [`start`](Self::start) sets
    /// [`Config::receive_mode`](crate::Config::receive_mode); the driver handles both modes.
    ///
    /// Cancel-safe: a late answer is absorbed.
    pub fn set_receive_mode(
        &self,
        mode: ReceiveMode,
    ) -> impl Future<Output = Result<(), Error>> + use<'_, 'd, W> {
        self.send(Command::Conf(mode))
    }
}
