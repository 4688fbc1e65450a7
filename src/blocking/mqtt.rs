//! The MQTT operations, blocking. Each does what the async operation of the same name does
//! (see [`asynch::Client`](crate::asynch::Client)); there is no cancellation, only timeouts,
//! after which late answers are absorbed in the same way.

use embedded_io::{Read, Write};

use super::Client;
use crate::asynch::Broker;
use crate::codec::{Command, PayloadForm, ResultOf};
use crate::error::Error;
use crate::proto::op::Op;
use crate::types::{ClientId, QoS, ReceiveMode};

impl<P: Read + Write, const N: usize> Client<P, N> {
    /// `AT+MQTTUSER`; see [`asynch::Client::set_user`](crate::asynch::Client::set_user).
    pub fn set_user(
        &mut self,
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
        self.transact(&cmd, Op::Configure(id))
    }

    /// `AT+MQTTWILL`; see [`asynch::Client::set_will`](crate::asynch::Client::set_will).
    pub fn set_will(
        &mut self,
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
            payload: payload.as_bytes(),
            form: PayloadForm::Text,
        };
        self.transact(&cmd, Op::Configure(id))
    }

    /// `AT+MQTTOPEN`; see [`asynch::Client::open`](crate::asynch::Client::open).
    pub fn open(&mut self, id: ClientId, broker: Broker<'_>) -> Result<(), Error> {
        let cmd = broker.command(id);
        let t = self.config.open_timeout;
        self.transact_result(id, &cmd, Op::Async(id, ResultOf::Open), t)
    }

    /// `AT+MQTTCLOSE`; see [`asynch::Client::close`](crate::asynch::Client::close).
    pub fn close(&mut self, id: ClientId) -> Result<(), Error> {
        let t = self.config.result_timeout;
        self.transact_result(id, &Command::Close(id), Op::Async(id, ResultOf::Close), t)
    }

    /// `AT+MQTTSUB`; see [`asynch::Client::subscribe`](crate::asynch::Client::subscribe).
    pub fn subscribe(&mut self, id: ClientId, topic: &str, qos: QoS) -> Result<(), Error> {
        let cmd = Command::Subscribe { id, topic, qos };
        let t = self.config.result_timeout;
        self.transact_result(id, &cmd, Op::Async(id, ResultOf::Subscribe), t)
    }

    /// `AT+MQTTUNSUB`; see [`asynch::Client::unsubscribe`](crate::asynch::Client::unsubscribe).
    pub fn unsubscribe(&mut self, id: ClientId, topic: &str) -> Result<(), Error> {
        let cmd = Command::Unsubscribe { id, topic };
        let t = self.config.result_timeout;
        self.transact_result(id, &cmd, Op::Async(id, ResultOf::Unsubscribe), t)
    }

    /// `AT+MQTTPUB`; see [`asynch::Client::publish`](crate::asynch::Client::publish).
    pub fn publish(
        &mut self,
        id: ClientId,
        topic: &str,
        payload: &[u8],
        qos: QoS,
        retain: bool,
    ) -> Result<(), Error> {
        self.publish_with(id, topic, payload, qos, retain, PayloadForm::Auto)
    }

    /// [`publish`](Self::publish), choosing the payload's form.
    pub fn publish_with(
        &mut self,
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
        let t = self.config.result_timeout;
        let line = cmd.line();
        self.transact_result_line(id, line, Op::publish(id, &line), t)
    }

    /// `AT+MQTTCONF`; see
    /// [`asynch::Client::set_receive_mode`](crate::asynch::Client::set_receive_mode).
    pub fn set_receive_mode(&mut self, mode: ReceiveMode) -> Result<(), Error> {
        self.transact(&Command::Conf(mode), Op::Simple)
    }
}
