//! The command line: mosquitto_pub / mosquitto_sub option names, plus the device options.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// Publish, subscribe and diagnose through a Fibocom module's MQTT AT commands.
#[derive(Debug, Parser)]
#[command(
    name = "fibocom-mqtt",
    version,
    disable_help_flag = true,
    disable_help_subcommand = true,
    after_help = "The device is a serial port (-D /dev/ttyUSB2) or a TCP link to one \
                  (-D tcp://HOST:PORT, as ser2net or QEMU serve it).\n\
                  Run `fibocom-mqtt <command> --help` for the options of a command."
)]
pub struct Cli {
    /// Options of the serial device and the module.
    #[command(flatten)]
    pub device: DeviceArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
    /// Print help.
    #[arg(long, action = ArgAction::Help, global = true)]
    pub help: Option<bool>,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Publish a message (like mosquitto_pub).
    #[command(disable_help_flag = true)]
    Pub(PubArgs),
    /// Subscribe and print the messages that arrive (like mosquitto_sub).
    #[command(disable_help_flag = true)]
    Sub(SubArgs),
    /// Send one AT command and print the module's answer lines.
    #[command(disable_help_flag = true)]
    At(AtArgs),
    /// Show the module's identity, SIM, signal, registration, operator, data call and free
    /// MQTT clients.
    #[command(disable_help_flag = true)]
    Info,
}

/// The serial device and the AT trace: options of every command.
#[derive(Debug, Args)]
#[command(next_help_heading = "Device")]
pub struct DeviceArgs {
    /// Serial device (a tty or pty path) or tcp://HOST:PORT.
    #[arg(
        short = 'D',
        long = "device",
        env = "FIBOCOM_DEVICE",
        value_name = "PATH",
        global = true
    )]
    pub device: Option<String>,
    /// Line rate of a serial device (ignored for a pseudo-terminal or TCP).
    #[arg(long, default_value_t = 115_200, value_name = "N", global = true)]
    pub baud: u32,
    /// Debug: print every AT line sent and received to stderr, with a timestamp.
    #[arg(short = 'd', long = "debug", visible_alias = "at-trace", global = true)]
    pub at_trace: bool,
}

/// The module's side of a connection: which of its clients, and its data call (`pub`, `sub`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Module")]
pub struct ModemArgs {
    /// Which of the module's two MQTT clients to use.
    #[arg(long = "modem-client", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2), value_name = "1|2")]
    pub modem_client: u8,
    /// Dial the data call with this APN (default: use the call that is up, or dial one with
    /// the module's default APN).
    #[arg(long, value_name = "NAME")]
    pub apn: Option<String>,
    /// User name for the APN.
    #[arg(long = "apn-user", value_name = "USER", requires = "apn")]
    pub apn_user: Option<String>,
    /// Password for the APN.
    #[arg(long = "apn-pass", value_name = "PASS", requires = "apn")]
    pub apn_pass: Option<String>,
}

/// The broker connection (mosquitto's names).
#[derive(Debug, Args)]
#[command(next_help_heading = "Broker")]
pub struct BrokerArgs {
    /// Broker host name or IPv4 address.
    #[arg(
        short = 'h',
        long = "host",
        default_value = "localhost",
        value_name = "HOST"
    )]
    pub host: String,
    /// Broker port (default 1883, or 8883 with TLS).
    #[arg(short = 'p', long = "port", value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: Option<u16>,
    /// User name.
    #[arg(short = 'u', long = "username", value_name = "USER")]
    pub user: Option<String>,
    /// Password.
    #[arg(short = 'P', long = "pw", value_name = "PASSWORD")]
    pub password: Option<String>,
    /// MQTT client identifier (1-23 bytes; default fibocom-mqtt-PID).
    #[arg(short = 'i', long = "id", value_name = "ID")]
    pub id: Option<String>,
    /// Keepalive in seconds (1-300).
    #[arg(short = 'k', long = "keepalive", default_value_t = 60, value_name = "SECONDS", value_parser = clap::value_parser!(u16).range(1..=300))]
    pub keepalive: u16,
    /// Disable the clean session flag (needs -i).
    #[arg(short = 'c', long = "disable-clean-session", requires = "id")]
    pub no_clean: bool,
    /// Quality of service: 0, 1 or 2.
    #[arg(short = 'q', long = "qos", default_value_t = 0, value_name = "QOS", value_parser = clap::value_parser!(u8).range(0..=2))]
    pub qos: u8,
    /// Topic of the will message.
    #[arg(long = "will-topic", value_name = "TOPIC")]
    pub will_topic: Option<String>,
    /// Payload of the will message. Printable ASCII without '"' goes as quoted text, which
    /// every module takes; anything else in the data form (the length, the prompt, the bytes),
    /// which some firmware refuses ("setting the will: AT+MQTTWILL answered ERROR").
    #[arg(long = "will-payload", requires = "will_topic", value_name = "TEXT")]
    pub will_payload: Option<String>,
    /// QoS of the will message.
    #[arg(long = "will-qos", default_value_t = 0, value_name = "QOS", value_parser = clap::value_parser!(u8).range(0..=2), requires = "will_topic")]
    pub will_qos: u8,
    /// Retain the will message.
    #[arg(long = "will-retain", requires = "will_topic")]
    pub will_retain: bool,
    /// MQTT over TLS.
    #[command(flatten)]
    pub tls: TlsArgs,
    /// A cloud's profile (`--cloud`), which fills the options above in.
    #[command(flatten)]
    pub cloud: crate::cloud::CloudArgs,
}

impl BrokerArgs {
    /// The port: `--port`, or 8883 with TLS and 1883 without.
    pub fn port(&self) -> u16 {
        match self.port {
            Some(p) => p,
            None if self.tls.wanted() => 8883,
            None => 1883,
        }
    }
}

/// MQTT over TLS (mosquitto's option names): any of these asks for TLS. The module does the
/// TLS itself; the files are uploaded to it (`AT+GTSSLFILE`) before the connection is opened.
#[derive(Debug, Args)]
#[command(next_help_heading = "TLS (any of these connects over TLS)")]
pub struct TlsArgs {
    /// The CA certificate (PEM) that verifies the broker's certificate.
    #[arg(long = "cafile", value_name = "FILE")]
    pub cafile: Option<PathBuf>,
    /// The client's certificate (PEM), for brokers that require one; needs --key.
    #[arg(long = "cert", value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,
    /// The client's private key (PEM, unencrypted); needs --cert.
    #[arg(long = "key", value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
    /// Do not verify the broker's certificate (AT+GTSSLMODE=0): the connection is encrypted,
    /// but anyone can pose as the broker. For tests only.
    #[arg(long = "insecure")]
    pub insecure: bool,
    /// TLS version: tlsv1.2 (the module's 4), or the module's own AT+GTSSLVER number (0-9, see
    /// `fibocom-mqtt at AT+GTSSLVER=?`).
    #[arg(long = "tls-version", value_name = "VERSION")]
    pub tls_version: Option<String>,
    /// The TLS value of AT+MQTTOPEN for this module family: 1 (default, the G510 and the
    /// shared AT set) or 2 (the L610).
    #[arg(long = "tls-param", value_name = "N", value_parser = clap::value_parser!(u8).range(1..=9))]
    pub tls_param: Option<u8>,
}

impl TlsArgs {
    /// Whether any TLS option was given.
    pub fn wanted(&self) -> bool {
        self.cafile.is_some()
            || self.cert.is_some()
            || self.key.is_some()
            || self.insecure
            || self.tls_version.is_some()
            || self.tls_param.is_some()
    }
}

/// `pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    /// Topic to publish on.
    #[arg(short = 't', long = "topic", required = true, value_name = "TOPIC")]
    pub topic: String,
    /// Retain the message.
    #[arg(short = 'r', long = "retain")]
    pub retain: bool,
    /// Keep trying until the module confirmed every message: through breaks, a lost data call
    /// or registration, and module restarts, connecting again with back-off (needs -q 1 or 2).
    #[arg(long)]
    pub retry: bool,
    /// The broker connection.
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// The module's client and data call.
    #[command(flatten)]
    pub modem: ModemArgs,
    /// Where the message comes from.
    #[command(flatten)]
    pub source: Source,
}

/// Exactly one message source.
#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
#[command(next_help_heading = "Message (one of)")]
pub struct Source {
    /// The message.
    #[arg(short = 'm', long = "message", value_name = "MESSAGE")]
    pub message: Option<String>,
    /// Send the contents of a file as the message (any bytes).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Read all of stdin and send it as one message.
    #[arg(short = 's', long = "stdin-file")]
    pub stdin_all: bool,
    /// Read stdin and send one message per line.
    #[arg(short = 'l', long = "stdin-line")]
    pub stdin_lines: bool,
    /// Send an empty message.
    #[arg(short = 'n', long = "null-message")]
    pub null: bool,
}

/// `sub`.
#[derive(Debug, Args)]
pub struct SubArgs {
    /// Topic filter to subscribe to (repeatable).
    #[arg(short = 't', long = "topic", required = true, value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Print the topic before each payload (an empty payload prints as `TOPIC (null)`).
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
    /// Do not add a newline after each message.
    #[arg(short = 'N')]
    pub no_eol: bool,
    /// Do not print stale retained messages. The module does not say whether a message was
    /// retained: those that arrive within 1 s of the module confirming the subscriptions
    /// (when a broker sends its retained messages) are taken for retained and skipped, and do
    /// not count for -C. A live message in that second is skipped too.
    #[arg(short = 'R')]
    pub no_retained: bool,
    /// Print each message in this format, as mosquitto_sub does: %t topic, %p payload,
    /// %x payload in hex, %q QoS, %r retained (1 within 1 s of subscribing, see -R), %l payload
    /// length, %I ISO 8601 time (UTC), %U Unix time with nanoseconds, %j JSON, %% a percent
    /// sign; \n newline, \t tab, \\ backslash. A newline follows unless -N.
    #[arg(short = 'F', value_name = "FORMAT", conflicts_with = "verbose")]
    pub format: Option<String>,
    /// Exit after this many messages.
    #[arg(short = 'C', value_name = "COUNT", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Exit (with an error) after this many seconds without a message.
    #[arg(short = 'W', value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub wait: Option<u64>,
    /// When the connection drops, open it again and subscribe again instead of exiting.
    #[arg(long)]
    pub reconnect: bool,
    /// The broker connection.
    #[command(flatten)]
    pub broker: BrokerArgs,
    /// The module's client and data call.
    #[command(flatten)]
    pub modem: ModemArgs,
}

/// `at`.
#[derive(Debug, Args)]
pub struct AtArgs {
    /// The command line, such as 'AT+CSQ'. The leading AT may be left out, and so may the '+'
    /// of an extended command: a command that starts with two letters other than 'D' (dial)
    /// gets one, so 'CSQ', '+CSQ' and 'AT+CSQ' all send AT+CSQ, while 'I' or 'E0' send ATI or
    /// ATE0.
    #[arg(value_name = "COMMAND")]
    pub command: String,
    /// How long the module may take to answer, in seconds.
    #[arg(short = 'T', long = "timeout", default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}
