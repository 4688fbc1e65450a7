//! Tests of the in-process MQTT broker, from the outside: rumqttc clients, and raw MQTT packets
//! on a TCP socket where a client library would not misbehave on purpose.

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use fibocom_sim::broker::{Broker, BrokerOptions};
use rumqttc::mqttbytes::v4::{
    ConnAck, Connect, ConnectReturnCode, LastWill, Packet, PubComp, PubRec, PubRel, Publish,
    SubscribeReasonCode,
};
use rumqttc::mqttbytes::QoS;
use rumqttc::{AsyncClient, ConnectionError, Event, EventLoop, MqttOptions, Outgoing};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{sleep, timeout};

/// Upper bound of any single test.
const TEST_LIMIT: Duration = Duration::from_secs(30);
/// How long to wait for something expected.
const WAIT: Duration = Duration::from_secs(5);
/// How long to watch for something that must not happen.
const QUIET: Duration = Duration::from_millis(400);

/// Payload with the bytes that trip up text-based handling.
const AWKWARD: &[u8] = b"\0a\"quoted\",\r\n+CME ERROR\r\n\xff\xfe\x00end";

/// Runs a test body on a fresh broker with `options`, bounded by [`TEST_LIMIT`].
async fn with_broker<F, Fut>(options: BrokerOptions, body: F)
where
    F: FnOnce(Broker) -> Fut,
    Fut: Future<Output = ()>,
{
    let broker = Broker::start(options).expect("broker starts");
    assert!(broker.addr().ip().is_loopback());
    timeout(TEST_LIMIT, body(broker))
        .await
        .expect("test took too long");
}

/// A rumqttc client whose event loop runs on its own task.
struct Client {
    client: AsyncClient,
    events: mpsc::UnboundedReceiver<Result<Event, ConnectionError>>,
    task: JoinHandle<()>,
}

/// Options for a client of the broker at `addr`.
fn options(addr: SocketAddr, id: &str) -> MqttOptions {
    let mut options = MqttOptions::new(id, addr.ip().to_string(), addr.port());
    options.set_max_packet_size(1 << 20, 1 << 20);
    options.set_keep_alive(Duration::from_secs(30));
    options
}

impl Client {
    /// Starts a client; its event loop stops after the first error unless `reconnect`, and
    /// after sending DISCONNECT.
    fn start(options: MqttOptions, reconnect: bool) -> Client {
        let (client, eventloop) = AsyncClient::new(options, 100);
        let (tx, events) = mpsc::unbounded_channel();
        let task = tokio::spawn(drive(eventloop, tx, reconnect));
        Client {
            client,
            events,
            task,
        }
    }

    /// Starts a client and waits for its successful CONNACK.
    async fn connect(options: MqttOptions) -> Client {
        let mut client = Client::start(options, false);
        let ack = client.connack().await.expect("connection accepted");
        assert_eq!(ack.code, ConnectReturnCode::Success);
        client
    }

    /// The next CONNACK, or the connection error that came first.
    async fn connack(&mut self) -> Result<ConnAck, ConnectionError> {
        loop {
            match self.next().await {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => return Ok(ack),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// The next event.
    async fn next(&mut self) -> Result<Event, ConnectionError> {
        timeout(WAIT, self.events.recv())
            .await
            .expect("event in time")
            .expect("event loop running")
    }

    /// Subscribes and waits for the SUBACK.
    async fn subscribe(&mut self, filter: &str, qos: QoS) {
        self.client.subscribe(filter, qos).await.unwrap();
        loop {
            if let Event::Incoming(Packet::SubAck(ack)) = self.next().await.unwrap() {
                assert_eq!(ack.return_codes, vec![SubscribeReasonCode::Success(qos)]);
                return;
            }
        }
    }

    /// The next message received.
    async fn message(&mut self) -> Publish {
        loop {
            match self.next().await {
                Ok(Event::Incoming(Packet::Publish(publish))) => return publish,
                Ok(_) => {}
                Err(e) => panic!("connection error while waiting for a message: {e}"),
            }
        }
    }

    /// Checks that no message arrives for a while.
    async fn no_message(&mut self) {
        let deadline = tokio::time::Instant::now() + QUIET;
        while let Ok(event) = tokio::time::timeout_at(deadline, self.events.recv()).await {
            if let Some(Ok(Event::Incoming(Packet::Publish(p)))) = event {
                panic!("unexpected message on {:?}: {:?}", p.topic, p.payload);
            }
        }
    }

    /// Waits until the connection is lost.
    async fn connection_lost(&mut self) {
        loop {
            if self.next().await.is_err() {
                return;
            }
        }
    }

    /// Sends DISCONNECT and waits for the event loop to end.
    async fn disconnect(self) {
        self.client.disconnect().await.unwrap();
        timeout(WAIT, self.task).await.unwrap().unwrap();
    }

    /// Drops the connection without DISCONNECT.
    async fn kill(self) {
        self.task.abort();
        let _ = self.task.await;
    }
}

/// Polls the event loop and forwards its events.
async fn drive(
    mut eventloop: EventLoop,
    tx: mpsc::UnboundedSender<Result<Event, ConnectionError>>,
    reconnect: bool,
) {
    loop {
        let event = eventloop.poll().await;
        let stop = match &event {
            Err(_) if !reconnect => true,
            Err(_) => {
                sleep(Duration::from_millis(50)).await;
                false
            }
            Ok(Event::Outgoing(Outgoing::Disconnect)) => true,
            Ok(_) => false,
        };
        if tx.send(event).is_err() || stop {
            return;
        }
    }
}

/// A bare MQTT connection, for what a client library would not send.
struct Raw {
    stream: TcpStream,
    buf: BytesMut,
}

impl Raw {
    async fn open(addr: SocketAddr) -> Raw {
        let stream = TcpStream::connect(addr).await.unwrap();
        Raw {
            stream,
            buf: BytesMut::new(),
        }
    }

    async fn send(&mut self, packet: Packet) {
        let mut out = BytesMut::new();
        packet.write(&mut out, usize::MAX).unwrap();
        self.stream.write_all(&out).await.unwrap();
    }

    /// The next packet, or `None` when the broker closes the connection.
    async fn recv(&mut self) -> Option<Packet> {
        timeout(WAIT, async {
            loop {
                match Packet::read(&mut self.buf, usize::MAX) {
                    Ok(packet) => return Some(packet),
                    Err(rumqttc::mqttbytes::Error::InsufficientBytes(_)) => {}
                    Err(e) => panic!("bad packet from the broker: {e}"),
                }
                match self.stream.read_buf(&mut self.buf).await {
                    Ok(0) | Err(_) => return None,
                    Ok(_) => {}
                }
            }
        })
        .await
        .expect("packet or close in time")
    }

    /// Connects with `connect` and returns the CONNACK's return code.
    async fn connect(addr: SocketAddr, connect: Connect) -> (Raw, ConnectReturnCode) {
        let mut raw = Raw::open(addr).await;
        raw.send(Packet::Connect(connect)).await;
        match raw.recv().await {
            Some(Packet::ConnAck(ack)) => (raw, ack.code),
            other => panic!("expected CONNACK, got {other:?}"),
        }
    }
}

fn publish(topic: &str, qos: QoS, payload: &[u8]) -> Publish {
    Publish::new(topic, qos, payload.to_vec())
}

#[tokio::test]
async fn publish_and_subscribe_at_each_qos_keep_exact_bytes() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        let publisher = Client::connect(options(addr, "pub")).await;
        let big: Vec<u8> = (0..64 * 1024 + 7).map(|i| (i % 251) as u8).collect();
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let topic = format!("t/{}", qos as u8);
            sub.subscribe(&topic, qos).await;
            for payload in [AWKWARD, &big[..], b""] {
                publisher
                    .client
                    .publish(&topic, qos, false, payload.to_vec())
                    .await
                    .unwrap();
                let got = sub.message().await;
                assert_eq!(got.topic, topic);
                assert_eq!(got.qos, qos);
                assert!(!got.retain);
                assert_eq!(&got.payload[..], payload);
            }
        }
        sub.disconnect().await;
        publisher.disconnect().await;
    })
    .await;
}

#[tokio::test]
async fn delivery_qos_is_the_lower_of_publish_and_subscription() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        let publisher = Client::connect(options(addr, "pub")).await;
        sub.subscribe("low", QoS::AtLeastOnce).await;
        sub.subscribe("high", QoS::ExactlyOnce).await;
        let cases = [
            ("low", QoS::ExactlyOnce, QoS::AtLeastOnce),
            ("low", QoS::AtMostOnce, QoS::AtMostOnce),
            ("high", QoS::AtLeastOnce, QoS::AtLeastOnce),
            ("high", QoS::ExactlyOnce, QoS::ExactlyOnce),
        ];
        for (topic, published, delivered) in cases {
            publisher
                .client
                .publish(topic, published, false, b"x".to_vec())
                .await
                .unwrap();
            let got = sub.message().await;
            assert_eq!((got.topic.as_str(), got.qos), (topic, delivered));
        }
    })
    .await;
}

#[tokio::test]
async fn wildcards_match_levels() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        let publisher = Client::connect(options(addr, "pub")).await;
        sub.subscribe("a/+/c", QoS::AtLeastOnce).await;
        sub.subscribe("x/#", QoS::AtLeastOnce).await;
        let topics = [
            "a/b/c", "a/b/d", "a/c", "x", "x/y/z", "y/x", "a//c", "$SYS/x",
        ];
        for topic in topics {
            publisher
                .client
                .publish(topic, QoS::AtLeastOnce, false, topic.as_bytes().to_vec())
                .await
                .unwrap();
        }
        let mut got = Vec::new();
        for _ in 0..4 {
            let message = sub.message().await;
            assert_eq!(message.payload, message.topic.as_bytes());
            got.push(message.topic);
        }
        assert_eq!(got, ["a/b/c", "x", "x/y/z", "a//c"]);
        sub.no_message().await;

        // After UNSUBSCRIBE nothing more arrives for that filter.
        sub.client.unsubscribe("x/#").await.unwrap();
        loop {
            if let Ok(Event::Incoming(Packet::UnsubAck(_))) = sub.next().await {
                break;
            }
        }
        publisher
            .client
            .publish("x/1", QoS::AtLeastOnce, false, b"gone".to_vec())
            .await
            .unwrap();
        sub.no_message().await;
    })
    .await;
}

#[tokio::test]
async fn retained_messages_are_stored_replaced_and_cleared() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let publisher = Client::connect(options(addr, "pub")).await;
        publisher
            .client
            .publish("r/1", QoS::AtLeastOnce, true, AWKWARD.to_vec())
            .await
            .unwrap();
        publisher
            .client
            .publish("r/2", QoS::AtMostOnce, false, b"not kept".to_vec())
            .await
            .unwrap();
        sleep(Duration::from_millis(100)).await;

        let mut first = Client::connect(options(addr, "first")).await;
        first.subscribe("r/#", QoS::ExactlyOnce).await;
        let got = first.message().await;
        assert_eq!(
            (got.topic.as_str(), &got.payload[..], got.retain, got.qos),
            ("r/1", AWKWARD, true, QoS::AtLeastOnce)
        );
        first.no_message().await;

        // A live subscriber gets a retained publish with the retain flag cleared.
        publisher
            .client
            .publish("r/1", QoS::AtLeastOnce, true, b"second".to_vec())
            .await
            .unwrap();
        let got = first.message().await;
        assert_eq!((&got.payload[..], got.retain), (&b"second"[..], false));

        let mut second = Client::connect(options(addr, "second")).await;
        second.subscribe("r/+", QoS::AtLeastOnce).await;
        let got = second.message().await;
        assert_eq!((&got.payload[..], got.retain), (&b"second"[..], true));

        // An empty retained payload deletes it.
        publisher
            .client
            .publish("r/1", QoS::AtLeastOnce, true, Vec::new())
            .await
            .unwrap();
        assert!(first.message().await.payload.is_empty());
        let mut third = Client::connect(options(addr, "third")).await;
        third.subscribe("r/#", QoS::AtLeastOnce).await;
        third.no_message().await;
    })
    .await;
}

#[tokio::test]
async fn will_is_published_on_unclean_drop_only() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut watcher = Client::connect(options(addr, "watcher")).await;
        watcher.subscribe("will/#", QoS::AtLeastOnce).await;

        let mut dying = options(addr, "dying");
        dying.set_last_will(LastWill::new(
            "will/dying",
            AWKWARD,
            QoS::AtLeastOnce,
            false,
        ));
        Client::connect(dying).await.kill().await;
        let got = watcher.message().await;
        assert_eq!(
            (got.topic.as_str(), &got.payload[..]),
            ("will/dying", AWKWARD)
        );

        let mut polite = options(addr, "polite");
        polite.set_last_will(LastWill::new("will/polite", "x", QoS::AtLeastOnce, false));
        Client::connect(polite).await.disconnect().await;
        watcher.no_message().await;
    })
    .await;
}

#[tokio::test]
async fn keep_alive_expiry_closes_and_publishes_will() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut watcher = Client::connect(options(addr, "watcher")).await;
        watcher.subscribe("will/+", QoS::AtMostOnce).await;

        let mut connect = Connect::new("silent");
        connect.keep_alive = 1;
        connect.last_will = Some(LastWill::new("will/silent", "gone", QoS::AtMostOnce, false));
        let started = tokio::time::Instant::now();
        let (mut raw, code) = Raw::connect(addr, connect).await;
        assert_eq!(code, ConnectReturnCode::Success);
        assert!(raw.recv().await.is_none(), "broker closes the connection");
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_millis(1400) && elapsed < Duration::from_millis(3000),
            "closed after {elapsed:?}"
        );
        assert_eq!(&watcher.message().await.payload[..], b"gone");
    })
    .await;
}

#[tokio::test]
async fn credentials_are_checked() {
    let users = vec![("alice".to_owned(), "s3cret".to_owned())];
    let broker_options = BrokerOptions {
        users,
        ..BrokerOptions::default()
    };
    with_broker(broker_options, |broker| async move {
        let addr = broker.addr();
        let mut wrong = options(addr, "wrong");
        wrong.set_credentials("alice", "guess");
        let mut client = Client::start(wrong, false);
        assert!(matches!(
            client.connack().await,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::BadUserNamePassword
            ))
        ));

        let mut client = Client::start(options(addr, "anonymous"), false);
        assert!(matches!(
            client.connack().await,
            Err(ConnectionError::ConnectionRefused(
                ConnectReturnCode::NotAuthorized
            ))
        ));

        let mut right = options(addr, "right");
        right.set_credentials("alice", "s3cret");
        Client::connect(right).await.disconnect().await;
    })
    .await;
}

#[tokio::test]
async fn client_id_and_protocol_rules() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut connect = Connect::new("");
        connect.clean_session = false;
        let (mut raw, code) = Raw::connect(addr, connect).await;
        assert_eq!(code, ConnectReturnCode::BadClientId);
        assert!(raw.recv().await.is_none());

        // An empty client id with clean session gets one assigned.
        let (mut raw, code) = Raw::connect(addr, Connect::new("")).await;
        assert_eq!(code, ConnectReturnCode::Success);
        raw.send(Packet::PingReq).await;
        assert_eq!(raw.recv().await, Some(Packet::PingResp));

        // MQTT 3.1 (protocol level 3) is refused with return code 1.
        let mut bytes = BytesMut::new();
        Packet::Connect(Connect::new("old"))
            .write(&mut bytes, usize::MAX)
            .unwrap();
        let level = bytes.windows(4).position(|w| w == b"MQTT").unwrap() + 4;
        bytes[level] = 3;
        let mut raw = Raw::open(addr).await;
        raw.stream.write_all(&bytes).await.unwrap();
        match raw.recv().await {
            Some(Packet::ConnAck(ack)) => {
                assert_eq!(ack.code, ConnectReturnCode::RefusedProtocolVersion)
            }
            other => panic!("expected CONNACK, got {other:?}"),
        }
    })
    .await;
}

#[tokio::test]
async fn malformed_input_closes_only_that_connection() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        sub.subscribe("will", QoS::AtMostOnce).await;

        let garbage: [&[u8]; 5] = [
            b"\x36\x02\x00\x00",              // PUBLISH with QoS 3
            b"\x80\x05\x00\x01\x00\x01a",     // SUBSCRIBE with wrong flags
            b"\x30\x04\x00\x09ab",            // topic longer than the packet
            b"\x30\xff\xff\xff\xff\x7f",      // remaining length of 5 bytes
            b"\x82\x06\x00\x01\x00\x01#\x03", // SUBSCRIBE with QoS 3
        ];
        for bytes in garbage {
            let mut connect = Connect::new("bad");
            connect.last_will = Some(LastWill::new("will", "bad", QoS::AtMostOnce, false));
            let (mut raw, code) = Raw::connect(addr, connect).await;
            assert_eq!(code, ConnectReturnCode::Success);
            raw.stream.write_all(bytes).await.unwrap();
            assert!(
                raw.recv().await.is_none(),
                "{bytes:?} closes the connection"
            );
            assert_eq!(&sub.message().await.payload[..], b"bad");
        }

        // Not CONNECT first.
        let mut raw = Raw::open(addr).await;
        raw.send(Packet::PingReq).await;
        assert!(raw.recv().await.is_none());

        // A second CONNECT is a protocol violation.
        let (mut raw, _) = Raw::connect(addr, Connect::new("twice")).await;
        raw.send(Packet::Connect(Connect::new("twice"))).await;
        assert!(raw.recv().await.is_none());

        // A PUBLISH to a wildcard topic.
        let (mut raw, _) = Raw::connect(addr, Connect::new("wild")).await;
        raw.send(Packet::Publish(publish("a/#", QoS::AtMostOnce, b"x")))
            .await;
        assert!(raw.recv().await.is_none());

        // The broker still serves the others.
        sub.client
            .publish("will", QoS::AtMostOnce, false, b"alive".to_vec())
            .await
            .unwrap();
        assert_eq!(&sub.message().await.payload[..], b"alive");
    })
    .await;
}

#[tokio::test]
async fn restart_drops_every_client_and_accepts_them_again() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut a = Client::start(options(addr, "a"), true);
        let mut b = Client::start(options(addr, "b"), true);
        a.connack().await.unwrap();
        b.connack().await.unwrap();
        a.subscribe("t", QoS::AtLeastOnce).await;

        let (mut raw, _) = Raw::connect(addr, Connect::new("raw")).await;
        broker.restart();
        assert!(raw.recv().await.is_none(), "raw connection closed");
        a.connection_lost().await;
        b.connection_lost().await;

        // Both reconnect; the subscription was not kept.
        assert!(!a.connack().await.unwrap().session_present);
        b.connack().await.unwrap();
        b.client
            .publish("t", QoS::AtLeastOnce, false, b"lost".to_vec())
            .await
            .unwrap();
        a.no_message().await;
        a.subscribe("t", QoS::AtLeastOnce).await;
        b.client
            .publish("t", QoS::AtLeastOnce, false, b"again".to_vec())
            .await
            .unwrap();
        assert_eq!(&a.message().await.payload[..], b"again");
    })
    .await;
}

#[tokio::test]
async fn qos2_is_delivered_exactly_once() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        sub.subscribe("q2", QoS::ExactlyOnce).await;

        // A publisher that sends the same QoS 2 message again (DUP) before releasing it.
        let (mut raw, _) = Raw::connect(addr, Connect::new("raw")).await;
        let mut message = publish("q2", QoS::ExactlyOnce, b"once");
        message.pkid = 7;
        raw.send(Packet::Publish(message.clone())).await;
        assert_eq!(raw.recv().await, Some(Packet::PubRec(PubRec::new(7))));
        message.dup = true;
        raw.send(Packet::Publish(message.clone())).await;
        assert_eq!(raw.recv().await, Some(Packet::PubRec(PubRec::new(7))));
        raw.send(Packet::PubRel(PubRel::new(7))).await;
        assert_eq!(raw.recv().await, Some(Packet::PubComp(PubComp::new(7))));
        // PUBREL again (its PUBCOMP was lost) is answered and delivers nothing.
        raw.send(Packet::PubRel(PubRel::new(7))).await;
        assert_eq!(raw.recv().await, Some(Packet::PubComp(PubComp::new(7))));
        assert_eq!(&sub.message().await.payload[..], b"once");
        sub.no_message().await;

        // After the release the packet id is free for a new message.
        message.dup = false;
        message.payload = Bytes::from_static(b"next");
        raw.send(Packet::Publish(message)).await;
        assert_eq!(&sub.message().await.payload[..], b"next");

        // Many QoS 2 messages through rumqttc, each once.
        let publisher = Client::connect(options(addr, "pub")).await;
        for i in 0..200u32 {
            publisher
                .client
                .publish("q2", QoS::ExactlyOnce, false, i.to_be_bytes().to_vec())
                .await
                .unwrap();
        }
        for i in 0..200u32 {
            let got = sub.message().await;
            assert_eq!(
                (&got.payload[..], got.qos),
                (&i.to_be_bytes()[..], QoS::ExactlyOnce)
            );
        }
        sub.no_message().await;
    })
    .await;
}

#[tokio::test]
async fn a_thousand_qos1_messages_arrive_in_order() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut sub = Client::connect(options(addr, "sub")).await;
        sub.subscribe("seq", QoS::AtLeastOnce).await;
        let publisher = Client::connect(options(addr, "pub")).await;
        let sender = publisher.client.clone();
        let sending = tokio::spawn(async move {
            for i in 0..1000u32 {
                sender
                    .publish("seq", QoS::AtLeastOnce, false, i.to_string())
                    .await
                    .unwrap();
            }
        });
        for i in 0..1000u32 {
            let got = sub.message().await;
            assert_eq!(got.payload, i.to_string().as_bytes(), "message {i}");
            assert!(!got.dup);
        }
        sending.await.unwrap();
        sub.no_message().await;
    })
    .await;
}

#[tokio::test]
async fn second_connection_with_the_same_client_id_takes_over() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut watcher = Client::connect(options(addr, "watcher")).await;
        watcher.subscribe("will", QoS::AtMostOnce).await;
        let mut first_options = options(addr, "same");
        first_options.set_last_will(LastWill::new("will", "first", QoS::AtMostOnce, false));
        let mut first = Client::connect(first_options).await;
        let mut second = Client::connect(options(addr, "same")).await;
        first.connection_lost().await;
        assert_eq!(&watcher.message().await.payload[..], b"first");
        second.subscribe("t", QoS::AtMostOnce).await;
        watcher
            .client
            .publish("t", QoS::AtMostOnce, false, b"hi".to_vec())
            .await
            .unwrap();
        assert_eq!(&second.message().await.payload[..], b"hi");
    })
    .await;
}

#[tokio::test]
async fn kept_session_receives_what_was_published_while_away() {
    with_broker(BrokerOptions::default(), |broker| async move {
        let addr = broker.addr();
        let mut kept = options(addr, "kept");
        kept.set_clean_session(false);
        let mut client = Client::connect(kept.clone()).await;
        client.subscribe("box", QoS::ExactlyOnce).await;
        client.disconnect().await;

        let publisher = Client::connect(options(addr, "pub")).await;
        for (qos, payload) in [
            (QoS::AtMostOnce, "dropped"),
            (QoS::AtLeastOnce, "one"),
            (QoS::ExactlyOnce, "two"),
        ] {
            publisher
                .client
                .publish("box", qos, false, payload)
                .await
                .unwrap();
        }
        sleep(Duration::from_millis(100)).await;

        let mut client = Client::start(kept, false);
        assert!(client.connack().await.unwrap().session_present);
        assert_eq!(&client.message().await.payload[..], b"one");
        assert_eq!(&client.message().await.payload[..], b"two");
        client.no_message().await;
        client.disconnect().await;

        // Clean session 1 discards the kept session.
        let mut fresh = options(addr, "kept");
        fresh.set_clean_session(true);
        let mut client = Client::start(fresh, false);
        assert!(!client.connack().await.unwrap().session_present);
    })
    .await;
}
