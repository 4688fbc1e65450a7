//! Each step resolved against a configuration: the exact call, or nothing to do.

use super::*;
use crate::session::{Subscription, User, Will};
use crate::tls::TlsSetup;

const BROKER: Broker<'static> = Broker::new("b", 1883);
const SUBS: [Subscription<'static>; 1] = [Subscription {
    filter: "a/#",
    qos: QoS::AtLeastOnce,
}];

#[test]
fn a_bare_configuration_skips_what_it_does_not_have() {
    let config = SessionConfig::new(BROKER);
    let id = ClientId::One;
    for (step, action) in [
        (Step::Start, Action::Call(Call::Start)),
        (Step::CheckCall, Action::Call(Call::DataCallUp)),
        (Step::Dial, Action::Skip),
        (Step::Tls, Action::Skip),
        (Step::User, Action::Skip),
        (Step::Will, Action::Skip),
        (
            Step::Open,
            Action::Call(Call::Open {
                client: id,
                broker: BROKER,
            }),
        ),
        (Step::Subscribe(0), Action::Skip),
        (Step::Read, Action::Read(id)),
        (Step::Send, Action::Send(id)),
        (Step::Idle, Action::Skip),
        (
            Step::Wait(embassy_time::Instant::from_secs(3)),
            Action::Skip,
        ),
    ] {
        assert_eq!(resolve(step, &config), action, "{step:?}");
    }
}

#[test]
fn a_full_configuration_comes_to_the_exact_calls() {
    let tls = TlsSetup::default();
    let config = SessionConfig {
        client: ClientId::Two,
        call: DataCall::Dial {
            apn: Some("internet"),
            credentials: Some(("u", "p")),
        },
        user: Some(User {
            user: "name",
            password: "secret",
            identifier: Some("dev-1"),
        }),
        will: Some(Will {
            topic: "w",
            qos: QoS::ExactlyOnce,
            retain: true,
            payload: b"gone",
        }),
        subscriptions: &SUBS,
        ..SessionConfig::new(BROKER)
    }
    .with_tls(&tls);
    let id = ClientId::Two;
    for (step, action) in [
        (
            Step::Dial,
            Action::Call(Call::Dial {
                apn: Some("internet"),
                credentials: Some(("u", "p")),
            }),
        ),
        (Step::Tls, Action::Call(Call::ProvisionTls(&tls))),
        (
            Step::User,
            Action::Call(Call::SetUser {
                client: id,
                user: "name",
                password: "secret",
                identifier: Some("dev-1"),
            }),
        ),
        (
            Step::Will,
            Action::Call(Call::SetWill {
                client: id,
                topic: "w",
                qos: QoS::ExactlyOnce,
                retain: true,
                payload: b"gone",
                form: PayloadForm::Auto,
            }),
        ),
        (
            Step::Open,
            Action::Call(Call::OpenTls {
                client: id,
                broker: BROKER,
                param: tls.param,
            }),
        ),
        (
            Step::Subscribe(0),
            Action::Call(Call::Subscribe {
                client: id,
                filter: "a/#",
                qos: QoS::AtLeastOnce,
            }),
        ),
        // A subscription the configuration does not hold: nothing to do.
        (Step::Subscribe(1), Action::Skip),
        (Step::Read, Action::Read(id)),
        (Step::Send, Action::Send(id)),
    ] {
        assert_eq!(resolve(step, &config), action, "{step:?}");
    }
}

#[test]
fn tls_chosen_at_run_time_resolves_as_chosen() {
    let tls = TlsSetup::default();
    let on = SessionConfig::new(BROKER).with_tls(Some(&tls));
    let off = SessionConfig::new(BROKER).with_tls(None::<&TlsSetup<'_>>);
    assert_eq!(
        resolve(Step::Tls, &on),
        Action::Call(Call::ProvisionTls(&tls))
    );
    assert_eq!(resolve(Step::Tls, &off), Action::Skip);
    assert!(matches!(
        resolve(Step::Open, &on),
        Action::Call(Call::OpenTls { .. })
    ));
    assert!(matches!(
        resolve(Step::Open, &off),
        Action::Call(Call::Open { .. })
    ));
}

#[test]
fn a_read_reports_whether_a_message_was_read() {
    assert_eq!(read(Ok(Some(7))), (Some(7), Ok(true)));
    assert_eq!(read::<u8>(Ok(None)), (None, Ok(false)));
    assert_eq!(
        read::<u8>(Err(Error::AnswerTimeout)),
        (None, Err(Error::AnswerTimeout))
    );
}
