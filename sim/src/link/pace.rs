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

    /// Says that the bytes about to be waited for were ready at `at`: a line idle since before
    /// then starts again at `at`. Bytes ready while the line is busy follow those before them
    /// without a gap.
    pub fn ready(&mut self, at: Instant) {
        if self.next < at {
            self.next = at;
        }
    }

    /// Waits until `n` more bytes may go, as if they crossed the line right after those before
    /// them (or, after [`ready`](Self::ready), from the time they were ready). The time is
    /// kept from piece to piece, not taken from the clock after each wait: a timer that wakes
    /// late (tokio's ticks are a millisecond) delays one piece, not the line.
    pub async fn wait(&mut self, n: usize) {
        let Some(rate) = self.bytes_per_sec else {
            return;
        };
        self.next += Duration::from_micros(n as u64 * 1_000_000 / rate);
        // tokio's timer fires at the first millisecond tick at or after its deadline: aiming
        // half a tick early hands the piece on at the tick nearest to its time, not up to a
        // tick late (which a real line never is, and which every turn-around would pay).
        let aim = self.next.checked_sub(Duration::from_micros(500));
        tokio::time::sleep_until(aim.unwrap_or(self.next)).await;
    }
}
