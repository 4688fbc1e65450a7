//! A timestamped record of everything that crosses the link.
//!
//! One record per line: `[seconds since start] >> text` for bytes from the host to the module,
//! `<< text` for bytes from the module to the host, `-- text` for link events. Bytes other than
//! printable ASCII are escaped as `\r`, `\n`, `\t`, `\\` or `\xNN`.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// Direction of a transcript record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    /// Host to module.
    In,
    /// Module to host.
    Out,
}

/// A transcript writer; without a file it records nothing.
pub struct Transcript {
    start: Instant,
    file: Option<Mutex<File>>,
}

/// Escapes bytes for the transcript.
pub fn escape(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'\r' => s.push_str("\\r"),
            b'\n' => s.push_str("\\n"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(char::from(b)),
            _ => s.push_str(&format!("\\x{b:02x}")),
        }
    }
    s
}

impl Transcript {
    /// A transcript written to `path` (created or truncated), or none.
    pub fn open(path: Option<&Path>) -> io::Result<Self> {
        let file = path.map(File::create).transpose()?.map(Mutex::new);
        Ok(Transcript {
            start: Instant::now(),
            file,
        })
    }

    /// Records bytes crossing the link.
    pub fn bytes(&self, dir: Dir, bytes: &[u8]) {
        let mark = match dir {
            Dir::In => ">>",
            Dir::Out => "<<",
        };
        self.record(mark, &escape(bytes));
    }

    /// Records a link event.
    pub fn note(&self, text: &str) {
        self.record("--", text);
    }

    fn record(&self, mark: &str, text: &str) {
        let Some(file) = &self.file else { return };
        let t = self.start.elapsed().as_secs_f64();
        if let Ok(mut f) = file.lock() {
            let _ = writeln!(f, "[{t:12.6}] {mark} {text}");
            let _ = f.flush();
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(
            super::escape(b"AT\r\n\"\\\x00\xff"),
            "AT\\r\\n\"\\\\\\x00\\xff"
        );
    }
}
