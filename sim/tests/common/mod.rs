//! Test harness: a simulator on a TCP link backed by the in-process broker, a plain-text host
//! that asserts exact bytes, and an independent MQTT client watching the broker.

#![allow(dead_code)]

pub mod tls;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use rumqttc::{Client, Event, MqttOptions, Packet, Publish, QoS};

/// How long any expected byte sequence may take to arrive.
pub const WAIT: Duration = Duration::from_secs(5);

/// The host end of the serial link.
pub struct Host {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// Shows bytes readably in assertion messages.
pub fn show(bytes: &[u8]) -> String {
    fibocom_sim::transcript::escape(bytes)
}

impl Host {
    /// Connects to the simulator's TCP link.
    pub fn connect(addr: SocketAddr) -> Host {
        let stream = TcpStream::connect(addr).expect("connect to the simulator");
        stream
            .set_read_timeout(Some(Duration::from_millis(20)))
            .expect("read timeout");
        Host {
            stream,
            buf: Vec::new(),
        }
    }

    /// Sends raw bytes.
    pub fn send(&mut self, bytes: &[u8]) {
        self.stream
            .write_all(bytes)
            .expect("write to the simulator");
    }

    fn fill(&mut self, want: usize, deadline: Instant) {
        let mut chunk = [0u8; 4096];
        while self.buf.len() < want && Instant::now() < deadline {
            match self.stream.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(_) => {}
            }
        }
    }

    /// Asserts that exactly `expected` comes next (within [`WAIT`]).
    pub fn expect(&mut self, expected: &[u8]) {
        self.fill(expected.len(), Instant::now() + WAIT);
        let got: Vec<u8> = self
            .buf
            .drain(..expected.len().min(self.buf.len()))
            .collect();
        assert_eq!(
            show(&got),
            show(expected),
            "expected {:?}, got {:?} (then {:?})",
            show(expected),
            show(&got),
            show(&self.buf)
        );
    }

    /// Takes exactly `n` bytes (within [`WAIT`]).
    pub fn take(&mut self, n: usize) -> Vec<u8> {
        self.fill(n, Instant::now() + WAIT);
        assert!(self.buf.len() >= n, "only {:?} arrived", show(&self.buf));
        self.buf.drain(..n).collect()
    }

    /// Asserts that nothing arrives for `d`.
    pub fn expect_silence(&mut self, d: Duration) {
        self.fill(1, Instant::now() + d);
        assert!(self.buf.is_empty(), "unexpected {:?}", show(&self.buf));
    }

    /// Sends `line` + CR and asserts the exact answer (which includes the echo, if on).
    pub fn cmd(&mut self, line: &str, answer: &str) {
        self.send(format!("{line}\r").as_bytes());
        self.expect(answer.as_bytes());
    }

    /// With echo off: sends `line` and asserts `\r\nOK\r\n`.
    pub fn ok(&mut self, line: &str) {
        self.cmd(line, "\r\nOK\r\n");
    }

    /// With echo off: sends `line` and asserts `\r\nERROR\r\n`.
    pub fn error(&mut self, line: &str) {
        self.cmd(line, "\r\nERROR\r\n");
    }

    /// Asserts the next framed line is `text`.
    pub fn line(&mut self, text: &str) {
        self.expect(format!("\r\n{text}\r\n").as_bytes());
    }
}

/// A broker, a simulator using it, and a connected host.
pub struct Rig {
    /// The in-process broker.
    pub broker: Broker,
    /// The simulator.
    pub sim: Simulator,
    /// The host end of the link.
    pub host: Host,
}

/// Starts a rig; `users` configures the broker (empty: anonymous), `tweak` the simulator.
pub fn rig_with(users: &[(&str, &str)], tweak: impl FnOnce(&mut SimConfig)) -> Rig {
    let broker = Broker::start(BrokerOptions {
        users: users
            .iter()
            .map(|(u, p)| (u.to_string(), p.to_string()))
            .collect(),
        ..BrokerOptions::default()
    })
    .expect("start the broker");
    let mut config = SimConfig {
        broker: broker.addr().to_string(),
        ..SimConfig::default()
    };
    tweak(&mut config);
    let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).expect("sim");
    let host = Host::connect(sim.tcp_addr().expect("tcp address"));
    Rig { broker, sim, host }
}

/// A rig with an anonymous broker and the default configuration.
pub fn rig() -> Rig {
    rig_with(&[], |_| {})
}

impl Rig {
    /// Echo off, data call up.
    pub fn online(&mut self) {
        self.host.cmd("ATE0", "ATE0\r\r\nOK\r\n");
        self.host.ok("AT+MIPCALL=1");
        self.host.line("+MIPCALL: 10.2.83.148");
    }

    /// Opens client `id` with the ClientIDStr `sim<id>`, clean session, keepalive 60 s.
    pub fn open(&mut self, id: u8) {
        self.host
            .ok(&format!("AT+MQTTUSER={id},\"\",\"\",\"sim{id}\""));
        self.host
            .ok(&format!("AT+MQTTOPEN={id},\"broker.example\",1883,1,60"));
        self.host.line(&format!("+MQTTOPEN: {id},1"));
    }

    /// Subscribes client `id` to `topic` and waits for the result line.
    pub fn sub(&mut self, id: u8, topic: &str, qos: u8) {
        self.host.ok(&format!("AT+MQTTSUB={id},\"{topic}\",{qos}"));
        self.host.line(&format!("+MQTTSUB: {id},1"));
    }

    /// An independent MQTT client on the same broker.
    pub fn observer(&self, name: &str) -> Observer {
        Observer::new(self.broker.addr(), name, None)
    }
}

/// An independent MQTT client (rumqttc, blocking) watching the broker.
pub struct Observer {
    client: Client,
    messages: mpsc::Receiver<Publish>,
    acks: mpsc::Receiver<()>,
}

impl Observer {
    /// Connects as `name`, optionally with credentials, and waits for the CONNACK.
    pub fn new(addr: SocketAddr, name: &str, creds: Option<(&str, &str)>) -> Observer {
        Observer::connect(addr, name, creds, None)
    }

    /// Connects over TLS (rustls, ring provider) as `name`, trusting `ca_pem` and presenting
    /// `identity` if given, and waits for the CONNACK.
    pub fn tls(
        addr: SocketAddr,
        name: &str,
        ca_pem: &str,
        identity: Option<&fibocom_sim::broker::tls::Identity>,
    ) -> Observer {
        let config =
            fibocom_sim::broker::tls::client_config(ca_pem, identity).expect("TLS client config");
        Observer::connect(addr, name, None, Some(config))
    }

    fn connect(
        addr: SocketAddr,
        name: &str,
        creds: Option<(&str, &str)>,
        tls: Option<std::sync::Arc<rustls::ClientConfig>>,
    ) -> Observer {
        let mut opts = MqttOptions::new(name, addr.ip().to_string(), addr.port());
        opts.set_keep_alive(Duration::from_secs(30));
        if let Some((u, p)) = creds {
            opts.set_credentials(u, p);
        }
        if let Some(config) = tls {
            opts.set_transport(rumqttc::Transport::Tls(rumqttc::TlsConfiguration::Rustls(
                config,
            )));
        }
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
                        Packet::ConnAck(_) | Packet::SubAck(_) | Packet::PubAck(_),
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

    /// Publishes (and, for QoS 1, waits for the PUBACK).
    pub fn publish(&self, topic: &str, qos: QoS, retain: bool, payload: &[u8]) {
        self.client
            .publish(topic, qos, retain, payload.to_vec())
            .expect("publish");
        if qos == QoS::AtLeastOnce {
            self.acks.recv_timeout(WAIT).expect("observer PUBACK");
        }
    }

    /// The next message received (within [`WAIT`]).
    pub fn recv(&self) -> Publish {
        self.messages.recv_timeout(WAIT).expect("observer message")
    }

    /// Asserts that no message arrives for `d`.
    pub fn expect_nothing(&self, d: Duration) {
        if let Ok(p) = self.messages.recv_timeout(d) {
            panic!("unexpected message on {}: {:?}", p.topic, p.payload);
        }
    }
}

/// A local port with nothing listening on it.
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A broker stand-in on a raw socket: accepts connections, answers each CONNECT with a CONNACK
/// carrying `code`, then reads and ignores everything (it never answers PINGREQ). Returns its
/// port.
pub fn mute_broker(code: u8) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for socket in listener.incoming() {
            let Ok(mut socket) = socket else { return };
            std::thread::spawn(move || {
                let _ = socket.set_read_timeout(Some(Duration::from_secs(10)));
                let mut buf = [0u8; 1024];
                if !matches!(socket.read(&mut buf), Ok(n) if n > 0) {
                    return;
                }
                let _ = socket.write_all(&[0x20, 0x02, 0x00, code]);
                while matches!(socket.read(&mut buf), Ok(n) if n > 0) {}
            });
        }
    });
    port
}
