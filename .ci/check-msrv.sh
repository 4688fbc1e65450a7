#!/usr/bin/env bash
# CI: the crate's `rust-version` is true for what it depends on. Every registry crate the
# library depends on (normal dependencies, all features, as locked in Cargo.lock) must declare
# a `rust-version` no newer than the library's own; a crate that declares none is listed, not
# failed. The same for the command-line tool. Clippy's `incompatible_msrv` lint (on by default
# once `rust-version` is set) checks the library's own use of the standard library.
set -euo pipefail
cd "$(dirname "$0")/.."

metadata=$(cargo metadata --format-version 1 --locked --all-features)
python3 .ci/msrv.py fibocom-mqtt <<<"$metadata"
# The command-line tool too (`cargo install --path cli`).
python3 .ci/msrv.py fibocom-mqtt-cli <<<"$metadata"

# The lint that checks the library's own code against rust-version must stay on.
if grep -rn "incompatible_msrv" src Cargo.toml clippy.toml .clippy.toml 2>/dev/null; then
  echo "clippy::incompatible_msrv must not be allowed" >&2
  exit 1
fi
cargo clippy -p fibocom-mqtt --all-features --lib -- -D warnings -D clippy::incompatible_msrv
