//! Simulated line rate: about `baud / 10` bytes per second.

use std::time::Duration;

use tokio::time::Instant;

/// Paces a byte stream at a simulated line rate.
#[derive(Debug)]
pub struct Pacer {
    bytes_per_sec: Option<u64>,
    next: Instant,
}

impl Pacer {
    /// A pacer for `baud` bit/s (ten bits per byte); `None` does not pace.
    pub fn new(baud: Option<u32>) -> Self {
        Pacer {
            bytes_per_sec: baud.map(|b| (u64::from(b) / 10).max(1)),
            next: Instant::now(),
        }
    }

    /// How many bytes to hand on at a time: about 10 ms worth, or everything when not pacing.
    pub fn piece(&self) -> usize {
        match self.bytes_per_sec {
            Some(rate) => (rate / 100).max(1) as usize,
            None => usize::MAX,
        }
    }

    /// Waits until `n` more bytes may go, as if they crossed the line one after another.
    pub async fn wait(&mut self, n: usize) {
        let Some(rate) = self.bytes_per_sec else {
            return;
        };
        let now = Instant::now();
        if self.next < now {
            self.next = now;
        }
        self.next += Duration::from_micros(n as u64 * 1_000_000 / rate);
        tokio::time::sleep_until(self.next).await;
    }
}
