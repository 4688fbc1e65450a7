//! Prints the RAM the driver needs: its state for two clients, and the receive buffer the
//! application sizes. `cargo run --example sizes`
use core::mem::size_of;

use fibocom_mqtt::asynch::State;
use fibocom_mqtt::scripted::{Reader, Writer};

fn main() {
    let state0 = size_of::<State<0>>();
    let state = size_of::<State<{ fibocom_mqtt::RX_BUFFER_MIN }>>();
    let client = size_of::<fibocom_mqtt::asynch::Control<'static, Writer<'static, 'static>>>();
    let writer = size_of::<Writer<'static, 'static>>();
    let runner = size_of::<fibocom_mqtt::asynch::Runner<'static, Reader<'static, 'static>>>();
    let reader = size_of::<Reader<'static, 'static>>();
    let blocking0 = size_of::<fibocom_mqtt::blocking::Modem<(), 0>>();
    println!("target pointer width: {} bits", usize::BITS);
    println!("async State<0> (driver state, no receive buffer): {state0} bytes");
    println!(
        "async State<{}> (with the receive buffer):      {state} bytes",
        fibocom_mqtt::RX_BUFFER_MIN
    );
    println!(
        "async Control handle, less its writer:         {} bytes",
        client - writer
    );
    println!(
        "async Runner, less its reader:                  {} bytes",
        runner - reader
    );
    println!("blocking Modem<(), 0> (state, no buffer):       {blocking0} bytes");
}
