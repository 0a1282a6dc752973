#!/bin/sh
# The replay tool for RV32IMC (the ESP32-C3's instruction set): the board shell and the wasm2c
# translation compiled with Debian's riscv64-unknown-elf-gcc and picolibc (rv32im multilib,
# semihosting), counting instructions with instret. Output: build/native/rv32/activemeter-native$OPT.elf
# (OPT=-O2 by default; -Os for the size-optimised build). Rebuilds only what is older than its inputs.
set -eu
cd "$(dirname "$0")/../.."
src=boards/native
out=build/native/rv32
opt=${OPT:--O2}
cross=${CROSS:-riscv64-unknown-elf-}
command -v "${cross}gcc" >/dev/null 2>&1 || { echo "build-rv32: ${cross}gcc not found: apt-get install -y gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf" >&2; exit 127; }
sh "$src/build.sh" >/dev/null   # the translation (build/native/firmware.c) and the generated glue
mkdir -p "$out"
elf="$out/activemeter-native$opt.elf"
stale=0
[ -f "$elf" ] || stale=1
for f in build/native/firmware.c build/native/fw-exports.c "$src"/*.c "$src"/*.h "$src"/rv32/*.c "$src/build-rv32.sh" build/native/depth.flags; do
  [ "$f" -nt "$elf" ] && stale=1
done
[ "$stale" = 1 ] || { echo "$elf"; exit 0; }
arch="-march=rv32imc -mabi=ilp32"
defs="-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=0 -DNDEBUG $(cat build/native/depth.flags) -DSHELL_COUNT_INSTRET=1 -DREPLAY_NO_MAIN"
# Report buffers for the target's RAM (the replay keeps every frame and the console transcript).
defs="$defs -DREPLAY_FRAMES_HEX_BYTES=0x800000 -DREPLAY_CONSOLE_BYTES=0x200000"
# OPT=-Os: the size-optimised image's flags (rv32/os-flags.sh), the one size.sh measures.
. "$src/rv32/os-flags.sh"
cflags=$opt
case $opt in -Os) cflags=$RV32_OS_FLAGS ;; esac
flags="$arch $cflags -fno-strict-aliasing -ffunction-sections -fdata-sections --specs=picolibc.specs --oslib=semihost $defs -Ibuild/native -I$src"
${cross}gcc $flags -w -c build/native/firmware.c -o "$out/firmware$opt.o"
# -Os: libgcc's helpers that repeat another's algorithm, as a call to that one (rv32/libgcc-small.c)
small=""
case $opt in -Os*) small="$src/rv32/libgcc-small.c" ;; esac
objs=""
for c in build/native/fw-exports.c "$src/shell.c" "$src/wasm-rt-min.c" "$src/replay.c" "$src/replay-json.c" "$src/replay-cost.c" "$src/rv32/virt.c" $small; do
  f=$flags
  [ "$c" = "$src/rv32/libgcc-small.c" ] && f=$(echo "$flags" | sed "s/$cflags/$RV32_OS_LIBGCC_FLAGS/")
  ${cross}gcc $f -Wall -Wextra -Wno-format-truncation -c "$c" -o "$out/$(basename "$c" .c)$opt.o"
  objs="$objs $out/$(basename "$c" .c)$opt.o"
done
# virt: RAM at 0x80000000 (QEMU -m 128M); code first, then data, bss and a 256 KiB stack.
${cross}gcc $arch $cflags --specs=picolibc.specs --oslib=semihost --crt0=semihost -Wl,--gc-sections \
  -Wl,--defsym=__flash=0x80000000 -Wl,--defsym=__flash_size=0x00400000 \
  -Wl,--defsym=__ram=0x80400000 -Wl,--defsym=__ram_size=0x07c00000 -Wl,--defsym=__stack_size=0x40000 \
  "$out/firmware$opt.o" $objs -o "$elf"
echo "$elf"
