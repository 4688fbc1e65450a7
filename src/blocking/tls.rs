//! MQTT over TLS, blocking: provisioning and opening over TLS.

use embedded_io::{Read, Write};

use super::Modem;
use crate::broker::Broker;
use crate::codec::TlsParam;
use crate::error::Error;
use crate::proto::tls;
use crate::tls::TlsSetup;
use crate::types::ClientId;

impl<P: Read + Write, const N: usize> Modem<P, N> {
    /// Provisions TLS on the module (`AT+GTSSLFILE?`, `AT+GTSSLVER`, `AT+GTSSLMODE`, one
    /// `AT+GTSSLFILE` per file of a kind the module holds none of, each written from the
    /// caller's slice after the prompt); see
    /// [`asynch::Control::provision_tls`](crate::asynch::Control::provision_tls) for which
    /// files go ([`TlsSetup::upload`]) and what is known of the files a module holds. Every
    /// file is checked before a byte is sent.
    ///
    /// The module forgets it all when it restarts
    /// ([`Event::Restarted`](crate::Event::Restarted)): after [`start`](Self::start), call
    /// `provision_tls(&setup)` again before the next [`open_tls`](Self::open_tls).
    pub fn provision_tls(&mut self, setup: &TlsSetup<'_>) -> Result<(), Error> {
        self.procedure(&mut tls::Provisioning::new(setup)?)
    }

    /// `AT+MQTTOPEN` over TLS; on `+MQTTOPEN: <id>,0` the reason `AT+GTSSLERR?` gives, as
    /// [`Error::Tls`], with what `AT+CCLK?` showed of the module's clock when the reason is the
    /// CA or the clock; see [`asynch::Control::open_tls`](crate::asynch::Control::open_tls).
    pub fn open_tls(
        &mut self,
        id: ClientId,
        broker: Broker<'_>,
        tls: TlsParam,
    ) -> Result<(), Error> {
        self.procedure(&mut tls::OpenTls::new(id, &broker, tls))
    }
}
