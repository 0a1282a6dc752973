# The flags of the size-optimised rv32imc image (sourced by size.sh and build-rv32.sh OPT=-Os), so
# the image whose flash size the module-budget test holds is the one the -Os replay runs:
#  -msave-restore  register saves and restores as calls to shared routines (smaller prologues);
#  -mtune=size     gcc's cost model for size on RISC-V;
#  -flto           the translation, the shell and the board glue optimised as one program: the
#                  board's small import functions inline into the firmware's calls (≈ 1.8 KB).
# rv32/libgcc-small.c is compiled without -flto: it defines libgcc's own helpers, which calls
# gcc emits after link-time optimisation must find as ordinary objects.
RV32_OS_FLAGS="-Os -msave-restore -mtune=size -flto=auto"
RV32_OS_LIBGCC_FLAGS="-Os -msave-restore -mtune=size"
