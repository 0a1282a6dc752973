// Binary scaled numbers, m · 2^e, in integer operations only: the CT core's calibration and its
// once-a-second display values need ratios of widely ranging quantities (volts per code, fine
// energy units per milliwatt, sines of small angles), and f64 would pull ~8 KB of soft-float
// library into the ESP32-C3 build (RV32IMC has no FPU) and cost ~100 instructions per operation.
//
// A number is one i64: the mantissa m in the high word, the exponent e in the low word. m is kept
// at 30 significant bits (2^29 ≤ |m| < 2^30) or is 0, so a product of two mantissas fits in an
// i64 and every operation rounds once, to a relative error below 2^-29 (2e-9): far inside what
// metering needs (a coefficient is an integer of ~2^22 already, display values are mV, mA, mW).
// No allocation, no traps: a division by zero gives 0, which the callers never ask for.

/** A scaled number (see the file's comment). */
export type Scaled = i64;

@inline function mantissa(x: Scaled): i64 { return x >> 32; }
@inline function exponent(x: Scaled): i32 { return <i32>x; }

/** m · 2^e rounded to 30 significant bits (half away from zero). */
export function scaled(m: i64, e: i32): Scaled {
  if (m == 0) return 0;
  const negative = m < 0;
  let a: u64 = negative ? <u64>(-m) : <u64>m;
  const shift = (64 - <i32>clz(a)) - 30; // a < 2^(shift + 30)
  if (shift > 0) {
    a = (a + (<u64>1 << <u64>(shift - 1))) >> <u64>shift;
    e += shift;
    if (a == <u64>1 << 30) { a = <u64>1 << 29; e++; }
  } else {
    a <<= <u64>(-shift);
    e += shift;
  }
  const signed: i64 = negative ? -<i64>a : <i64>a;
  return (signed << 32) | <i64><u32>e;
}

/** The integer n. */
export function sInt(n: i64): Scaled { return scaled(n, 0); }
/** num / den, for constants and unit ratios. */
export function sRatio(num: i64, den: i64): Scaled { return sDiv(sInt(num), sInt(den)); }

export function sMul(x: Scaled, y: Scaled): Scaled {
  return scaled(mantissa(x) * mantissa(y), exponent(x) + exponent(y));
}
export function sDiv(x: Scaled, y: Scaled): Scaled {
  const d = mantissa(y);
  if (d == 0) return 0;
  return scaled((mantissa(x) << 32) / d, exponent(x) - 32 - exponent(y)); // quotient of 31..33 bits
}
export function sMulInt(x: Scaled, n: i64): Scaled { return sMul(x, sInt(n)); }
export function sDivInt(x: Scaled, n: i64): Scaled { return sDiv(x, sInt(n)); }

export function sAdd(x: Scaled, y: Scaled): Scaled {
  if (x == 0) return y;
  if (y == 0) return x;
  let d = exponent(x) - exponent(y);
  if (d < 0) { const t = x; x = y; y = t; d = -d; } // x has the larger exponent
  if (d > 60) return x;
  // Both mantissas moved up 30 bits first, so the smaller one keeps its bits while it is aligned.
  return scaled((mantissa(x) << 30) + ((mantissa(y) << 30) >> <i64>d), exponent(x) - 30);
}
export function sNeg(x: Scaled): Scaled { return scaled(-mantissa(x), exponent(x)); }
export function sSub(x: Scaled, y: Scaled): Scaled { return sAdd(x, sNeg(y)); }
export function sAbs(x: Scaled): Scaled { return x < 0 ? sNeg(x) : x; }
/** −1, 0 or 1 (the sign is the mantissa's, which is the i64's). */
export function sSign(x: Scaled): i32 { return x < 0 ? -1 : x > 0 ? 1 : 0; }
/** x < y */
export function sLess(x: Scaled, y: Scaled): bool { return sSub(x, y) < 0; }

/** The nearest integer (half away from zero), saturated at the i64 range's ends. */
export function sRound(x: Scaled): i64 {
  const m = mantissa(x), e = exponent(x);
  if (e >= 33) return m < 0 ? i64.MIN_VALUE : i64.MAX_VALUE; // saturates, as no caller's value does
  if (e >= 0) return m << <i64>e;
  if (e < -31) return 0; // |x| < 2^30 · 2^-31
  const a = m < 0 ? -m : m;
  const r = (a + (<i64>1 << <i64>(-e - 1))) >> <i64>(-e);
  return m < 0 ? -r : r;
}

/** √x for x ≥ 0 (0 for x < 0). */
export function sSqrt(x: Scaled): Scaled {
  if (x <= 0) return 0;
  let m = mantissa(x), e = exponent(x);
  if (e & 1) { m <<= 1; e--; }
  return scaled(<i64>isqrt(<u64>m << 32), (e - 32) >> 1);
}

/** ⌊√n⌋ by binary digits (32 steps). */
export function isqrt(n: u64): u64 {
  let root: u64 = 0;
  let bit: u64 = <u64>1 << 62;
  while (bit > n) bit >>= 2;
  while (bit != 0) {
    if (n >= root + bit) { n -= root + bit; root = (root >> 1) + bit; } else root >>= 1;
    bit >>= 2;
  }
  return root;
}

/** x · 2^bits. */
export function sTimesPow2(x: Scaled, bits: i32): Scaled { return scaled(mantissa(x), exponent(x) + bits); }
