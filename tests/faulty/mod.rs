//! A port-level fault harness, independent of the simulator's own faults: [`Faulty`] wraps any
//! port (async or blocking, whole or one half) and, from a seed, injects what a real serial
//! link does to a driver:
//!
//! - **read errors** (what a UART's framing, parity, break or overrun error looks like from
//!   `read`: an error of kind `Other`, nothing delivered);
//! - **lost bytes** (a byte of what was read silently dropped: an overrun the driver never sees);
//! - **garbled bytes** (a byte of what was read flipped);
//! - **reads split anywhere** (a read asked for fewer bytes, from 1 up);
//! - **stalls** (a read or write that waits a while first);
//! - **short writes** (a write that takes only part of what it was given).
//!
//! Faults can also be forced one by one ([`Plan::force_read`]) for deterministic probes. The
//! halves of one port share one [`Plan`] (an `Rc`): faults can be stopped for all of them at
//! once ([`Plan::stop`]), and what was injected is counted.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use embedded_io::ErrorKind;

/// What one read does, besides reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadFault {
    /// Fails with this kind, delivering nothing.
    Error(ErrorKind),
    /// Delivers at most this many bytes (at least 1).
    Split(usize),
    /// Waits this many milliseconds first.
    Stall(u64),
    /// Drops one byte of what it read.
    Lose,
    /// Flips one byte of what it read.
    Garble,
    /// Nothing: an ordinary read.
    None,
}

/// How often each fault strikes, in chances per thousand operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Rates {
    pub error: u16,
    pub lose: u16,
    pub garble: u16,
    pub split: u16,
    pub stall: u16,
    pub short_write: u16,
}

/// How many of each fault were injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Counts {
    pub errors: u32,
    pub lost: u32,
    pub garbled: u32,
    pub splits: u32,
    pub stalls: u32,
    pub short_writes: u32,
}

impl Counts {
    pub fn total(&self) -> u32 {
        self.errors + self.lost + self.garbled + self.splits + self.stalls + self.short_writes
    }
}

/// The fault schedule shared by the halves of one port.
#[derive(Debug)]
pub struct Plan {
    rng: u64,
    rates: Rates,
    active: bool,
    /// The longest stall, in milliseconds.
    pub max_stall_ms: u64,
    forced: VecDeque<ReadFault>,
    pub counts: Counts,
}

impl Plan {
    /// A plan drawing faults at `rates` from `seed`.
    pub fn new(seed: u64, rates: Rates) -> Rc<RefCell<Plan>> {
        Rc::new(RefCell::new(Plan {
            rng: seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1,
            rates,
            active: true,
            max_stall_ms: 30,
            forced: VecDeque::new(),
            counts: Counts::default(),
        }))
    }

    /// A plan that injects only what is forced.
    pub fn quiet() -> Rc<RefCell<Plan>> {
        Plan::new(1, Rates::default())
    }

    /// The next reads do these, in order (even after [`stop`](Self::stop)).
    pub fn force_read(&mut self, faults: impl IntoIterator<Item = ReadFault>) {
        self.forced.extend(faults);
    }

    /// No more random faults from now on.
    pub fn stop(&mut self) {
        self.active = false;
    }

    /// Random faults again.
    pub fn resume(&mut self) {
        self.active = true;
    }

    fn next(&mut self) -> u64 {
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn strikes(&mut self, per_mille: u16) -> bool {
        self.active && per_mille > 0 && self.below(1000) < u64::from(per_mille)
    }

    /// What the next read of `len` bytes does.
    fn read_fault(&mut self, len: usize) -> ReadFault {
        if let Some(f) = self.forced.pop_front() {
            return f;
        }
        let r = self.rates;
        if self.strikes(r.error) {
            ReadFault::Error(ErrorKind::Other)
        } else if self.strikes(r.stall) {
            ReadFault::Stall(1 + self.below(self.max_stall_ms))
        } else if self.strikes(r.split) && len > 1 {
            ReadFault::Split(1 + self.below(len as u64 - 1) as usize)
        } else if self.strikes(r.lose) {
            ReadFault::Lose
        } else if self.strikes(r.garble) {
            ReadFault::Garble
        } else {
            ReadFault::None
        }
    }

    /// How many of `len` bytes the next write takes (all, or a short write), and a stall
    /// before it.
    fn write_fault(&mut self, len: usize) -> (usize, u64) {
        let stall = if self.strikes(self.rates.stall) {
            self.counts.stalls += 1;
            1 + self.below(self.max_stall_ms)
        } else {
            0
        };
        if len > 1 && self.strikes(self.rates.short_write) {
            self.counts.short_writes += 1;
            (1 + self.below(len as u64 - 1) as usize, stall)
        } else {
            (len, stall)
        }
    }

    /// Before a read: how many bytes to ask for, a stall, or an error.
    fn before_read(&mut self, len: usize) -> Result<(usize, u64, ReadFault), ErrorKind> {
        let f = self.read_fault(len);
        match f {
            ReadFault::Error(k) => {
                self.counts.errors += 1;
                Err(k)
            }
            ReadFault::Split(n) => {
                self.counts.splits += 1;
                Ok((n.clamp(1, len.max(1)), 0, f))
            }
            ReadFault::Stall(ms) => {
                self.counts.stalls += 1;
                Ok((len, ms, f))
            }
            _ => Ok((len, 0, f)),
        }
    }

    /// After a read of `buf[..n]`: drops or flips a byte. Returns the new length (0: read
    /// again, the only byte was lost).
    fn after_read(&mut self, f: ReadFault, buf: &mut [u8], n: usize) -> usize {
        // A read that was waiting when the faults stopped delivers what it got, untouched.
        if n == 0 || !self.active {
            return n;
        }
        match f {
            ReadFault::Lose => {
                self.counts.lost += 1;
                let at = self.below(n as u64) as usize;
                buf.copy_within(at + 1..n, at);
                n - 1
            }
            ReadFault::Garble => {
                self.counts.garbled += 1;
                let at = self.below(n as u64) as usize;
                buf[at] ^= 1 + self.below(255) as u8;
                n
            }
            _ => n,
        }
    }
}

thread_local! {
    /// What every plan of this thread injected, added up when each is dropped.
    static TOTALS: RefCell<Counts> = RefCell::new(Counts::default());
}

/// What the plans of this thread injected so far.
pub fn totals() -> Counts {
    TOTALS.with(|t| *t.borrow())
}

impl Drop for Plan {
    fn drop(&mut self) {
        let c = self.counts;
        TOTALS.with(|t| {
            let mut t = t.borrow_mut();
            t.errors += c.errors;
            t.lost += c.lost;
            t.garbled += c.garbled;
            t.splits += c.splits;
            t.stalls += c.stalls;
            t.short_writes += c.short_writes;
        });
    }
}

/// The error of a [`Faulty`] port: the inner port's, or an injected one.
#[derive(Debug)]
pub enum FaultError<E> {
    Port(E),
    Injected(ErrorKind),
}

impl<E: core::fmt::Debug> core::fmt::Display for FaultError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl<E: core::fmt::Debug> std::error::Error for FaultError<E> {}

impl<E: embedded_io::Error> embedded_io::Error for FaultError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            FaultError::Port(e) => e.kind(),
            FaultError::Injected(k) => *k,
        }
    }
}

/// A port (or half of one) with faults injected by its [`Plan`].
pub struct Faulty<P> {
    pub inner: P,
    pub plan: Rc<RefCell<Plan>>,
}

impl<P> Faulty<P> {
    pub fn new(inner: P, plan: &Rc<RefCell<Plan>>) -> Self {
        Faulty {
            inner,
            plan: plan.clone(),
        }
    }
}

impl<P: embedded_io::ErrorType> embedded_io::ErrorType for Faulty<P> {
    type Error = FaultError<P::Error>;
}

impl<P: embedded_io_async::Read> embedded_io_async::Read for Faulty<P> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        loop {
            let planned = self.plan.borrow_mut().before_read(buf.len());
            let (len, stall, f) = planned.map_err(FaultError::Injected)?;
            if stall > 0 {
                embassy_time::Timer::after_millis(stall).await;
            }
            let n = self
                .inner
                .read(&mut buf[..len])
                .await
                .map_err(FaultError::Port)?;
            if n == 0 {
                return Ok(0);
            }
            let n = self.plan.borrow_mut().after_read(f, buf, n);
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

impl<P: embedded_io_async::Write> embedded_io_async::Write for Faulty<P> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let (n, stall) = self.plan.borrow_mut().write_fault(buf.len());
        if stall > 0 {
            embassy_time::Timer::after_millis(stall).await;
        }
        self.inner.write(&buf[..n]).await.map_err(FaultError::Port)
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush().await.map_err(FaultError::Port)
    }
}

impl<P: embedded_io::Read> embedded_io::Read for Faulty<P> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        loop {
            let planned = self.plan.borrow_mut().before_read(buf.len());
            let (len, stall, f) = planned.map_err(FaultError::Injected)?;
            if stall > 0 {
                std::thread::sleep(std::time::Duration::from_millis(stall));
            }
            let n = self.inner.read(&mut buf[..len]).map_err(FaultError::Port)?;
            if n == 0 {
                return Ok(0);
            }
            let n = self.plan.borrow_mut().after_read(f, buf, n);
            if n > 0 {
                return Ok(n);
            }
        }
    }
}

impl<P: embedded_io::Write> embedded_io::Write for Faulty<P> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        let (n, stall) = self.plan.borrow_mut().write_fault(buf.len());
        if stall > 0 {
            std::thread::sleep(std::time::Duration::from_millis(stall));
        }
        self.inner.write(&buf[..n]).map_err(FaultError::Port)
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush().map_err(FaultError::Port)
    }
}
