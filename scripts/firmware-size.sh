#!/usr/bin/env bash
# Flash and RAM of the firmware examples, and how much of their code the driver accounts for.
#
# The reference is the QEMU firmware (examples/firmware-qemu, Cortex-M4, thumbv7em-none-eabihf)
# at opt-level "z" (profile release) and "s" (profile release-s); the Raspberry Pi Pico firmware
# (examples/firmware-rp-pico, Cortex-M0+, thumbv6m-none-eabi, opt-level "z") follows. The
# driver's share of .text is measured three ways:
#
#  - by symbol (cargo-bloat --crates): functions whose symbols belong to fibocom_mqtt and nom.
#    Driver code inlined into a caller of another crate (the embassy task that polls the
#    application's future, for one) is not counted: a lower bound.
#  - by source line (the DWARF line table, llvm-objdump -l): every instruction counted for the
#    file it was compiled from, so inlined driver code counts as the driver's.
#  - library code inside driver functions: core and compiler-builtins code (slice and Option
#    helpers, copies) inlined into functions whose symbols belong to fibocom_mqtt or nom; the
#    line count leaves it to the library, though the driver brought it in.
#
# Then what the session layer adds to a firmware that uses it (the QEMU firmware with its
# feature `session`, against the reference build).
#
# Then the QEMU firmware's TLS variant (its `tls` feature: provision_tls with a CA and
# open_tls), at opt-level "z": its driver .text, and what TLS adds to the reference's. The CA it
# includes is made with openssl here (without openssl, it is built without one: no TRUSTFILE
# upload, so the figure is then a little low, and says so).
#
# Installs what it needs: the targets, llvm-tools (llvm-size, llvm-objdump) and cargo-bloat.
#
#   scripts/firmware-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# The driver's budget (README, docs/sizes.md): 12 KiB of .text by source line on the reference.
budget=12288

rustup target add thumbv7em-none-eabihf thumbv6m-none-eabi >/dev/null 2>&1 || true
rustup component add llvm-tools >/dev/null 2>&1
command -v cargo-bloat >/dev/null 2>&1 || cargo install cargo-bloat --locked
host=$(rustc -vV | sed -n 's/^host: //p')
tools="$(rustc --print sysroot)/lib/rustlib/$host/bin"

# Bytes of .text per group of source files, from the disassembly with line information; the
# group "library code inside driver functions" is counted apart from the others.
by_source() { # ELF, firmware directory
  "$tools/llvm-objdump" -d -l --section=.text "$1" | awk -v root="$root" -v fw="$root/$2" '
    /^[0-9a-f]+ <.*>:$/ { driver_fn = ($0 ~ /fibocom_mqtt|nom[0-9.]*[.:]|[0-9]nom[0-9]/); file = ""; next }
    /^; \/.*:[0-9]+$/ { file = substr($0, 3); sub(/:[0-9]+$/, "", file); next }
    /^ *[0-9a-f]+: / {
      split($0, parts, "\t"); bytes = parts[1]; sub(/^ *[0-9a-f]+:/, "", bytes)
      n = 0; count = split(bytes, hex, " ")
      for (i = 1; i <= count; i++) n += length(hex[i]) / 2
      if (file == "") group = "(no line information)"
      else if (index(file, root "/src/") == 1) group = "fibocom-mqtt src/" substr(file, length(root "/src/") + 1)
      else if (file ~ /\/nom-[0-9.]+\//) group = "nom"
      else if (file ~ /\/library\//) {
        group = "core, compiler-builtins"
        if (driver_fn) size["library code inside driver functions"] += n
      }
      else if (index(file, fw "/") == 1) group = "firmware"
      else { group = file; sub(/.*\/registry\/src\/[^\/]+\//, "", group); sub(/\/.*/, "", group) }
      size[group] += n
    }
    END { for (g in size) printf "%d\t%s\n", size[g], g }' | sort -rn
}

bloat_crate() { # cargo bloat --crates JSON, crate name -> bytes
  grep -o "\"name\":\"$2\",\"size\":[0-9]*" <<<"$1" | grep -o '[0-9]*$' || echo 0
}

last_total=0
measure() { # firmware directory, target, profile, opt-level, detail (yes/no), [features]
  local fw=$1 target=$2 profile=$3 level=$4 detail=$5 features=${6:-} bin elf json own nom lines src nomsrc lib total verdict
  local feat=()
  [ -z "$features" ] || feat=(--features "$features")
  bin=$(basename "$fw")
  (cd "$fw" && cargo build --quiet --profile "$profile" "${feat[@]}")
  elf="$fw/target/$target/$profile/$bin"
  echo
  echo "=== $fw, $target, opt-level \"$level\" (cargo build --profile $profile${features:+ --features $features})"
  "$tools/llvm-size" -A "$elf" |
    awk '$1 ~ /^\.(vector_table|boot2|text|rodata|data|bss|uninit)$/ { printf "  %-14s %7d bytes\n", $1, $2 }'

  json=$(cd "$fw" && cargo bloat --profile "$profile" "${feat[@]}" --crates -n 0 --message-format json 2>/dev/null)
  own=$(bloat_crate "$json" fibocom_mqtt)
  nom=$(bloat_crate "$json" nom)
  lines=$(by_source "$elf" "$fw")
  src=$(awk -F'\t' '$2 ~ /^fibocom-mqtt / { s += $1 } END { print s + 0 }' <<<"$lines")
  nomsrc=$(awk -F'\t' '$2 == "nom" { s += $1 } END { print s + 0 }' <<<"$lines")
  lib=$(awk -F'\t' '$2 == "library code inside driver functions" { s += $1 } END { print s + 0 }' <<<"$lines")
  total=$((src + nomsrc))
  last_total=$total
  echo "  driver .text by symbol (cargo bloat --crates):  fibocom_mqtt $own + nom $nom = $((own + nom)) bytes"
  echo "  driver .text by source line (DWARF):            fibocom-mqtt $src + nom $nomsrc = $total bytes"
  echo "  library code inside driver functions:           $lib bytes (with it: $((total + lib)) bytes)"
  if [ "$total" -le "$budget" ]; then verdict="within"; else verdict="OVER"; fi
  echo "  budget $budget bytes of .text: $verdict (by source line)"
  [ "$detail" = yes ] || return 0
  echo "  .text by source (library code inside driver functions included in its library):"
  awk -F'\t' '$2 !~ /^fibocom-mqtt / && $2 != "library code inside driver functions" { printf "    %7d  %s\n", $1, $2 }' <<<"$lines"
  echo "  driver .text by source file:"
  awk -F'\t' '$2 ~ /^fibocom-mqtt / { sub(/^fibocom-mqtt /, "", $2); printf "    %7d  %s\n", $1, $2 }' <<<"$lines"
  echo "  largest driver functions (cargo bloat --filter fibocom_mqtt):"
  (cd "$fw" && cargo bloat --profile "$profile" "${feat[@]}" --filter fibocom_mqtt -n 15 --no-relative-size 2>/dev/null) |
    sed -n '/^ *Size/,$p' | sed 's/^/    /'
  echo "  largest functions (cargo bloat):"
  (cd "$fw" && cargo bloat --profile "$profile" "${feat[@]}" -n 8 --no-relative-size 2>/dev/null) |
    sed -n '/^ *Size/,$p' | sed 's/^/    /'
}

section_sizes() { # ELF -> "text rodata data bss" in bytes
  "$tools/llvm-size" -A "$1" | awk '
    $1 == ".text" { t = $2 } $1 == ".rodata" { r = $2 } $1 == ".data" { d = $2 } $1 == ".bss" { b = $2 }
    END { printf "%d %d %d %d\n", t, r, d, b }'
}

# What the session layer adds to a firmware that uses it: the QEMU firmware built with its
# feature `session` (the same run, kept up by the session) against the reference build.
session_cost() {
  local fw=examples/firmware-qemu bin=firmware-qemu ref with lines src
  (cd "$fw" && cargo build --quiet --release --features session --target-dir target/session)
  ref=$(section_sizes "$fw/target/thumbv7em-none-eabihf/release/$bin")
  with=$(section_sizes "$fw/target/session/thumbv7em-none-eabihf/release/$bin")
  echo
  echo "=== the session layer: $fw with --features session, against the reference (opt-level \"z\")"
  read -r t0 r0 d0 b0 <<<"$ref"
  read -r t1 r1 d1 b1 <<<"$with"
  printf '  %-8s %7s %7s %7s\n' section reference session added
  printf '  %-8s %7d %7d %+7d\n' .text "$t0" "$t1" $((t1 - t0)) .rodata "$r0" "$r1" $((r1 - r0)) \
    .data "$d0" "$d1" $((d1 - d0)) .bss "$b0" "$b1" $((b1 - b0))
  echo "  flash added (.text + .rodata + .data): $(((t1 + r1 + d1) - (t0 + r0 + d0))) bytes;" \
    "static RAM added (.data + .bss): $(((d1 + b1) - (d0 + b0))) bytes"
  lines=$(by_source "$fw/target/session/thumbv7em-none-eabihf/release/$bin" "$fw")
  src=$(awk -F'\t' '$2 ~ /^fibocom-mqtt src\/session\// { s += $1 } END { print s + 0 }' <<<"$lines")
  echo "  .text of src/session/ by source line: $src bytes"
  awk -F'\t' '$2 ~ /^fibocom-mqtt src\/session\// { sub(/^fibocom-mqtt /, "", $2); printf "    %7d  %s\n", $1, $2 }' <<<"$lines"
}

measure examples/firmware-qemu thumbv7em-none-eabihf release z yes
reference=$last_total
measure examples/firmware-qemu thumbv7em-none-eabihf release-s s yes
session_cost
measure examples/firmware-rp-pico thumbv6m-none-eabi release z no

# The TLS variant, with a CA made here (a throwaway: only its size matters).
ca_dir=$(mktemp -d)
trap 'rm -rf "$ca_dir"' EXIT
ca_note="with a CA of its own"
if command -v openssl >/dev/null 2>&1 &&
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$ca_dir/ca.key" \
    -out "$ca_dir/ca.pem" -days 1 -subj "/CN=firmware-size CA" >/dev/null 2>&1; then
  export FIBOCOM_FW_TLS_CA="$ca_dir/ca.pem"
else
  unset FIBOCOM_FW_TLS_CA
  ca_note="WITHOUT a CA (no openssl): no TRUSTFILE upload, the figure is a little low"
fi
measure examples/firmware-qemu thumbv7em-none-eabihf release z yes tls
echo "  TLS ($ca_note): driver .text $last_total bytes by source line, $((last_total - reference)) more than the reference firmware's $reference"
# Leave the reference build in place for whoever runs cargo next in the firmware's directory.
unset FIBOCOM_FW_TLS_CA
(cd examples/firmware-qemu && cargo build --quiet --release)
