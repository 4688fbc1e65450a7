//! Simulator of a Fibocom cellular module's MQTT AT interface (NL668 / M910 / NL661), backed
//! by a real MQTT 3.1.1 broker.
//!
//! The simulator plays the module's side of the AT protocol over a pseudo-terminal, a TCP
//! listener or stdin/stdout, as the vendor manual ("FIBOCOM AT Commands User Manual, MQTT",
//! V1.2.6) and the project's `docs/protocol.md` describe it, and relays every MQTT client of the
//! module to a broker. Faults (broker drop, data call drop, registration loss, injected lines
//! and noise, delayed results, reboot) can be caused at any time. It can also start in the state
//! an earlier run of the host left in the module ([`PreviousRun`]: data call up, clients still
//! connected at their broker, messages never read, TLS files, echo and receive mode), with
//! commands its firmware lacks ([`SimConfig::unsupported`]) and its clock where it stands
//! ([`SimConfig::clock`]).
//!
//! ```no_run
//! use fibocom_sim::{Link, SimConfig, Simulator};
//!
//! let broker = fibocom_sim::broker::Broker::start(Default::default()).unwrap();
//! let config = SimConfig { broker: broker.addr().to_string(), ..SimConfig::default() };
//! let sim = Simulator::start(config, Link::Tcp("127.0.0.1:0".parse().unwrap())).unwrap();
//! println!("serial link on {}", sim.tcp_addr().unwrap());
//! ```
//!
//! Choices the manual leaves open, and this simulator's answers:
//! - the echo of a command line is the line as received followed by `\r`; bytes before the
//!   `A` of `AT` are dropped unseen, a line not starting with `AT` gets no answer, LF is ignored;
//! - multi-line answers are one block: `\r\n<line>\r\n<line>\r\n` then `\r\nOK\r\n`;
//! - unsolicited and result lines never split an echo or an answer: they wait while a command
//!   line is partly received (see [`SimConfig::partial_line_hold`]) or a data publish is reading;
//! - `AT+MQTTCLOSE` is accepted while connecting or connected; `AT+MIPCALL=0` without a call
//!   answers `ERROR`; a module client with no ClientIDStr connects with the IMEI, so two such
//!   clients take each other's session over at the broker, as on a real module.

#![warn(missing_docs)]

pub mod at;
pub mod broker;
pub mod clock;
pub mod config;
pub mod faults;
pub mod link;
pub mod module;
pub mod mqtt_side;
pub mod previous;
mod sim;
mod tls_client;

// The README's Rust block, run as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
pub mod transcript;

pub use clock::{Clock, ModuleTime};
pub use config::{BreakReport, ErrorForm, PromptStyle, ReadLayout, RefusalTiming, SimConfig};
pub use faults::Control;
pub use link::Link;
pub use previous::{LeftClient, PreviousRun, Waiting};
pub use sim::Simulator;

/// The README's Rust snippets, compiled as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeSnippets;
