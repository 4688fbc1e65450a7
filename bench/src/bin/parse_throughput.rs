//! Parser throughput, ours against atat 0.25's digester, on the same stream fed the same way.
//!
//! ```text
//! cargo run --release -p fibocom-mqtt-bench --bin parse-throughput [-- SECONDS]
//! ```
//!
//! For each chunk size (1, 16, 64 bytes), feeds the benchmark stream through both parsers for
//! about SECONDS (default 1) each, in several rounds, and reports the best round's rate in MB/s
//! (timings on a shared machine are noisy; the best round is the least disturbed), the ratio,
//! and the counts each parser recognised, which must agree with what the stream holds.

use std::time::{Duration, Instant};

use fibocom_mqtt_bench::{bench_stream, feed_atat, feed_ours, Counts, CHUNKS};

const ROUNDS: u32 = 5;

/// Best rate in bytes per second over `ROUNDS` rounds of about `budget / ROUNDS` each.
fn rate(bytes: usize, budget: Duration, mut f: impl FnMut(usize) -> Counts) -> (f64, Counts) {
    // Calibrate: how many passes fit in a round.
    let t = Instant::now();
    let counts = f(1);
    let one = t.elapsed().max(Duration::from_micros(1));
    let per_round = budget / ROUNDS;
    let reps = (per_round.as_secs_f64() / one.as_secs_f64())
        .ceil()
        .max(1.0) as usize;
    let mut best = 0.0f64;
    for _ in 0..ROUNDS {
        let t = Instant::now();
        std::hint::black_box(f(reps));
        let r = (bytes * reps) as f64 / t.elapsed().as_secs_f64();
        best = best.max(r);
    }
    (best, counts)
}

fn main() {
    let secs: f64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1.0);
    let budget = Duration::from_secs_f64(secs);
    let stream = bench_stream();
    let n = stream.bytes.len();
    let e = stream.expected;
    println!(
        "stream: {n} bytes, {} lines, {} reads of 1 KiB ({:.0}% of the bytes); best of {ROUNDS} rounds",
        e.lines,
        e.reads,
        100.0 * stream.payload_share()
    );
    println!(
        "{:>6}  {:>14}  {:>14}  {:>8}",
        "chunk", "ours MB/s", "atat MB/s", "ratio"
    );
    let mut all_ok = true;
    for chunk in CHUNKS {
        let (ours, oc) = rate(n, budget, |reps| feed_ours(&stream, chunk, reps));
        let (atat, ac) = rate(n, budget, |reps| feed_atat(&stream, chunk, reps));
        println!(
            "{chunk:>6}  {:>14.1}  {:>14.1}  {:>7.1}x",
            ours / 1e6,
            atat / 1e6,
            ours / atat
        );
        let ours_ok = oc.matches(&e, true);
        let atat_ok = ac.matches(&e, false);
        all_ok &= ours_ok && atat_ok;
        println!(
            "        recognised  ours: {} finals, {} urcs ({} reads, {} payload bytes), {} prompts, {} echoes, {} info{}",
            oc.finals, oc.urcs, oc.reads, oc.read_payload_bytes, oc.prompts, oc.echoes, oc.info,
            if ours_ok { "" } else { "  MISMATCH" }
        );
        println!(
            "                    atat: {} responses, {} urcs ({} reads, {} payload bytes), {} prompts{}",
            ac.finals, ac.urcs, ac.reads, ac.read_payload_bytes, ac.prompts,
            if atat_ok { "" } else { "  MISMATCH" }
        );
    }
    println!(
        "expected:           {} finals, {} urcs ({} reads, {} payload bytes), {} prompts, {} echoes, {} info",
        e.finals, e.urcs, e.reads, e.read_payload_bytes, e.prompts, e.echoes, e.info
    );
    if !all_ok {
        std::process::exit(1);
    }
}
