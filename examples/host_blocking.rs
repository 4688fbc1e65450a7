//! The blocking driver on a Linux host, with nothing but published crates: a module on a serial
//! device (`/dev/ttyUSB2`) or behind a TCP serial server (`tcp://HOST:PORT`). It starts the
//! module, brings the data call up, connects client 1 to the broker, subscribes to
//! `fibocom-mqtt/demo/#`, publishes a greeting there, prints every message that arrives for
//! 30 s (topic and payload as text), and closes the connection.
//!
//! ```text
//! host_blocking DEVICE|tcp://HOST:PORT [BROKER_HOST] [APN]
//!
//! cargo run -p fibocom-sim -- --tcp 127.0.0.1:5555     # a simulated module, in another shell
//! cargo run --example host_blocking -- tcp://127.0.0.1:5555
//! cargo run --example host_blocking -- /dev/ttyUSB2 test.mosquitto.org internet
//! ```
//!
//! Its dependencies, in a project of your own:
//!
//! ```toml
//! fibocom-mqtt = { version = "0.1", features = ["std"] }
//! embassy-time = { version = "0.5", features = ["std"] }   # the clock
//! embedded-io = "0.7"
//! ```

use std::process::ExitCode;

use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::host::{SerialPort, TcpPort};
use fibocom_mqtt::{Broker, ClientId, Config, Duration, Event, QoS};

const USAGE: &str = "usage: host_blocking DEVICE|tcp://HOST:PORT [BROKER_HOST] [APN]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(link) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let broker = args.get(1).map_or("test.mosquitto.org", String::as_str);
    let apn = args.get(2).map(String::as_str);
    // The host ports' reads give up after 50 ms, as the blocking driver needs.
    let result = match link.strip_prefix("tcp://") {
        Some(addr) => TcpPort::connect(addr, std::time::Duration::from_secs(5))
            .map_err(|e| format!("{link}: {e}"))
            .and_then(|port| run(port, broker, apn)),
        None => SerialPort::open(link, 115_200)
            .map_err(|e| format!("{link}: {e}"))
            .and_then(|port| run(port, broker, apn)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("host_blocking: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the demo on `port`; on failure, says which command failed and how.
fn run<P>(port: P, broker: &str, apn: Option<&str>) -> Result<(), String>
where
    P: embedded_io::Read + embedded_io::Write,
{
    let mut modem = Modem::<_, 1536>::new(port, Config::default());
    demo(&mut modem, broker, apn).map_err(|e| match modem.last_failure() {
        // The command that failed and the module's answer: "AT+MQTTOPEN answered ERROR".
        Some(failure) if failure.error == e => failure.to_string(),
        _ => e.to_string(),
    })
}

fn demo<P>(
    modem: &mut Modem<P, 1536>,
    broker: &str,
    apn: Option<&str>,
) -> Result<(), fibocom_mqtt::Error>
where
    P: embedded_io::Read + embedded_io::Write,
{
    let id = ClientId::One;
    modem.start()?; // AT until it answers, ATE0, AT+MQTTCONF=1
    let ip = modem.attach(apn, None)?; // the data call
    println!("data call up: {ip}");
    modem.open(id, Broker::new(broker, 1883))?;
    println!("connected to {broker}");
    modem.subscribe(id, "fibocom-mqtt/demo/#", QoS::AtLeastOnce)?;
    modem.publish(
        id,
        "fibocom-mqtt/demo/hello",
        b"hello",
        QoS::AtLeastOnce,
        false,
    )?;

    let until = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while std::time::Instant::now() < until {
        modem.poll_event(Duration::from_millis(500), |event| match event {
            Event::Message(m) => println!(
                "{} {}",
                String::from_utf8_lossy(m.topic),
                String::from_utf8_lossy(m.payload)
            ),
            other => println!("event: {other:?}"),
        })?;
    }
    modem.close(id)?;
    println!("closed");
    Ok(())
}
