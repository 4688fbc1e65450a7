//! The whole job without hardware: an in-process MQTT broker, the module simulator on a TCP
//! link, and the async driver talking AT commands to it.
//!
//! ```text
//! cargo run --example quickstart             # a readable account of each step
//! cargo run --example quickstart -- --trace  # and every AT line that crosses the link
//! ```

use std::time::Instant;

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, Event, QoS};
use fibocom_sim::broker::{Broker as MqttBroker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use futures::future::{select, Either};

/// Prints every AT line the driver logs (its `log` feature) when `--trace` is given.
struct Trace(Instant);

impl log::Log for Trace {
    fn enabled(&self, m: &log::Metadata) -> bool {
        m.target().starts_with("fibocom_mqtt")
    }
    fn log(&self, r: &log::Record) {
        if self.enabled(r.metadata()) {
            eprintln!("  {:>8.3}s  {}", self.0.elapsed().as_secs_f64(), r.args());
        }
    }
    fn flush(&self) {}
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--trace") {
        log::set_boxed_logger(Box::new(Trace(Instant::now())))?;
        log::set_max_level(log::LevelFilter::Trace);
    }

    // 1. A broker that wants a user name and password, and a simulated module relaying to it.
    let broker = MqttBroker::start(BrokerOptions {
        users: vec![("demo".into(), "s3cret".into())],
        ..BrokerOptions::default()
    })?;
    println!("broker     listening on {}", broker.addr());
    let sim = Simulator::start(
        SimConfig {
            broker: broker.addr().to_string(),
            ..SimConfig::default()
        },
        Link::Tcp("127.0.0.1:0".parse()?),
    )?;
    let link = sim.tcp_addr().ok_or("simulator has no TCP link")?;
    println!("simulator  serial link on tcp://{link}");

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(link).await?;
        stream.set_nodelay(true)?;
        let (rd, wr) = stream.into_split();
        let mut state = State::<1536>::new();
        let (mut runner, client) = asynch::new(
            &mut state,
            FromTokio::new(rd),
            FromTokio::new(wr),
            Config::default(),
        );
        let demo = core::pin::pin!(demo(&client));
        let run = core::pin::pin!(runner.run());
        match select(run, demo).await {
            Either::Left((e, _)) => Err(format!("link ended: {e}").into()),
            Either::Right((r, _)) => r,
        }
    })
}

async fn demo<W: embedded_io_async::Write>(
    c: &asynch::Control<'_, W>,
) -> Result<(), Box<dyn std::error::Error>> {
    let id = ClientId::One;
    c.start().await?;
    println!("module     answered AT; echo off; receive mode 1 (binary safe)");
    let sq = c.signal_quality().await?;
    let op = c.operator().await?;
    println!(
        "network    operator {:?}, signal {} dBm",
        op.name.as_str(),
        sq.dbm().unwrap_or(0)
    );
    let ip = c.attach(Some("internet"), None).await?;
    println!("data call  up, address {ip}");

    c.set_user(id, "demo", "s3cret", Some("quickstart-1"))
        .await?;
    c.set_will(id, "demo/status", QoS::AtLeastOnce, true, "offline")
        .await?;
    println!("client 1   user and will set");
    c.open(id, Broker::new("broker.local", 1883)).await?;
    println!("client 1   connected");
    c.subscribe(id, "demo/#", QoS::AtLeastOnce).await?;
    println!("client 1   subscribed to demo/#");

    c.publish(
        id,
        "demo/text",
        b"hello from the module",
        QoS::AtLeastOnce,
        false,
    )
    .await?;
    println!("publish    demo/text: text form");
    let binary = [0x00, 0x22, 0x0d, 0x0a, 0xff, b',', b'"'];
    c.publish(id, "demo/binary", &binary, QoS::ExactlyOnce, false)
        .await?;
    println!(
        "publish    demo/binary: {} raw bytes in the data form",
        binary.len()
    );

    let mut received = 0;
    while received < 2 {
        let line = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            c.next_event(|ev| match ev {
                Event::Message(m) => {
                    received += 1;
                    format!(
                        "received   {} (qos {}): {:?}",
                        String::from_utf8_lossy(m.topic),
                        m.qos.number(),
                        Escaped(m.payload)
                    )
                }
                other => format!("event      {other:?}"),
            }),
        )
        .await
        .map_err(|_| "no message came back within 10 s")??;
        println!("{line}");
    }

    c.close(id).await?;
    println!("client 1   closed");
    c.detach().await?;
    println!("data call  down. Done.");
    Ok(())
}

struct Escaped<'a>(&'a [u8]);

impl std::fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}
