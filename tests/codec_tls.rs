//! TLS provisioning in the codec: exact bytes of every `AT+GTSSL*` command and of the TLS open,
//! the file sent from the caller's slice after the prompt, every limit refused before a byte is
//! written, and the answers parsed in any chunking.

use embassy_futures::block_on;
use fibocom_mqtt::codec::clock::{EARLIEST_PLAUSIBLE_YEAR, LATEST_PLAUSIBLE_YEAR};
use fibocom_mqtt::codec::tls::{is_certificate_pem, is_private_key_pem, MAX_FILE, MIN_FILE};
use fibocom_mqtt::codec::{
    parse, ClockCheck, Command, Decoded, Decoder, EncodeError, Field, Form, Item, LineEnd,
    ModuleTime, Parsed, Query, Rule, TlsCommand, TlsErrorReason, TlsFileKind, TlsParam, TlsVersion,
    WriteError,
};
use fibocom_mqtt::ClientId;

/// A blocking and async writer that appends to a `Vec`.
#[derive(Default)]
struct VecWriter(Vec<u8>);

impl embedded_io::ErrorType for VecWriter {
    type Error = core::convert::Infallible;
}

impl embedded_io::Write for VecWriter {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io_async::Write for VecWriter {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

/// The command line, by all three ways of writing it, which must agree.
fn encoded(cmd: &Command<'_>, end: LineEnd) -> Vec<u8> {
    let mut buf = vec![0u8; 512];
    let n = cmd.encode(&mut buf, end).expect("encodes");
    buf.truncate(n);
    assert_eq!(cmd.encoded_len(end), Ok(n));
    let mut w = VecWriter::default();
    cmd.write(&mut w, end).expect("writes");
    assert_eq!(w.0, buf, "blocking write");
    let mut a = VecWriter::default();
    block_on(cmd.write_async(&mut a, end)).expect("writes");
    assert_eq!(a.0, buf, "async write");
    buf
}

/// Asserts that `cmd` is refused with `field` breaking `rule`, and that nothing is written by
/// any of the three ways.
fn refused(cmd: Command<'_>, field: Field, rule: Rule) {
    let err = EncodeError::Invalid { field, rule };
    assert_eq!(cmd.validate(), Err(err));
    let mut buf = [0xAAu8; 64];
    assert_eq!(cmd.encode(&mut buf, LineEnd::Cr), Err(err));
    assert!(
        buf.iter().all(|&b| b == 0xAA),
        "encode wrote into the buffer"
    );
    let mut w = VecWriter::default();
    assert!(matches!(cmd.write(&mut w, LineEnd::Cr), Err(WriteError::Encode(e)) if e == err));
    assert!(w.0.is_empty(), "write wrote {:?}", w.0);
    let mut a = VecWriter::default();
    assert!(matches!(
        block_on(cmd.write_async(&mut a, LineEnd::Cr)),
        Err(WriteError::Encode(e)) if e == err
    ));
    assert!(a.0.is_empty(), "async write wrote {:?}", a.0);
}

const CERT: &[u8] =
    b"-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n";
const KEY: &[u8] =
    b"-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";

/// A certificate PEM of exactly `len` bytes (at least 60).
fn cert_of_len(len: usize) -> Vec<u8> {
    let head = b"-----BEGIN CERTIFICATE-----\n";
    let tail = b"\n-----END CERTIFICATE-----\n";
    let body = len - head.len() - tail.len();
    let mut v = head.to_vec();
    v.extend((0..body).map(|i| if i % 65 == 64 { b'\n' } else { b'A' }));
    v.extend_from_slice(tail);
    assert_eq!(v.len(), len);
    v
}

#[test]
fn tls_commands_exact_bytes() {
    let id = ClientId::One;
    let cases: Vec<(Command<'_>, &[u8])> = vec![
        (Command::TlsVersion(TlsVersion::Tls12), b"AT+GTSSLVER=4\r"),
        (
            Command::TlsVersion(TlsVersion::Other(3)),
            b"AT+GTSSLVER=3\r",
        ),
        (
            Command::TlsVersion(TlsVersion::Other(0)),
            b"AT+GTSSLVER=0\r",
        ),
        (
            Command::Tls(TlsCommand::Version, Form::Read),
            b"AT+GTSSLVER?\r",
        ),
        (
            Command::Tls(TlsCommand::Version, Form::Test),
            b"AT+GTSSLVER=?\r",
        ),
        (Command::TlsVerify(true), b"AT+GTSSLMODE=1\r"),
        (Command::TlsVerify(false), b"AT+GTSSLMODE=0\r"),
        (
            Command::Tls(TlsCommand::Mode, Form::Read),
            b"AT+GTSSLMODE?\r",
        ),
        (
            Command::Tls(TlsCommand::File, Form::Read),
            b"AT+GTSSLFILE?\r",
        ),
        (
            Command::Tls(TlsCommand::Error, Form::Read),
            b"AT+GTSSLERR?\r",
        ),
        (Command::Query(Query::Clock), b"AT+CCLK?\r"),
        (
            Command::TlsFile {
                kind: TlsFileKind::Trust,
                file: CERT,
            },
            b"AT+GTSSLFILE=\"TRUSTFILE\",78\r",
        ),
        (
            Command::TlsFile {
                kind: TlsFileKind::ClientCert,
                file: CERT,
            },
            b"AT+GTSSLFILE=\"CAFILE\",78\r",
        ),
        (
            Command::TlsFile {
                kind: TlsFileKind::ClientKey,
                file: KEY,
            },
            b"AT+GTSSLFILE=\"KEYFILE\",75\r",
        ),
        (
            Command::OpenTls {
                id,
                host: "broker.example",
                port: 8883,
                clean_session: true,
                keepalive: 60,
                tls: TlsParam::default(),
            },
            b"AT+MQTTOPEN=1,\"broker.example\",8883,1,60,1\r",
        ),
        (
            Command::OpenTls {
                id: ClientId::Two,
                host: "10.0.0.1",
                port: 1,
                clean_session: false,
                keepalive: 300,
                tls: TlsParam::L610,
            },
            b"AT+MQTTOPEN=2,\"10.0.0.1\",1,0,300,2\r",
        ),
        (
            Command::OpenTls {
                id,
                host: "h",
                port: 65535,
                clean_session: true,
                keepalive: 1,
                tls: TlsParam::new(9).unwrap(),
            },
            b"AT+MQTTOPEN=1,\"h\",65535,1,1,9\r",
        ),
    ];
    assert_eq!(CERT.len(), 78);
    assert_eq!(KEY.len(), 75);
    for (cmd, bytes) in cases {
        assert_eq!(
            encoded(&cmd, LineEnd::Cr),
            bytes,
            "{cmd:?}: {:?}",
            String::from_utf8_lossy(bytes)
        );
        let mut crlf = bytes.to_vec();
        crlf.push(b'\n');
        assert_eq!(encoded(&cmd, LineEnd::CrLf), crlf);
    }
}

#[test]
fn tls_param_values() {
    assert_eq!(TlsParam::default(), TlsParam::FLAG);
    assert_eq!(TlsParam::FLAG.value(), 1);
    assert_eq!(TlsParam::L610.value(), 2);
    assert_eq!(TlsParam::new(0), None);
    assert_eq!(TlsParam::new(10), None);
    assert_eq!(TlsParam::new(2), Some(TlsParam::L610));
    assert_eq!(TlsVersion::from_number(4), TlsVersion::Tls12);
    assert_eq!(TlsVersion::from_number(3), TlsVersion::Other(3));
    assert_eq!(TlsVersion::Tls12.number(), 4);
}

/// The file goes after the prompt from the caller's own slice (not copied), and only for the
/// file command.
#[test]
fn file_is_the_data_after_the_prompt() {
    for kind in TlsFileKind::ALL {
        let file = if kind == TlsFileKind::ClientKey {
            KEY
        } else {
            CERT
        };
        let cmd = Command::TlsFile { kind, file };
        let data = cmd.data_payload().expect("a file is sent after the prompt");
        assert!(
            std::ptr::eq(data, file),
            "the file must be lent, not copied"
        );
        // The line carries the length only, never the file.
        let line = encoded(&cmd, LineEnd::Cr);
        assert!(!line.windows(5).any(|w| w == b"-----"));
    }
    for cmd in [
        Command::TlsVerify(true),
        Command::TlsVersion(TlsVersion::Tls12),
        Command::Tls(TlsCommand::File, Form::Read),
        Command::OpenTls {
            id: ClientId::One,
            host: "h",
            port: 8883,
            clean_session: true,
            keepalive: 60,
            tls: TlsParam::FLAG,
        },
    ] {
        assert_eq!(cmd.data_payload(), None, "{cmd:?}");
    }
}

#[test]
fn file_length_bounds() {
    let max = cert_of_len(MAX_FILE);
    let cmd = Command::TlsFile {
        kind: TlsFileKind::Trust,
        file: &max,
    };
    assert_eq!(
        encoded(&cmd, LineEnd::Cr),
        b"AT+GTSSLFILE=\"TRUSTFILE\",8192\r"
    );
    let over = cert_of_len(MAX_FILE + 1);
    for (kind, field) in [
        (TlsFileKind::Trust, Field::TrustFile),
        (TlsFileKind::ClientCert, Field::ClientCert),
        (TlsFileKind::ClientKey, Field::ClientKey),
    ] {
        assert_eq!(field.bounds(), (MIN_FILE as u16, MAX_FILE as u16));
        refused(
            Command::TlsFile { kind, file: &over },
            field,
            Rule::TooLong { max: 8192 },
        );
        refused(
            Command::TlsFile { kind, file: b"---" },
            field,
            Rule::TooShort { min: 4 },
        );
        refused(
            Command::TlsFile { kind, file: b"" },
            field,
            Rule::TooShort { min: 4 },
        );
        // Four bytes pass the length check and fail the shape check.
        refused(
            Command::TlsFile {
                kind,
                file: b"----",
            },
            field,
            Rule::NotPem,
        );
    }
}

#[test]
fn file_shape_refusals() {
    let bare_base64: &[u8] = b"MIIBszCCAVmgAwIBAgIUUXl3cmVkdGVzdA==";
    let der: &[u8] = &[0x30, 0x82, 0x01, 0xb3, 0x30, 0x82, 0x01, 0x59];
    let encrypted: &[u8] =
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let truncated: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n";
    let mismatched: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END PRIVATE KEY-----\n";
    let cases: [(TlsFileKind, &[u8], Field); 10] = [
        (TlsFileKind::Trust, bare_base64, Field::TrustFile),
        (TlsFileKind::Trust, der, Field::TrustFile),
        (TlsFileKind::Trust, KEY, Field::TrustFile),
        (TlsFileKind::Trust, truncated, Field::TrustFile),
        (TlsFileKind::Trust, mismatched, Field::TrustFile),
        (TlsFileKind::ClientCert, KEY, Field::ClientCert),
        (TlsFileKind::ClientCert, bare_base64, Field::ClientCert),
        (TlsFileKind::ClientKey, CERT, Field::ClientKey),
        (TlsFileKind::ClientKey, encrypted, Field::ClientKey),
        (TlsFileKind::ClientKey, mismatched, Field::ClientKey),
    ];
    for (kind, file, field) in cases {
        assert!(
            !kind.accepts(file),
            "{kind:?} {:?}",
            String::from_utf8_lossy(file)
        );
        refused(Command::TlsFile { kind, file }, field, Rule::NotPem);
    }
    // Every key label the module takes, and a CA bundle.
    for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
        let key = format!("-----BEGIN {label}-----\nMIIE\n-----END {label}-----\n");
        assert!(is_private_key_pem(key.as_bytes()), "{label}");
        assert!(!is_certificate_pem(key.as_bytes()), "{label}");
    }
    let bundle = [CERT, CERT].concat();
    assert!(TlsFileKind::Trust.accepts(&bundle));
    let shown = EncodeError::Invalid {
        field: Field::ClientKey,
        rule: Rule::NotPem,
    }
    .to_string();
    assert!(shown.starts_with("ClientKey: not PEM"), "{shown}");
}

#[test]
fn open_tls_limits_are_opens() {
    let open = |host, port, keepalive| Command::OpenTls {
        id: ClientId::One,
        host,
        port,
        clean_session: true,
        keepalive,
        tls: TlsParam::FLAG,
    };
    refused(open("", 8883, 60), Field::Host, Rule::TooShort { min: 1 });
    refused(
        open("h", 0, 60),
        Field::Port,
        Rule::OutOfRange { min: 1, max: 65535 },
    );
    refused(
        open("h", 8883, 301),
        Field::Keepalive,
        Rule::OutOfRange { min: 1, max: 300 },
    );
    refused(
        open("a\"b", 8883, 60),
        Field::Host,
        Rule::ForbiddenByte { byte: b'"', at: 1 },
    );
}

// ---------------------------------------------------------------------------------------------
// Answers

/// Every answer form, with the item it parses to.
fn answers() -> Vec<(&'static [u8], Item<'static>)> {
    let tls: Vec<(&'static [u8], Item<'static>)> = vec![
        (b"+GTSSLVER: 4", Item::TlsVersion(TlsVersion::Tls12)),
        (b"+GTSSLVER:4", Item::TlsVersion(TlsVersion::Tls12)),
        (b"+GTSSLVER: 0", Item::TlsVersion(TlsVersion::Other(0))),
        (b"+GTSSLVER:  3 ", Item::TlsVersion(TlsVersion::Other(3))),
        (b"+GTSSLMODE: 1", Item::TlsVerify(true)),
        (b"+GTSSLMODE:0", Item::TlsVerify(false)),
        (
            b"+GTSSLFILE: TRUSTFILE,0",
            Item::TlsFiles {
                kind: TlsFileKind::Trust,
                count: 0,
            },
        ),
        (
            b"+GTSSLFILE: TRUSTFILE, 2",
            Item::TlsFiles {
                kind: TlsFileKind::Trust,
                count: 2,
            },
        ),
        (
            b"+GTSSLFILE:CAFILE ,1",
            Item::TlsFiles {
                kind: TlsFileKind::ClientCert,
                count: 1,
            },
        ),
        (
            b"+GTSSLFILE: \"KEYFILE\", 1",
            Item::TlsFiles {
                kind: TlsFileKind::ClientKey,
                count: 1,
            },
        ),
        (
            b"+GTSSLFILE: keyfile,65535",
            Item::TlsFiles {
                kind: TlsFileKind::ClientKey,
                count: 65535,
            },
        ),
        // The codec alone never read the clock.
        (
            b"+GTSSLERR: -11",
            Item::TlsError(TlsErrorReason::CaOrClock(ClockCheck::Unknown)),
        ),
        (
            b"+GTSSLERR:-8",
            Item::TlsError(TlsErrorReason::Handshake(-8)),
        ),
        (
            b"+GTSSLERR: -20 ",
            Item::TlsError(TlsErrorReason::Handshake(-20)),
        ),
        (
            b"+GTSSLERR: -19",
            Item::TlsError(TlsErrorReason::Certificate(-19)),
        ),
        (b"+GTSSLERR: 0", Item::TlsError(TlsErrorReason::Other(0))),
        (b"+GTSSLERR: -3", Item::TlsError(TlsErrorReason::Other(-3))),
        // Test-form answers are left as lines for the caller to read.
        (b"+GTSSLVER: (0-4)", Item::Line(b"+GTSSLVER: (0-4)")),
        (
            b"+GTSSLFILE: (\"TRUSTFILE\",\"CAFILE\",\"KEYFILE\"),(4-8192)",
            Item::Line(b"+GTSSLFILE: (\"TRUSTFILE\",\"CAFILE\",\"KEYFILE\"),(4-8192)"),
        ),
        // Fields that do not parse are reported, never trusted.
        (b"+GTSSLVER: 256", Item::Malformed(b"+GTSSLVER: 256")),
        (b"+GTSSLVER: x", Item::Malformed(b"+GTSSLVER: x")),
        (b"+GTSSLMODE: 2", Item::Malformed(b"+GTSSLMODE: 2")),
        (
            b"+GTSSLFILE: CRLFILE,1",
            Item::Malformed(b"+GTSSLFILE: CRLFILE,1"),
        ),
        (
            b"+GTSSLFILE: TRUSTFILE",
            Item::Malformed(b"+GTSSLFILE: TRUSTFILE"),
        ),
        (
            b"+GTSSLFILE: TRUSTFILE,1,2",
            Item::Malformed(b"+GTSSLFILE: TRUSTFILE,1,2"),
        ),
        (
            b"+GTSSLFILE: \"TRUSTFILE,1",
            Item::Malformed(b"+GTSSLFILE: \"TRUSTFILE,1"),
        ),
        (b"+GTSSLERR: - 11", Item::Malformed(b"+GTSSLERR: - 11")),
        (b"+GTSSLERR: -11,2", Item::Malformed(b"+GTSSLERR: -11,2")),
        (b"+GTSSLERR:", Item::Malformed(b"+GTSSLERR:")),
        // Not one of the four names.
        (b"+GTSSLCIPHER: 1", Item::Line(b"+GTSSLCIPHER: 1")),
    ];
    tls.into_iter()
        .chain(clock_answers().into_iter().map(|(line, time)| {
            let item = match time {
                Some(t) => Item::Clock(t),
                None => Item::Malformed(line),
            };
            (line, item)
        }))
        .collect()
}

/// A time `+CCLK:` reports.
const fn time(year: u16, month: u8, day: u8, hms: (u8, u8, u8), zone: Option<i8>) -> ModuleTime {
    ModuleTime {
        year,
        month,
        day,
        hour: hms.0,
        minute: hms.1,
        second: hms.2,
        zone,
    }
}

/// `+CCLK:` lines and the time each says (`None`: it does not parse).
fn clock_answers() -> Vec<(&'static [u8], Option<ModuleTime>)> {
    vec![
        (
            b"+CCLK: \"25/12/05,09:48:45+32\"",
            Some(time(2025, 12, 5, (9, 48, 45), Some(32))),
        ),
        (
            b"+CCLK: \"24/02/29,23:59:59-20\"",
            Some(time(2024, 2, 29, (23, 59, 59), Some(-20))),
        ),
        // Factory defaults, two-digit years from 70 on are 19yy.
        (
            b"+CCLK: \"80/01/06,00:00:19+00\"",
            Some(time(1980, 1, 6, (0, 0, 19), Some(0))),
        ),
        (
            b"+CCLK: \"00/01/01,00:00:00\"",
            Some(time(2000, 1, 1, (0, 0, 0), None)),
        ),
        (
            b"+CCLK: \"69/12/31,23:59:59+96\"",
            Some(time(2069, 12, 31, (23, 59, 59), Some(96))),
        ),
        (
            b"+CCLK: \"70/01/01,00:00:00-96\"",
            Some(time(1970, 1, 1, (0, 0, 0), Some(-96))),
        ),
        // Firmware variations: no quotes, a space after the comma, no space after the colon,
        // a four-digit year, one-digit fields.
        (
            b"+CCLK: 25/12/05,09:48:45+08",
            Some(time(2025, 12, 5, (9, 48, 45), Some(8))),
        ),
        (
            b"+CCLK:\"25/12/05, 09:48:45\" ",
            Some(time(2025, 12, 5, (9, 48, 45), None)),
        ),
        (
            b"+CCLK: \"2031/1/2,3:4:5+1\"",
            Some(time(2031, 1, 2, (3, 4, 5), Some(1))),
        ),
        // Out of range or not a time: reported, never trusted.
        (b"+CCLK: \"25/13/05,09:48:45+32\"", None),
        (b"+CCLK: \"25/12/00,09:48:45+32\"", None),
        (b"+CCLK: \"25/12/32,09:48:45+32\"", None),
        (b"+CCLK: \"25/12/05,24:00:00+32\"", None),
        (b"+CCLK: \"25/12/05,09:60:00+32\"", None),
        (b"+CCLK: \"25/12/05,09:48:60+32\"", None),
        (b"+CCLK: \"25/12/05,09:48:45+97\"", None),
        (b"+CCLK: \"25/12/05,09:48:45+\"", None),
        (b"+CCLK: \"125/12/05,09:48:45\"", None),
        (b"+CCLK: \"5/12/05,09:48:45\"", None),
        (b"+CCLK: \"25/12/05,09:48:45+32", None),
        (b"+CCLK: 25/12/05,09:48:45+32\"", None),
        (b"+CCLK: \"25/12/05,09:48:45+32\",1", None),
        (b"+CCLK: \"25/12/05 09:48:45\"", None),
        (b"+CCLK: \"25-12-05,09:48:45\"", None),
        (b"+CCLK: \"\"", None),
        (b"+CCLK:", None),
    ]
}

/// What each answer says of the clock: plausible from 2025 to 2099.
#[test]
fn clock_plausibility_table() {
    let cases: [(&[u8], ClockCheck); 6] = [
        (b"+CCLK: \"25/01/01,00:00:00+00\"", ClockCheck::Plausible),
        (b"+CCLK: \"2099/12/31,23:59:59\"", ClockCheck::Plausible),
        (
            b"+CCLK: \"24/12/31,23:59:59+00\"",
            ClockCheck::Implausible { year: 2024 },
        ),
        (
            b"+CCLK: \"80/01/06,00:00:19+00\"",
            ClockCheck::Implausible { year: 1980 },
        ),
        (
            b"+CCLK: \"00/01/01,00:00:00\"",
            ClockCheck::Implausible { year: 2000 },
        ),
        (
            b"+CCLK: \"2100/01/01,00:00:00\"",
            ClockCheck::Implausible { year: 2100 },
        ),
    ];
    assert_eq!(EARLIEST_PLAUSIBLE_YEAR, 2025);
    assert_eq!(LATEST_PLAUSIBLE_YEAR, 2099);
    for (line, check) in cases {
        let input = [line, b"\r\n"].concat();
        let Parsed::Item(Item::Clock(t), _) = parse(&input) else {
            panic!("{:?} does not parse", String::from_utf8_lossy(line));
        };
        assert_eq!(t.check(), check, "{:?}", String::from_utf8_lossy(line));
        assert_eq!(t.is_plausible(), check == ClockCheck::Plausible);
        assert_eq!(ClockCheck::from_time(Some(t)), check);
    }
    assert_eq!(ClockCheck::from_time(None), ClockCheck::Unknown);
}

#[test]
fn answer_table() {
    for (line, item) in answers() {
        for end in [&b"\r\n"[..], b"\r", b"\n"] {
            let input = [line, end].concat();
            assert_eq!(
                parse(&input),
                Parsed::Item(item, line.len() + 1),
                "{:?}",
                String::from_utf8_lossy(&input)
            );
        }
        // Framed as the module frames it, with noise before.
        let input = [&b"\r\n\0"[..], line, b"\r\n"].concat();
        assert_eq!(parse(&input), Parsed::Item(item, line.len() + 4));
        // Not ended yet: incomplete, whatever it is.
        assert!(matches!(parse(line), Parsed::Incomplete { .. }));
    }
}

/// The answer of `AT+GTSSLFILE?` and friends, as the module sends it, parsed the same in any
/// chunking and buffer size that holds a line.
#[test]
fn answers_split_anywhere() {
    let mut stream = b"AT+GTSSLFILE?\r".to_vec();
    let mut expected = vec![format!("{:?}", Item::Echo(b"AT+GTSSLFILE?"))];
    for (line, item) in answers() {
        stream.extend_from_slice(b"\r\n");
        stream.extend_from_slice(line);
        stream.extend_from_slice(b"\r\n");
        expected.push(format!("{item:?}"));
    }
    stream.extend_from_slice(b"\r\nOK\r\n> ");
    expected.push(format!("{:?}", Item::Ok));
    expected.push(format!("{:?}", Item::Prompt));
    for capacity in [128, 4096] {
        for chunk in 1..=stream.len() {
            let mut buf: Vec<u8> = Vec::new();
            let mut got = Vec::new();
            let mut decoder = Decoder::new();
            for piece in stream.chunks(chunk) {
                buf.extend_from_slice(piece);
                loop {
                    let d = decoder.decode(&buf, capacity);
                    let n = d.consumed();
                    match d {
                        Decoded::Incomplete => break,
                        Decoded::Item(item, _) => got.push(format!("{item:?}")),
                        // Noise between lines.
                        Decoded::Skipped { .. } => {}
                        Decoded::Overflow { .. } => panic!("overflow with chunk {chunk}"),
                    }
                    buf.drain(..n);
                }
            }
            assert_eq!(got, expected, "chunk {chunk}, capacity {capacity}");
        }
    }
}

/// The clock fits beside the code: the reason stays 4 bytes, so that the driver's `Error`
/// stays two registers wide on 32-bit targets (asserted at compile time there).
#[test]
fn the_reason_stays_small() {
    assert_eq!(core::mem::size_of::<ClockCheck>(), 4);
    assert_eq!(core::mem::size_of::<TlsErrorReason>(), 4);
}
