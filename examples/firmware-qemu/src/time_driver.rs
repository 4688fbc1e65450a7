//! An embassy-time driver for the mps2-an386: the time is read from the board's CMSDK timer 0,
//! a 32-bit counter at the 25 MHz system clock; SysTick interrupts once a millisecond to wake
//! the timers that are due, kept in `embassy-time-queue-utils`' queue.
//!
//! Counting SysTick interrupts would be simpler, but QEMU merges timer interrupts that the
//! emulated core does not take in time, so a busy host would slow such a clock down (seen: 10 s
//! of counted ticks in 18 s). The counter register always follows the host's clock.

use core::cell::{Cell, RefCell};
use core::ptr::{read_volatile, write_volatile};
use core::task::Waker;

use cortex_m::peripheral::syst::SystClkSource;
use cortex_m::peripheral::{NVIC, SYST};
use cortex_m_rt::exception;
use critical_section::{CriticalSection, Mutex};
use embassy_time_driver::Driver;
use embassy_time_queue_utils::Queue;

use crate::Irq;

/// The system clock of the mps2-an386 as QEMU models it; it drives the core and timer 0.
const CLOCK_HZ: u32 = 25_000_000;
/// Time base; must match the `tick-hz-*` feature of `embassy-time-driver`.
const TICK_HZ: u32 = 1_000;

const TIMER0: usize = 0x4000_0000;
const TIMER_CTRL: *mut u32 = TIMER0 as *mut u32;
const TIMER_VALUE: *mut u32 = (TIMER0 + 0x04) as *mut u32;
const TIMER_RELOAD: *mut u32 = (TIMER0 + 0x08) as *mut u32;
const TIMER_INT: *mut u32 = (TIMER0 + 0x0c) as *mut u32;
const TIMER_ENABLE: u32 = 1 << 0;
const TIMER_IRQ_ENABLE: u32 = 1 << 3;

/// Timer 0's interrupt: the counter wrapped (every 2^32 cycles, about 172 s).
pub const IRQ_TIMER0: u16 = 8;

struct Clock {
    /// Wraps of timer 0 counted so far.
    wraps: Mutex<Cell<u32>>,
    /// When the earliest timer is due, in ticks.
    alarm: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: Clock = Clock {
    wraps: Mutex::new(Cell::new(0)),
    alarm: Mutex::new(Cell::new(u64::MAX)),
    queue: Mutex::new(RefCell::new(Queue::new())),
});

impl Clock {
    fn ticks(&self, cs: CriticalSection<'_>) -> u64 {
        // SAFETY: reads of the counter and the interrupt status have no side effect.
        let (wrapped, value) = unsafe {
            let value = read_volatile(TIMER_VALUE);
            if read_volatile(TIMER_INT) & 1 != 0 {
                // A wrap not counted yet: the value read before may be from either side of it.
                (1, read_volatile(TIMER_VALUE))
            } else {
                (0, value)
            }
        };
        let wraps = u64::from(self.wraps.borrow(cs).get()) + wrapped;
        let cycles = (wraps << 32) | u64::from(u32::MAX - value);
        cycles / u64::from(CLOCK_HZ / TICK_HZ)
    }
}

impl Driver for Clock {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks(cs))
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            let mut queue = self.queue.borrow_ref_mut(cs);
            if queue.schedule_wake(at, waker) {
                self.alarm
                    .borrow(cs)
                    .set(queue.next_expiration(self.ticks(cs)));
            }
        });
    }
}

/// Starts timer 0 free-running and SysTick at [`TICK_HZ`]. Call [`on_timer0`] from the
/// handler of [`IRQ_TIMER0`].
pub fn init(mut syst: SYST) {
    // SAFETY: timer 0 is used by this module only; its handler only touches the wrap count.
    unsafe {
        write_volatile(TIMER_RELOAD, u32::MAX);
        write_volatile(TIMER_VALUE, u32::MAX);
        write_volatile(TIMER_CTRL, TIMER_ENABLE | TIMER_IRQ_ENABLE);
        NVIC::unmask(Irq(IRQ_TIMER0));
    }
    syst.set_clock_source(SystClkSource::Core);
    syst.set_reload(CLOCK_HZ / TICK_HZ - 1);
    syst.clear_current();
    syst.enable_interrupt();
    syst.enable_counter();
}

/// Timer 0's interrupt handler: counts a wrap.
pub fn on_timer0() {
    critical_section::with(|cs| {
        // SAFETY: clearing timer 0's interrupt.
        unsafe { write_volatile(TIMER_INT, 1) };
        let wraps = DRIVER.wraps.borrow(cs);
        wraps.set(wraps.get().wrapping_add(1));
    });
}

#[exception]
fn SysTick() {
    critical_section::with(|cs| {
        let now = DRIVER.ticks(cs);
        let alarm = DRIVER.alarm.borrow(cs);
        if now >= alarm.get() {
            alarm.set(DRIVER.queue.borrow_ref_mut(cs).next_expiration(now));
        }
    });
}
