//! The same stream through atat 0.25's `AtDigester`, fed the way atat's own `Ingress` feeds
//! it: append a chunk, then `digest` the whole buffer and move what is left to the front after
//! every unit it takes, until it takes nothing.
//!
//! The URC parser is what an atat user writes for this module: `urc_helper` (what atat's
//! `AtatUrc` derive generates) for every unsolicited line the stream holds, and a hand-written
//! matcher that frames the `+MQTTREAD` answer by the lengths in its header (the manual's
//! layout), so that its binary payload is taken whole. `digest` is called directly: the
//! response slot and the URC channel are not involved, and the URCs are not parsed into typed
//! values (atat's derive would do that in a second pass, which is not counted here).

use atat::digest::parser::urc_helper;
use atat::digest::ParseError;
use atat::nom;
use atat::{AtDigester, DigestResult, Digester};

use crate::Counts;

/// The URC parser: every unsolicited line of the stream, and `+MQTTREAD` by length.
pub enum FibocomUrcs {}

impl atat::Parser for FibocomUrcs {
    fn parse(buf: &[u8]) -> Result<(&[u8], usize), ParseError> {
        match mqtt_read(buf) {
            Err(ParseError::NoMatch) => {}
            other => return other,
        }
        let (_, r) = nom::branch::alt((
            urc_helper("+MQTTMSGI"),
            urc_helper("+MQTTMSG"),
            urc_helper("+MQTTPUB"),
            urc_helper("+MQTTSUB"),
            urc_helper("+MQTTUNSUB"),
            urc_helper("+MQTTOPEN"),
            urc_helper("+MQTTCLOSE"),
            urc_helper("+MQTTBREAK"),
            urc_helper("+CREG"),
            urc_helper("+CGREG"),
            urc_helper("+CEREG"),
            urc_helper("+SIM READY"),
            urc_helper("RDY"),
        ))(buf)?;
        Ok(r)
    }
}

/// `\r\n+MQTTREAD: <id>,<qos>,<tlen>,<plen>\r\n"<topic>","<payload>"`, framed by the lengths;
/// or `\r\n+MQTTREAD: <id>,0,0,0\r\n` (nothing waiting). Returns the item without its leading
/// line end, and the bytes taken.
fn mqtt_read(buf: &[u8]) -> Result<(&[u8], usize), ParseError> {
    let (i, le) = nom::character::complete::line_ending::<_, nom::error::Error<&[u8]>>(buf)?;
    let (i, _) = nom::bytes::streaming::tag::<_, _, nom::error::Error<&[u8]>>("+MQTTREAD:")(i)?;
    let Some(eol) = i.windows(2).position(|w| w == b"\r\n") else {
        // A header is short; a long line without an end is not one.
        return Err(if i.len() > 40 {
            ParseError::NoMatch
        } else {
            ParseError::Incomplete
        });
    };
    let mut nums = [0usize; 4];
    let mut fields = i[..eol].split(|&b| b == b',');
    for n in nums.iter_mut() {
        let f = fields.next().ok_or(ParseError::NoMatch)?.trim_ascii();
        *n = core::str::from_utf8(f)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or(ParseError::NoMatch)?;
    }
    if fields.next().is_some() {
        return Err(ParseError::NoMatch);
    }
    let [_, _, tlen, plen] = nums;
    let start = le.len();
    let header_end = start + 10 + eol;
    if tlen == 0 && plen == 0 {
        return Ok((&buf[start..header_end], header_end + 2));
    }
    let body = header_end + 2;
    let end = body + tlen + plen + 5;
    if buf.len() < end {
        return Err(ParseError::Incomplete);
    }
    let msg = &buf[body..end];
    if msg[0] != b'"' || &msg[1 + tlen..4 + tlen] != b"\",\"" || msg[msg.len() - 1] != b'"' {
        return Err(ParseError::NoMatch);
    }
    Ok((&buf[start..end], end))
}

/// atat's ingress buffer of `N` bytes in front of an `AtDigester`.
pub struct Receiver<const N: usize> {
    buf: [u8; N],
    pos: usize,
    digester: AtDigester<FibocomUrcs>,
    /// What was recognised so far.
    pub counts: Counts,
}

impl<const N: usize> Default for Receiver<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Receiver<N> {
    /// An empty buffer.
    pub fn new() -> Self {
        Receiver {
            buf: [0; N],
            pos: 0,
            digester: AtDigester::new(),
            counts: Counts::default(),
        }
    }

    /// Appends `bytes` (which must fit) and digests, as `Ingress::try_advance` does.
    #[inline(never)]
    pub fn receive(&mut self, bytes: &[u8]) {
        let end = self.pos + bytes.len();
        self.buf[self.pos..end].copy_from_slice(bytes);
        self.pos = end;
        while self.pos > 0 {
            let (result, swallowed) = self.digester.digest(&self.buf[..self.pos]);
            match result {
                DigestResult::None => {}
                DigestResult::Prompt(_) => self.counts.prompts += 1,
                DigestResult::Urc(urc) => {
                    self.counts.urcs += 1;
                    if urc.starts_with(b"+MQTTREAD:") {
                        if let Some(eol) = urc.windows(2).position(|w| w == b"\r\n") {
                            self.counts.reads += 1;
                            self.counts.read_payload_bytes +=
                                urc.len() - (eol + 2) - crate::stream::READ_TOPIC.len() - 5;
                        }
                    }
                }
                DigestResult::Response(_) => self.counts.finals += 1,
            }
            if swallowed == 0 {
                break;
            }
            self.buf.copy_within(swallowed..self.pos, 0);
            self.pos -= swallowed;
        }
    }
}
