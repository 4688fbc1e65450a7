//! What the runner and the handle share: the exchange, the receive buffer and the wakers.

use core::cell::RefCell;
use core::task::Context;

use embassy_sync::waitqueue::WakerRegistration;

use crate::config::Config;
use crate::proto::exchange::Exchange;
use crate::proto::rx::RxBuf;
use crate::proto::wake::Waiter;

/// One waker per party that may wait.
#[derive(Default)]
struct Wakers {
    channel: WakerRegistration,
    client_one: WakerRegistration,
    client_two: WakerRegistration,
    call: WakerRegistration,
    events: WakerRegistration,
    runner: WakerRegistration,
}

/// The exchange and the wakers of those waiting on it, borrowed together.
struct Inner {
    exchange: Exchange,
    wakers: Wakers,
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
                wakers: Wakers::default(),
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
        self.inner.borrow_mut().wakers.runner.wake();
    }

    /// Registers the task of `cx` to be woken for `waiter`.
    pub(crate) fn register(&self, cx: &Context<'_>, waiter: Waiter) {
        let mut inner = self.inner.borrow_mut();
        let wk = &mut inner.wakers;
        let reg = match waiter {
            Waiter::Channel => &mut wk.channel,
            Waiter::Result(crate::ClientId::One) => &mut wk.client_one,
            Waiter::Result(crate::ClientId::Two) => &mut wk.client_two,
            Waiter::Call => &mut wk.call,
            Waiter::Events => &mut wk.events,
        };
        reg.register(cx.waker());
    }

    /// Registers the runner's task.
    pub(crate) fn register_runner(&self, cx: &Context<'_>) {
        self.inner.borrow_mut().wakers.runner.register(cx.waker());
    }
}

impl Inner {
    /// Wakes whoever the exchange's changes since the last call concern.
    fn wake(&mut self) {
        let w = self.exchange.take_wake();
        let wk = &mut self.wakers;
        if w.channel {
            wk.channel.wake();
        }
        if w.client_one {
            wk.client_one.wake();
        }
        if w.client_two {
            wk.client_two.wake();
        }
        if w.call {
            wk.call.wake();
        }
        if w.events {
            wk.events.wake();
        }
    }
}

/// The receive buffer as the runner and the handle see it, whatever its size.
pub(crate) type Rx = RefCell<RxBuf<[u8]>>;
