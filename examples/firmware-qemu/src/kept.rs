//! The firmware's run with the session layer (feature `session`): the same publish and wait
//! for a message, but the connection is kept up by the session through breaks, a lost data
//! call, lost registration and module restarts; the firmware never handles a fault itself.

use cortex_m_semihosting::hprintln;
use embassy_futures::select::{select, Either};
use embassy_time::Timer;
use fibocom_mqtt::asynch::Control;
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{
    DataCall, Outbox, SessionConfig, SessionEvent, SessionState, Slot, Subscription, User, WhenFull,
};
use fibocom_mqtt::{Broker, ClientId, QoS};

use crate::uart::UartTx;
use crate::{Failure, CLIENT_ID, PAYLOAD, REPUBLISH, TOPIC_IN, TOPIC_OUT, USER};

const SUBSCRIPTIONS: [Subscription<'static>; 1] = [Subscription {
    filter: TOPIC_IN,
    qos: QoS::AtLeastOnce,
}];

/// Publishes [`PAYLOAD`] every [`REPUBLISH`] until a message arrives on [`TOPIC_IN`] after one
/// of its publishes was delivered, then closes. A message that comes before (one the broker
/// kept for the device from an earlier run: the session is persistent) is printed and does
/// not end the run.
pub async fn run(c: &Control<'static, UartTx>) -> Result<(), Failure> {
    let mut broker = Broker::new("broker.local", 1883);
    // The broker keeps what is sent to the device while it is away.
    broker.clean_session = false;
    let config = SessionConfig {
        call: DataCall::Dial {
            apn: None,
            credentials: None,
        },
        user: Some(User {
            user: USER.0,
            password: USER.1,
            identifier: Some(CLIENT_ID),
        }),
        subscriptions: &SUBSCRIPTIONS,
        when_full: WhenFull::DropOldest,
        ..SessionConfig::new(broker)
    };
    let mut bytes = [0u8; 256];
    let mut slots = [Slot::EMPTY; 4];
    let session = Session::new(c, config, Outbox::new(&mut bytes, &mut slots));

    let events = async {
        let mut delivered = false;
        loop {
            let received = session.next_event(|event| match event {
                SessionEvent::Message(m) => {
                    let text = core::str::from_utf8(m.payload).unwrap_or("<not UTF-8>");
                    let topic = core::str::from_utf8(m.topic).unwrap_or("<not UTF-8>");
                    hprintln!("firmware: received on {}: {}", topic, text);
                    delivered && m.topic == TOPIC_IN.as_bytes()
                }
                SessionEvent::State(SessionState::Connected) => {
                    hprintln!("firmware: connected");
                    false
                }
                SessionEvent::State(SessionState::Connecting { attempt, .. }) => {
                    hprintln!("firmware: connecting (attempt {})", attempt);
                    false
                }
                SessionEvent::State(SessionState::Waiting { .. }) => {
                    hprintln!("firmware: waiting before the next attempt");
                    false
                }
                SessionEvent::Delivered(_) => {
                    delivered = true;
                    hprintln!(
                        "firmware: published {} bytes on {}",
                        PAYLOAD.len(),
                        TOPIC_OUT
                    );
                    false
                }
                _ => false,
            });
            match received.await {
                Ok(true) => return Ok(()),
                Ok(false) => {}
                Err(e) => return Err(Failure("the serial link", e)),
            }
        }
    };
    let publisher = async {
        loop {
            if session
                .publish(TOPIC_OUT, PAYLOAD, QoS::AtLeastOnce, false)
                .await
                .is_err()
            {
                hprintln!("firmware: publish refused");
            }
            Timer::after(REPUBLISH).await;
        }
    };
    if let Either::First(outcome) = select(events, publisher).await {
        outcome?;
    }
    c.close(ClientId::One)
        .await
        .map_err(|e| Failure("close", e))?;
    hprintln!("firmware: closed");
    Ok(())
}
