#!/usr/bin/env bash
# Every host example run twice against one simulated module, as after a crash of the host:
# the first run is killed (SIGKILL) once it has received its own message, so the module keeps
# its data call and the connection; the second run must work all the same, to its end.
# (The QEMU firmware does the same in tests/firmware_qemu.rs, the command-line tool in
# cli/tests/cli_second_run.rs.)
#
#   bash .ci/examples-twice.sh
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build -q -p fibocom-sim
cargo build -q --example host_blocking --example host_async --example host_tokio
bin=target/debug
work=$(mktemp -d "${TMPDIR:-/tmp}/fibocom-examples.XXXXXX")
pids=()
cleanup() {
  for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# start_sim NAME: a simulated module on a loopback TCP port (its stdin kept open: it reads
# controls there); its address is the first line of $work/sim-NAME.out.
start_sim() {
  local out=$work/sim-$1.out
  (sleep 100000 | "$bin/fibocom-sim" --tcp 127.0.0.1:0 >"$out" 2>"$work/sim-$1.err") \
    </dev/null >/dev/null 2>&1 &
  pids+=($!)
}

# The address of the simulator NAME, once it printed it.
sim_addr() {
  local out=$work/sim-$1.out
  for _ in $(seq 100); do
    [ -s "$out" ] && break
    sleep 0.1
  done
  head -n 1 "$out"
}

# run_twice NAME ARGS...: the first run killed after its message, the second to its end.
run_twice() {
  local name=$1
  shift
  local first=$work/$name-1.out second=$work/$name-2.out
  "$bin/examples/$name" "$@" >"$first" 2>&1 &
  local pid=$!
  for _ in $(seq 300); do
    grep -q 'fibocom-mqtt/demo/hello hello\|received:' "$first" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if ! grep -q 'fibocom-mqtt/demo/hello hello\|received:' "$first"; then
    echo "examples-twice: $name, first run: no message" >&2
    cat "$first" >&2
    return 1
  fi
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if ! timeout 90 "$bin/examples/$name" "$@" >"$second" 2>&1; then
    echo "examples-twice: $name, second run failed:" >&2
    cat "$second" >&2
    return 1
  fi
  grep -q 'fibocom-mqtt/demo/hello hello\|received: demo/hello' "$second"
  echo "examples-twice: $name ran twice (the first killed), the second to its end:"
  sed 's/^/  /' "$second"
}

for name in blocking async tokio; do start_sim "$name"; done
a=$(sim_addr blocking)
b=$(sim_addr async)
c=$(sim_addr tokio)
status=0
run_twice host_blocking "tcp://$a" >"$work/blocking.log" 2>&1 &
j1=$!
run_twice host_async "tcp://$b" >"$work/async.log" 2>&1 &
j2=$!
run_twice host_tokio "$c" >"$work/tokio.log" 2>&1 || status=1
wait "$j1" || status=1
wait "$j2" || status=1
cat "$work/blocking.log" "$work/async.log" "$work/tokio.log"
passed=$(grep -c '^examples-twice: .* ran twice' "$work"/*.log | awk -F: '{s+=$2} END {print s}')
echo "examples-twice: $passed passed, $((3 - passed)) failed"
exit "$status"
