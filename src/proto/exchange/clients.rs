//! What the module says of its clients, taken into the exchange: which are connected (a
//! query's answer), and the clients start-up found left over from before.

use super::Exchange;
use crate::error::ConnState;
use crate::types::{ClientId, ClientSet};

impl Exchange {
    /// Takes `connected` as the set of connected clients, for clients with no operation under
    /// way. Returns those the driver did not know to be open: left over from before (an
    /// earlier run of the host, or a connection the driver lost track of).
    pub(crate) fn learn_connected(&mut self, connected: ClientSet) -> ClientSet {
        let mut leftover = ClientSet::EMPTY;
        for id in ClientId::ALL {
            let c = self.client_mut(id);
            if matches!(c.op, crate::proto::client::ClientOp::Idle) {
                let open = connected.contains(id);
                if open && c.state != ConnState::Open {
                    leftover = leftover.with(id);
                }
                c.state = if open {
                    ConnState::Open
                } else {
                    ConnState::Closed
                };
            }
        }
        leftover
    }

    /// Client `id`, which the driver took as connected, is not (the module refused to close
    /// it): closed, unless an operation of it is under way.
    pub(crate) fn client_closed(&mut self, id: ClientId) {
        let c = self.client_mut(id);
        if matches!(c.op, crate::proto::client::ClientOp::Idle) {
            c.state = ConnState::Closed;
        }
    }

    /// Start-up closed client `id`, left over from before, after reading and dropping the
    /// `discarded` messages the module held for it: reported, so that none is lost silently.
    pub(crate) fn closed_leftover(&mut self, id: ClientId, discarded: u16) {
        crate::log::state("closed a client left connected from before");
        if discarded > 0 {
            self.events.push(crate::proto::events::Queued::Discarded {
                client: id,
                messages: discarded,
            });
            self.wake.events = true;
        }
    }
}
