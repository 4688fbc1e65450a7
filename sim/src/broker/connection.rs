//! One client connection: reads packets into the router, writes what the router queues.

use std::sync::Arc;
use std::time::Duration;

use bytes::BytesMut;
use rumqttc::mqttbytes::v4::{ConnectReturnCode, Packet};
use rumqttc::mqttbytes::Error;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::router::{Registration, Verdict};
use super::Shared;

/// How long the writer may take to flush the last packets (such as a refusing CONNACK) once the
/// connection has ended on its own.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(1);

/// Serves one accepted connection (TCP, or TLS over TCP) until it ends.
pub(crate) async fn run<S>(stream: S, shared: Arc<Shared>, registration: Registration)
where
    S: AsyncRead + AsyncWrite + Send + 'static,
{
    let Registration {
        id,
        packets,
        kill,
        guard,
    } = registration;
    let (reader, writer) = tokio::io::split(stream);
    let mut writer = tokio::spawn(write_loop(writer, packets));
    let killed = tokio::select! {
        biased;
        _ = kill.notified() => true,
        _ = read_loop(reader, &shared, id) => false,
    };
    // Dropping the router's sender lets the writer end once it has written what is queued.
    shared.router().closed(id);
    if killed || timeout(FLUSH_TIMEOUT, &mut writer).await.is_err() {
        writer.abort();
        let _ = writer.await;
    }
    drop(guard);
}

/// Reads and handles packets until the connection must close.
async fn read_loop(mut reader: impl AsyncRead + Unpin, shared: &Shared, id: u64) {
    let mut buf = BytesMut::with_capacity(4096);
    let max = shared.max_packet_size;
    let first = timeout(
        shared.connect_timeout,
        next_packet(&mut reader, &mut buf, max),
    )
    .await;
    let connect = match first {
        Ok(Ok(Packet::Connect(connect))) => connect,
        Ok(Err(Error::InvalidProtocolLevel(_))) => {
            shared
                .router()
                .refuse(id, ConnectReturnCode::RefusedProtocolVersion);
            return;
        }
        _ => return,
    };
    let Some(keep_alive) = shared.router().connect(id, connect) else {
        return;
    };
    // Silence longer than 1.5 times the keep-alive interval ends the connection.
    let limit = (keep_alive > 0).then(|| Duration::from_millis(u64::from(keep_alive) * 1500));
    loop {
        let next = next_packet(&mut reader, &mut buf, max);
        let packet = match limit {
            Some(limit) => match timeout(limit, next).await {
                Ok(packet) => packet,
                Err(_) => return,
            },
            None => next.await,
        };
        let Ok(packet) = packet else {
            return;
        };
        if shared.router().packet(id, packet) == Verdict::Close {
            return;
        }
    }
}

/// Reads the next complete packet; any malformed input is an error.
async fn next_packet(
    reader: &mut (impl AsyncRead + Unpin),
    buf: &mut BytesMut,
    max_packet_size: usize,
) -> Result<Packet, Error> {
    loop {
        if let Some(&first) = buf.first() {
            if !flags_valid(first) {
                return Err(Error::MalformedPacket);
            }
            match Packet::read(buf, max_packet_size) {
                Ok(packet) => return Ok(packet),
                Err(Error::InsufficientBytes(more)) => buf.reserve(more),
                Err(e) => return Err(e),
            }
        }
        if reader.read_buf(buf).await? == 0 {
            return Err(Error::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
    }
}

/// Whether the flags of a fixed header's first byte are the ones MQTT 3.1.1 requires for its
/// packet type (section 2.2.2).
fn flags_valid(byte1: u8) -> bool {
    let flags = byte1 & 0x0F;
    match byte1 >> 4 {
        // PUBLISH: any DUP and RETAIN, QoS 0 to 2.
        3 => (flags >> 1) & 0b11 != 0b11,
        // PUBREL, SUBSCRIBE, UNSUBSCRIBE.
        6 | 8 | 10 => flags == 0b0010,
        _ => flags == 0,
    }
}

/// Writes the queued packets until the router drops the connection's sender.
async fn write_loop(
    mut writer: impl AsyncWrite + Unpin,
    mut packets: mpsc::UnboundedReceiver<Packet>,
) {
    let mut buf = BytesMut::with_capacity(4096);
    while let Some(packet) = packets.recv().await {
        buf.clear();
        if packet.write(&mut buf, usize::MAX).is_err() {
            return;
        }
        // Batch whatever else is already queued into the same write.
        while let Ok(packet) = packets.try_recv() {
            if packet.write(&mut buf, usize::MAX).is_err() {
                return;
            }
            if buf.len() >= 64 * 1024 {
                break;
            }
        }
        if writer.write_all(&buf).await.is_err() {
            return;
        }
    }
    let _ = writer.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_header_flags() {
        assert!(flags_valid(0x10));
        assert!(!flags_valid(0x11));
        assert!(flags_valid(0x30));
        assert!(flags_valid(0x3D));
        assert!(!flags_valid(0x36));
        assert!(flags_valid(0x62));
        assert!(!flags_valid(0x60));
        assert!(flags_valid(0x82));
        assert!(!flags_valid(0x80));
        assert!(flags_valid(0xA2));
        assert!(flags_valid(0xC0));
        assert!(flags_valid(0xE0));
    }

    /// Random and truncated input never panics the decoder.
    #[test]
    fn decoding_garbage_does_not_panic() {
        let mut seed: u32 = 0x1234_5678;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed
        };
        for _ in 0..20_000 {
            let len = (next() % 40) as usize;
            let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
            if let Some(first) = bytes.first_mut() {
                // Mostly valid packet types with valid flags, to get past the fixed header.
                let kind = (next() % 14 + 1) as u8;
                *first = (kind << 4) | if matches!(kind, 6 | 8 | 10) { 2 } else { 0 };
            }
            if bytes.len() > 1 {
                bytes[1] = (len - 2) as u8;
            }
            let mut buf = BytesMut::from(&bytes[..]);
            let _ = Packet::read(&mut buf, 1 << 16);
        }
    }
}
