//! The serial link between the host and the simulated module: a pseudo-terminal, a TCP
//! listener (what QEMU's `-serial tcp:` and ser2net use) or the process's stdin/stdout.

mod pace;
mod pty;

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot};

pub use pace::Pacer;

/// Which link the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// A new pseudo-terminal; its slave path is in [`crate::Simulator::pty_path`].
    Pty,
    /// A TCP listener on this address (port 0: any free port, see
    /// [`crate::Simulator::tcp_addr`]). One connection at a time; after it closes the next is
    /// accepted and the module keeps its state, like a UART cable plugged in again.
    Tcp(SocketAddr),
    /// The process's stdin and stdout.
    Stdio,
}

/// One connected byte stream of the link.
pub struct Stream {
    /// Bytes from the host.
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    /// Bytes to the host.
    pub writer: Box<dyn AsyncWrite + Send + Unpin>,
    /// What it is, for the transcript.
    pub peer: String,
    /// Dropped when the stream is finished with, so that the next one may be accepted.
    pub done: Option<oneshot::Sender<()>>,
}

/// Where the link can be reached.
#[derive(Debug, Clone, Default)]
pub struct LinkInfo {
    /// Bound TCP address.
    pub tcp: Option<SocketAddr>,
    /// Pseudo-terminal slave path.
    pub pty: Option<PathBuf>,
}

/// Opens the link; its streams come, one after another, from the returned receiver. Must run
/// inside a tokio runtime.
pub async fn open(link: &Link) -> io::Result<(LinkInfo, mpsc::Receiver<Stream>)> {
    let (tx, rx) = mpsc::channel(1);
    let mut info = LinkInfo::default();
    match link {
        Link::Tcp(addr) => {
            let listener = TcpListener::bind(addr).await?;
            info.tcp = Some(listener.local_addr()?);
            tokio::spawn(accept_loop(listener, tx));
        }
        Link::Pty => {
            let (path, master) = pty::open()?;
            info.pty = Some(path.clone());
            let stream = Stream {
                reader: Box::new(master.clone()),
                writer: Box::new(master),
                peer: format!("pty {}", path.display()),
                done: None,
            };
            let _ = tx.send(stream).await;
        }
        Link::Stdio => {
            let stream = Stream {
                reader: Box::new(tokio::io::stdin()),
                writer: Box::new(tokio::io::stdout()),
                peer: "stdio".to_string(),
                done: None,
            };
            let _ = tx.send(stream).await;
        }
    }
    Ok((info, rx))
}

async fn accept_loop(listener: TcpListener, tx: mpsc::Sender<Stream>) {
    loop {
        let Ok((socket, peer)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let _ = socket.set_nodelay(true);
        let (reader, writer) = socket.into_split();
        let (done, finished) = oneshot::channel();
        let stream = Stream {
            reader: Box::new(reader),
            writer: Box::new(writer),
            peer: format!("tcp {peer}"),
            done: Some(done),
        };
        if tx.send(stream).await.is_err() {
            return;
        }
        // The next connection is accepted once this one is finished with.
        let _ = finished.await;
    }
}
