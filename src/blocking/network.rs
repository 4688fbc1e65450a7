//! Start-up, the data call, queries and raw commands, blocking. Each does what the async call
//! of the same name does (see [`asynch::Control`](crate::asynch::Control)).

use embedded_io::{Read, Write};

use super::Modem;
use crate::codec::{
    Capabilities, Command, Form, MqttCommand, Query, Registration, RegistrationKind,
};
use crate::error::Error;
use crate::proto::call::Attach;
use crate::proto::op::Op;
use crate::proto::startup::{Startup, SyncStates};
use crate::query::{self, IpText, Operator, SignalQuality, SimState, StoredUser, StoredWill};
use crate::types::ClientSet;

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// Start-up, which also learns what the module kept from before this run; see
    /// [`asynch::Control::start`](crate::asynch::Control::start).
    pub fn start(&mut self) -> Result<(), Error> {
        self.procedure(&mut Startup::new(&self.exchange.config))
    }

    /// `AT`.
    pub fn ping(&mut self) -> Result<(), Error> {
        self.request(&Command::At)
    }

    /// `ATE1` / `ATE0`.
    pub fn set_echo(&mut self, on: bool) -> Result<(), Error> {
        self.request(&Command::Echo(on))
    }

    /// `AT+MQTTOPEN?`: the clients that can be opened.
    pub fn free_clients(&mut self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Open, Form::Read);
        self.collect(&cmd, query::free_clients)
    }

    /// `AT+MQTTCLOSE?`: the clients that can be closed.
    pub fn closable_clients(&mut self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Close, Form::Read);
        self.collect(&cmd, query::free_clients)
    }

    /// `AT+MQTTUSER?`: calls `f` for each stored user entry.
    pub fn stored_users(&mut self, mut f: impl FnMut(StoredUser<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::User, Form::Read);
        self.collect(&cmd, |a| {
            query::users(a, &mut f);
            Some(())
        })
    }

    /// `AT+MQTTWILL?`: calls `f` for each stored will.
    pub fn stored_wills(&mut self, mut f: impl FnMut(StoredWill<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::Will, Form::Read);
        self.collect(&cmd, |a| {
            query::wills(a, &mut f);
            Some(())
        })
    }

    /// `AT+MQTTCONF?`.
    pub fn receive_mode(&mut self) -> Result<crate::ReceiveMode, Error> {
        let cmd = Command::Mqtt(MqttCommand::Conf, Form::Read);
        self.collect(&cmd, query::receive_mode)
    }

    /// `AT+MQTTxxx=?`.
    pub fn capabilities(&mut self, command: MqttCommand) -> Result<Capabilities, Error> {
        let cmd = Command::Mqtt(command, Form::Test);
        self.collect(&cmd, |a| query::capabilities(a, command))
    }

    /// `AT+CSQ`.
    pub fn signal_quality(&mut self) -> Result<SignalQuality, Error> {
        let q = Query::Csq;
        self.collect(&Command::Query(q), query::signal)
    }

    /// `AT+CPIN?`.
    pub fn sim_state(&mut self) -> Result<SimState, Error> {
        let q = Query::Cpin;
        self.collect(&Command::Query(q), query::sim)
    }

    /// `AT+COPS?`.
    pub fn operator(&mut self) -> Result<Operator, Error> {
        let q = Query::Cops;
        self.collect(&Command::Query(q), query::operator)
    }

    /// `AT+CREG?`, `AT+CGREG?` or `AT+CEREG?`.
    pub fn registration(&mut self, kind: RegistrationKind) -> Result<Registration, Error> {
        let q = match kind {
            RegistrationKind::Creg => Query::Creg,
            RegistrationKind::Cgreg => Query::Cgreg,
            RegistrationKind::Cereg => Query::Cereg,
        };
        self.collect(&Command::Query(q), |a| query::registration(a, kind))
    }

    /// `ATI`: calls `f` with each identification line.
    pub fn identify(&mut self, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        self.collect(&Command::Query(Query::Ati), |a| {
            crate::proto::answer::lines(a).for_each(&mut f);
            Some(())
        })
    }

    /// `AT+MIPCALL?`.
    pub fn data_call(&mut self) -> Result<Option<IpText>, Error> {
        let q = Query::MipCall;
        self.collect(&Command::Query(q), query::data_call)
    }

    /// `AT+MIPCALL=1...`; see [`asynch::Control::attach`](crate::asynch::Control::attach).
    pub fn attach(
        &mut self,
        apn: Option<&str>,
        credentials: Option<(&str, &str)>,
    ) -> Result<IpText, Error> {
        let mut attach = Attach::new(&self.exchange, apn, credentials);
        self.procedure(&mut attach)?;
        Ok(Attach::address(&self.exchange))
    }

    /// `AT+MIPCALL=0`.
    pub fn detach(&mut self) -> Result<(), Error> {
        self.request(&Command::MipCallDown)
    }

    /// Sends `AT<body>`; see [`asynch::Control::raw`](crate::asynch::Control::raw): `f` sees the
    /// answer's lines also when the module answers `ERROR`.
    pub fn raw(&mut self, body: &str, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        let mut read = |answer: &[u8], _| {
            crate::proto::answer::lines(answer).for_each(&mut f);
        };
        self.run(&Command::Raw(body).line(), Op::Collect, Some(&mut read))
            .map(|_| ())
    }

    /// `AT+MQTTCLOSE?`; see
    /// [`asynch::Control::sync_states`](crate::asynch::Control::sync_states).
    pub fn sync_states(&mut self) -> Result<ClientSet, Error> {
        let mut sync = SyncStates::default();
        self.procedure(&mut sync)?;
        Ok(sync.open)
    }
}
