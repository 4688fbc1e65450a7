//! fibocom-mqtt on a Raspberry Pi Pico wired to a Fibocom NL668 / M910 / NL661 module.
//!
//! Wiring: GP0 (UART0 TX) to the module's RXD, GP1 (UART0 RX) to its TXD, a common ground,
//! 115200 baud 8N1 (the module's default). The module must be powered and booted.
//!
//! What it does: keeps MQTT client 1 connected with the crate's session layer (the data call,
//! a will, the subscription to [`TOPIC_CMD`]), and every [`PUBLISH_EVERY`] publishes the
//! RP2040's temperature (its internal sensor, read through the ADC) with a sequence number on
//! [`TOPIC_TEMPERATURE`]. Messages `on` / `off` on [`TOPIC_CMD`] switch the on-board LED.
//! Breaks, a lost data call or registration and module restarts are the session's to handle:
//! it connects again with back-off (1 s doubling to 5 min, with jitter), subscribes again, and
//! sends again the readings the module did not confirm (the oldest are dropped if the outbox
//! fills up while the link is down). The firmware only says what happens.
//!
//! ```text
//! cargo run --release   # flashes through a debug probe (probe-rs) and shows the defmt log
//! ```
#![no_std]
#![no_main]

use core::fmt::Write as _;

use defmt::{error, info, warn};
use embassy_executor::Spawner;
use embassy_futures::join::join;
use embassy_rp::adc::{self, Adc};
use embassy_rp::bind_interrupts;
use embassy_rp::gpio::{Level, Output};
use embassy_rp::peripherals::UART0;
use embassy_rp::uart::{self, BufferedInterruptHandler, BufferedUart, BufferedUartRx};
use embassy_time::{Duration, Timer};
use fibocom_mqtt::asynch::{self, Runner, State};
use fibocom_mqtt::session::asynch::Session;
use fibocom_mqtt::session::{
    DataCall, Outbox, SessionConfig, SessionEvent, SessionState, Slot, Subscription, User,
    WhenFull, Will,
};
use fibocom_mqtt::{Broker, Config, QoS};
use static_cell::StaticCell;
use {defmt_rtt as _, panic_probe as _};

/// The operator's access point name.
const APN: &str = "internet";
/// MQTT user name and password.
const USER: User<'static> = User {
    user: "pico",
    password: "change-me",
    identifier: Some("rp-pico-1"),
};
/// Where the readings go.
const TOPIC_TEMPERATURE: &str = "pico/temperature";
/// Retained `online` while connected; the will sets it to `offline`.
const TOPIC_STATUS: &str = "pico/status";
/// Commands for the board: `on` / `off` switch the LED.
const TOPIC_CMD: &str = "pico/cmd";
/// Time between two readings.
const PUBLISH_EVERY: Duration = Duration::from_secs(5);

/// The subscriptions the session keeps.
const SUBSCRIPTIONS: [Subscription<'static>; 1] = [Subscription {
    filter: TOPIC_CMD,
    qos: QoS::AtLeastOnce,
}];

/// Everything the session needs, once.
const SESSION: SessionConfig<'static> = SessionConfig {
    call: DataCall::Dial {
        apn: Some(APN),
        credentials: None,
    },
    user: Some(USER),
    will: Some(Will {
        topic: TOPIC_STATUS,
        qos: QoS::AtLeastOnce,
        retain: true,
        payload: b"offline",
    }),
    subscriptions: &SUBSCRIPTIONS,
    when_full: WhenFull::DropOldest,
    ..SessionConfig::new(Broker::new("broker.example.com", 1883))
};

bind_interrupts!(struct Irqs {
    UART0_IRQ => BufferedInterruptHandler<UART0>;
    ADC_IRQ_FIFO => adc::InterruptHandler;
});

static STATE: StaticCell<State<{ fibocom_mqtt::RX_BUFFER_MIN }>> = StaticCell::new();
static UART_TX: StaticCell<[u8; 256]> = StaticCell::new();
static UART_RX: StaticCell<[u8; 1024]> = StaticCell::new();

/// Reads the module's output for the driver. The UART's framing, parity, break and overrun
/// errors are transient: the driver drops what was being received, reports them
/// (`Event::LinkError`) and reads on. `run` returns only when the link is dead (errors in a
/// row, see `Config::dead_after_errors`); a later call would stay pending, so log once and wait.
#[embassy_executor::task]
async fn modem(mut runner: Runner<'static, BufferedUartRx>) -> ! {
    let error = runner.run().await;
    error!("serial link dead: {}", error);
    core::future::pending().await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let p = embassy_rp::init(Default::default());
    let mut led = Output::new(p.PIN_25, Level::Low);
    let mut sensor = Thermometer {
        adc: Adc::new(p.ADC, Irqs, adc::Config::default()),
        channel: adc::Channel::new_temp_sensor(p.ADC_TEMP_SENSOR),
    };

    let uart = BufferedUart::new(
        p.UART0,
        p.PIN_0,
        p.PIN_1,
        Irqs,
        UART_TX.init([0; 256]),
        UART_RX.init([0; 1024]),
        uart::Config::default(),
    );
    let (tx, rx) = uart.split();
    let (runner, module) = asynch::new(STATE.init(State::new()), rx, tx, Config::default());
    spawner.spawn(modem(runner).expect("the modem task is spawned once"));

    // Room for 16 readings while the link is down.
    let (mut bytes, mut slots) = ([0u8; 1024], [Slot::EMPTY; 16]);
    let session = Session::new(&module, SESSION, Outbox::new(&mut bytes, &mut slots));

    let events = async {
        loop {
            match session.next_event(on_event).await {
                Ok(Action::Led(on)) => {
                    info!("LED {}", if on { "on" } else { "off" });
                    led.set_level(if on { Level::High } else { Level::Low });
                }
                Ok(Action::Online) => {
                    // Queued, so sent after the subscription, and again if it was not confirmed.
                    let _ = session
                        .publish(TOPIC_STATUS, b"online", QoS::AtLeastOnce, true)
                        .await;
                }
                Ok(Action::None) => {}
                Err(e) => {
                    // Only a dead link ends `next_event`, and every later call would fail at
                    // once: say it once, then wait (a watchdog or a power cycle takes over).
                    error!("serial link dead: {}", e);
                    core::future::pending::<()>().await;
                }
            }
        }
    };
    let readings = async {
        let mut seq: u32 = 0;
        loop {
            let reading = sensor.read_centi_celsius().await;
            let mut payload = heapless::String::<64>::new();
            // 64 bytes hold the longest reading.
            let _ = write!(
                payload,
                "{{\"seq\":{},\"temp_c\":{}.{:02}}}",
                seq,
                reading / 100,
                (reading % 100).unsigned_abs()
            );
            match session
                .publish(
                    TOPIC_TEMPERATURE,
                    payload.as_bytes(),
                    QoS::AtLeastOnce,
                    false,
                )
                .await
            {
                Ok(_) => info!("queued {=str}", payload.as_str()),
                Err(e) => warn!("reading not queued: {}", e),
            }
            seq = seq.wrapping_add(1);
            Timer::after(PUBLISH_EVERY).await;
        }
    };
    join(events, readings).await;
}

/// What an event asks of the application.
enum Action {
    /// Switch the LED.
    Led(bool),
    /// Connected (again): say so on the status topic.
    Online,
    /// Nothing.
    None,
}

fn on_event(event: SessionEvent<'_>) -> Action {
    match event {
        SessionEvent::Message(m) if m.topic == TOPIC_CMD.as_bytes() => match m.payload {
            b"on" => Action::Led(true),
            b"off" => Action::Led(false),
            other => {
                warn!("unknown command {=[u8]:a}", other);
                Action::None
            }
        },
        SessionEvent::Message(m) => {
            info!("message on {=[u8]:a}: {=[u8]:a}", m.topic, m.payload);
            Action::None
        }
        SessionEvent::State(SessionState::Connected) => {
            info!("connected");
            Action::Online
        }
        SessionEvent::State(state) => {
            warn!("connection: {}", state);
            Action::None
        }
        other => {
            info!("event: {}", other);
            Action::None
        }
    }
}
/// The RP2040's temperature sensor.
struct Thermometer {
    adc: Adc<'static, adc::Async>,
    channel: adc::Channel<'static>,
}

impl Thermometer {
    /// The chip's temperature in hundredths of a degree Celsius (the RP2040 datasheet's
    /// formula: 27 °C at 0.706 V, -1.721 mV per degree, with a 3.3 V reference).
    async fn read_centi_celsius(&mut self) -> i32 {
        let raw = match self.adc.read(&mut self.channel).await {
            Ok(raw) => i64::from(raw),
            Err(e) => {
                warn!("ADC: {}", e);
                return 0;
            }
        };
        let microvolts = raw * 3_300_000 / 4096;
        let centi = 2_700 - (microvolts - 706_000) * 100 / 1_721;
        i32::try_from(centi).unwrap_or(0)
    }
}
