//! A small in-process MQTT 3.1.1 broker for tests and demonstrations.
//!
//! [`Broker::start`] binds a TCP listener (by default on an ephemeral loopback port) and serves
//! it on a thread of its own until the [`Broker`] is dropped, so that the simulator can be tried
//! and tested without installing a broker.
//!
//! Supported: user name and password checks, client id rules, keep-alive enforcement, clean and
//! kept sessions (subscriptions and undelivered QoS 1 and 2 messages survive a reconnection with
//! clean session 0), wills, `+` and `#` wildcards, QoS 0, 1 and 2 in both directions with
//! exactly-once delivery for QoS 2, retained messages, and take-over of a client id by a new
//! connection. State lives in memory only.
//!
//! A client's will is published when its connection ends without DISCONNECT: the socket
//! closes, the keep-alive expires (1.5 times the interval without a packet), a malformed or
//! forbidden packet arrives, or a new connection takes over its client id. [`Broker::restart`]
//! publishes no will.
//!
//! With [`BrokerOptions::tls`] the broker also listens for MQTT over TLS (see [`tls`], which
//! makes test certificates at run time); both listeners serve the same clients and topics.
//!
//! ```no_run
//! use fibocom_sim::broker::{Broker, BrokerOptions};
//!
//! let broker = Broker::start(BrokerOptions {
//!     users: vec![("user".into(), "secret".into())],
//!     ..BrokerOptions::default()
//! })?;
//! println!("MQTT broker on {}", broker.addr());
//! # Ok::<(), std::io::Error>(())
//! ```

mod connection;
mod retained;
mod router;
mod session;
pub mod tls;
mod topic;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::Notify;

use router::{Limits, Router};

/// How long [`Broker::restart`] waits for the closed connections to be gone.
const RESTART_WAIT: Duration = Duration::from_secs(2);

/// Settings of a [`Broker`].
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// Accepted (user name, password) pairs. Empty: any client is accepted, with or without
    /// credentials. Otherwise a CONNECT without credentials is refused with return code 5 (not
    /// authorized) and one with credentials not in the list with return code 4 (bad user name
    /// or password).
    pub users: Vec<(String, String)>,
    /// Address to listen on; default `127.0.0.1:0` (a free port, see [`Broker::addr`]).
    pub bind: SocketAddr,
    /// Largest accepted packet, in bytes after the fixed header; a larger one closes the
    /// connection. Default 1 MiB.
    pub max_packet_size: usize,
    /// Most QoS 1 and 2 messages sent to one client and not acknowledged yet; further messages
    /// wait in the client's queue. Default 100.
    pub max_inflight: usize,
    /// Most messages waiting in one client's queue (in addition to the in-flight ones); newer
    /// QoS 1 and 2 messages are dropped while it is full. Default 10 000.
    pub max_queued: usize,
    /// Time a new connection has to send CONNECT before it is closed (and, on the TLS
    /// listener, to finish its handshake). Default 10 s.
    pub connect_timeout: Duration,
    /// A TLS listener besides the plain one, if set (default none).
    pub tls: Option<tls::TlsOptions>,
}

impl Default for BrokerOptions {
    fn default() -> Self {
        BrokerOptions {
            users: Vec::new(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            max_packet_size: 1 << 20,
            max_inflight: 100,
            max_queued: 10_000,
            connect_timeout: Duration::from_secs(10),
            tls: None,
        }
    }
}

/// State shared by the broker's handle, its accept loop and its connections.
struct Shared {
    router: Mutex<Router>,
    max_packet_size: usize,
    connect_timeout: Duration,
}

impl Shared {
    /// The router, locked. A poisoned lock is taken over: the router's state stays consistent
    /// between calls.
    fn router(&self) -> MutexGuard<'_, Router> {
        self.router.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A running in-process MQTT 3.1.1 broker. Dropping it closes every connection and stops it.
pub struct Broker {
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
    shared: Arc<Shared>,
    stop: Arc<Notify>,
    thread: Option<JoinHandle<()>>,
}

impl Broker {
    /// Binds `options.bind` and starts serving it on a new thread.
    ///
    /// When this returns the listener is bound, so connections to [`Broker::addr`] succeed.
    ///
    /// # Errors
    ///
    /// The error of binding the address, or of creating the thread or its I/O driver; for a
    /// TLS listener also of binding its address or of using its certificates.
    pub fn start(options: BrokerOptions) -> std::io::Result<Broker> {
        let listener = std::net::TcpListener::bind(options.bind)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let tls_listener = match &options.tls {
            Some(t) => {
                let config = tls::server_config(t)?;
                let l = std::net::TcpListener::bind(t.bind)?;
                l.set_nonblocking(true)?;
                Some((l, tokio_rustls::TlsAcceptor::from(config)))
            }
            None => None,
        };
        let tls_addr = match &tls_listener {
            Some((l, _)) => Some(l.local_addr()?),
            None => None,
        };
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .enable_time()
            .build()?;
        let shared = Arc::new(Shared {
            router: Mutex::new(Router::new(Limits {
                users: options.users,
                max_inflight: options.max_inflight.clamp(1, 65_535),
                max_queued: options.max_queued,
            })),
            max_packet_size: options.max_packet_size,
            connect_timeout: options.connect_timeout,
        });
        let stop = Arc::new(Notify::new());
        let thread = std::thread::Builder::new()
            .name(format!("mqtt-broker-{}", addr.port()))
            .spawn({
                let shared = shared.clone();
                let stop = stop.clone();
                move || runtime.block_on(accept_loop(listener, tls_listener, shared, stop))
            })?;
        Ok(Broker {
            addr,
            tls_addr,
            shared,
            stop,
            thread: Some(thread),
        })
    }

    /// The address the broker listens on (with the actual port when `bind` asked for port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address of the TLS listener, if [`BrokerOptions::tls`] asked for one.
    pub fn tls_addr(&self) -> Option<SocketAddr> {
        self.tls_addr
    }

    /// Simulates a broker restart: every client connection is closed at once, without
    /// publishing any will, and every session (subscriptions, queued messages) is forgotten.
    /// Retained messages are kept, as by a broker that persists them. New connections are
    /// accepted right away (the listener stays open).
    ///
    /// Returns once the closed connections' sockets are closed (or after 2 s at most).
    pub fn restart(&self) {
        let gone = self.shared.router().reset();
        // Every sender is held by a closed connection: the wait ends when the last one is gone.
        let _ = gone.recv_timeout(RESTART_WAIT);
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        drop(self.shared.router().reset());
        self.stop.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl std::fmt::Debug for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Broker").field("addr", &self.addr).finish()
    }
}

/// A TLS listener and what makes its handshakes.
type TlsListener = (std::net::TcpListener, tokio_rustls::TlsAcceptor);

/// Accepts connections on the plain listener and the TLS one, if any, until `stop` is
/// notified.
async fn accept_loop(
    listener: std::net::TcpListener,
    tls: Option<TlsListener>,
    shared: Arc<Shared>,
    stop: Arc<Notify>,
) {
    let Ok(listener) = tokio::net::TcpListener::from_std(listener) else {
        return;
    };
    let tls = match tls {
        Some((l, acceptor)) => match tokio::net::TcpListener::from_std(l) {
            Ok(l) => Some((l, acceptor)),
            Err(_) => return,
        },
        None => None,
    };
    loop {
        tokio::select! {
            biased;
            _ = stop.notified() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    let registration = shared.router().register();
                    tokio::spawn(connection::run(stream, shared.clone(), registration));
                }
                // Such as too many open files: try again a little later.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Accepting is cancel-safe: a new accept each time round loses nothing.
            (accepted, acceptor) = accept_on(tls.as_ref()) => {
                match accepted {
                    Ok((stream, _)) => {
                        let _ = stream.set_nodelay(true);
                        tokio::spawn(handshake(stream, acceptor, shared.clone()));
                    }
                    Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                }
            }
        }
    }
}

/// The next connection on the TLS listener, if there is one (else never).
async fn accept_on(
    tls: Option<&(tokio::net::TcpListener, tokio_rustls::TlsAcceptor)>,
) -> (
    std::io::Result<(tokio::net::TcpStream, SocketAddr)>,
    tokio_rustls::TlsAcceptor,
) {
    match tls {
        Some((l, acceptor)) => (l.accept().await, acceptor.clone()),
        None => std::future::pending().await,
    }
}

/// Serves one accepted TLS connection once its handshake has succeeded.
async fn handshake(
    stream: tokio::net::TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    shared: Arc<Shared>,
) {
    let Ok(Ok(stream)) =
        tokio::time::timeout(shared.connect_timeout, acceptor.accept(stream)).await
    else {
        return;
    };
    let registration = shared.router().register();
    connection::run(stream, shared, registration).await;
}
