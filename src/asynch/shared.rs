//! What the runner and the handle share: the exchange, the receive buffer and the wakers.

use core::cell::RefCell;
use core::task::Context;

use embassy_sync::waitqueue::WakerRegistration;

use crate::config::Config;
use crate::proto::exchange::Exchange;
use crate::proto::rx::RxBuf;
use crate::proto::wake::{Waiter, WAITERS};

/// The exchange and the wakers of those waiting on it, borrowed together.
struct Inner {
    exchange: Exchange,
    /// One waker per [`Waiter`], in its place.
    wakers: [WakerRegistration; WAITERS],
    /// The runner's (the receive buffer has room again).
    runner: WakerRegistration,
}

/// The driver state that is not the receive buffer.
pub(crate) struct Shared {
    inner: RefCell<Inner>,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Shared {
            inner: RefCell::new(Inner {
                exchange: Exchange::new(config),
                wakers: Default::default(),
                runner: WakerRegistration::new(),
            }),
        }
    }

    /// Runs `f` on the exchange, then wakes whoever its changes concern (waking a task only
    /// schedules it). The exchange is never borrowed across an await or a call out of the
    /// driver, so a second borrow is a bug: it panics.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Exchange) -> T) -> T {
        let mut inner = self.inner.borrow_mut();
        let out = f(&mut inner.exchange);
        inner.wake();
        out
    }

    /// Runs `f` on the exchange and the receive buffer together (the runner feeding bytes).
    pub(crate) fn with_rx<T>(
        &self,
        rx: &Rx,
        f: impl FnOnce(&mut Exchange, &mut RxBuf<[u8]>) -> T,
    ) -> T {
        self.with(|x| f(x, &mut rx.borrow_mut()))
    }

    /// Wakes the runner (the receive buffer has room again).
    pub(crate) fn wake_runner(&self) {
        self.inner.borrow_mut().runner.wake();
    }

    /// Registers the task of `cx` to be woken for `waiter`.
    pub(crate) fn register(&self, cx: &Context<'_>, waiter: Waiter) {
        if let Some(reg) = self.inner.borrow_mut().wakers.get_mut(waiter as usize) {
            reg.register(cx.waker());
        }
    }

    /// Registers the runner's task.
    pub(crate) fn register_runner(&self, cx: &Context<'_>) {
        self.inner.borrow_mut().runner.register(cx.waker());
    }
}

impl Inner {
    /// Wakes whoever the exchange's changes since the last call concern.
    fn wake(&mut self) {
        let wake = self.exchange.take_wake().flags();
        for (reg, woken) in self.wakers.iter_mut().zip(wake) {
            if woken {
                reg.wake();
            }
        }
    }
}

/// The receive buffer as the runner and the handle see it, whatever its size.
pub(crate) type Rx = RefCell<RxBuf<[u8]>>;
