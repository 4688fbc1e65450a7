//! The unit `bench/callgrind.sh` counts instructions of: generates the benchmark stream, then
//! feeds it `REPS` times in chunks of `CHUNK` bytes through one parser.
//!
//! ```text
//! parse-cost ours|atat|floor|nothing CHUNK REPS
//! ```
//!
//! Prints the stream length and what was recognised, and fails if that is not what the stream
//! holds. Callgrind is pointed (with
//! `--toggle-collect`) at `feed_ours`, `feed_atat` or `feed_nothing`; the last only walks the
//! chunks, and its count is subtracted from the others'.

use fibocom_mqtt_bench::{bench_stream, feed_atat, feed_floor, feed_nothing, feed_ours};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(which), Some(chunk), Some(reps)) = (
        args.first(),
        args.get(1).and_then(|a| a.parse::<usize>().ok()),
        args.get(2).and_then(|a| a.parse::<usize>().ok()),
    ) else {
        eprintln!("usage: parse-cost ours|atat|floor|nothing CHUNK REPS");
        std::process::exit(2);
    };
    let stream = bench_stream();
    let expected = stream.expected.times(reps);
    let (counts, ok) = match which.as_str() {
        "ours" => {
            let c = feed_ours(&stream, chunk, reps);
            (c, c.matches(&expected, true))
        }
        "atat" => {
            let c = feed_atat(&stream, chunk, reps);
            (c, c.matches(&expected, false))
        }
        "nothing" => (feed_nothing(&stream, chunk, reps), true),
        "floor" => (feed_floor(&stream, chunk, reps), true),
        _ => {
            eprintln!("unknown parser {which}");
            std::process::exit(2);
        }
    };
    println!("bytes {}", stream.bytes.len() * reps);
    println!("{counts:?}");
    if !ok {
        eprintln!("{which} did not recognise what the stream holds: {expected:?}");
        std::process::exit(1);
    }
}
