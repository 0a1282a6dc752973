/*
 * Check of wasm-rt-fixed.h's f64 rounding (test/host/native-rv32.test.ts): a hash of floor,
 * ceil and trunc over edge values and 300 000 pseudo-random doubles of every magnitude. Built
 * twice: for RV32 with the shell's bit-level functions, and for the host with -DREFERENCE, where
 * glibc's floor/ceil/trunc are the reference. The two hashes must be equal.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "wasm-rt-fixed.h"

#ifdef REFERENCE
#define FLOOR floor
#define CEIL ceil
#define TRUNC trunc
#else
#define FLOOR(x) SHELL_FLOOR(x)
#define CEIL(x) SHELL_CEIL(x)
#define TRUNC(x) SHELL_TRUNC(x)
void _exit(int status) {
  *(volatile uint32_t*)0x100000 = status == 0 ? 0x5555u : ((uint32_t)(status & 0xffff) << 16) | 0x3333u;
  for (;;) {
  }
}
#endif

uint8_t shell_linear_memory[1] __attribute__((aligned(16))); /* wasm-rt-fixed.h declares it; unused here */

static uint64_t state = 88172645463325252ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static uint64_t bits(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}
static uint64_t hash;
static void mix(double x) {
  volatile double v = x;
  hash = (hash ^ bits(FLOOR(v))) * 1099511628211ull;
  hash = (hash ^ bits(CEIL(v))) * 1099511628211ull;
  hash = (hash ^ bits(TRUNC(v))) * 1099511628211ull;
}

int main(void) {
  static const double edges[] = {0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.5, -2.5, 0.999999999, -0.999999999,
                                 4503599627370495.5, -4503599627370495.5, 4503599627370496.0, 9007199254740993.0,
                                 2147483647.5, 2147483648.5, -2147483648.5, 2103780863.048, 1536248250367.03, 1e300, -1e-300,
                                 INFINITY, -INFINITY};
  hash = 14695981039346656037ull;
  for (unsigned i = 0; i < sizeof edges / sizeof edges[0]; i++) mix(edges[i]);
  for (int i = 0; i < 300000; i++) {
    uint64_t u = next();
    /* exponents around the binary point (where rounding matters), any sign and fraction */
    const uint64_t exponent = 1023 - 4 + (next() % 64);
    u = (u & 0x800fffffffffffffull) | (exponent << 52);
    double x;
    memcpy(&x, &u, sizeof x);
    mix(x);
  }
  printf("%016llx\n", (unsigned long long)hash);
  return 0;
}
