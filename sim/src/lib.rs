//! Simulator of a Fibocom module's MQTT AT interface (work in progress).

pub mod broker;
