//! `at`: one AT command, its answer lines on stdout.

use std::io::Write as _;

use fibocom_mqtt::{Error, ModuleError};

use crate::args::{AtArgs, DeviceArgs};
use crate::session::Module;
use crate::Fail;

/// Sends the command and prints every answer line, then `OK`; `ERROR` fails.
pub fn run(dev: &DeviceArgs, a: &AtArgs) -> Result<(), Fail> {
    let body = body(&a.command);
    let mut m = Module::attach(dev, std::time::Duration::from_secs(a.timeout))?;
    let mut out = std::io::stdout().lock();
    let mut failed_write = None;
    let mut line = |l: &[u8]| {
        let r = out.write_all(l).and_then(|()| out.write_all(b"\n"));
        if let Err(e) = r {
            failed_write.get_or_insert(e);
        }
    };
    let result = m.client.raw(body, &mut line);
    let r = match result {
        Ok(()) => {
            line(b"OK");
            Ok(())
        }
        Err(Error::Module(ModuleError { code })) => {
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

/// The command without its leading `AT` (which the driver adds), and without line ends.
fn body(command: &str) -> &str {
    let c = command.trim_end_matches(['\r', '\n']);
    match c.get(..2) {
        Some(at) if at.eq_ignore_ascii_case("AT") => c.get(2..).unwrap_or(""),
        _ => c,
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
}
