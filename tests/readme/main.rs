//! The README's and docs/'s fragments that need a `control` around them, compiled here
//! verbatim (`.ci/check-snippets.sh` checks that each such block of the Markdown files is found
//! here, line for line). Compiled, not run: the tests of the behaviour they show are elsewhere.
#![allow(
    dead_code,
    unused_variables,
    unused_mut,
    unreachable_code,
    clippy::diverging_sub_expression
)]

use embedded_io_async::Write;
use fibocom_mqtt::asynch::Control;
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{
    DataCall, Outbox, SessionConfig, SessionEvent, Slot, Subscription, User,
};
use fibocom_mqtt::{Broker, ClientId, Error, QoS, TlsSetup};

/// README, "MQTT over TLS" (the PEM files next to this one are placeholders).
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn tls<W: Write>(control: &Control<'_, W>) -> Result<(), Error> {
static TLS: TlsSetup<'static> = TlsSetup::new()            // TLS 1.2, verify the server
    .trust(include_bytes!("ca.pem"))                       // TRUSTFILE: the broker's CA
    .client(include_bytes!("dev.pem"), include_bytes!("dev.key")); // mutual TLS only

control.provision_tls(&TLS).await?;   // AT+GTSSLFILE?, AT+GTSSLVER=4, AT+GTSSLMODE=1, the files missing
control.open_tls(ClientId::One, Broker::new("broker.example.com", 8883), TLS.param).await?;
    Ok(())
}

/// README, "The session layer".
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn session<W: Write>(control: Control<'_, W>) -> Result<(), Error> {
let config = SessionConfig {
    call: DataCall::Dial { apn: Some("internet"), credentials: None },
    user: Some(User { user: "dev", password: "secret", identifier: Some("dev-42") }),
    subscriptions: &[Subscription { filter: "cmd/#", qos: QoS::AtLeastOnce }],
    ..SessionConfig::new(Broker { clean_session: false, ..Broker::new("broker.example.com", 1883) })
};
let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 16]); // the outbox, sized by you
let session = Session::new(&control, config, Outbox::new(&mut bytes, &mut slots));
// One loop does the work and hands out messages, state changes and deliveries ...
loop { session.next_event(|ev| { /* SessionEvent::Message(m), State(s), Delivered(seq) */ }).await?; }
// ... while any task publishes: QoS 1 and 2 are queued and sent (again) until confirmed.
let queued = session.publish("telemetry", b"21.5", QoS::AtLeastOnce, false).await; // or PublishError
    Ok(())
}

/// docs/session.md, "Use".
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn session_doc<W: Write>(control: Control<'_, W>) {
const SUBS: [Subscription<'static>; 1] = [Subscription { filter: "cmd/#", qos: QoS::AtLeastOnce }];
let mut broker = Broker::new("broker.example.com", 1883);
broker.clean_session = false; // the broker keeps messages for the device while it is away
let config = SessionConfig {
    call: DataCall::Dial { apn: Some("internet"), credentials: None },
    user: Some(User { user: "dev", password: "secret", identifier: Some("dev-42") }),
    subscriptions: &SUBS,
    ..SessionConfig::new(broker)
};
let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 16]); // the outbox: bytes and entries
let session = Session::new(&control, config, Outbox::new(&mut bytes, &mut slots));

// One loop does all the work and hands out events ...
let events = async {
    loop {
        match session.next_event(|ev| match ev {
            SessionEvent::Message(m) => { /* m.topic, m.payload: lent, copy what you keep */ }
            SessionEvent::State(s) => { /* Connected, Connecting { attempt, last }, Waiting { .. } */ }
            _ => {} // Delivered(seq), Dropped { .. }, Rejected(..), Module(event)
        }).await {
            Ok(()) => {}
            Err(e) => { /* the port failed: build the driver and the session again */ }
        }
    }
};
// ... and any task publishes: QoS 1 and 2 are queued (sent, and sent again, until confirmed).
let telemetry = async { session.publish("telemetry", b"21.5", QoS::AtLeastOnce, false).await };
}

/// Placeholders for the files and secrets the cloud fragments name.
const CA: &[u8] = include_bytes!("ca.pem");
const CERT: &[u8] = include_bytes!("dev.pem");
const KEY: &[u8] = include_bytes!("dev.key");
const ISRG_ROOT_X1: &[u8] = include_bytes!("ca.pem");
const PASSWORD: &str = "secret";

/// The result of a cloud fragment: a profile's, a session's or a publish's refusal.
type CloudResult = Result<(), Box<dyn std::error::Error>>;

/// README, "Clouds".
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn cloud_readme<W: Write>(control: Control<'_, W>, outbox: Outbox<'_>) -> CloudResult {
    use fibocom_mqtt::cloud::{Azure, Profile};
let hub = Azure::new("my-hub.azure-devices.net", "pump-7", TlsSetup::new().trust(CA).client(CERT, KEY))?;
let subs = [Subscription { filter: hub.c2d_filter(), qos: QoS::AtLeastOnce }];
let session = Session::new(&control, hub.session_config(&subs)?, outbox);
session.publish(hub.telemetry_topic(), b"{\"t\":21.5}", QoS::AtLeastOnce, false).await?;
    Ok(())
}

/// docs/clouds.md, aws.
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn cloud_aws<W: Write>(control: Control<'_, W>) -> CloudResult {
use fibocom_mqtt::cloud::{Aws, Profile};
use fibocom_mqtt::session::{asynch::Session, DataCall, Outbox, Slot, Subscription};
use fibocom_mqtt::{QoS, TlsSetup};

static ROOT_CA: &[u8] = include_bytes!("AmazonRootCA1.pem");
static CERT: &[u8] = include_bytes!("pump-7.cert.pem");
static KEY: &[u8] = include_bytes!("pump-7.private.key");

let tls = TlsSetup::new().trust(ROOT_CA).client(CERT, KEY);
let aws = Aws::new("a1b2c3d4e5f6g7-ats.iot.eu-west-1.amazonaws.com", "pump-7", tls)?
    .keepalive(120)?;
let subs = [Subscription { filter: "cmd/pump-7/#", qos: QoS::AtLeastOnce }];
let mut config = aws.session_config(&subs)?;          // each subscription checked
config.call = DataCall::Dial { apn: Some("internet"), credentials: None };
let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 8]);
let session = Session::new(&control, config, Outbox::new(&mut bytes, &mut slots));
session.publish("dt/pump-7/temp", b"{\"t\":21.5}", QoS::AtLeastOnce, false).await?;
// QoS 2 here is refused before it is queued: PublishError::Forbidden(Forbidden::QoS { .. }).
    Ok(())
}

/// docs/clouds.md, azure.
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn cloud_azure<W: Write>(control: Control<'_, W>) -> CloudResult {
    use fibocom_mqtt::session::{asynch::Session, DataCall, Outbox, Slot, Subscription};
    use fibocom_mqtt::{QoS, TlsSetup};
    let (mut bytes, mut slots) = ([0u8; 2048], [Slot::EMPTY; 8]);
use fibocom_mqtt::cloud::{Azure, Profile};

static ROOT_CA: &[u8] = include_bytes!("DigiCertGlobalRootG2.crt.pem");
static CERT: &[u8] = include_bytes!("pump-7.cert.pem");
static KEY: &[u8] = include_bytes!("pump-7.key.pem");

let hub = Azure::new("my-hub.azure-devices.net", "pump-7",
    TlsSetup::new().trust(ROOT_CA).client(CERT, KEY))?;
let subs = [Subscription { filter: hub.c2d_filter(), qos: QoS::AtLeastOnce }];
let mut config = hub.session_config(&subs)?;
config.call = DataCall::Dial { apn: Some("internet"), credentials: None };
let session = Session::new(&control, config, Outbox::new(&mut bytes, &mut slots));
session.publish(hub.telemetry_topic(), b"{\"t\":21.5}", QoS::AtLeastOnce, false).await?;
    Ok(())
}

/// docs/clouds.md, thingsboard.
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn cloud_thingsboard<W: Write>(control: Control<'_, W>, outbox: Outbox<'_>) -> CloudResult {
    use fibocom_mqtt::cloud::{Profile, ThingsBoard};
let tb = ThingsBoard::new("thingsboard.example.com", "A1_TEST_TOKEN")?
    .with_tls(TlsSetup::new().trust(CA))?;
let subs = [Subscription { filter: ThingsBoard::RPC_REQUESTS, qos: QoS::AtLeastOnce }];
let session = Session::new(&control, tb.session_config(&subs)?, outbox);
session.publish(ThingsBoard::TELEMETRY, b"{\"temperature\":21.5}", QoS::AtLeastOnce, false).await?;
    Ok(())
}

/// docs/clouds.md, generic.
#[rustfmt::skip] // the fragment as the Markdown shows it
async fn cloud_generic<W: Write>(control: Control<'_, W>, outbox: Outbox<'_>, subs: [Subscription<'_>; 1]) -> CloudResult {
    use fibocom_mqtt::cloud::{Generic, Profile};
let broker = Generic::new("0123456789abcdef.s1.eu.hivemq.cloud", 8883, "device-7", PASSWORD,
                          TlsSetup::new().trust(ISRG_ROOT_X1))?
    .client_id("device-7")?;
let session = Session::new(&control, broker.session_config(&subs)?, outbox);
    Ok(())
}
