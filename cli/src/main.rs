//! `fibocom-mqtt`: publish, subscribe and diagnose from a shell through a Fibocom module's
//! MQTT AT commands, on a serial device or a TCP link to one. Built on the `fibocom-mqtt`
//! driver's blocking client.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod args;
mod check;
mod cloud;
mod cmd_at;
mod cmd_info;
mod cmd_pub;
mod cmd_sub;
mod format;
mod port;
mod session;
mod tls;
mod trace;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command};

/// Why the tool stops with a non-zero status: a one-line message for stderr.
#[derive(Debug)]
pub struct Fail {
    /// What failed, and why.
    pub message: String,
    /// The exit status: 1 for a failure, 2 for a bad command line.
    pub status: u8,
}

impl Fail {
    /// A failure saying `message` (exit status 1).
    pub fn new(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            status: 1,
        }
    }

    /// A bad command line saying `message` (exit status 2, as for clap's own errors).
    pub fn usage(message: impl Into<String>) -> Fail {
        Fail {
            message: message.into(),
            status: 2,
        }
    }
}

fn main() -> ExitCode {
    let mut cli = Cli::parse();
    if cli.device.at_trace {
        trace::install();
    }
    // `--cloud` fills the broker options in, checked, before anything else.
    let result = cloud::apply(&mut cli.command).and_then(|()| match &cli.command {
        Command::Pub(a) => cmd_pub::run(&cli.device, a),
        Command::Sub(a) => cmd_sub::run(&cli.device, a),
        Command::At(a) => cmd_at::run(&cli.device, a),
        Command::Info => cmd_info::run(&cli.device),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("fibocom-mqtt: {}", f.message);
            ExitCode::from(f.status)
        }
    }
}
