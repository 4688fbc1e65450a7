//! fibocom-mqtt on an emulated Cortex-M4: QEMU's mps2-an386 board, its UART0 wired (through
//! QEMU's `-serial tcp:`) to the module simulator.
//!
//! The firmware starts the module, brings the data call up, connects MQTT client 1, subscribes
//! to [`TOPIC_IN`], publishes [`PAYLOAD`] on [`TOPIC_OUT`] (again every
//! [`REPUBLISH`] until a message comes), and waits for a message on [`TOPIC_IN`]. It reports
//! each step over semihosting and exits with status 0 once a message arrived, 1 on any
//! failure or after [`DEADLINE`].
//!
//! Someone must publish to [`TOPIC_IN`] (`fw/in`) within the [`DEADLINE`] of 60 s, or the run
//! fails: the simulator prints its broker's address on stderr (`in-process broker on
//! 127.0.0.1:PORT`), and `mosquitto_pub -p PORT -t fw/in -m hi` does it. The test suite's
//! `firmware_qemu` test publishes for you.
//!
//! ```text
//! cargo run -p fibocom-sim -- --tcp 127.0.0.1:5555   # at the workspace root
//! cargo run --release                                # here: boots the firmware under QEMU
//! mosquitto_pub -p PORT -t fw/in -m hi               # within 60 s, PORT from the simulator
//! ```
#![no_std]
#![no_main]

#[cfg(feature = "session")]
mod kept;
mod time_driver;
mod uart;

use core::fmt;

use cortex_m_rt::{exception, ExceptionFrame};
use cortex_m_semihosting::debug::{self, EXIT_FAILURE, EXIT_SUCCESS};
use cortex_m_semihosting::hprintln;
use embassy_executor::Spawner;
use embassy_time::{with_timeout, Duration, Instant};
use fibocom_mqtt::asynch::{self, Control, Runner, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, Event, QoS};
use static_cell::StaticCell;

use uart::{UartRx, UartTx};

/// The topic the firmware subscribes to and waits for a message on.
const TOPIC_IN: &str = "fw/in";
/// The topic the firmware publishes on.
const TOPIC_OUT: &str = "fw/out";
/// What the firmware publishes.
const PAYLOAD: &[u8] = b"hello from fibocom-mqtt on mps2-an386";
/// The MQTT user and password the firmware connects with.
const USER: (&str, &str) = ("firmware", "qemu-secret");
/// The MQTT client identifier.
const CLIENT_ID: &str = "fw-qemu";
/// How long the whole run may take.
const DEADLINE: Duration = Duration::from_secs(60);
/// How often the publish is repeated while no message has come.
const REPUBLISH: Duration = Duration::from_secs(5);

/// Receive buffer of the driver: room for the largest message.
const RX_BUFFER: usize = fibocom_mqtt::RX_BUFFER_MIN;

static STATE: StaticCell<State<RX_BUFFER>> = StaticCell::new();

/// MQTT over TLS (feature `tls`).
#[cfg(feature = "tls")]
mod tls {
    use fibocom_mqtt::TlsSetup;

    /// The CA given at build time (empty when none was: see `build.rs`).
    const CA: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/tls-ca.pem"));

    /// TLS 1.2 with the server verified against [`CA`]; unverified without one.
    pub const SETUP: TlsSetup<'static> = if CA.is_empty() {
        TlsSetup::new().verify(false)
    } else {
        TlsSetup::new().trust(CA)
    };

    /// The broker's TLS port.
    pub const PORT: u16 = 8883;
}

/// A device interrupt of the mps2-an386, by number.
#[derive(Clone, Copy)]
struct Irq(u16);

// SAFETY: only the numbers of the board's interrupts are used.
unsafe impl cortex_m::interrupt::InterruptNumber for Irq {
    fn number(self) -> u16 {
        self.0
    }
}

/// Which step failed, and why.
struct Failure(&'static str, fibocom_mqtt::Error);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} failed: {}", self.0, describe(&self.1))
    }
}

/// A short description of an error. The driver's `Error` implements `Display` (and `Debug`),
/// but formatting it pulls in about 1 KiB of `core::fmt` code for every type inside it; this
/// firmware keeps its flash for what it does and names the error instead.
fn describe(e: &fibocom_mqtt::Error) -> &'static str {
    #[cfg(feature = "tls")]
    use fibocom_mqtt::codec::{ClockCheck, TlsErrorReason};
    use fibocom_mqtt::Error as E;
    match e {
        E::Invalid(_) => "invalid argument",
        E::WrongState { .. } => "the client is in the wrong state",
        E::Busy(_) => "the client is busy",
        E::AnswerTimeout => "no answer from the module",
        E::PromptTimeout => "no data prompt from the module",
        E::ResultTimeout => "no result line from the module",
        E::Module(_) => "module error",
        E::Refused(_) => "connection refused",
        E::Failed(_) => "the module reported failure",
        E::Break(_) => "connection dropped",
        E::Restarted => "the module restarted",
        E::UnexpectedAnswer => "unexpected answer from the module",
        E::Io(_) => "serial port error",
        // On the CA or clock code the driver read the module's clock: say which to check.
        #[cfg(feature = "tls")]
        E::Tls(TlsErrorReason::CaOrClock(ClockCheck::Implausible { .. })) => {
            "TLS: the server's certificate did not verify, and the module's clock cannot be \
             right (set it: AT+CTZU=1 with network time, or AT+CCLK=)"
        }
        #[cfg(feature = "tls")]
        E::Tls(TlsErrorReason::CaOrClock(ClockCheck::Plausible)) => {
            "TLS: the server's certificate did not verify (the module's clock is plausible: \
             check the CA)"
        }
        #[cfg(feature = "tls")]
        E::Tls(TlsErrorReason::CaOrClock(_)) => {
            "TLS: the server's certificate did not verify (check the CA and the module's clock)"
        }
        #[cfg(feature = "tls")]
        E::Tls(_) => "TLS failed (check the files, the TLS version and the port)",
        _ => "error",
    }
}

/// What kind of event `e` is, for the log (as [`describe`], rather than `Debug`).
fn event_kind(e: &Event<'_>) -> &'static str {
    match e {
        Event::Message(_) => "message",
        Event::Break { .. } => "connection dropped",
        Event::Restarted => "module restarted",
        Event::Registration(_) => "registration report",
        Event::DataCallDown => "data call down",
        Event::Unsolicited(_) => "unsolicited line",
        Event::Garbled(_) => "garbled line",
        Event::Lost(_) => "events lost",
        Event::ReadFailed { .. } => "a message could not be read",
        _ => "other",
    }
}

/// Tags an operation's error with the step's name.
trait Step<T> {
    fn step(self, name: &'static str) -> Result<T, Failure>;
}

impl<T> Step<T> for Result<T, fibocom_mqtt::Error> {
    fn step(self, name: &'static str) -> Result<T, Failure> {
        self.map_err(|e| Failure(name, e))
    }
}

#[embassy_executor::task]
async fn modem(mut runner: Runner<'static, UartRx>) {
    let error = runner.run().await;
    hprintln!("firmware: serial link ended: {}", describe(&error));
    debug::exit(EXIT_FAILURE);
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let Some(core) = cortex_m::Peripherals::take() else {
        exit(EXIT_FAILURE);
    };
    time_driver::init(core.SYST);
    let (tx, rx) = uart::init();
    let (runner, client) = asynch::new(STATE.init(State::new()), rx, tx, Config::default());
    spawner.spawn(modem(runner).expect("the modem task is spawned once"));

    hprintln!("firmware: started");
    #[cfg(feature = "session")]
    let run = kept::run;
    let code = match with_timeout(DEADLINE, run(&client)).await {
        Ok(Ok(())) => {
            hprintln!("firmware: success");
            EXIT_SUCCESS
        }
        Ok(Err(failure)) => {
            hprintln!("firmware: FAILED: {}", failure);
            EXIT_FAILURE
        }
        Err(_) => {
            hprintln!(
                "firmware: FAILED: no result within {} s",
                DEADLINE.as_secs()
            );
            EXIT_FAILURE
        }
    };
    exit(code);
}

#[cfg_attr(feature = "session", allow(dead_code))]
async fn run(c: &Control<'static, UartTx>) -> Result<(), Failure> {
    let id = ClientId::One;
    c.start().await.step("start")?;
    hprintln!("firmware: module ready");
    let ip = c.attach(None, None).await.step("attach")?;
    hprintln!("firmware: data call up, address {}", ip.as_str());
    c.set_user(id, USER.0, USER.1, Some(CLIENT_ID))
        .await
        .step("set user")?;
    #[cfg(not(feature = "tls"))]
    {
        c.open(id, Broker::new("broker.local", 1883))
            .await
            .step("open")?;
        hprintln!("firmware: connected");
    }
    #[cfg(feature = "tls")]
    {
        // After a module restart this provisioning is the one call to make again.
        c.provision_tls(&tls::SETUP)
            .await
            .step("TLS provisioning")?;
        hprintln!(
            "firmware: TLS provisioned ({})",
            if tls::SETUP.verify {
                "server verified against the CA"
            } else {
                "server NOT verified: no CA given at build time"
            }
        );
        c.open_tls(id, Broker::new("localhost", tls::PORT), tls::SETUP.param)
            .await
            .step("open over TLS")?;
        hprintln!("firmware: connected over TLS");
    }
    c.subscribe(id, TOPIC_IN, QoS::AtLeastOnce)
        .await
        .step("subscribe")?;
    hprintln!("firmware: subscribed to {}", TOPIC_IN);

    loop {
        c.publish(id, TOPIC_OUT, PAYLOAD, QoS::AtLeastOnce, false)
            .await
            .step("publish")?;
        hprintln!(
            "firmware: published {} bytes on {}",
            PAYLOAD.len(),
            TOPIC_OUT
        );
        let until = Instant::now() + REPUBLISH;
        while let Some(left) = until.checked_duration_since(Instant::now()) {
            let Ok(outcome) = with_timeout(left, c.next_event(on_event)).await else {
                break;
            };
            let outcome = outcome.step("waiting for a message")?;
            match outcome {
                Outcome::Received => {
                    c.close(id).await.step("close")?;
                    hprintln!("firmware: closed");
                    return Ok(());
                }
                Outcome::Dropped(e) => return Err(Failure("waiting for a message", e)),
                Outcome::Other => {}
            }
        }
    }
}

/// What an event means for [`run`].
enum Outcome {
    /// A message arrived on [`TOPIC_IN`].
    Received,
    /// The connection or the module went away.
    Dropped(fibocom_mqtt::Error),
    /// Anything else: keep waiting.
    Other,
}

fn on_event(event: Event<'_>) -> Outcome {
    match event {
        Event::Message(m) => {
            let text = core::str::from_utf8(m.payload).unwrap_or("<not UTF-8>");
            let topic = core::str::from_utf8(m.topic).unwrap_or("<not UTF-8>");
            hprintln!("firmware: received on {}: {}", topic, text);
            if m.topic == TOPIC_IN.as_bytes() {
                Outcome::Received
            } else {
                Outcome::Other
            }
        }
        Event::Break { cause, .. } => Outcome::Dropped(fibocom_mqtt::Error::Break(cause)),
        Event::Restarted => Outcome::Dropped(fibocom_mqtt::Error::Restarted),
        other => {
            hprintln!("firmware: event: {}", event_kind(&other));
            Outcome::Other
        }
    }
}

/// Ends the emulation with `code` as QEMU's exit status.
fn exit(code: debug::ExitStatus) -> ! {
    loop {
        debug::exit(code);
    }
}

/// Device interrupts have no vector of their own (there is no device crate for the board):
/// they all come here with their number.
#[exception]
unsafe fn DefaultHandler(irqn: i16) {
    match u16::try_from(irqn) {
        Ok(irq @ (uart::IRQ_RX | uart::IRQ_TX)) => uart::on_interrupt(irq),
        Ok(time_driver::IRQ_TIMER0) => time_driver::on_timer0(),
        _ => {}
    }
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    hprintln!("firmware: FAILED: hard fault at {:#010x}", frame.pc());
    exit(EXIT_FAILURE)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    hprintln!("firmware: FAILED: {}", info);
    exit(EXIT_FAILURE)
}
