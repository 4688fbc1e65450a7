#!/usr/bin/env bash
# CI: the crate as crates.io would get it. `cargo publish --dry-run` (which packages and builds
# it) must print no warning but the expected ones: the tests and the examples that need the
# workspace's path crates (the simulator, the crate's own features) are left out of the package
# on purpose (`include` in Cargo.toml), and cargo says so for each. Then the packaged crate,
# unpacked outside the workspace, builds its examples and runs its library and doc tests (the
# READMEs' Rust blocks among them) with its registry dependencies only.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

log=$(mktemp)
cargo publish --dry-run -p fibocom-mqtt --allow-dirty 2>&1 | tee "$log"
unexpected=$(grep '^warning' "$log" |
  grep -Ev '^warning: ignoring (test|example) `[a-z0-9_]+` as `(tests|examples)/[^`]+` is not included in the published package$' |
  grep -v 'aborting upload due to dry run' || true)
if [ -n "$unexpected" ]; then
  printf 'unexpected warnings from cargo publish --dry-run:\n%s\n' "$unexpected" >&2
  exit 1
fi
rm -f "$log"

version=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json,sys; print(next(p["version"] for p in json.load(sys.stdin)["packages"] if p["name"] == "fibocom-mqtt"))')
# The dry run may leave its .crate elsewhere (target/package/tmp-crate): make it where it is read.
cargo package -p fibocom-mqtt --allow-dirty --no-verify >/dev/null 2>&1
crate="$root/target/package/fibocom-mqtt-$version.crate"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
tar -xzf "$crate" -C "$work"
cd "$work/fibocom-mqtt-$version"
echo "--- the packaged crate, unpacked in $PWD"
export CARGO_TARGET_DIR="$root/target/package-check"
cargo build --locked --examples --features std
cargo test --locked --all-features --lib
cargo test --locked --all-features --doc

# The documentation as docs.rs builds it (`--cfg docsrs`: the feature badges of `host` and
# `scripted`; docs.rs uses a nightly compiler, RUSTC_BOOTSTRAP lets this one stand in).
cd "$root"
RUSTC_BOOTSTRAP=1 RUSTDOCFLAGS="--cfg docsrs -D warnings" \
  cargo doc -p fibocom-mqtt --no-deps --all-features --target-dir "$root/target/docsrs"
grep -q 'Available on <strong>crate feature <code>std' target/docsrs/doc/fibocom_mqtt/host/index.html
