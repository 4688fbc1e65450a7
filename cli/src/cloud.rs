//! `--cloud NAME`: the broker, account and TLS a cloud expects, built by the driver's cloud
//! profiles (`fibocom_mqtt::cloud`) from the cloud's own options (`--thing`, `--hub`,
//! `--device-id`, `--token`, `--sas-token`) and the usual ones (`-h`, `-k`, `--cafile`, `--cert`,
//! `--key`), and checked, with the topic, QoS and retain flag of `pub` and the filters of `sub`,
//! against the module's limits and the cloud's rules before the module is touched. A refusal is
//! a command-line error (exit status 2) that names the rule and what to do instead.

use clap::{Args, ValueEnum};
use fibocom_mqtt::cloud::{Aws, Azure, CloudError, Generic, Profile, ThingsBoard};

use crate::args::{BrokerArgs, Command};
use crate::Fail;

/// The clouds `--cloud` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CloudName {
    /// AWS IoT Core: -h ENDPOINT --thing NAME --cafile --cert --key.
    Aws,
    /// Azure IoT Hub: --hub NAME --device-id ID --cafile, and --cert --key (X.509) or
    /// --sas-token.
    Azure,
    /// ThingsBoard: -h HOST --token TOKEN, and --cafile for TLS on 8883.
    Thingsboard,
    /// A hosted broker over TLS (HiveMQ Cloud, EMQX): -h HOST -u USER -P PASSWORD --cafile.
    Generic,
}

impl CloudName {
    fn name(self) -> &'static str {
        match self {
            CloudName::Aws => "aws",
            CloudName::Azure => "azure",
            CloudName::Thingsboard => "thingsboard",
            CloudName::Generic => "generic",
        }
    }
}

/// The cloud options of `pub` and `sub`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Cloud (checked against the module and the cloud first)")]
pub struct CloudArgs {
    /// Connect as the cloud admits devices: aws (-h ENDPOINT --thing NAME --cafile --cert
    /// --key), azure (--hub NAME --device-id ID --cafile, and --cert --key or --sas-token),
    /// thingsboard (-h HOST --token TOKEN [--cafile]) or generic (-h HOST -u USER -P PASSWORD
    /// --cafile). See docs/clouds.md.
    #[arg(
        long = "cloud",
        value_name = "NAME",
        value_enum,
        hide_possible_values = true
    )]
    pub cloud: Option<CloudName>,
    /// AWS: the thing name, which is the client identifier (at most 23 bytes).
    #[arg(long = "thing", value_name = "NAME", requires = "cloud")]
    pub thing: Option<String>,
    /// Azure: the IoT hub, NAME or NAME.azure-devices.net.
    #[arg(long = "hub", value_name = "NAME", requires = "cloud")]
    pub hub: Option<String>,
    /// Azure: the device id, which is the client identifier (at most 23 bytes).
    #[arg(long = "device-id", value_name = "ID", requires = "cloud")]
    pub device_id: Option<String>,
    /// Azure: a SAS token as password instead of an X.509 certificate (at most 128 bytes).
    #[arg(long = "sas-token", value_name = "TOKEN", requires = "cloud")]
    pub sas_token: Option<String>,
    /// ThingsBoard: the device's access token (the user name).
    #[arg(long = "token", value_name = "TOKEN", requires = "cloud")]
    pub token: Option<String>,
}

/// With `--cloud`, fills the broker options of `pub` or `sub` in from the cloud's profile, and
/// checks the profile, the topic or filters, the QoS and the retain flag against it. Without
/// it, nothing changes.
pub fn apply(command: &mut Command) -> Result<(), Fail> {
    let (b, publish, filters): (&mut BrokerArgs, _, Vec<String>) = match command {
        Command::Pub(a) => (&mut a.broker, Some((a.topic.clone(), a.retain)), Vec::new()),
        Command::Sub(a) => (&mut a.broker, None, a.topics.clone()),
        _ => return Ok(()),
    };
    let Some(cloud) = b.cloud.cloud else {
        return Ok(());
    };
    let filled = {
        let tls = crate::tls::load(&b.tls)?.map(|t| t.setup());
        let hub_host = b.cloud.hub.as_deref().map(|h| {
            if h.contains('.') {
                h.to_string()
            } else {
                format!("{h}.azure-devices.net")
            }
        });
        let refused = |e: CloudError| Fail::usage(format!("--cloud {}: {e}", cloud.name()));
        let needs = |what: &str| Fail::usage(format!("--cloud {} needs {what}", cloud.name()));
        let sets = |what: &str| {
            Fail::usage(format!(
                "--cloud {} sets {what} itself: leave it out",
                cloud.name()
            ))
        };
        let profile: Box<dyn Profile + '_> = match cloud {
            CloudName::Aws | CloudName::Azure if b.port.is_some_and(|p| p != 8883) => {
                return Err(sets("the port (8883)"));
            }
            CloudName::Aws => {
                if b.user.is_some() || b.password.is_some() {
                    return Err(sets("the account (-u, -P)"));
                }
                if b.id.is_some() {
                    return Err(sets("the client identifier (the thing name, --thing)"));
                }
                let thing = b
                    .cloud
                    .thing
                    .as_deref()
                    .ok_or_else(|| needs("--thing NAME"))?;
                let tls = tls.ok_or_else(|| needs("--cafile, --cert and --key"))?;
                let aws = Aws::new(&b.host, thing, tls)
                    .and_then(|a| a.keepalive(b.keepalive))
                    .map_err(refused)?;
                Box::new(aws.clean_session(!b.no_clean))
            }
            CloudName::Azure => {
                if b.user.is_some() || b.password.is_some() {
                    return Err(sets("the account (-u, -P)"));
                }
                if b.id.is_some() {
                    return Err(sets("the client identifier (the device id, --device-id)"));
                }
                let hub = hub_host.as_deref().ok_or_else(|| needs("--hub NAME"))?;
                let device = b
                    .cloud
                    .device_id
                    .as_deref()
                    .ok_or_else(|| needs("--device-id ID"))?;
                let tls =
                    tls.ok_or_else(|| needs("--cafile (and --cert and --key, or --sas-token)"))?;
                let azure = match b.cloud.sas_token.as_deref() {
                    Some(token) => Azure::with_sas_token(hub, device, token, tls),
                    None => Azure::new(hub, device, tls),
                };
                let azure = azure
                    .and_then(|a| a.keepalive(b.keepalive))
                    .map_err(refused)?;
                Box::new(azure.clean_session(!b.no_clean))
            }
            CloudName::Thingsboard => {
                if b.user.is_some() || b.password.is_some() {
                    return Err(sets("the account (the token is the user name, --token)"));
                }
                let token = b
                    .cloud
                    .token
                    .as_deref()
                    .ok_or_else(|| needs("--token TOKEN"))?;
                let mut tb = ThingsBoard::new(&b.host, token).map_err(refused)?;
                if let Some(tls) = tls {
                    tb = tb.with_tls(tls).map_err(refused)?;
                }
                if let Some(port) = b.port {
                    tb = tb.port(port).map_err(refused)?;
                }
                if let Some(id) = b.id.as_deref() {
                    tb = tb.client_id(id).map_err(refused)?;
                }
                Box::new(tb.keepalive(b.keepalive).map_err(refused)?)
            }
            CloudName::Generic => {
                let tls = tls.ok_or_else(|| needs("--cafile (the broker is reached over TLS)"))?;
                let mut g = Generic::new(
                    &b.host,
                    b.port(),
                    b.user.as_deref().unwrap_or(""),
                    b.password.as_deref().unwrap_or(""),
                    tls,
                )
                .map_err(refused)?;
                if let Some(id) = b.id.as_deref() {
                    g = g.client_id(id).map_err(refused)?;
                }
                Box::new(
                    g.keepalive(b.keepalive)
                        .map_err(refused)?
                        .clean_session(!b.no_clean),
                )
            }
        };
        let qos = crate::check::qos(b.qos);
        if let Some((topic, retain)) = &publish {
            profile
                .check_publish(topic, qos, *retain)
                .map_err(|e| Fail::usage(format!("--cloud {}: -t {topic}: {e}", cloud.name())))?;
        }
        if let Some(topic) = b.will_topic.as_deref() {
            let will_qos = crate::check::qos(b.will_qos);
            profile
                .check_publish(topic, will_qos, b.will_retain)
                .map_err(|e| {
                    Fail::usage(format!(
                        "--cloud {}: --will-topic {topic}: {e}",
                        cloud.name()
                    ))
                })?;
        }
        for filter in &filters {
            profile
                .check_subscribe(filter, qos)
                .map_err(|e| Fail::usage(format!("--cloud {}: -t {filter}: {e}", cloud.name())))?;
        }
        let broker = profile.broker();
        let user = profile.user();
        (
            broker.host.to_string(),
            broker.port,
            user.user.to_string(),
            user.password.to_string(),
            user.identifier.map(str::to_string),
        )
    };
    let (host, port, user, password, identifier) = filled;
    b.host = host;
    b.port = Some(port);
    b.user = Some(user);
    b.password = Some(password);
    if identifier.is_some() {
        b.id = identifier;
    }
    Ok(())
}
