//! The MQTT operations, blocking. Each does what the async operation of the same name does
//! (see [`asynch::Control`](crate::asynch::Control)); there is no cancellation, only timeouts,
//! after which late answers are absorbed in the same way.

use embedded_io::{Read, Write};

use super::Modem;
use crate::broker::Broker;
use crate::codec::{Command, PayloadForm};
use crate::error::Error;
use crate::types::{ClientId, QoS, ReceiveMode};

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// `AT+MQTTUSER`; see [`asynch::Control::set_user`](crate::asynch::Control::set_user).
    pub fn set_user(
        &mut self,
        id: ClientId,
        user: &str,
        password: &str,
        identifier: Option<&str>,
    ) -> Result<(), Error> {
        let cmd = Command::User {
            id,
            user,
            password,
            client_id: identifier,
        };
        self.request(&cmd)
    }

    /// `AT+MQTTWILL`; see [`asynch::Control::set_will`](crate::asynch::Control::set_will).
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
        self.request(&cmd)
    }

    /// `AT+MQTTWILL` with any payload; see
    /// [`asynch::Control::set_will_with`](crate::asynch::Control::set_will_with).
    pub fn set_will_with(
        &mut self,
        id: ClientId,
        topic: &str,
        qos: QoS,
        retain: bool,
        payload: &[u8],
        form: PayloadForm,
    ) -> Result<(), Error> {
        let cmd = Command::Will {
            id,
            topic,
            qos,
            retain,
            payload,
            form,
        };
        self.request(&cmd)
    }

    /// `AT+MQTTOPEN`; see [`asynch::Control::open`](crate::asynch::Control::open).
    pub fn open(&mut self, id: ClientId, broker: Broker<'_>) -> Result<(), Error> {
        let cmd = broker.command(id);
        self.request(&cmd)
    }

    /// `AT+MQTTCLOSE`; see [`asynch::Control::close`](crate::asynch::Control::close).
    pub fn close(&mut self, id: ClientId) -> Result<(), Error> {
        self.request(&Command::Close(id))
    }

    /// `AT+MQTTSUB`; see [`asynch::Control::subscribe`](crate::asynch::Control::subscribe).
    pub fn subscribe(&mut self, id: ClientId, topic: &str, qos: QoS) -> Result<(), Error> {
        let cmd = Command::Subscribe { id, topic, qos };
        self.request(&cmd)
    }

    /// `AT+MQTTUNSUB`; see [`asynch::Control::unsubscribe`](crate::asynch::Control::unsubscribe).
    pub fn unsubscribe(&mut self, id: ClientId, topic: &str) -> Result<(), Error> {
        let cmd = Command::Unsubscribe { id, topic };
        self.request(&cmd)
    }

    /// `AT+MQTTPUB`; see [`asynch::Control::publish`](crate::asynch::Control::publish).
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
        self.request(&cmd)
    }

    /// `AT+MQTTCONF`; see
    /// [`asynch::Control::set_receive_mode`](crate::asynch::Control::set_receive_mode).
    pub fn set_receive_mode(&mut self, mode: ReceiveMode) -> Result<(), Error> {
        self.request(&Command::Conf(mode))
    }
}
