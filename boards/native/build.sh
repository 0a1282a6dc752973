#!/bin/sh
# npm run build:native: translate build/firmware.wasm with wasm2c and build the host board shell
# build/native/activemeter-native with gcc. Rebuilds only what is older than its inputs.
set -eu
cd "$(dirname "$0")/../.."
out=build/native
src=boards/native
wasm=build/firmware.wasm

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "build:native: '$1' not found: apt-get install -y $2" >&2; exit 127; }
}
need wasm2c wabt
need "${CC:-gcc}" gcc
[ -f "$wasm" ] || { echo "build:native: $wasm is missing (run npm run build)" >&2; exit 1; }
# wasm2c's runtime header, from the wabt package (Debian: /usr/include/wasm-rt.h)
rt_header=""
for d in /usr/include /usr/src/wasm2c /usr/local/include "$(dirname "$(command -v wasm2c)")/../include"; do
  [ -f "$d/wasm-rt.h" ] && { rt_header="$d/wasm-rt.h"; break; }
done
[ -n "$rt_header" ] || { echo "build:native: wasm-rt.h not found (apt-get install -y wabt)" >&2; exit 1; }

mkdir -p "$out"
if [ ! -f "$out/firmware.c" ] || [ "$wasm" -nt "$out/firmware.c" ] || [ "$src/gen-glue.mjs" -nt "$out/fw-exports.c" ] || [ "$src/fixed-memory.mjs" -nt "$out/firmware.c" ] || [ "$src/single-instance.mjs" -nt "$out/firmware.c" ] || [ "$src/call-depth.mjs" -nt "$out/firmware.c" ] || [ ! -f "$out/wasm-rt.h" ]; then
  wasm2c "$wasm" -n firmware -o "$out/firmware.c"
  node "$src/fixed-memory.mjs" "$out/firmware.c"   # bounds checks against the fixed 64 KiB memory
  node "$src/single-instance.mjs" "$out/firmware.c" # the shells' one instance, not a parameter of every function
  cp "$rt_header" "$out/wasm-rt.h"
  node "$src/gen-glue.mjs" "$wasm" "$out/firmware.h" "$out"
  node "$src/call-depth.mjs" "$wasm" "$out/depth.flags" 2>/dev/null
fi
# Board descriptors as C headers, for shells on chips (boards/esp-idf/)
node "$src/gen-descriptors.mjs" "$out/boards"

exe="$out/activemeter-native"
stale=0
[ -f "$exe" ] || stale=1
for f in "$out/firmware.c" "$out/fw-exports.c" "$out/depth.flags" "$src"/*.c "$src"/*.h "$src/build.sh"; do
  [ "$f" -nt "$exe" ] && stale=1
done
if [ "$stale" = 1 ]; then
  # Explicit bounds checks (no signal handler, no guard pages).
  # depth.flags: without the call-depth counter when the call graph is bounded (call-depth.mjs).
  defs="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DNDEBUG $(cat "$out/depth.flags")"
  # The translation is generated code: its warnings are wabt's, not ours.
  ${CC:-gcc} -std=c11 -O2 -fno-strict-aliasing -w $defs -I"$out" -I"$src" -c "$out/firmware.c" -o "$out/firmware.o"
  ${CC:-gcc} -std=c11 -D_POSIX_C_SOURCE=200809L -O2 -g -Wall -Wextra -Wno-format-truncation $defs -I"$out" -I"$src" \
    "$out/firmware.o" "$out/fw-exports.c" "$src/shell.c" "$src/wasm-rt-min.c" "$src/replay.c" "$src/replay-json.c" -lm -o "$exe"
fi
echo "$exe"
