//! The whole job without hardware: an in-process MQTT broker, the module simulator on a TCP
//! link, and the async driver talking AT commands to it; then the same over TLS (the module
//! provisioned with a CA made at run time, the broker's TLS listener verified against it).
//!
//! ```text
//! cargo run --example quickstart             # a readable account of each step
//! cargo run --example quickstart -- --trace  # and every AT line that crosses the link
//! ```

use std::time::Instant;

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, Event, QoS, TlsSetup};
use fibocom_sim::broker::tls::{TestPki, TlsOptions};
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

    // 1. A broker that wants a user name and password, plain and over TLS (a CA and a server
    //    certificate for localhost made now), and a simulated module relaying to it.
    let pki = TestPki::new();
    let broker = MqttBroker::start(BrokerOptions {
        users: vec![("demo".into(), "s3cret".into())],
        tls: Some(TlsOptions::new(pki.server())),
        ..BrokerOptions::default()
    })?;
    let tls_addr = broker.tls_addr().ok_or("broker has no TLS listener")?;
    println!(
        "broker     listening on {} (plain) and {tls_addr} (TLS)",
        broker.addr()
    );
    let sim = Simulator::start(
        SimConfig {
            broker: broker.addr().to_string(),
            tls_broker: Some(tls_addr.to_string()),
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
        let ca = pki.ca_pem();
        let demo = core::pin::pin!(demo(&client, ca.as_bytes()));
        let run = core::pin::pin!(runner.run());
        match select(run, demo).await {
            Either::Left((e, _)) => Err(format!("link ended: {e}").into()),
            Either::Right((r, _)) => r,
        }
    })
}

async fn demo<W: embedded_io_async::Write>(
    c: &asynch::Control<'_, W>,
    ca: &[u8],
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

    receive(c, 2).await?;

    c.close(id).await?;
    println!("client 1   closed");

    // 2. The same over TLS: the module does the TLS; the driver gives it the version, turns
    //    verification on and uploads the CA (from this slice, after the module's prompt), then
    //    opens with the TLS parameter. After a module restart this one call is made again.
    let tls = TlsSetup::new().trust(ca);
    c.provision_tls(&tls).await?;
    println!(
        "TLS        provisioned: TLS 1.2, verify the server, CA of {} bytes",
        ca.len()
    );
    c.open_tls(id, Broker::new("localhost", 8883), tls.param)
        .await?;
    println!("client 1   connected over TLS to localhost:8883, certificate verified");
    c.subscribe(id, "demo/tls", QoS::AtLeastOnce).await?;
    c.publish(
        id,
        "demo/tls",
        b"encrypted \x00 hello",
        QoS::AtLeastOnce,
        false,
    )
    .await?;
    println!("publish    demo/tls over TLS");
    receive(c, 1).await?;
    c.close(id).await?;
    println!("client 1   closed");

    c.detach().await?;
    println!("data call  down. Done.");
    Ok(())
}

/// Prints the next `n` messages (each within 10 s) and any events between them.
async fn receive<W: embedded_io_async::Write>(
    c: &asynch::Control<'_, W>,
    n: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut received = 0;
    while received < n {
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
    Ok(())
}

struct Escaped<'a>(&'a [u8]);

impl std::fmt::Debug for Escaped<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "\"{}\"", self.0.escape_ascii())
    }
}
