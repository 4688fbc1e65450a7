//! What the runner and the client share: the protocol state, the receive buffer and the wakers.

use core::cell::RefCell;
use core::task::{Context, Poll};

use embassy_sync::waitqueue::WakerRegistration;

use crate::proto::machine::{Machine, Wake};
use crate::proto::rx::RxBuf;

/// The wakers of everyone who may wait.
#[derive(Default)]
pub(crate) struct Wakers {
    command: WakerRegistration,
    clients: [WakerRegistration; 2],
    events: WakerRegistration,
    settle: WakerRegistration,
    call: WakerRegistration,
    runner: WakerRegistration,
}

/// The driver state that is not the receive buffer.
pub(crate) struct Shared {
    pub(crate) machine: RefCell<Machine>,
    pub(crate) wakers: RefCell<Wakers>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            machine: RefCell::new(Machine::default()),
            wakers: RefCell::new(Wakers::default()),
        }
    }

    /// Runs `f` on the machine. Returns `None` only if the machine is already borrowed, which
    /// the driver never does across a call that could re-enter.
    pub(crate) fn with<T>(&self, f: impl FnOnce(&mut Machine) -> T) -> Option<T> {
        self.machine.try_borrow_mut().ok().map(|mut m| f(&mut m))
    }

    pub(crate) fn wake(&self, w: Wake) {
        let Ok(mut wk) = self.wakers.try_borrow_mut() else {
            return;
        };
        if w.has(Wake::COMMAND) {
            wk.command.wake();
        }
        if w.has(Wake::CLIENT1) {
            wk.clients[0].wake();
        }
        if w.has(Wake::CLIENT2) {
            wk.clients[1].wake();
        }
        if w.has(Wake::EVENTS) {
            wk.events.wake();
        }
        if w.has(Wake::SETTLE) {
            wk.settle.wake();
        }
        if w.has(Wake::CALL) {
            wk.call.wake();
        }
    }

    pub(crate) fn wake_runner(&self) {
        if let Ok(mut wk) = self.wakers.try_borrow_mut() {
            wk.runner.wake();
        }
    }

    /// Polls `f` on the machine; registers for `slot` while it says pending.
    pub(crate) fn poll<T>(
        &self,
        cx: &mut Context<'_>,
        slot: Wake,
        f: impl FnOnce(&mut Machine) -> Option<T>,
    ) -> Poll<T> {
        if let Some(Some(v)) = self.with(f) {
            return Poll::Ready(v);
        }
        self.register(cx, slot);
        Poll::Pending
    }

    /// Registers the task of `cx` to be woken for `slot`.
    #[inline(never)]
    fn register(&self, cx: &mut Context<'_>, slot: Wake) {
        if let Ok(mut wk) = self.wakers.try_borrow_mut() {
            let reg = if slot.has(Wake::COMMAND) {
                &mut wk.command
            } else if slot.has(Wake::CLIENT1) {
                &mut wk.clients[0]
            } else if slot.has(Wake::CLIENT2) {
                &mut wk.clients[1]
            } else if slot.has(Wake::SETTLE) {
                &mut wk.settle
            } else if slot.has(Wake::CALL) {
                &mut wk.call
            } else {
                &mut wk.events
            };
            reg.register(cx.waker());
        }
    }

    pub(crate) fn register_runner(&self, cx: &mut Context<'_>) {
        if let Ok(mut wk) = self.wakers.try_borrow_mut() {
            wk.runner.register(cx.waker());
        }
    }
}

/// The receive buffer as the runner and the client see it, whatever its size.
pub(crate) type Rx = RefCell<RxBuf<[u8]>>;
