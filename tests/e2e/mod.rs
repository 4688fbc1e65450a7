//! End-to-end harness: the async driver speaks AT commands over TCP to the module simulator,
//! the simulator relays its MQTT clients to a broker, and an independent MQTT client (rumqttc)
//! checks from the broker's side what really happened.
//!
//! Every test runs twice (see [`both!`]): against the in-process broker of `fibocom-sim`, and
//! against mosquitto when `FIBOCOM_MOSQUITTO` (`HOST:PORT`) is set, as `.ci/setup-mosquitto.sh`
//! does. Both brokers accept the account [`USER`] / [`PASSWORD`], which every connection of
//! these tests uses. `FIBOCOM_MOSQUITTO_RESTART` is a shell command that restarts that mosquitto
//! and returns once it accepts connections again. With `FIBOCOM_MOSQUITTO` set, a mosquitto that
//! cannot be reached fails the tests; without it the mosquitto variants say loudly that they
//! were skipped.
//!
//! Everything waits with a bound: [`STEP`] for any one expected thing, [`BODY_LIMIT`] for the
//! whole driver part of a test.

#![allow(dead_code, unused_macros)]

use std::io::Write as _;
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{BreakCause, ClientId, Config, Event, QoS, Refusal};
use fibocom_sim::broker::{Broker as InProcessBroker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use futures::future::{select, Either};

/// User name every connection uses (mosquitto's password file holds it too).
pub const USER: &str = "fibocom";
/// Its password.
pub const PASSWORD: &str = "fibocom-ci";
/// Host name given to `AT+MQTTOPEN`: the simulator sends every host name to its broker.
pub const BROKER_HOST: &str = "broker.example";
/// The longest any one expected answer, event or message may take.
pub const STEP: Duration = Duration::from_secs(10);
/// The longest the driver part of one test may take.
pub const BODY_LIMIT: Duration = Duration::from_secs(120);
/// How long "nothing more comes" is watched for.
pub const QUIET: Duration = Duration::from_millis(400);

/// The driver's client over the simulator's TCP link.
pub type Dut<'d> = asynch::Control<'d, FromTokio<tokio::net::tcp::OwnedWriteHalf>>;

/// Which broker the simulator relays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// `fibocom_sim::broker::Broker`, one per test.
    InProcess,
    /// The mosquitto named by `FIBOCOM_MOSQUITTO`, shared by all tests.
    Mosquitto,
}

/// Defines, for each named test function `fn name(env: &Env)`, a module `name` with the tests
/// `name::in_process` and `name::mosquitto`.
#[macro_export]
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn in_process() {
                $crate::e2e::run_on($crate::e2e::Backend::InProcess, stringify!($name), super::$name);
            }
            #[test]
            fn mosquitto() {
                $crate::e2e::run_on($crate::e2e::Backend::Mosquitto, stringify!($name), super::$name);
            }
        }
    )*};
}

/// Runs `test` against `backend`, or says loudly that the mosquitto variant is skipped.
pub fn run_on(backend: Backend, name: &str, test: fn(&Env)) {
    let env = match backend {
        Backend::InProcess => Env::in_process(),
        Backend::Mosquitto => match std::env::var("FIBOCOM_MOSQUITTO") {
            Ok(addr) => Env::mosquitto(&addr),
            Err(_) => {
                // Straight to stderr, past the test harness's output capture.
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** SKIPPED: {name} against mosquitto: FIBOCOM_MOSQUITTO is not set \
                     (source .ci/setup-mosquitto.sh to run it) ***"
                );
                return;
            }
        },
    };
    test(&env);
}

/// A broker for one test, and names no other test (or earlier run) uses.
pub struct Env {
    /// Which broker this is.
    pub backend: Backend,
    in_process: Option<Arc<InProcessBroker>>,
    addr: SocketAddr,
    restart: Option<String>,
    tag: String,
}

fn unique_tag() -> String {
    static COUNT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0);
    let n = COUNT.fetch_add(1, Ordering::Relaxed);
    format!(
        "{:06x}{:02x}",
        (nanos ^ std::process::id().rotate_left(16)) & 0xff_ffff,
        n & 0xff
    )
}

impl Env {
    /// A fresh in-process broker that knows the test account.
    pub fn in_process() -> Env {
        Env::in_process_with(|_| {})
    }

    /// A fresh in-process broker that knows the test account, its options changed by `tweak`
    /// (a TLS listener, say).
    pub fn in_process_with(tweak: impl FnOnce(&mut BrokerOptions)) -> Env {
        let mut options = BrokerOptions {
            users: vec![(USER.into(), PASSWORD.into())],
            ..BrokerOptions::default()
        };
        tweak(&mut options);
        let broker = InProcessBroker::start(options).expect("start the in-process broker");
        Env {
            backend: Backend::InProcess,
            addr: broker.addr(),
            in_process: Some(Arc::new(broker)),
            restart: None,
            tag: unique_tag(),
        }
    }

    /// The mosquitto at `addr` (`HOST:PORT`), which must accept connections now.
    pub fn mosquitto(addr: &str) -> Env {
        let sock = addr
            .to_socket_addrs()
            .unwrap_or_else(|e| panic!("FIBOCOM_MOSQUITTO={addr:?} is not HOST:PORT: {e}"))
            .next()
            .unwrap_or_else(|| panic!("FIBOCOM_MOSQUITTO={addr:?} resolves to nothing"));
        if let Err(e) = TcpStream::connect_timeout(&sock, Duration::from_secs(3)) {
            panic!("FIBOCOM_MOSQUITTO={addr} is set but mosquitto cannot be reached: {e}");
        }
        Env {
            backend: Backend::Mosquitto,
            in_process: None,
            addr: sock,
            restart: std::env::var("FIBOCOM_MOSQUITTO_RESTART").ok(),
            tag: unique_tag(),
        }
    }

    /// The in-process broker, if this is one.
    pub fn in_process_broker(&self) -> Option<&InProcessBroker> {
        self.in_process.as_deref()
    }

    /// The broker's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A topic no other test uses: `e2e/<tag>/<name>`.
    pub fn topic(&self, name: &str) -> String {
        format!("e2e/{}/{name}", self.tag)
    }

    /// An MQTT client identifier no other test uses (at most 23 bytes).
    pub fn client_id(&self, name: &str) -> String {
        let mut id = format!("e2e{}{name}", self.tag);
        id.truncate(23);
        id
    }

    /// What the broker answers to a wrong password. The in-process broker sends CONNACK 4 (bad
    /// user name or password, module error 703); mosquitto 2.0 answers every failed password
    /// check of an MQTT 3.1.1 client with 5 (not authorized, 704).
    pub fn wrong_password_refusal(&self) -> Refusal {
        match self.backend {
            Backend::InProcess => Refusal::BadCredentials,
            Backend::Mosquitto => Refusal::NotAuthorized,
        }
    }

    /// A simulator relaying to this broker, its configuration changed by `tweak`.
    pub fn sim_with(&self, tweak: impl FnOnce(&mut SimConfig)) -> Simulator {
        let mut config = SimConfig {
            broker: self.addr.to_string(),
            ..SimConfig::default()
        };
        tweak(&mut config);
        Simulator::start(config, Link::Tcp(SocketAddr::from(([127, 0, 0, 1], 0))))
            .expect("start the simulator")
    }

    /// A simulator relaying to this broker with the default configuration.
    pub fn sim(&self) -> Simulator {
        self.sim_with(|_| {})
    }

    /// An independent client on the broker, connected with the test account.
    pub fn observer(&self, name: &str) -> Observer {
        Observer::connect(self.addr, &self.client_id(name))
    }

    /// Restarts the broker: every connection to it is cut. Returns once it accepts
    /// connections again.
    pub async fn restart_broker(&self) {
        match (&self.in_process, &self.restart) {
            (Some(b), _) => {
                let b = b.clone();
                tokio::task::spawn_blocking(move || b.restart())
                    .await
                    .expect("restart the in-process broker");
            }
            (None, Some(cmd)) => {
                let cmd = cmd.clone();
                let status = tokio::task::spawn_blocking(move || {
                    std::process::Command::new("sh")
                        .arg("-c")
                        .arg(&cmd)
                        .stdin(std::process::Stdio::null())
                        .status()
                })
                .await
                .expect("run FIBOCOM_MOSQUITTO_RESTART");
                match status {
                    Ok(s) if s.success() => {}
                    other => panic!("FIBOCOM_MOSQUITTO_RESTART failed: {other:?}"),
                }
                let addr = self.addr;
                let up = tokio::task::spawn_blocking(move || {
                    TcpStream::connect_timeout(&addr, Duration::from_secs(3))
                })
                .await
                .expect("probe mosquitto");
                if let Err(e) = up {
                    panic!("mosquitto does not accept connections after its restart: {e}");
                }
            }
            (None, None) => panic!(
                "FIBOCOM_MOSQUITTO is set but FIBOCOM_MOSQUITTO_RESTART is not: \
                 cannot restart mosquitto"
            ),
        }
    }
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind a port");
    l.local_addr().expect("local address").port()
}

/// Connects the driver to `sim` and runs `body` beside the driver's runner on a tokio
/// current-thread runtime, bounded by [`BODY_LIMIT`].
pub fn drive<T>(sim: &Simulator, config: Config, body: impl AsyncFnOnce(&Dut<'_>) -> T) -> T {
    let link = sim.tcp_addr().expect("the simulator's TCP address");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(link)
            .await
            .expect("connect to the simulator");
        stream.set_nodelay(true).expect("nodelay");
        let (rd, wr) = stream.into_split();
        let mut state = State::<{ fibocom_mqtt::RX_BUFFER_MIN }>::new();
        let (mut runner, client) =
            asynch::new(&mut state, FromTokio::new(rd), FromTokio::new(wr), config);
        let work = core::pin::pin!(tokio::time::timeout(BODY_LIMIT, body(&client)));
        let run = core::pin::pin!(runner.run());
        match select(run, work).await {
            Either::Left((e, _)) => panic!("the driver's runner stopped: {e}"),
            Either::Right((Ok(v), _)) => v,
            Either::Right((Err(_), _)) => panic!("the test took longer than {BODY_LIMIT:?}"),
        }
    })
}

/// The driver's settings for these tests: the defaults, with timeouts short enough that a
/// missing answer fails a test quickly.
pub fn config() -> Config {
    Config::with_timeouts(
        embassy_time::Duration::from_secs(5),
        embassy_time::Duration::from_secs(10),
    )
}

/// Start-up and data call.
pub async fn online(c: &Dut<'_>) {
    c.start().await.expect("start-up");
    c.attach(None, None).await.expect("data call");
}

/// Sets the test account with the client identifier `env.client_id(name)` on client `id`
/// and opens it.
pub async fn open(c: &Dut<'_>, env: &Env, id: ClientId, name: &str) {
    c.set_user(id, USER, PASSWORD, Some(&env.client_id(name)))
        .await
        .expect("set user");
    c.open(id, Broker::new(BROKER_HOST, 1883))
        .await
        .expect("open");
}

/// An [`Event`] copied out of the driver's buffers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ev {
    /// [`Event::Message`].
    Message {
        client: ClientId,
        qos: QoS,
        topic: Vec<u8>,
        payload: Vec<u8>,
    },
    /// [`Event::Break`].
    Break { client: ClientId, cause: BreakCause },
    /// [`Event::Unsolicited`].
    Unsolicited(Vec<u8>),
    /// Anything else, as its debug text.
    Other(String),
}

/// Copies an event out.
pub fn owned(ev: Event<'_>) -> Ev {
    match ev {
        Event::Message(m) => Ev::Message {
            client: m.client,
            qos: m.qos,
            topic: m.topic.to_vec(),
            payload: m.payload.to_vec(),
        },
        Event::Break { client, cause } => Ev::Break { client, cause },
        Event::Unsolicited(l) => Ev::Unsolicited(l.to_vec()),
        other => Ev::Other(format!("{other:?}")),
    }
}

/// A message event, for comparisons.
pub fn msg(client: ClientId, qos: QoS, topic: &str, payload: &[u8]) -> Ev {
    Ev::Message {
        client,
        qos,
        topic: topic.as_bytes().to_vec(),
        payload: payload.to_vec(),
    }
}

/// The next event, or `None` if none comes within `d`.
pub async fn event_within(c: &Dut<'_>, d: Duration) -> Option<Ev> {
    tokio::time::timeout(d, c.next_event(owned))
        .await
        .ok()
        .map(|r| r.expect("the link is up"))
}

/// The next event; fails the test if none comes within [`STEP`].
pub async fn event(c: &Dut<'_>) -> Ev {
    event_within(c, STEP)
        .await
        .unwrap_or_else(|| panic!("no event from the driver within {STEP:?}"))
}

/// Every event until none came for [`QUIET`].
pub async fn events_until_quiet(c: &Dut<'_>) -> Vec<Ev> {
    let mut out = Vec::new();
    while let Some(ev) = event_within(c, QUIET).await {
        out.push(ev);
    }
    out
}

/// A message as the independent client saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// Topic.
    pub topic: String,
    /// Payload bytes.
    pub payload: Vec<u8>,
    /// QoS it was delivered with.
    pub qos: u8,
    /// Its retain flag.
    pub retain: bool,
}

/// A [`Seen`], for comparisons.
pub fn seen(topic: &str, payload: &[u8], qos: QoS, retain: bool) -> Seen {
    Seen {
        topic: topic.to_string(),
        payload: payload.to_vec(),
        qos: qos.number(),
        retain,
    }
}

fn mqtt_qos(q: QoS) -> rumqttc::QoS {
    match q {
        QoS::AtMostOnce => rumqttc::QoS::AtMostOnce,
        QoS::AtLeastOnce => rumqttc::QoS::AtLeastOnce,
        QoS::ExactlyOnce => rumqttc::QoS::ExactlyOnce,
    }
}

/// An independent MQTT 3.1.1 client (rumqttc on a thread of its own) that watches the broker:
/// it collects every message delivered to it and publishes on request.
pub struct Observer {
    client: rumqttc::Client,
    messages: tokio::sync::mpsc::UnboundedReceiver<Seen>,
    subacks: tokio::sync::mpsc::UnboundedReceiver<bool>,
    stop: Arc<AtomicBool>,
}

impl Observer {
    /// Connects to `addr` as `client_id` with the test account and waits for the CONNACK.
    pub fn connect(addr: SocketAddr, client_id: &str) -> Observer {
        let mut opts = rumqttc::MqttOptions::new(client_id, addr.ip().to_string(), addr.port());
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_credentials(USER, PASSWORD);
        opts.set_max_packet_size(1 << 16, 1 << 16);
        let (client, mut connection) = rumqttc::Client::new(opts, 256);
        let (msg_tx, messages) = tokio::sync::mpsc::unbounded_channel();
        let (sub_tx, subacks) = tokio::sync::mpsc::unbounded_channel();
        let (conn_tx, conn_rx) = std::sync::mpsc::channel();
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            use rumqttc::{Event, Packet};
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::ConnAck(a))) => {
                        let _ = conn_tx.send(Ok(a.code));
                    }
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = msg_tx.send(Seen {
                            topic: p.topic,
                            payload: p.payload.to_vec(),
                            qos: p.qos as u8,
                            retain: p.retain,
                        });
                    }
                    Ok(Event::Incoming(Packet::SubAck(a))) => {
                        let ok = a
                            .return_codes
                            .iter()
                            .all(|c| matches!(c, rumqttc::SubscribeReasonCode::Success(_)));
                        let _ = sub_tx.send(ok);
                    }
                    Ok(_) => {}
                    Err(e) => {
                        if stopped.load(Ordering::Relaxed) {
                            break;
                        }
                        let _ = conn_tx.send(Err(e.to_string()));
                        // rumqttc reconnects on the next iteration.
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
                if stopped.load(Ordering::Relaxed) {
                    break;
                }
            }
        });
        match conn_rx.recv_timeout(STEP) {
            Ok(Ok(rumqttc::ConnectReturnCode::Success)) => {}
            Ok(other) => panic!("observer {client_id} could not connect to {addr}: {other:?}"),
            Err(_) => panic!("observer {client_id}: no CONNACK from {addr} within {STEP:?}"),
        }
        Observer {
            client,
            messages,
            subacks,
            stop,
        }
    }

    /// Subscribes to `filter` at QoS 2 (so every message keeps the QoS it was published
    /// with) and waits for the SUBACK.
    pub async fn subscribe(&mut self, filter: &str) {
        self.client
            .try_subscribe(filter, rumqttc::QoS::ExactlyOnce)
            .expect("observer subscribe");
        match tokio::time::timeout(STEP, self.subacks.recv()).await {
            Ok(Some(true)) => {}
            other => panic!("observer: subscription to {filter} failed: {other:?}"),
        }
    }

    /// Publishes (queues the request; the observer's thread sends it).
    pub fn publish(&self, topic: &str, payload: &[u8], qos: QoS, retain: bool) {
        self.client
            .publish(topic, mqtt_qos(qos), retain, payload.to_vec())
            .expect("observer publish");
    }

    /// A handle that publishes from another thread.
    pub fn publisher(&self) -> rumqttc::Client {
        self.client.clone()
    }

    /// The next message, or `None` if none comes within `d`.
    pub async fn next_within(&mut self, d: Duration) -> Option<Seen> {
        tokio::time::timeout(d, self.messages.recv())
            .await
            .ok()
            .flatten()
    }

    /// The next message; fails the test if none comes within [`STEP`].
    pub async fn next(&mut self) -> Seen {
        self.next_within(STEP)
            .await
            .unwrap_or_else(|| panic!("the observer received nothing within {STEP:?}"))
    }

    /// The next `n` messages (each within [`STEP`]), then checks that no more come within
    /// [`QUIET`].
    pub async fn exactly(&mut self, n: usize) -> Vec<Seen> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.next_within(STEP).await {
                Some(m) => out.push(m),
                None => panic!("the observer received only {out:?}, {n} were expected"),
            }
        }
        let more = self.until_quiet().await;
        assert_eq!(more, vec![], "the observer received more than {n} messages");
        out
    }

    /// Every message until none came for [`QUIET`].
    pub async fn until_quiet(&mut self) -> Vec<Seen> {
        let mut out = Vec::new();
        while let Some(m) = self.next_within(QUIET).await {
            out.push(m);
        }
        out
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.client.try_disconnect();
    }
}

/// Converts a QoS for the observer.
pub fn qos_of(n: u8) -> QoS {
    QoS::new(u32::from(n)).expect("qos 0, 1 or 2")
}
