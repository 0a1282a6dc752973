#!/bin/sh
# npm run size:native: cross-compile the board shell and the wasm2c translation of the firmware for
# the ESP32-C3's instruction set (rv32imc, ilp32) with Debian's gcc-riscv64-unknown-elf and
# picolibc, and report flash (.text + .rodata) and RAM (.data + .bss) with the toolchain's size.
set -eu
cd "$(dirname "$0")/../.."
out=build/native/rv32imc
src=boards/native
cross=${CROSS:-riscv64-unknown-elf-}
command -v "${cross}gcc" >/dev/null 2>&1 || { echo "size:native: ${cross}gcc not found: apt-get install -y gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" >&2; exit 127; }
sh "$src/build.sh" >/dev/null   # the translation (build/native/firmware.c) and the generated glue
mkdir -p "$out"

. "$src/rv32/os-flags.sh"   # RV32_OS_FLAGS: the -Os image's flags, the same as build-rv32.sh OPT=-Os
arch="-march=rv32imc -mabi=ilp32"
defs="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DNDEBUG $(cat build/native/depth.flags)"
report() { # label opt
  label=$1 opt=$2
  flags="$arch $opt -fno-strict-aliasing -ffunction-sections -fdata-sections --specs=picolibc.specs $defs -Ibuild/native -I$src"
  ${cross}gcc $flags -w -c build/native/firmware.c -o "$out/firmware$label.o"
  ${cross}gcc $flags -Wall -c build/native/fw-exports.c -o "$out/fw-exports$label.o"
  ${cross}gcc $flags -Wall -c "$src/shell.c" -o "$out/shell$label.o"
  ${cross}gcc $flags -Wall -c "$src/wasm-rt-min.c" -o "$out/wasm-rt-min$label.o"
  ${cross}gcc $flags -Wall -c "$src/size/main.c" -o "$out/main$label.o"
  small=""   # -Os: libgcc's helpers that repeat another's algorithm, as a call to that one (rv32/libgcc-small.c)
  case $opt in -Os*) ${cross}gcc $(echo "$flags" | sed "s/$opt/$RV32_OS_LIBGCC_FLAGS/") -Wall -c "$src/rv32/libgcc-small.c" -o "$out/libgcc-small$label.o"; small="$out/libgcc-small$label.o" ;; esac
  ${cross}gcc $arch $opt --specs=picolibc.specs --crt0=minimal -Wl,--gc-sections -Wl,--defsym=__flash=0x42000000 \
    -Wl,--defsym=__flash_size=0x400000 -Wl,--defsym=__ram=0x3fc80000 -Wl,--defsym=__ram_size=0x50000 -Wl,--defsym=__stack_size=0x2000 \
    "$out/main$label.o" "$out/firmware$label.o" "$out/fw-exports$label.o" "$out/shell$label.o" "$out/wasm-rt-min$label.o" $small \
    -o "$out/activemeter$label.elf"
  files="$out/firmware$label.o $out/shell$label.o $out/wasm-rt-min$label.o"
  case $opt in *-flto*) files="" ;; esac   # link-time optimised objects hold no code of their own
  for f in $files "$out/activemeter$label.elf"; do
    # size -A: per-section sizes; sum .text*/.rodata*/.srodata* (flash) and .data*/.sdata*/.bss*/.sbss* (RAM)
    ${cross}size -A "$f" | awk -v f="$f" -v opt="$opt" '
      $1 ~ /^\.(text|rodata|srodata|init|fini)/ { flash += $2 }
      $1 ~ /^\.(data|sdata|tdata|bss|sbss|tbss)/ { ram += $2 }
      END { printf "{\"file\":\"%s\",\"opt\":\"%s\",\"flash_bytes\":%d,\"ram_bytes\":%d}\n", f, opt, flash, ram }'
  done
}
# size.sh [-Os|-O2]: one build only (the module-budget test needs -Os).
case ${1:-all} in
  -Os) report -Os "$RV32_OS_FLAGS" ;;
  -O2) report -O2 -O2 ;;
  all) report -Os "$RV32_OS_FLAGS"; report -O2 -O2 ;;
  *) echo "usage: size.sh [-Os|-O2]" >&2; exit 2 ;;
esac
echo "berkeley size of the linked probes:" >&2
for elf in "$out/activemeter-Os.elf" "$out/activemeter-O2.elf"; do [ -f "$elf" ] && ${cross}size "$elf" >&2; done
true
