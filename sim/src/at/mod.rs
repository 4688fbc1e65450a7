//! The AT command language as the module reads it: line syntax ([`parse`]) and the commands
//! with their limits ([`commands`]).

pub mod commands;
pub mod parse;
