#!/usr/bin/env bash
# CI: the firmware examples (each a crate of its own, outside the workspace) are formatted,
# lint-free on their targets, and build in release mode.
set -euo pipefail
cd "$(dirname "$0")/.."

for dir in examples/firmware-qemu examples/firmware-rp-pico; do
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
