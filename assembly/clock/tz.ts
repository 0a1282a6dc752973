// Local time by a POSIX TZ rule ("CET-1CEST,M3.5.0,M10.5.0/3"), kept packed in one i64 so the
// configuration store holds it as one setting. Only Mm.w.d transition rules (what every
// European and North American zone uses); offsets and times in whole quarter hours.
// Packed: bits 0-7 standard offset (local − UTC, quarter hours + 128), 8-15 DST offset, bit 16
// DST in use, 17-36 start rule, 37-56 end rule (month 4 bits, week 3, weekday 3, time 10 in
// quarter hours of local time).
import { daysFromCivil, weekday, daysInMonth, civilFromDays, civilYear, floorDiv } from "./civil";

export const TZ_DEFAULT_TEXT = "CET-1CEST,M3.5.0,M10.5.0/3";
/** The rule in use (set from the configuration; billing/settings.ts). */
export let tzRule: i64 = 0;
export function tzSetRule(rule: i64): void { tzRule = rule; }

const Q: i64 = 900; // seconds per quarter hour

@inline function field(rule: i64, shift: i32, bits: i32): i64 { return (rule >> shift) & ((<i64>1 << bits) - 1); }
export function tzStdOffsetS(rule: i64): i64 { return (field(rule, 0, 8) - 128) * Q; }
export function tzDstOffsetS(rule: i64): i64 { return (field(rule, 8, 8) - 128) * Q; }
export function tzHasDst(rule: i64): bool { return field(rule, 16, 1) != 0; }

/** UTC second of transition `which` (0 start, 1 end) in year `y`. */
function transitionUtc(rule: i64, which: i32, y: i64): i64 {
  const r = field(rule, 17 + which * 20, 20);
  const m = r & 15, w = (r >> 4) & 7, d = (r >> 7) & 7, timeS = (r >> 10) * Q;
  const first = daysFromCivil(y, m, 1);
  let day = first + (d - weekday(first) + 7) % 7 + 7 * (w - 1);
  if (day >= first + daysInMonth(y, m)) day -= 7;
  // The start is given in standard time, the end in daylight time.
  return day * 86400 + timeS - (which == 0 ? tzStdOffsetS(rule) : tzDstOffsetS(rule));
}

/** Local − UTC in seconds at UTC second `utc`. */
export function tzOffsetAt(rule: i64, utc: i64): i64 {
  const std = tzStdOffsetS(rule);
  if (!tzHasDst(rule)) return std;
  civilFromDays(floorDiv(utc + std, 86400));
  const s = transitionUtc(rule, 0, civilYear), e = transitionUtc(rule, 1, civilYear);
  const dst = s < e ? utc >= s && utc < e : utc >= s || utc < e;
  return dst ? tzDstOffsetS(rule) : std;
}

/** Local wall time (seconds since 1970 as the local clock reads) at UTC second `utc`, by the current rule. */
export function tzLocalS(utc: i64): i64 { return utc + tzOffsetAt(tzRule, utc); }

/**
 * The first UTC second at which the local clock reads `localS` (seconds since 1970 in local
 * wall time) or later: the earlier instant of a time that occurs twice (autumn), the
 * transition itself for a time that does not occur (spring).
 */
export function tzLocalToUtc(rule: i64, localS: i64): i64 {
  const std = tzStdOffsetS(rule);
  if (!tzHasDst(rule)) return localS - std;
  const dst = tzDstOffsetS(rule);
  const early = localS - (dst > std ? dst : std), late = localS - (dst > std ? std : dst);
  if (localS - tzOffsetAt(rule, early) == early) return early;
  if (localS - tzOffsetAt(rule, late) == late) return late;
  // A time the clock jumps over: the jump is the first instant past it.
  civilFromDays(floorDiv(localS, 86400));
  const s = transitionUtc(rule, 0, civilYear);
  return localS >= s + std && localS < s + dst ? s : transitionUtc(rule, 1, civilYear);
}

// ---- parsing (console `set billing.tz`) ----
let at: usize = 0;
let end: usize = 0;

function peek(): i32 { return at < end ? <i32>load<u8>(at) : -1; }
function digits(maxValue: i32): i32 {
  let v = 0, n = 0;
  while (peek() >= 0x30 && peek() <= 0x39 && n < 3) { v = v * 10 + peek() - 0x30; at++; n++; }
  return n == 0 || v > maxValue ? -1 : v;
}
function name(): bool {
  if (peek() == 0x3c) { // <+01>
    at++;
    while (at < end && load<u8>(at) != 0x3e) at++;
    if (at >= end) return false;
    at++;
    return true;
  }
  let n = 0;
  while ((peek() | 0x20) >= 0x61 && (peek() | 0x20) <= 0x7a) { at++; n++; }
  return n >= 3;
}
/** [+-]hh[:mm] in quarter hours (POSIX sign: west positive); i32.MIN_VALUE when invalid. */
function offsetQ(signed: bool): i32 {
  let sign = 1;
  if (signed && (peek() == 0x2b || peek() == 0x2d)) { sign = peek() == 0x2d ? -1 : 1; at++; }
  const h = digits(167);
  if (h < 0) return i32.MIN_VALUE;
  let m = 0;
  if (peek() == 0x3a) { at++; m = digits(59); if (m < 0 || m % 15 != 0) return i32.MIN_VALUE; }
  return sign * (h * 4 + m / 15);
}
function rule(): i64 {
  if (peek() != 0x2c) return -1;
  at++;
  if (peek() != 0x4d) return -1; // only Mm.w.d
  at++;
  const m = digits(12);
  if (m < 1 || peek() != 0x2e) return -1;
  at++;
  const w = digits(5);
  if (w < 1 || peek() != 0x2e) return -1;
  at++;
  const d = digits(6);
  if (d < 0) return -1;
  let t = 8; // 02:00
  if (peek() == 0x2f) { at++; t = offsetQ(false); if (t < 0 || t > 1023) return -1; }
  return <i64>m | <i64>w << 4 | <i64>d << 7 | <i64>t << 10;
}

/** Parse a POSIX TZ text; -1 when it is not one this firmware handles. */
export function tzParse(ptr: usize, len: u32): i64 {
  at = ptr;
  end = ptr + len;
  if (!name()) return -1;
  const stdQ = offsetQ(true);
  if (stdQ == i32.MIN_VALUE || stdQ < -96 || stdQ > 96) return -1;
  let packed: i64 = <i64>(128 - stdQ);
  if (at == end) return packed | <i64>(128 - stdQ) << 8;
  if (!name()) return -1;
  let dstQ = stdQ - 4;
  if (peek() != 0x2c && at < end) {
    dstQ = offsetQ(true);
    if (dstQ == i32.MIN_VALUE || dstQ < -96 || dstQ > 96) return -1;
  }
  const start = rule();
  const stop = rule();
  if (start < 0 || stop < 0 || at != end) return -1;
  return packed | <i64>(128 - dstQ) << 8 | <i64>1 << 16 | start << 17 | stop << 37;
}

export function tzValid(rule: i64): bool {
  if (rule < 0 || rule >= <i64>1 << 57) return false;
  const std = field(rule, 0, 8), dst = field(rule, 8, 8);
  if (std < 32 || std > 224 || dst < 32 || dst > 224) return false;
  if (!tzHasDst(rule)) return true;
  for (let i = 0; i < 2; i++) {
    const r = field(rule, 17 + i * 20, 20);
    const m = r & 15, w = (r >> 4) & 7, d = (r >> 7) & 7;
    if (m < 1 || m > 12 || w < 1 || w > 5 || d > 6) return false;
  }
  return true;
}

let defaultRule: i64 = 0;
export function tzDefault(): i64 {
  if (defaultRule == 0) defaultRule = tzParse(TZ_ASCII, TZ_ASCII_LEN);
  return defaultRule;
}
const TZ_ASCII_LEN: u32 = 26;
const TZ_ASCII = memory.data<u8>([0x43, 0x45, 0x54, 0x2d, 0x31, 0x43, 0x45, 0x53, 0x54, 0x2c, 0x4d, 0x33, 0x2e, 0x35, 0x2e, 0x30, 0x2c, 0x4d, 0x31, 0x30, 0x2e, 0x35, 0x2e, 0x30, 0x2f, 0x33]);
