# shellcheck shell=bash
# Sourced by .ci/run before the tests: installs mosquitto, starts one on a free loopback port
# for the end-to-end tests (tests/e2e_*.rs), and exports
#
#   FIBOCOM_MOSQUITTO          127.0.0.1:PORT of that broker. Anonymous clients are allowed,
#                              and the account fibocom / fibocom-ci is in its password file
#                              (a wrong password is refused).
#   FIBOCOM_MOSQUITTO_RESTART  a command that restarts it (stop, start again on the same port
#                              with the same configuration) and returns once it accepts
#                              connections again; it fails if mosquitto does not come back.
#
# The broker is stopped when the sourcing shell exits. Being sourced, this file only defines,
# exports and starts things; it never exits. If mosquitto cannot be installed or started,
# FIBOCOM_MOSQUITTO is still exported, so that the tests fail instead of skipping.
#
# By hand:  source .ci/setup-mosquitto.sh && cargo test --test e2e_publish

fibocom_mosquitto_setup() {
  local dir port pid tries
  if ! command -v mosquitto >/dev/null 2>&1 || ! command -v mosquitto_passwd >/dev/null 2>&1; then
    apt-get update -qq || echo "setup-mosquitto: apt-get update failed" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null ||
      echo "setup-mosquitto: apt-get install mosquitto failed" >&2
  fi

  dir=$(mktemp -d "${TMPDIR:-/tmp}/fibocom-mosquitto.XXXXXX") || return 0
  touch "$dir/passwd"
  mosquitto_passwd -b "$dir/passwd" fibocom fibocom-ci ||
    echo "setup-mosquitto: mosquitto_passwd failed" >&2

  # A free port: mosquitto cannot bind one in use, so try a few at random.
  port=""
  for tries in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + (RANDOM % 20000)))
    cat >"$dir/mosquitto.conf" <<EOF
# fibocom-mqtt end-to-end tests: loopback only, in memory only.
listener $port 127.0.0.1
allow_anonymous true
password_file $dir/passwd
pid_file $dir/mosquitto.pid
persistence false
log_dest file $dir/mosquitto.log
log_type error
log_type warning
log_type notice
log_type information
connection_messages true
EOF
    # Run as root, mosquitto drops to the user "mosquitto", which then reads the password
    # file and writes the pid file and log in this directory.
    if [ "$(id -u)" = 0 ] && id mosquitto >/dev/null 2>&1; then
      chown -R mosquitto: "$dir"
      chmod 700 "$dir"
      chmod 600 "$dir/passwd"
    fi
    rm -f "$dir/mosquitto.pid"
    if fibocom_mosquitto_start "$dir" "$port"; then
      break
    fi
    echo "setup-mosquitto: no broker on port $port (try $tries); log:" >&2
    cat "$dir/mosquitto.log" >&2 2>/dev/null || true
  done

  cat >"$dir/restart" <<EOF
#!/usr/bin/env bash
# Restarts the fibocom-mqtt test mosquitto on 127.0.0.1:$port.
set -u
$(declare -f fibocom_mosquitto_stop fibocom_mosquitto_start)
fibocom_mosquitto_stop "$dir" && fibocom_mosquitto_start "$dir" "$port"
EOF
  chmod 755 "$dir/restart"

  export FIBOCOM_MOSQUITTO="127.0.0.1:$port"
  export FIBOCOM_MOSQUITTO_RESTART="$dir/restart"
  pid=$(cat "$dir/mosquitto.pid" 2>/dev/null || echo "?")
  echo "setup-mosquitto: mosquitto (pid $pid) on $FIBOCOM_MOSQUITTO, files in $dir"
  echo "setup-mosquitto: FIBOCOM_MOSQUITTO=$FIBOCOM_MOSQUITTO FIBOCOM_MOSQUITTO_RESTART=$FIBOCOM_MOSQUITTO_RESTART"

  # Stop it when the shell that sourced this exits, after any exit trap already set.
  local previous
  previous=$(fibocom_mosquitto_exit_trap)
  # shellcheck disable=SC2064
  trap "fibocom_mosquitto_stop '$dir'; rm -rf '$dir'; ${previous}" EXIT
}

# The command of the current EXIT trap, if any.
fibocom_mosquitto_exit_trap() {
  eval "set -- $(trap -p EXIT)"
  printf '%s' "${3:-}"
}

# Starts mosquitto from "$1"/mosquitto.conf as a daemon; succeeds once port $2 accepts.
fibocom_mosquitto_start() {
  local dir=$1 port=$2 i pid
  mosquitto -c "$dir/mosquitto.conf" -d </dev/null >>"$dir/mosquitto.out" 2>&1 || return 1
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      pid=$(cat "$dir/mosquitto.pid" 2>/dev/null || true)
      # The port must be this mosquitto's, not someone else's.
      if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        return 0
      fi
    fi
    pid=$(cat "$dir/mosquitto.pid" 2>/dev/null || true)
    if [ "$i" -gt 10 ] && { [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; }; then
      return 1
    fi
    sleep 0.05
  done
  return 1
}

# Stops the mosquitto whose pid is in "$1"/mosquitto.pid and waits until it has exited.
fibocom_mosquitto_stop() {
  local dir=$1 pid i state
  pid=$(cat "$dir/mosquitto.pid" 2>/dev/null || true)
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || return 0
  for i in $(seq 1 100); do
    state=$(sed -n 's/^State:[[:space:]]*\([A-Z]\).*/\1/p' "/proc/$pid/status" 2>/dev/null || true)
    # Gone, or a zombie whose parent has not reaped it yet: its sockets are closed.
    if [ -z "$state" ] || [ "$state" = Z ]; then
      return 0
    fi
    sleep 0.05
  done
  kill -9 "$pid" 2>/dev/null || true
  return 0
}

fibocom_mosquitto_setup
