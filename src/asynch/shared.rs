//! What the runner and the handle share: the exchange, the receive buffer and the wakers.

use core::cell::RefCell;
use core::task::Context;

use embassy_sync::waitqueue::WakerRegistration;

use crate::config::Config;
use crate::proto::exchange::Exchange;
use crate::proto::rx::RxBuf;
use crate::proto::wake::{Waiter, Wake};

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

/// The driver state that is not the receive buffer.
pub(crate) struct Shared {
    exchange: RefCell<Exchange>,
    wakers: RefCell<Wakers>,
}

impl Shared {
    pub(crate) fn new(config: Config) -> Self {
        Shared {
            exchange: RefCell::new(Exchange::new(config)),
            wakers: RefCell::new(Wakers::default()),
        }
    }

    /// Runs `f` on the exchange, then wakes whoever its changes concern. The exchange is never
    /// borrowed across an await or a call out of the driver, so a second borrow is a bug: it
    /// panics.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Exchange) -> T) -> T {
        let (out, wake) = {
            let mut x = self.exchange.borrow_mut();
            let out = f(&mut x);
            (out, x.take_wake())
        };
        self.wake(wake);
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

    /// Wakes whoever the exchange's changes since the last call concern.
    fn wake(&self, w: Wake) {
        let mut wk = self.wakers.borrow_mut();
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

    /// Wakes the runner (the receive buffer has room again).
    pub(crate) fn wake_runner(&self) {
        self.wakers.borrow_mut().runner.wake();
    }

    /// Registers the task of `cx` to be woken for `waiter`.
    pub(crate) fn register(&self, cx: &Context<'_>, waiter: Waiter) {
        let mut wk = self.wakers.borrow_mut();
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
        self.wakers.borrow_mut().runner.register(cx.waker());
    }
}

/// The receive buffer as the runner and the handle see it, whatever its size.
pub(crate) type Rx = RefCell<RxBuf<[u8]>>;
