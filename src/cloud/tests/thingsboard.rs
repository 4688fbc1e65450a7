//! ThingsBoard: every refusal, by its exact error.

use super::*;

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
