//! One table of transcripts, each run through both drivers: the same calls must write the same
//! bytes and end the same way, async or blocking.

use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::codec::{
    ClockCheck, EncodeError, Field, PayloadForm, Rule, TlsErrorReason, TlsParam,
};
use fibocom_mqtt::AtCommand;
use fibocom_mqtt::{Broker, ClientId, ConnState, Error, QoS, TlsSetup, Upload};

mod common;
use common::fast;

const ONE: ClientId = ClientId::One;
const TWO: ClientId = ClientId::Two;

/// A call either driver can make.
#[derive(Debug, Clone, Copy)]
enum Call {
    Start,
    Ping,
    User(ClientId),
    Open(ClientId),
    Close(ClientId),
    Sub(ClientId, &'static str),
    Unsub(ClientId, &'static str),
    Pub(ClientId, &'static str, &'static [u8], QoS),
    Attach,
    Detach,
    WillData(ClientId, &'static [u8]),
    Provision(&'static TlsSetup<'static>),
    OpenTls(ClientId, TlsParam),
}

const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY: &[u8] = b"-----BEGIN EC PRIVATE KEY-----\r\nMHcC\r\n-----END EC PRIVATE KEY-----\r\n";
const SERVER_AUTH: TlsSetup<'static> = TlsSetup::new().trust(CA);
const MUTUAL: TlsSetup<'static> = TlsSetup::new().trust(CA).client(CA, KEY);
const INSECURE: TlsSetup<'static> = TlsSetup::new().verify(false);
/// A key where the client certificate goes, after a good CA: refused as a whole.
const KEY_AS_CERT: TlsSetup<'static> = TlsSetup::new().trust(CA).client(KEY, KEY);
/// The same, every file uploaded without asking which the module holds.
const MUTUAL_ALWAYS: TlsSetup<'static> = MUTUAL.upload(Upload::Always);
/// A CA of 3 bytes.
const SHORT: TlsSetup<'static> = TlsSetup::new().trust(b"---");

/// A TLS open that fails, then `AT+GTSSLERR?` answering `code`.
macro_rules! failed_tls_open {
    ($name:expr, $code:literal, $reason:expr) => {
        Case {
            name: $name,
            script: concat!(
                ">> AT+MQTTOPEN=1,\"broker\",8883,1,60,1\\r\n",
                "<< \\r\\nOK\\r\\n\\r\\n+MQTTOPEN: 1,0\\r\\n\n",
                ">> AT+GTSSLERR?\\r\n",
                "<< \\r\\n+GTSSLERR: ",
                $code,
                "\\r\\n\\r\\nOK\\r\\n\n",
            ),
            calls: &[(Call::OpenTls(ONE, TlsParam::FLAG), Err($reason))],
            end: ConnState::Closed,
        }
    };
}

/// A TLS open that fails, `AT+GTSSLERR?` answering `-11`, then `AT+CCLK?` answering `$clock`.
macro_rules! failed_ca_check {
    ($name:expr, $clock:expr, $check:expr) => {
        Case {
            name: $name,
            script: concat!(
                ">> AT+MQTTOPEN=1,\"broker\",8883,1,60,1\\r\n",
                "<< \\r\\nOK\\r\\n\\r\\n+MQTTOPEN: 1,0\\r\\n\n",
                ">> AT+GTSSLERR?\\r\n",
                "<< \\r\\n+GTSSLERR: -11\\r\\n\\r\\nOK\\r\\n\n",
                ">> AT+CCLK?\\r\n",
                "<< ",
                $clock,
                "\n",
            ),
            calls: &[(
                Call::OpenTls(ONE, TlsParam::FLAG),
                Err(Error::Tls(TlsErrorReason::CaOrClock($check))),
            )],
            end: ConnState::Closed,
        }
    };
}

/// A case: the transcript, the calls made one after the other, what each returns, and the
/// state of client 1 at the end.
struct Case {
    name: &'static str,
    script: &'static str,
    calls: &'static [(Call, Result<(), Error>)],
    end: ConnState,
}

const CASES: &[Case] = &[
    Case {
        name: "start-up with echo on",
        script: r#"
>> AT\r
<< AT\r\r\nOK\r\n
>> ATE0\r
<< ATE0\r\r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nOK\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
"#,
        calls: &[(Call::Start, Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "start-up on firmware without AT+MQTTCONF goes on in mode 0",
        script: r#"
>> AT\r
<< \r\nOK\r\n
>> ATE0\r
<< \r\nOK\r\n
>> AT+MQTTCONF=1\r
<< \r\nERROR\r\n
>> AT+MIPCALL?\r
<< \r\n+MIPCALL: 0\r\n\r\nOK\r\n
>> AT+MQTTCLOSE?\r
<< \r\n+MQTTCLOSE: 0\r\n\r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
"#,
        calls: &[(Call::Start, Ok(())), (Call::Open(ONE), Ok(()))],
        end: ConnState::Open,
    },
    Case {
        name: "a will that is not text goes in the data form",
        script: r#"
>> AT+MQTTWILL=1,"w",1,1,"gone"\r
<< \r\nOK\r\n
>> AT+MQTTWILL=1,"w",1,1,3\r
<< \r\n>\r\n
>> a"\0
<< \r\nOK\r\n
"#,
        calls: &[
            (Call::WillData(ONE, b"gone"), Ok(())),
            (Call::WillData(ONE, b"a\"\0"), Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "a module that refuses the will's data form",
        script: r#"
>> AT+MQTTWILL=1,"w",1,1,1\r
<< \r\nERROR\r\n
>> AT\r
<< \r\nOK\r\n
"#,
        calls: &[
            (
                Call::WillData(ONE, b"\r"),
                Err(Error::Module(fibocom_mqtt::ModuleError::new(
                    AtCommand::Will,
                    None,
                ))),
            ),
            (Call::Ping, Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "open, subscribe, publish both forms, close",
        script: r#"
>> AT+MQTTUSER=1,"u","p","dev"\r
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTSUB=1,"cmd/#",1\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n
>> AT+MQTTPUB=1,"t",1,0,"hi"\r
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,2\r
<< \r\n> 
>> \0\r
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
>> AT+MQTTUNSUB=1,"cmd/#"\r
<< \r\nOK\r\n\r\n+MQTTUNSUB: 1,1\r\n
>> AT+MQTTCLOSE=1\r
<< \r\nOK\r\n\r\n+MQTTCLOSE: 1,1\r\n
"#,
        calls: &[
            (Call::User(ONE), Ok(())),
            (Call::Open(ONE), Ok(())),
            (Call::Sub(ONE, "cmd/#"), Ok(())),
            (Call::Pub(ONE, "t", b"hi", QoS::AtLeastOnce), Ok(())),
            (Call::Pub(ONE, "t", b"\0\r", QoS::AtMostOnce), Ok(())),
            (Call::Unsub(ONE, "cmd/#"), Ok(())),
            (Call::Close(ONE), Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "an open that fails with status 0",
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
.. 20
<< \r\n+MQTTOPEN: 1,0\r\n
"#,
        calls: &[(Call::Open(ONE), Err(Error::Failed(AtCommand::Open)))],
        end: ConnState::Closed,
    },
    Case {
        name: "a broker refusal after OK",
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+CME ERROR: 703\r\n
"#,
        calls: &[(
            Call::Open(ONE),
            Err(Error::Refused(fibocom_mqtt::Refusal::BadCredentials)),
        )],
        end: ConnState::Closed,
    },
    Case {
        name: "a publish on a closed client is refused before a byte is sent",
        script: "",
        calls: &[(
            Call::Pub(ONE, "t", b"x", QoS::AtMostOnce),
            Err(Error::WrongState {
                client: ONE,
                state: ConnState::Closed,
            }),
        )],
        end: ConnState::Closed,
    },
    Case {
        name: "a break while a publish waits for its result",
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTPUB=1,"t",1,0,"x"\r
<< \r\nOK\r\n\r\n+MQTTBREAK: 1,1\r\n\r\n+MQTTCLOSE: 1,1\r\n
>> AT\r
<< \r\nOK\r\n
"#,
        calls: &[
            (Call::Open(ONE), Ok(())),
            (
                Call::Pub(ONE, "t", b"x", QoS::AtLeastOnce),
                Err(Error::Break(fibocom_mqtt::BreakCause::Broker)),
            ),
            (Call::Ping, Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "result lines routed by client id, unsolicited lines between",
        script: r#"
>> AT+MQTTOPEN=2,"broker",1883,1,60\r
<< \r\n+SIM READY\r\n\r\nOK\r\n\r\n+CREG: 1\r\n\r\n+MQTTOPEN: 2,1\r\n
>> AT+MQTTSUB=2,"a",1\r
<< \r\nOK\r\n\r\n+MQTTSUB: 1,0\r\n\r\n+MQTTSUB: 2,1\r\n
"#,
        calls: &[(Call::Open(TWO), Ok(())), (Call::Sub(TWO, "a"), Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "the data call up and down",
        script: r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n\r\n+MIPCALL: 10.0.0.7\r\n
>> AT+MIPCALL=0\r
<< \r\nOK\r\n\r\n+MIPCALL: 0\r\n
"#,
        calls: &[(Call::Attach, Ok(())), (Call::Detach, Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "a data call that fails",
        script: r#"
>> AT+MIPCALL=1\r
<< \r\nOK\r\n\r\n+MIPCALL: 0\r\n
"#,
        calls: &[(Call::Attach, Err(Error::Failed(AtCommand::CallUp)))],
        end: ConnState::Closed,
    },
    Case {
        name: "the final result in place of the data prompt",
        script: r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,1\r
<< \r\nERROR\r\n
"#,
        calls: &[
            (Call::Open(ONE), Ok(())),
            (
                Call::Pub(ONE, "t", b"\"", QoS::AtMostOnce),
                Err(Error::Module(fibocom_mqtt::ModuleError::new(
                    AtCommand::Publish,
                    None,
                ))),
            ),
        ],
        end: ConnState::Open,
    },
    Case {
        name: "TLS provisioning on a module holding no file: the files asked, version, \
               verification, the CA after its prompt; open over TLS",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
"#,
        calls: &[
            (Call::Provision(&SERVER_AUTH), Ok(())),
            (Call::OpenTls(ONE, TlsParam::FLAG), Ok(())),
        ],
        end: ConnState::Open,
    },
    Case {
        name: "after a module restart an open over TLS is refused until TLS is provisioned again",
        script: r#"
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=0\r
<< \r\nOK\r\n
>> AT\r
<< \r\nOK\r\n\r\nRDY\r\n
>> AT\r
<< \r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=0\r
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
"#,
        calls: &[
            (Call::Provision(&INSECURE), Ok(())),
            (Call::Ping, Ok(())),
            (Call::Ping, Ok(())),
            (Call::OpenTls(ONE, TlsParam::FLAG), Err(Error::TlsLost)),
            (Call::Provision(&INSECURE), Ok(())),
            (Call::OpenTls(ONE, TlsParam::FLAG), Ok(())),
        ],
        end: ConnState::Open,
    },
    Case {
        name: "mutual TLS provisioning: TRUSTFILE, CAFILE, KEYFILE; the L610's TLS parameter",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE="CAFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE="KEYFILE",68\r
<< \r\n> 
>> -----BEGIN EC PRIVATE KEY-----\r\nMHcC\r\n-----END EC PRIVATE KEY-----\r\n
<< \r\nOK\r\n
>> AT+MQTTOPEN=2,"broker",8883,1,60,2\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 2,1\r\n
"#,
        calls: &[
            (Call::Provision(&MUTUAL), Ok(())),
            (Call::OpenTls(TWO, TlsParam::L610), Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "TLS provisioning on a module holding the CA from an earlier run: not uploaded \
               again; open over TLS",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
"#,
        calls: &[
            (Call::Provision(&SERVER_AUTH), Ok(())),
            (Call::OpenTls(ONE, TlsParam::FLAG), Ok(())),
        ],
        end: ConnState::Open,
    },
    Case {
        name: "provisioning twice on one module start: the second finds the CA and uploads \
               nothing",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,0\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,1\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
"#,
        calls: &[
            (Call::Provision(&SERVER_AUTH), Ok(())),
            (Call::Provision(&SERVER_AUTH), Ok(())),
        ],
        end: ConnState::Closed,
    },
    Case {
        name: "mutual TLS on a module holding a CA only: the client's certificate and key \
               uploaded, the CA not",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,2\r\n+GTSSLFILE: CAFILE,0\r\n+GTSSLFILE: KEYFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="CAFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE="KEYFILE",68\r
<< \r\n> 
>> -----BEGIN EC PRIVATE KEY-----\r\nMHcC\r\n-----END EC PRIVATE KEY-----\r\n
<< \r\nOK\r\n
"#,
        calls: &[(Call::Provision(&MUTUAL), Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "a firmware that refuses AT+GTSSLFILE?: every file uploaded, the query not asked \
               again",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\nERROR\r\n
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,1\r\n
"#,
        calls: &[
            (Call::Provision(&SERVER_AUTH), Ok(())),
            (Call::OpenTls(ONE, TlsParam::FLAG), Ok(())),
        ],
        end: ConnState::Open,
    },
    Case {
        name: "Upload::Always: no query, every file uploaded",
        script: r#"
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=1\r
<< \r\nOK\r\n
>> AT+GTSSLFILE="TRUSTFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE="CAFILE",59\r
<< \r\n> 
>> -----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n
<< \r\nOK\r\n
>> AT+GTSSLFILE="KEYFILE",68\r
<< \r\n> 
>> -----BEGIN EC PRIVATE KEY-----\r\nMHcC\r\n-----END EC PRIVATE KEY-----\r\n
<< \r\nOK\r\n
"#,
        calls: &[(Call::Provision(&MUTUAL_ALWAYS), Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "TLS without verification and without files",
        script: r#"
>> AT+GTSSLVER=4\r
<< \r\nOK\r\n
>> AT+GTSSLMODE=0\r
<< \r\nOK\r\n
"#,
        calls: &[(Call::Provision(&INSECURE), Ok(()))],
        end: ConnState::Closed,
    },
    Case {
        name: "a key given as the client certificate is refused before a byte is sent",
        script: "",
        calls: &[(
            Call::Provision(&KEY_AS_CERT),
            Err(Error::Invalid(EncodeError::Invalid {
                field: Field::ClientCert,
                rule: Rule::NotPem,
            })),
        )],
        end: ConnState::Closed,
    },
    Case {
        name: "a CA too short is refused before a byte is sent",
        script: "",
        calls: &[(
            Call::Provision(&SHORT),
            Err(Error::Invalid(EncodeError::Invalid {
                field: Field::TrustFile,
                rule: Rule::TooShort { min: 4 },
            })),
        )],
        end: ConnState::Closed,
    },
    Case {
        name: "a module that refuses the TLS version stops provisioning",
        script: r#"
>> AT+GTSSLFILE?\r
<< \r\n+GTSSLFILE: TRUSTFILE,0\r\n\r\nOK\r\n
>> AT+GTSSLVER=4\r
<< \r\nERROR\r\n
"#,
        calls: &[(
            Call::Provision(&SERVER_AUTH),
            Err(Error::Module(fibocom_mqtt::ModuleError::new(
                AtCommand::TlsVersion,
                None,
            ))),
        )],
        end: ConnState::Closed,
    },
    failed_ca_check!(
        "a TLS open the CA check fails, the module's clock plausible",
        r#"\r\n+CCLK: "25/12/05,09:48:45+32"\r\n\r\nOK\r\n"#,
        ClockCheck::Plausible
    ),
    failed_ca_check!(
        "a TLS open the CA check fails, the module's clock at its factory default (1980)",
        r#"\r\n+CCLK: "80/01/06,00:00:19+00"\r\n\r\nOK\r\n"#,
        ClockCheck::Implausible { year: 1980 }
    ),
    failed_ca_check!(
        "a TLS open the CA check fails, the module's clock in 2000",
        r#"\r\n+CCLK: "00/01/01,00:02:00"\r\n\r\nOK\r\n"#,
        ClockCheck::Implausible { year: 2000 }
    ),
    failed_ca_check!(
        "a TLS open the CA check fails, AT+CCLK? refused",
        r#"\r\nERROR\r\n"#,
        ClockCheck::Unknown
    ),
    failed_ca_check!(
        "a TLS open the CA check fails, AT+CCLK? answered with a garbled time",
        r#"\r\n+CCLK: "25/13/05,09:48:45+32"\r\n\r\nOK\r\n"#,
        ClockCheck::Unknown
    ),
    failed_tls_open!(
        "a TLS open whose handshake fails",
        "-8",
        Error::Tls(TlsErrorReason::Handshake(-8))
    ),
    failed_tls_open!(
        "a TLS open with an unusable file",
        "-19",
        Error::Tls(TlsErrorReason::Certificate(-19))
    ),
    failed_tls_open!(
        "a TLS open failing with another code",
        "-3",
        Error::Tls(TlsErrorReason::Other(-3))
    ),
    failed_tls_open!(
        "a TLS open that fails with no TLS failure (code 0)",
        "0",
        Error::Failed(AtCommand::Open)
    ),
    Case {
        name: "a TLS open that fails, and the module refuses AT+GTSSLERR?",
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+MQTTOPEN: 1,0\r\n
>> AT+GTSSLERR?\r
<< \r\nERROR\r\n
"#,
        calls: &[(
            Call::OpenTls(ONE, TlsParam::FLAG),
            Err(Error::Failed(AtCommand::Open)),
        )],
        end: ConnState::Closed,
    },
    Case {
        name: "a TLS open the broker refuses: no reason asked",
        script: r#"
>> AT+MQTTOPEN=1,"broker",8883,1,60,1\r
<< \r\nOK\r\n\r\n+CME ERROR: 703\r\n
>> AT\r
<< \r\nOK\r\n
"#,
        calls: &[
            (
                Call::OpenTls(ONE, TlsParam::FLAG),
                Err(Error::Refused(fibocom_mqtt::Refusal::BadCredentials)),
            ),
            (Call::Ping, Ok(())),
        ],
        end: ConnState::Closed,
    },
];

/// Runs `call` on the async driver.
async fn call_async<W: embedded_io_async::Write>(
    c: &fibocom_mqtt::asynch::Control<'_, W>,
    call: Call,
) -> Result<(), Error> {
    let broker = Broker::new("broker", 1883);
    match call {
        Call::Start => c.start().await,
        Call::Ping => c.ping().await,
        Call::User(id) => c.set_user(id, "u", "p", Some("dev")).await,
        Call::Open(id) => c.open(id, broker).await,
        Call::Close(id) => c.close(id).await,
        Call::Sub(id, t) => c.subscribe(id, t, QoS::AtLeastOnce).await,
        Call::Unsub(id, t) => c.unsubscribe(id, t).await,
        Call::Pub(id, t, p, q) => c.publish(id, t, p, q, false).await,
        Call::Attach => c.attach(None, None).await.map(|_| ()),
        Call::Detach => c.detach().await,
        Call::WillData(id, p) => {
            c.set_will_with(id, "w", QoS::AtLeastOnce, true, p, PayloadForm::Auto)
                .await
        }
        Call::Provision(setup) => c.provision_tls(setup).await,
        Call::OpenTls(id, tls) => c.open_tls(id, Broker::new("broker", 8883), tls).await,
    }
}

/// Runs `call` on the blocking driver.
fn call_blocking<P: embedded_io::Read + embedded_io::Write>(
    m: &mut Modem<P, 1536>,
    call: Call,
) -> Result<(), Error> {
    let broker = Broker::new("broker", 1883);
    match call {
        Call::Start => m.start(),
        Call::Ping => m.ping(),
        Call::User(id) => m.set_user(id, "u", "p", Some("dev")),
        Call::Open(id) => m.open(id, broker),
        Call::Close(id) => m.close(id),
        Call::Sub(id, t) => m.subscribe(id, t, QoS::AtLeastOnce),
        Call::Unsub(id, t) => m.unsubscribe(id, t),
        Call::Pub(id, t, p, q) => m.publish(id, t, p, q, false),
        Call::Attach => m.attach(None, None).map(|_| ()),
        Call::Detach => m.detach(),
        Call::WillData(id, p) => {
            m.set_will_with(id, "w", QoS::AtLeastOnce, true, p, PayloadForm::Auto)
        }
        Call::Provision(setup) => m.provision_tls(setup),
        Call::OpenTls(id, tls) => m.open_tls(id, Broker::new("broker", 8883), tls),
    }
}

fn expected(case: &Case) -> Vec<Result<(), Error>> {
    case.calls.iter().map(|(_, r)| *r).collect()
}

#[test]
fn every_transcript_through_the_async_driver() {
    for case in CASES {
        let (got, end) = run!(case.script, fast(), |c| {
            let mut got = Vec::new();
            for (call, _) in case.calls {
                got.push(call_async(c, *call).await);
            }
            (got, c.state(ONE))
        });
        assert_eq!(got, expected(case), "async: {}", case.name);
        assert_eq!(end, case.end, "async: {}", case.name);
    }
}

#[test]
fn every_transcript_through_the_blocking_driver() {
    for case in CASES {
        let s = fibocom_mqtt::scripted::Script::new(case.script);
        let (got, end) = {
            let mut m = Modem::<_, 1536>::new(s.port(), fast());
            let got: Vec<_> = case
                .calls
                .iter()
                .map(|(call, _)| call_blocking(&mut m, *call))
                .collect();
            (got, m.state(ONE))
        };
        if let Err(e) = s.finish() {
            panic!("blocking: {}: script not played exactly: {e}", case.name);
        }
        assert_eq!(got, expected(case), "blocking: {}", case.name);
        assert_eq!(end, case.end, "blocking: {}", case.name);
    }
}
