//! What the module says of its clients, taken into the exchange: which are connected (a
//! query's answer), and the clients start-up found left over from before.

use super::Exchange;
use crate::types::{ClientId, ClientSet};

impl Exchange {
    /// A list of clients in the answer of the query under way (`+MQTTCLOSE: 1,2` after
    /// `AT+MQTTCLOSE?`): added to [`listed`](Exchange::listed).
    pub(crate) fn list_clients(&mut self, clients: ClientSet) {
        self.listed = Some(self.listed.map_or(clients, |l| l.union(clients)));
    }

    /// Takes `connected` as the set of connected clients, for clients with no operation under
    /// way. Returns those the driver did not know to be open: left over from before (an
    /// earlier run of the host, or a connection the driver lost track of).
    pub(crate) fn learn_connected(&mut self, connected: ClientSet) -> ClientSet {
        let mut leftover = ClientSet::EMPTY;
        for id in ClientId::ALL {
            if self.client_mut(id).learn(connected.contains(id)) {
                leftover = leftover.with(id);
            }
        }
        leftover
    }

    /// Client `id`, which the driver took as connected, is not (the module refused to close
    /// it): closed, unless an operation of it is under way.
    pub(crate) fn client_closed(&mut self, id: ClientId) {
        self.client_mut(id).learn(false);
    }

    /// Start-up closed client `id`, left over from before, after reading and dropping the
    /// `discarded` messages the module held for it: reported, so that none is lost silently.
    pub(crate) fn closed_leftover(&mut self, id: ClientId, discarded: u16) {
        crate::log::state("closed a client left connected from before");
        if discarded > 0 {
            self.event(crate::proto::events::Queued::Discarded {
                client: id,
                messages: discarded,
            });
        }
    }
}
