//! Azure IoT Hub: every refusal, by its exact error.

use super::*;

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
