//! The codec on its own, as the README shows it: encode a command, parse a received buffer.
//! `cargo run --example codec`

use fibocom_mqtt::codec::{parse, Command, EncodeError, Item, LineEnd, Parsed};
use fibocom_mqtt::{ClientId, QoS};

fn main() -> Result<(), EncodeError> {
    let mut buf = [0u8; 64];
    let cmd = Command::Subscribe {
        id: ClientId::One,
        topic: "a/b",
        qos: QoS::AtLeastOnce,
    };
    let n = cmd.encode(&mut buf, LineEnd::Cr)?;
    assert_eq!(&buf[..n], b"AT+MQTTSUB=1,\"a/b\",1\r");
    println!("encoded {:?}", buf[..n].escape_ascii().to_string());

    let mut rx: &[u8] = b"\r\nOK\r\n\r\n+MQTTSUB: 1,1\r\n\r\n+MQTTMSG: 1,0,\"a/b\",\"hi\"\r\n";
    while let Parsed::Item(item, used) = parse(rx) {
        match item {
            Item::Ok => println!("OK"),
            Item::Result { client, status, .. } => println!("client {client:?}: status {status}"),
            Item::Message(m) => println!("{:?} -> {:?}", m.topic, m.payload),
            other => println!("{other:?}"),
        }
        rx = &rx[used..];
    }
    Ok(())
}
