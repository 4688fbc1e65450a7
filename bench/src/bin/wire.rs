//! Wire efficiency: bytes per publish against the budget, command lines per operation, and
//! publish throughput at a simulated 115200 baud, end to end through the async driver.
//!
//! ```text
//! cargo run --release -p fibocom-mqtt-bench --bin wire [-- SECONDS]
//! ```
//!
//! 1. Bytes the host writes per publish of N bytes (the command line, ended by CR, and in the
//!    data form the raw payload after the prompt), from `Command::encoded_len`, against the
//!    budget of N + 64 bytes.
//! 2. Command lines and bytes each way per operation, counted by the simulator, with the driver
//!    talking to it over TCP at full speed (echo off after `start`).
//! 3. Publish throughput with the simulator pacing its link at 115200 baud (11 520 bytes per
//!    second each way), each case run for SECONDS (default 5), publishes one after another as
//!    an application awaiting each would do; then the same unpaced, which shows how long a
//!    publish takes besides the line (driver, simulator, broker, TCP).

use std::error::Error;
use std::time::{Duration, Instant};

use embedded_io_adapters::tokio_1::FromTokio;
use fibocom_mqtt::asynch::{self, State};
use fibocom_mqtt::codec::{Command, LineEnd, PayloadForm};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, Event, QoS};
use fibocom_sim::broker::{Broker as MqttBroker, BrokerOptions};
use fibocom_sim::{Link, SimConfig, Simulator};
use futures::future::{select, Either};

type Res<T> = Result<T, Box<dyn Error>>;
type Client<'a> = asynch::Control<'a, FromTokio<tokio::net::tcp::OwnedWriteHalf>>;

/// The topic of the publishes measured.
const TOPIC: &str = "dev/42/telemetry";
const BAUD: u32 = 115_200;

fn main() -> Res<()> {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5.0);
    encoded_sizes()?;
    with_driver(None, Job::PerOperation)?;
    let each = Duration::from_secs_f64(secs);
    with_driver(Some(BAUD), Job::Throughput(Some(BAUD), each))?;
    with_driver(None, Job::Throughput(None, each))?;
    with_driver(Some(BAUD), Job::Breakdown(BREAKDOWN_PUBLISHES))?;
    with_driver(
        Some(BAUD),
        Job::RoundTrip(RTT, each.max(Duration::from_secs(4))),
    )?;
    Ok(())
}

/// Publishes timed one by one from the simulator's transcript.
const BREAKDOWN_PUBLISHES: usize = 20;

/// The network round trip to the broker of the field case (a cellular link).
const RTT: Duration = Duration::from_millis(200);

/// Bytes the host writes for a publish of `payload` in `form`, or `None` if the form refuses it.
fn publish_bytes(topic: &str, payload: &[u8], form: PayloadForm) -> Option<usize> {
    let cmd = Command::Publish {
        id: ClientId::One,
        topic,
        qos: QoS::AtLeastOnce,
        retain: false,
        payload,
        form,
    };
    let line = cmd.encoded_len(LineEnd::Cr).ok()?;
    Some(line + cmd.data_payload().map_or(0, <[u8]>::len))
}

fn encoded_sizes() -> Res<()> {
    println!(
        "1. bytes written per publish of N bytes (topic {TOPIC:?}, {} bytes; client 1, qos 1, \
         no retain; budget N + 64)",
        TOPIC.len()
    );
    println!(
        "  {:>6}  {:>16}  {:>16}  {:>8}",
        "N", "text form", "data form", "budget"
    );
    let mut worst = 0;
    for n in [0usize, 10, 100, 1024] {
        let payload = vec![b'a'; n];
        let text = publish_bytes(TOPIC, &payload, PayloadForm::Text);
        let data = publish_bytes(TOPIC, &payload, PayloadForm::Data);
        let mut show = |b: Option<usize>| match b {
            Some(b) => {
                worst = worst.max(b - n);
                format!("{b} (+{})", b - n)
            }
            None => "refused".to_string(),
        };
        let t = show(text);
        let d = show(data);
        println!("  {n:>6}  {t:>16}  {d:>16}  {:>8}", n + 64);
    }
    println!(
        "  largest overhead {worst} bytes: {}",
        if worst <= 64 {
            "budget met"
        } else {
            "budget MISSED"
        }
    );
    // The longest topic that keeps every form within the budget.
    let fits = |len: usize| {
        let topic = "t".repeat(len);
        [0usize, 10, 100, 1024].iter().all(|&n| {
            let payload = vec![b'a'; n];
            [PayloadForm::Text, PayloadForm::Data]
                .iter()
                .all(|&f| publish_bytes(&topic, &payload, f).is_none_or(|b| b <= n + 64))
        })
    };
    let longest = (1..=255).take_while(|&l| fits(l)).last().unwrap_or(0);
    println!("  the budget holds for topics of up to {longest} bytes (overhead = topic length + a fixed part)");
    Ok(())
}

/// What to measure.
enum Job {
    PerOperation,
    Throughput(Option<u32>, Duration),
    /// Where the time of this many 1 KiB publishes goes, from the simulator's transcript.
    Breakdown(usize),
    /// Publishes over a network with this round trip to the broker, each case for so long.
    RoundTrip(Duration, Duration),
}

/// Starts a broker and a simulator (pacing at `baud` if given), connects the async driver to
/// it over TCP and runs `job` next to the driver's runner.
fn with_driver(baud: Option<u32>, job: Job) -> Res<()> {
    let broker = MqttBroker::start(BrokerOptions::default())?;
    let transcript = match job {
        Job::Breakdown(_) => Some(
            std::env::temp_dir().join(format!("fibocom-wire-{}.transcript", std::process::id())),
        ),
        _ => None,
    };
    let broker_rtt = match job {
        Job::RoundTrip(rtt, _) => rtt,
        _ => Duration::ZERO,
    };
    let sim = Simulator::start(
        SimConfig {
            broker: broker.addr().to_string(),
            baud,
            broker_rtt,
            transcript: transcript.clone(),
            ..SimConfig::default()
        },
        Link::Tcp("127.0.0.1:0".parse()?),
    )?;
    let link = sim.tcp_addr().ok_or("simulator has no TCP link")?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let stream = tokio::net::TcpStream::connect(link).await?;
        stream.set_nodelay(true)?;
        let (rd, wr) = stream.into_split();
        let mut state = State::<{ fibocom_mqtt::RX_BUFFER_MIN }>::new();
        let (mut runner, client) = asynch::new(
            &mut state,
            FromTokio::new(rd),
            FromTokio::new(wr),
            Config::default(),
        );
        let run = core::pin::pin!(runner.run());
        let work = core::pin::pin!(async {
            match job {
                Job::PerOperation => per_operation(&client, &sim).await,
                Job::Throughput(baud, each) => throughput(&client, &sim, baud, each).await,
                Job::Breakdown(n) => publish_n(&client, n).await,
                Job::RoundTrip(rtt, each) => round_trip(&client, rtt, each).await,
            }
        });
        let result = match select(run, work).await {
            Either::Left((e, _)) => Err(format!("link ended: {e}").into()),
            Either::Right((r, _)) => r,
        };
        result
    })?;
    if let Some(path) = transcript {
        let text = std::fs::read_to_string(&path);
        let _ = std::fs::remove_file(&path);
        breakdown(&text?)?;
    }
    Ok(())
}

/// What the simulator saw so far.
struct Mark {
    commands: usize,
    from_host: u64,
    to_host: u64,
}

fn mark(sim: &Simulator) -> Mark {
    Mark {
        commands: sim.received_commands().len(),
        from_host: sim.bytes_from_host(),
        to_host: sim.bytes_to_host(),
    }
}

/// Prints what happened on the link since `m`: command lines (those starting with `only`, if
/// given) and bytes each way.
fn report(sim: &Simulator, what: &str, m: &Mark, only: Option<&str>) {
    let lines: Vec<String> = sim
        .received_commands()
        .into_iter()
        .skip(m.commands)
        .filter(|l| only.is_none_or(|p| l.starts_with(p)))
        .collect();
    let shown: Vec<String> = lines
        .iter()
        .map(|l| {
            if l.len() > 60 {
                format!("{}...", &l[..57])
            } else {
                l.clone()
            }
        })
        .collect();
    if only.is_some() {
        println!(
            "  {what:<34} {:>2} line(s): {}",
            lines.len(),
            shown.join(" | ")
        );
    } else {
        println!(
            "  {what:<34} {:>2} line(s), {:>5} B out, {:>4} B in: {}",
            lines.len(),
            sim.bytes_from_host() - m.from_host,
            sim.bytes_to_host() - m.to_host,
            shown.join(" | ")
        );
    }
}

/// A payload that is not text: the data form.
fn binary(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 + 3) as u8).collect()
}

async fn per_operation(c: &Client<'_>, sim: &Simulator) -> Res<()> {
    println!(
        "2. command lines per operation (simulator at full speed, TCP link; out = host to module)"
    );
    let id = ClientId::One;
    let m = mark(sim);
    c.start().await?;
    report(sim, "start (probe, echo off, mode 1)", &m, None);
    let m = mark(sim);
    c.attach(Some("internet"), None).await?;
    report(sim, "attach (data call)", &m, None);
    let m = mark(sim);
    c.set_user(id, "bench", "secret", Some("bench-1")).await?;
    report(sim, "set_user", &m, None);
    let m = mark(sim);
    c.open(id, Broker::new("broker.local", 1883)).await?;
    report(sim, "open", &m, None);
    let m = mark(sim);
    c.subscribe(id, "bench/in/#", QoS::AtLeastOnce).await?;
    report(sim, "subscribe", &m, None);
    let m = mark(sim);
    c.publish(id, TOPIC, b"t=21.5;h=40", QoS::AtLeastOnce, false)
        .await?;
    report(sim, "publish, text, 11 B, qos 1", &m, None);
    let m = mark(sim);
    c.publish(id, TOPIC, &binary(1024), QoS::AtLeastOnce, false)
        .await?;
    report(sim, "publish, data, 1024 B, qos 1", &m, None);

    // A message for client 1, sent by client 2 through the broker.
    let two = ClientId::Two;
    c.open(two, Broker::new("broker.local", 1883)).await?;
    let m = mark(sim);
    c.publish(two, "bench/in/blob", &binary(1024), QoS::AtLeastOnce, false)
        .await?;
    let got = tokio::time::timeout(
        Duration::from_secs(10),
        c.next_event(|ev| match ev {
            Event::Message(msg) => Some(msg.payload.len()),
            _ => None,
        }),
    )
    .await?;
    if got != Ok(Some(1024)) {
        return Err(format!("expected a 1024-byte message, got {got:?}").into());
    }
    report(
        sim,
        "receive 1 KiB message (mode 1)",
        &m,
        Some("AT+MQTTREAD"),
    );
    c.close(two).await?;

    let m = mark(sim);
    c.unsubscribe(id, "bench/in/#").await?;
    report(sim, "unsubscribe", &m, None);
    let m = mark(sim);
    c.close(id).await?;
    report(sim, "close", &m, None);
    let m = mark(sim);
    c.detach().await?;
    report(sim, "detach", &m, None);
    Ok(())
}

async fn throughput(c: &Client<'_>, sim: &Simulator, baud: Option<u32>, each: Duration) -> Res<()> {
    let line_rate = f64::from(baud.unwrap_or(0)) / 10.0;
    match baud {
        Some(baud) => println!(
            "3. publish throughput at a simulated {baud} baud ({line_rate:.0} B/s each way), topic {TOPIC:?}, one publish after another, {:.0} s per case",
            each.as_secs_f64()
        ),
        None => println!(
            "4. the same with the simulator unpaced (the time a publish takes besides the line: driver, simulator, broker, TCP)"
        ),
    }
    let id = ClientId::One;
    c.start().await?;
    c.attach(Some("internet"), None).await?;
    c.set_user(id, "bench", "secret", Some("bench-1")).await?;
    c.open(id, Broker::new("broker.local", 1883)).await?;
    if baud.is_some() {
        println!(
            "  {:<26} {:>7} {:>9} {:>12} {:>10} {:>10}",
            "case", "msg/s", "payload", "payload/line", "wire out", "wire in"
        );
    } else {
        println!("  {:<26} {:>7} {:>9}", "case", "msg/s", "payload");
    }
    let text = b"t=21.5;h=40;v=3.3".to_vec();
    let cases: [(&str, Vec<u8>, QoS); 4] = [
        ("1 KiB binary, qos 0", binary(1024), QoS::AtMostOnce),
        ("1 KiB binary, qos 1", binary(1024), QoS::AtLeastOnce),
        ("17 B text, qos 0", text.clone(), QoS::AtMostOnce),
        ("17 B text, qos 1", text, QoS::AtLeastOnce),
    ];
    for (name, payload, qos) in cases {
        let m = mark(sim);
        let t = Instant::now();
        let mut n = 0u32;
        while t.elapsed() < each {
            c.publish(id, TOPIC, &payload, qos, false).await?;
            n += 1;
        }
        let secs = t.elapsed().as_secs_f64();
        let out = (sim.bytes_from_host() - m.from_host) as f64 / secs;
        let inn = (sim.bytes_to_host() - m.to_host) as f64 / secs;
        let rate = f64::from(n) * payload.len() as f64 / secs;
        if baud.is_some() {
            println!(
                "  {name:<26} {:>7.1} {:>7.0}/s {:>11.1}% {:>9.1}% {:>9.1}%",
                f64::from(n) / secs,
                rate,
                100.0 * rate / line_rate,
                100.0 * out / line_rate,
                100.0 * inn / line_rate
            );
        } else {
            println!(
                "  {name:<26} {:>7.1} {:>7.0}/s {:>9.2} ms per publish",
                f64::from(n) / secs,
                rate,
                1000.0 * secs / f64::from(n)
            );
        }
    }
    c.close(id).await?;
    Ok(())
}

/// Connects client 1 and publishes `n` 1 KiB binary messages at qos 1, one after another.
async fn publish_n(c: &Client<'_>, n: usize) -> Res<()> {
    let id = ClientId::One;
    c.start().await?;
    c.attach(Some("internet"), None).await?;
    c.open(id, Broker::new("broker.local", 1883)).await?;
    let payload = binary(1024);
    for _ in 0..n {
        c.publish(id, TOPIC, &payload, QoS::AtLeastOnce, false)
            .await?;
    }
    c.close(id).await?;
    Ok(())
}

/// The number of bytes an escaped transcript text stands for.
fn unescaped_len(text: &str) -> usize {
    let b = text.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        i += match (b[i], b.get(i + 1)) {
            (b'\\', Some(b'x')) => 4,
            (b'\\', Some(_)) => 2,
            _ => 1,
        };
        n += 1;
    }
    n
}

/// One record of the simulator's transcript: when, which way (true: host to module), the text.
fn records(transcript: &str) -> Vec<(f64, bool, &str)> {
    transcript
        .lines()
        .filter_map(|l| {
            let (t, rest) = l.strip_prefix('[')?.split_once("] ")?;
            let t: f64 = t.trim().parse().ok()?;
            if let Some(text) = rest.strip_prefix(">> ") {
                Some((t, true, text))
            } else {
                rest.strip_prefix("<< ").map(|text| (t, false, text))
            }
        })
        .collect()
}

/// Where the time of the publishes in `transcript` goes: each publish cut into its steps,
/// the time of each against the time its bytes take on the line. A record is made when a
/// piece has crossed the simulated line (host to module: when the module gets it; module to
/// host: when it is handed to the host).
fn breakdown(transcript: &str) -> Res<()> {
    let recs = records(transcript);
    let rate = f64::from(BAUD) / 10.0;
    // Per step: total seconds, total bytes crossing in it.
    let names = [
        "command line (host turn-around + line)",
        "prompt (module + line)",
        "payload (host turn-around + line)",
        "OK (module + line)",
        "result line (broker + line)",
    ];
    let mut secs = [0f64; 5];
    let mut bytes = [0usize; 5];
    let mut count = 0usize;
    let mut last_result: Option<f64> = None;
    let mut i = 0;
    while i < recs.len() {
        let (t, inbound, text) = recs[i];
        if !(inbound && text.starts_with("AT+MQTTPUB=")) {
            if !inbound && text.contains("+MQTTPUB:") {
                last_result = Some(t);
            }
            i += 1;
            continue;
        }
        // The command line arrived at `t`; find the prompt, the payload, OK and the result.
        let Some(prev) = last_result else {
            i += 1;
            continue;
        };
        // The command line may cross in more than one piece.
        let mut cmd = (t, unescaped_len(text));
        let mut j = i + 1;
        while let Some(&(t, true, text)) = recs.get(j) {
            cmd = (t, cmd.1 + unescaped_len(text));
            j += 1;
        }
        let prompt = match recs.get(j) {
            Some(&(t, false, text)) if text.contains('>') => Some((t, unescaped_len(text))),
            _ => None,
        };
        let mut data = (0.0, 0usize);
        j += 1;
        while let Some(&(t, true, text)) = recs.get(j) {
            data = (t, data.1 + unescaped_len(text));
            j += 1;
        }
        let (mut ok, mut result) = (None, None);
        while let Some(&(t, false, text)) = recs.get(j) {
            if ok.is_none() && text.contains("OK") {
                ok = Some((t, unescaped_len(text)));
            }
            if text.contains("+MQTTPUB:") {
                // OK and the result line in one piece: the result line's share is its own bytes.
                let own = text.find("\\r\\n+MQTTPUB:").map_or(text, |k| &text[k..]);
                result = Some((t, unescaped_len(own)));
                last_result = Some(t);
                break;
            }
            j += 1;
        }
        let (Some(prompt), Some(ok), Some(result)) = (prompt, ok, result) else {
            break;
        };
        let ends = [cmd, prompt, data, ok, result];
        let mut from = prev;
        for (k, &(t, n)) in ends.iter().enumerate() {
            secs[k] += t - from;
            bytes[k] += n;
            from = t;
        }
        count += 1;
        i = j + 1;
    }
    if count == 0 {
        return Err("no publish found in the transcript".into());
    }
    let per = |x: f64| 1000.0 * x / count as f64;
    println!(
        "5. where the time of a 1 KiB binary publish (qos 1) goes at {BAUD} baud: {count} publishes, from the simulator's transcript"
    );
    println!(
        "  {:<40} {:>8} {:>9} {:>8}",
        "step", "ms", "line ms", "excess"
    );
    let (mut total, mut line) = (0.0, 0.0);
    for k in 0..5 {
        let on_line = bytes[k] as f64 / rate;
        total += secs[k];
        line += on_line;
        println!(
            "  {:<40} {:>8.2} {:>9.2} {:>8.2}",
            names[k],
            per(secs[k]),
            per(on_line),
            per(secs[k] - on_line)
        );
    }
    println!(
        "  {:<40} {:>8.2} {:>9.2} {:>8.2}",
        "a publish",
        per(total),
        per(line),
        per(total - line)
    );
    let one_way = (bytes[0] + bytes[2]) as f64 / count as f64;
    println!(
        "  payload / line rate: {:.1} % measured; {:.1} % if a publish took only its bytes' time on the line (both ways in turn, as the protocol has it); {:.1} % if only the host's bytes counted",
        100.0 * 1024.0 * count as f64 / total / rate,
        100.0 * 1024.0 * count as f64 / line / rate,
        100.0 * 1024.0 / one_way
    );
    Ok(())
}

/// Publish rates over a network with a round trip of `rtt` to the broker, at 115 200 baud.
async fn round_trip(c: &Client<'_>, rtt: Duration, each: Duration) -> Res<()> {
    println!(
        "6. publishes at {BAUD} baud with a network round trip of {} ms to the broker (a cellular link), {:.0} s per case",
        rtt.as_millis(),
        each.as_secs_f64()
    );
    let id = ClientId::One;
    c.start().await?;
    c.attach(Some("internet"), None).await?;
    c.open(id, Broker::new("broker.local", 1883)).await?;
    println!("  {:<26} {:>7} {:>14}", "case", "msg/s", "ms per publish");
    let text = b"t=21.5;h=40;v=3.3".to_vec();
    for (kind, payload) in [("1 KiB binary", binary(1024)), ("17 B text", text)] {
        for qos in [QoS::AtMostOnce, QoS::AtLeastOnce, QoS::ExactlyOnce] {
            let t = Instant::now();
            let mut n = 0u32;
            while t.elapsed() < each {
                c.publish(id, TOPIC, &payload, qos, false).await?;
                n += 1;
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "  {:<26} {:>7.2} {:>14.1}",
                format!("{kind}, qos {}", qos as u8),
                f64::from(n) / secs,
                1000.0 * secs / f64::from(n)
            );
        }
    }
    c.close(id).await?;
    Ok(())
}
