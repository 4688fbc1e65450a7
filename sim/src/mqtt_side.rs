//! The broker side: one real MQTT 3.1.1 client (rumqttc) per module client, run as a tokio task,
//! carrying out the module's [`Effect`]s and sending back [`Report`]s.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::time::Duration;

use rumqttc::{
    AsyncClient, ConnectionError, Event, EventLoop, LastWill, MqttOptions, Outgoing, Packet, QoS,
    SubscribeReasonCode, TlsConfiguration, Transport,
};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use crate::module::state::{Ack, Effect, Op, OpenParams, Received, Report};

/// Largest MQTT packet accepted or sent.
const MAX_PACKET: usize = 1 << 20;

struct Connection {
    gen: u64,
    client: AsyncClient,
    task: JoinHandle<()>,
}

/// The live MQTT connections, at most one per module client.
pub struct BrokerSide {
    broker: String,
    tls_broker: Option<String>,
    reports: UnboundedSender<Report>,
    conns: HashMap<u8, Connection>,
    rtt: Duration,
}

/// Where a host and port given to `AT+MQTTOPEN` lead: a dotted quad is taken as it is, a name
/// ending in `.invalid` does not exist, any other name stands for `broker` (`host:port`).
pub fn target(host: &str, port: u16, broker: &str) -> Option<(String, u16)> {
    if host.parse::<Ipv4Addr>().is_ok() {
        return Some((host.to_string(), port));
    }
    if host.to_ascii_lowercase().ends_with(".invalid") {
        return None;
    }
    let (h, p) = broker.rsplit_once(':')?;
    let h = h.trim_start_matches('[').trim_end_matches(']');
    Some((h.to_string(), p.parse().ok()?))
}

fn qos(q: u8) -> QoS {
    match q {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}

impl BrokerSide {
    /// A broker side whose host names lead to `broker`, reporting on `reports`. Must be used
    /// inside a tokio runtime.
    pub fn new(broker: String, reports: UnboundedSender<Report>) -> Self {
        BrokerSide {
            broker,
            tls_broker: None,
            reports,
            conns: HashMap::new(),
            rtt: Duration::ZERO,
        }
    }

    /// A network round trip of `rtt` between the module and the broker: what the broker
    /// answers reaches the module that much later for each exchange (the connection 2: TCP
    /// and CONNECT; a subscribe, an unsubscribe and a QoS 1 publish 1; a QoS 2 publish 2; a
    /// QoS 0 publish none, as it is done once written).
    pub fn with_rtt(mut self, rtt: Duration) -> Self {
        self.rtt = rtt;
        self
    }

    /// Host names given to a TLS open lead to `tls_broker` (`host:port`) rather than to the
    /// plain broker.
    pub fn with_tls_broker(mut self, tls_broker: Option<String>) -> Self {
        self.tls_broker = tls_broker;
        self
    }

    /// Carries out one request of the module.
    pub fn apply(&mut self, effect: Effect) {
        match effect {
            Effect::Open(id, gen, params) => self.open(id, gen, params, None),
            Effect::Resume(id, gen, params, subs) => self.open(id, gen, params, Some(subs)),
            Effect::Sub(id, gen, topic, q) => {
                let r = self.with(id, gen, |c| c.try_subscribe(topic, qos(q)).is_ok());
                self.done_unless(r, id, gen, Op::Sub);
            }
            Effect::Unsub(id, gen, topic) => {
                let r = self.with(id, gen, |c| c.try_unsubscribe(topic).is_ok());
                self.done_unless(r, id, gen, Op::Unsub);
            }
            Effect::Pub(id, gen, m) => {
                let r = self.with(id, gen, |c| {
                    c.try_publish(m.topic, qos(m.qos), m.retain, m.payload)
                        .is_ok()
                });
                self.done_unless(r, id, gen, Op::Pub);
            }
            Effect::Close(id, gen) => {
                if self.with(id, gen, |c| c.try_disconnect().is_ok()) != Some(true) {
                    self.kill(id, gen);
                    let _ = self.reports.send(Report::Closed(id, gen));
                }
            }
            Effect::Kill(id, gen) => self.kill(id, gen),
            Effect::Ack(id, ack) => {
                let _ = self.with(id, ack.gen, |c| {
                    let mut p = rumqttc::Publish::new("", qos(ack.qos), Vec::new());
                    p.pkid = ack.pkid;
                    c.try_ack(&p).is_ok()
                });
            }
        }
    }

    /// Runs `f` on the client of connection `gen` of `id`, if it is the live one.
    fn with(&self, id: u8, gen: u64, f: impl FnOnce(&AsyncClient) -> bool) -> Option<bool> {
        let c = self.conns.get(&id).filter(|c| c.gen == gen)?;
        Some(f(&c.client))
    }

    /// Reports failure of `op` unless the request was handed to the connection.
    fn done_unless(&self, handed: Option<bool>, id: u8, gen: u64, op: Op) {
        if handed != Some(true) {
            let _ = self.reports.send(Report::Done(id, gen, op, false));
        }
    }

    fn kill(&mut self, id: u8, gen: u64) {
        if self.conns.get(&id).is_some_and(|c| c.gen == gen) {
            if let Some(c) = self.conns.remove(&id) {
                // Dropping the task drops its event loop and with it the socket: no DISCONNECT.
                c.task.abort();
            }
        }
    }

    /// Cuts every connection at once (used on shutdown).
    pub fn kill_all(&mut self) {
        for (_, c) in self.conns.drain() {
            c.task.abort();
        }
    }

    /// Connects client `id`; with `resume`, as a connection left by a previous run, subscribed
    /// to these filters at once and reported with [`Report::Resumed`].
    fn open(&mut self, id: u8, gen: u64, p: OpenParams, resume: Option<Vec<(String, u8)>>) {
        if let Some(old) = self.conns.remove(&id) {
            old.task.abort();
        }
        let broker = match (&p.tls, &self.tls_broker) {
            (Some(_), Some(tls_broker)) => tls_broker,
            _ => &self.broker,
        };
        let Some((host, port)) = target(&p.host, p.port, broker) else {
            let _ = self.reports.send(Report::Failed(id, gen));
            return;
        };
        let tls = match &p.tls {
            Some(settings) => match crate::tls_client::config(settings, &p.host, p.clock) {
                Ok(config) => Some(config),
                Err(code) => {
                    let _ = self.reports.send(Report::TlsFailed(id, gen, code));
                    return;
                }
            },
            None => None,
        };
        let mut opts = MqttOptions::new(p.client_id.clone(), host, port);
        opts.set_keep_alive(Duration::from_secs(u64::from(p.keepalive.max(1))));
        opts.set_clean_session(p.clean || p.client_id.is_empty());
        opts.set_max_packet_size(MAX_PACKET, MAX_PACKET);
        opts.set_manual_acks(p.manual_acks);
        let manual_acks = p.manual_acks;
        if let Some((user, pass)) = p.credentials {
            opts.set_credentials(user, pass);
        }
        if let Some(w) = p.will {
            opts.set_last_will(LastWill::new(w.topic, w.payload, qos(w.qos), w.retain));
        }
        let is_tls = tls.is_some();
        if let Some(config) = tls {
            opts.set_transport(Transport::Tls(TlsConfiguration::Rustls(config)));
        }
        let (client, eventloop) = AsyncClient::new(opts, 64);
        // Queued now, sent by the event loop once connected.
        let resume = resume.map(|subs| {
            subs.into_iter()
                .filter(|(filter, q)| client.try_subscribe(filter.clone(), qos(*q)).is_ok())
                .count()
        });
        let task = tokio::spawn(run(
            id,
            gen,
            eventloop,
            self.reports.clone(),
            Link {
                tls: is_tls,
                manual_acks,
                rtt: self.rtt,
                resume,
            },
        ));
        self.conns.insert(id, Connection { gen, client, task });
    }
}

/// How a connection reaches its broker.
struct Link {
    /// Over TLS.
    tls: bool,
    /// Messages are acknowledged only once the host read them.
    manual_acks: bool,
    /// The network round trip to the broker.
    rtt: Duration,
    /// A connection left by a previous run, with this many subscriptions to wait for.
    resume: Option<usize>,
}

/// Drives one connection until it ends, reporting everything the module needs to know.
async fn run(
    id: u8,
    gen: u64,
    mut eventloop: EventLoop,
    reports: UnboundedSender<Report>,
    Link {
        tls,
        manual_acks,
        rtt,
        resume,
    }: Link,
) {
    // A report of what took `trips` network round trips arrives that much later.
    let late = |r: Report, trips: u32| {
        if rtt.is_zero() || trips == 0 {
            let _ = reports.send(r);
        } else {
            let reports = reports.clone();
            tokio::spawn(async move {
                tokio::time::sleep(rtt * trips).await;
                let _ = reports.send(r);
            });
        }
    };
    let report = |r: Report| late(r, 0);
    // Subscriptions of a resumed connection still to be acknowledged, and whether all were.
    let mut resuming = resume;
    let mut resumed_ok = true;
    match eventloop.poll().await {
        Ok(Event::Incoming(Packet::ConnAck(_))) if resume == Some(0) => {
            resuming = None;
            report(Report::Resumed(id, gen, true));
        }
        Ok(Event::Incoming(Packet::ConnAck(_))) if resume.is_some() => {}
        Ok(Event::Incoming(Packet::ConnAck(_))) => late(Report::Connected(id, gen), 2),
        Err(ConnectionError::ConnectionRefused(code)) => {
            // The CONNACK return code, 1..5, as in MQTT 3.1.1.
            report(Report::Refused(id, gen, code as u8));
            return;
        }
        Err(e) if tls => {
            match crate::tls_client::failure_code(&e) {
                Some(code) => report(Report::TlsFailed(id, gen, code)),
                None => report(Report::Failed(id, gen)),
            }
            return;
        }
        _ => {
            report(Report::Failed(id, gen));
            return;
        }
    }
    loop {
        match eventloop.poll().await {
            Ok(Event::Incoming(packet)) => match packet {
                Packet::Publish(p) => report(Report::Message(
                    id,
                    gen,
                    Received {
                        ack: (manual_acks && p.qos != QoS::AtMostOnce).then_some(Ack {
                            gen,
                            pkid: p.pkid,
                            qos: p.qos as u8,
                        }),
                        qos: p.qos as u8,
                        topic: p.topic.into_bytes(),
                        payload: p.payload.to_vec(),
                    },
                )),
                Packet::SubAck(ack) => {
                    let ok = ack
                        .return_codes
                        .iter()
                        .all(|c| matches!(c, SubscribeReasonCode::Success(_)));
                    match resuming {
                        Some(left) => {
                            resumed_ok &= ok;
                            resuming = left.checked_sub(1).filter(|n| *n > 0);
                            if resuming.is_none() {
                                report(Report::Resumed(id, gen, resumed_ok));
                            }
                        }
                        None => late(Report::Done(id, gen, Op::Sub, ok), 1),
                    }
                }
                Packet::UnsubAck(_) => late(Report::Done(id, gen, Op::Unsub, true), 1),
                Packet::PubAck(_) => late(Report::Done(id, gen, Op::Pub, true), 1),
                Packet::PubComp(_) => late(Report::Done(id, gen, Op::Pub, true), 2),
                _ => {}
            },
            // Packet id 0: a QoS 0 publish, done once written.
            Ok(Event::Outgoing(Outgoing::Publish(0))) => {
                report(Report::Done(id, gen, Op::Pub, true))
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => {
                report(Report::Closed(id, gen));
                return;
            }
            Ok(Event::Outgoing(_)) => {}
            Err(_) => {
                report(Report::Broken(id, gen));
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::target;

    #[test]
    fn targets() {
        let b = "127.0.0.1:4000";
        assert_eq!(target("10.0.0.1", 1883, b), Some(("10.0.0.1".into(), 1883)));
        assert_eq!(
            target("broker.example", 1883, b),
            Some(("127.0.0.1".into(), 4000))
        );
        assert_eq!(target("nowhere.invalid", 1883, b), None);
        assert_eq!(target("x", 1, "[::1]:5"), Some(("::1".into(), 5)));
    }
}
