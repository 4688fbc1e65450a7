//! TLS helpers: provisioning with raw AT lines, the TLS open, and traffic checks.

use super::{Host, Observer, Rig};
use std::sync::atomic::{AtomicU32, Ordering};

use rumqttc::QoS;

/// A client id (at most 23 bytes) that no other test, run or parallel test process uses, so
/// that tests sharing a broker (mosquitto) never take each other's session over.
pub fn client_id() -> String {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!(
        "t{}-{}-{}",
        std::process::id() % 100_000,
        NEXT.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000
    )
}

/// Uploads `pem` as a file of `kind` (echo off).
pub fn upload(host: &mut Host, kind: &str, pem: &[u8]) {
    host.cmd(&format!("AT+GTSSLFILE=\"{kind}\",{}", pem.len()), ">\r\n");
    host.send(pem);
    host.expect(b"\r\nOK\r\n");
}

/// TLS 1.2, verification on or off, and `ca` as the TRUSTFILE if given (echo off).
pub fn provision(host: &mut Host, verify: bool, ca: Option<&str>) {
    host.ok("AT+GTSSLVER=4");
    host.ok(&format!("AT+GTSSLMODE={}", u8::from(verify)));
    if let Some(ca) = ca {
        upload(host, "TRUSTFILE", ca.as_bytes());
    }
}

/// `AT+MQTTOPEN=1,"<host>",<port>,1,60,<tls>` and its result line, `+MQTTOPEN: 1,<status>`.
pub fn open_tls(host: &mut Host, addr: &str, port: u16, tls: u8, status: u8) {
    host.ok(&format!("AT+MQTTUSER=1,\"\",\"\",\"{}\"", client_id()));
    host.ok(&format!("AT+MQTTOPEN=1,\"{addr}\",{port},1,60,{tls}"));
    host.line(&format!("+MQTTOPEN: 1,{status}"));
}

/// After a failed open: `AT+GTSSLERR?` answers `code`.
pub fn tls_error(host: &mut Host, code: i32) {
    host.cmd(
        "AT+GTSSLERR?",
        &format!("\r\n+GTSSLERR: {code}\r\n\r\nOK\r\n"),
    );
}

/// Subscribes the module to `<t>/down/#` at QoS 2, then checks traffic both ways at every
/// QoS against `obs`, an independent client on the same broker (`<t>` a fresh topic prefix, so
/// that tests sharing a broker do not see each other's messages).
pub fn traffic(r: &mut Rig, obs: &Observer) {
    let t = client_id();
    r.host.ok(&format!("AT+MQTTSUB=1,\"{t}/down/#\",2"));
    r.host.line("+MQTTSUB: 1,1");
    obs.subscribe(&format!("{t}/up/#"), QoS::ExactlyOnce);
    for (qos, q) in [
        (0u8, QoS::AtMostOnce),
        (1, QoS::AtLeastOnce),
        (2, QoS::ExactlyOnce),
    ] {
        obs.publish(
            &format!("{t}/down/{qos}"),
            q,
            false,
            format!("d{qos}").as_bytes(),
        );
        r.host
            .line(&format!("+MQTTMSG: 1,{qos},\"{t}/down/{qos}\",\"d{qos}\""));
        r.host
            .ok(&format!("AT+MQTTPUB=1,\"{t}/up/{qos}\",{qos},0,\"u{qos}\""));
        r.host.line("+MQTTPUB: 1,1");
        let p = obs.recv();
        assert_eq!(p.topic, format!("{t}/up/{qos}"));
        assert_eq!(&p.payload[..], format!("u{qos}").as_bytes());
        assert_eq!(p.qos, q);
    }
    // The data form too.
    let data = b"{\"t\":\"x\"}\r\n\0";
    r.host.cmd(
        &format!("AT+MQTTPUB=1,\"{t}/up/d\",1,0,{}", data.len()),
        ">\r\n",
    );
    r.host.send(data);
    r.host.expect(b"\r\nOK\r\n");
    r.host.line("+MQTTPUB: 1,1");
    let p = obs.recv();
    assert_eq!(p.topic, format!("{t}/up/d"));
    assert_eq!(&p.payload[..], data);
}
