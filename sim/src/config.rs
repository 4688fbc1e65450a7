//! Configuration of the simulated module: the choices the vendor manual leaves open, made
//! selectable so that a driver can be tested against each variant seen in the field.

use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;
use crate::previous::PreviousRun;

/// What the module sends after `AT+MQTTPUB=...,<size>` before it reads the raw data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PromptStyle {
    /// `>\r\n`, as the manual describes (default).
    #[default]
    GtCrLf,
    /// `> ` with no line end, as some other Fibocom modules send.
    GtSpace,
    /// `\r\n> ` with no line end, as some other Fibocom modules send.
    CrLfGtSpace,
}

impl PromptStyle {
    /// The exact bytes of the prompt.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            PromptStyle::GtCrLf => b">\r\n",
            PromptStyle::GtSpace => b"> ",
            PromptStyle::CrLfGtSpace => b"\r\n> ",
        }
    }
}

/// Layout of the answer to `AT+MQTTREAD=<id>` when a message is waiting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReadLayout {
    /// `+MQTTREAD: <id>,<qos>,<tlen>,<plen>\r\n"<topic>","<payload>"\r\n\r\nOK\r\n` (the
    /// manual's layout, default).
    #[default]
    Manual,
    /// `+MQTTREAD: <id>,<qos>,<tlen>,<plen>,"<topic>","<payload>"\r\n\r\nOK\r\n` (one line, as
    /// one public driver expects).
    OneLine,
}

/// Form of an error result carrying a number (the MQTT refusals 700-704).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ErrorForm {
    /// `ERROR: <n>` (default; the manual's form).
    #[default]
    Plain,
    /// `+CME ERROR: <n>`.
    Cme,
}

impl ErrorForm {
    /// The text of the line (without framing) for error number `n`.
    pub fn line(self, n: u16) -> String {
        match self {
            ErrorForm::Plain => format!("ERROR: {n}"),
            ErrorForm::Cme => format!("+CME ERROR: {n}"),
        }
    }
}

/// When a broker refusal (CONNACK return code 1..5, reported as 700..704) is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RefusalTiming {
    /// `OK` comes at once; the error line comes later instead of `+MQTTOPEN: <id>,<status>`
    /// (default).
    #[default]
    AfterOk,
    /// The `AT+MQTTOPEN` command is held (no other command is processed) until the broker
    /// answers; then either the error line alone, or `OK` followed by the result line.
    BeforeOk,
}

/// How the module reports a connection that dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BreakReport {
    /// `+MQTTBREAK: <id>,<cause>`, as the manual describes (default).
    #[default]
    Break,
    /// `+MQTTLOSE: <id>, <cause>` (with its space, as seen from firmware that sends it), as a
    /// public G510 driver expects.
    Lose,
}

impl BreakReport {
    /// The text of the line (without framing) for client `id` and `cause`.
    pub fn line(self, id: u8, cause: u8, sep: &str) -> String {
        match self {
            BreakReport::Break => format!("+MQTTBREAK: {id}{sep}{cause}"),
            BreakReport::Lose => format!("+MQTTLOSE: {id}, {cause}"),
        }
    }
}

/// Everything a simulator is configured with. Build it with [`SimConfig::default`] and change
/// the public fields.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Broker (`host:port`) that every host *name* given to `AT+MQTTOPEN` stands for. A host
    /// given as an IPv4 dotted quad is connected to as given (so a test can aim at a precise
    /// address, including a closed port), and a name ending in `.invalid` fails like an unknown
    /// host. Default `127.0.0.1:1883`.
    pub broker: String,
    /// Broker (`host:port`) that a host name stands for when `AT+MQTTOPEN` asks for TLS;
    /// `None` (default): [`SimConfig::broker`]. A dotted quad is connected to as given, as for
    /// plain opens. The server's certificate is verified against the host as given to
    /// `AT+MQTTOPEN`, wherever the connection leads.
    pub tls_broker: Option<String>,
    /// Echo state at power-up (`true`, as on a real module).
    pub echo: bool,
    /// Data-mode prompt.
    pub prompt: PromptStyle,
    /// `AT+MQTTREAD` answer layout.
    pub read_layout: ReadLayout,
    /// Form of the 700-704 refusal lines.
    pub refusal_form: ErrorForm,
    /// Whether a refusal comes before or after `OK`.
    pub refusal_timing: RefusalTiming,
    /// How a dropped connection is reported (default `+MQTTBREAK`).
    pub break_report: BreakReport,
    /// Whether every line the module sends has a space after each comma between fields
    /// (`+MQTTMSG: 1, 0, "t", "p"`, `+MQTTREAD: 1, 0, 1, 1` then `"t", "p"`, `+MQTTPUB: 1, 1`),
    /// as some firmware sends them; payloads are never changed. Default `false`: no spaces, as
    /// in the manual.
    pub spaced: bool,
    /// Firmware older than manual V1.0.2 (default `false`): `AT+MQTTCONF` and `AT+MQTTREAD`
    /// do not exist (every form answers `ERROR`), so messages come only as `+MQTTMSG` (receive
    /// mode 0).
    pub old_firmware: bool,
    /// Whether `AT+MQTTWILL` takes the data form `AT+MQTTWILL=<id>,"<topic>",<qos>,<retain>,
    /// <size>` (prompt, then exactly `<size>` raw bytes, then `OK`), as a public G510 driver
    /// uses it. Default `true`; `false` is the manual's firmware, which answers `ERROR`.
    pub will_data: bool,
    /// Whether `+MQTTBREAK: <id>,<cause>` is followed by `+MQTTCLOSE: <id>,1` (default `true`).
    pub break_then_close: bool,
    /// How long data mode waits for all `<size>` bytes before answering `ERROR` (default 30 s).
    pub data_timeout: Duration,
    /// Simulated line rate in bit/s (about `baud / 10` bytes per second each way); `None`
    /// (default) for no limit.
    pub baud: Option<u32>,
    /// File that receives a timestamped transcript of the link, if any.
    pub transcript: Option<PathBuf>,
    /// IMEI, used as the MQTT client identifier when `AT+MQTTUSER` gives none.
    pub imei: String,
    /// Address handed out by `AT+MIPCALL=1` (default 10.2.83.148, the manual's example).
    pub ip: Ipv4Addr,
    /// Extra time result lines wait after the broker side has finished (default zero; can be
    /// changed at run time with [`crate::Simulator::set_result_delay`]).
    pub result_delay: Duration,
    /// Network round trip between the module and the broker (default zero): the broker's
    /// answers reach the module this much later for each exchange they take (a QoS 1 publish
    /// one, a QoS 2 publish two, a QoS 0 publish none; opening a connection two).
    pub broker_rtt: Duration,
    /// Time the simulated data call takes to come up after `AT+MIPCALL=1` (default 50 ms).
    pub call_setup: Duration,
    /// How many messages receive mode 1 keeps per client before it drops new ones (default 32).
    pub read_queue: usize,
    /// How long a partly received command line holds back unsolicited lines (default 2 s).
    /// Unsolicited lines wait while the host is in the middle of a command line, so that they
    /// never split an echo; after this much silence they go out anyway.
    pub partial_line_hold: Duration,
    /// When the module acknowledges a QoS 1 or 2 message to the broker: `false` (default) on
    /// receipt, as the broker side's MQTT client does by itself; `true` only once the message
    /// was handed to the host (read with `AT+MQTTREAD`, or sent as `+MQTTMSG`), so that a
    /// message the module held when it restarted or its connection dropped is delivered again
    /// by a broker that keeps the session (clean session 0). The unread messages of a
    /// connection that ended are then forgotten, as they can no longer be acknowledged (the
    /// broker sends them again).
    pub ack_on_read: bool,
    /// Manufacturer, model and revision reported by `ATI`, `AT+CGMI`, `AT+CGMM`, `AT+CGMR`.
    pub identity: [String; 3],
    /// Command lines this firmware does not have: every command line that starts with one of
    /// these prefixes (compared without regard to case, e.g. `AT+MQTTCLOSE?`) is answered
    /// `ERROR`, every time (default none). Unlike [`crate::Control::Refuse`], which refuses
    /// once.
    pub unsupported: Vec<String>,
    /// What the module's clock (`AT+CCLK?`, and the validity check of a server certificate
    /// over TLS) shows at start-up: the host's time by default, or a set time such as
    /// [`Clock::factory`] (`80/01/06,00:00:09+00`, a clock the network never set, with which
    /// every verified TLS open fails with `+GTSSLERR: -11`).
    pub clock: Clock,
    /// The state an earlier run left in the module (default: none, as after power-up): see
    /// [`PreviousRun`].
    pub previous: PreviousRun,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            broker: "127.0.0.1:1883".to_string(),
            tls_broker: None,
            echo: true,
            prompt: PromptStyle::default(),
            read_layout: ReadLayout::default(),
            refusal_form: ErrorForm::default(),
            refusal_timing: RefusalTiming::default(),
            break_report: BreakReport::default(),
            spaced: false,
            old_firmware: false,
            will_data: true,
            break_then_close: true,
            data_timeout: Duration::from_secs(30),
            baud: None,
            transcript: None,
            imei: "867698040123450".to_string(),
            ip: Ipv4Addr::new(10, 2, 83, 148),
            result_delay: Duration::ZERO,
            broker_rtt: Duration::ZERO,
            call_setup: Duration::from_millis(50),
            read_queue: 32,
            partial_line_hold: Duration::from_secs(2),
            ack_on_read: false,
            identity: [
                "Fibocom".to_string(),
                "NL668-EU".to_string(),
                "17000.1000.00.01.02.03".to_string(),
            ],
            unsupported: Vec::new(),
            clock: Clock::Real,
            previous: PreviousRun::default(),
        }
    }
}
