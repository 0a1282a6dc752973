// Hourly averages and the month's top hours (effekttariff): for every energy channel the board
// has (CT import, pulse energy, heat energy) and every heat circuit's volume, the average of
// each whole clock hour; per channel the month keeps its top `peakHours` hours on distinct
// local days (the highest of them is the month's peak, their mean the tariff figure). An hour
// is used only when the meter ran through all of it with the clock known.
import { registerExists, registerValue } from "../registers";
import { PEAK_HOURS_MAX } from "./settings";
import { floorDiv } from "../clock/civil";

/** Tracked register ids: CT import 0,2,4,6; pulse energy 8..11; heat energy 12,15; heat volume 14,17. */
const CANDIDATES: StaticArray<u8> = [0, 2, 4, 6, 8, 9, 10, 11, 12, 15, 14, 17];
export const TRACK_MAX = 12;
export const ENTRY_BYTES: u32 = 8; // u32 hourly average (mW, or mL/h), u32 UTC start of the hour
const tracked = memory.data(TRACK_MAX);
export let trackedCount = 0;
const hourStart = memory.data(8 * TRACK_MAX, 8);
/** Top entries per channel, PEAK_HOURS_MAX each, value 0 = empty. */
export const topEntries = memory.data(<i32>ENTRY_BYTES * TRACK_MAX * PEAK_HOURS_MAX, 8);
let hourUtc: i64 = -1;
let hourComplete = false;

export function peaksInit(): void {
  trackedCount = 0;
  for (let i = 0; i < CANDIDATES.length; i++) {
    const id = <i32>unchecked(CANDIDATES[i]);
    if (registerExists(id)) store<u8>(tracked + trackedCount++, <u8>id);
  }
  hourUtc = -1;
  peaksReset();
}

export function trackedId(i: i32): i32 { return <i32>load<u8>(tracked + i); }
export function peaksReset(): void { memory.fill(topEntries, 0, ENTRY_BYTES * TRACK_MAX * PEAK_HOURS_MAX); }
@inline export function entryAt(ch: i32, k: i32): usize { return topEntries + <usize>((ch * PEAK_HOURS_MAX + k) * ENTRY_BYTES); }

/** The hour that starts at `utc` (or is under way): remember every channel's value. */
function startHour(hour: i64, complete: bool): void {
  hourUtc = hour;
  hourComplete = complete;
  for (let i = 0; i < trackedCount; i++) store<i64>(hourStart + (<usize>i << 3), registerValue(trackedId(i)));
}

/** Insert an hourly average into channel ch's top list (distinct local days). */
function insert(ch: i32, value: u32, hourUtcS: u32, localDay: i64, count: i32, offsetS: i64): void {
  if (value == 0) return;
  let slot = -1, minK = 0;
  for (let k = 0; k < count; k++) {
    const e = entryAt(ch, k);
    const v = load<u32>(e);
    if (v != 0 && floorDiv(<i64>load<u32>(e, 4) + offsetS, 86400) == localDay) {
      if (value > v) { store<u32>(e, value); store<u32>(e, hourUtcS, 4); }
      return; // one entry per day
    }
    if (v < load<u32>(entryAt(ch, minK))) minK = k;
  }
  slot = minK;
  const e = entryAt(ch, slot);
  if (value > load<u32>(e)) { store<u32>(e, value); store<u32>(e, hourUtcS, 4); }
}

/** Every tick with the clock known: close the hour when a new one began. `offsetS`: local − UTC of the closed hour. */
export function peaksTick(utc: i64, count: i32, offsetS: i64): bool {
  const hour = utc - utc % 3600;
  if (hourUtc < 0) { startHour(hour, utc == hour); return false; }
  if (hour == hourUtc) return false;
  if (hourComplete && hour == hourUtc + 3600) {
    const day = floorDiv(hourUtc + offsetS, 86400);
    for (let i = 0; i < trackedCount; i++) {
      const delta = registerValue(trackedId(i)) - load<i64>(hourStart + (<usize>i << 3));
      // µWh in one hour / 1000 = mW; mL in one hour = mL/h.
      const id = trackedId(i);
      const avg = id == 14 || id == 17 ? delta : delta / 1000;
      insert(i, <u32>min<i64>(max<i64>(avg, 0), u32.MAX_VALUE), <u32>hourUtc, day, count, offsetS);
    }
  }
  startHour(hour, hour == hourUtc + 3600); // ticking through the change: the new hour is whole
  return true;
}

/** The clock stepped or the meter restarted: the hour under way is not a whole one. */
export function peaksBreakHour(): void { hourComplete = false; }

/** Highest entry of channel ch: its index, or -1. */
export function peakIndex(ch: i32, count: i32): i32 {
  let best = -1;
  for (let k = 0; k < count; k++) if (load<u32>(entryAt(ch, k)) != 0 && (best < 0 || load<u32>(entryAt(ch, k)) > load<u32>(entryAt(ch, best)))) best = k;
  return best;
}

/** Mean of the entries present (the top hours on distinct days), 0 when none. */
export function peakMean(ch: i32, count: i32): i64 {
  let sum: i64 = 0, n = 0;
  for (let k = 0; k < count; k++) { const v = load<u32>(entryAt(ch, k)); if (v != 0) { sum += v; n++; } }
  return n == 0 ? 0 : sum / n;
}

/** Channel index of register id, or -1. */
export function trackedIndexOf(id: i32): i32 {
  for (let i = 0; i < trackedCount; i++) if (trackedId(i) == id) return i;
  return -1;
}
