/*
 * Smaller stand-ins for five libgcc helpers of the rv32imc build (issue 18: the -Os image must fit
 * 64 KiB of flash). libgcc carries a full copy of its algorithm in each of them: __subdf3 is
 * __adddf3 again (2.1 KB), __divdi3/__moddi3/__umoddi3 are __udivdi3 again (1.1 KB each), and the
 * f64 comparisons come in three copies. Here each is a few instructions around the one copy kept
 * (__adddf3, __udivdi3, __ledf2), with the same results bit for bit:
 *  - a − b = a + (−b) exactly in IEEE 754 (the sign flip is exact, the one rounding the same);
 *  - signed division is unsigned division of the magnitudes with the sign applied (C truncation);
 *  - a % b = a − (a / b)·b, which is how C defines %;
 *  - __gedf2(a, b) = −__ledf2(b, a) and __eqdf2 = __nedf2 = __ledf2 for the tests gcc makes of
 *    them (unordered: ledf2 gives +1, so ge gives −1; equality only when ledf2 gives 0).
 * Division by zero and INT64_MIN / −1 never get here: the translation traps or answers them first
 * (wasm semantics). Linked only into the -Os builds (size.sh, build-rv32.sh with OPT=-Os): the -O2
 * builds keep libgcc's faster ones. rv32/libgcc-check.c holds them to the host's results.
 */
#include <stdint.h>

#if defined(__riscv) && __riscv_xlen == 32

uint64_t __udivdi3(uint64_t a, uint64_t b);
int __ledf2(double a, double b);
double __adddf3(double a, double b);

static double negate(double x) {
  union { double d; uint64_t u; } v = {x};
  v.u ^= 1ull << 63;
  return v.d;
}

double __subdf3(double a, double b) { return __adddf3(a, negate(b)); }

int64_t __divdi3(int64_t a, int64_t b) {
  const uint64_t ua = a < 0 ? -(uint64_t)a : (uint64_t)a;
  const uint64_t ub = b < 0 ? -(uint64_t)b : (uint64_t)b;
  const uint64_t q = __udivdi3(ua, ub);
  return (int64_t)((a < 0) != (b < 0) ? -q : q);
}

uint64_t __umoddi3(uint64_t a, uint64_t b) { return a - __udivdi3(a, b) * b; }

int64_t __moddi3(int64_t a, int64_t b) { return (int64_t)((uint64_t)a - (uint64_t)__divdi3(a, b) * (uint64_t)b); }

int __gedf2(double a, double b) { return -__ledf2(b, a); }
int __gtdf2(double a, double b) { return -__ledf2(b, a); }
int __eqdf2(double a, double b) { return __ledf2(a, b); }
int __nedf2(double a, double b) { return __ledf2(a, b); }

#endif
