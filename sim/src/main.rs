//! `fibocom-sim`: a simulated Fibocom module on a pseudo-terminal, a TCP port or stdio.
//!
//! The first stdout line is the pseudo-terminal path or the bound TCP address. Unless
//! `--broker` is given, an in-process MQTT broker is started and its address printed on
//! stderr. With a pseudo-terminal or TCP link, control commands are read from stdin.

use std::io::{BufRead, Write};
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use fibocom_sim::at::commands::FileKind;
use fibocom_sim::broker::{Broker, BrokerOptions};
use fibocom_sim::faults::CONTROL_HELP;
use fibocom_sim::{
    BreakReport, Clock, Control, ErrorForm, LeftClient, Link, PromptStyle, ReadLayout,
    RefusalTiming, SimConfig, Simulator,
};

const USAGE: &str = "\
usage: fibocom-sim [--pty | --tcp ADDR | --stdio] [options]

link (default --pty):
  --pty                    serve a new pseudo-terminal; its path is the first stdout line
  --tcp ADDR               listen on ADDR (e.g. 127.0.0.1:0); the bound address is the first
                           stdout line; one connection at a time, state kept between them
  --stdio                  use stdin/stdout as the link
options:
  --broker HOST:PORT       broker that host names in AT+MQTTOPEN lead to (default: start an
                           in-process broker on a loopback port, address printed on stderr);
                           a dotted quad in AT+MQTTOPEN is connected to as given, and a name
                           ending in .invalid fails like an unknown host
  --user NAME:PASS         account of the in-process broker (repeatable; none: anonymous)
  --baud N                 simulated line rate, about N/10 bytes per second each way
  --transcript PATH        timestamped transcript of the link
  --imei DIGITS            IMEI (client id when AT+MQTTUSER gives none)
  --ip A.B.C.D             address handed out by AT+MIPCALL=1 (default 10.2.83.148)
  --echo-off               start with echo off (a real module starts with it on)
  --prompt STYLE           data prompt: gt-crlf ('>\\r\\n', default), gt-space ('> '),
                           crlf-gt-space ('\\r\\n> ')
  --read-layout L          AT+MQTTREAD answer: manual (default) or one-line
  --refusal FORM           broker refusal line: plain ('ERROR: 70x', default) or cme
                           ('+CME ERROR: 70x')
  --refusal-before-ok      hold AT+MQTTOPEN until CONNACK; a refusal replaces the OK
  --no-close-after-break   do not follow +MQTTBREAK with +MQTTCLOSE: <id>,1
  --break-report R         how a dropped connection is reported: break ('+MQTTBREAK: <id>,<cause>',
                           default) or lose ('+MQTTLOSE: <id>, <cause>', some firmware)
  --spaced                 a space after every comma between fields of every line sent
                           ('+MQTTMSG: 1, 0, \"t\", \"p\"', '+MQTTPUB: 1, 1'), as some firmware
  --old-firmware           firmware before manual V1.0.2: no AT+MQTTCONF, no AT+MQTTREAD (ERROR);
                           messages only as +MQTTMSG
  --no-will-data           refuse the data form AT+MQTTWILL=<id>,\"<topic>\",<qos>,<retain>,<size>
                           with ERROR, as the manual's firmware (default: prompt, bytes, OK)
  --data-timeout MS        data-mode timeout (default 30000)
  --result-delay MS        delay every result line (default 0)
  --broker-rtt MS          network round trip to the broker (default 0): a qos 1 publish's
                           result waits one, a qos 2 publish's two
  --call-setup MS          time AT+MIPCALL=1 takes (default 50)
  --fault MS=COMMAND       apply a control command MS milliseconds after start (repeatable),
                           e.g. --fault '5000=drop-broker 1'
  --unsupported PREFIX     answer ERROR, every time, to each command line starting with PREFIX
                           (case ignored; repeatable), e.g. --unsupported 'AT+MQTTCLOSE?'
  --clock TIME             the module's clock at start (AT+CCLK?, and the validity check of a
                           TLS server certificate): real (default, the host's time, +00),
                           factory (80/01/06,00:00:09+00, never set by the network: verified
                           TLS opens fail with +GTSSLERR: -11), or yy/MM/dd,hh:mm:ss+zz
  --help                   this text
state a previous run left (the module keeps it until it restarts; 'reboot' forgets it):
  --left-echo 0|1          echo as left by ATE0 / ATE1
  --left-mode 0|1          receive mode as left by AT+MQTTCONF
  --left-call              the data call up: AT+MIPCALL? answers +MIPCALL: 1,<--ip address>,
                           AT+MIPCALL=1 answers ERROR
  --left-client ID=HOST:PORT[:tls]
                           client ID (1 or 2) connected from before to HOST:PORT (as given to
                           AT+MQTTOPEN: a name leads to --broker), clean session, keepalive 60,
                           over TLS with ':tls' (with the --left-tls settings and files);
                           needs --left-call. The simulator connects it before it serves
  --left-user ID=USER:PASS[:CLIENTID]
                           that client's AT+MQTTUSER (after --left-client ID)
  --left-will ID=QOS:RETAIN:TOPIC:PAYLOAD
                           that client's will (TOPIC without ':'; after --left-client ID)
  --left-sub ID=QOS:FILTER that client's subscription (repeatable; after --left-client ID)
  --left-dropped ID        that client's connection ended while nobody listened: closed, its
                           user and will kept (after --left-client ID)
  --left-waiting ID=TOPIC:PAYLOAD
                           a message announced to client ID by +MQTTMSGI and never read,
                           returned by AT+MQTTREAD=ID (repeatable, in order; TOPIC without ':')
  --left-tls VERSION:MODE  AT+GTSSLVER and AT+GTSSLMODE as set
  --left-tls-file KIND=PATH
                           a file uploaded with AT+GTSSLFILE (KIND: TRUSTFILE, CAFILE or
                           KEYFILE; repeatable, each one more upload)
";

struct Options {
    link: Link,
    config: SimConfig,
    own_broker: bool,
    users: Vec<(String, String)>,
    faults: Vec<(Duration, Control)>,
}

fn parse_args(args: Vec<String>) -> Result<Options, String> {
    let mut o = Options {
        link: Link::Pty,
        config: SimConfig::default(),
        own_broker: true,
        users: Vec::new(),
        faults: Vec::new(),
    };
    let mut it = args.into_iter();
    while let Some(flag) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        let ms = |v: String| {
            v.parse::<u64>()
                .map(Duration::from_millis)
                .map_err(|_| format!("not a number of milliseconds: {v}"))
        };
        let c = &mut o.config;
        match flag.as_str() {
            "--help" | "-h" => return Err(String::new()),
            "--pty" => o.link = Link::Pty,
            "--stdio" => o.link = Link::Stdio,
            "--tcp" => {
                let v = value("--tcp")?;
                o.link = Link::Tcp(v.parse().map_err(|_| format!("bad address {v}"))?);
            }
            "--broker" => {
                c.broker = value("--broker")?;
                o.own_broker = false;
            }
            "--user" => {
                let v = value("--user")?;
                let (u, p) = v.split_once(':').ok_or("--user wants NAME:PASS")?;
                o.users.push((u.to_string(), p.to_string()));
            }
            "--baud" => {
                let v = value("--baud")?;
                c.baud = Some(v.parse().map_err(|_| format!("bad baud rate {v}"))?);
            }
            "--transcript" => c.transcript = Some(value("--transcript")?.into()),
            "--imei" => c.imei = value("--imei")?,
            "--ip" => {
                let v = value("--ip")?;
                c.ip = v
                    .parse::<Ipv4Addr>()
                    .map_err(|_| format!("bad address {v}"))?;
            }
            "--echo-off" => c.echo = false,
            "--prompt" => {
                c.prompt = match value("--prompt")?.as_str() {
                    "gt-crlf" => PromptStyle::GtCrLf,
                    "gt-space" => PromptStyle::GtSpace,
                    "crlf-gt-space" => PromptStyle::CrLfGtSpace,
                    other => return Err(format!("unknown prompt style {other}")),
                }
            }
            "--read-layout" => {
                c.read_layout = match value("--read-layout")?.as_str() {
                    "manual" => ReadLayout::Manual,
                    "one-line" => ReadLayout::OneLine,
                    other => return Err(format!("unknown read layout {other}")),
                }
            }
            "--refusal" => {
                c.refusal_form = match value("--refusal")?.as_str() {
                    "plain" => ErrorForm::Plain,
                    "cme" => ErrorForm::Cme,
                    other => return Err(format!("unknown refusal form {other}")),
                }
            }
            "--refusal-before-ok" => c.refusal_timing = RefusalTiming::BeforeOk,
            "--no-close-after-break" => c.break_then_close = false,
            "--break-report" => {
                c.break_report = match value("--break-report")?.as_str() {
                    "break" => BreakReport::Break,
                    "lose" => BreakReport::Lose,
                    other => return Err(format!("unknown break report {other}")),
                }
            }
            "--spaced" => c.spaced = true,
            "--old-firmware" => c.old_firmware = true,
            "--no-will-data" => c.will_data = false,
            "--data-timeout" => c.data_timeout = ms(value("--data-timeout")?)?,
            "--result-delay" => c.result_delay = ms(value("--result-delay")?)?,
            "--call-setup" => c.call_setup = ms(value("--call-setup")?)?,
            "--broker-rtt" => c.broker_rtt = ms(value("--broker-rtt")?)?,
            "--fault" => {
                let v = value("--fault")?;
                let (at, cmd) = v.split_once('=').ok_or("--fault wants MS=COMMAND")?;
                o.faults.push((ms(at.to_string())?, Control::parse(cmd)?));
            }
            "--unsupported" => c.unsupported.push(value("--unsupported")?),
            "--clock" => {
                let v = value("--clock")?;
                c.clock = Clock::parse(&v).ok_or(format!(
                    "--clock wants real, factory or yy/MM/dd,hh:mm:ss+zz, got {v}"
                ))?;
            }
            "--left-echo" => c.previous.echo = Some(bit("--left-echo", &value("--left-echo")?)?),
            "--left-mode" => {
                c.previous.receive_mode = u8::from(bit("--left-mode", &value("--left-mode")?)?)
            }
            "--left-call" => c.previous.call_up = true,
            "--left-client" => {
                let (id, rest) = client_arg("--left-client", &value("--left-client")?)?;
                let (rest, tls) = match rest.strip_suffix(":tls") {
                    Some(rest) => (rest, true),
                    None => (rest.as_str(), false),
                };
                let (host, port) = rest
                    .rsplit_once(':')
                    .ok_or("--left-client wants ID=HOST:PORT[:tls]")?;
                let port = port.parse().map_err(|_| format!("bad port {port}"))?;
                let left = LeftClient::new(host, port);
                c.previous.clients[id] = Some(if tls { left.tls() } else { left });
            }
            "--left-user" | "--left-will" | "--left-sub" => {
                let name = flag.clone();
                let (id, rest) = client_arg(&name, &value(&name)?)?;
                let left = c.previous.clients[id].take().ok_or(format!(
                    "{name} {}: give --left-client {} first",
                    id + 1,
                    id + 1
                ))?;
                c.previous.clients[id] = Some(left_detail(&name, left, &rest)?);
            }
            "--left-dropped" => {
                let v = value("--left-dropped")?;
                let (id, _) = client_arg("--left-dropped", &format!("{v}="))?;
                let left = c.previous.clients[id]
                    .take()
                    .ok_or(format!("--left-dropped {v}: give --left-client {v} first"))?;
                c.previous.clients[id] = Some(left.dropped());
            }
            "--left-waiting" => {
                let (id, rest) = client_arg("--left-waiting", &value("--left-waiting")?)?;
                let (topic, payload) = rest
                    .split_once(':')
                    .ok_or("--left-waiting wants ID=TOPIC:PAYLOAD")?;
                c.previous = std::mem::take(&mut c.previous).waiting(
                    id as u8 + 1,
                    topic,
                    payload.as_bytes(),
                );
            }
            "--left-tls" => {
                let v = value("--left-tls")?;
                let (version, mode) = v.split_once(':').ok_or("--left-tls wants VERSION:MODE")?;
                c.previous.tls_version = version
                    .parse()
                    .map_err(|_| format!("bad TLS version {version}"))?;
                c.previous.tls_verify = bit("--left-tls", mode)?;
            }
            "--left-tls-file" => {
                let v = value("--left-tls-file")?;
                let (kind, path) = v.split_once('=').ok_or("--left-tls-file wants KIND=PATH")?;
                let kind = FileKind::ALL
                    .into_iter()
                    .find(|k| k.name() == kind)
                    .ok_or(format!("unknown TLS file kind {kind}"))?;
                let file = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
                c.previous.tls_files.push((kind, file));
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    o.config
        .previous
        .check()
        .map_err(|e| format!("previous run: {e}"))?;
    Ok(o)
}

/// `0` or `1`.
fn bit(name: &str, v: &str) -> Result<bool, String> {
    match v {
        "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(format!("{name} wants 0 or 1, got {v}")),
    }
}

/// `ID=REST` with ID 1 or 2: the index (0 or 1) and REST.
fn client_arg(name: &str, v: &str) -> Result<(usize, String), String> {
    match v.split_once('=') {
        Some(("1", rest)) => Ok((0, rest.to_string())),
        Some(("2", rest)) => Ok((1, rest.to_string())),
        _ => Err(format!("{name} wants ID=... with ID 1 or 2, got {v}")),
    }
}

/// A detail of a client left connected: `--left-user`, `--left-will` or `--left-sub`.
fn left_detail(name: &str, left: LeftClient, v: &str) -> Result<LeftClient, String> {
    let qos = |q: &str| match q {
        "0" | "1" | "2" => Ok(q.as_bytes()[0] - b'0'),
        _ => Err(format!("{name}: QoS 0, 1 or 2, got {q}")),
    };
    Ok(match name {
        "--left-user" => {
            let mut parts = v.splitn(3, ':');
            let (Some(user), Some(pass)) = (parts.next(), parts.next()) else {
                return Err("--left-user wants ID=USER:PASS[:CLIENTID]".into());
            };
            let left = left.user(user, pass);
            match parts.next() {
                Some(id) => left.client_id(id),
                None => left,
            }
        }
        "--left-will" => {
            let parts: Vec<&str> = v.splitn(4, ':').collect();
            let [q, retain, topic, payload] = parts.as_slice() else {
                return Err("--left-will wants ID=QOS:RETAIN:TOPIC:PAYLOAD".into());
            };
            left.will(topic, qos(q)?, bit(name, retain)?, payload.as_bytes())
        }
        _ => {
            let (q, filter) = v.split_once(':').ok_or("--left-sub wants ID=QOS:FILTER")?;
            left.subscribed(filter, qos(q)?)
        }
    })
}

fn main() -> ExitCode {
    let o = match parse_args(std::env::args().skip(1).collect()) {
        Ok(o) => o,
        Err(e) if e.is_empty() => {
            print!("{USAGE}\n{CONTROL_HELP}\n");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("fibocom-sim: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(o) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fibocom-sim: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(mut o: Options) -> std::io::Result<()> {
    let _broker = if o.own_broker {
        let broker = Broker::start(BrokerOptions {
            users: o.users.clone(),
            ..BrokerOptions::default()
        })?;
        o.config.broker = broker.addr().to_string();
        eprintln!("fibocom-sim: in-process broker on {}", broker.addr());
        Some(broker)
    } else {
        None
    };
    let stdio = o.link == Link::Stdio;
    let sim = Arc::new(Simulator::start(o.config, o.link)?);
    if let Some(addr) = sim.tcp_addr() {
        println!("{addr}");
    }
    if let Some(path) = sim.pty_path() {
        println!("{}", path.display());
    }
    std::io::stdout().flush()?;
    for (after, control) in o.faults {
        let sim = sim.clone();
        std::thread::spawn(move || {
            std::thread::sleep(after);
            sim.control(control);
        });
    }
    if stdio {
        sim.wait_link_end();
        return Ok(());
    }
    eprintln!("fibocom-sim: control commands on stdin ('help' lists them)");
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        match line.trim() {
            "" => {}
            "help" => eprintln!("{CONTROL_HELP}"),
            text => match Control::parse(text) {
                Ok(c) => sim.control(c),
                Err(e) => eprintln!("fibocom-sim: {e}"),
            },
        }
    }
    // stdin ended (e.g. started with </dev/null): keep serving until killed.
    loop {
        std::thread::park();
    }
}
