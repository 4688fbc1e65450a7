//! Start-up, the data call, queries and raw commands, blocking. Each does what the async call
//! of the same name does (see [`asynch::Client`](crate::asynch::Client)).

use embedded_io::{Read, Write};

use super::Client;
use crate::codec::{
    Capabilities, Command, Form, MqttCommand, Query, Registration, RegistrationKind,
};
use crate::error::Error;
use crate::proto::op::Op;
use crate::query::{self, IpText, Operator, SignalQuality, SimState, StoredUser, StoredWill};
use crate::types::ClientSet;

impl<P: Read + Write, const N: usize> Client<P, N> {
    /// Start-up; see [`asynch::Client::start`](crate::asynch::Client::start).
    pub fn start(&mut self) -> Result<(), Error> {
        let mut last = Error::AnswerTimeout;
        let mut alive = false;
        for _ in 0..self.config.probe_attempts.max(1) {
            match self.transact(&Command::At, Op::Simple) {
                Ok(()) => {
                    alive = true;
                    break;
                }
                Err(e) => {
                    last = e;
                    self.machine.force_settle();
                }
            }
        }
        if !alive {
            return Err(last);
        }
        if self.config.echo_off {
            self.transact(&Command::Echo(false), Op::Simple)?;
        }
        let mode = self.config.receive_mode;
        self.set_receive_mode(mode)
    }

    /// `AT`.
    pub fn ping(&mut self) -> Result<(), Error> {
        self.transact(&Command::At, Op::Simple)
    }

    /// `ATE1` / `ATE0`.
    pub fn set_echo(&mut self, on: bool) -> Result<(), Error> {
        self.transact(&Command::Echo(on), Op::Simple)
    }

    /// `AT+MQTTOPEN?`: the clients that can be opened.
    pub fn free_clients(&mut self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Open, Form::Read);
        self.collect(&cmd, Op::Collect, query::free_clients)
    }

    /// `AT+MQTTCLOSE?`: the clients that can be closed.
    pub fn closable_clients(&mut self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Close, Form::Read);
        self.collect(&cmd, Op::Collect, query::free_clients)
    }

    /// `AT+MQTTUSER?`: calls `f` for each stored user entry.
    pub fn stored_users(&mut self, mut f: impl FnMut(StoredUser<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::User, Form::Read);
        self.collect(&cmd, Op::Collect, |a| {
            query::users(a, &mut f);
            Some(())
        })
    }

    /// `AT+MQTTWILL?`: calls `f` for each stored will.
    pub fn stored_wills(&mut self, mut f: impl FnMut(StoredWill<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::Will, Form::Read);
        self.collect(&cmd, Op::Collect, |a| {
            query::wills(a, &mut f);
            Some(())
        })
    }

    /// `AT+MQTTCONF?`.
    pub fn receive_mode(&mut self) -> Result<crate::ReceiveMode, Error> {
        let cmd = Command::Mqtt(MqttCommand::Conf, Form::Read);
        self.collect(&cmd, Op::Collect, query::receive_mode)
    }

    /// `AT+MQTTxxx=?`.
    pub fn capabilities(&mut self, command: MqttCommand) -> Result<Capabilities, Error> {
        let cmd = Command::Mqtt(command, Form::Test);
        self.collect(&cmd, Op::Collect, |a| query::capabilities(a, command))
    }

    /// `AT+CSQ`.
    pub fn signal_quality(&mut self) -> Result<SignalQuality, Error> {
        let q = Query::Csq;
        self.collect(&Command::Query(q), Op::Query(q), query::signal)
    }

    /// `AT+CPIN?`.
    pub fn sim_state(&mut self) -> Result<SimState, Error> {
        let q = Query::Cpin;
        self.collect(&Command::Query(q), Op::Query(q), query::sim)
    }

    /// `AT+COPS?`.
    pub fn operator(&mut self) -> Result<Operator, Error> {
        let q = Query::Cops;
        self.collect(&Command::Query(q), Op::Query(q), query::operator)
    }

    /// `AT+CREG?`, `AT+CGREG?` or `AT+CEREG?`.
    pub fn registration(&mut self, kind: RegistrationKind) -> Result<Registration, Error> {
        let q = match kind {
            RegistrationKind::Creg => Query::Creg,
            RegistrationKind::Cgreg => Query::Cgreg,
            RegistrationKind::Cereg => Query::Cereg,
        };
        self.collect(&Command::Query(q), Op::Query(q), |a| {
            query::registration(a, kind)
        })
    }

    /// `ATI`: calls `f` with each identification line.
    pub fn identify(&mut self, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        self.collect(&Command::Query(Query::Ati), Op::Collect, |a| {
            crate::proto::answer::lines(a).for_each(&mut f);
            Some(())
        })
    }

    /// `AT+MIPCALL?`.
    pub fn data_call(&mut self) -> Result<Option<IpText>, Error> {
        let q = Query::MipCall;
        self.collect(&Command::Query(q), Op::Query(q), query::data_call)
    }

    /// `AT+MIPCALL=1...`; see [`asynch::Client::attach`](crate::asynch::Client::attach).
    pub fn attach(
        &mut self,
        apn: Option<&str>,
        credentials: Option<(&str, &str)>,
    ) -> Result<IpText, Error> {
        match self.call(&Command::MipCallUp { apn, credentials })? {
            true => Ok(query::text(&self.machine.call.ip)),
            false => Err(Error::Failed),
        }
    }

    /// `AT+MIPCALL=0`.
    pub fn detach(&mut self) -> Result<(), Error> {
        match self.call(&Command::MipCallDown)? {
            false => Ok(()),
            true => Err(Error::Failed),
        }
    }

    fn call(&mut self, cmd: &Command<'_>) -> Result<bool, Error> {
        self.transact(cmd, Op::Call)?;
        let t = self.config.call_timeout;
        let r = self.pump(t, |m| m.take_call());
        if !matches!(r, Ok(Some(_))) {
            self.machine.call.pending = false;
        }
        r?.ok_or(Error::ResultTimeout)?
    }

    /// Sends `AT<body>`; see [`asynch::Client::raw`](crate::asynch::Client::raw): `f` sees the
    /// answer's lines also when the module answers `ERROR`.
    pub fn raw(&mut self, body: &str, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        let r = self.transact_keep(&Command::Raw(body), Op::Collect);
        if matches!(r, Ok(()) | Err(Error::Module(_) | Error::Refused(_))) {
            let rx: &crate::proto::rx::RxBuf<[u8]> = &self.rx;
            crate::proto::answer::lines(rx.answer()).for_each(&mut f);
        }
        let rx: &mut crate::proto::rx::RxBuf<[u8]> = &mut self.rx;
        rx.release_answer();
        r
    }

    /// `AT+MQTTCLOSE?`; see
    /// [`asynch::Client::sync_states`](crate::asynch::Client::sync_states).
    pub fn sync_states(&mut self) -> Result<ClientSet, Error> {
        let open = self.closable_clients()?;
        self.machine.sync_open(open);
        Ok(open)
    }
}
