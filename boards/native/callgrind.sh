#!/bin/sh
# npm run bench:native: instructions per channel-sample of the CT path, counted by valgrind's
# callgrind (deterministic) on the host build of the native shell. Records boards/native/bench/
# ct-bench.json through the twin, replays it natively under callgrind, and divides the inclusive
# instruction count of fw_adc_block (everything the firmware does per DMA block: per-sample sums
# and the per-cycle work they trigger) by the number of channel-samples it was given.
set -eu
cd "$(dirname "$0")/../.."
command -v valgrind >/dev/null 2>&1 || { echo "bench:native: valgrind not found: apt-get install -y valgrind" >&2; exit 127; }
out=build/native/bench
mkdir -p "$out"
sh boards/native/build.sh >/dev/null
node bin/activemeter.js sim --scenario boards/native/bench/ct-bench.json --json --record "$out/ct-bench.rec" > "$out/ct-bench.twin.json"
valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out" build/native/activemeter-native replay "$out/ct-bench.rec" \
  > "$out/ct-bench.native.json" 2> "$out/callgrind.log"
cmp -s "$out/ct-bench.twin.json" "$out/ct-bench.native.json" || { echo "bench:native: native report differs from the twin's" >&2; exit 1; }
ir() { # inclusive Ir of a function
  callgrind_annotate --inclusive=yes "$out/callgrind.out" 2>/dev/null | awk -v f=":$1 " 'index($0, f) { gsub(",", "", $1); print $1; exit }'
}
adc=$(ir Z_firmwareZ_fw_adc_block)
tick=$(ir Z_firmwareZ_fw_tick)
# channel-samples: frames of every fw_adc_block call x ADC columns (bytes written / 2 / frames)
awk -v adc="$adc" -v tick="$tick" '
  /^write / { bytes = length($3) / 2 }
  /^call fw_adc_block / { frames += $3; samples += bytes / 2; calls++; columns = bytes / 2 / $3 }
  END {
    printf "{\"scenario\":\"boards/native/bench/ct-bench.json\",\"adc_blocks\":%d,\"frames\":%d,\"columns\":%d,\"channel_samples\":%d,", calls, frames, columns, samples
    printf "\"fw_adc_block_ir\":%d,\"ir_per_channel_sample\":%.1f,\"fw_tick_ir_incl_board\":%d}\n", adc, adc / samples, tick
  }' "$out/ct-bench.rec"
