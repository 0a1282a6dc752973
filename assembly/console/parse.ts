// Parsing of console arguments: tokens are (ptr, len) slices of the line buffer; numbers are
// decimal text turned into fixed-point integers without floating point.

/** Result slot of the last successful parse (keeps the parse functions allocation-free). */
export let parsedValue: i64 = 0;

/** ASCII lower case: command words and keys compare without regard to case. */
@inline export function lower(c: u32): u32 { return c >= 0x41 && c <= 0x5a ? c | 0x20 : c; }

/** Length of the number at the start of a value token ("2.31kW" -> 4): digits, '.', a leading '-'. */
export function numberLength(ptr: usize, len: u32): u32 {
  let i: u32 = 0;
  if (len > 0 && load<u8>(ptr) == 0x2d) i = 1;
  while (i < len) {
    const c = <u32>load<u8>(ptr + i);
    if ((c < 0x30 || c > 0x39) && c != 0x2e) break;
    i++;
  }
  return i;
}

/**
 * Parse an unsigned decimal ("12", "0.25") into an integer scaled by 10^decimals.
 * Refuses signs, exponents, more decimals than `decimals`, empty parts and values above
 * `max` (so nothing overflows). On success the value is in `parsedValue`.
 */
export function parseFixed(ptr: usize, len: u32, decimals: i32, max: i64): bool {
  if (len == 0 || len > 24) return false;
  let whole: i64 = 0;
  let frac: i64 = 0;
  let fracDigits = 0;
  let seenPoint = false;
  let digitsSeen = 0;
  for (let i: u32 = 0; i < len; i++) {
    const c = <i32>load<u8>(ptr + i);
    if (c == 0x2e) {
      if (seenPoint) return false;
      seenPoint = true;
      continue;
    }
    if (c < 0x30 || c > 0x39) return false;
    digitsSeen++;
    if (seenPoint) {
      if (++fracDigits > decimals) return false;
      frac = frac * 10 + (c - 0x30);
    } else {
      whole = whole * 10 + (c - 0x30);
      if (whole > max) return false;
    }
  }
  if (digitsSeen == 0) return false;
  let scaled = whole;
  for (let d = 0; d < decimals; d++) scaled *= 10;
  for (let d = fracDigits; d < decimals; d++) frac *= 10;
  scaled += frac;
  let maxScaled = max;
  for (let d = 0; d < decimals; d++) maxScaled *= 10;
  if (scaled > maxScaled) return false;
  parsedValue = scaled;
  return true;
}
