//! `info`: what the module says about itself and its network, one query at a time. A query
//! the module does not answer is shown as unavailable; only a module that does not answer at
//! all is a failure.

use std::fmt::Display;

use fibocom_mqtt::codec::{Registration, RegistrationKind};
use fibocom_mqtt::{ClientId, Error, SimState};

use crate::args::DeviceArgs;
use crate::session::{describe, Module};
use crate::Fail;

/// Runs the queries and prints one `Name: value` line for each.
pub fn run(dev: &DeviceArgs) -> Result<(), Fail> {
    crate::session::device(dev)?;
    let mut m = Module::probe(dev)?;
    let c = &mut m.client;

    let mut identity = Vec::new();
    let ident = c.identify(|l| identity.push(String::from_utf8_lossy(l).into_owned()));
    match ident {
        Ok(()) if identity.is_empty() => show("Identity", "(none given)"),
        Ok(()) => {
            for (i, line) in identity.iter().enumerate() {
                show(if i == 0 { "Identity" } else { "" }, line);
            }
        }
        Err(e) => unavailable("Identity", e),
    }

    match c.sim_state() {
        Ok(s) => show(
            "SIM",
            match s {
                SimState::Ready => "ready",
                SimState::Pin => "waiting for the PIN",
                SimState::Puk => "waiting for the PUK",
                _ => "not ready",
            },
        ),
        Err(e) => unavailable("SIM", e),
    }

    match c.signal_quality() {
        Ok(q) => match q.dbm() {
            Some(dbm) => show(
                "Signal",
                format!("{dbm} dBm (rssi {}, ber {})", q.rssi, q.ber),
            ),
            None => show(
                "Signal",
                format!("unknown (rssi {}, ber {})", q.rssi, q.ber),
            ),
        },
        Err(e) => unavailable("Signal", e),
    }

    for (name, kind) in [
        ("CS registration", RegistrationKind::Creg),
        ("GPRS registration", RegistrationKind::Cgreg),
        ("EPS registration", RegistrationKind::Cereg),
    ] {
        match c.registration(kind) {
            Ok(r) => show(name, registration(r)),
            Err(e) => unavailable(name, e),
        }
    }

    match c.operator() {
        Ok(op) if op.name.is_empty() => show("Operator", "none"),
        Ok(op) => match op.act {
            Some(act) => show("Operator", format!("{} ({})", op.name, technology(act))),
            None => show("Operator", &op.name),
        },
        Err(e) => unavailable("Operator", e),
    }

    match c.data_call() {
        Ok(Some(ip)) => show("Data call", format!("up, {ip}")),
        Ok(None) => show("Data call", "down"),
        Err(e) => unavailable("Data call", e),
    }

    match c.free_clients() {
        Ok(free) => {
            let list: Vec<String> = ClientId::ALL
                .into_iter()
                .filter(|&id| free.contains(id))
                .map(|id| id.number().to_string())
                .collect();
            show(
                "Free MQTT clients",
                if list.is_empty() {
                    "none".to_string()
                } else {
                    list.join(", ")
                },
            );
        }
        Err(e) => unavailable("Free MQTT clients", e),
    }
    Ok(())
}

fn show(name: &str, value: impl Display) {
    let label = if name.is_empty() {
        String::new()
    } else {
        format!("{name}:")
    };
    println!("{label:<19}{value}");
}

fn unavailable(name: &str, e: Error) {
    show(name, format!("unavailable ({})", describe(e)));
}

fn registration(r: Registration) -> String {
    let text = match r.stat {
        0 => "not registered",
        1 => "registered (home)",
        2 => "searching",
        3 => "denied",
        5 => "registered (roaming)",
        _ => "unknown",
    };
    format!("{text} (stat {})", r.stat)
}

fn technology(act: u8) -> String {
    match act {
        0 => "GSM".into(),
        2 => "UTRAN".into(),
        3 => "GSM/EGPRS".into(),
        4..=6 => "UTRAN/HSPA".into(),
        7 => "LTE".into(),
        8 => "EC-GSM-IoT".into(),
        9 => "LTE NB-IoT".into(),
        n => format!("access technology {n}"),
    }
}
