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

// Names as one ASCII table (no UTF-16 strings in static memory): NAME_* index NAME_AT.
const NAME_BYTES = memory.data<u8>([0x63, 0x6c, 0x6f, 0x63, 0x6b, 0x2e, 0x75, 0x74, 0x63, 0x5f, 0x73, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2e, 0x6f, 0x6e, 0x5f, 0x73, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2e, 0x65, 0x72, 0x72, 0x6f, 0x72, 0x5f, 0x73, 0x6d, 0x65, 0x74, 0x65, 0x72, 0x2e, 0x69, 0x6e, 0x66, 0x6f, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74, 0x2e, 0x75, 0x74, 0x63, 0x5f, 0x73, 0x70, 0x65, 0x61, 0x6b, 0x5f, 0x77, 0x70, 0x65, 0x61, 0x6b, 0x5f, 0x6d, 0x65, 0x61, 0x6e, 0x5f, 0x77, 0x70, 0x65, 0x61, 0x6b, 0x5f, 0x75, 0x74, 0x63, 0x5f, 0x73, 0x6d, 0x61, 0x78, 0x5f, 0x70, 0x6f, 0x77, 0x65, 0x72, 0x5f, 0x77, 0x6d, 0x61, 0x78, 0x5f, 0x70, 0x6f, 0x77, 0x65, 0x72, 0x5f, 0x75, 0x74, 0x63, 0x5f, 0x73, 0x6d, 0x61, 0x78, 0x5f, 0x66, 0x6c, 0x6f, 0x77, 0x5f, 0x6c, 0x68, 0x6d, 0x61, 0x78, 0x5f, 0x66, 0x6c, 0x6f, 0x77, 0x5f, 0x75, 0x74, 0x63, 0x5f, 0x73, 0x74, 0x61, 0x72, 0x67, 0x65, 0x74, 0x2e, 0x68, 0x65, 0x61, 0x74, 0x70, 0x75, 0x6c, 0x73, 0x65, 0x63, 0x74]);
const NAME_AT: StaticArray<u8> = [0, 11, 21, 34, 44, 56, 62, 73, 83, 94, 109, 120, 134, 141, 145, 150, 152];
const N_CLOCK = 0, N_ON = 1, N_ERROR = 2, N_INFO = 3, N_TARGET_UTC = 4, N_PEAK = 5, N_MEAN = 6, N_PEAK_UTC = 7, N_MAX_POWER = 8,
  N_MAX_POWER_UTC = 9, N_MAX_FLOW = 10, N_MAX_FLOW_UTC = 11, N_TARGET = 12, N_HEAT = 13, N_PULSE = 14, N_CT = 15;

function suffix(id: i32): i32 {
  if (id == 64) return N_CLOCK;
  if (id == 65) return N_ON;
  if (id == 66) return N_ERROR;
  if (id == 67) return N_INFO;
  if (id == TARGET_UTC) return N_TARGET_UTC;
  if (id < HEAT_MAX) { const g = (id - (id < PULSE_PEAK ? CT_PEAK : PULSE_PEAK)) >> 2; return g == 0 ? N_PEAK : g == 1 ? N_MEAN : N_PEAK_UTC; }
  const f = (id - HEAT_MAX) >> 1;
  return f == 0 ? N_MAX_POWER : f == 1 ? N_MAX_POWER_UTC : f == 2 ? N_MAX_FLOW : N_MAX_FLOW_UTC;
}
function writeName(n: i32, out: usize, at: u32): u32 {
  const from = <u32>unchecked(NAME_AT[n]), to = <u32>unchecked(NAME_AT[n + 1]);
  memory.copy(out + at, NAME_BYTES + from, to - from);
  return at + to - from;
}


/** Name of a billing register (ASCII at `out`), its length; 0 if absent. The target values: "target." + the register's name. */
export function billingRegisterName(id: i32, out: usize): u32 {
  if (!billingRegisterExists(id)) return 0;
  if (id >= TARGET_FIRST) {
    const n = writeName(N_TARGET, out, 0);
    return n + registerName(id - TARGET_FIRST, out + n);
  }
  let n: u32 = 0;
  if (id >= CT_PEAK && id != TARGET_UTC) {
    const heat = id >= HEAT_MAX;
    n = writeName(heat ? N_HEAT : id >= PULSE_PEAK ? N_PULSE : N_CT, out, 0);
    const num = heat ? id & 1 : (id - (id >= PULSE_PEAK ? PULSE_PEAK : CT_PEAK)) & 3;
    store<u8>(out + n++, <u8>(0x31 + num));
    store<u8>(out + n++, 0x2e);
  }
  return writeName(suffix(id), out, n);
}
