// Where things sit in a journal sector (format AMJ3, docs/storage.md): two copies of the base
// record, a run of commit slots, then three copies of the tally area (frame-counter field, boot
// field, and per register a coarse and a fine field). Computed from the sector size and the
// number of journalled registers, so the host reader (host/store/journal-reader.ts) can follow.
import { flashSectorBytes } from "../board/descriptor";

export const BASE_MAGIC: u32 = 0x334a4d41; // "AMJ3" (AMJ2 had no superseded mark)
export const COMMIT_MAGIC: u32 = 0x324b4d41; // "AMK2"
export const MAX_ENTRIES: i32 = 22;
export const ENTRIES_OFFSET: u32 = 24;
export const ENTRY_BYTES: u32 = 20;
export const FRAME_FIELD_BYTES: u32 = 64;
/** Boots are counted in the journal, not in the configuration, so a start-up never erases. */
export const BOOT_FIELD_BYTES: u32 = 32;
export const COPIES: u32 = 3;
export const MAX_COMMIT_SLOTS: u32 = 16;
/**
 * The last bytes of a sector: the "superseded" mark, programmed to zeros once the next sector's
 * base record is complete. A marked newest readable sector means a newer one existed and is lost.
 */
export const MARK_BYTES: u32 = 16;

/** Bytes of one base record holding `n` entries (CRC, then zero padding and the end mark). */
export function baseBytes(n: i32): u32 { return (ENTRIES_OFFSET + <u32>n * ENTRY_BYTES + 4 + 1 + 31) & ~31; }
export function baseCrcAt(n: i32): u32 { return ENTRIES_OFFSET + <u32>n * ENTRY_BYTES; }
/** Bytes of one commit slot: magic, event counter, one i64 per entry, CRC, end mark. */
export function commitBytes(n: i32): u32 { return (12 + <u32>n * 8 + 1 + 7) & ~7; }
export function commitCrcAt(n: i32): u32 { return 8 + <u32>n * 8; }

// The geometry for the current entry count (set by journalGeometry).
export let geoEntries: i32 = 0;
export let geoBase: u32 = 0;
export let geoCommit: u32 = 0;
export let geoCommitSlots: u32 = 0;
export let geoTallyStart: u32 = 0;
export let geoCopyStride: u32 = 0;
export let geoField: u32 = 0;
export let geoFine: u32 = 0;
export let geoCoarse: u32 = 0;

/** Compute the layout for `n` entries; false if the sector is too small for it. */
export function journalGeometry(n: i32): bool {
  const s = flashSectorBytes - MARK_BYTES;
  const base = baseBytes(n);
  const commit = commitBytes(n);
  const nn = <u32>max(n, 1);
  // Commit slots as many as fit while each tally copy keeps at least 8 bytes per register.
  let slots = MAX_COMMIT_SLOTS;
  while (slots > 1 && <u32>2 * base + slots * commit + COPIES * (FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + <u32>8 * nn) > s) slots--;
  const tallyStart: u32 = <u32>2 * base + slots * commit;
  if (tallyStart + COPIES * (FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + <u32>8 * nn) > s) return false;
  const field = (((s - tallyStart) / COPIES - FRAME_FIELD_BYTES - BOOT_FIELD_BYTES) / nn) & ~1;
  geoEntries = n;
  geoBase = base;
  geoCommit = commit;
  geoCommitSlots = slots;
  geoTallyStart = tallyStart;
  geoField = field;
  geoFine = (field >> 2) & ~1;
  geoCoarse = field - geoFine;
  geoCopyStride = FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + nn * field;
  return true;
}

// Offsets within a sector.
@inline export function baseCopyAt(copy: u32): u32 { return copy * geoBase; }
@inline export function markAt(): u32 { return flashSectorBytes - MARK_BYTES; }
@inline export function commitAt(slot: u32): u32 { return 2 * geoBase + slot * geoCommit; }
@inline export function frameFieldAt(copy: u32): u32 { return geoTallyStart + copy * geoCopyStride; }
@inline export function bootFieldAt(copy: u32): u32 { return frameFieldAt(copy) + FRAME_FIELD_BYTES; }
@inline export function coarseFieldAt(copy: u32, e: i32): u32 { return bootFieldAt(copy) + BOOT_FIELD_BYTES + <u32>e * geoField; }
@inline export function fineFieldAt(copy: u32, e: i32): u32 { return coarseFieldAt(copy, e) + geoCoarse; }
