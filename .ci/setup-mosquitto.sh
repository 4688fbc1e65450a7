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
# The same mosquitto also listens for MQTT over TLS, with certificates made by openssl here
# (nothing secret is kept in the repository), for the TLS tests (sim/tests/tls_mosquitto.rs):
#
#   FIBOCOM_MOSQUITTO_TLS             127.0.0.1:PORT, TLS with a server certificate for
#                                     localhost and 127.0.0.1 signed by the test CA.
#   FIBOCOM_MOSQUITTO_MTLS            127.0.0.1:PORT, the same, requiring a client certificate
#                                     signed by the test client CA (require_certificate true).
#   FIBOCOM_MOSQUITTO_TLS_EXPIRED     127.0.0.1:PORT, TLS with an expired server certificate.
#   FIBOCOM_MOSQUITTO_TLS_WRONG_NAME  127.0.0.1:PORT, TLS with a certificate for wrong.example.
#   FIBOCOM_MOSQUITTO_CA              path of the test CA's certificate (PEM): the TRUSTFILE.
#   FIBOCOM_MOSQUITTO_CLIENT_CERT     path of a client certificate (PEM) the MTLS port accepts.
#   FIBOCOM_MOSQUITTO_CLIENT_KEY      path of its private key (PEM, PKCS #8).
#
# And it admits devices the way the IoT clouds do, for the cloud profile tests
# (tests/e2e_cloud.rs, cli/tests/cli_cloud.rs); each of these listeners has an ACL of its own,
# and the listeners without one (above) are open to every topic as before:
#
#   FIBOCOM_MOSQUITTO_AWS               127.0.0.1:PORT, as AWS IoT Core: TLS with a client
#                                       certificate required, its CN taken as the user name
#                                       (use_identity_as_username), QoS 0 and 1 only (max_qos 1),
#                                       the thing's topics dt/<thing>/# and cmd/<thing>/# by ACL.
#   FIBOCOM_MOSQUITTO_AWS_THING         the thing name (the CN of its certificate).
#   FIBOCOM_MOSQUITTO_AWS_CERT          path of the thing's certificate (PEM).
#   FIBOCOM_MOSQUITTO_AWS_KEY           path of its private key (PEM, PKCS #8).
#   FIBOCOM_MOSQUITTO_AZURE             127.0.0.1:PORT, as Azure IoT Hub with X.509 devices: TLS
#                                       with a client certificate required, max_qos 1, and by ACL
#                                       only the user name <hub>/<device>/?api-version=2021-04-12
#                                       may publish, to devices/<device>/messages/events/# only,
#                                       and subscribe, to devices/<device>/messages/devicebound/#.
#                                       Its server certificate also names the hub.
#   FIBOCOM_MOSQUITTO_AZURE_HUB         the hub's host name (fibocom-ci.azure-devices.net).
#   FIBOCOM_MOSQUITTO_AZURE_DEVICE      the device id.
#   FIBOCOM_MOSQUITTO_AZURE_CERT        path of the device's certificate (PEM, CN = device id).
#   FIBOCOM_MOSQUITTO_AZURE_KEY         path of its private key (PEM, PKCS #8).
#   FIBOCOM_MOSQUITTO_THINGSBOARD       127.0.0.1:PORT, as ThingsBoard: TLS (server certificate
#                                       only), the access token as user name with no password,
#                                       max_qos 1, and by ACL only that token may use
#                                       v1/devices/me/#, and nothing else.
#   FIBOCOM_MOSQUITTO_THINGSBOARD_TOKEN the access token.
#   FIBOCOM_MOSQUITTO_GENERIC           127.0.0.1:PORT, as a hosted broker (HiveMQ Cloud, EMQX):
#                                       TLS (server certificate only), no anonymous clients, the
#                                       account fibocom / fibocom-ci, QoS 0-2.
#
# The broker has max_keepalive 300 (the module's own limit; mosquitto 2.0 enforces it on MQTT 5
# clients only, so the profiles' keepalive rules are checked by the library's own tests).
#
# The broker is stopped when the sourcing shell exits. Being sourced, this file only defines,
# exports and starts things; it never exits. If mosquitto cannot be installed or started,
# FIBOCOM_MOSQUITTO is still exported, so that the tests fail instead of skipping.
#
# By hand:  source .ci/setup-mosquitto.sh && cargo test --test e2e_publish

fibocom_mosquitto_setup() {
  local dir port pid tries
  if ! command -v mosquitto >/dev/null 2>&1 || ! command -v mosquitto_passwd >/dev/null 2>&1 ||
    ! command -v openssl >/dev/null 2>&1; then
    apt-get update -qq || echo "setup-mosquitto: apt-get update failed" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto openssl >/dev/null ||
      echo "setup-mosquitto: apt-get install mosquitto openssl failed" >&2
  fi

  dir=$(mktemp -d "${TMPDIR:-/tmp}/fibocom-mosquitto.XXXXXX") || return 0
  touch "$dir/passwd"
  mosquitto_passwd -b "$dir/passwd" fibocom fibocom-ci ||
    echo "setup-mosquitto: mosquitto_passwd failed" >&2
  fibocom_mosquitto_certs "$dir" || echo "setup-mosquitto: making the TLS certificates failed" >&2
  fibocom_mosquitto_clouds "$dir" || echo "setup-mosquitto: making the cloud set-ups failed" >&2

  # A free port: mosquitto cannot bind one in use, so try a few at random.
  port=""
  for tries in 1 2 3 4 5 6 7 8 9 10; do
    port=$((20000 + (RANDOM % 20000)))
    cat >"$dir/mosquitto.conf" <<EOF
# fibocom-mqtt end-to-end tests: loopback only, in memory only. Each listener has its own
# authentication and ACL (the cloud listeners at the end).
per_listener_settings true
max_keepalive 300
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

# MQTT over TLS. The cafile verifies client certificates where they are required.
listener $((port + 1)) 127.0.0.1
allow_anonymous true
password_file $dir/passwd
cafile $dir/client-ca.pem
certfile $dir/server.pem
keyfile $dir/server.key

listener $((port + 2)) 127.0.0.1
allow_anonymous true
password_file $dir/passwd
cafile $dir/client-ca.pem
certfile $dir/server.pem
keyfile $dir/server.key
require_certificate true

listener $((port + 3)) 127.0.0.1
allow_anonymous true
password_file $dir/passwd
cafile $dir/client-ca.pem
certfile $dir/expired.pem
keyfile $dir/server.key

listener $((port + 4)) 127.0.0.1
allow_anonymous true
password_file $dir/passwd
cafile $dir/client-ca.pem
certfile $dir/wrong-name.pem
keyfile $dir/server.key

# As AWS IoT Core: the device's certificate is its identity, QoS 0 and 1, the thing's topics.
listener $((port + 5)) 127.0.0.1
cafile $dir/client-ca.pem
certfile $dir/cloud.pem
keyfile $dir/server.key
require_certificate true
use_identity_as_username true
allow_anonymous false
max_qos 1
acl_file $dir/acl-aws

# As Azure IoT Hub (X.509 devices): a certificate required; the hub's user name (with an empty
# password, which mosquitto's password file cannot hold) is what the ACL lets use its topics.
listener $((port + 6)) 127.0.0.1
cafile $dir/client-ca.pem
certfile $dir/cloud.pem
keyfile $dir/server.key
require_certificate true
allow_anonymous true
max_qos 1
acl_file $dir/acl-azure

# As ThingsBoard: the access token as user name, no password; only the token may use the
# device's topics (ACL).
listener $((port + 7)) 127.0.0.1
cafile $dir/client-ca.pem
certfile $dir/cloud.pem
keyfile $dir/server.key
allow_anonymous true
max_qos 1
acl_file $dir/acl-thingsboard

# As a hosted broker: TLS, an account required.
listener $((port + 8)) 127.0.0.1
cafile $dir/client-ca.pem
certfile $dir/cloud.pem
keyfile $dir/server.key
allow_anonymous false
password_file $dir/passwd
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
  export FIBOCOM_MOSQUITTO_TLS="127.0.0.1:$((port + 1))"
  export FIBOCOM_MOSQUITTO_MTLS="127.0.0.1:$((port + 2))"
  export FIBOCOM_MOSQUITTO_TLS_EXPIRED="127.0.0.1:$((port + 3))"
  export FIBOCOM_MOSQUITTO_TLS_WRONG_NAME="127.0.0.1:$((port + 4))"
  export FIBOCOM_MOSQUITTO_CA="$dir/ca.pem"
  export FIBOCOM_MOSQUITTO_CLIENT_CERT="$dir/client.pem"
  export FIBOCOM_MOSQUITTO_CLIENT_KEY="$dir/client.key"
  export FIBOCOM_MOSQUITTO_AWS="127.0.0.1:$((port + 5))"
  export FIBOCOM_MOSQUITTO_AWS_THING="$FIBOCOM_CLOUD_THING"
  export FIBOCOM_MOSQUITTO_AWS_CERT="$dir/aws-thing.pem"
  export FIBOCOM_MOSQUITTO_AWS_KEY="$dir/aws-thing.key"
  export FIBOCOM_MOSQUITTO_AZURE="127.0.0.1:$((port + 6))"
  export FIBOCOM_MOSQUITTO_AZURE_HUB="$FIBOCOM_CLOUD_HUB"
  export FIBOCOM_MOSQUITTO_AZURE_DEVICE="$FIBOCOM_CLOUD_DEVICE"
  export FIBOCOM_MOSQUITTO_AZURE_CERT="$dir/azure-device.pem"
  export FIBOCOM_MOSQUITTO_AZURE_KEY="$dir/azure-device.key"
  export FIBOCOM_MOSQUITTO_THINGSBOARD="127.0.0.1:$((port + 7))"
  export FIBOCOM_MOSQUITTO_THINGSBOARD_TOKEN="$FIBOCOM_CLOUD_TOKEN"
  export FIBOCOM_MOSQUITTO_GENERIC="127.0.0.1:$((port + 8))"
  pid=$(cat "$dir/mosquitto.pid" 2>/dev/null || echo "?")
  echo "setup-mosquitto: mosquitto (pid $pid) on $FIBOCOM_MOSQUITTO, files in $dir"
  echo "setup-mosquitto: FIBOCOM_MOSQUITTO=$FIBOCOM_MOSQUITTO FIBOCOM_MOSQUITTO_RESTART=$FIBOCOM_MOSQUITTO_RESTART"
  echo "setup-mosquitto: TLS on $FIBOCOM_MOSQUITTO_TLS, client certificates required on" \
    "$FIBOCOM_MOSQUITTO_MTLS, expired certificate on $FIBOCOM_MOSQUITTO_TLS_EXPIRED, wrong name" \
    "on $FIBOCOM_MOSQUITTO_TLS_WRONG_NAME; CA $FIBOCOM_MOSQUITTO_CA"
  echo "setup-mosquitto: as AWS IoT Core on $FIBOCOM_MOSQUITTO_AWS, as Azure IoT Hub on" \
    "$FIBOCOM_MOSQUITTO_AZURE, as ThingsBoard on $FIBOCOM_MOSQUITTO_THINGSBOARD, as a hosted" \
    "broker on $FIBOCOM_MOSQUITTO_GENERIC"

  # Stop it when the shell that sourced this exits, after any exit trap already set.
  local previous
  previous=$(fibocom_mosquitto_exit_trap)
  # shellcheck disable=SC2064
  trap "fibocom_mosquitto_stop '$dir'; rm -rf '$dir'; ${previous}" EXIT
}

# Makes the test certificates in "$1" with openssl (ECDSA P-256 keys, PKCS #8 PEM): a server
# CA (ca.pem) and, signed by it, a server certificate for localhost and 127.0.0.1 (server.pem,
# server.key), an expired one (expired.pem) and one for wrong.example (wrong-name.pem) with the
# same key; a client CA (client-ca.pem) and a client certificate signed by it (client.pem,
# client.key).
fibocom_mosquitto_certs() {
  local dir=$1
  fibocom_tls_key "$dir/server.key" && fibocom_tls_key "$dir/client.key" &&
    fibocom_tls_ca "$dir" ca "fibocom-mqtt test CA" &&
    fibocom_tls_ca "$dir" client-ca "fibocom-mqtt test client CA" &&
    fibocom_tls_leaf "$dir" server.pem server.key ca 3650 localhost \
      "DNS:localhost,IP:127.0.0.1" serverAuth &&
    fibocom_tls_leaf "$dir" expired.pem server.key ca -1 localhost \
      "DNS:localhost,IP:127.0.0.1" serverAuth &&
    fibocom_tls_leaf "$dir" wrong-name.pem server.key ca 3650 wrong.example \
      "DNS:wrong.example" serverAuth &&
    fibocom_tls_leaf "$dir" client.pem client.key client-ca 3650 fibocom-device \
      "DNS:fibocom-device" clientAuth
}

# The names the cloud listeners admit.
FIBOCOM_CLOUD_THING=fibocom-thing
FIBOCOM_CLOUD_HUB=fibocom-ci.azure-devices.net
FIBOCOM_CLOUD_DEVICE=fibocom-azure
FIBOCOM_CLOUD_TOKEN=A1fibocomCiToken

# Makes in "$1" what the cloud listeners use: a server certificate that also names the Azure
# hub (cloud.pem, key server.key), the AWS thing's and the Azure device's certificates signed
# by the client CA (CN = thing name, device id), and an ACL file per cloud.
fibocom_mosquitto_clouds() {
  local dir=$1
  fibocom_tls_leaf "$dir" cloud.pem server.key ca 3650 localhost \
    "DNS:localhost,IP:127.0.0.1,DNS:$FIBOCOM_CLOUD_HUB" serverAuth &&
    fibocom_tls_key "$dir/aws-thing.key" && fibocom_tls_key "$dir/azure-device.key" &&
    fibocom_tls_leaf "$dir" aws-thing.pem aws-thing.key client-ca 3650 "$FIBOCOM_CLOUD_THING" \
      "DNS:$FIBOCOM_CLOUD_THING" clientAuth &&
    fibocom_tls_leaf "$dir" azure-device.pem azure-device.key client-ca 3650 \
      "$FIBOCOM_CLOUD_DEVICE" "DNS:$FIBOCOM_CLOUD_DEVICE" clientAuth || return 1
  printf '%s\n' "user $FIBOCOM_CLOUD_THING" "topic readwrite dt/$FIBOCOM_CLOUD_THING/#" \
    "topic readwrite cmd/$FIBOCOM_CLOUD_THING/#" >"$dir/acl-aws"
  printf '%s\n' "user $FIBOCOM_CLOUD_HUB/$FIBOCOM_CLOUD_DEVICE/?api-version=2021-04-12" \
    "topic write devices/$FIBOCOM_CLOUD_DEVICE/messages/events/#" \
    "topic read devices/$FIBOCOM_CLOUD_DEVICE/messages/devicebound/#" >"$dir/acl-azure"
  printf '%s\n' "user $FIBOCOM_CLOUD_TOKEN" "topic readwrite v1/devices/me/#" \
    >"$dir/acl-thingsboard"
}

# fibocom_tls_key PATH: a new P-256 private key.
fibocom_tls_key() {
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# fibocom_tls_ca DIR NAME CN: a self-signed CA, DIR/NAME.pem and DIR/NAME.key.
fibocom_tls_ca() {
  fibocom_tls_key "$1/$2.key" &&
    openssl req -x509 -new -key "$1/$2.key" -out "$1/$2.pem" -days 3650 -subj "/CN=$3" \
      -addext "basicConstraints=critical,CA:TRUE" \
      -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# fibocom_tls_leaf DIR OUT KEY CA DAYS CN SAN USAGE: a certificate for DIR/KEY signed by the CA
# DIR/CA.pem, valid from now for DAYS days (-1: expired yesterday).
fibocom_tls_leaf() {
  local dir=$1
  printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature" \
    "extendedKeyUsage=$8" "subjectAltName=$7" >"$dir/ext.cnf"
  openssl req -new -key "$dir/$3" -subj "/CN=$6" -out "$dir/req.csr" 2>/dev/null &&
    openssl x509 -req -in "$dir/req.csr" -CA "$dir/$4.pem" -CAkey "$dir/$4.key" \
      -CAcreateserial -days "$5" -extfile "$dir/ext.cnf" -out "$dir/$2" 2>/dev/null
  local status=$?
  rm -f "$dir/req.csr" "$dir/ext.cnf"
  return $status
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
