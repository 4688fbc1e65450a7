#!/usr/bin/env bash
# CI: the firmware examples (each a crate of its own, outside the workspace; embassy-app is the
# README's embassy pattern, for thumbv7em) are formatted, lint-free on their targets, and build
# in release mode; the QEMU firmware also with its `tls` feature.
set -euo pipefail
cd "$(dirname "$0")/.."

for dir in examples/firmware-qemu examples/firmware-rp-pico examples/embassy-app; do
  printf '\n--- %s\n' "$dir"
  (
    cd "$dir"
    cargo fmt -- --check
    cargo clippy --release -- -D warnings
    cargo build --release
    if [ "$dir" = examples/firmware-qemu ]; then
      # The firmware with the session layer (the default build is the size reference).
      cargo clippy --release --features session -- -D warnings
      cargo build --release --features session
    fi
  )
done

# The QEMU firmware's TLS variant (without a CA at build time: it then connects unverified;
# tests/firmware_qemu.rs builds it with one).
printf '\n--- examples/firmware-qemu --features tls\n'
(
  cd examples/firmware-qemu
  unset FIBOCOM_FW_TLS_CA
  cargo clippy --release --features tls -- -D warnings
  cargo build --release --features tls
  # Leave the default build in place.
  cargo build --release
)
