//! The host ports (feature `std`): reads that time out with `TimedOut` and never return 0 on
//! a quiet line, a real end reported, and the blocking driver running over them through quiet
//! stretches longer than the read timeout.

use std::fs::File;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration as StdDuration, Instant};

use embassy_time::Duration;
use embedded_io::{Error as _, ErrorKind, Read, Write};
use fibocom_mqtt::blocking::Modem;
use fibocom_mqtt::host::{OpenError, SerialPort, TcpPort, READ_TIMEOUT};
use fibocom_mqtt::{BreakCause, ClientId, Config, Error, Event};
use nix::pty::{openpty, OpenptyResult};
use nix::sys::termios::{self, SetArg, SpecialCharacterIndices};

/// A connected pair: the port on one end, the "module" on the other.
fn tcp_pair() -> (TcpPort, TcpStream) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let port = TcpPort::connect(addr, StdDuration::from_secs(5)).unwrap();
    let (module, _) = listener.accept().unwrap();
    (port, module)
}

/// A pseudo-terminal; the slave set to VMIN 0 / VTIME 1 first (a read returning 0 after
/// 100 ms), as another program may have left it, which the port must undo.
fn pty() -> (SerialPort, File) {
    let OpenptyResult { master, slave } = openpty(None, None).unwrap();
    let mut t = termios::tcgetattr(&slave).unwrap();
    termios::cfmakeraw(&mut t);
    t.control_chars[SpecialCharacterIndices::VMIN as usize] = 0;
    t.control_chars[SpecialCharacterIndices::VTIME as usize] = 1;
    termios::tcsetattr(&slave, SetArg::TCSANOW, &t).unwrap();
    let port = SerialPort::from_file(File::from(slave), None).unwrap();
    (port, File::from(master))
}

fn kind<P: Read>(port: &mut P) -> Result<usize, ErrorKind> {
    let mut buf = [0u8; 16];
    port.read(&mut buf).map_err(|e| e.kind())
}

#[test]
fn tcp_idle_read_times_out_then_data_arrives() {
    let (mut port, mut module) = tcp_pair();
    let started = Instant::now();
    assert_eq!(kind(&mut port), Err(ErrorKind::TimedOut));
    let took = started.elapsed();
    assert!(
        took >= READ_TIMEOUT - StdDuration::from_millis(5),
        "{took:?}"
    );
    module.write_all(b"\r\nOK\r\n").unwrap();
    let mut buf = [0u8; 16];
    let n = port.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"\r\nOK\r\n");
}

#[test]
fn tcp_peer_close_is_end_of_file() {
    let (mut port, module) = tcp_pair();
    drop(module);
    assert_eq!(kind(&mut port), Ok(0));
}

#[test]
fn blocking_driver_over_tcp_survives_quiet_stretches() {
    let (port, mut module) = tcp_pair();
    let mut modem = Modem::<_, 1536>::new(port, Config::default());
    // Six read timeouts of silence: no error, no event.
    assert_eq!(
        modem.poll_event(Duration::from_millis(300), |_| ()),
        Ok(None)
    );
    // Then, after another quiet stretch, an event.
    let writer = std::thread::spawn(move || {
        std::thread::sleep(StdDuration::from_millis(200));
        module.write_all(b"\r\n+MQTTBREAK: 1,1\r\n").unwrap();
        module
    });
    let ev = modem.poll_event(Duration::from_secs(5), |ev| match ev {
        Event::Break { client, cause } => Some((client, cause)),
        _ => None,
    });
    assert_eq!(ev, Ok(Some(Some((ClientId::One, BreakCause::Broker)))));
    // The module's side closes: the driver says the link is broken.
    drop(writer.join().unwrap());
    assert_eq!(
        modem.poll_event(Duration::from_secs(5), |_| ()),
        Err(Error::Io(ErrorKind::BrokenPipe))
    );
}

#[test]
fn plain_std_stream_fails_where_the_port_does_not() {
    // Why the port exists: a TcpStream with a read timeout through FromStd reports its timeout
    // as WouldBlock, which embedded-io sees as Other: a failed read, reported, and after
    // `dead_after_errors` of them in a row the link is taken for dead.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let stream = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let _module = listener.accept().unwrap();
    stream
        .set_read_timeout(Some(StdDuration::from_millis(20)))
        .unwrap();
    let port = embedded_io_adapters::std::FromStd::new(stream);
    let mut modem = Modem::<_, 1536>::new(port, Config::default());
    let mut reported = 0;
    let end = loop {
        assert!(reported < 20, "the link is never taken for dead");
        match modem.poll_event(Duration::from_millis(200), |ev| match ev {
            Event::LinkError { kind, count } => (kind, count),
            other => panic!("unexpected {other:?}"),
        }) {
            Ok(Some((ErrorKind::Other, count))) => reported += count,
            Ok(other) => panic!("unexpected {other:?}"),
            Err(e) => break e,
        }
    };
    assert_eq!(end, Error::Io(ErrorKind::Other));
    assert!(reported >= 1 && reported < Config::default().dead_after_errors);
}

#[test]
fn pty_idle_read_times_out_and_never_returns_zero() {
    let (mut port, mut master) = pty();
    for _ in 0..3 {
        assert_eq!(kind(&mut port), Err(ErrorKind::TimedOut));
    }
    master.write_all(b"\r\nRDY\r\n").unwrap();
    let mut buf = [0u8; 16];
    let n = port.read(&mut buf).unwrap();
    assert_eq!(&buf[..n], b"\r\nRDY\r\n");
    // And the other way.
    port.write_all(b"AT\r").unwrap();
    port.flush().unwrap();
    let mut got = [0u8; 3];
    master.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"AT\r");
}

#[test]
fn pty_hang_up_is_a_broken_pipe() {
    let (mut port, master) = pty();
    drop(master);
    assert_eq!(kind(&mut port), Err(ErrorKind::BrokenPipe));
}

#[test]
fn blocking_driver_over_a_pty_survives_quiet_stretches() {
    let (mut port, mut master) = pty();
    port.set_read_timeout(StdDuration::from_millis(20));
    let mut modem = Modem::<_, 1536>::new(port, Config::default());
    assert_eq!(
        modem.poll_event(Duration::from_millis(200), |_| ()),
        Ok(None)
    );
    master.write_all(b"\r\n+MQTTBREAK: 2,2\r\n").unwrap();
    let ev = modem.poll_event(Duration::from_secs(5), |ev| match ev {
        Event::Break { client, cause } => Some((client, cause)),
        _ => None,
    });
    assert_eq!(ev, Ok(Some(Some((ClientId::Two, BreakCause::Link)))));
    drop(master);
    assert_eq!(
        modem.poll_event(Duration::from_secs(5), |_| ()),
        Err(Error::Io(ErrorKind::BrokenPipe))
    );
}

#[test]
fn open_locks_the_device_and_names_what_went_wrong() {
    let OpenptyResult { master, slave } = openpty(None, None).unwrap();
    let path = nix::unistd::ttyname(&slave).unwrap();
    let first = SerialPort::open(&path, 115_200).unwrap();
    let second = SerialPort::open(&path, 115_200);
    assert!(matches!(second, Err(OpenError::Busy)), "{second:?}");
    drop(first);
    SerialPort::open(&path, 115_200).unwrap();
    drop((master, slave));

    let missing = SerialPort::open("/dev/fibocom-no-such-device", 115_200);
    assert!(
        matches!(missing, Err(OpenError::NotFound(_))),
        "{missing:?}"
    );
    let file = SerialPort::open("/dev/null", 115_200);
    assert!(matches!(file, Err(OpenError::NotATty)), "{file:?}");
    let baud = SerialPort::open(&path, 1234);
    assert!(
        matches!(baud, Err(OpenError::UnsupportedBaud(1234))),
        "{baud:?}"
    );
}

/// The blocking driver over a host port against the simulator: start-up, data call, open,
/// subscribe, a
/// quiet stretch, then its own message back.
fn round_trip<P: Read + Write>(port: P) {
    let mut modem = Modem::<_, 1536>::new(port, Config::default());
    modem.start().unwrap();
    modem.attach(None, None).unwrap();
    let id = ClientId::One;
    modem
        .open(id, fibocom_mqtt::Broker::new("broker", 1883))
        .unwrap();
    modem
        .subscribe(id, "host/#", fibocom_mqtt::QoS::AtLeastOnce)
        .unwrap();
    assert_eq!(
        modem.poll_event(Duration::from_millis(300), |_| ()),
        Ok(None)
    );
    modem
        .publish(
            id,
            "host/x",
            b"\x00\"hi\"\r\n",
            fibocom_mqtt::QoS::AtLeastOnce,
            false,
        )
        .unwrap();
    let deadline = Instant::now() + StdDuration::from_secs(10);
    loop {
        assert!(Instant::now() < deadline, "no message came back");
        let got = modem
            .poll_event(Duration::from_secs(1), |ev| match ev {
                Event::Message(m) => Some((m.topic.to_vec(), m.payload.to_vec())),
                _ => None,
            })
            .unwrap();
        if let Some(Some((topic, payload))) = got {
            assert_eq!(topic, b"host/x");
            assert_eq!(payload, b"\x00\"hi\"\r\n");
            break;
        }
    }
    modem.close(id).unwrap();
}

fn simulator(link: fibocom_sim::Link) -> (fibocom_sim::broker::Broker, fibocom_sim::Simulator) {
    let broker = fibocom_sim::broker::Broker::start(Default::default()).unwrap();
    let sim = fibocom_sim::Simulator::start(
        fibocom_sim::SimConfig {
            broker: broker.addr().to_string(),
            ..Default::default()
        },
        link,
    )
    .unwrap();
    (broker, sim)
}

#[test]
fn blocking_driver_over_a_serial_port_against_the_simulator() {
    let (_broker, sim) = simulator(fibocom_sim::Link::Pty);
    round_trip(SerialPort::open(sim.pty_path().unwrap(), 115_200).unwrap());
}

#[test]
fn blocking_driver_over_a_tcp_port_against_the_simulator() {
    let (_broker, sim) = simulator(fibocom_sim::Link::Tcp("127.0.0.1:0".parse().unwrap()));
    round_trip(TcpPort::connect(sim.tcp_addr().unwrap(), StdDuration::from_secs(5)).unwrap());
}
