//! The [`Simulator`] handle and the tasks behind it: the module core, the link pump and writer,
//! and the broker side, all on one tokio runtime owned by the handle.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::runtime::Runtime;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::config::SimConfig;
use crate::faults::Control;
use crate::link::{self, Link, LinkInfo, Pacer, Stream};
use crate::module::state::Report;
use crate::module::Module;
use crate::mqtt_side::BrokerSide;
use crate::transcript::{Dir, Transcript};

/// How long one write to the host may block before its bytes are dropped (nobody reading).
const WRITE_TIMEOUT: Duration = Duration::from_secs(2);

/// How long [`Simulator::start`] waits for the connections a previous run left to be made
/// again at their broker.
const RESUME_TIMEOUT: Duration = Duration::from_secs(10);

/// State shared between the handle and the tasks.
#[derive(Default)]
struct Shared {
    commands: Arc<Mutex<Vec<String>>>,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    link_ended: Mutex<bool>,
    link_ended_cv: Condvar,
    attached: AtomicBool,
}

/// A running simulated module. It runs on its own threads from [`Simulator::start`] until it
/// is dropped; dropping it cuts its broker connections without DISCONNECT and closes the link.
pub struct Simulator {
    runtime: Option<Runtime>,
    control: UnboundedSender<Control>,
    info: LinkInfo,
    shared: Arc<Shared>,
}

enum ToWriter {
    Attach(Box<dyn AsyncWrite + Send + Unpin>),
    Detach,
    /// Bytes to send, and when they were ready.
    Data(Vec<u8>, tokio::time::Instant),
}

impl Simulator {
    /// Opens the link and starts the module. Returns once the link can be reached (the TCP
    /// port is bound, the pseudo-terminal exists); never blocks on the host. With
    /// [`SimConfig::previous`] leaving clients connected, it also waits until each is
    /// connected and subscribed at its broker (at most 10 s), so that a test
    /// sees them there at once; an error (kind `InvalidInput`) if the previous run is not
    /// possible, (kind `ConnectionRefused` or `TimedOut`) if a connection cannot be made.
    pub fn start(config: SimConfig, link: Link) -> io::Result<Simulator> {
        config.previous.check().map_err(|e| {
            io::Error::new(io::ErrorKind::InvalidInput, format!("previous run: {e}"))
        })?;
        if config.old_firmware && config.previous.receive_mode != 0 {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "previous run: receive mode 1 on firmware without AT+MQTTCONF",
            ));
        }
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("fibocom-sim")
            .enable_all()
            .build()?;
        let transcript = Arc::new(Transcript::open(config.transcript.as_deref())?);
        let (opened_tx, opened_rx) = std::sync::mpsc::channel();
        runtime.spawn(async move {
            let _ = opened_tx.send(link::open(&link).await);
        });
        let (info, streams) = opened_rx
            .recv()
            .map_err(|_| io::Error::other("link set-up task ended"))??;

        let shared = Arc::new(Shared::default());
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let (input_tx, input_rx) = mpsc::unbounded_channel();
        let (writer_tx, writer_rx) = mpsc::unbounded_channel();
        let baud = config.baud;
        runtime.spawn(writer(writer_rx, baud, transcript.clone(), shared.clone()));
        runtime.spawn(pump(
            streams,
            input_tx,
            writer_tx.clone(),
            baud,
            transcript.clone(),
            shared.clone(),
        ));
        let module = Module::new(config.clone(), shared.commands.clone(), Instant::now());
        let side = (config.broker, config.tls_broker, config.broker_rtt);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel();
        runtime.spawn(core(
            module, side, input_rx, control_rx, writer_tx, ready_tx,
        ));
        let sim = Simulator {
            runtime: Some(runtime),
            control: control_tx,
            info,
            shared,
        };
        match ready_rx.recv_timeout(RESUME_TIMEOUT) {
            Ok(Ok(())) => Ok(sim),
            Ok(Err(e)) => Err(io::Error::new(io::ErrorKind::ConnectionRefused, e)),
            Err(_) => Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "a client left connected by the previous run was not connected and subscribed \
                 again within 10 s",
            )),
        }
    }

    /// The bound address of a [`Link::Tcp`] link.
    pub fn tcp_addr(&self) -> Option<SocketAddr> {
        self.info.tcp
    }

    /// The slave path of a [`Link::Pty`] link (e.g. `/dev/pts/7`).
    pub fn pty_path(&self) -> Option<PathBuf> {
        self.info.pty.clone()
    }

    /// Applies any [`Control`]; the named methods below are shorthands.
    pub fn control(&self, control: Control) {
        let _ = self.control.send(control);
    }

    /// Closes client `client`'s broker connection without DISCONNECT (so the broker publishes
    /// its will); the host sees `+MQTTBREAK: <client>,1`.
    pub fn drop_broker(&self, client: u8) {
        self.control(Control::DropBroker(client));
    }

    /// Drops the data call: each connected client breaks with cause 2, then `+MIPCALL: 0`.
    pub fn drop_data_call(&self) {
        self.control(Control::DropCall);
    }

    /// Loses network registration: each connected client breaks with cause 3 and the data call
    /// ends; `AT+CREG?` and the like report status 0 until [`Simulator::restore_registration`].
    pub fn lose_registration(&self) {
        self.control(Control::LoseRegistration);
    }

    /// Registration comes back (the data call must be dialled again).
    pub fn restore_registration(&self) {
        self.control(Control::RestoreRegistration);
    }

    /// Sends `bytes` as they are, between answers, at the next point where no answer, echo or
    /// data-mode exchange is in progress.
    pub fn inject(&self, bytes: &[u8]) {
        self.control(Control::Inject(bytes.to_vec()));
    }

    /// Sends `bytes` as they are right after the echo of the next command line, before any of
    /// its answer.
    pub fn inject_inside_next_answer(&self, bytes: &[u8]) {
        self.control(Control::InjectInside(bytes.to_vec()));
    }

    /// Sends `n` noise bytes (never CR, LF or printable ASCII) between answers.
    pub fn noise(&self, n: usize) {
        self.control(Control::Noise(n));
    }

    /// Delays every later result line (`+MQTTOPEN: ...`, `+MQTTSUB: ...`, `+MIPCALL: <ip>`, ...)
    /// by `d` after the broker side has finished.
    pub fn set_result_delay(&self, d: Duration) {
        self.control(Control::ResultDelay(d));
    }

    /// Reboots the module: broker connections are cut without DISCONNECT, all state is lost
    /// (echo back on, receive mode 0, no data call), and `\r\nRDY\r\n` is sent.
    pub fn reboot(&self) {
        self.control(Control::Reboot);
    }

    /// The module hangs for `d`: it reads and sends nothing (what it would have sent is lost),
    /// then answers again as the silence left it.
    pub fn silence(&self, d: Duration) {
        self.control(Control::Silence(d));
    }

    /// Every command line received so far (the latest [`crate::module::MAX_RECORDED`] at
    /// most), without its CR, escaped by [`std::ascii::escape_default`] (`\x01`, `\"`).
    pub fn received_commands(&self) -> Vec<String> {
        self.shared
            .commands
            .lock()
            .map(|c| c.clone())
            .unwrap_or_default()
    }

    /// Bytes received from the host so far.
    pub fn bytes_from_host(&self) -> u64 {
        self.shared.bytes_in.load(Ordering::Relaxed)
    }

    /// Bytes written to the host so far.
    pub fn bytes_to_host(&self) -> u64 {
        self.shared.bytes_out.load(Ordering::Relaxed)
    }

    /// Whether a host is connected: always for a pseudo-terminal, while stdin is open for
    /// stdio, while a connection is up for TCP.
    pub fn host_attached(&self) -> bool {
        self.shared.attached.load(Ordering::Relaxed)
    }

    /// Blocks until the link has ended for good: stdin reached its end on a [`Link::Stdio`]
    /// link. A TCP or pseudo-terminal link never ends, so this then blocks until the process
    /// exits.
    pub fn wait_link_end(&self) {
        let Ok(mut ended) = self.shared.link_ended.lock() else {
            return;
        };
        while !*ended {
            match self.shared.link_ended_cv.wait(ended) {
                Ok(e) => ended = e,
                Err(_) => return,
            }
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_background();
        }
    }
}

/// The module core: feeds it input, reports, controls and time; sends its output and effects.
async fn core(
    mut module: Module,
    (broker, tls_broker, rtt): (String, Option<String>, Duration),
    mut input: UnboundedReceiver<Vec<u8>>,
    mut control: UnboundedReceiver<Control>,
    out: UnboundedSender<ToWriter>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) {
    let (report_tx, mut reports) = mpsc::unbounded_channel::<Report>();
    let mut side = BrokerSide::new(broker, report_tx)
        .with_tls_broker(tls_broker)
        .with_rtt(rtt);
    let mut input_open = true;
    // The connections a previous run left are asked for at once.
    for effect in module.take_effects() {
        side.apply(effect);
    }
    let mut ready = Some(ready);
    loop {
        if let Some(outcome) = ready.as_ref().and_then(|_| module.resume_outcome()) {
            if let Some(tx) = ready.take() {
                let _ = tx.send(outcome);
            }
        }
        let deadline = module.next_deadline();
        let sleep = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            bytes = input.recv(), if input_open => match bytes {
                Some(bytes) => module.feed(&bytes, Instant::now()),
                None => input_open = false,
            },
            Some(report) = reports.recv() => module.report(report, Instant::now()),
            c = control.recv() => match c {
                Some(c) => module.control(&c, Instant::now()),
                None => break,
            },
            _ = sleep => module.tick(Instant::now()),
        }
        for effect in module.take_effects() {
            side.apply(effect);
        }
        let bytes = module.take_output();
        if !bytes.is_empty() {
            let _ = out.send(ToWriter::Data(bytes, tokio::time::Instant::now()));
        }
    }
    side.kill_all();
}

/// Takes the link's streams one after another and forwards what the host sends.
async fn pump(
    mut streams: mpsc::Receiver<Stream>,
    input: UnboundedSender<Vec<u8>>,
    out: UnboundedSender<ToWriter>,
    baud: Option<u32>,
    transcript: Arc<Transcript>,
    shared: Arc<Shared>,
) {
    let mut pacer = Pacer::new(baud);
    let mut buf = vec![0u8; 4096];
    while let Some(mut stream) = streams.recv().await {
        transcript.note(&format!("host attached: {}", stream.peer));
        let _ = out.send(ToWriter::Attach(stream.writer));
        shared.attached.store(true, Ordering::Relaxed);
        loop {
            let n = match stream.reader.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            pacer.ready(tokio::time::Instant::now());
            for piece in buf[..n].chunks(pacer.piece()) {
                pacer.wait(piece.len()).await;
                transcript.bytes(Dir::In, piece);
                shared
                    .bytes_in
                    .fetch_add(piece.len() as u64, Ordering::Relaxed);
                let _ = input.send(piece.to_vec());
            }
        }
        shared.attached.store(false, Ordering::Relaxed);
        let _ = out.send(ToWriter::Detach);
        transcript.note(&format!("host detached: {}", stream.peer));
        drop(stream.done.take());
    }
    if let Ok(mut ended) = shared.link_ended.lock() {
        *ended = true;
        shared.link_ended_cv.notify_all();
    }
}

/// Writes the module's output to the host attached at the time, at the simulated line rate.
async fn writer(
    mut rx: UnboundedReceiver<ToWriter>,
    baud: Option<u32>,
    transcript: Arc<Transcript>,
    shared: Arc<Shared>,
) {
    let mut pacer = Pacer::new(baud);
    let mut sink: Option<Box<dyn AsyncWrite + Send + Unpin>> = None;
    while let Some(msg) = rx.recv().await {
        let data = match msg {
            ToWriter::Attach(w) => {
                sink = Some(w);
                continue;
            }
            ToWriter::Detach => {
                sink = None;
                continue;
            }
            ToWriter::Data(d, at) => {
                pacer.ready(at);
                d
            }
        };
        for piece in data.chunks(pacer.piece()) {
            pacer.wait(piece.len()).await;
            let Some(w) = sink.as_mut() else {
                transcript.note(&format!(
                    "no host, dropped: {}",
                    crate::transcript::escape(piece)
                ));
                continue;
            };
            let write = async {
                w.write_all(piece).await?;
                w.flush().await
            };
            match tokio::time::timeout(WRITE_TIMEOUT, write).await {
                Ok(Ok(())) => {
                    transcript.bytes(Dir::Out, piece);
                    shared
                        .bytes_out
                        .fetch_add(piece.len() as u64, Ordering::Relaxed);
                }
                Ok(Err(_)) => sink = None,
                Err(_) => transcript.note(&format!(
                    "host not reading, dropped: {}",
                    crate::transcript::escape(piece)
                )),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn handle_is_shareable_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Simulator>();
    }
}
