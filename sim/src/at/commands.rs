//! The commands the module knows, decoded from a parsed line with every limit of docs/protocol.md
//! section 3 checked. A line that is not one of them, or breaks a limit, is a [`SyntaxError`]
//! and the module answers `ERROR`.

use super::parse::{Arg, Form, Line, SyntaxError};

/// Which registration status command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// `+CREG` (circuit switched).
    Creg,
    /// `+CGREG` (GPRS).
    Cgreg,
    /// `+CEREG` (EPS / LTE).
    Cereg,
}

impl Reg {
    /// The command name with its `+`.
    pub fn name(self) -> &'static str {
        match self {
            Reg::Creg => "+CREG",
            Reg::Cgreg => "+CGREG",
            Reg::Cereg => "+CEREG",
        }
    }

    /// Index 0..3 for per-command state.
    pub fn index(self) -> usize {
        self as usize
    }

    /// All three, in index order.
    pub const ALL: [Reg; 3] = [Reg::Creg, Reg::Cgreg, Reg::Cereg];
}

/// Parameters of `AT+MQTTOPEN=<id>,"<host>",<port>,<clean>,<keepalive>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Open {
    /// Client id, 1 or 2.
    pub id: u8,
    /// Host name or dotted quad, 1-255 bytes.
    pub host: String,
    /// 1-65535.
    pub port: u16,
    /// Clean-session flag.
    pub clean: bool,
    /// Keepalive in seconds, 1-300.
    pub keepalive: u16,
    /// The optional sixth parameter asked for TLS: `1` (the G510 flag, and what the driver
    /// sends by default) or `2` (the L610 value); `0` or no sixth parameter is plain MQTT.
    pub tls: bool,
}

/// The kind of a file `AT+GTSSLFILE="<kind>",<length>` uploads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `TRUSTFILE`: a CA that verifies the server.
    Trust,
    /// `CAFILE`: the client's own certificate.
    Cert,
    /// `KEYFILE`: the client's private key.
    Key,
}

impl FileKind {
    /// The three kinds, in the order `AT+GTSSLFILE?` lists them.
    pub const ALL: [FileKind; 3] = [FileKind::Trust, FileKind::Cert, FileKind::Key];

    /// The kind's name on the wire.
    pub fn name(self) -> &'static str {
        match self {
            FileKind::Trust => "TRUSTFILE",
            FileKind::Cert => "CAFILE",
            FileKind::Key => "KEYFILE",
        }
    }
}

/// Greatest length of a TLS file.
pub const MAX_TLS_FILE: usize = 8192;

/// A message description shared by PUB and WILL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Topic, 1-255 printable ASCII bytes.
    pub topic: String,
    /// 0, 1 or 2.
    pub qos: u8,
    /// Retain flag.
    pub retain: bool,
    /// Payload (text form: printable ASCII; data form: raw bytes).
    pub payload: Vec<u8>,
}

/// One decoded command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `AT`, and set forms accepted without effect (`AT+COPS=0`).
    Nop,
    /// `ATE0` / `ATE1`.
    Echo(bool),
    /// `ATI`: manufacturer, model, revision.
    Identify,
    /// `AT+CGMI` (0), `AT+CGMM` (1), `AT+CGMR` (2).
    Identity(usize),
    /// `AT+CGSN` / `AT+GSN`.
    Imei,
    /// A fixed information answer (test forms, `AT+CPIN?`): the line, then `OK`.
    Info(String),
    /// `AT+CSQ`.
    Csq,
    /// `AT+COPS?`.
    CopsRead,
    /// `AT+CREG?` and the like.
    RegRead(Reg),
    /// `AT+CREG=<n>` and the like (n 0-2: unsolicited reports off / on / on with location).
    RegSet(Reg, u8),
    /// `AT+MIPCALL?`.
    CallRead,
    /// `AT+MIPCALL=1[,"apn"[,"user","pass"]]`.
    Dial,
    /// `AT+MIPCALL=0`.
    HangUp,
    /// `AT+MQTTUSER=<id>,"<user>","<pass>"[,"<clientid>"]`.
    User {
        /// Client id.
        id: u8,
        /// 0-128 bytes.
        user: String,
        /// 0-128 bytes.
        pass: String,
        /// 1-23 bytes, if given.
        client_id: Option<String>,
    },
    /// `AT+MQTTUSER?`.
    UserRead,
    /// `AT+MQTTOPEN=...`.
    Open(Open),
    /// `AT+MQTTOPEN?`.
    OpenRead,
    /// `AT+MQTTCLOSE=<id>`.
    Close(u8),
    /// `AT+MQTTCLOSE?`.
    CloseRead,
    /// `AT+MQTTSUB=<id>,"<topic>",<qos>`.
    Sub(u8, String, u8),
    /// `AT+MQTTUNSUB=<id>,"<topic>"`.
    Unsub(u8, String),
    /// `AT+MQTTPUB=<id>,"<topic>",<qos>,<retain>,"<payload>"`.
    PubText(u8, Message),
    /// `AT+MQTTPUB=<id>,"<topic>",<qos>,<retain>,<size>`: the payload is read afterwards.
    PubData(u8, Message, usize),
    /// `AT+MQTTCONF=<mode>`.
    Conf(u8),
    /// `AT+MQTTCONF?`.
    ConfRead,
    /// `AT+MQTTREAD=<id>`.
    Read(u8),
    /// `AT+MQTTWILL=<id>,"<topic>",<qos>,<retain>,"<payload>"`.
    Will(u8, Message),
    /// `AT+MQTTWILL=<id>,"<topic>",<qos>,<retain>,<size>`: the payload is read afterwards, as
    /// for a data publish (not in the manual; some firmware).
    WillData(u8, Message, usize),
    /// `AT+MQTTWILL?`.
    WillRead,
    /// `AT+GTSSLVER=<v>` (0-4; 4 is TLS 1.2).
    TlsVersion(u8),
    /// `AT+GTSSLVER?`.
    TlsVersionRead,
    /// `AT+GTSSLMODE=<0|1>`: verify the server's certificate.
    TlsMode(bool),
    /// `AT+GTSSLMODE?`.
    TlsModeRead,
    /// `AT+GTSSLFILE="<kind>",<length>`: the file is read afterwards.
    TlsFile(FileKind, usize),
    /// `AT+GTSSLFILE?`.
    TlsFileRead,
    /// `AT+GTSSLERR?`.
    TlsErrorRead,
    /// `AT+CCLK?`.
    ClockRead,
    /// `AT+CCLK="yy/MM/dd,hh:mm:ss+zz"`.
    ClockSet(crate::clock::ModuleTime),
}

/// Maximum user name and password length.
pub const MAX_USER: usize = 128;
/// Maximum ClientIDStr length.
pub const MAX_CLIENT_ID: usize = 23;
/// Maximum host and topic length.
pub const MAX_TOPIC: usize = 255;
/// Maximum payload length (text and data forms).
pub const MAX_PAYLOAD: usize = 1024;

type Result<T> = core::result::Result<T, SyntaxError>;

/// Decodes a parsed line into a command, checking every limit.
pub fn decode(line: &Line) -> Result<Command> {
    match line {
        Line::Basic(text) => basic(text),
        Line::Extended(name, form) => extended(name, form),
    }
}

fn basic(text: &str) -> Result<Command> {
    match text {
        "" => Ok(Command::Nop),
        "E" | "E0" => Ok(Command::Echo(false)),
        "E1" => Ok(Command::Echo(true)),
        "I" | "I0" => Ok(Command::Identify),
        _ => Err(SyntaxError),
    }
}

fn info(text: &str) -> Result<Command> {
    Ok(Command::Info(text.to_string()))
}

fn extended(name: &str, form: &Form) -> Result<Command> {
    use Form::*;
    let reg = match name {
        "CREG" => Some(Reg::Creg),
        "CGREG" => Some(Reg::Cgreg),
        "CEREG" => Some(Reg::Cereg),
        _ => None,
    };
    if let Some(reg) = reg {
        return match form {
            Read => Ok(Command::RegRead(reg)),
            Test => info(&format!("{}: (0-2)", reg.name())),
            Set(args) => match args.as_slice() {
                [n] => Ok(Command::RegSet(reg, int(n, 0, 2)? as u8)),
                _ => Err(SyntaxError),
            },
            Action => Err(SyntaxError),
        };
    }
    match (name, form) {
        ("CGMI", Action) => Ok(Command::Identity(0)),
        ("CGMM", Action) => Ok(Command::Identity(1)),
        ("CGMR", Action) => Ok(Command::Identity(2)),
        ("CGSN" | "GSN", Action) => Ok(Command::Imei),
        ("CGMI" | "CGMM" | "CGMR" | "CGSN" | "GSN", Test) => Ok(Command::Nop),
        ("CPIN", Read) => info("+CPIN: READY"),
        ("CPIN", Test) => Ok(Command::Nop),
        ("CSQ", Action) => Ok(Command::Csq),
        ("CSQ", Test) => info("+CSQ: (0-31,99),(0-7,99)"),
        ("COPS", Read) => Ok(Command::CopsRead),
        ("COPS", Test) => info("+COPS: (2,\"CHN-UNICOM\",\"UNICOM\",\"46001\",7),,(0-4),(0-2)"),
        ("COPS", Set(args)) => match args.first() {
            Some(mode) if args.len() <= 4 => int(mode, 0, 4).map(|_| Command::Nop),
            _ => Err(SyntaxError),
        },
        ("MIPCALL", Read) => Ok(Command::CallRead),
        ("MIPCALL", Test) => info("+MIPCALL: (0-1),(\"APN\"),(\"USERNAME\"),(\"PASSWORD\")"),
        ("MIPCALL", Set(args)) => mipcall(args),
        ("MQTTUSER", Read) => Ok(Command::UserRead),
        ("MQTTUSER", Test) => info("+MQTTUSER: (1,2),128,128,23"),
        ("MQTTUSER", Set(args)) => user(args),
        ("MQTTOPEN", Read) => Ok(Command::OpenRead),
        ("MQTTOPEN", Test) => info("+MQTTOPEN: (1,2),255,(1-65535),(0,1),(1-300)"),
        ("MQTTOPEN", Set(args)) => open(args),
        ("MQTTCLOSE", Read) => Ok(Command::CloseRead),
        ("MQTTCLOSE", Test) => info("+MQTTCLOSE: (1,2)"),
        ("MQTTCLOSE", Set(args)) => match args.as_slice() {
            [id] => Ok(Command::Close(client(id)?)),
            _ => Err(SyntaxError),
        },
        ("MQTTSUB", Test) => info("+MQTTSUB: (1,2),255,(0-2)"),
        ("MQTTSUB", Set(args)) => match args.as_slice() {
            [id, t, q] => {
                let topic = topic(t)?;
                if !valid_filter(&topic) {
                    return Err(SyntaxError);
                }
                Ok(Command::Sub(client(id)?, topic, int(q, 0, 2)? as u8))
            }
            _ => Err(SyntaxError),
        },
        ("MQTTUNSUB", Test) => info("+MQTTUNSUB: (1,2),255"),
        ("MQTTUNSUB", Set(args)) => match args.as_slice() {
            [id, t] => {
                let topic = topic(t)?;
                if !valid_filter(&topic) {
                    return Err(SyntaxError);
                }
                Ok(Command::Unsub(client(id)?, topic))
            }
            _ => Err(SyntaxError),
        },
        ("MQTTPUB", Test) => info("+MQTTPUB: (1,2),255,(0-2),(0,1),1024"),
        ("MQTTPUB", Set(args)) => publish(args),
        ("MQTTCONF", Read) => Ok(Command::ConfRead),
        ("MQTTCONF", Test) => info("+MQTTCONF: (0,1)"),
        ("MQTTCONF", Set(args)) => match args.as_slice() {
            [mode] => Ok(Command::Conf(int(mode, 0, 1)? as u8)),
            _ => Err(SyntaxError),
        },
        ("MQTTREAD", Test) => info("+MQTTREAD: (1,2)"),
        ("MQTTREAD", Set(args)) => match args.as_slice() {
            [id] => Ok(Command::Read(client(id)?)),
            _ => Err(SyntaxError),
        },
        ("GTSSLVER", Read) => Ok(Command::TlsVersionRead),
        ("GTSSLVER", Test) => info("+GTSSLVER: (0-4)"),
        ("GTSSLVER", Set(args)) => match args.as_slice() {
            [v] => Ok(Command::TlsVersion(int(v, 0, 4)? as u8)),
            _ => Err(SyntaxError),
        },
        ("GTSSLMODE", Read) => Ok(Command::TlsModeRead),
        ("GTSSLMODE", Test) => info("+GTSSLMODE: (0,1)"),
        ("GTSSLMODE", Set(args)) => match args.as_slice() {
            [m] => Ok(Command::TlsMode(int(m, 0, 1)? == 1)),
            _ => Err(SyntaxError),
        },
        ("GTSSLFILE", Read) => Ok(Command::TlsFileRead),
        ("GTSSLFILE", Test) => info("+GTSSLFILE: (\"TRUSTFILE\",\"CAFILE\",\"KEYFILE\"),(1-8192)"),
        ("GTSSLFILE", Set(args)) => match args.as_slice() {
            [Arg::Str(kind), len] => {
                let kind = FileKind::ALL
                    .into_iter()
                    .find(|k| k.name().as_bytes() == kind.as_slice())
                    .ok_or(SyntaxError)?;
                Ok(Command::TlsFile(
                    kind,
                    int(len, 1, MAX_TLS_FILE as u64)? as usize,
                ))
            }
            _ => Err(SyntaxError),
        },
        ("GTSSLERR", Read) => Ok(Command::TlsErrorRead),
        ("CCLK", Read) => Ok(Command::ClockRead),
        ("CCLK", Test) => Ok(Command::Nop),
        ("CCLK", Set(args)) => match args.as_slice() {
            [Arg::Str(t)] => std::str::from_utf8(t)
                .ok()
                .and_then(crate::clock::ModuleTime::parse)
                .map(Command::ClockSet)
                .ok_or(SyntaxError),
            _ => Err(SyntaxError),
        },
        ("MQTTWILL", Read) => Ok(Command::WillRead),
        ("MQTTWILL", Test) => info("+MQTTWILL: (1,2),255,(0-2),(0,1),1024"),
        ("MQTTWILL", Set(args)) => {
            let (id, msg, size) = message_command(args)?;
            Ok(match size {
                None => Command::Will(id, msg),
                Some(size) => Command::WillData(id, msg, size),
            })
        }
        _ => Err(SyntaxError),
    }
}

fn int(arg: &Arg, lo: u64, hi: u64) -> Result<u64> {
    match arg {
        Arg::Int(v) if (lo..=hi).contains(v) => Ok(*v),
        _ => Err(SyntaxError),
    }
}

fn client(arg: &Arg) -> Result<u8> {
    int(arg, 1, 2).map(|v| v as u8)
}

fn string(arg: &Arg, lo: usize, hi: usize) -> Result<String> {
    match arg {
        // The parser only lets printable ASCII into a string, so this is valid UTF-8.
        Arg::Str(s) if (lo..=hi).contains(&s.len()) => {
            String::from_utf8(s.clone()).map_err(|_| SyntaxError)
        }
        _ => Err(SyntaxError),
    }
}

fn topic(arg: &Arg) -> Result<String> {
    string(arg, 1, MAX_TOPIC)
}

fn message(t: &Arg, q: &Arg, r: &Arg, payload: Vec<u8>) -> Result<Message> {
    Ok(Message {
        topic: topic(t)?,
        qos: int(q, 0, 2)? as u8,
        retain: int(r, 0, 1)? == 1,
        payload,
    })
}

fn mipcall(args: &[Arg]) -> Result<Command> {
    let apn_ok = |a: &Arg| string(a, 0, 99).is_ok();
    let cred_ok = |a: &Arg| string(a, 0, 127).is_ok();
    match args {
        [Arg::Int(0)] => Ok(Command::HangUp),
        [Arg::Int(1)] => Ok(Command::Dial),
        [Arg::Int(1), apn] if apn_ok(apn) => Ok(Command::Dial),
        [Arg::Int(1), apn, u, p] if apn_ok(apn) && cred_ok(u) && cred_ok(p) => Ok(Command::Dial),
        _ => Err(SyntaxError),
    }
}

fn user(args: &[Arg]) -> Result<Command> {
    let (id, u, p, c) = match args {
        [id, u, p] => (id, u, p, None),
        [id, u, p, c] => (id, u, p, Some(c)),
        _ => return Err(SyntaxError),
    };
    Ok(Command::User {
        id: client(id)?,
        user: string(u, 0, MAX_USER)?,
        pass: string(p, 0, MAX_USER)?,
        client_id: c.map(|c| string(c, 1, MAX_CLIENT_ID)).transpose()?,
    })
}

fn open(args: &[Arg]) -> Result<Command> {
    let (id, host, port, clean, keepalive, tls) = match args {
        [id, host, port, clean, keepalive] => (id, host, port, clean, keepalive, None),
        [id, host, port, clean, keepalive, tls] => (id, host, port, clean, keepalive, Some(tls)),
        _ => return Err(SyntaxError),
    };
    Ok(Command::Open(Open {
        id: client(id)?,
        host: string(host, 1, MAX_TOPIC)?,
        port: int(port, 1, 65535)? as u16,
        clean: int(clean, 0, 1)? == 1,
        keepalive: int(keepalive, 1, 300)? as u16,
        // 0 plain; 1 (G510 flag) and 2 (L610) TLS.
        tls: tls.map(|t| int(t, 0, 2)).transpose()?.unwrap_or(0) != 0,
    }))
}

fn publish(args: &[Arg]) -> Result<Command> {
    let (id, msg, size) = message_command(args)?;
    Ok(match size {
        None => Command::PubText(id, msg),
        Some(size) => Command::PubData(id, msg, size),
    })
}

/// `<id>,"<topic>",<qos>,<retain>,"<payload>"` (text form) or `<id>,"<topic>",<qos>,<retain>,
/// <size>` (data form, size 1-1024, the payload still to come), shared by PUB and WILL. The
/// topic may hold no wildcard.
fn message_command(args: &[Arg]) -> Result<(u8, Message, Option<usize>)> {
    let [id, t, q, r, last] = args else {
        return Err(SyntaxError);
    };
    let id = client(id)?;
    let (payload, size) = match last {
        Arg::Str(p) if p.len() <= MAX_PAYLOAD => (p.clone(), None),
        Arg::Int(_) => (Vec::new(), Some(int(last, 1, MAX_PAYLOAD as u64)? as usize)),
        _ => return Err(SyntaxError),
    };
    let msg = message(t, q, r, payload)?;
    if msg.topic.contains(['+', '#']) {
        return Err(SyntaxError);
    }
    Ok((id, msg, size))
}

/// Whether `filter` is a valid MQTT topic filter: `#` only as the whole last level, `+` only as
/// a whole level.
pub fn valid_filter(filter: &str) -> bool {
    let levels: Vec<&str> = filter.split('/').collect();
    levels.iter().enumerate().all(|(i, level)| {
        if level.contains('#') {
            *level == "#" && i == levels.len() - 1
        } else {
            !level.contains('+') || *level == "+"
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse_line;
    use super::*;

    fn cmd(line: &str) -> Result<Command> {
        decode(&parse_line(line.as_bytes())?)
    }

    #[test]
    fn limits() {
        let long = |n: usize| "x".repeat(n);
        assert!(cmd(&format!(
            "AT+MQTTUSER=1,\"{}\",\"{}\"",
            long(128),
            long(128)
        ))
        .is_ok());
        assert!(cmd(&format!("AT+MQTTUSER=1,\"{}\",\"\"", long(129))).is_err());
        assert!(cmd(&format!("AT+MQTTUSER=2,\"\",\"\",\"{}\"", long(23))).is_ok());
        assert!(cmd(&format!("AT+MQTTUSER=2,\"\",\"\",\"{}\"", long(24))).is_err());
        assert!(cmd("AT+MQTTUSER=2,\"\",\"\",\"\"").is_err());
        assert!(cmd("AT+MQTTUSER=3,\"\",\"\"").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",65535,1,300").is_ok());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",0,1,300").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",65536,1,300").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",1,2,300").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",1,0,301").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",1,0,0").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"\",1,0,1").is_err());
        assert!(cmd(&format!("AT+MQTTSUB=1,\"{}\",2", long(255))).is_ok());
        assert!(cmd(&format!("AT+MQTTSUB=1,\"{}\",2", long(256))).is_err());
        assert!(cmd("AT+MQTTSUB=1,\"a\",3").is_err());
        assert!(cmd("AT+MQTTSUB=1,\"a/#/b\",0").is_err());
        assert!(cmd("AT+MQTTSUB=1,\"a/+/#\",0").is_ok());
        assert!(cmd(&format!("AT+MQTTPUB=1,\"t\",0,0,\"{}\"", long(1024))).is_ok());
        assert!(cmd(&format!("AT+MQTTPUB=1,\"t\",0,0,\"{}\"", long(1025))).is_err());
        assert!(cmd("AT+MQTTPUB=1,\"t\",0,0,1024").is_ok());
        assert!(cmd("AT+MQTTPUB=1,\"t\",0,0,1025").is_err());
        assert!(cmd("AT+MQTTPUB=1,\"t\",0,0,0").is_err());
        assert!(cmd("AT+MQTTPUB=1,\"t\",0,2,1").is_err());
        assert!(cmd("AT+MQTTPUB=1,\"t/+\",0,0,1").is_err());
        assert!(cmd("AT+MQTTCONF=2").is_err());
        assert!(cmd("AT+MQTTREAD=0").is_err());
        assert!(cmd("AT+MQTTWILL=1,\"t\",2,1,\"\"").is_ok());
        assert!(matches!(
            cmd("AT+MQTTWILL=1,\"t\",2,1,5"),
            Ok(Command::WillData(1, _, 5))
        ));
        assert!(cmd("AT+MQTTWILL=1,\"t\",2,1,1024").is_ok());
        assert!(cmd("AT+MQTTWILL=1,\"t\",2,1,1025").is_err());
        assert!(cmd("AT+MQTTWILL=1,\"t\",2,1,0").is_err());
        assert!(cmd("AT+MQTTWILL=1,\"t/#\",0,0,\"x\"").is_err());
        assert!(cmd("AT+MQTTWILL=1,\"+\",0,0,1").is_err());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",8883,1,60,0").is_ok());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",8883,1,60,1").is_ok());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",8883,1,60,2").is_ok());
        assert!(cmd("AT+MQTTOPEN=1,\"h\",8883,1,60,3").is_err());
        assert!(cmd("AT+GTSSLVER=4").is_ok());
        assert!(cmd("AT+GTSSLVER=5").is_err());
        assert!(cmd("AT+GTSSLMODE=2").is_err());
        assert!(cmd("AT+GTSSLFILE=\"TRUSTFILE\",8192").is_ok());
        assert!(cmd("AT+GTSSLFILE=\"TRUSTFILE\",8193").is_err());
        assert!(cmd("AT+GTSSLFILE=\"TRUSTFILE\",0").is_err());
        assert!(cmd("AT+GTSSLFILE=\"CRLFILE\",10").is_err());
        assert!(cmd("AT+GTSSLFILE=TRUSTFILE,10").is_err());
        assert_eq!(cmd("AT+CCLK?"), Ok(Command::ClockRead));
        assert_eq!(
            cmd("AT+CCLK=\"80/01/06,00:00:09+00\""),
            Ok(Command::ClockSet(crate::clock::ModuleTime::FACTORY))
        );
        assert!(cmd("AT+CCLK=\"80/01/06,00:00:09\"").is_err());
        assert!(cmd("AT+CCLK=80").is_err());
    }
}
