# shellcheck shell=bash
# Sourced by .ci/run before the tests: installs qemu-system-arm for tests/firmware_qemu.rs and
# exports
#
#   FIBOCOM_QEMU   1: that test builds examples/firmware-qemu, boots it under QEMU against the
#                  module simulator and checks its MQTT traffic (unset: the test skips).
#
# Being sourced, this file only installs and exports; it never exits. If QEMU cannot be
# installed, FIBOCOM_QEMU is still exported, so that the test fails instead of skipping.
#
# By hand:  source .ci/setup-qemu.sh && cargo test --test firmware_qemu -- --nocapture

if ! command -v qemu-system-arm >/dev/null 2>&1; then
  apt-get update -qq || echo "setup-qemu: apt-get update failed" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-arm >/dev/null ||
    echo "setup-qemu: apt-get install qemu-system-arm failed" >&2
fi
export FIBOCOM_QEMU=1
