//! Puts `memory.x` where the linker finds it and links with cortex-m-rt's `link.x`, and, for
//! the `tls` feature, the CA the firmware uploads to the module: the PEM file named by
//! `FIBOCOM_FW_TLS_CA` at build time (tests/firmware_qemu.rs makes one at run time, with the
//! broker's certificates), included as `OUT_DIR/tls-ca.pem`. Without it the file is empty and
//! the TLS firmware connects without verifying the broker (encrypted, but anyone may pose as
//! the broker: for a quick look only).
//!
//! The link argument is given here rather than in `.cargo/config.toml` so that a `RUSTFLAGS`
//! in the environment (which replaces the configuration's flags) cannot drop it.

use std::path::PathBuf;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    std::fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("write memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rerun-if-env-changed=FIBOCOM_FW_TLS_CA");
    let ca = match std::env::var_os("FIBOCOM_FW_TLS_CA") {
        Some(path) => {
            println!("cargo:rerun-if-changed={}", PathBuf::from(&path).display());
            std::fs::read(&path).unwrap_or_else(|e| {
                panic!("FIBOCOM_FW_TLS_CA={}: {e}", PathBuf::from(&path).display())
            })
        }
        None => Vec::new(),
    };
    std::fs::write(out.join("tls-ca.pem"), ca).expect("write tls-ca.pem");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
}
