//! Every refusal of every profile, by its exact error.

use super::*;
use crate::codec::{EncodeError, Field, Rule};
use crate::session::Forbidden;

const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";
const ENDPOINT: &str = "abc123-ats.iot.eu-west-1.amazonaws.com";
const HUB: &str = "my-hub.azure-devices.net";
/// 23 bytes, the most the module takes as a client identifier.
const ID_23: &str = "abcdefghijklmnopqrstuvw";
/// 24 bytes.
const ID_24: &str = "abcdefghijklmnopqrstuvwx";
const AZURE_TOPICS: &str = "devices/<device id>/messages/events/... or $iothub/...";
const AZURE_FILTERS: &str = "devices/<device id>/messages/devicebound/# or $iothub/...";
const TB_TOPICS: &str = "v1/devices/me/... (telemetry, attributes, rpc)";
const TB_FILTERS: &str = "v1/devices/me/... (attributes, rpc/request/+)";

fn mutual() -> TlsSetup<'static> {
    TlsSetup::new().trust(CA).client(CERT, KEY)
}

fn server_only() -> TlsSetup<'static> {
    TlsSetup::new().trust(CA)
}

fn text(e: impl core::fmt::Display) -> std::string::String {
    std::format!("{e}")
}

// AWS IoT Core.

#[test]
fn aws_builds_what_the_driver_takes() {
    let aws = Aws::new(ENDPOINT, ID_23, mutual()).unwrap();
    assert_eq!(aws.cloud(), Cloud::Aws);
    assert_eq!(aws.broker(), Broker::new(ENDPOINT, 8883));
    assert_eq!(
        aws.user(),
        User {
            user: "",
            password: "",
            identifier: Some(ID_23)
        }
    );
    assert_eq!(aws.tls(), Some(&mutual()));
    assert_eq!(aws.keepalive(30).unwrap().broker().keepalive, 30);
    assert_eq!(aws.keepalive(300).unwrap().broker().keepalive, 300);
    assert!(!aws.clean_session(false).broker().clean_session);
}

#[test]
fn aws_refuses_a_thing_name_over_23_bytes() {
    let e = Aws::new(ENDPOINT, ID_24, mutual()).unwrap_err();
    assert_eq!(
        e,
        CloudError::IdentifierTooLong {
            cloud: Cloud::Aws,
            len: 24
        }
    );
    let said = text(e);
    assert!(said.contains("thing name") && said.contains("23"), "{said}");
}

#[test]
fn aws_refuses_an_empty_thing_name_and_bytes_outside_its_alphabet() {
    assert_eq!(
        Aws::new(ENDPOINT, "", mutual()),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::ClientIdStr,
            rule: Rule::TooShort { min: 1 }
        }))
    );
    assert_eq!(
        Aws::new(ENDPOINT, "pump/7", mutual()),
        Err(CloudError::NameByte {
            cloud: Cloud::Aws,
            byte: b'/',
            at: 4
        })
    );
}

#[test]
fn aws_refuses_a_keepalive_outside_30_to_300() {
    let aws = Aws::new(ENDPOINT, "pump-7", mutual()).unwrap();
    let want = Err(CloudError::Keepalive {
        cloud: Cloud::Aws,
        min: 30,
        max: 300,
    });
    assert_eq!(aws.keepalive(29), want);
    assert_eq!(aws.keepalive(301), want);
    assert_eq!(aws.keepalive(1200), want);
}

#[test]
fn aws_refuses_tls_without_the_device_certificate_or_a_ca() {
    let no_client = Err(CloudError::ClientCertificateRequired { cloud: Cloud::Aws });
    assert_eq!(Aws::new(ENDPOINT, "pump-7", server_only()), no_client);
    assert_eq!(
        Aws::new(ENDPOINT, "pump-7", server_only().client_cert(CERT)),
        no_client
    );
    assert_eq!(
        Aws::new(ENDPOINT, "pump-7", TlsSetup::new().client(CERT, KEY)),
        Err(CloudError::TrustRequired { cloud: Cloud::Aws })
    );
}

#[test]
fn aws_refuses_a_host_the_module_cannot_carry() {
    assert_eq!(
        Aws::new("bad\"host", "pump-7", mutual()),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::Host,
            rule: Rule::ForbiddenByte { byte: b'"', at: 3 }
        }))
    );
}

#[test]
fn aws_has_no_qos_2_and_at_most_7_slashes() {
    let aws = Aws::new(ENDPOINT, "pump-7", mutual()).unwrap();
    let qos = Err(Forbidden::QoS {
        broker: "AWS IoT Core",
        max: QoS::AtLeastOnce,
    });
    assert_eq!(aws.check_publish("dt/pump-7", QoS::ExactlyOnce, false), qos);
    assert_eq!(aws.check_subscribe("cmd/pump-7/#", QoS::ExactlyOnce), qos);
    assert_eq!(
        aws.check_publish("dt/pump-7", QoS::AtLeastOnce, true),
        Ok(())
    );
    assert_eq!(
        aws.check_publish("a/b/c/d/e/f/g/h", QoS::AtMostOnce, false),
        Ok(())
    );
    let levels = Err(Forbidden::Levels {
        broker: "AWS IoT Core",
        max: 7,
    });
    assert_eq!(
        aws.check_publish("a/b/c/d/e/f/g/h/i", QoS::AtMostOnce, false),
        levels
    );
    assert_eq!(
        aws.check_subscribe("a/b/c/d/e/f/g/h/#", QoS::AtMostOnce),
        levels
    );
}

// Azure IoT Hub.

#[test]
fn azure_builds_the_user_name_and_topics_it_expects() {
    let hub = Azure::new(HUB, "pump-7", mutual()).unwrap();
    assert_eq!(hub.cloud(), Cloud::Azure);
    assert_eq!(hub.broker(), Broker::new(HUB, 8883));
    assert_eq!(
        hub.user(),
        User {
            user: "my-hub.azure-devices.net/pump-7/?api-version=2021-04-12",
            password: "",
            identifier: Some("pump-7")
        }
    );
    assert_eq!(hub.telemetry_topic(), "devices/pump-7/messages/events/");
    assert_eq!(hub.c2d_filter(), "devices/pump-7/messages/devicebound/#");
    assert_eq!(hub.device_id(), "pump-7");
    // The longest device id fits every topic.
    let long = Azure::new(HUB, ID_23, mutual()).unwrap();
    assert_eq!(
        long.c2d_filter(),
        "devices/abcdefghijklmnopqrstuvw/messages/devicebound/#"
    );
}

#[test]
fn azure_refuses_a_sas_token_over_128_bytes_and_says_to_use_x509() {
    let token = "SharedAccessSignature sr=my-hub.azure-devices.net%2Fdevices%2Fpump-7&sig=\
                 Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm8%3D&se=1767225600";
    let e = Azure::with_sas_token(HUB, "pump-7", token, server_only()).unwrap_err();
    assert_eq!(
        e,
        CloudError::PasswordTooLong {
            cloud: Cloud::Azure,
            len: token.len()
        }
    );
    assert!(text(e).contains("X.509"), "{}", text(e));
    // A token that fits is taken, without a client certificate.
    let short = "SharedAccessSignature sr=h%2Fdevices%2Fd&sig=abc&se=1";
    let hub = Azure::with_sas_token(HUB, "pump-7", short, server_only()).unwrap();
    assert_eq!(hub.user().password, short);
}

#[test]
fn azure_x509_refuses_tls_without_the_device_certificate() {
    assert_eq!(
        Azure::new(HUB, "pump-7", server_only()),
        Err(CloudError::ClientCertificateRequired {
            cloud: Cloud::Azure
        })
    );
    assert_eq!(
        Azure::new(HUB, "pump-7", TlsSetup::new().client(CERT, KEY)),
        Err(CloudError::TrustRequired {
            cloud: Cloud::Azure
        })
    );
}

#[test]
fn azure_refuses_a_device_id_over_23_bytes_or_outside_its_alphabet() {
    assert_eq!(
        Azure::new(HUB, ID_24, mutual()),
        Err(CloudError::IdentifierTooLong {
            cloud: Cloud::Azure,
            len: 24
        })
    );
    assert_eq!(
        Azure::new(HUB, "pump#7", mutual()),
        Err(CloudError::NameByte {
            cloud: Cloud::Azure,
            byte: b'#',
            at: 4
        })
    );
}

#[test]
fn azure_refuses_a_user_name_over_128_bytes() {
    // 100 + 1 + 23 + 24 = 148 bytes.
    let host = "h".repeat(82) + ".azure-devices.net";
    assert_eq!(host.len(), 100);
    assert_eq!(
        Azure::new(&host, ID_23, mutual()),
        Err(CloudError::UserTooLong {
            cloud: Cloud::Azure,
            len: 148
        })
    );
}

#[test]
fn azure_refuses_a_keepalive_outside_the_module_range() {
    let hub = Azure::new(HUB, "pump-7", mutual()).unwrap();
    let want = Err(CloudError::Keepalive {
        cloud: Cloud::Azure,
        min: 1,
        max: 300,
    });
    assert_eq!(hub.clone().keepalive(0), want);
    assert_eq!(hub.clone().keepalive(301), want);
    assert_eq!(hub.keepalive(300).unwrap().broker().keepalive, 300);
}

#[test]
fn azure_refuses_qos_2_retain_and_topics_outside_the_device() {
    let hub = Azure::new(HUB, "pump-7", mutual()).unwrap();
    let d2c = hub.telemetry_topic();
    let broker = "Azure IoT Hub";
    assert_eq!(
        hub.check_publish(d2c, QoS::ExactlyOnce, false),
        Err(Forbidden::QoS {
            broker,
            max: QoS::AtLeastOnce
        })
    );
    assert_eq!(
        hub.check_publish(d2c, QoS::AtLeastOnce, true),
        Err(Forbidden::Retain { broker })
    );
    assert_eq!(hub.check_publish(d2c, QoS::AtLeastOnce, false), Ok(()));
    assert_eq!(
        hub.check_publish(
            "devices/pump-7/messages/events/$.ct=application%2Fjson",
            QoS::AtMostOnce,
            false
        ),
        Ok(())
    );
    assert_eq!(
        hub.check_publish(
            "$iothub/twin/PATCH/properties/reported/?$rid=1",
            QoS::AtMostOnce,
            false
        ),
        Ok(())
    );
    for topic in [
        "devices/pump-8/messages/events/",
        "devices/pump-7/messages/events",
        "telemetry",
    ] {
        assert_eq!(
            hub.check_publish(topic, QoS::AtMostOnce, false),
            Err(Forbidden::Topic {
                broker,
                allowed: AZURE_TOPICS
            }),
            "{topic}"
        );
    }
    assert_eq!(
        hub.check_subscribe(hub.c2d_filter(), QoS::AtLeastOnce),
        Ok(())
    );
    assert_eq!(
        hub.check_subscribe("$iothub/methods/POST/#", QoS::AtMostOnce),
        Ok(())
    );
    assert_eq!(
        hub.check_subscribe(hub.c2d_filter(), QoS::ExactlyOnce),
        Err(Forbidden::QoS {
            broker,
            max: QoS::AtLeastOnce
        })
    );
    for filter in [
        "devices/+/messages/devicebound/#",
        "#",
        "devices/pump-7/messages/events/",
    ] {
        assert_eq!(
            hub.check_subscribe(filter, QoS::AtMostOnce),
            Err(Forbidden::Filter {
                broker,
                allowed: AZURE_FILTERS
            }),
            "{filter}"
        );
    }
}

// ThingsBoard.

#[test]
fn thingsboard_uses_the_token_as_user_name() {
    let tb = ThingsBoard::new("tb.example", "TOKEN").unwrap();
    assert_eq!(tb.cloud(), Cloud::ThingsBoard);
    assert_eq!(tb.broker(), Broker::new("tb.example", 1883));
    assert_eq!(
        tb.user(),
        User {
            user: "TOKEN",
            password: "",
            identifier: None
        }
    );
    assert_eq!(tb.tls(), None);
    let tls = tb.with_tls(server_only()).unwrap();
    assert_eq!(tls.broker().port, 8883);
    assert_eq!(tls.tls(), Some(&server_only()));
    assert_eq!(tls.port(18883).unwrap().broker().port, 18883);
    assert_eq!(tb.client_id("dev").unwrap().user().identifier, Some("dev"));
}

#[test]
fn thingsboard_refuses_an_empty_or_long_token_and_a_long_client_id() {
    assert_eq!(
        ThingsBoard::new("tb.example", ""),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::User,
            rule: Rule::TooShort { min: 1 }
        }))
    );
    let long = "t".repeat(129);
    assert_eq!(
        ThingsBoard::new("tb.example", &long),
        Err(CloudError::UserTooLong {
            cloud: Cloud::ThingsBoard,
            len: 129
        })
    );
    let tb = ThingsBoard::new("tb.example", "TOKEN").unwrap();
    assert_eq!(
        tb.client_id(ID_24),
        Err(CloudError::IdentifierTooLong {
            cloud: Cloud::ThingsBoard,
            len: 24
        })
    );
    assert_eq!(
        tb.with_tls(TlsSetup::new()),
        Err(CloudError::TrustRequired {
            cloud: Cloud::ThingsBoard
        })
    );
    assert_eq!(
        tb.port(0),
        Err(CloudError::Module(EncodeError::Invalid {
            field: Field::Port,
            rule: Rule::OutOfRange { min: 1, max: 65535 }
        }))
    );
    assert_eq!(
        tb.keepalive(0),
        Err(CloudError::Keepalive {
            cloud: Cloud::ThingsBoard,
            min: 1,
            max: 300
        })
    );
}

#[test]
fn thingsboard_takes_only_its_topics_at_qos_0_and_1() {
    let tb = ThingsBoard::new("tb.example", "TOKEN").unwrap();
    let broker = "ThingsBoard";
    for topic in [
        ThingsBoard::TELEMETRY,
        ThingsBoard::ATTRIBUTES,
        "v1/devices/me/rpc/response/3",
    ] {
        assert_eq!(
            tb.check_publish(topic, QoS::AtLeastOnce, false),
            Ok(()),
            "{topic}"
        );
    }
    assert_eq!(
        tb.check_publish(ThingsBoard::TELEMETRY, QoS::ExactlyOnce, false),
        Err(Forbidden::QoS {
            broker,
            max: QoS::AtLeastOnce
        })
    );
    assert_eq!(
        tb.check_publish("v1/devices/other/telemetry", QoS::AtMostOnce, false),
        Err(Forbidden::Topic {
            broker,
            allowed: TB_TOPICS
        })
    );
    for filter in [
        ThingsBoard::ATTRIBUTES,
        ThingsBoard::ATTRIBUTE_RESPONSES,
        ThingsBoard::RPC_REQUESTS,
    ] {
        assert_eq!(
            tb.check_subscribe(filter, QoS::AtLeastOnce),
            Ok(()),
            "{filter}"
        );
    }
    assert_eq!(
        tb.check_subscribe("#", QoS::AtMostOnce),
        Err(Forbidden::Filter {
            broker,
            allowed: TB_FILTERS
        })
    );
    assert_eq!(
        tb.check_subscribe(ThingsBoard::RPC_REQUESTS, QoS::ExactlyOnce),
        Err(Forbidden::QoS {
            broker,
            max: QoS::AtLeastOnce
        })
    );
}

// A generic TLS broker.

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
