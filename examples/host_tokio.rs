//! The async driver on a Linux host with tokio: the runner spawned as a local task of a
//! current-thread runtime (the driver's futures are not `Send`), the port a TCP link wrapped
//! in embedded-io-adapters' `FromTokio`.
//!
//! ```text
//! cargo run --example host_tokio                        # against a simulated module
//! cargo run --example host_tokio -- 127.0.0.1:4001      # a module behind ser2net, say
//! ```

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, Event, QoS};
use tokio::net::tcp::OwnedWriteHalf;

type Control = asynch::Control<'static, FromTokio<OwnedWriteHalf>>;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // With no address given, a simulated module relaying to an in-process broker.
    let (link, _sim) = match std::env::args().nth(1) {
        Some(addr) => (addr.parse()?, None),
        None => {
            let broker = fibocom_sim::broker::Broker::start(Default::default())?;
            let sim = fibocom_sim::Simulator::start(
                fibocom_sim::SimConfig {
                    broker: broker.addr().to_string(),
                    ..Default::default()
                },
                fibocom_sim::Link::Tcp("127.0.0.1:0".parse()?),
            )?;
            let addr = sim.tcp_addr().ok_or("simulator has no TCP link")?;
            (addr, Some((broker, sim)))
        }
    };

    // One thread: the runner and the application are local tasks of the same LocalSet.
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let local = tokio::task::LocalSet::new();
    local.block_on(&rt, async move {
        let stream = tokio::net::TcpStream::connect(link).await?;
        stream.set_nodelay(true)?;
        let (rd, wr) = stream.into_split();
        // The runner task needs the state for the life of the program.
        let state: &'static mut State<1536> = Box::leak(Box::new(State::new()));
        let (mut runner, modem) = asynch::new(
            state,
            FromTokio::new(rd),
            FromTokio::new(wr),
            Config::default(),
        );
        // `run` returns only when the link is dead: say so once (a later call stays pending).
        let runner = tokio::task::spawn_local(async move {
            let error = runner.run().await;
            eprintln!("serial link dead: {error}");
        });
        let result = app(&modem).await;
        runner.abort();
        result
    })
}

async fn app(modem: &Control) -> Result<(), Box<dyn std::error::Error>> {
    let id = ClientId::One;
    modem.start().await?;
    let ip = modem.attach(None, None).await?;
    println!("data call up: {ip}");
    modem
        .open(id, Broker::new("broker.example.com", 1883))
        .await?;
    modem.subscribe(id, "demo/#", QoS::AtLeastOnce).await?;
    modem
        .publish(id, "demo/hello", b"from tokio", QoS::AtLeastOnce, false)
        .await?;
    let wait = std::time::Duration::from_secs(10);
    let got = tokio::time::timeout(
        wait,
        modem.next_event(|ev| match ev {
            Event::Message(m) => format!(
                "{} {}",
                String::from_utf8_lossy(m.topic),
                String::from_utf8_lossy(m.payload)
            ),
            other => format!("{other:?}"),
        }),
    )
    .await??;
    println!("received: {got}");
    modem.close(id).await?;
    Ok(())
}
