//! MQTT over TLS: provisioning the module's TLS settings and files, and opening over TLS.

use embedded_io_async::Write;

use super::control::Control;
use crate::broker::Broker;
use crate::codec::TlsParam;
use crate::error::Error;
use crate::proto::tls;
use crate::tls::TlsSetup;
use crate::types::ClientId;

impl<'d, W: Write> Control<'d, W> {
    /// Provisions TLS on the module: `AT+GTSSLFILE?` (which files the module holds), then
    /// `AT+GTSSLVER=<version>`, `AT+GTSSLMODE=<verify>`, then one
    /// `AT+GTSSLFILE="<kind>",<length>` per file `setup` gives (TRUSTFILE, CAFILE, KEYFILE, in
    /// that order) and the module holds none of, each file written after the module's prompt
    /// straight from the caller's slice (never copied into the driver).
    ///
    /// Which files go is [`TlsSetup::upload`]'s choice. By default
    /// ([`Upload::IfMissing`](crate::Upload::IfMissing)) a kind the module holds a file of is
    /// not uploaded again: the module keeps its files while the host restarts, and each upload
    /// adds one, so that files would pile up across host restarts. A held file is taken to be
    /// the right one (the module cannot show it): to change a CA, restart the module, then
    /// provision. A firmware that answers `ERROR` to `AT+GTSSLFILE?` gets every file
    /// uploaded (the query is not asked again); any other failure of the query ends
    /// provisioning with it. No query is made when `setup` gives no file, or with
    /// [`Upload::Always`](crate::Upload::Always). The version and the mode are sent every
    /// time (setting them again changes nothing).
    ///
    /// Every file is checked first (4-8192 bytes, PEM text of its kind: a certificate for
    /// [`trust`](TlsSetup::trust) and [`client_cert`](TlsSetup::client_cert), a private key for
    /// [`client_key`](TlsSetup::client_key)): a bad one is [`Error::Invalid`] and nothing at all
    /// is sent. A command the module refuses is [`Error::Module`]; the ones before it took.
    ///
    /// The module forgets every TLS setting and file when it restarts
    /// ([`Event::Restarted`](crate::Event::Restarted)): after [`start`](Self::start), call
    /// `provision_tls(&setup)` again, with the same `setup`, before the next
    /// [`open_tls`](Self::open_tls). Without it the module would open with its power-up
    /// settings, verification off (`AT+GTSSLMODE: 0`), so once this driver provisioned TLS and
    /// saw the module restart, `open_tls` refuses with [`Error::TlsLost`] until TLS is
    /// provisioned again (nothing is sent). After a restart the module holds no file, so
    /// every file given is uploaded again.
    ///
    /// Cancel-safe: dropped before the first command went out, nothing was sent. Dropped
    /// later, the commands already answered took, and the one under way is completed as any
    /// abandoned command is (a file cut short is completed with NUL bytes, which leaves the
    /// module an unusable file of that kind, which a later provisioning takes as held):
    /// restart the module, then provision, to be sure of the files.
    pub async fn provision_tls(&self, setup: &TlsSetup<'_>) -> Result<(), Error> {
        self.procedure(&mut tls::Provisioning::new(setup)?).await
    }

    /// `AT+MQTTOPEN=<id>,"<host>",<port>,<clean>,<keepalive>,<tls>`: connects module client
    /// `id` (which must be closed) to `broker` over TLS, with the settings and files
    /// [`provision_tls`](Self::provision_tls) gave the module; `tls` is the TLS parameter of
    /// this module family (usually [`TlsSetup::param`]).
    ///
    /// As [`open`](Self::open), and: when the module reports failure (`+MQTTOPEN: <id>,0`) the
    /// driver asks `AT+GTSSLERR?` why, and fails with [`Error::Tls`] and the reason
    /// ([`TlsErrorReason::CaOrClock`](crate::codec::TlsErrorReason::CaOrClock): the CA or the
    /// module's clock; `Certificate`: the files; `Handshake`: version, port, client
    /// certificate), or [`Error::Failed`] when the module names no TLS failure (the connection
    /// itself failed: check the host and the port). [`last_failure`](Self::last_failure) then
    /// names `AT+MQTTOPEN` with that error.
    ///
    /// On the CA or clock code (`-11`) the driver also reads the module's clock (`AT+CCLK?`)
    /// and says what it showed ([`ClockCheck`](crate::codec::ClockCheck)): plausible (check
    /// the CA), implausible with its year (a factory default such as 1980: set the clock), or
    /// unknown (the query failed: check both). Each query is asked once.
    ///
    /// Cancel-safe as [`open`](Self::open); dropped while the reason or the clock is asked,
    /// its answer is absorbed.
    pub async fn open_tls(
        &self,
        id: ClientId,
        broker: Broker<'_>,
        tls: TlsParam,
    ) -> Result<(), Error> {
        self.procedure(&mut tls::OpenTls::new(id, &broker, tls))
            .await
    }
}
