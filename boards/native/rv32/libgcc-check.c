/*
 * Check of rv32/libgcc-small.c (test/host/native-rv32.test.ts): a hash of i64/u64 division and
 * remainder over edge values and 200 000 pseudo-random operands of every magnitude. Built for RV32
 * at -Os with libgcc-small.c (the helpers the -Os image links), and for the host with -DREFERENCE
 * (the host's own arithmetic). The hashes must be equal.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef REFERENCE
void _exit(int status) {
  *(volatile uint32_t*)0x100000 = status == 0 ? 0x5555u : ((uint32_t)(status & 0xffff) << 16) | 0x3333u;
  for (;;) {
  }
}
#endif

static uint64_t state = 88172645463325252ull;
static uint64_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}
static uint64_t hash = 14695981039346656037ull;
static void mix(uint64_t v) { hash = (hash ^ v) * 1099511628211ull; }
static void integers(uint64_t a0, uint64_t b0) {
  volatile uint64_t a = a0, b = b0;
  if (b == 0) return;
  mix(a / b);
  mix(a % b);
  volatile int64_t sa = (int64_t)a, sb = (int64_t)b;
  if (sa == INT64_MIN && sb == -1) return; /* wasm traps (div) or answers 0 (rem) before the helper */
  mix((uint64_t)(sa / sb));
  mix((uint64_t)(sa % sb));
}

int main(void) {
  static const uint64_t ints[] = {0, 1, 2, 3, 7, 10, 1000, 0xffffffffull, 0x100000000ull, 0x7fffffffffffffffull,
                                  0x8000000000000000ull, 0xffffffffffffffffull, 0xfffffffffffffffeull, 1000000007ull,
                                  (uint64_t)-10, (uint64_t)-1000, (uint64_t)-0x100000000ll};
  const unsigned ni = sizeof ints / sizeof ints[0];
  for (unsigned i = 0; i < ni; i++)
    for (unsigned j = 0; j < ni; j++) integers(ints[i], ints[j]);
  for (int i = 0; i < 200000; i++) {
    /* integers of every width: quotient bits from 0 to 64 */
    uint64_t a = next();
    a >>= next() % 64;
    uint64_t b = next();
    b >>= next() % 64;
    integers(a, b);
    integers(a, (uint64_t) - (int64_t)b);
  }
  printf("%016llx\n", (unsigned long long)hash);
  return 0;
}
