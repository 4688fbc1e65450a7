//! The broker's state and logic, free of I/O: connections hand it packets and it answers by
//! queueing packets on the connections' channels.

use std::collections::HashMap;
use std::sync::mpsc as std_mpsc;
use std::sync::Arc;

use rumqttc::mqttbytes::v4::{
    ConnAck, Connect, ConnectReturnCode, Packet, PubAck, PubComp, PubRec, Publish, SubAck,
    Subscribe, SubscribeReasonCode, UnsubAck, Unsubscribe,
};
use rumqttc::mqttbytes::{Protocol, QoS};
use tokio::sync::{mpsc, Notify};

use super::retained::Retained;
use super::session::{min_qos, Session};
use super::topic;

/// Limits and credentials the router applies.
#[derive(Debug, Clone)]
pub(crate) struct Limits {
    /// Accepted (user name, password) pairs; empty: anonymous clients are allowed.
    pub(crate) users: Vec<(String, String)>,
    /// Unacknowledged QoS 1 and 2 messages per client.
    pub(crate) max_inflight: usize,
    /// Messages queued per client beyond the in-flight ones.
    pub(crate) max_queued: usize,
}

/// What a connection holds while it is registered.
pub(crate) struct Registration {
    /// The connection's id.
    pub(crate) id: u64,
    /// Packets to write to the socket.
    pub(crate) packets: mpsc::UnboundedReceiver<Packet>,
    /// Notified when the connection must close at once (restart, take-over).
    pub(crate) kill: Arc<Notify>,
    /// Held until the connection is gone; lets a restart wait for its connections to close.
    pub(crate) guard: std_mpsc::Sender<()>,
}

/// The router's side of one connection.
struct Conn {
    tx: mpsc::UnboundedSender<Packet>,
    kill: Arc<Notify>,
    client_id: Option<String>,
}

/// Whether a connection stays open after a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Keep reading.
    Continue,
    /// Close the connection (DISCONNECT, protocol error, or the connection is no longer current).
    Close,
}

/// The broker's whole state.
pub(crate) struct Router {
    limits: Limits,
    conns: HashMap<u64, Conn>,
    sessions: HashMap<String, Session>,
    retained: Retained,
    next_conn: u64,
    next_auto_id: u64,
    guard: std_mpsc::Sender<()>,
    guard_rx: std_mpsc::Receiver<()>,
}

impl Router {
    /// An empty router.
    pub(crate) fn new(limits: Limits) -> Self {
        let (guard, guard_rx) = std_mpsc::channel();
        Router {
            limits,
            conns: HashMap::new(),
            sessions: HashMap::new(),
            retained: Retained::default(),
            next_conn: 0,
            next_auto_id: 0,
            guard,
            guard_rx,
        }
    }

    /// Registers a new network connection.
    pub(crate) fn register(&mut self) -> Registration {
        self.next_conn += 1;
        let id = self.next_conn;
        let (tx, packets) = mpsc::unbounded_channel();
        let kill = Arc::new(Notify::new());
        let conn = Conn {
            tx,
            kill: kill.clone(),
            client_id: None,
        };
        self.conns.insert(id, conn);
        Registration {
            id,
            packets,
            kill,
            guard: self.guard.clone(),
        }
    }

    /// Closes every connection at once and forgets every session; retained messages are kept and
    /// no will is published. Returns a receiver that reports disconnection once all the closed
    /// connections' tasks have ended.
    pub(crate) fn reset(&mut self) -> std_mpsc::Receiver<()> {
        for conn in self.conns.values() {
            conn.kill.notify_one();
        }
        self.conns.clear();
        self.sessions.clear();
        let (guard, guard_rx) = std_mpsc::channel();
        self.guard = guard;
        std::mem::replace(&mut self.guard_rx, guard_rx)
    }

    /// Sends CONNACK with the refusal `code` on connection `id` (which then closes).
    pub(crate) fn refuse(&mut self, id: u64, code: ConnectReturnCode) {
        self.send(id, [Packet::ConnAck(ConnAck::new(code, false))]);
    }

    /// Handles the CONNECT that opens connection `id`. Returns the keep-alive interval in seconds
    /// if the connection is accepted, `None` if it must close (CONNACK refusal already queued).
    pub(crate) fn connect(&mut self, id: u64, connect: Connect) -> Option<u16> {
        if !self.conns.contains_key(&id) {
            return None;
        }
        if let Err(code) = self.check_connect(&connect) {
            self.refuse(id, code);
            return None;
        }
        let client_id = if connect.client_id.is_empty() {
            self.next_auto_id += 1;
            format!("auto-{}", self.next_auto_id)
        } else {
            connect.client_id
        };

        // Take-over: the connection currently holding this client id is closed, as if it had
        // been lost, so its will is published.
        let previous = self.sessions.get(&client_id).and_then(|s| s.conn);
        if let Some(previous) = previous {
            if let Some(conn) = self.conns.remove(&previous) {
                conn.kill.notify_one();
            }
            self.detach(&client_id, true);
        }

        let mut session_present = false;
        match self.sessions.get(&client_id) {
            Some(session) if !connect.clean_session && !session.clean => session_present = true,
            _ => {
                let session = Session::new(connect.clean_session);
                self.sessions.insert(client_id.clone(), session);
            }
        }
        let session = self.sessions.get_mut(&client_id)?;
        session.conn = Some(id);
        session.will = connect.last_will;

        let mut out = vec![Packet::ConnAck(ConnAck::new(
            ConnectReturnCode::Success,
            session_present,
        ))];
        session.resume(&mut out);
        session.drain(self.limits.max_inflight, &mut out);
        if let Some(conn) = self.conns.get_mut(&id) {
            conn.client_id = Some(client_id);
        }
        self.send(id, out);
        Some(connect.keep_alive)
    }

    /// Protocol level, client id and credential checks of CONNECT.
    fn check_connect(&self, connect: &Connect) -> Result<(), ConnectReturnCode> {
        if connect.protocol != Protocol::V4 {
            return Err(ConnectReturnCode::RefusedProtocolVersion);
        }
        if connect.client_id.is_empty() && !connect.clean_session {
            return Err(ConnectReturnCode::BadClientId);
        }
        if self.limits.users.is_empty() {
            return Ok(());
        }
        match &connect.login {
            None => Err(ConnectReturnCode::NotAuthorized),
            Some(login) => {
                let known =
                    self.limits.users.iter().any(|(user, password)| {
                        *user == login.username && *password == login.password
                    });
                if known {
                    Ok(())
                } else {
                    Err(ConnectReturnCode::BadUserNamePassword)
                }
            }
        }
    }

    /// Handles a packet received on connection `id` after its CONNECT.
    pub(crate) fn packet(&mut self, id: u64, packet: Packet) -> Verdict {
        let Some(client_id) = self.conns.get(&id).and_then(|c| c.client_id.clone()) else {
            return Verdict::Close;
        };
        let max_inflight = self.limits.max_inflight;
        let Some(session) = self.sessions.get_mut(&client_id) else {
            return Verdict::Close;
        };
        if session.conn != Some(id) {
            return Verdict::Close;
        }
        let mut out = Vec::new();
        match packet {
            Packet::Publish(publish) => {
                if !topic::valid_topic_name(&publish.topic) {
                    return Verdict::Close;
                }
                let route = match publish.qos {
                    QoS::AtMostOnce => true,
                    QoS::AtLeastOnce => {
                        out.push(Packet::PubAck(PubAck::new(publish.pkid)));
                        true
                    }
                    QoS::ExactlyOnce => {
                        out.push(Packet::PubRec(PubRec::new(publish.pkid)));
                        session.receive_qos2(publish.pkid)
                    }
                };
                // The acknowledgement goes out before the message is routed, so that a client
                // subscribed to its own topic sees them in the order of a real broker.
                self.send(id, out);
                if route {
                    self.route(&publish);
                }
                return Verdict::Continue;
            }
            Packet::PubAck(ack) => {
                session.puback(ack.pkid);
                session.drain(max_inflight, &mut out);
            }
            Packet::PubRec(rec) => {
                session.pubrec(rec.pkid);
                out.push(Packet::PubRel(rumqttc::mqttbytes::v4::PubRel::new(
                    rec.pkid,
                )));
            }
            Packet::PubRel(rel) => {
                session.release_qos2(rel.pkid);
                out.push(Packet::PubComp(PubComp::new(rel.pkid)));
            }
            Packet::PubComp(comp) => {
                session.pubcomp(comp.pkid);
                session.drain(max_inflight, &mut out);
            }
            Packet::Subscribe(subscribe) => self.subscribe(&client_id, subscribe, &mut out),
            Packet::Unsubscribe(unsubscribe) => unsubscribe_all(session, unsubscribe, &mut out),
            Packet::PingReq => out.push(Packet::PingResp),
            Packet::Disconnect => {
                session.will = None;
                return Verdict::Close;
            }
            Packet::Connect(_)
            | Packet::ConnAck(_)
            | Packet::SubAck(_)
            | Packet::UnsubAck(_)
            | Packet::PingResp => return Verdict::Close,
        }
        self.send(id, out);
        Verdict::Continue
    }

    /// Handles SUBSCRIBE: SUBACK, then the retained messages matching each new subscription.
    fn subscribe(&mut self, client_id: &str, subscribe: Subscribe, out: &mut Vec<Packet>) {
        let Some(session) = self.sessions.get_mut(client_id) else {
            return;
        };
        let mut codes = Vec::with_capacity(subscribe.filters.len());
        let mut retained = Vec::new();
        for filter in &subscribe.filters {
            if !topic::valid_filter(&filter.path) {
                codes.push(SubscribeReasonCode::Failure);
                continue;
            }
            session.subscribe(&filter.path, filter.qos);
            codes.push(SubscribeReasonCode::Success(filter.qos));
            for (name, message) in self.retained.matching(&filter.path) {
                let mut publish = Publish::from_bytes(
                    name,
                    min_qos(message.qos, filter.qos),
                    message.payload.clone(),
                );
                publish.retain = true;
                retained.push(publish);
            }
        }
        out.push(Packet::SubAck(SubAck::new(subscribe.pkid, codes)));
        for publish in retained {
            session.enqueue(publish, self.limits.max_queued);
        }
        session.drain(self.limits.max_inflight, out);
    }

    /// Stores `publish` if it is retained and forwards it to every matching subscription.
    fn route(&mut self, publish: &Publish) {
        if publish.retain {
            self.retained
                .store(&publish.topic, &publish.payload, publish.qos);
        }
        for session in self.sessions.values_mut() {
            let Some(granted) = session.granted(&publish.topic) else {
                continue;
            };
            let message = Publish::from_bytes(
                publish.topic.clone(),
                min_qos(publish.qos, granted),
                publish.payload.clone(),
            );
            session.enqueue(message, self.limits.max_queued);
            if let Some(conn) = session.conn {
                let mut out = Vec::new();
                session.drain(self.limits.max_inflight, &mut out);
                send_to(&self.conns, conn, out);
            }
        }
    }

    /// Handles the end of connection `id`, whatever the reason. If the connection still holds a
    /// session, its will (unless DISCONNECT cleared it) is published and the session is dropped
    /// (clean session) or kept for a later connection.
    pub(crate) fn closed(&mut self, id: u64) {
        let Some(conn) = self.conns.remove(&id) else {
            return;
        };
        if let Some(client_id) = conn.client_id {
            if self.sessions.get(&client_id).and_then(|s| s.conn) == Some(id) {
                self.detach(&client_id, false);
            }
        }
    }

    /// Detaches the session of `client_id` from its connection, publishing its will; a clean
    /// session is dropped unless `keep` (the caller replaces it).
    fn detach(&mut self, client_id: &str, keep: bool) {
        let Some(session) = self.sessions.get_mut(client_id) else {
            return;
        };
        session.conn = None;
        let will = session.will.take();
        if session.clean && !keep {
            self.sessions.remove(client_id);
        }
        if let Some(will) = will {
            let mut publish = Publish::from_bytes(will.topic, will.qos, will.message);
            publish.retain = will.retain;
            if topic::valid_topic_name(&publish.topic) {
                self.route(&publish);
            }
        }
    }

    /// Queues `packets` for connection `id`.
    fn send(&self, id: u64, packets: impl IntoIterator<Item = Packet>) {
        send_to(&self.conns, id, packets);
    }
}

/// Handles UNSUBSCRIBE.
fn unsubscribe_all(session: &mut Session, unsubscribe: Unsubscribe, out: &mut Vec<Packet>) {
    for filter in &unsubscribe.topics {
        session.unsubscribe(filter);
    }
    out.push(Packet::UnsubAck(UnsubAck::new(unsubscribe.pkid)));
}

/// Queues `packets` for connection `id` of `conns`, if it is still open.
fn send_to(conns: &HashMap<u64, Conn>, id: u64, packets: impl IntoIterator<Item = Packet>) {
    if let Some(conn) = conns.get(&id) {
        for packet in packets {
            // A send error means the connection's task has ended; it cleans up by itself.
            let _ = conn.tx.send(packet);
        }
    }
}
