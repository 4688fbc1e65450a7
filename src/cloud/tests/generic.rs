//! A generic TLS broker: every refusal, by its exact error.

use super::*;

#[test]
fn generic_takes_any_qos_retain_and_topic() {
    let g = Generic::new("broker.example", 8883, "user", "pass", server_only())
        .unwrap()
        .client_id(ID_23)
        .unwrap();
    assert_eq!(g.cloud(), Cloud::Generic);
    assert_eq!(
        g.user(),
        User {
            user: "user",
            password: "pass",
            identifier: Some(ID_23)
        }
    );
    assert_eq!(g.check_publish("any/topic", QoS::ExactlyOnce, true), Ok(()));
    assert_eq!(g.check_subscribe("#", QoS::ExactlyOnce), Ok(()));
    assert!(!g.clean_session(false).broker().clean_session);
}

#[test]
fn generic_refuses_what_the_module_cannot_carry() {
    let tls = server_only();
    let long = "p".repeat(129);
    assert_eq!(
        Generic::new("b", 8883, &long, "", tls),
        Err(CloudError::UserTooLong {
            cloud: Cloud::Generic,
            len: 129
        })
    );
    assert_eq!(
        Generic::new("b", 8883, "u", &long, tls),
        Err(CloudError::PasswordTooLong {
            cloud: Cloud::Generic,
            len: 129
        })
    );
    assert_eq!(
        Generic::new("b", 8883, "u", "pass\"word", tls),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::Password,
            rule: Rule::ForbiddenByte { byte: b'"', at: 4 }
        }))
    );
    let g = Generic::new("b", 8883, "u", "p", tls).unwrap();
    assert_eq!(
        g.client_id(ID_24),
        Err(CloudError::IdentifierTooLong {
            cloud: Cloud::Generic,
            len: 24
        })
    );
    assert_eq!(
        g.keepalive(301),
        Err(CloudError::Keepalive {
            cloud: Cloud::Generic,
            min: 1,
            max: 300
        })
    );
    assert_eq!(
        Generic::new("b", 8883, "u", "p", TlsSetup::new()),
        Err(CloudError::TrustRequired {
            cloud: Cloud::Generic
        })
    );
    // Verification off needs no CA (tests only).
    assert!(Generic::new("b", 8883, "u", "p", TlsSetup::new().verify(false)).is_ok());
}

// The session configuration.

#[test]
fn session_config_carries_the_profile_and_checks_each_subscription() {
    let hub = Azure::new(HUB, "pump-7", mutual()).unwrap();
    let subs = [Subscription {
        filter: hub.c2d_filter(),
        qos: QoS::AtLeastOnce,
    }];
    let config = hub.session_config(&subs).unwrap();
    assert_eq!(config.broker, hub.broker());
    assert_eq!(config.user, Some(hub.user()));
    assert_eq!(config.tls, Some(&mutual()));
    assert_eq!(config.subscriptions, &subs);
    let rules = config.rules.unwrap();
    assert_eq!(
        rules.check_publish(hub.telemetry_topic(), QoS::AtLeastOnce, true),
        Err(Forbidden::Retain {
            broker: "Azure IoT Hub"
        })
    );

    let outside = [Subscription {
        filter: "cmd/#",
        qos: QoS::AtLeastOnce,
    }];
    assert_eq!(
        hub.session_config(&outside).map(|_| ()),
        Err(CloudError::Forbidden(Forbidden::Filter {
            broker: "Azure IoT Hub",
            allowed: AZURE_FILTERS
        }))
    );
    let bad = [Subscription {
        filter: "devices/pump-7/messages/devicebound/#/x",
        qos: QoS::AtLeastOnce,
    }];
    assert_eq!(
        hub.session_config(&bad).map(|_| ()),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::Topic,
            rule: Rule::BadFilter { at: 36 }
        }))
    );
}

#[test]
fn every_error_names_its_rule() {
    let said = text(CloudError::Keepalive {
        cloud: Cloud::Aws,
        min: 30,
        max: 300,
    });
    assert!(
        said.contains("AWS IoT Core") && said.contains("30-300"),
        "{said}"
    );
    let said = text(Forbidden::QoS {
        broker: "Azure IoT Hub",
        max: QoS::AtLeastOnce,
    });
    assert!(said.contains("QoS 1"), "{said}");
    let said = text(CloudError::ClientCertificateRequired {
        cloud: Cloud::Azure,
    });
    assert!(said.contains("certificate"), "{said}");
}

/// A port that never answers (publishing QoS 1 only queues).
struct Quiet;

impl embedded_io::ErrorType for Quiet {
    type Error = embedded_io::ErrorKind;
}

impl embedded_io::Read for Quiet {
    fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Err(embedded_io::ErrorKind::TimedOut)
    }
}

impl embedded_io::Write for Quiet {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[test]
fn the_session_refuses_what_the_profile_forbids_before_queueing() {
    use crate::session::blocking::Session;
    use crate::session::{Outbox, PublishError, Seq, Slot};

    let hub = Azure::new(HUB, "pump-7", mutual()).unwrap();
    let config = hub.session_config(&[]).unwrap();
    let mut modem = crate::blocking::Modem::<_, 64>::new(Quiet, crate::Config::default());
    let (mut bytes, mut slots) = ([0u8; 256], [Slot::EMPTY; 4]);
    let mut s = Session::new(&mut modem, config, Outbox::new(&mut bytes, &mut slots));
    let d2c = hub.telemetry_topic();
    let broker = "Azure IoT Hub";
    assert_eq!(
        s.publish(d2c, b"{}", QoS::ExactlyOnce, false),
        Err(PublishError::Forbidden(Forbidden::QoS {
            broker,
            max: QoS::AtLeastOnce
        }))
    );
    assert_eq!(
        s.publish(d2c, b"{}", QoS::AtLeastOnce, true),
        Err(PublishError::Forbidden(Forbidden::Retain { broker }))
    );
    assert_eq!(
        s.publish("cmd/x", b"{}", QoS::AtLeastOnce, false),
        Err(PublishError::Forbidden(Forbidden::Topic {
            broker,
            allowed: AZURE_TOPICS
        }))
    );
    assert_eq!(s.queued(), 0, "nothing forbidden was queued");
    assert_eq!(
        s.publish(d2c, b"{}", QoS::AtLeastOnce, false),
        Ok(Some(Seq(0)))
    );
    assert_eq!(s.queued(), 1);
    let said = std::format!("{}", PublishError::Forbidden(Forbidden::Retain { broker }));
    assert!(
        said.contains("Azure IoT Hub") && said.contains("retain"),
        "{said}"
    );
}
