// Reads a flash image the way docs/storage.md describes it, independently of the firmware: the
// register journal (format AMJ3: newest sector with a valid base copy, the median of three tally
// copies, the newest commit slot), the two configuration copies and the event log. Tests use it
// to know what was persisted before a power cut or damage; an operator can use it to inspect a
// dumped partition.
import { crc32 } from "../frame/crc32.js";

export const JOURNAL_FIRST_SECTOR = 4;
const BASE_MAGIC = 0x334a4d41; // "AMJ3"
const COMMIT_MAGIC = 0x324b4d41; // "AMK2"
const MAX_ENTRIES = 22;
const FRAME_FIELD_BYTES = 64;
const BOOT_FIELD_BYTES = 32;
const COPIES = 3;
const MAX_COMMIT_SLOTS = 16;
/** The last bytes of every journal sector: zeros once a newer sector's base is complete. */
export const MARK_BYTES = 16;
export const FRAME_COUNTER_BLOCK = 64;

export interface JournalEntry { id: number; base: bigint; coarseStep: bigint; fineStep: bigint; coarse: number; fine: number; commit: bigint | null }

export interface JournalState {
  sector: number;
  seq: number;
  /** Register id -> persisted integer value (µWh, mL or count). */
  values: Map<number, bigint>;
  entries: JournalEntry[];
  frameCounterCeiling: number;
  /** Frame counters one sector's frame field can reserve. */
  frameFieldCounters: number;
  eventCounter: number;
  /** Start-ups counted since the store was created. */
  bootCount: number;
  commitSlots: number;
  commitsUsed: number;
}

/** Steps of one pair-coded tally copy: leading pairs with both bits cleared. */
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

export interface Geometry { n: number; base: number; commit: number; slots: number; tallyStart: number; stride: number; field: number; fine: number; coarse: number }

/** The sector layout for `n` journalled registers (docs/storage.md, "Register journal"). */
export function geometry(sectorBytes: number, n: number): Geometry | null {
  sectorBytes -= MARK_BYTES; // the sector's last bytes: the superseded mark
  const base = Math.ceil((24 + 20 * n + 5) / 32) * 32;
  const commit = Math.ceil((12 + 8 * n + 1) / 8) * 8;
  const nn = Math.max(n, 1);
  const minTallies = COPIES * (FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + 8 * nn);
  let slots = MAX_COMMIT_SLOTS;
  while (slots > 1 && 2 * base + slots * commit + minTallies > sectorBytes) slots--;
  const tallyStart = 2 * base + slots * commit;
  if (tallyStart + minTallies > sectorBytes) return null;
  const field = Math.floor((Math.floor((sectorBytes - tallyStart) / COPIES) - FRAME_FIELD_BYTES - BOOT_FIELD_BYTES) / nn) & ~1;
  const fine = (field >> 2) & ~1;
  return { n, base, commit, slots, tallyStart, stride: FRAME_FIELD_BYTES + BOOT_FIELD_BYTES + nn * field, field, fine, coarse: field - fine };
}

/** A record is complete when its CRC matches and its last byte (the end mark) is programmed. */
function validRecord(image: Uint8Array, at: number, len: number, crcAt: number): boolean {
  const view = new DataView(image.buffer, image.byteOffset);
  return image[at + len - 1] !== 0xff && view.getUint32(at + crcAt, true) === crc32(image, at, at + crcAt);
}

function baseAt(image: Uint8Array, at: number): number | null {
  const view = new DataView(image.buffer, image.byteOffset);
  if (view.getUint32(at, true) !== BASE_MAGIC) return null;
  const n = view.getUint16(at + 16, true);
  if (n > MAX_ENTRIES) return null;
  return validRecord(image, at, Math.ceil((24 + 20 * n + 5) / 32) * 32, 24 + 20 * n) ? n : null;
}

/** Offset of a valid base copy of the sector at `at` (copy A, else copy B), or null. */
function findBase(image: Uint8Array, at: number): number | null {
  if (baseAt(image, at) !== null) return at;
  for (let n = 1; n <= MAX_ENTRIES; n++) {
    const size = Math.ceil((24 + 20 * n + 5) / 32) * 32;
    if (baseAt(image, at + size) === n) return at + size;
  }
  return null;
}

/** The newest journal state of an image, or null if no sector has a valid base record. */
export function readJournal(image: Uint8Array, sectorBytes: number, sectors: number): JournalState | null {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  let best: { sector: number; at: number; seq: number } | null = null;
  for (let s = 0; s < sectors - JOURNAL_FIRST_SECTOR; s++) {
    const at = findBase(image, (JOURNAL_FIRST_SECTOR + s) * sectorBytes);
    if (at === null) continue;
    const seq = view.getUint32(at + 4, true);
    if (!best || seq > best.seq) best = { sector: s, at, seq };
  }
  if (!best) return null;
  const sectorAt = (JOURNAL_FIRST_SECTOR + best.sector) * sectorBytes;
  const n = view.getUint16(best.at + 16, true);
  const g = geometry(sectorBytes, n);
  if (!g) return null;
  const counts = (offset: number, bytes: number) => Array.from({ length: COPIES }, (_, c) => countTally(image.subarray(sectorAt + offset + c * g.stride, sectorAt + offset + c * g.stride + bytes)));
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[1];
  // Commit slots: the newest valid one.
  let commit: bigint[] | null = null;
  let commitEvents = 0;
  let commitsUsed = 0;
  for (let slot = 0; slot < g.slots; slot++) {
    const at = sectorAt + 2 * g.base + slot * g.commit;
    if (image.subarray(at, at + g.commit).some((b) => b !== 0xff)) commitsUsed = slot + 1;
    if (view.getUint32(at, true) !== COMMIT_MAGIC || !validRecord(image, at, g.commit, 8 + 8 * n)) continue;
    commit = Array.from({ length: n }, (_, e) => view.getBigInt64(at + 8 + 8 * e, true));
    commitEvents = view.getUint32(at + 4, true);
  }
  const entries: JournalEntry[] = [];
  const values = new Map<number, bigint>();
  const fieldsAt = g.tallyStart + FRAME_FIELD_BYTES + BOOT_FIELD_BYTES;
  for (let e = 0; e < n; e++) {
    const entry = best.at + 24 + e * 20;
    const item: JournalEntry = {
      id: image[entry], base: view.getBigInt64(entry + 4, true),
      coarseStep: BigInt(view.getUint32(entry + 12, true)), fineStep: BigInt(view.getUint32(entry + 16, true)),
      coarse: median(counts(fieldsAt + e * g.field, g.coarse)), fine: median(counts(fieldsAt + e * g.field + g.coarse, g.fine)),
      commit: commit ? commit[e] : null,
    };
    entries.push(item);
    const tallied = item.base + BigInt(item.coarse) * item.coarseStep + BigInt(item.fine) * item.fineStep;
    values.set(item.id, item.commit !== null && item.commit > tallied ? item.commit : tallied);
  }
  const frameSteps = Math.max(...counts(g.tallyStart, FRAME_FIELD_BYTES));
  const boots = Math.max(...counts(g.tallyStart + FRAME_FIELD_BYTES, BOOT_FIELD_BYTES));
  return {
    sector: best.sector, seq: best.seq, values, entries,
    frameCounterCeiling: view.getUint32(best.at + 8, true) + frameSteps * FRAME_COUNTER_BLOCK,
    frameFieldCounters: FRAME_FIELD_BYTES * 4 * FRAME_COUNTER_BLOCK,
    eventCounter: Math.max(view.getUint32(best.at + 12, true), commitEvents),
    bootCount: view.getUint32(best.at + 20, true) + boots,
    commitSlots: g.slots, commitsUsed,
  };
}

export interface StoredEvent { counter: number; boot: number; uptimeS: number; type: number; key: number; oldValue: bigint; newValue: bigint }

/** Every valid record of the event log (sectors 2 and 3: 40-byte records), oldest counter first. */
export function readEvents(image: Uint8Array, sectorBytes: number): StoredEvent[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  const events: StoredEvent[] = [];
  for (let s = 2; s < 4; s++) {
    for (let slot = 0; slot + 40 <= sectorBytes; slot += 40) {
      const at = s * sectorBytes + slot;
      if (image[at + 39] === 0xff || view.getUint32(at + 32, true) !== crc32(image, at, at + 32)) continue;
      events.push({
        counter: view.getUint32(at, true), boot: view.getUint32(at + 4, true), uptimeS: view.getUint32(at + 8, true),
        type: view.getUint16(at + 12, true), key: view.getUint16(at + 14, true),
        oldValue: view.getBigInt64(at + 16, true), newValue: view.getBigInt64(at + 24, true),
      });
    }
  }
  return events.sort((a, b) => a.counter - b.counter);
}
