// Reads a flash image the way docs/storage.md describes it, independently of the firmware:
// the register journal (newest valid base record + pair-coded tallies), the two configuration
// copies and the event log. Tests use it to know what was persisted before a power cut; an
// operator can use it to inspect a dumped partition.
import { crc32 } from "../frame/crc32.js";

export const JOURNAL_FIRST_SECTOR = 4;
const J_MAGIC = 0x314a4d41;
const HEADER_BYTES = 512;
const FRAME_FIELD_BYTES = 64;
const BOOT_FIELD_BYTES = 32;
const ENTRY_BYTES = 20;
const FRAME_COUNTER_BLOCK = 64;

export interface JournalState {
  sector: number;
  seq: number;
  /** Register id -> persisted integer value (µWh, mL or count). */
  values: Map<number, bigint>;
  frameCounterCeiling: number;
  eventCounter: number;
  /** Start-ups counted since the store was created. */
  bootCount: number;
}

/** Steps of a pair-coded tally field: leading pairs with both bits cleared. */
export function countTally(bytes: Uint8Array): number {
  let count = 0;
  for (const b of bytes) {
    for (let pair = 0; pair < 4; pair++) {
      if (((b >> (2 * pair)) & 3) !== 0) return count;
      count++;
    }
  }
  return count;
}

export function readJournal(image: Uint8Array, sectorBytes: number, sectors: number): JournalState | null {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let best: JournalState | null = null;
  for (let s = 0; s < sectors - JOURNAL_FIRST_SECTOR; s++) {
    const at = (JOURNAL_FIRST_SECTOR + s) * sectorBytes;
    if (view.getUint32(at, true) !== J_MAGIC) continue;
    if (view.getUint32(at + HEADER_BYTES - 4, true) !== crc32(image, at, at + HEADER_BYTES - 4)) continue;
    const entries = view.getUint16(at + 16, true);
    if (entries > 22) continue;
    const seq = view.getUint32(at + 4, true);
    if (best && seq <= best.seq) continue;
    const field = Math.floor((sectorBytes - HEADER_BYTES - FRAME_FIELD_BYTES - BOOT_FIELD_BYTES) / Math.max(entries, 1)) & ~1;
    const fine = (field >> 2) & ~1;
    const coarse = field - fine;
    const tallyStart = at + HEADER_BYTES;
    const values = new Map<number, bigint>();
    for (let e = 0; e < entries; e++) {
      const entry = at + 24 + e * ENTRY_BYTES;
      const id = image[entry];
      const base = view.getBigInt64(entry + 4, true);
      const coarseStep = BigInt(view.getUint32(entry + 12, true));
      const fineStep = BigInt(view.getUint32(entry + 16, true));
      const fieldAt = tallyStart + FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + e * field;
      const c = BigInt(countTally(image.subarray(fieldAt, fieldAt + coarse)));
      const f = BigInt(countTally(image.subarray(fieldAt + coarse, fieldAt + field)));
      values.set(id, base + c * coarseStep + f * fineStep);
    }
    const frameSteps = countTally(image.subarray(tallyStart, tallyStart + FRAME_FIELD_BYTES));
    best = {
      sector: s, seq, values,
      frameCounterCeiling: view.getUint32(at + 8, true) + frameSteps * FRAME_COUNTER_BLOCK,
      eventCounter: view.getUint32(at + 12, true),
      bootCount: view.getUint32(at + 20, true) + countTally(image.subarray(tallyStart + FRAME_FIELD_BYTES, tallyStart + FRAME_FIELD_BYTES + BOOT_FIELD_BYTES)),
    };
  }
  return best;
}
