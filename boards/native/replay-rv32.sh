#!/bin/sh
# npm run replay:rv32 -- RECORDING [--cost FILE]: replays a recording (activemeter sim --record) on
# an RV32IMC core under QEMU (the virt machine, no atomics: the ESP32-C3's instruction set) and
# prints exactly what build/native/activemeter-native replay RECORDING prints, with its exit status
# (0 identical, 1 diverged, 2 bad recording, 3 firmware panic or trap; 4 a CPU exception on the
# RV32 core; 124 QEMU ran longer than RV32_TIMEOUT_S, default 900 s). --cost FILE writes the
# instructions each export took (instret; QEMU -icount shift=0). OPT=-Os replays the -Os build.
set -eu
cd "$(dirname "$0")/../.."
usage() { echo "usage: npm run replay:rv32 -- RECORDING [--cost FILE]" >&2; exit 2; }
[ $# -ge 1 ] || usage
rec=$1
shift
cost=""
while [ $# -gt 0 ]; do
  case $1 in
    --cost) [ $# -ge 2 ] || usage; cost=$2; shift 2 ;;
    *) usage ;;
  esac
done
command -v qemu-system-riscv32 >/dev/null 2>&1 || { echo "replay:rv32: qemu-system-riscv32 not found: apt-get install -y qemu-system-misc" >&2; exit 127; }
elf=$(sh boards/native/build-rv32.sh)
[ -r "$rec" ] || { echo "activemeter-native: cannot open $rec" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
abs() { case $1 in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
# QEMU option values: a comma is written as two.
arg() { printf ',arg=%s' "$(printf '%s' "$1" | sed 's/,/,,/g')"; }
args="$(arg activemeter-native)$(arg replay)$(arg "$(abs "$rec")")$(arg --report)$(arg "$tmp/report.json")"
[ -z "$cost" ] || args="$args$(arg --cost)$(arg "$(abs "$cost")")"
status=0
# Counting needs -icount shift=0 (instret = retired instructions); without it QEMU runs ~25 % faster.
icount=""
[ -z "$cost" ] || icount="-icount shift=0"
timeout "${RV32_TIMEOUT_S:-900}" qemu-system-riscv32 -M virt -cpu rv32,a=false -m 128M -bios none -display none -serial none -monitor none \
  -kernel "$elf" $icount -semihosting-config "enable=on,target=native$args" || status=$?
[ -f "$tmp/report.json" ] && cat "$tmp/report.json"
exit $status
