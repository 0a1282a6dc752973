// The billing record (docs/billing.md, format AMH1): one fixed-size slot per record.
// 0 magic, 4 seq, 8 boundary UTC s (the period end it closes), 12 kind, 13 flags, 14 peak hours,
// 15 reserved, 16 taken UTC s, 20 operating s, 24 error s, 28 info latched (u16), 30 info now
// (u16), 32 every frame register the board has (i64, ascending id), then per tracked channel
// PEAK_HOURS_MAX entries (u32 average, u32 hour start UTC), CRC-32, zeros, end mark.
import { FRAME_REGISTER_COUNT, registerExists, registerValue } from "../registers";
import { PEAK_HOURS_MAX, peakHours } from "./settings";
import { trackedCount, topEntries, ENTRY_BYTES, TRACK_MAX } from "./peaks";
import { recordBuffer } from "./ring";
import { onSeconds, errorSeconds, infoLatched, infoCurrent } from "./hours";

export const KIND_MONTHLY: u8 = 1;
export const KIND_DAILY: u8 = 2;
export const KIND_PROGRESS: u8 = 3;
export const FLAG_LATE: u8 = 1; // taken more than a minute after its boundary (power off, clock unknown)
export const FLAG_CLOCK_STEP: u8 = 2; // the clock was stepped during the period
export const FLAG_FIRST: u8 = 4; // no earlier record: the period's start is not known
export const HEADER_BYTES: u32 = 32;

export function frameRegistersPresent(): i32 {
  let n = 0;
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) if (registerExists(id)) n++;
  return n;
}

export function peaksAt(): u32 { return HEADER_BYTES + 8 * <u32>frameRegistersPresent(); }
export function recordBytes(): u32 { return peaksAt() + ENTRY_BYTES * <u32>(trackedCount * PEAK_HOURS_MAX) + 8; }

/** Build a record of `kind` for `boundaryS` taken at `utcS` in recordBuffer (seq and CRC: ring.ts). */
export function recordBuild(kind: u8, flags: u8, boundaryS: i64, utcS: i64): void {
  memory.fill(recordBuffer, 0, recordBytes());
  store<u32>(recordBuffer, <u32>boundaryS, 8);
  store<u8>(recordBuffer, kind, 12);
  store<u8>(recordBuffer, flags, 13);
  store<u8>(recordBuffer, <u8>peakHours, 14);
  store<u32>(recordBuffer, <u32>utcS, 16);
  store<u32>(recordBuffer, onSeconds, 20);
  store<u32>(recordBuffer, errorSeconds, 24);
  store<u16>(recordBuffer, <u16>infoLatched, 28);
  store<u16>(recordBuffer, <u16>infoCurrent, 30);
  let at = recordBuffer + HEADER_BYTES;
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if (!registerExists(id)) continue;
    store<i64>(at, registerValue(id));
    at += 8;
  }
  memory.copy(at, topEntries, ENTRY_BYTES * <u32>(trackedCount * PEAK_HOURS_MAX));
}

/** Value of frame register `id` in the record in recordBuffer (-1 if the board lacks it). */
export function recordRegister(id: i32): i64 {
  if (!registerExists(id)) return -1;
  let at = recordBuffer + HEADER_BYTES;
  for (let k = 0; k < id; k++) if (registerExists(k)) at += 8;
  return load<i64>(at);
}

/** Put the record's top hours back as the month so far. */
export function recordRestorePeaks(): void {
  memory.copy(topEntries, recordBuffer + peaksAt(), ENTRY_BYTES * <u32>(trackedCount * PEAK_HOURS_MAX));
}

// TRACK_MAX keeps the peak table within RECORD_CAPACITY on every board the layout accepts.
export const MAX_RECORD_BYTES: u32 = HEADER_BYTES + 8 * <u32>FRAME_REGISTER_COUNT + ENTRY_BYTES * <u32>(TRACK_MAX * PEAK_HOURS_MAX) + 8;
