//! `at`: one AT command, its answer lines on stdout.

use std::io::Write as _;

use fibocom_mqtt::{Error, ModuleError};

use crate::args::{AtArgs, DeviceArgs};
use crate::check;
use crate::session::{self, Module};
use crate::Fail;

/// Sends the command and prints every answer line, then `OK`; `ERROR` fails.
pub fn run(dev: &DeviceArgs, a: &AtArgs) -> Result<(), Fail> {
    let body = body(&a.command);
    session::device(dev)?;
    check::at(&body)?;
    let mut m = Module::attach(dev, std::time::Duration::from_secs(a.timeout))?;
    let mut out = std::io::stdout().lock();
    let mut failed_write = None;
    let mut line = |l: &[u8]| {
        let r = out.write_all(l).and_then(|()| out.write_all(b"\n"));
        if let Err(e) = r {
            failed_write.get_or_insert(e);
        }
    };
    let result = m.client.raw(&body, &mut line);
    let r = match result {
        Ok(()) => {
            line(b"OK");
            Ok(())
        }
        Err(Error::Module(ModuleError { code, .. })) => {
            match code {
                Some(n) => line(format!("ERROR: {n}").as_bytes()),
                None => line(b"ERROR"),
            }
            Err(Fail::new(format!(
                "{}: the module answered ERROR",
                a.command
            )))
        }
        Err(e) => Err(m.fail(&a.command, e)),
    };
    let _ = out.flush();
    match failed_write {
        Some(e) if r.is_ok() => Err(Fail::new(format!("cannot write to stdout: {e}"))),
        _ => r,
    }
}

/// The command without its leading `AT` (which the driver adds), and without line ends; a
/// command that starts with two letters other than `D` (dial) is an extended command whose
/// `+` was left out (`CSQ` is `+CSQ`), while one letter, or one and a digit, is a basic command
/// (`I`, `E0`, `Z`).
fn body(command: &str) -> String {
    let c = command.trim_end_matches(['\r', '\n']);
    let c = match c.get(..2) {
        Some(at) if at.eq_ignore_ascii_case("AT") => c.get(2..).unwrap_or(""),
        _ => c,
    };
    let mut chars = c.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b))
            if a.is_ascii_alphabetic()
                && b.is_ascii_alphabetic()
                && !a.eq_ignore_ascii_case(&'D') =>
        {
            format!("+{c}")
        }
        _ => c.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::body;

    #[test]
    fn the_prefix_is_optional() {
        assert_eq!(body("AT+CSQ"), "+CSQ");
        assert_eq!(body("at+csq\r"), "+csq");
        assert_eq!(body("+CSQ"), "+CSQ");
        assert_eq!(body("ATI"), "I");
        assert_eq!(body("AT"), "");
        assert_eq!(body("A"), "A");
    }

    #[test]
    fn the_plus_of_an_extended_command_is_optional() {
        assert_eq!(body("CSQ"), "+CSQ");
        assert_eq!(body("at CSQ".get(3..).unwrap()), "+CSQ");
        assert_eq!(body("ATCSQ"), "+CSQ");
        assert_eq!(body("cops?"), "+cops?");
        assert_eq!(body("MQTTOPEN=?"), "+MQTTOPEN=?");
        assert_eq!(body("I"), "I");
        assert_eq!(body("E0"), "E0");
        assert_eq!(body("&F"), "&F");
        assert_eq!(body("DT123"), "DT123");
        assert_eq!(body("S0=1"), "S0=1");
    }
}
