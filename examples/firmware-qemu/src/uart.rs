//! UART0 of the mps2-an386 (an Arm CMSDK APB UART at 0x4000_4000) as an interrupt-driven
//! `embedded-io-async` port: received bytes go into a ring buffer from the RX interrupt, and
//! writes wait for the TX interrupt when the transmit register is full.
//!
//! The UART holds one received byte. While the ring is full that byte stays in the UART, which
//! then refuses more: QEMU stops reading its socket, so nothing is lost.

use core::cell::RefCell;
use core::convert::Infallible;
use core::future::poll_fn;
use core::ptr::{read_volatile, write_volatile};
use core::task::Poll;

use cortex_m::peripheral::NVIC;
use critical_section::{CriticalSection, Mutex};
use embassy_sync::waitqueue::AtomicWaker;

use crate::Irq;

const BASE: usize = 0x4000_4000;
const DATA: *mut u32 = BASE as *mut u32;
const STATE: *mut u32 = (BASE + 0x04) as *mut u32;
const CTRL: *mut u32 = (BASE + 0x08) as *mut u32;
const INTCLEAR: *mut u32 = (BASE + 0x0c) as *mut u32;
const BAUDDIV: *mut u32 = (BASE + 0x10) as *mut u32;

const STATE_TX_FULL: u32 = 1 << 0;
const STATE_RX_FULL: u32 = 1 << 1;
const CTRL_TX_EN: u32 = 1 << 0;
const CTRL_RX_EN: u32 = 1 << 1;
const CTRL_TX_INT: u32 = 1 << 2;
const CTRL_RX_INT: u32 = 1 << 3;
const INT_TX: u32 = 1 << 0;
const INT_RX: u32 = 1 << 1;

/// UART0's receive interrupt.
pub const IRQ_RX: u16 = 0;
/// UART0's transmit interrupt.
pub const IRQ_TX: u16 = 1;

/// Size of the receive ring buffer.
const RING: usize = 256;

struct Ring {
    buf: [u8; RING],
    start: usize,
    len: usize,
}

impl Ring {
    /// Moves the byte the UART holds, if any, into the ring while there is room.
    fn fill_from_uart(&mut self) {
        while self.len < RING && state() & STATE_RX_FULL != 0 {
            // SAFETY: reading the data register of a UART this module owns.
            let byte = unsafe { read_volatile(DATA) } as u8;
            self.buf[(self.start + self.len) % RING] = byte;
            self.len += 1;
        }
    }

    fn take(&mut self, out: &mut [u8]) -> usize {
        let n = self.len.min(out.len());
        for slot in &mut out[..n] {
            *slot = self.buf[self.start];
            self.start = (self.start + 1) % RING;
        }
        self.len -= n;
        n
    }
}

static RX: Mutex<RefCell<Ring>> = Mutex::new(RefCell::new(Ring {
    buf: [0; RING],
    start: 0,
    len: 0,
}));
static RX_WAKER: AtomicWaker = AtomicWaker::new();
static TX_WAKER: AtomicWaker = AtomicWaker::new();

fn state() -> u32 {
    // SAFETY: reading a status register has no side effect.
    unsafe { read_volatile(STATE) }
}

fn modify_ctrl(_cs: CriticalSection<'_>, f: impl FnOnce(u32) -> u32) {
    // SAFETY: the critical section makes the read-modify-write atomic.
    unsafe { write_volatile(CTRL, f(read_volatile(CTRL))) }
}

/// The receive half.
pub struct UartRx(());

/// The transmit half.
pub struct UartTx(());

/// Enables UART0 (transmitter, receiver, receive interrupt) and returns its two halves. Call
/// once.
pub fn init() -> (UartTx, UartRx) {
    // SAFETY: configuring the UART before its interrupts are unmasked; BAUDDIV must be at
    // least 16 for the UART to run.
    unsafe {
        write_volatile(BAUDDIV, 16);
        write_volatile(CTRL, CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INT);
        NVIC::unmask(Irq(IRQ_RX));
        NVIC::unmask(Irq(IRQ_TX));
    }
    (UartTx(()), UartRx(()))
}

/// The UART's interrupt handler, for [`IRQ_RX`] and [`IRQ_TX`].
pub fn on_interrupt(irq: u16) {
    critical_section::with(|cs| match irq {
        IRQ_RX => {
            // Clear first: a byte arriving after this raises the interrupt again.
            // SAFETY: writing the interrupt clear register.
            unsafe { write_volatile(INTCLEAR, INT_RX) };
            RX.borrow_ref_mut(cs).fill_from_uart();
            RX_WAKER.wake();
        }
        IRQ_TX => {
            // SAFETY: writing the interrupt clear register.
            unsafe { write_volatile(INTCLEAR, INT_TX) };
            modify_ctrl(cs, |c| c & !CTRL_TX_INT);
            TX_WAKER.wake();
        }
        _ => {}
    });
}

impl embedded_io_async::ErrorType for UartRx {
    type Error = Infallible;
}

impl embedded_io_async::ErrorType for UartTx {
    type Error = Infallible;
}

impl embedded_io_async::Read for UartRx {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            RX_WAKER.register(cx.waker());
            critical_section::with(|cs| {
                let mut ring = RX.borrow_ref_mut(cs);
                ring.fill_from_uart();
                let n = ring.take(buf);
                // Room was made: take what the UART held back meanwhile.
                ring.fill_from_uart();
                if n > 0 {
                    Poll::Ready(Ok(n))
                } else {
                    Poll::Pending
                }
            })
        })
        .await
    }
}

impl UartTx {
    /// Writes what fits without waiting; 0 when the transmit register is full.
    fn try_write(buf: &[u8]) -> usize {
        let mut n = 0;
        for &byte in buf {
            if state() & STATE_TX_FULL != 0 {
                break;
            }
            // SAFETY: writing the data register of a UART this module owns.
            unsafe { write_volatile(DATA, u32::from(byte)) };
            n += 1;
        }
        n
    }
}

impl embedded_io_async::Write for UartTx {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        if buf.is_empty() {
            return Ok(0);
        }
        poll_fn(|cx| {
            let n = UartTx::try_write(buf);
            if n > 0 {
                return Poll::Ready(Ok(n));
            }
            TX_WAKER.register(cx.waker());
            critical_section::with(|cs| modify_ctrl(cs, |c| c | CTRL_TX_INT));
            // The register may have emptied before the interrupt was enabled.
            match UartTx::try_write(buf) {
                0 => Poll::Pending,
                n => Poll::Ready(Ok(n)),
            }
        })
        .await
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        poll_fn(|cx| {
            if state() & STATE_TX_FULL == 0 {
                return Poll::Ready(Ok(()));
            }
            TX_WAKER.register(cx.waker());
            critical_section::with(|cs| modify_ctrl(cs, |c| c | CTRL_TX_INT));
            if state() & STATE_TX_FULL == 0 {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending
            }
        })
        .await
    }
}
