//! Benchmarks of fibocom-mqtt: what parsing the module's output costs (side by side with atat
//! 0.25's digester), how much RAM the driver takes, and how efficiently it uses the wire.
//!
//! - [`stream`]: the deterministic stream both parsers are fed, and its composition.
//! - [`ours`]: the driver's receive path (receive buffer + [`fibocom_mqtt::codec::Decoder`]).
//! - [`theirs`]: atat's `AtDigester` with a URC parser for the same lines, fed like atat's
//!   ingress feeds it.
//!
//! The binaries: `parse-throughput` (bytes per second), `parse-cost` (the unit `callgrind.sh`
//! counts instructions of), `footprint`, `wire`, `stream-info`.

pub mod floor;
pub mod ours;
pub mod stream;
pub mod theirs;

/// The receive buffer both parsers get: the driver's minimum, room for a 1 KiB message.
pub const CAPACITY: usize = fibocom_mqtt::RX_BUFFER_MIN;

/// Cycles in the benchmark stream (about 300 KiB).
pub const CYCLES: usize = 200;

/// Seed of the benchmark stream.
pub const SEED: u64 = 0x5eed_f1b0_c0de;

/// The benchmark stream.
pub fn bench_stream() -> stream::Stream {
    stream::generate(CYCLES, SEED)
}

/// The chunk sizes fed: byte by byte (an interrupt-driven UART), and 16 and 64 bytes (a FIFO or
/// DMA; the async driver reads at most 64 bytes at a time).
pub const CHUNKS: [usize; 3] = [1, 16, 64];

/// What a parser recognised.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Command echoes (atat drops them without saying).
    pub echoes: usize,
    /// Final results (atat: responses).
    pub finals: usize,
    /// Information lines that answer a command (atat keeps them inside the response).
    pub info: usize,
    /// Data prompts.
    pub prompts: usize,
    /// Units of their own: result lines, messages, read answers, unsolicited lines (atat: URCs).
    pub urcs: usize,
    /// `+MQTTREAD` answers with a message.
    pub reads: usize,
    /// Their payload bytes.
    pub read_payload_bytes: usize,
    /// Lines with a known prefix whose fields did not parse.
    pub malformed: usize,
    /// Items too long for the buffer.
    pub overflows: usize,
}

impl Counts {
    /// Whether these are what `e` says the stream holds, as far as a parser that reports only
    /// responses, prompts and URCs (atat) can tell (`full` false), or entirely (`full` true).
    pub fn matches(&self, e: &stream::Expected, full: bool) -> bool {
        let common = self.finals == e.finals
            && self.prompts == e.prompts
            && self.urcs == e.urcs
            && self.reads == e.reads
            && self.read_payload_bytes == e.read_payload_bytes
            && self.malformed == 0
            && self.overflows == 0;
        common && (!full || (self.echoes == e.echoes && self.info == e.info))
    }
}

/// Feeds `stream` through the driver's receive path in chunks of `chunk` bytes, `reps` times.
#[inline(never)]
#[no_mangle]
pub fn feed_ours(stream: &stream::Stream, chunk: usize, reps: usize) -> Counts {
    let mut rx = Box::new(ours::Receiver::<CAPACITY>::new());
    for _ in 0..reps {
        for c in stream.chunks(chunk) {
            rx.receive(c);
        }
    }
    rx.counts
}

/// Feeds `stream` through atat's digester in chunks of `chunk` bytes, `reps` times.
#[inline(never)]
#[no_mangle]
pub fn feed_atat(stream: &stream::Stream, chunk: usize, reps: usize) -> Counts {
    let mut rx = Box::new(theirs::Receiver::<CAPACITY>::new());
    for _ in 0..reps {
        for c in stream.chunks(chunk) {
            rx.receive(c);
        }
    }
    rx.counts
}

/// Feeds `stream` through [`floor::Floor`], a buffer that only finds line ends, in chunks of
/// `chunk` bytes, `reps` times: the floor under any parser fed through a receive buffer.
#[inline(never)]
#[no_mangle]
pub fn feed_floor(stream: &stream::Stream, chunk: usize, reps: usize) -> Counts {
    let mut rx = Box::new(floor::Floor::<CAPACITY>::new());
    for _ in 0..reps {
        for c in stream.chunks(chunk) {
            rx.receive(c);
        }
    }
    rx.counts
}

/// Only walks the chunks (what `feed_*` cost besides parsing).
#[inline(never)]
#[no_mangle]
pub fn feed_nothing(stream: &stream::Stream, chunk: usize, reps: usize) -> Counts {
    let mut counts = Counts::default();
    for _ in 0..reps {
        for c in stream.chunks(chunk) {
            counts.echoes = counts.echoes.wrapping_add(core::hint::black_box(c).len());
        }
    }
    counts
}
