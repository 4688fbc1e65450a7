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

pub mod codec;
mod types;

pub use types::{BreakCause, ClientId, ClientSet, QoS, ReceiveMode};
