#!/usr/bin/env bash
# CI: every Rust block of the Markdown a user reads compiles: a doc test (the file is included
# as doc tests by src/lib.rs, run by `cargo test`), or, marked `ignore`, found line for line in
# a file that CI compiles (the examples, tests/readme/main.rs, examples/embassy-app).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 .ci/snippets.py README.md README-crate.md docs/*.md cli/README.md sim/README.md
