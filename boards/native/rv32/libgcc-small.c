/*
 * Smaller stand-ins for three libgcc helpers of the rv32imc -Os build (issue 18): libgcc carries a
 * full copy of __udivdi3's algorithm in each of __divdi3, __moddi3 and __umoddi3 (1.1 KB each).
 * Here each is a few instructions around the one copy kept, with the same results bit for bit:
 *  - signed division is unsigned division of the magnitudes with the sign applied (C truncation);
 *  - a % b = a − (a / b)·b, which is how C defines %.
 * Division by zero and INT64_MIN / −1 never get here: the translation traps or answers them first
 * (wasm semantics). The module has no f64 (test/host/module-budget.test.ts holds that), so the
 * f64 stand-ins kept here before (__subdf3, the comparisons) went with the soft-float library.
 * Linked only into the -Os builds (size.sh, build-rv32.sh with OPT=-Os): the -O2 builds keep
 * libgcc's faster ones. rv32/libgcc-check.c holds them to the host's results.
 */
#include <stdint.h>

#if defined(__riscv) && __riscv_xlen == 32

uint64_t __udivdi3(uint64_t a, uint64_t b);

int64_t __divdi3(int64_t a, int64_t b) {
  const uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
  const uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
  const uint64_t q = __udivdi3(ua, ub);
  return (int64_t)((a < 0) != (b < 0) ? -q : q);
}

uint64_t __umoddi3(uint64_t a, uint64_t b) { return a - __udivdi3(a, b) * b; }

int64_t __moddi3(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)__divdi3(a, b) * (uint64_t)b); }

#endif
