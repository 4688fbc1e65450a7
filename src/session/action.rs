//! A step resolved against the configuration, sans-IO: the one driver call it comes to, with
//! the exact values to pass, or nothing to do. Both pumps apply an [`Action`] by making that
//! call ([`make_call!`] for the configuration's calls, written once for both drivers), and
//! report its outcome (a read's as [`read`] says).

use super::{DataCall, SessionConfig, SessionTls, Step};
use crate::broker::Broker;
use crate::codec::{PayloadForm, TlsParam};
use crate::error::Error;
use crate::types::{ClientId, QoS};
use crate::TlsSetup;

/// What carrying out a step comes to, fully decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action<'c> {
    /// Nothing to do: the step is done (`Ok(true)` for the core).
    Skip,
    /// One driver call ([`make_call!`]).
    Call(Call<'c>),
    /// Read a message the module holds (`read_message`); report it with [`read`].
    Read(ClientId),
    /// Send the outbox's next entry (`publish`, through the publish policy).
    Send(ClientId),
}

/// A driver call with the exact values to pass; both drivers have each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Call<'c> {
    /// The driver's start-up.
    Start,
    /// Ask whether the data call is up (`AT+MIPCALL?`): `Ok(up)` for the core.
    DataCallUp,
    /// Dial the data call (`attach`).
    Dial {
        /// The APN, or the module's default.
        apn: Option<&'c str>,
        /// User name and password, if any.
        credentials: Option<(&'c str, &'c str)>,
    },
    /// Provision TLS with this setup.
    ProvisionTls(&'c TlsSetup<'c>),
    /// Set the user (`set_user`).
    SetUser {
        /// The module client.
        client: ClientId,
        /// User name.
        user: &'c str,
        /// Password.
        password: &'c str,
        /// The MQTT client identifier.
        identifier: Option<&'c str>,
    },
    /// Set the will (`set_will_with`).
    SetWill {
        /// The module client.
        client: ClientId,
        /// Topic.
        topic: &'c str,
        /// QoS.
        qos: QoS,
        /// Retain flag.
        retain: bool,
        /// Payload.
        payload: &'c [u8],
        /// The payload's form.
        form: PayloadForm,
    },
    /// Open the client, plain MQTT (`open`).
    Open {
        /// The module client.
        client: ClientId,
        /// The broker.
        broker: Broker<'c>,
    },
    /// Open the client over TLS (`open_tls`).
    OpenTls {
        /// The module client.
        client: ClientId,
        /// The broker.
        broker: Broker<'c>,
        /// The TLS parameter of the open.
        param: TlsParam,
    },
    /// Subscribe (`subscribe`).
    Subscribe {
        /// The module client.
        client: ClientId,
        /// Topic filter.
        filter: &'c str,
        /// Maximum QoS.
        qos: QoS,
    },
}

/// Makes the driver call `$call` (a [`Call`]) on `$driver` (an async `Control`, with `.await`
/// after the call, or a blocking `Modem`, with nothing), the TLS calls through the session's
/// [`SessionTls`] `$tls` as `$provision` and `$open_tls`; evaluates to the outcome for the
/// core: `Ok(true)`, or for the call query `Ok(up)`. Written once for both pumps.
macro_rules! make_call {
    ($call:expr, $driver:expr, $tls:ident::{$provision:ident, $open_tls:ident} $($await:tt)*) => {{
        use $crate::session::action::Call;
        let d = $driver;
        match $call {
            Call::Start => d.start() $($await)* .map(|()| true),
            Call::DataCallUp => d.data_call() $($await)* .map(|ip| ip.is_some()),
            Call::Dial { apn, credentials } => d.attach(apn, credentials) $($await)* .map(|_| true),
            Call::ProvisionTls(setup) => $tls::$provision(d, setup) $($await)* .map(|()| true),
            Call::SetUser {
                client,
                user,
                password,
                identifier,
            } => d.set_user(client, user, password, identifier) $($await)* .map(|()| true),
            Call::SetWill {
                client,
                topic,
                qos,
                retain,
                payload,
                form,
            } => d.set_will_with(client, topic, qos, retain, payload, form) $($await)*
                .map(|()| true),
            Call::Open { client, broker } => d.open(client, broker) $($await)* .map(|()| true),
            Call::OpenTls {
                client,
                broker,
                param,
            } => $tls::$open_tls(d, client, broker, param) $($await)* .map(|()| true),
            Call::Subscribe {
                client,
                filter,
                qos,
            } => d.subscribe(client, filter, qos) $($await)* .map(|()| true),
        }
    }};
}
pub(crate) use make_call;

/// What `step` comes to with `config`. A step whose part of the configuration is absent (no
/// user, no will, no such subscription, no TLS, a data call that is not dialled) is
/// [`Action::Skip`]; so are [`Step::Idle`] and [`Step::Wait`], which are waited for, not run
/// (the core takes no report of them).
pub(crate) fn resolve<'c, T: SessionTls>(
    step: Step,
    config: &'c SessionConfig<'c, T>,
) -> Action<'c> {
    let client = config.client;
    match step {
        Step::Start => Action::Call(Call::Start),
        Step::CheckCall => Action::Call(Call::DataCallUp),
        Step::Dial => match config.call {
            DataCall::Dial { apn, credentials } => Action::Call(Call::Dial { apn, credentials }),
            DataCall::UseExisting => Action::Skip,
        },
        Step::Tls => config.tls.setup().map_or(Action::Skip, |setup| {
            Action::Call(Call::ProvisionTls(setup))
        }),
        Step::User => config.user.map_or(Action::Skip, |u| {
            Action::Call(Call::SetUser {
                client,
                user: u.user,
                password: u.password,
                identifier: u.identifier,
            })
        }),
        Step::Will => config.will.map_or(Action::Skip, |w| {
            Action::Call(Call::SetWill {
                client,
                topic: w.topic,
                qos: w.qos,
                retain: w.retain,
                payload: w.payload,
                // Text when it is printable text, else the data form.
                form: PayloadForm::Auto,
            })
        }),
        Step::Open => match config.tls.setup() {
            Some(tls) => Action::Call(Call::OpenTls {
                client,
                broker: config.broker,
                param: tls.param,
            }),
            None => Action::Call(Call::Open {
                client,
                broker: config.broker,
            }),
        },
        Step::Subscribe(n) => config.subscriptions.get(n).map_or(Action::Skip, |s| {
            Action::Call(Call::Subscribe {
                client,
                filter: s.filter,
                qos: s.qos,
            })
        }),
        Step::Read => Action::Read(client),
        Step::Send => Action::Send(client),
        Step::Idle | Step::Wait(_) => Action::Skip,
    }
}

/// What a read's outcome comes to: the value `f` made of the message read, if one was, and
/// the report for the core (`Ok(one was read)`).
pub(crate) fn read<T>(result: Result<Option<T>, Error>) -> (Option<T>, Result<bool, Error>) {
    match result {
        Ok(Some(t)) => (Some(t), Ok(true)),
        Ok(None) => (None, Ok(false)),
        Err(e) => (None, Err(e)),
    }
}

#[cfg(test)]
mod tests;
