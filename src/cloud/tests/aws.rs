//! AWS IoT Core: every refusal, by its exact error.

use super::*;

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
