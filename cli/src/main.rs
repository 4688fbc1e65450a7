//! `fibocom-mqtt`: publish, subscribe and diagnose over a Fibocom module (work in progress).

fn main() {
    eprintln!("fibocom-mqtt: not built yet");
    std::process::exit(2);
}
