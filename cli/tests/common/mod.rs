//! Test harness: the real `fibocom-mqtt` binary against a simulated module (over a
//! pseudo-terminal or TCP) relaying to an in-process broker with one account, and an
//! independent MQTT client checking the broker side.

#![allow(dead_code)]

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use fibocom_sim::broker::tls::TlsOptions;
use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use rumqttc::{Client, Event, MqttOptions, Packet, Publish, QoS};

/// How long anything expected may take.
pub const WAIT: Duration = Duration::from_secs(20);

/// The broker's account.
pub const USER: &str = "alice";
/// Its password.
pub const PASS: &str = "secret";

/// How the binary reaches the simulator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A pseudo-terminal.
    Pty,
    /// `tcp://127.0.0.1:PORT`.
    Tcp,
}

/// A broker, a simulated module relaying to it, and the device path of the module.
pub struct Rig {
    /// The in-process broker (account alice / secret).
    pub broker: Broker,
    /// The simulated module.
    pub sim: Simulator,
    /// What `-D` takes to reach the module.
    pub device: String,
}

/// Starts a rig reached `via` the given link.
pub fn rig(via: Via) -> Rig {
    rig_with(via, |_| {})
}

/// [`rig`], with the simulator's settings changed by `change` (a firmware variant, say).
pub fn rig_with(via: Via, change: impl FnOnce(&mut SimConfig)) -> Rig {
    let broker = Broker::start(BrokerOptions {
        users: vec![(USER.to_string(), PASS.to_string())],
        ..BrokerOptions::default()
    })
    .expect("start the broker");
    let mut config = SimConfig {
        broker: broker.addr().to_string(),
        ..SimConfig::default()
    };
    change(&mut config);
    let link = match via {
        Via::Pty => Link::Pty,
        Via::Tcp => Link::Tcp("127.0.0.1:0".parse().unwrap()),
    };
    let sim = Simulator::start(config, link).expect("start the simulator");
    let device = match via {
        Via::Pty => sim.pty_path().expect("pty path").display().to_string(),
        Via::Tcp => format!("tcp://{}", sim.tcp_addr().expect("tcp address")),
    };
    Rig {
        broker,
        sim,
        device,
    }
}

/// A rig whose broker also listens for TLS (`tls`), with the accounts `users` (none: any
/// client is admitted); the module is reached over TCP, and host names given to a TLS open
/// lead to the TLS listener.
pub fn tls_rig_with(users: Vec<(String, String)>, tls: TlsOptions) -> Rig {
    let broker = Broker::start(BrokerOptions {
        users,
        tls: Some(tls),
        ..BrokerOptions::default()
    })
    .expect("start the broker");
    let config = SimConfig {
        broker: broker.addr().to_string(),
        tls_broker: Some(broker.tls_addr().expect("TLS listener").to_string()),
        ..SimConfig::default()
    };
    let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap()))
        .expect("start the simulator");
    let device = format!("tcp://{}", sim.tcp_addr().expect("tcp address"));
    Rig {
        broker,
        sim,
        device,
    }
}

/// `text` in a temporary file named `name` (removed when dropped).
pub struct TempFile(std::path::PathBuf);

impl TempFile {
    pub fn new(name: &str, text: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("fibocom-mqtt-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        TempFile(path)
    }

    pub fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The binary, with no device in its environment.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_fibocom-mqtt"));
    c.env_remove("FIBOCOM_DEVICE");
    c
}

/// `args` with the account's `-u` and `-P` added.
pub fn creds<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = args.to_vec();
    v.extend(["-u", USER, "-P", PASS]);
    v
}

impl Rig {
    /// The binary with `-D <device>`, then `args`.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut c = bin();
        c.arg("-D").arg(&self.device).args(args);
        c
    }

    /// Runs the binary with `args` (stdin: `input`) and waits for it.
    pub fn run(&self, args: &[&str], input: Option<&[u8]>) -> Done {
        let mut r = Running::start(self.cmd(args), input);
        if input.is_none() {
            r.close_stdin();
        }
        r.finish()
    }

    /// Starts the binary with `args`; stdin stays open until the run is finished or dropped.
    pub fn spawn(&self, args: &[&str]) -> Running {
        Running::start(self.cmd(args), None)
    }

    /// An independent MQTT client on the broker.
    pub fn observer(&self, name: &str) -> Observer {
        Observer::new(self, name)
    }

    /// The command lines the module received (as sent, without their CR), from `from` on.
    pub fn commands_from(&self, from: usize) -> Vec<String> {
        self.sim
            .received_commands()
            .iter()
            .skip(from)
            .map(|c| unescape(c))
            .collect()
    }

    /// How many command lines the module received so far.
    pub fn command_count(&self) -> usize {
        self.sim.received_commands().len()
    }

    /// Whether the module received a command line starting with `prefix`.
    pub fn received(&self, prefix: &str) -> bool {
        self.commands_from(0).iter().any(|c| c.starts_with(prefix))
    }
}

/// Undoes [`std::ascii::escape_default`], as the simulator records command lines.
fn unescape(s: &str) -> String {
    let mut out = Vec::new();
    let mut b = s.bytes();
    while let Some(c) = b.next() {
        if c != b'\\' {
            out.push(c);
            continue;
        }
        match b.next() {
            Some(b'n') => out.push(b'\n'),
            Some(b'r') => out.push(b'\r'),
            Some(b't') => out.push(b'\t'),
            Some(b'x') => {
                let hex: Vec<u8> = b.by_ref().take(2).collect();
                let hex = std::str::from_utf8(&hex).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
            }
            Some(other) => out.push(other),
            None => out.push(b'\\'),
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A finished run.
#[derive(Debug)]
pub struct Done {
    /// Its exit status.
    pub status: ExitStatus,
    /// Everything it wrote to stdout.
    pub stdout: Vec<u8>,
    /// Everything it wrote to stderr.
    pub stderr: String,
}

impl Done {
    /// Asserts exit status 0.
    pub fn ok(self) -> Done {
        assert!(
            self.status.success(),
            "failed ({:?}); stderr: {}",
            self.status,
            self.stderr
        );
        self
    }

    /// Asserts a non-zero exit status and a one-line error containing `text`.
    pub fn fails_with(self, text: &str) -> Done {
        assert!(
            !self.status.success(),
            "succeeded; stdout: {:?}",
            self.stdout
        );
        assert!(
            self.stderr.contains(text),
            "stderr lacks {text:?}: {}",
            self.stderr
        );
        self
    }

    /// stdout as text.
    pub fn out(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// A run in progress, its output collected by two threads.
pub struct Running {
    child: Child,
    stdout: Arc<Mutex<Vec<u8>>>,
    stderr: Arc<Mutex<Vec<u8>>>,
    readers: Vec<std::thread::JoinHandle<()>>,
}

fn collect(
    mut from: impl Read + Send + 'static,
    into: Arc<Mutex<Vec<u8>>>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            into.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    })
}

impl Running {
    fn start(mut cmd: Command, input: Option<&[u8]>) -> Running {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("start the binary");
        if let Some(input) = input {
            let mut stdin = child.stdin.take().unwrap();
            let input = input.to_vec();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&input);
            });
        }
        let stdout = Arc::new(Mutex::new(Vec::new()));
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let readers = vec![
            collect(child.stdout.take().unwrap(), stdout.clone()),
            collect(child.stderr.take().unwrap(), stderr.clone()),
        ];
        Running {
            child,
            stdout,
            stderr,
            readers,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Writes to its stdin.
    pub fn write_stdin(&mut self, bytes: &[u8]) {
        let stdin = self.child.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).unwrap();
        stdin.flush().unwrap();
    }

    /// Closes its stdin.
    pub fn close_stdin(&mut self) {
        self.child.stdin.take();
    }

    /// Sends it `signal`.
    pub fn signal(&self, signal: nix::sys::signal::Signal) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        nix::sys::signal::kill(pid, signal).expect("signal the binary");
    }

    /// stderr so far.
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.stderr.lock().unwrap()).into_owned()
    }

    /// stdout so far.
    pub fn stdout(&self) -> Vec<u8> {
        self.stdout.lock().unwrap().clone()
    }

    /// Waits until stderr holds `text` `times` times (panics after [`WAIT`], or if the
    /// process ended first).
    pub fn wait_stderr(&mut self, text: &str, times: usize) {
        let deadline = Instant::now() + WAIT;
        loop {
            if self.stderr().matches(text).count() >= times {
                return;
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                std::thread::sleep(Duration::from_millis(100));
                if self.stderr().matches(text).count() >= times {
                    return;
                }
                panic!(
                    "ended ({status:?}) before {text:?} on stderr: {}",
                    self.stderr()
                );
            }
            assert!(
                Instant::now() < deadline,
                "no {text:?} on stderr: {}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits (at most [`WAIT`]) for the process to end; kills it and panics if it does not.
    pub fn finish(mut self) -> Done {
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!("still running after {WAIT:?}; stderr: {}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        for r in self.readers.drain(..) {
            let _ = r.join();
        }
        Done {
            status,
            stdout: self.stdout(),
            stderr: self.stderr(),
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// An independent MQTT client (rumqttc) on the rig's broker.
pub struct Observer {
    client: Client,
    messages: mpsc::Receiver<Publish>,
    acks: mpsc::Receiver<()>,
}

impl Observer {
    /// Connects with the account and waits for the CONNACK.
    pub fn new(rig: &Rig, name: &str) -> Observer {
        let addr = rig.broker.addr();
        let mut opts = MqttOptions::new(name, addr.ip().to_string(), addr.port());
        opts.set_keep_alive(Duration::from_secs(30));
        opts.set_credentials(USER, PASS);
        let (client, mut connection) = Client::new(opts, 64);
        let (msg_tx, messages) = mpsc::channel();
        let (ack_tx, acks) = mpsc::channel();
        std::thread::spawn(move || {
            for event in connection.iter() {
                match event {
                    Ok(Event::Incoming(Packet::Publish(p))) => {
                        let _ = msg_tx.send(p);
                    }
                    Ok(Event::Incoming(
                        Packet::ConnAck(_)
                        | Packet::SubAck(_)
                        | Packet::PubAck(_)
                        | Packet::PubComp(_),
                    )) => {
                        let _ = ack_tx.send(());
                    }
                    Ok(_) => {}
                    Err(_) => return,
                }
            }
        });
        acks.recv_timeout(WAIT).expect("observer CONNACK");
        Observer {
            client,
            messages,
            acks,
        }
    }

    /// Subscribes and waits for the SUBACK.
    pub fn subscribe(&self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).expect("subscribe");
        self.acks.recv_timeout(WAIT).expect("observer SUBACK");
    }

    /// Publishes at QoS 1 and waits for the PUBACK.
    pub fn publish(&self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, false, payload.to_vec())
            .expect("publish");
        self.acks.recv_timeout(WAIT).expect("observer PUBACK");
    }

    /// Publishes a retained message at QoS 1 and waits for the PUBACK.
    pub fn publish_retained(&self, topic: &str, payload: &[u8]) {
        self.client
            .publish(topic, QoS::AtLeastOnce, true, payload.to_vec())
            .expect("publish");
        self.acks.recv_timeout(WAIT).expect("observer PUBACK");
    }

    /// The next message (within [`WAIT`]).
    pub fn recv(&self) -> Publish {
        self.messages
            .recv_timeout(WAIT)
            .expect("a message at the broker")
    }

    /// Asserts that no message arrives for `d`.
    pub fn expect_nothing(&self, d: Duration) {
        if let Ok(p) = self.messages.recv_timeout(d) {
            panic!("unexpected message on {}: {:?}", p.topic, p.payload);
        }
    }
}
