//! The async driver on a Linux host with tokio, with nothing but published crates: a module
//! behind a TCP serial server (`tcp://HOST:PORT`: the simulator, ser2net, or socat in front of
//! `/dev/ttyUSB2`). It starts the module, brings the data call up, connects client 1 to the
//! broker, subscribes to `fibocom-mqtt/demo/#`, publishes a greeting there, prints every message
//! that arrives for 30 s (topic and payload as text), and closes the connection.
//!
//! ```text
//! host_async tcp://HOST:PORT [BROKER_HOST] [APN]
//!
//! cargo run -p fibocom-sim -- --tcp 127.0.0.1:5555     # a simulated module, in another shell
//! cargo run --example host_async -- tcp://127.0.0.1:5555
//! socat TCP-LISTEN:5555,reuseaddr FILE:/dev/ttyUSB2,raw,echo=0,b115200 &   # a real module
//! cargo run --example host_async -- tcp://127.0.0.1:5555 test.mosquitto.org internet
//! ```
//!
//! Its dependencies, in a project of your own:
//!
//! ```toml
//! fibocom-mqtt = "0.1"
//! embassy-time = { version = "0.5", features = ["std", "generic-queue-8"] }
//! embedded-io-adapters = { version = "0.7", features = ["tokio-1"] }
//! tokio = { version = "1", features = ["rt", "net", "time", "macros"] }
//! ```
//!
//! embassy-time needs both features: `std` for the clock (else `undefined symbol:
//! _embassy_time_now`) and a `generic-queue-N` for the driver's timers (else `undefined symbol:
//! __embassy_time_queue_item_from_waker`).

use std::process::ExitCode;

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, Control};
use fibocom_mqtt::{Broker, ClientId, Config, Event, QoS, State};
use tokio::net::tcp::OwnedWriteHalf;

const USAGE: &str = "usage: host_async tcp://HOST:PORT [BROKER_HOST] [APN]";

// The driver's types are not `Send`: one thread runs the runner and the application.
#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(addr) = args.first().and_then(|a| a.strip_prefix("tcp://")) else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let broker = args.get(1).map_or("test.mosquitto.org", String::as_str);
    let apn = args.get(2).map(String::as_str);

    let stream = match tokio::net::TcpStream::connect(addr).await {
        Ok(stream) => stream,
        Err(e) => {
            eprintln!("host_async: {addr}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let _ = stream.set_nodelay(true);
    let (rd, wr) = stream.into_split();
    let mut state = State::<1536>::new();
    let (mut runner, control) = asynch::new(
        &mut state,
        FromTokio::new(rd),
        FromTokio::new(wr),
        Config::default(),
    );
    // The runner reads the port while the demo runs; it returns only when the link is dead.
    let result = tokio::select! {
        e = runner.run() => Err(e),
        r = demo(&control, broker, apn) => r,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            match control.last_failure() {
                // The command that failed and the module's answer: "AT+MQTTOPEN answered ERROR".
                Some(failure) if failure.error == e => eprintln!("host_async: {failure}"),
                _ => eprintln!("host_async: {e}"),
            }
            ExitCode::FAILURE
        }
    }
}

async fn demo(
    control: &Control<'_, FromTokio<OwnedWriteHalf>>,
    broker: &str,
    apn: Option<&str>,
) -> Result<(), fibocom_mqtt::Error> {
    let id = ClientId::One;
    control.start().await?; // AT until it answers, ATE0, AT+MQTTCONF=1
    let ip = control.attach(apn, None).await?; // the data call
    println!("data call up: {ip}");
    control.open(id, Broker::new(broker, 1883)).await?;
    println!("connected to {broker}");
    control
        .subscribe(id, "fibocom-mqtt/demo/#", QoS::AtLeastOnce)
        .await?;
    control
        .publish(
            id,
            "fibocom-mqtt/demo/hello",
            b"hello",
            QoS::AtLeastOnce,
            false,
        )
        .await?;

    let wait = tokio::time::sleep(std::time::Duration::from_secs(30));
    tokio::pin!(wait);
    loop {
        tokio::select! {
            _ = &mut wait => break,
            r = control.next_event(|event| match event {
                Event::Message(m) => println!(
                    "{} {}",
                    String::from_utf8_lossy(m.topic),
                    String::from_utf8_lossy(m.payload)
                ),
                other => println!("event: {other:?}"),
            }) => r?,
        }
    }
    control.close(id).await?;
    println!("closed");
    Ok(())
}
