//! The state a module is in when the host starts again: what an earlier run of a program (or
//! of another one) left behind, since the module keeps it until it restarts itself. Given as
//! [`SimConfig::previous`](crate::SimConfig::previous), it is the module's state when the
//! simulator starts; a [`crate::Control::Reboot`] still brings the module back to its power-up
//! state.
//!
//! ```no_run
//! use fibocom_sim::{LeftClient, Link, PreviousRun, SimConfig, Simulator};
//!
//! let broker = fibocom_sim::broker::Broker::start(Default::default()).unwrap();
//! // A program ran once with the driver's defaults and stopped (crash, reset, second run):
//! // echo off, receive mode 1, the data call up, client 1 still connected as "dev1", with one
//! // message announced by +MQTTMSGI and never read.
//! let previous = PreviousRun::after(
//!     1,
//!     LeftClient::new("broker.example", 1883)
//!         .client_id("dev1")
//!         .subscribed("cmd/#", 1),
//! )
//! .waiting(1, "cmd/reboot", b"now");
//! let config = SimConfig {
//!     broker: broker.addr().to_string(),
//!     previous,
//!     ..SimConfig::default()
//! };
//! // Returns once client 1's connection is up and subscribed at the broker.
//! let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).unwrap();
//! ```

use crate::at::commands::{FileKind, Message};

/// A client connected before this run (or [`LeftClient::dropped`] since), to the broker
/// `host:port` (as `AT+MQTTOPEN` would have been given them: a host name leads to
/// [`SimConfig::broker`](crate::SimConfig::broker), a dotted quad is connected to as given),
/// with its own user, client identifier, will and subscriptions.
///
/// The simulator really connects it to that broker before [`crate::Simulator::start`]
/// returns: the broker sees it (and its will, published if it is dropped without DISCONNECT),
/// and messages published on its subscriptions reach the module. No `+MQTTOPEN` or
/// `+MQTTSUB` line is sent for it: those went to the previous run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftClient {
    /// Host as given to `AT+MQTTOPEN`.
    pub host: String,
    /// Port as given to `AT+MQTTOPEN`.
    pub port: u16,
    /// Clean-session flag (default `true`).
    pub clean: bool,
    /// Keepalive in seconds (default 60).
    pub keepalive: u16,
    /// `AT+MQTTUSER` it was opened with: user name, password, ClientIDStr (`None`: the IMEI).
    /// Default: none given (no credentials, the IMEI as client identifier).
    pub user: Option<(String, String, Option<String>)>,
    /// `AT+MQTTWILL` it was opened with (default none).
    pub will: Option<Message>,
    /// Topic filters it subscribed to, with their QoS, subscribed again at the broker at start.
    pub subscriptions: Vec<(String, u8)>,
    /// Opened over TLS (`AT+MQTTOPEN` with its sixth parameter), with the TLS settings and
    /// files the previous run left ([`PreviousRun::tls`], [`PreviousRun::tls_file`]) and the
    /// TLS broker for a host name ([`SimConfig::tls_broker`](crate::SimConfig::tls_broker)).
    /// Default `false`.
    pub tls: bool,
    /// Still connected (default `true`). `false`: its connection ended while no host listened
    /// (dropped by the broker, its `+MQTTBREAK` never read), so the client is closed but keeps
    /// the user and will it was opened with: an `AT+MQTTOPEN` that does not set them again
    /// uses them.
    pub connected: bool,
}

impl LeftClient {
    /// A client connected to `host:port`, clean session, keepalive 60 s, no user, no will, no
    /// subscription.
    pub fn new(host: &str, port: u16) -> Self {
        LeftClient {
            host: host.to_string(),
            port,
            clean: true,
            keepalive: 60,
            user: None,
            will: None,
            subscriptions: Vec::new(),
            tls: false,
            connected: true,
        }
    }

    /// No longer connected: dropped while no host listened, its user and will still set.
    pub fn dropped(mut self) -> Self {
        self.connected = false;
        self
    }

    /// Opened over TLS.
    pub fn tls(mut self) -> Self {
        self.tls = true;
        self
    }

    /// Opened after `AT+MQTTUSER=<id>,"<user>","<pass>"` (keeps a client identifier already
    /// given).
    pub fn user(mut self, user: &str, pass: &str) -> Self {
        let id = self.user.and_then(|(_, _, id)| id);
        self.user = Some((user.to_string(), pass.to_string(), id));
        self
    }

    /// Opened with the ClientIDStr `id` (keeps a user already given; none: empty user).
    pub fn client_id(mut self, id: &str) -> Self {
        let (u, p) = self
            .user
            .map(|(u, p, _)| (u, p))
            .unwrap_or((String::new(), String::new()));
        self.user = Some((u, p, Some(id.to_string())));
        self
    }

    /// Opened with a will on `topic`.
    pub fn will(mut self, topic: &str, qos: u8, retain: bool, payload: &[u8]) -> Self {
        self.will = Some(Message {
            topic: topic.to_string(),
            qos,
            retain,
            payload: payload.to_vec(),
        });
        self
    }

    /// Subscribed to `filter` with `qos` (repeatable).
    pub fn subscribed(mut self, filter: &str, qos: u8) -> Self {
        self.subscriptions.push((filter.to_string(), qos));
        self
    }

    /// With clean session `clean`.
    pub fn clean(mut self, clean: bool) -> Self {
        self.clean = clean;
        self
    }

    /// With keepalive `secs`.
    pub fn keepalive(mut self, secs: u16) -> Self {
        self.keepalive = secs;
        self
    }
}

/// A message announced with `+MQTTMSGI` before this run and never read: it waits in the
/// module's receive-mode-1 queue until `AT+MQTTREAD=<id>` returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    /// Client id, 1 or 2.
    pub id: u8,
    /// QoS it was delivered with.
    pub qos: u8,
    /// Topic.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
}

/// What a previous run left in the module. [`PreviousRun::default`] is nothing at all: the
/// module as after power-up. Build one with [`PreviousRun::after`] (what a program using the
/// driver's defaults leaves) or from the default with the builder methods; every field is
/// public too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PreviousRun {
    /// Echo as left (`ATE0` / `ATE1`); `None`: as at power-up
    /// ([`SimConfig::echo`](crate::SimConfig::echo)).
    pub echo: Option<bool>,
    /// Receive mode as left by `AT+MQTTCONF` (0 at power-up).
    pub receive_mode: u8,
    /// The data call is up, with [`SimConfig::ip`](crate::SimConfig::ip):
    /// `AT+MIPCALL?` answers `+MIPCALL: 1,<ip>`, `AT+MIPCALL=1` answers `ERROR`.
    pub call_up: bool,
    /// Clients 1 and 2 connected from before (index 0 is client 1). Needs
    /// [`PreviousRun::call_up`]: [`crate::Simulator::start`] refuses a connected client
    /// without a data call.
    pub clients: [Option<LeftClient>; 2],
    /// Messages announced by `+MQTTMSGI` and never read, oldest first.
    pub waiting: Vec<Waiting>,
    /// `AT+GTSSLVER` as set (0 at power-up).
    pub tls_version: u8,
    /// `AT+GTSSLMODE=1` as set (off at power-up).
    pub tls_verify: bool,
    /// Files uploaded with `AT+GTSSLFILE`, in upload order; `AT+GTSSLFILE?` counts them per
    /// kind, and an open over TLS uses them as uploaded ones.
    pub tls_files: Vec<(FileKind, Vec<u8>)>,
}

impl PreviousRun {
    /// What a run of a program using the driver's defaults leaves when it stops without
    /// cleaning up (a crash, a reset of the host, a tool run a first time): echo off, receive
    /// mode 1, the data call up, and `client` still connected as client `id` (1 or 2).
    pub fn after(id: u8, client: LeftClient) -> Self {
        PreviousRun::default()
            .echo(false)
            .receive_mode(1)
            .call_up()
            .client(id, client)
    }

    /// Echo left on or off.
    pub fn echo(mut self, on: bool) -> Self {
        self.echo = Some(on);
        self
    }

    /// Receive mode left set (0 or 1).
    pub fn receive_mode(mut self, mode: u8) -> Self {
        self.receive_mode = mode;
        self
    }

    /// The data call left up.
    pub fn call_up(mut self) -> Self {
        self.call_up = true;
        self
    }

    /// Client `id` (1 or 2; any other id is ignored) left connected as `client` (the data call
    /// must be up too).
    pub fn client(mut self, id: u8, client: LeftClient) -> Self {
        if let Some(slot) = self.clients.get_mut(usize::from(id).wrapping_sub(1)) {
            *slot = Some(client);
        }
        self
    }

    /// A QoS 0 message on `topic` announced to client `id` and never read (repeatable; read
    /// back in the order given).
    pub fn waiting(self, id: u8, topic: &str, payload: &[u8]) -> Self {
        self.waiting_qos(id, 0, topic, payload)
    }

    /// [`PreviousRun::waiting`] with the QoS it was delivered with.
    pub fn waiting_qos(mut self, id: u8, qos: u8, topic: &str, payload: &[u8]) -> Self {
        self.waiting.push(Waiting {
            id,
            qos,
            topic: topic.to_string(),
            payload: payload.to_vec(),
        });
        self
    }

    /// `AT+GTSSLVER=<version>` and `AT+GTSSLMODE=<verify>` left set.
    pub fn tls(mut self, version: u8, verify: bool) -> Self {
        self.tls_version = version;
        self.tls_verify = verify;
        self
    }

    /// A file of `kind` left uploaded (repeatable: each call is one more upload).
    pub fn tls_file(mut self, kind: FileKind, pem: &[u8]) -> Self {
        self.tls_files.push((kind, pem.to_vec()));
        self
    }

    /// Whether anything was left at all.
    pub fn is_power_up(&self) -> bool {
        *self == PreviousRun::default()
    }

    /// Checks what cannot be: a client id other than 1 or 2, a connected client without the
    /// data call, a receive mode or QoS out of range. The message says what is wrong.
    pub fn check(&self) -> Result<(), String> {
        if self.receive_mode > 1 {
            return Err(format!("receive mode {} (0 or 1)", self.receive_mode));
        }
        if self.clients.iter().flatten().any(|c| c.connected) && !self.call_up {
            return Err("a client left connected needs the data call up".into());
        }
        if self.tls_version > 4 {
            return Err(format!("TLS version {} (0-4)", self.tls_version));
        }
        for w in &self.waiting {
            if !(1..=2).contains(&w.id) || w.qos > 2 {
                return Err(format!(
                    "waiting message for client {} with QoS {}",
                    w.id, w.qos
                ));
            }
        }
        for (i, c) in self.clients.iter().enumerate() {
            let Some(c) = c else { continue };
            if c.subscriptions.iter().any(|(_, q)| *q > 2) {
                return Err(format!("client {}: subscription QoS above 2", i + 1));
            }
            if c.will.as_ref().is_some_and(|w| w.qos > 2) {
                return Err(format!("client {}: will QoS above 2", i + 1));
            }
            if c.keepalive == 0 || c.host.is_empty() || c.port == 0 {
                return Err(format!(
                    "client {}: empty host, port 0 or keepalive 0",
                    i + 1
                ));
            }
        }
        Ok(())
    }
}
