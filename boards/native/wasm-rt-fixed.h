/*
 * Force-included into the wasm2c translation (boards/native/build.sh): the shell's one linear
 * memory is a static array of fixed size (wasm-rt-min.c refuses any other page count, and
 * memory.grow fails), so a load or store checks its address against a constant and addresses the
 * array directly, instead of reading the memory's size and base from the instance at every access
 * (on rv32 that reload, and the 64-bit compare against it, cost more than the access itself).
 * build.sh rewrites wasm2c's RANGE_CHECK and DEFINE_LOAD/DEFINE_STORE to use these.
 */
#ifndef ACTIVEMETER_WASM_RT_FIXED_H
#define ACTIVEMETER_WASM_RT_FIXED_H
#include <stdint.h>

#ifndef SHELL_MEMORY_PAGES
#define SHELL_MEMORY_PAGES 1
#endif
#define SHELL_MEMORY_BYTES ((uint64_t)SHELL_MEMORY_PAGES * 65536u)

/* Declared with its alignment (wasm-rt-min.c), so that the compiler can drop the alignment test
 * of an access whose address it sees is even (or a multiple of 4). */
extern uint8_t shell_linear_memory[] __attribute__((aligned(16)));

/* [offset, offset + len) outside the memory. Every memory of the module is this one. Written as
 * offset > size - len (len > size first, so nothing wraps): for a load of (u64)u32 the compiler
 * then knows the high word is 0 and compares one register with a constant, where offset + len
 * needed a 64-bit add and a carry test on rv32. */
#define SHELL_OUT_OF_BOUNDS(offset, len) \
  ((uint64_t)(len) > SHELL_MEMORY_BYTES || (uint64_t)(offset) > SHELL_MEMORY_BYTES - (uint64_t)(len))
#define SHELL_MEMORY_AT(addr) (&shell_linear_memory[addr])

/* Loads and stores. WebAssembly allows any address; rv32 compilers assume a misaligned access is
 * slow or faults, so wasm2c's memcpy became byte loads through the stack. Aligned addresses (all
 * the firmware's own: AssemblyScript aligns its data) take one load; others the byte copy.
 * The memory's base is 16-byte aligned, so the address's alignment is the pointer's. */
#ifndef SHELL_ALIGNED_FAST_PATH
#if defined(__riscv)
#define SHELL_ALIGNED_FAST_PATH 1
#else
#define SHELL_ALIGNED_FAST_PATH 0 /* x86-64: memcpy is one unaligned move already */
#endif

#endif
#if SHELL_ALIGNED_FAST_PATH
#define SHELL_LOAD(result, addr, t)                                              \
  do {                                                                           \
    const uint8_t* p_ = SHELL_MEMORY_AT(addr);                                   \
    if (__builtin_expect(((uintptr_t)p_ & (sizeof(t) < 4 ? sizeof(t) - 1 : 3)) == 0, 1)) \
      (result) = *(const t*)(const void*)p_;                                     \
    else                                                                         \
      wasm_rt_memcpy(&(result), p_, sizeof(t));                                  \
  } while (0)
#define SHELL_STORE(addr, wrapped, t)                                            \
  do {                                                                           \
    uint8_t* p_ = SHELL_MEMORY_AT(addr);                                         \
    if (__builtin_expect(((uintptr_t)p_ & (sizeof(t) < 4 ? sizeof(t) - 1 : 3)) == 0, 1)) \
      *(t*)(void*)p_ = (wrapped);                                                \
    else                                                                         \
      wasm_rt_memcpy(p_, &(wrapped), sizeof(t));                                 \
  } while (0)
#else
#define SHELL_LOAD(result, addr, t) wasm_rt_memcpy(&(result), SHELL_MEMORY_AT(addr), sizeof(t))
#define SHELL_STORE(addr, wrapped, t) wasm_rt_memcpy(SHELL_MEMORY_AT(addr), &(wrapped), sizeof(t))
#endif

/* f64.floor / f64.ceil / f64.trunc computed on the bits, not by the C library: picolibc 1.8's
 * ceil() on rv32 (Debian's picolibc-riscv64-unknown-elf) rounds some values of 2^31 and more to
 * the wrong integer (ceil(2103780863.048) = 2103781888), which made the RV32 replay of the CT
 * firmware diverge from the twin. Exact for every double: clear the fraction bits below the
 * binary point, after adding them all-ones when the result must move away from zero. */
#include <string.h>
static inline double shell_round_integral(double x, int up) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  const int e = (int)((u >> 52) & 0x7ff) - 1023;
  const int negative = (int)(u >> 63);
  if (e >= 52) return x; /* integral already (or inf/nan) */
  if (e < 0) {           /* |x| < 1 */
    if ((u << 1) == 0) return x;                         /* ±0 */
    if (up < 0) return x < 0 ? -0.0 : 0.0;               /* trunc: signed zero */
    if (up > 0) return negative ? -0.0 : 1.0;            /* ceil */
    return negative ? -1.0 : 0.0;                        /* floor */
  }
  const uint64_t fraction = 0x000fffffffffffffull >> e;
  if ((u & fraction) == 0) return x;
  if ((up > 0 && !negative) || (up == 0 && negative)) u += fraction; /* away from zero */
  u &= ~fraction;
  memcpy(&x, &u, sizeof x);
  return x;
}
#define SHELL_FLOOR(x) shell_round_integral((x), 0)
#define SHELL_CEIL(x) shell_round_integral((x), 1)
#define SHELL_TRUNC(x) shell_round_integral((x), -1)
#endif
