// Register ids 64..118 (docs/frames.md, docs/billing.md): clock, hours, info code, the month's
// peak demand per channel, heat maxima, and the target-date values (the newest billing-date
// record). They exist when their channel does; none travels in the native frame's bitmap.
import { registerExists, registerName } from "../registers";
import { clockUtcS } from "../clock/clock";
import { boardTimeUs } from "../abi/board";
import { onSeconds, errorSeconds, infoCurrent, infoLatched } from "./hours";
import { trackedIndexOf, peakIndex, peakMean, entryAt } from "./peaks";
import { peakHours } from "./settings";
import { billingTargetValue, targetUtcS } from "./billing";

export const BILLING_FIRST = 64;
export const BILLING_END = 119;
const CT_PEAK = 68, PULSE_PEAK = 80, HEAT_MAX = 92, TARGET_UTC = 100, TARGET_FIRST = 101;

/** Register id a peak group refers to, or -1. group 0 peak, 1 mean, 2 time. */
function peakSource(id: i32): i32 {
  if (id >= CT_PEAK && id < PULSE_PEAK) return ((id - CT_PEAK) & 3) * 2;
  if (id >= PULSE_PEAK && id < HEAT_MAX) return 8 + ((id - PULSE_PEAK) & 3);
  if (id >= HEAT_MAX && id < TARGET_UTC) {
    const c = id & 1, f = (id - HEAT_MAX) >> 1; // 0 power, 1 power time, 2 flow, 3 flow time
    return f < 2 ? 12 + 3 * c : 14 + 3 * c;
  }
  return -1;
}

export function billingRegisterExists(id: i32): bool {
  if (id < BILLING_FIRST || id >= BILLING_END) return false;
  if (id < CT_PEAK) return true;
  if (id >= TARGET_FIRST) return registerExists(id - TARGET_FIRST);
  if (id == TARGET_UTC) return true;
  return registerExists(peakSource(id));
}

export function billingRegisterDecimals(id: i32): i32 {
  if (id >= TARGET_FIRST) return (id - TARGET_FIRST - 12) % 3 == 2 && id - TARGET_FIRST >= 12 ? 3 : 6;
  if (id < CT_PEAK || id == TARGET_UTC) return 0;
  if (id < HEAT_MAX) return (id - (id < PULSE_PEAK ? CT_PEAK : PULSE_PEAK)) >> 2 == 2 ? 0 : 3;
  return ((id - HEAT_MAX) >> 1) & 1 ? 0 : 3;
}

export function billingRegisterValue(id: i32): i64 {
  if (!billingRegisterExists(id)) return 0;
  if (id == 64) { const u = clockUtcS(boardTimeUs()); return u < 0 ? 0 : u; }
  if (id == 65) return onSeconds;
  if (id == 66) return errorSeconds;
  if (id == 67) return <i64>(infoCurrent | infoLatched << 16);
  if (id == TARGET_UTC) return targetUtcS;
  if (id >= TARGET_FIRST) { const v = billingTargetValue(id - TARGET_FIRST); return v < 0 ? 0 : v; }
  const ch = trackedIndexOf(peakSource(id));
  const group = id < HEAT_MAX ? (id - (id < PULSE_PEAK ? CT_PEAK : PULSE_PEAK)) >> 2 : ((id - HEAT_MAX) >> 1) & 1 ? 2 : 0;
  if (group == 1) return peakMean(ch, peakHours);
  const k = peakIndex(ch, peakHours);
  if (k < 0) return 0;
  return group == 0 ? <i64>load<u32>(entryAt(ch, k)) : <i64>load<u32>(entryAt(ch, k), 4);
}

function suffix(id: i32): string {
  if (id == 64) return "clock.utc_s";
  if (id == 65) return "meter.on_s";
  if (id == 66) return "meter.error_s";
  if (id == 67) return "meter.info";
  if (id == TARGET_UTC) return "target.utc_s";
  if (id < HEAT_MAX) { const g = (id - (id < PULSE_PEAK ? CT_PEAK : PULSE_PEAK)) >> 2; return g == 0 ? "peak_w" : g == 1 ? "peak_mean_w" : "peak_utc_s"; }
  const f = (id - HEAT_MAX) >> 1;
  return f == 0 ? "max_power_w" : f == 1 ? "max_power_utc_s" : f == 2 ? "max_flow_lh" : "max_flow_utc_s";
}

/** Name of a billing register (ASCII at `out`), its length; 0 if absent. The target values: "target." + the register's name. */
export function billingRegisterName(id: i32, out: usize): u32 {
  if (!billingRegisterExists(id)) return 0;
  if (id >= TARGET_FIRST) {
    const n = writeAscii("target.", out, 0);
    return n + registerName(id - TARGET_FIRST, out + n);
  }
  let n: u32 = 0;
  if (id >= CT_PEAK && id != TARGET_UTC) {
    const heat = id >= HEAT_MAX;
    n = writeAscii(heat ? "heat" : id >= PULSE_PEAK ? "pulse" : "ct", out, 0);
    const num = heat ? id & 1 : (id - (id >= PULSE_PEAK ? PULSE_PEAK : CT_PEAK)) & 3;
    store<u8>(out + n++, <u8>(0x31 + num));
    store<u8>(out + n++, 0x2e);
  }
  return writeAscii(suffix(id), out, n);
}

function writeAscii(s: string, out: usize, at: u32): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(out + at++, <u8>s.charCodeAt(i));
  return at;
}

