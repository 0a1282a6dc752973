// Exact 64-bit division by a small divisor with 32-bit divisions. A 32-bit core without a
// 64-bit divide (the ESP32-C3's RV32IMC) calls a library routine for i64 `/` (≈ 60 instructions
// on rv32); the mains-cycle work divides by the cycle's frame count a dozen times per cycle.

/**
 * `x / n` truncated toward zero, bit for bit what i64 division gives, computed with three u32
 * divisions when 0 < n < 65536 (long division in 32- and 16-bit digits; every partial dividend
 * stays below 2³²). Any other `n` takes the plain division.
 */
export function divSmall(x: i64, n: i64): i64 {
  if (<u64>(n - 1) >= 0xFFFF) return x / n;
  const d = <u32>n;
  const negative = x < 0;
  const u: u64 = negative ? <u64>(-x) : <u64>x; // −i64.MIN wraps to 2⁶³, right as a u64
  const hi = <u32>(u >> 32);
  const lo = <u32>u;
  const qHi = hi / d;
  const t1 = ((hi - qHi * d) << 16) | (lo >>> 16); // remainder < d < 2¹⁶: no bit lost
  const q1 = t1 / d;
  const t2 = ((t1 - q1 * d) << 16) | (lo & 0xFFFF);
  const q: u64 = (<u64>qHi << 32) | <u64>((q1 << 16) | (t2 / d));
  return negative ? -<i64>q : <i64>q;
}

/** `a / b` rounded to the nearest integer, halves away from zero (b ≠ 0, either sign). */
export function divRound(a: i64, b: i64): i64 {
  if (b < 0) { a = -a; b = -b; }
  return a >= 0 ? (a + (b >> 1)) / b : -((-a + (b >> 1)) / b);
}
