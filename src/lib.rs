//! A `no_std`, allocation-free driver for the MQTT client built into Fibocom NL668 / M910 /
//! NL661 cellular modules, over their AT commands (`+MQTTUSER`, `+MQTTOPEN`, `+MQTTSUB`,
//! `+MQTTPUB`, ... and the unsolicited `+MQTTMSG`, `+MQTTMSGI`, `+MQTTBREAK`), on any
//! `embedded-io` / `embedded-io-async` serial port.
//!
//! # Layers
//!
//! - [`codec`]: typed commands that check every limit before a byte is written and encode
//!   themselves piece by piece, and a streaming nom parser for what the module sends. Sans-IO.
//! - [`proto`]: the protocol core, sans-IO: the whole exchange with the module. Operations are
//!   started on it; it says what to write (a command line, a data payload, the filler after a
//!   cancelled one) and until when to wait, it is fed what the module sends and the time, and
//!   it says what became of each operation. The two module clients' state machines (Closed,
//!   Opening, Open, Closing), the one command on the AT channel, and the matching of every
//!   answer, result line and unsolicited line to whoever it belongs to live here, once.
//! - [`asynch`] and [`blocking`]: thin drivers that only move bytes and time between the port
//!   and the core.
//!
//! "Client" always means one of the module's two MQTT clients ([`ClientId`]); the driver's
//! handle is [`asynch::Control`] (async) or [`blocking::Modem`] (blocking).
//!
//! # Async, in the embassy style
//!
//! A [`State`] the application keeps (in a static), a [`Runner`](asynch::Runner)
//! that owns the receive half of the port and runs in its own task, and a
//! [`Control`](asynch::Control) whose `&self` methods any task on the same executor may call.
//!
//! ```no_run
//! use embassy_executor::Spawner;
//! use fibocom_mqtt::asynch::{self, Control, Runner};
//! use fibocom_mqtt::{Broker, ClientId, Config, Event, QoS, State};
//! use static_cell::StaticCell;
//! # mod board {
//! #     pub struct UartRx;
//! #     pub struct UartTx;
//! #     impl embedded_io_async::ErrorType for UartRx { type Error = core::convert::Infallible; }
//! #     impl embedded_io_async::ErrorType for UartTx { type Error = core::convert::Infallible; }
//! #     impl embedded_io_async::Read for UartRx {
//! #         async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> { core::future::pending().await }
//! #     }
//! #     impl embedded_io_async::Write for UartTx {
//! #         async fn write(&mut self, b: &[u8]) -> Result<usize, Self::Error> { Ok(b.len()) }
//! #         async fn flush(&mut self) -> Result<(), Self::Error> { Ok(()) }
//! #     }
//! #     pub fn init() -> (UartRx, UartTx) { (UartRx, UartTx) }
//! # }
//! use board::{UartRx, UartTx}; // your HAL's buffered UART halves (`BufferedUart::split()`)
//!
//! // The state and the handle live for the whole program: the tasks borrow them.
//! static STATE: StaticCell<State<{ fibocom_mqtt::RX_BUFFER_MIN }>> = StaticCell::new();
//! static CONTROL: StaticCell<Control<'static, UartTx>> = StaticCell::new();
//!
//! #[embassy_executor::task]
//! async fn modem_task(mut runner: Runner<'static, UartRx>) -> ! {
//!     // Returns only when the serial link is dead: every operation then fails with its error.
//!     let _error = runner.run().await; // log it
//!     core::future::pending().await
//! }
//!
//! #[embassy_executor::task]
//! async fn telemetry_task(control: &'static Control<'static, UartTx>) {
//!     // Any task may call the operations (`&self`); those of one client wait their turn.
//!     let _ = control.publish(ClientId::One, "telemetry", b"21.5", QoS::AtMostOnce, false).await;
//! }
//!
//! #[embassy_executor::main]
//! async fn main(spawner: Spawner) {
//!     let (uart_rx, uart_tx) = board::init();
//!     let (runner, control) = asynch::new(STATE.init(State::new()), uart_rx, uart_tx, Config::default());
//!     let control: &'static Control<'static, UartTx> = CONTROL.init(control);
//!     // embassy-executor 0.10: the task function returns the token (or an error if the task
//!     // is already running), `spawn` takes it.
//!     spawner.spawn(modem_task(runner).expect("modem_task runs once"));
//!     spawner.spawn(telemetry_task(control).expect("telemetry_task runs once"));
//!     if let Err(_e) = app(control).await {
//!         // log it; control.last_failure() names the command that failed
//!     }
//! }
//!
//! async fn app(control: &Control<'static, UartTx>) -> Result<(), fibocom_mqtt::Error> {
//!     let id = ClientId::One;
//!     control.start().await?; // AT until it answers, ATE0, AT+MQTTCONF=1
//!     control.attach(Some("internet"), None).await?; // AT+MIPCALL=1,"internet"
//!     control.set_user(id, "user", "secret", Some("device-42")).await?;
//!     control.open(id, Broker::new("broker.example.com", 1883)).await?;
//!     control.subscribe(id, "cmd/#", QoS::AtLeastOnce).await?;
//!     control.publish(id, "telemetry", b"{\"t\":21.5}", QoS::AtLeastOnce, false).await?;
//!     loop {
//!         // Messages are lent from the receive buffer: copy what you keep. An error here
//!         // means the port failed (the runner stopped).
//!         let broke = control
//!             .next_event(|event| match event {
//!                 Event::Message(m) => {
//!                     let _ = (m.topic, m.payload);
//!                     false
//!                 }
//!                 Event::Break { .. } => true,
//!                 _ => false,
//!             })
//!             .await?;
//!         if broke {
//!             control.open(id, Broker::new("broker.example.com", 1883)).await?;
//!         }
//!     }
//! }
//! ```
//!
//! The firmware also needs a time driver for embassy-time (the driver's timeouts): the HAL's
//! (embassy-rp's feature `time-driver`, embassy-stm32's `time-driver-any`, ...), else the link
//! fails with `undefined symbol: _embassy_time_now`. On a host, or in a test, the runner can
//! share one task with the application instead: `select(runner.run(), app)` (the
//! `scripted` module, feature `scripted`, has a test of firmware code against a script).
//!
//! # Blocking
//!
//! The same operations over `embedded_io::{Read, Write}`, for bare-metal loops and Linux
//! (the port's `read` must give up with a `TimedOut` error after a while; see [`blocking`]; on
//! Linux the ports of the `host` module, feature `std`, do).
//!
//! ```no_run
//! use fibocom_mqtt::blocking::Modem;
//! use fibocom_mqtt::{Broker, ClientId, Config, Event, QoS};
//! use embassy_time::Duration;
//!
//! fn app<P: embedded_io::Read + embedded_io::Write>(port: P) -> Result<(), fibocom_mqtt::Error> {
//!     let mut modem = Modem::<_, 1536>::new(port, Config::default());
//!     modem.start()?;
//!     let id = ClientId::One;
//!     modem.open(id, Broker::new("broker.example.com", 1883))?;
//!     modem.subscribe(id, "cmd/#", QoS::AtMostOnce)?;
//!     modem.publish(id, "hello", &[0x00, 0x22, 0x0d, 0x0a], QoS::AtLeastOnce, false)?; // data form
//!     while let Some(len) = modem.poll_event(Duration::from_secs(30), |ev| match ev {
//!         Event::Message(m) => m.payload.len(),
//!         _ => 0,
//!     })? {
//!         let _ = len;
//!     }
//!     modem.close(id)
//! }
//! ```
//!
//! # The codec on its own
//!
//! ```
//! use fibocom_mqtt::codec::{parse, Command, Item, LineEnd, Parsed, PayloadForm};
//! use fibocom_mqtt::{ClientId, QoS};
//!
//! let mut buf = [0u8; 64];
//! let cmd = Command::Subscribe { id: ClientId::One, topic: "a/b", qos: QoS::AtLeastOnce };
//! let n = cmd.encode(&mut buf, LineEnd::Cr).unwrap();
//! assert_eq!(&buf[..n], b"AT+MQTTSUB=1,\"a/b\",1\r");
//!
//! // A topic that would inject a second command is refused before a byte is written.
//! let bad = Command::Subscribe { id: ClientId::One, topic: "a\",0\rAT+MQTTCLOSE=1", qos: QoS::AtMostOnce };
//! assert!(bad.encode(&mut buf, LineEnd::Cr).is_err());
//!
//! let rx = b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n";
//! let Parsed::Item(Item::Ok, used) = parse(rx) else { panic!() };
//! let Parsed::Item(item, _) = parse(&rx[used..]) else { panic!() };
//! assert!(matches!(item, Item::Result { client: ClientId::One, status: 1, .. }));
//! ```
//!
//! # Cancellation and timeouts
//!
//! Every async operation says in its documentation what happens if its future is dropped. In
//! short: the driver stays in step. Answers that arrive for an abandoned or timed-out command
//! (a late `OK`, result line or prompt) are recognised and dropped, never handed to the next
//! command; a client's state follows what the module reports.
//!
//! # Features
//!
//! - `defmt`: `defmt::Format` on public types, and every AT line logged at trace level.
//! - `log`: every AT line logged at trace level through the `log` crate.
//! - `scripted`: the `scripted` module, a transcript-driven serial port for testing firmware.
//! - `std`: the `host` module, serial and TCP ports for Linux hosts. Without it the crate is
//!   `no_std`.
//! - `cloud`: the `cloud` module, profiles for AWS IoT Core, Azure IoT Hub, ThingsBoard and
//!   hosted TLS brokers, checked against the module's limits and the cloud's rules.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(
    not(test),
    deny(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing,
        clippy::arithmetic_side_effects,
        clippy::todo,
        clippy::unimplemented,
        clippy::unreachable
    )
)]

pub mod asynch;
pub mod blocking;
mod broker;
#[cfg(feature = "cloud")]
pub mod cloud;
pub mod codec;
mod config;
mod error;
mod event;
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub mod host;
mod log;
pub mod proto;
mod query;
#[cfg(feature = "scripted")]
#[cfg_attr(docsrs, doc(cfg(feature = "scripted")))]
pub mod scripted;
pub mod session;
mod tls;
mod types;

pub use asynch::State;
pub use broker::Broker;
pub use codec::AtCommand;
pub use config::{Config, Leftover};
pub use error::{ConnState, Error, Failure, ModuleError, Refusal};
pub use event::Event;
pub use query::{IpText, Operator, SignalQuality, SimState, StoredUser, StoredWill};
pub use tls::{TlsSetup, Upload};
pub use types::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};

/// The driver's time span (`embassy_time::Duration`), as the blocking driver's
/// [`poll_event`](blocking::Modem::poll_event) and the [`Config`] timeouts take it; re-exported
/// so that a host program need not name `embassy_time` for it.
pub use embassy_time::Duration;

// The Markdown files' Rust blocks, run as doc tests (the others are compiled where
// `.ci/check-snippets.sh` says).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

#[cfg(doctest)]
#[doc = include_str!("../README-crate.md")]
struct CrateReadmeDoctests;

/// The smallest receive buffer that holds the largest message (a 1024-byte payload on a
/// 255-byte topic, read with `AT+MQTTREAD`) with room to spare for the lines around it.
pub const RX_BUFFER_MIN: usize = 1536;
