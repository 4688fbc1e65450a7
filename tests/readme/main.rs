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

control.provision_tls(&TLS).await?;   // AT+GTSSLVER=4, AT+GTSSLMODE=1, one AT+GTSSLFILE per file
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
