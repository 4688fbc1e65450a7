//! Start-up, the data call, the network and MQTT queries, and raw commands.

use embedded_io_async::Write;

use super::control::Control;
use crate::codec::{Capabilities, Registration};
use crate::codec::{Command, Form, MqttCommand, Query, RegistrationKind};
use crate::error::Error;
use crate::proto::call::Attach;
use crate::proto::op::{Op, Reply};
use crate::proto::startup::{Startup, SyncStates};
use crate::query::{self, IpText, Operator, SignalQuality, SimState, StoredUser, StoredWill};
use crate::types::{ClientSet, ReceiveMode};
use core::future::Future;

impl<'d, W: Write> Control<'d, W> {
    /// Start-up: sends `AT` until the module answers (up to
    /// [`Config::probe_attempts`](crate::Config::probe_attempts) times), then `ATE0` if
    /// [`Config::echo_off`](crate::Config::echo_off), then `AT+MQTTCONF` with
    /// [`Config::receive_mode`](crate::Config::receive_mode). Run it again after
    /// [`Event::Restarted`](crate::Event::Restarted).
    ///
    /// Then it learns what the module kept from before this run (the host restarts far more
    /// often than the module): whether a data call is up, and its address (`AT+MIPCALL?`;
    /// [`attach`](Self::attach) then keeps it), and which clients are connected
    /// (`AT+MQTTCLOSE?`, or `AT+MQTTOPEN?` on firmware that answers `ERROR` to it). A client
    /// connected that the driver did not open is left over from an earlier run: by default it
    /// is closed, after the messages the module holds for it are read and dropped (counted
    /// in [`Event::Discarded`](crate::Event::Discarded)); [`Config::leftover`](crate::Config::leftover)
    /// chooses. So a program that starts, attaches and opens works the second time too.
    /// A query the firmware answers `ERROR` is not asked again: start-up goes on without what
    /// it would have said.
    ///
    /// Firmware older than the manual's V1.0.2 has no `AT+MQTTCONF` and answers `ERROR` to
    /// `AT+MQTTCONF=1`: start-up then goes on in receive mode 0 (`+MQTTMSG`, which the driver
    /// also handles), and [`receive_mode_in_force`](Self::receive_mode_in_force) says so.
    ///
    /// Cancel-safe: each step absorbs late answers of the one before; dropped part-way, what
    /// the steps before did stays done, and running it again is harmless.
    pub async fn start(&self) -> Result<(), Error> {
        let mut startup = self.shared.with(|x| Startup::new(&x.config));
        self.procedure(&mut startup).await
    }

    /// `AT`: is the module there?
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub fn ping(&self) -> impl Future<Output = Result<(), Error>> + use<'_, 'd, W> {
        self.send(Command::At)
    }

    /// `ATE1` / `ATE0`: echo on or off. The driver works either way.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub fn set_echo(&self, on: bool) -> impl Future<Output = Result<(), Error>> + use<'_, 'd, W> {
        self.send(Command::Echo(on))
    }

    /// Runs a collecting command and `f` over its answer.
    async fn collect<T>(
        &self,
        cmd: &Command<'_>,
        f: impl FnOnce(&[u8]) -> Option<T>,
    ) -> Result<T, Error> {
        let (line, op) = (cmd.line(), Op::of(cmd));
        let mut f = Some(f);
        let mut out = None;
        let mut read = |answer: &[u8], reply: Option<Reply>| {
            if let (Some(_), Some(f)) = (reply, f.take()) {
                out = f(answer);
            }
        };
        self.run(line, op, Some(&mut read)).await?;
        out.ok_or(Error::UnexpectedAnswer)
    }

    /// `AT+MQTTOPEN?`: the clients that can be opened.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn free_clients(&self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Open, Form::Read);
        self.collect(&cmd, query::free_clients).await
    }

    /// `AT+MQTTCLOSE?`: the clients that can be closed.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn closable_clients(&self) -> Result<ClientSet, Error> {
        let cmd = Command::Mqtt(MqttCommand::Close, Form::Read);
        self.collect(&cmd, query::free_clients).await
    }

    /// `AT+MQTTUSER?`: calls `f` for each client's stored user entry.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn stored_users(&self, mut f: impl FnMut(StoredUser<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::User, Form::Read);
        self.collect(&cmd, |a| {
            query::users(a, &mut f);
            Some(())
        })
        .await
    }

    /// `AT+MQTTWILL?`: calls `f` for each client's stored will.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn stored_wills(&self, mut f: impl FnMut(StoredWill<'_>)) -> Result<(), Error> {
        let cmd = Command::Mqtt(MqttCommand::Will, Form::Read);
        self.collect(&cmd, |a| {
            query::wills(a, &mut f);
            Some(())
        })
        .await
    }

    /// `AT+MQTTCONF?`: the receive mode in force.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn receive_mode(&self) -> Result<ReceiveMode, Error> {
        let cmd = Command::Mqtt(MqttCommand::Conf, Form::Read);
        self.collect(&cmd, query::receive_mode).await
    }

    /// `AT+MQTTxxx=?`: what the module supports for `command`.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn capabilities(&self, command: MqttCommand) -> Result<Capabilities, Error> {
        let cmd = Command::Mqtt(command, Form::Test);
        self.collect(&cmd, |a| query::capabilities(a, command))
            .await
    }

    /// `AT+CSQ`: signal quality.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn signal_quality(&self) -> Result<SignalQuality, Error> {
        let cmd = Command::Query(Query::Csq);
        self.collect(&cmd, query::signal).await
    }

    /// `AT+CPIN?`: the SIM's state.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn sim_state(&self) -> Result<SimState, Error> {
        let cmd = Command::Query(Query::Cpin);
        self.collect(&cmd, query::sim).await
    }

    /// `AT+COPS?`: the operator.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn operator(&self) -> Result<Operator, Error> {
        let cmd = Command::Query(Query::Cops);
        self.collect(&cmd, query::operator).await
    }

    /// `AT+CREG?`, `AT+CGREG?` or `AT+CEREG?`: network registration.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn registration(&self, kind: RegistrationKind) -> Result<Registration, Error> {
        let q = match kind {
            RegistrationKind::Creg => Query::Creg,
            RegistrationKind::Cgreg => Query::Cgreg,
            RegistrationKind::Cereg => Query::Cereg,
        };
        self.collect(&Command::Query(q), |a| query::registration(a, kind))
            .await
    }

    /// `ATI`: calls `f` with each line of the module's identification.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn identify(&self, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        let cmd = Command::Query(Query::Ati);
        self.collect(&cmd, |a| {
            crate::proto::answer::lines(a).for_each(&mut f);
            Some(())
        })
        .await
    }

    /// `AT+MIPCALL?`: the data call's address, or `None` when no call is up.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn data_call(&self) -> Result<Option<IpText>, Error> {
        let cmd = Command::Query(Query::MipCall);
        self.collect(&cmd, query::data_call).await
    }

    /// `AT+MIPCALL=1[,"<apn>"[,"<user>","<password>"]]`: brings the data call up, unless one
    /// is, and returns its address. A call the driver knows to be up (start-up found it, or
    /// an earlier attach brought it up, and no `+MIPCALL: 0` came since) is kept and nothing
    /// is sent; a dial the module answers `ERROR` (it refuses a second call) is followed by
    /// one `AT+MIPCALL?`, and a call it reports up is kept. A call kept keeps the APN it was
    /// dialled with. `+MIPCALL: 0` is [`Error::Failed`]; a refused dial with no call up is
    /// [`Error::Module`].
    ///
    /// Cancel-safe: a late answer or `+MIPCALL:` line is absorbed; the call may be up.
    pub async fn attach(
        &self,
        apn: Option<&str>,
        credentials: Option<(&str, &str)>,
    ) -> Result<IpText, Error> {
        let mut attach = self.shared.with(|x| Attach::new(x, apn, credentials));
        self.procedure(&mut attach).await?;
        Ok(self.shared.with(|x| Attach::address(x)))
    }

    /// `AT+MIPCALL=0`: hangs the data call up. A `+MIPCALL:` line saying the call is still up
    /// is [`Error::Failed`].
    ///
    /// Cancel-safe: a late answer is absorbed.
    pub fn detach(&self) -> impl Future<Output = Result<(), Error>> + use<'_, 'd, W> {
        self.send(Command::MipCallDown)
    }

    /// Sends `AT<body>` as given and calls `f` with each line of its answer (every line between
    /// the command and its final result, unsolicited ones included; the echo left out), also
    /// when the module answers `ERROR`, which is then [`Error::Module`].
    ///
    /// Lines that start with a known `+MQTT` prefix are also handled by the driver as usual,
    /// so raw MQTT commands whose result lines come later are better sent through the typed
    /// calls. Cancel-safe: a late answer is absorbed.
    pub async fn raw(&self, body: &str, mut f: impl FnMut(&[u8])) -> Result<(), Error> {
        let line = Command::Raw(body).line();
        let mut read = |answer: &[u8], _| {
            crate::proto::answer::lines(answer).for_each(&mut f);
        };
        self.run(line, Op::Collect, Some(&mut read)).await
    }

    /// `AT+MQTTCLOSE?`: asks the module which clients are connected and takes that as their
    /// state (for clients with no operation under way), for example after the application
    /// restarted while the module kept a connection open. Returns the connected clients.
    ///
    /// Cancel-safe: dropped before the command went out, nothing was sent; dropped after, its
    /// late answer is absorbed and never taken for another command's.
    pub async fn sync_states(&self) -> Result<ClientSet, Error> {
        let mut sync = SyncStates::default();
        self.procedure(&mut sync).await?;
        Ok(sync.open)
    }
}
