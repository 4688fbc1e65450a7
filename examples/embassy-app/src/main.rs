//! The README's embassy pattern, compiled for a Cortex-M4 (`thumbv7em-none-eabihf`): the
//! driver's state in a `static` `StaticCell`, the runner in a task of its own, the `Control`
//! in a `StaticCell` too so that a second task can use it.
//!
//! `board` stands for your HAL: the two halves of a buffered UART (embassy-rp's
//! `BufferedUart::split`, embassy-stm32's `BufferedUart::split`, ...) and a time driver
//! (embassy-rp's feature `time-driver`, embassy-stm32's `time-driver-any`, embassy-nrf's
//! `time-driver-rtc1`). This one compiles and links but talks to no hardware.
//!
//! ```text
//! cargo build --release
//! ```
#![no_std]
#![no_main]

mod board;

use embassy_executor::Spawner;
use embassy_time::{Duration, Timer};
use fibocom_mqtt::asynch::{self, Control, Runner};
use fibocom_mqtt::{Broker, ClientId, Config, Event, QoS, State};
use static_cell::StaticCell;

use board::{UartRx, UartTx}; // your HAL's buffered UART halves (`BufferedUart::split()`)

// The driver's state and the handle live for the whole program: the tasks borrow them.
static STATE: StaticCell<State<{ fibocom_mqtt::RX_BUFFER_MIN }>> = StaticCell::new();
static CONTROL: StaticCell<Control<'static, UartTx>> = StaticCell::new();

/// Reads the port and hands what the module sends to the driver.
#[embassy_executor::task]
async fn modem_task(mut runner: Runner<'static, UartRx>) -> ! {
    // Returns only when the serial link is dead: every operation then fails with its error.
    let _error = runner.run().await; // log it
    core::future::pending().await
}

/// A second task using the same handle: publishes every 10 s once connected.
#[embassy_executor::task]
async fn telemetry_task(control: &'static Control<'static, UartTx>) {
    loop {
        Timer::after(Duration::from_secs(10)).await;
        if let Err(_e) = control
            .publish(
                ClientId::One,
                "telemetry",
                b"{\"t\":21.5}",
                QoS::AtLeastOnce,
                false,
            )
            .await
        {
            // log it: not connected yet, or the connection dropped
        }
    }
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let (uart_rx, uart_tx) = board::init();
    let state = STATE.init(State::new());
    let (runner, control) = asynch::new(state, uart_rx, uart_tx, Config::default());
    let control: &'static Control<'static, UartTx> = CONTROL.init(control);
    // embassy-executor 0.10: the task function returns the token, or an error if the task is
    // already running; `spawn` takes the token.
    spawner.spawn(modem_task(runner).expect("modem_task runs once"));
    spawner.spawn(telemetry_task(control).expect("telemetry_task runs once"));

    if let Err(_e) = app(control).await {
        // log it; control.last_failure() names the command that failed
    }
}

async fn app(control: &Control<'static, UartTx>) -> Result<(), fibocom_mqtt::Error> {
    let id = ClientId::One;
    control.start().await?; // AT until it answers, ATE0, AT+MQTTCONF=1
    control.attach(Some("internet"), None).await?; // AT+MIPCALL=1,"internet"
    control
        .set_user(id, "user", "secret", Some("device-42"))
        .await?;
    control
        .open(id, Broker::new("broker.example.com", 1883))
        .await?;
    control.subscribe(id, "cmd/#", QoS::AtLeastOnce).await?;
    loop {
        // The message is lent from the receive buffer: copy what you keep.
        control
            .next_event(|event| match event {
                Event::Message(m) => handle(m.topic, m.payload),
                Event::Break { .. } => { /* reconnect: open and subscribe again */ }
                _ => {}
            })
            .await?;
    }
}

fn handle(_topic: &[u8], _payload: &[u8]) {}
