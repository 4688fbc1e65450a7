//! RAM the driver takes: its state for two clients, every buffer the application provides, and
//! the futures of the async operations (what an embassy task holding them must have room for).
//!
//! ```text
//! cargo run --release -p fibocom-mqtt-bench --bin footprint
//! ```
//!
//! Ports are zero-sized here, so the figures are the driver's own. They are for the machine the
//! program runs on: on a 32-bit microcontroller, pointers and `usize` take half as much.

use core::mem::{size_of, size_of_val};

use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::codec::Decoder;
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, QoS, RX_BUFFER_MIN};

/// A port that holds nothing.
struct NoPort;

impl embedded_io::ErrorType for NoPort {
    type Error = core::convert::Infallible;
}

impl embedded_io_async::Read for NoPort {
    async fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(0)
    }
}

impl embedded_io_async::Write for NoPort {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    async fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

impl embedded_io::Read for NoPort {
    fn read(&mut self, _: &mut [u8]) -> Result<usize, Self::Error> {
        Ok(0)
    }
}

impl embedded_io::Write for NoPort {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

const N: usize = RX_BUFFER_MIN;
const BUDGET: usize = 1024;

fn row(what: &str, bytes: usize) {
    println!("  {what:<58} {bytes:>6} B");
}

fn main() {
    println!(
        "footprint on {} ({}-bit pointers); ports are zero-sized",
        std::env::consts::ARCH,
        usize::BITS
    );

    let state0 = size_of::<State<0>>();
    let state_n = size_of::<State<N>>();
    let client = size_of::<asynch::Control<'static, NoPort>>();
    let runner = size_of::<asynch::Runner<'static, NoPort>>();
    println!("async driver (embassy style):");
    row("State<0>: driver state for two clients, no buffer", state0);
    row(
        &format!("State<{N}>: with the receive / message buffer"),
        state_n,
    );
    row("Control handle (less its writer)", client);
    row("Runner (less its reader)", runner);
    let total = state0 + client + runner;
    row("driver state in all: State<0> + Control + Runner", total);
    println!(
        "  budget: the driver state for two clients, message buffer excluded, under {BUDGET} B: {} ({} B to spare)",
        if total < BUDGET { "met" } else { "MISSED" },
        BUDGET as isize - total as isize
    );

    let blocking0 = size_of::<fibocom_mqtt::blocking::Modem<NoPort, 0>>();
    let blocking_n = size_of::<fibocom_mqtt::blocking::Modem<NoPort, N>>();
    println!("blocking driver:");
    row(
        "blocking::Modem<P, 0>: everything but the buffer",
        blocking0,
    );
    row(&format!("blocking::Modem<P, {N}>"), blocking_n);
    println!(
        "  budget: {} ({} B to spare)",
        if blocking0 < BUDGET { "met" } else { "MISSED" },
        BUDGET as isize - blocking0 as isize
    );

    println!("parts:");
    row("codec::Decoder", size_of::<Decoder>());
    row("Config", size_of::<Config>());

    // The futures an application's tasks hold while an operation runs.
    let mut state = State::<N>::new();
    let (mut runner, client) = asynch::new(&mut state, NoPort, NoPort, Config::default());
    let id = ClientId::One;
    println!("async operation futures (held by the calling task while it runs):");
    row("Runner::run", size_of_val(&runner.run()));
    row("Control::start", size_of_val(&client.start()));
    row(
        "Control::open",
        size_of_val(&client.open(id, Broker::new("broker.example.com", 1883))),
    );
    row(
        "Control::subscribe",
        size_of_val(&client.subscribe(id, "a/b", QoS::AtLeastOnce)),
    );
    row(
        "Control::publish",
        size_of_val(&client.publish(id, "a/b", b"x", QoS::AtLeastOnce, false)),
    );
    row(
        "Control::next_event",
        size_of_val(&client.next_event(|_| ())),
    );
}
