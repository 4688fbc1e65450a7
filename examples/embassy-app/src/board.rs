//! Stands for your HAL, so that the example compiles: a UART whose halves never receive and
//! swallow what is written, and a time driver whose clock never moves. A real firmware takes
//! both from its HAL (see `main.rs`).

use core::convert::Infallible;
use core::task::Waker;

/// The receive half of the UART.
pub struct UartRx;
/// The transmit half of the UART.
pub struct UartTx;

/// The UART's two halves.
pub fn init() -> (UartRx, UartTx) {
    (UartRx, UartTx)
}

impl embedded_io_async::ErrorType for UartRx {
    type Error = Infallible;
}

impl embedded_io_async::Read for UartRx {
    async fn read(&mut self, _buf: &mut [u8]) -> Result<usize, Infallible> {
        core::future::pending().await
    }
}

impl embedded_io_async::ErrorType for UartTx {
    type Error = Infallible;
}

impl embedded_io_async::Write for UartTx {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Infallible> {
        Ok(buf.len())
    }

    async fn flush(&mut self) -> Result<(), Infallible> {
        Ok(())
    }
}

/// A time driver: your HAL's, in a real firmware.
struct Clock;

impl embassy_time_driver::Driver for Clock {
    fn now(&self) -> u64 {
        0
    }

    fn schedule_wake(&self, _at: u64, _waker: &Waker) {}
}

embassy_time_driver::time_driver_impl!(static CLOCK: Clock = Clock);

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
