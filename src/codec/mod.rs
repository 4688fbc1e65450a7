//! The codec: typed commands that encode themselves, and a streaming parser for what the module
//! sends. Sans-IO: no I/O, no time, no allocation.

pub mod clock;
pub mod command;
pub mod decoder;
pub mod encode;
pub mod item;
pub(crate) mod line;
pub mod name;
pub mod parse;
pub mod tls;
pub mod validate;

pub use clock::{ClockCheck, ModuleTime};
pub use command::{Command, Form, MqttCommand, PayloadForm, Query};
pub use decoder::{Decoded, Decoder};
pub use encode::{LineEnd, WriteError};
pub use item::{
    Capabilities, ErrorCode, Item, Message, MipCall, Registration, RegistrationKind, ResultOf,
};
pub use name::AtCommand;
pub use parse::{parse, Parsed};
pub use tls::{TlsCommand, TlsErrorReason, TlsFileKind, TlsParam, TlsVersion};
pub use validate::{EncodeError, Field, Rule};
