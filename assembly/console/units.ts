// Values with their units, as an installer types them: "2310", "2310W", "2310 W", "2.31kW",
// "231V", "5s". A unit that is not the key's own is refused with a hint, never guessed.
import { tp, tl, tokenCount, outToken } from "./tokens";
import { parseFixed, parsedValue, numberLength } from "./parse";
import { out, outLine, outBytes, outText, textEquals, textLength, Text } from "./out";

/** The value of the last successful `quantity` (scaled by 10^decimals, signed). */
export let quantityValue: i64 = 0;
/** The last `quantity` failed because of its unit (not its number). */
export let unitRefused = false;


function pow10(d: i32): i64 {
  let p: i64 = 1;
  for (let k = 0; k < d; k++) p *= 10;
  return p;
}

/**
 * Parse word `i` as a number with at most `decimals` decimals and |value| <= maxWhole, with an
 * optional unit: a suffix or the next word, equal to `unit` (as displayed, any case; "" = none), or "k"+unit
 * when `kilo`. Returns the words used (1 or 2) and the value in quantityValue, or 0.
 */
export function quantity(i: i32, decimals: i32, maxWhole: i64, unit: Text, kilo: bool, signed: bool): i32 {
  unitRefused = false;
  if (i >= tokenCount) return 0;
  const p = tp(i);
  const len = tl(i);
  const numLen = numberLength(p, len);
  let sp = p + numLen;
  let sl = len - numLen;
  let used = 1;
  if (sl == 0 && i + 1 < tokenCount && numberLength(tp(i + 1), tl(i + 1)) == 0) {
    sp = tp(i + 1);
    sl = tl(i + 1);
    used = 2;
  }
  let extra = 0;
  if (sl > 0) {
    // The unit (as displayed: "W", "Wh", "bar") in any case.
    const unitLength = <u32>textLength(unit);
    if (unitLength > 0 && textEquals(sp, sl, unit)) extra = 0;
    else if (kilo && sl == unitLength + 1 && (load<u8>(sp) | 0x20) == 0x6b && textEquals(sp + 1, sl - 1, unit)) extra = 3;
    else { unitRefused = numLen > 0; return 0; }
  }
  const negative = numLen > 1 && load<u8>(p) == 0x2d;
  if (negative && !signed) return 0;
  const start = negative ? p + 1 : p;
  const n = negative ? numLen - 1 : numLen;
  if (!parseFixed(start, n, decimals + extra, extra > 0 ? maxWhole / 1000 + 1 : maxWhole)) return 0;
  if (parsedValue > maxWhole * pow10(decimals)) return 0;
  quantityValue = negative ? -parsedValue : parsedValue;
  return used;
}

/** `error: <what> takes <range>, not '<typed>'` (+ the unit hint); nothing was changed. */
export function refuseValue(what: usize, whatLen: u32, i: i32, range: Text, unit: Text, kilo: bool): void {
  out("error: ");
  outBytes(what, whatLen);
  out(" takes ");
  outText(range);
  out(", not '");
  if (i < tokenCount) outToken(i);
  if (i + 1 < tokenCount) { out(" "); outToken(i + 1); }
  out("'");
  if (unitRefused && textLength(unit) > 0) {
    out(" (the unit is ");
    outText(unit);
    if (kilo) { out(" or k"); outText(unit); }
    out(", or none)");
  }
  outLine("; nothing was changed");
}
