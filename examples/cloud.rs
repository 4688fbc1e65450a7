//! A cloud profile, end to end without hardware: an Azure IoT Hub device (X.509, the hub's
//! user name, its device-to-cloud and cloud-to-device topics) through a session configured by
//! `cloud::Azure`, against the module simulator and an in-process broker that admits the
//! device as the hub would (its certificate, its user name). Then what the hub would close the
//! connection for, refused before anything is sent.
//!
//! ```text
//! cargo run --example cloud
//! ```
//!
//! On a device, only the first part changes: the CA is the hub's root (DigiCert Global Root
//! G2), the certificate and key are the device's, and the port is the UART (see
//! docs/clouds.md).

use std::time::{Duration, Instant};

use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::cloud::{Azure, Profile};
use fibocom_mqtt::host::TcpPort;
use fibocom_mqtt::session::blocking::Session;
use fibocom_mqtt::session::{DataCall, Outbox, SessionEvent, SessionState, Slot, Subscription};
use fibocom_mqtt::{Config, QoS, TlsSetup};
use fibocom_sim::broker::tls::{TestPki, TlsOptions};
use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};

const HUB: &str = "my-hub.azure-devices.net";
const DEVICE: &str = "pump-7";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A broker that admits the device as the hub does: a client certificate signed by the
    // device CA, the user name <hub>/<device>/?api-version=2021-04-12, an empty password.
    let pki = TestPki::new();
    let device_cert = pki.client(DEVICE);
    let broker = Broker::start(BrokerOptions {
        users: vec![
            (
                format!("{HUB}/{DEVICE}/?api-version=2021-04-12"),
                String::new(),
            ),
            ("app".into(), "app-secret".into()),
        ],
        tls: Some(TlsOptions::new(pki.server_for(&[HUB])).requiring_clients(pki.client_ca_pem())),
        ..BrokerOptions::default()
    })?;
    let sim = Simulator::start(
        SimConfig {
            broker: broker.addr().to_string(),
            tls_broker: Some(broker.tls_addr().ok_or("no TLS listener")?.to_string()),
            ..SimConfig::default()
        },
        Link::Tcp("127.0.0.1:0".parse()?),
    )?;
    let app = App::connect(&broker)?;

    // The profile: everything the hub asks of the device, checked against the module's limits
    // (a SAS token longer than 128 bytes, a device id over 23, ... would be refused here).
    let ca = pki.ca_pem();
    let tls = TlsSetup::new().trust(ca.as_bytes()).client(
        device_cert.cert_pem.as_bytes(),
        device_cert.key_pem.as_bytes(),
    );
    let hub = Azure::new(HUB, DEVICE, tls)?;
    println!("user name  {}", hub.user().user);
    println!("telemetry  {}", hub.telemetry_topic());
    println!("commands   {}", hub.c2d_filter());

    // A session configured by the profile: broker, account, TLS, the cloud-to-device
    // subscription (checked), and the hub's rules for every publish.
    let subs = [Subscription {
        filter: hub.c2d_filter(),
        qos: QoS::AtLeastOnce,
    }];
    let mut config = hub.session_config(&subs)?;
    config.call = DataCall::Dial {
        apn: None,
        credentials: None,
    };
    let port = TcpPort::connect(sim.tcp_addr().ok_or("no TCP link")?, Duration::from_secs(5))?;
    let mut modem = Modem::<_, { fibocom_mqtt::RX_BUFFER_MIN }>::new(port, Config::default());
    let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 8]);
    let mut session = Session::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));

    let mut received = None;
    let mut connected = false;
    let mut delivered = false;
    let seq = session.publish(
        hub.telemetry_topic(),
        b"{\"t\":21.5}",
        QoS::AtLeastOnce,
        false,
    )?;
    let until = Instant::now() + Duration::from_secs(30);
    while Instant::now() < until && (!delivered || received.is_none()) {
        session.poll(embassy_time::Duration::from_millis(50), |ev| match ev {
            SessionEvent::State(SessionState::Connected) if !connected => {
                connected = true;
                println!("connected  over TLS to {HUB}:8883");
                app.publish(
                    &format!("devices/{DEVICE}/messages/devicebound/reboot"),
                    b"now",
                );
            }
            SessionEvent::Delivered(s) if Some(s) == seq => {
                delivered = true;
                println!("delivered  {{\"t\":21.5}} (QoS 1)");
            }
            SessionEvent::Message(m) => {
                received = Some(String::from_utf8_lossy(m.topic).into_owned());
                println!(
                    "received   {} {}",
                    String::from_utf8_lossy(m.topic),
                    String::from_utf8_lossy(m.payload)
                );
            }
            _ => {}
        })?;
    }
    if !delivered || received.is_none() {
        return Err("the exchange did not complete within 30 s".into());
    }

    // What the hub would close the connection for: refused, nothing queued or sent.
    for (qos, retain) in [(QoS::ExactlyOnce, false), (QoS::AtLeastOnce, true)] {
        match session.publish(hub.telemetry_topic(), b"{}", qos, retain) {
            Err(e) => println!("refused    {e}"),
            Ok(_) => return Err("a publish the hub refuses was accepted".into()),
        }
    }
    Ok(())
}

/// The application's side of the broker (a back-end client).
struct App(rumqttc::Client);

impl App {
    fn connect(broker: &Broker) -> Result<App, Box<dyn std::error::Error>> {
        let addr = broker.addr();
        let mut opts = rumqttc::MqttOptions::new("app", addr.ip().to_string(), addr.port());
        opts.set_credentials("app", "app-secret");
        let (client, mut connection) = rumqttc::Client::new(opts, 16);
        std::thread::spawn(move || for _ in connection.iter() {});
        Ok(App(client))
    }

    fn publish(&self, topic: &str, payload: &[u8]) {
        let _ = self
            .0
            .publish(topic, rumqttc::QoS::AtLeastOnce, false, payload.to_vec());
    }
}
