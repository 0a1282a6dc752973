// The outputs' on-time of the current day in flash (docs/storage.md, "Output day record"), so
// that neither `reboot` nor a power cut restarts an output's daily runtime limit. Two sectors
// used alternately, each a run of sealed 48-byte records appended without erasing: magic
// "AMO1", sequence, day key (assembly/outputs/day.ts), bit mask of the outputs on, the four
// on-times in seconds, CRC, end mark. The newest valid record (highest sequence) counts. A full
// sector rolls: the other one is erased and the record goes to its start.
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { sectorOffset, outputDaySector, outputDayPresent } from "./layout";
import { recordState, recordSeal, RECORD_VALID, RECORD_ERASED, RECORD_DAMAGED } from "./record";

const MAGIC: u32 = 0x314f4d41; // "AMO1"
const RECORD_BYTES: u32 = 48;
const CRC_AT: u32 = 40;
const record = memory.data(<i32>RECORD_BYTES, 8);
const loaded = memory.data(<i32>RECORD_BYTES, 8);

export const OUTPUT_DAY_NONE: i32 = 0;
export const OUTPUT_DAY_VALID: i32 = 1;
/** Records there, none readable: what the outputs ran today is unknown. */
export const OUTPUT_DAY_DAMAGED: i32 = 2;

let usable = false;
let current: i32 = -1; // sector being appended to, -1 none yet
let nextSlot: u32 = 0; // first erased slot of the current sector
let seq: u32 = 0;

@inline function slots(): u32 { return flashSectorBytes / RECORD_BYTES; }
@inline function slotAt(s: i32, slot: u32): u32 { return sectorOffset(outputDaySector(<u32>s)) + slot * RECORD_BYTES; }

/**
 * Start-up: find the newest record; OUTPUT_DAY_VALID leaves it for the accessors below. Damage
 * counts when it may hide a newer record: after the newest valid record of its sector, or in a
 * sector with no valid record at all (a roll's first record). Older damage is left to the roll.
 */
export function outputDayRestore(): i32 {
  usable = outputDayPresent();
  current = -1;
  nextSlot = 0;
  seq = 0;
  if (!usable) return OUTPUT_DAY_NONE;
  let found = false;
  let damageMask: u32 = 0; // bit s: damage after sector s's last valid record
  let validMask: u32 = 0; // bit s: sector s holds a valid record
  for (let s = 0; s < 2; s++) {
    let free: u32 = slots(); // no erased slot: the sector is full
    let valid = false;
    let tailDamage = false;
    for (let slot: u32 = 0; slot < slots(); slot++) {
      boardFlashRead(slotAt(s, slot), record, RECORD_BYTES);
      const state = recordState(record, RECORD_BYTES, CRC_AT);
      // Append-only: the first erased slot ends the sector's records (a torn one is skipped).
      if (state == RECORD_ERASED) { free = slot; break; }
      if (state == RECORD_DAMAGED || (state == RECORD_VALID && load<u32>(record) != MAGIC)) { tailDamage = true; continue; }
      if (state != RECORD_VALID) continue;
      valid = true;
      tailDamage = false;
      const n = load<u32>(record, 4);
      if (!found || n > seq) {
        found = true;
        seq = n;
        current = s;
        memory.copy(loaded, record, RECORD_BYTES);
      }
    }
    if (tailDamage) damageMask |= <u32>1 << <u32>s;
    if (valid) validMask |= <u32>1 << <u32>s;
    if (s == current) nextSlot = free;
  }
  // Damage in the other sector behind a valid record there is older than the newest: harmless.
  const suspect = current < 0 ? damageMask : damageMask & ((<u32>1 << <u32>current) | ~validMask);
  if ((suspect & 3) != 0) return OUTPUT_DAY_DAMAGED;
  return found ? OUTPUT_DAY_VALID : OUTPUT_DAY_NONE;
}

/**
 * After OUTPUT_DAY_DAMAGED: a fresh record above every sequence seen, in sector 0 (erased
 * first), then sector 1 erased. A cut on the way leaves the damage in place to be found again.
 */
export function outputDayRecover(key: i64, onMask: u32, on0: i64, on1: i64, on2: i64, on3: i64): bool {
  if (!usable || !rollTo(0) || !outputDaySave(key, onMask, on0, on1, on2, on3)) return false;
  return boardFlashErase(outputDaySector(1)) == 0;
}

/** Sector `s` erased and appended to from its start. */
function rollTo(s: i32): bool {
  if (boardFlashErase(outputDaySector(<u32>s)) != 0) return false;
  current = s;
  nextSlot = 0;
  return true;
}

/** The restored record's day key, outputs-on mask and output i's on-time (s). */
export function outputDayKey(): i64 { return load<i64>(loaded, 8); }
export function outputDayOnMask(): u32 { return load<u32>(loaded, 16); }
export function outputDayOnS(i: i32): i64 { return <i64>load<u32>(loaded + (<usize>i << 2), 20); }

/** Append a record; false when the flash refused (the next call tries again). */
export function outputDaySave(key: i64, onMask: u32, on0: i64, on1: i64, on2: i64, on3: i64): bool {
  if (!usable) return false;
  if ((current < 0 || nextSlot >= slots()) && !rollTo(current < 0 ? 0 : current ^ 1)) return false;
  memory.fill(record, 0, RECORD_BYTES);
  store<u32>(record, MAGIC);
  store<u32>(record, seq + 1, 4);
  store<i64>(record, key, 8);
  store<u32>(record, onMask, 16);
  store<u32>(record, <u32>on0, 20);
  store<u32>(record, <u32>on1, 24);
  store<u32>(record, <u32>on2, 28);
  store<u32>(record, <u32>on3, 32);
  recordSeal(record, RECORD_BYTES, CRC_AT);
  const at = slotAt(current, nextSlot);
  nextSlot++; // a failed or cut program leaves the slot unusable either way
  if (boardFlashProgram(at, record, RECORD_BYTES) != 0) return false;
  seq++;
  return true;
}
