//! Every refusal of every profile, by its exact error.

use super::*;
use crate::codec::{EncodeError, Field, Rule};
use crate::session::Forbidden;

const CA: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const CERT: &[u8] = b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n";
const KEY: &[u8] = b"-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";
const ENDPOINT: &str = "abc123-ats.iot.eu-west-1.amazonaws.com";
const HUB: &str = "my-hub.azure-devices.net";
/// 23 bytes, the most the module takes as a client identifier.
const ID_23: &str = "abcdefghijklmnopqrstuvw";
/// 24 bytes.
const ID_24: &str = "abcdefghijklmnopqrstuvwx";
const AZURE_TOPICS: &str = "devices/<device id>/messages/events/... or $iothub/...";
const AZURE_FILTERS: &str = "devices/<device id>/messages/devicebound/# or $iothub/...";
const TB_TOPICS: &str = "v1/devices/me/... (telemetry, attributes, rpc)";
const TB_FILTERS: &str = "v1/devices/me/... (attributes, rpc/request/+)";

fn mutual() -> TlsSetup<'static> {
    TlsSetup::new().trust(CA).client(CERT, KEY)
}

fn server_only() -> TlsSetup<'static> {
    TlsSetup::new().trust(CA)
}

fn text(e: impl core::fmt::Display) -> std::string::String {
    std::format!("{e}")
}

mod aws;
mod azure;
mod generic;
mod thingsboard;
