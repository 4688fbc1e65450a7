//! The command line: mosquitto_pub / mosquitto_sub option names, plus the device options.

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

/// Publish, subscribe and diagnose through a Fibocom module's MQTT AT commands.
#[derive(Debug, Parser)]
#[command(
    name = "fibocom-mqtt",
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

/// The serial device, the module's data call and the AT trace.
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
    /// Which of the module's two MQTT clients to use.
    #[arg(long = "modem-client", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2), value_name = "1|2", global = true)]
    pub modem_client: u8,
    /// Dial the data call with this APN (default: use the call that is up, or dial one with
    /// the module's default APN).
    #[arg(long, value_name = "NAME", global = true)]
    pub apn: Option<String>,
    /// User name for the APN.
    #[arg(
        long = "apn-user",
        value_name = "USER",
        requires = "apn",
        global = true
    )]
    pub apn_user: Option<String>,
    /// Password for the APN.
    #[arg(
        long = "apn-pass",
        value_name = "PASS",
        requires = "apn",
        global = true
    )]
    pub apn_pass: Option<String>,
    /// Print every AT line sent and received to stderr, with a timestamp.
    #[arg(long = "at-trace", global = true)]
    pub at_trace: bool,
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
    /// Broker port.
    #[arg(short = 'p', long = "port", default_value_t = 1883, value_name = "PORT", value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
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
    /// Payload of the will message (printable ASCII without '"').
    #[arg(long = "will-payload", requires = "will_topic", value_name = "TEXT")]
    pub will_payload: Option<String>,
    /// QoS of the will message.
    #[arg(long = "will-qos", default_value_t = 0, value_name = "QOS", value_parser = clap::value_parser!(u8).range(0..=2), requires = "will_topic")]
    pub will_qos: u8,
    /// Retain the will message.
    #[arg(long = "will-retain", requires = "will_topic")]
    pub will_retain: bool,
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
    /// The broker connection.
    #[command(flatten)]
    pub broker: BrokerArgs,
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
    /// Print the topic before each payload.
    #[arg(short = 'v', long = "verbose")]
    pub verbose: bool,
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
}

/// `at`.
#[derive(Debug, Args)]
pub struct AtArgs {
    /// The command line, such as 'AT+CSQ' (the leading AT may be left out).
    #[arg(value_name = "COMMAND")]
    pub command: String,
    /// How long the module may take to answer, in seconds.
    #[arg(short = 'T', long = "timeout", default_value_t = 10, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}
