#!/bin/sh
# Instructions per received byte, ours against atat 0.25's digester, counted by callgrind.
#
#   bench/callgrind.sh [REPS]
#
# For each chunk size (1, 16, 64 bytes), runs `parse-cost` under callgrind four times,
# counting only the instructions executed inside `feed_ours`, `feed_atat`, `feed_floor` (a buffer
# that only finds line ends: the floor under any parser called once per read) and `feed_nothing`
# (which only walks the chunks); the parsers' figures are net of the last. `parse-cost` fails if
# a parser did not recognise what the stream holds. Instruction counts are repeatable on a busy
# machine, unlike timings.
set -eu

REPS=${1:-1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
# The release profile with debug information (Cargo.toml's `profiling`).
cargo build --profile profiling -q -p fibocom-mqtt-bench --bin parse-cost
BIN="${CARGO_TARGET_DIR:-$ROOT/target}/profiling/parse-cost"
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# count WHICH CHUNK: instructions executed inside feed_WHICH
count() {
    if ! valgrind --tool=callgrind --toggle-collect="feed_$1" \
        --callgrind-out-file="$OUT/$1.$2" "$BIN" "$1" "$2" "$REPS" \
        >"$OUT/$1.$2.txt" 2>"$OUT/$1.$2.err"; then
        cat "$OUT/$1.$2.err" >&2
        exit 1
    fi
    sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$OUT/$1.$2" | head -n 1
}

echo "instructions per received byte (x86-64, callgrind; $REPS pass(es) of the benchmark stream)"
printf '%6s  %12s  %12s  %10s  %12s\n' chunk ours atat ours/atat floor
bytes=0
for chunk in 1 16 64; do
    base=$(count nothing "$chunk")
    ours=$(count ours "$chunk")
    atat=$(count atat "$chunk")
    floor=$(count floor "$chunk")
    bytes=$(sed -n 's/^bytes //p' "$OUT/ours.$chunk.txt")
    awk -v b="$base" -v o="$ours" -v a="$atat" -v f="$floor" -v n="$bytes" -v c="$chunk" 'BEGIN {
        po = (o - b) / n; pa = (a - b) / n; pf = (f - b) / n;
        printf "%6d  %12.1f  %12.1f  %10.2f  %12.1f\n", c, po, pa, po / pa, pf }'
done
echo "floor: a receive buffer that only appends each read and finds line ends, no parsing:"
echo "the least any parser fed once per read through a buffer costs"
echo "stream: $bytes bytes per run; both parsers recognised what it holds (64-byte chunks):"
sed -n '2s/^/  ours: /p' "$OUT/ours.64.txt"
sed -n '2s/^/  atat: /p' "$OUT/atat.64.txt"
