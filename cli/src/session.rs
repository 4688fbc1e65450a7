//! Bringing the module up: the port, start-up, the data call, and the MQTT connection (user,
//! will, open), all through the driver.

use std::time::Duration as StdDuration;

use embassy_time::Duration;
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::codec::PayloadForm;
use fibocom_mqtt::session::{
    Backoff, DataCall, Reason, SessionConfig, SessionState, Stage, Subscription, User, WhenFull,
    Will,
};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{BreakCause, ClientId, Config, ConnState, Error, IpText, QoS};

use crate::args::{BrokerArgs, DeviceArgs, ModemArgs};
use crate::check;
use crate::port::{self, Port};
use crate::Fail;

/// The receive buffer: the largest message (1024-byte payload, 255-byte topic) fits with room.
pub const RX: usize = 4096;

/// The driver over the link.
pub type Driver = Modem<Port, RX>;

/// How long the module may take to answer `OK` or `ERROR` (the manual says under 1 s).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(3);

/// How many `AT` probes start-up sends before it gives up on the module.
const PROBE_ATTEMPTS: u8 = 3;

/// An open link to the module and the MQTT client of it in use.
pub struct Module {
    /// The driver.
    pub client: Driver,
    /// The module's MQTT client (`--modem-client`).
    pub id: ClientId,
    device: String,
    /// The note that the module receives in mode 0 was printed.
    said_mode_0: bool,
    /// TLS was provisioned since the last start-up (the module forgets it when it restarts).
    tls_provisioned: bool,
}

impl Module {
    /// Opens the device without touching the module (for `at`); each command may take
    /// `answer` to be answered.
    pub fn attach(dev: &DeviceArgs, answer: StdDuration) -> Result<Module, Fail> {
        Module::open(
            dev,
            Config::default().answer_timeout(duration(answer)),
            ClientId::One,
        )
    }

    /// Opens the device and checks that the module answers `AT`, leaving its settings alone
    /// (for `info`).
    pub fn probe(dev: &DeviceArgs) -> Result<Module, Fail> {
        let mut m = Module::open(dev, config(), ClientId::One)?;
        let mut last = Error::AnswerTimeout;
        for _ in 0..PROBE_ATTEMPTS {
            match m.client.ping() {
                Ok(()) => return Ok(m),
                Err(e @ Error::Io(_)) => return Err(m.fail("the module", e)),
                Err(e) => last = e,
            }
        }
        Err(m.fail("the module", last))
    }

    /// Opens the device and runs the driver's start-up (echo off, binary-safe receive mode),
    /// for `pub` and `sub`.
    pub fn start(dev: &DeviceArgs, modem: &ModemArgs) -> Result<Module, Fail> {
        let mut m = Module::open(dev, config(), check::modem_client(modem))?;
        m.client.start().map_err(|e| m.fail("start-up", e))?;
        m.say_receive_mode();
        m.tls_provisioned = false;
        Ok(m)
    }

    /// Says once, on stderr, that the module has no `AT+MQTTCONF` and receives in mode 0.
    fn say_receive_mode(&mut self) {
        if self.client.receive_mode_in_force() == Some(fibocom_mqtt::ReceiveMode::Direct)
            && !self.said_mode_0
        {
            self.said_mode_0 = true;
            eprintln!(
                "note: the module has no AT+MQTTCONF (older firmware): it receives in mode 0 \
                 (+MQTTMSG), so payloads holding CR or LF cannot be received"
            );
        }
    }

    /// Opens the device without touching the module, for a [`kept`] session (which runs
    /// start-up itself).
    pub fn unstarted(dev: &DeviceArgs, modem: &ModemArgs) -> Result<Module, Fail> {
        Module::open(dev, config(), check::modem_client(modem))
    }

    fn open(dev: &DeviceArgs, config: Config, id: ClientId) -> Result<Module, Fail> {
        let device = device(dev)?;
        let port = port::open(&device, dev.baud)?;
        Ok(Module {
            client: Modem::new(port, config),
            said_mode_0: false,
            tls_provisioned: false,
            id,
            device,
        })
    }

    /// A failure of `what`, worded for the person at the shell.
    pub fn fail(&self, what: &str, e: Error) -> Fail {
        // The driver keeps which command failed: named for the failures the module answered.
        let named = self.client.last_failure().filter(|f| f.error == e);
        Fail::new(match e {
            Error::AnswerTimeout => {
                format!(
                    "{what}: no answer from the module on {} to {} (timeout)",
                    self.device,
                    named.map_or("the command".to_string(), |f| f.command().to_string())
                )
            }
            Error::Io(_) => format!("{what}: lost the device {}: {}", self.device, describe(e)),
            Error::Module(_) | Error::Failed(_) | Error::PromptTimeout | Error::ResultTimeout
                if named.is_some() =>
            {
                format!(
                    "{what}: {}",
                    named.map(|f| f.to_string()).unwrap_or_default()
                )
            }
            e => format!("{what}: {}", describe(e)),
        })
    }

    /// Makes sure a data call is up: keeps the one that is (start-up asked the module), or
    /// dials one, with `--apn` and its credentials if given, else with the module's default
    /// APN. Returns the address.
    pub fn data_call(&mut self, dev: &ModemArgs) -> Result<IpText, Fail> {
        let creds = match (dev.apn_user.as_deref(), dev.apn_pass.as_deref()) {
            (None, None) => None,
            (u, p) => Some((u.unwrap_or(""), p.unwrap_or(""))),
        };
        self.client
            .attach(dev.apn.as_deref(), creds)
            .map_err(|e| self.fail("data call", e))
    }

    /// Sets the user and the will of the client, and connects it to the broker.
    pub fn connect(&mut self, b: &BrokerArgs) -> Result<(), Fail> {
        let id = self.id;
        let default_id = check::default_client_id();
        let client_id = b.id.as_deref().unwrap_or(&default_id);
        let user = b.user.as_deref().unwrap_or("");
        let password = b.password.as_deref().unwrap_or("");
        if let Err(e) = self.client.set_user(id, user, password, Some(client_id)) {
            return Err(self.fail("setting the user", e));
        }
        if let Some(topic) = b.will_topic.as_deref() {
            let payload = b.will_payload.as_deref().unwrap_or("");
            if let Err(e) = self.client.set_will_with(
                id,
                topic,
                qos(b.will_qos),
                b.will_retain,
                payload.as_bytes(),
                PayloadForm::Auto,
            ) {
                return Err(self.fail("setting the will", e));
            }
        }
        let port = b.port();
        let broker = Broker {
            host: &b.host,
            port,
            clean_session: !b.no_clean,
            keepalive: b.keepalive,
        };
        let opened = match crate::tls::load(&b.tls)? {
            Some(tls) => {
                if !self.tls_provisioned {
                    self.client
                        .provision_tls(&tls.setup())
                        .map_err(|e| self.fail("setting up TLS on the module", e))?;
                    self.tls_provisioned = true;
                }
                self.client.open_tls(id, broker, tls.setup().param)
            }
            None => self.client.open(id, broker),
        };
        match opened {
            Ok(()) => Ok(()),
            Err(Error::Failed(_)) => Err(self.open_failed(&b.host, port)),
            Err(e @ Error::Tls(_)) => Err(Fail::new(format!(
                "cannot connect to {}:{port} over TLS: {e}",
                b.host
            ))),
            Err(e) => Err(self.fail(&format!("cannot connect to {}:{port}", b.host), e)),
        }
    }

    /// An open the module reported as failed (`+MQTTOPEN: <id>,0`): what is known (the data
    /// call, asked once with `AT+MIPCALL?`) and what to check.
    fn open_failed(&mut self, host: &str, port: u16) -> Fail {
        let call = match self.client.data_call() {
            Ok(Some(ip)) => format!("the data call is up ({ip})"),
            Ok(None) => "the data call is DOWN (bring it up: --apn, or AT+MIPCALL=1)".to_string(),
            Err(_) => "the data call's state is unknown (AT+MIPCALL? failed)".to_string(),
        };
        Fail::new(format!(
            "cannot connect to {host}:{port}: the module reported failure (+MQTTOPEN status 0); \
             {call}; check that {host} resolves and that a broker listens on port {port}"
        ))
    }

    /// Closes the MQTT connection (`AT+MQTTCLOSE`) and waits for its result.
    pub fn close(&mut self) -> Result<(), Fail> {
        let id = self.id;
        self.client
            .close(id)
            .map_err(|e| self.fail("closing the connection", e))
    }
}

/// Every start-up step a connection needs: data call, user, will, open.
pub fn bring_up(m: &mut Module, modem: &ModemArgs, b: &BrokerArgs) -> Result<(), Fail> {
    m.data_call(modem)?;
    m.connect(b)
}

/// The device to open, checked with the other arguments before anything is opened.
pub fn device(dev: &DeviceArgs) -> Result<String, Fail> {
    match dev.device.as_deref() {
        None => Err(Fail::usage(
            "no device given: use -D PATH (or tcp://HOST:PORT) or set FIBOCOM_DEVICE",
        )),
        Some("") => Err(Fail::usage("no device given: the device path is empty")),
        Some(d) => match d.strip_prefix("tcp://") {
            Some(addr) if !has_port(addr.trim_end_matches('/')) => Err(Fail::usage(format!(
                "-D {d}: a TCP device needs a port: -D tcp://HOST:PORT"
            ))),
            _ => Ok(d.to_string()),
        },
    }
}

/// Whether `addr` (`HOST:PORT`, `[IPv6]:PORT`) ends with a port number.
fn has_port(addr: &str) -> bool {
    addr.rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && port.parse::<u16>().is_ok())
}

/// The driver's error, in words.
pub fn describe(e: Error) -> String {
    match e {
        Error::AnswerTimeout => "no answer from the module (timeout)".into(),
        Error::ResultTimeout => "timeout waiting for the module's result".into(),
        Error::PromptTimeout => "timeout waiting for the module's data prompt".into(),
        Error::Failed(_) => "the module reported failure".into(),
        Error::Break(c) => format!("the connection dropped ({})", cause(c)),
        Error::Io(embedded_io::ErrorKind::BrokenPipe) => "the link was closed".into(),
        Error::Invalid(e) => check::explain(e, &[]),
        Error::WrongState {
            state: ConnState::Closed,
            ..
        } => "the connection is closed".into(),
        e => e.to_string(),
    }
}

/// A `+MQTTBREAK` cause, in words.
pub fn cause(c: BreakCause) -> String {
    match c {
        BreakCause::Broker => "the broker closed it or a ping went unanswered".into(),
        BreakCause::Link => "the data call was lost".into(),
        BreakCause::Network => "the module is not registered on the network".into(),
        BreakCause::Other(n) => format!("cause {n}"),
    }
}

/// The QoS of a number that the command line already limited to 0-2.
pub fn qos(n: u8) -> QoS {
    check::qos(n)
}

/// The driver's settings: the defaults, with a shorter answer timeout and fewer start-up
/// probes, so that a module that does not answer is reported within seconds.
fn config() -> Config {
    Config::default()
        .answer_timeout(ANSWER_TIMEOUT)
        .prompt_timeout(ANSWER_TIMEOUT)
        .probe_attempts(PROBE_ATTEMPTS)
}

fn duration(d: StdDuration) -> Duration {
    Duration::from_millis(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The settings of a session that keeps the connection up (`sub --reconnect`, `pub --retry`):
/// the data call (dialled, with `--apn` if given, when none is up), the user, the will, the
/// broker and the subscriptions; back-off from 1 s to 60 s. The strings live in `keep`.
pub fn kept<'a>(
    id: ClientId,
    modem: &'a ModemArgs,
    b: &'a BrokerArgs,
    client_id: &'a str,
    subscriptions: &'a [Subscription<'a>],
    tls: Option<&'a fibocom_mqtt::TlsSetup<'a>>,
) -> SessionConfig<'a, Option<&'a fibocom_mqtt::TlsSetup<'a>>> {
    let credentials = match (modem.apn_user.as_deref(), modem.apn_pass.as_deref()) {
        (None, None) => None,
        (u, p) => Some((u.unwrap_or(""), p.unwrap_or(""))),
    };
    SessionConfig {
        client: id,
        call: DataCall::Dial {
            apn: modem.apn.as_deref(),
            credentials,
        },
        user: Some(User {
            user: b.user.as_deref().unwrap_or(""),
            password: b.password.as_deref().unwrap_or(""),
            identifier: Some(client_id),
        }),
        will: b.will_topic.as_deref().map(|topic| Will {
            topic,
            qos: qos(b.will_qos),
            retain: b.will_retain,
            payload: b.will_payload.as_deref().unwrap_or("").as_bytes(),
        }),
        broker: Broker {
            host: &b.host,
            port: b.port(),
            clean_session: !b.no_clean,
            keepalive: b.keepalive,
        },
        subscriptions,
        tls,
        backoff: Backoff {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(60),
            jitter_percent: 50,
            seed: std::process::id(),
        },
        when_full: WhenFull::Refuse,
        rules: None,
    }
}

/// What a kept session's connection did so far, for [`say_state`].
#[derive(Debug, Default)]
pub struct Watch {
    up: bool,
    ever_up: bool,
}

/// Says on stderr what a change of a kept session's state means: why the connection is down
/// and when the next attempt comes.
pub fn say_state(s: SessionState, w: &mut Watch) {
    match s {
        SessionState::Connected => {
            if w.ever_up && !w.up {
                eprintln!("fibocom-mqtt: connected again");
            }
            w.up = true;
            w.ever_up = true;
        }
        SessionState::Connecting {
            attempt: 1,
            last: Some(r),
        } if std::mem::replace(&mut w.up, false) => {
            eprintln!(
                "fibocom-mqtt: connection lost ({}); connecting again",
                reason(r)
            );
        }
        SessionState::Connecting { .. } => {}
        SessionState::Waiting { until, last, .. } => {
            w.up = false;
            let secs = until
                .saturating_duration_since(embassy_time::Instant::now())
                .as_millis() as f64
                / 1000.0;
            match last {
                Some(r) => eprintln!("fibocom-mqtt: {}; trying again in {secs:.1} s", reason(r)),
                None => eprintln!("fibocom-mqtt: trying again in {secs:.1} s"),
            }
        }
    }
}

/// Why a kept session is not connected, in words.
pub fn reason(r: Reason) -> String {
    match r {
        Reason::Break(c) => cause(c),
        Reason::CallDown => "the data call is down".into(),
        Reason::Restarted => "the module restarted".into(),
        Reason::Failed(stage, e) => {
            let what = match stage {
                Stage::Start => "start-up",
                Stage::Call => "data call",
                Stage::Tls => "TLS set-up",
                Stage::User => "setting the user",
                Stage::Will => "setting the will",
                Stage::Open => "connecting",
                Stage::Subscribe => "subscribing",
                Stage::Read => "reading a message",
                Stage::Publish => "publishing",
            };
            format!("{what}: {}", describe(e))
        }
    }
}
