//! Prints the composition of the benchmark stream.
//!
//! ```text
//! cargo run --release -p fibocom-mqtt-bench --bin stream-info [-- --dump FILE]
//! ```

use fibocom_mqtt_bench::{bench_stream, CYCLES, SEED};

fn main() {
    let s = bench_stream();
    let e = &s.expected;
    let n = s.bytes.len();
    println!("benchmark stream: {CYCLES} cycles, seed {SEED:#x}");
    println!("  bytes                      {n}");
    println!("  lines                      {}", e.lines);
    println!("  echoes                     {}", e.echoes);
    println!("  final results              {}", e.finals);
    println!("  information lines          {}", e.info);
    println!("  prompts                    {}", e.prompts);
    println!("  unsolicited / result units {}", e.urcs);
    println!(
        "  of which 1 KiB reads       {} ({} payload bytes, {:.1}% of the stream)",
        e.reads,
        e.read_payload_bytes,
        100.0 * s.payload_share()
    );
    println!("  noise bytes                {}", e.noise_bytes);
    println!("  silences (after prompts)   {}", s.silences.len());
    let mut args = std::env::args().skip(1);
    if args.next().as_deref() == Some("--dump") {
        if let Some(path) = args.next() {
            if let Err(err) = std::fs::write(&path, &s.bytes) {
                eprintln!("{path}: {err}");
                std::process::exit(1);
            }
            println!("written to {path}");
        }
    }
}
