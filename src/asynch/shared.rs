//! What the runner and the client share: the protocol state, the receive buffer and the wakers.

use core::cell::RefCell;
use core::task::{Context, Poll};

use embassy_sync::waitqueue::WakerRegistration;

use crate::proto::machine::{Machine, Wake};
use crate::proto::rx::RxBuf;

/// The wakers of everyone who may wait: one per [`Wake`] bit (the operation holding the
/// channel, client 1's and client 2's result lines, events, settling, the data call), then the
/// runner's.
#[derive(Default)]
pub(crate) struct Wakers([WakerRegistration; 7]);

/// The runner's place in [`Wakers`].
const RUNNER: usize = 6;

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
        for (bit, reg) in wk.0.iter_mut().take(RUNNER).enumerate() {
            if w.bit(bit) {
                reg.wake();
            }
        }
    }

    pub(crate) fn wake_runner(&self) {
        if let Ok(mut wk) = self.wakers.try_borrow_mut() {
            if let Some(reg) = wk.0.get_mut(RUNNER) {
                reg.wake();
            }
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

    /// Registers the task of `cx` to be woken for `slot` (its lowest bit).
    fn register(&self, cx: &mut Context<'_>, slot: Wake) {
        self.register_at(cx, slot.first_bit());
    }

    pub(crate) fn register_runner(&self, cx: &mut Context<'_>) {
        self.register_at(cx, RUNNER);
    }

    /// Registers the task of `cx` in the waker at `at`. Not inlined: every wait calls it.
    #[inline(never)]
    fn register_at(&self, cx: &mut Context<'_>, at: usize) {
        if let Ok(mut wk) = self.wakers.try_borrow_mut() {
            if let Some(reg) = wk.0.get_mut(at) {
                reg.register(cx.waker());
            }
        }
    }
}

/// The receive buffer as the runner and the client see it, whatever its size.
pub(crate) type Rx = RefCell<RxBuf<[u8]>>;
