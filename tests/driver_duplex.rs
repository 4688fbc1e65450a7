//! The async driver over one `Read + Write` port (`asynch::new_duplex`).

use embedded_io_async::{ErrorType, Read, Write};
use fibocom_mqtt::asynch::{self, DuplexState};
use fibocom_mqtt::scripted::{PortError, Reader, Script, Writer};
use fibocom_mqtt::Broker;
use fibocom_mqtt::{ClientId, Config, QoS};
use futures::future::{select, Either};

/// A script's two halves as one port.
struct OnePort<'a, 's>(Reader<'a, 's>, Writer<'a, 's>);

impl ErrorType for OnePort<'_, '_> {
    type Error = PortError;
}
impl Read for OnePort<'_, '_> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, PortError> {
        self.0.read(buf).await
    }
}
impl Write for OnePort<'_, '_> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, PortError> {
        self.1.write(buf).await
    }
    async fn flush(&mut self) -> Result<(), PortError> {
        self.1.flush().await
    }
}

#[test]
fn one_port_carries_commands_and_answers() {
    let script = Script::new(
        r#"
>> AT+MQTTOPEN=1,"broker",1883,1,60\r
<< \r\nOK\r\n
<< \r\n+MQTTOPEN: 1,1\r\n
>> AT+MQTTPUB=1,"t",0,0,3\r
<< \r\n>\r\n
>> \0"\r
<< \r\nOK\r\n\r\n+MQTTPUB: 1,1\r\n
"#,
    );
    let (r, w) = script.split();
    let mut state = DuplexState::<1536>::new();
    let (mut runner, client) = asynch::new_duplex(&mut state, OnePort(r, w), Config::default());
    let result = futures::executor::block_on(async {
        let work = core::pin::pin!(async {
            client
                .open(ClientId::One, Broker::new("broker", 1883))
                .await?;
            client
                .publish(ClientId::One, "t", b"\0\"\r", QoS::AtMostOnce, false)
                .await
        });
        match select(core::pin::pin!(runner.run()), work).await {
            Either::Left((e, _)) => panic!("runner stopped: {e:?}"),
            Either::Right((r, _)) => r,
        }
    });
    assert_eq!(result, Ok(()));
    script.finish().unwrap();
}
