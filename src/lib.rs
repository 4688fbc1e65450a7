//! fibocom-mqtt: a `no_std`, allocation-free driver for the MQTT client built into Fibocom
//! NL668 / M910 / NL661 cellular modules.
#![no_std]
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
pub mod codec;
mod config;
mod error;
mod event;
mod log;
pub mod proto;
mod query;
#[cfg(feature = "scripted")]
pub mod scripted;
mod types;

pub use config::Config;
pub use error::{ConnState, Error, ModuleError, Refusal};
pub use event::Event;
pub use query::{IpText, Operator, SignalQuality, SimState, StoredUser, StoredWill};
pub use types::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};

/// The smallest receive buffer that holds the largest message (a 1024-byte payload on a
/// 255-byte topic, read with `AT+MQTTREAD`) with room to spare for the lines around it.
pub const RX_BUFFER_MIN: usize = 1536;
