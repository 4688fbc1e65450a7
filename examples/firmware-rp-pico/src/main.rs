//! fibocom-mqtt on a Raspberry Pi Pico wired to a Fibocom NL668 / M910 / NL661 module.
//!
//! Wiring: GP0 (UART0 TX) to the module's RXD, GP1 (UART0 RX) to its TXD, a common ground,
//! 115200 baud 8N1 (the module's default). The module must be powered and booted.
//!
//! What it does: brings the data call up, connects MQTT client 1 with a will, subscribes to
//! [`TOPIC_CMD`], and every [`PUBLISH_EVERY`] publishes the RP2040's temperature (its internal
//! sensor, read through the ADC) with a sequence number on [`TOPIC_TEMPERATURE`]. Messages
//! `on` / `off` on [`TOPIC_CMD`] switch the on-board LED. When the connection drops
//! (`+MQTTBREAK`), the data call drops, the module restarts or an operation fails, it starts
//! over after a back-off that doubles from [`BACKOFF_MIN`] up to [`BACKOFF_MAX`] and returns to
//! the minimum once a session got as far as publishing.
//!
//! ```text
//! cargo run --release   # flashes through a debug probe (probe-rs) and shows the defmt log
//! ```
#![no_std]
#![no_main]

use core::fmt::Write as _;

use defmt::{info, warn};
use embassy_executor::Spawner;
use embassy_futures::select::{select, Either};
use embassy_rp::adc::{self, Adc};
use embassy_rp::bind_interrupts;
use embassy_rp::gpio::{Level, Output};
use embassy_rp::peripherals::UART0;
use embassy_rp::uart::{
    self, BufferedInterruptHandler, BufferedUart, BufferedUartRx, BufferedUartTx,
};
use embassy_time::{Duration, Instant, Timer};
use fibocom_mqtt::asynch::{self, Control, Runner, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, ConnState, Error, Event, QoS};
use static_cell::StaticCell;
use {defmt_rtt as _, panic_probe as _};

/// The operator's access point name.
const APN: &str = "internet";
/// The broker.
const BROKER: Broker<'static> = Broker::new("broker.example.com", 1883);
/// MQTT user name and password.
const USER: (&str, &str) = ("pico", "change-me");
/// MQTT client identifier.
const CLIENT_ID: &str = "rp-pico-1";
/// Where the readings go.
const TOPIC_TEMPERATURE: &str = "pico/temperature";
/// Retained `online` while connected; the will sets it to `offline`.
const TOPIC_STATUS: &str = "pico/status";
/// Commands for the board: `on` / `off` switch the LED.
const TOPIC_CMD: &str = "pico/cmd";
/// Time between two readings.
const PUBLISH_EVERY: Duration = Duration::from_secs(5);
/// First wait before connecting again.
const BACKOFF_MIN: Duration = Duration::from_secs(1);
/// Longest wait before connecting again.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// The module's MQTT client used here.
const ID: ClientId = ClientId::One;

bind_interrupts!(struct Irqs {
    UART0_IRQ => BufferedInterruptHandler<UART0>;
    ADC_IRQ_FIFO => adc::InterruptHandler;
});

static STATE: StaticCell<State<{ fibocom_mqtt::RX_BUFFER_MIN }>> = StaticCell::new();
static UART_TX: StaticCell<[u8; 256]> = StaticCell::new();
static UART_RX: StaticCell<[u8; 1024]> = StaticCell::new();

/// The module's client, as the application uses it.
type Module = Control<'static, BufferedUartTx>;

/// Reads the module's output for the driver. The UART reports framing, parity, break and
/// overrun errors; the runner returns on one, and running it again resumes.
#[embassy_executor::task]
async fn modem(mut runner: Runner<'static, BufferedUartRx>) -> ! {
    loop {
        let error = runner.run().await;
        warn!("serial link: {}", error);
    }
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

    let mut backoff = BACKOFF_MIN;
    let mut seq: u32 = 0;
    loop {
        let outcome = session(&module, &mut sensor, &mut led, &mut seq, &mut backoff).await;
        warn!("session ended: {}", outcome);
        // Leave the client closed for the next attempt; after a break it already is.
        if module.state(ID) != ConnState::Closed {
            if let Err(e) = module.close(ID).await {
                warn!("close: {}", e);
            }
        }
        info!("connecting again in {} s", backoff.as_secs());
        Timer::after(backoff).await;
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

/// One connection, from start-up of the module to the error that ends it.
async fn session(
    module: &Module,
    sensor: &mut Thermometer,
    led: &mut Output<'static>,
    seq: &mut u32,
    backoff: &mut Duration,
) -> Error {
    match connect(module).await {
        Ok(()) => {}
        Err(e) => return e,
    }
    let mut next = Instant::now();
    loop {
        match select(Timer::at(next), module.next_event(on_event)).await {
            Either::First(()) => {
                let reading = sensor.read_centi_celsius().await;
                let mut payload = heapless::String::<64>::new();
                // 64 bytes hold the longest reading.
                let _ = write!(
                    payload,
                    "{{\"seq\":{},\"temp_c\":{}.{:02}}}",
                    *seq,
                    reading / 100,
                    (reading % 100).unsigned_abs()
                );
                if let Err(e) = module
                    .publish(
                        ID,
                        TOPIC_TEMPERATURE,
                        payload.as_bytes(),
                        QoS::AtLeastOnce,
                        false,
                    )
                    .await
                {
                    return e;
                }
                info!("published {=str}", payload.as_str());
                *seq = seq.wrapping_add(1);
                next = Instant::now() + PUBLISH_EVERY;
                // This session works: the next failure is retried soon.
                *backoff = BACKOFF_MIN;
            }
            Either::Second(Err(e)) => return e,
            Either::Second(Ok(Action::Led(on))) => {
                info!("LED {}", if on { "on" } else { "off" });
                led.set_level(if on { Level::High } else { Level::Low });
            }
            Either::Second(Ok(Action::End(e))) => return e,
            Either::Second(Ok(Action::None)) => {}
        }
    }
}

/// Start-up, data call, MQTT connection, subscription and the retained `online` status.
async fn connect(module: &Module) -> Result<(), Error> {
    module.start().await?;
    if let Ok(q) = module.signal_quality().await {
        info!("signal: {} dBm", q.dbm().unwrap_or(0));
    }
    match module.data_call().await? {
        Some(ip) => info!("data call already up: {=str}", ip.as_str()),
        None => {
            let ip = module.attach(Some(APN), None).await?;
            info!("data call up: {=str}", ip.as_str());
        }
    }
    module.set_user(ID, USER.0, USER.1, Some(CLIENT_ID)).await?;
    module
        .set_will(ID, TOPIC_STATUS, QoS::AtLeastOnce, true, "offline")
        .await?;
    module.open(ID, BROKER).await?;
    info!("connected to {=str}:{}", BROKER.host, BROKER.port);
    module.subscribe(ID, TOPIC_CMD, QoS::AtLeastOnce).await?;
    module
        .publish(ID, TOPIC_STATUS, b"online", QoS::AtLeastOnce, true)
        .await
}

/// What an event asks of the session.
enum Action {
    /// Switch the LED.
    Led(bool),
    /// The session is over.
    End(Error),
    /// Nothing.
    None,
}

fn on_event(event: Event<'_>) -> Action {
    match event {
        Event::Message(m) if m.topic == TOPIC_CMD.as_bytes() => match m.payload {
            b"on" => Action::Led(true),
            b"off" => Action::Led(false),
            other => {
                warn!("unknown command {=[u8]:a}", other);
                Action::None
            }
        },
        Event::Message(m) => {
            info!("message on {=[u8]:a}: {=[u8]:a}", m.topic, m.payload);
            Action::None
        }
        Event::Break { cause, .. } => Action::End(Error::Break(cause)),
        Event::Restarted => Action::End(Error::Restarted),
        Event::DataCallDown => {
            warn!("the data call dropped");
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
