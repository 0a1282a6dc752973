// Rings of fixed-size billing records in flash sectors of their own (docs/billing.md): appended
// slot by slot, the oldest sector erased when the ring wraps, so the newest (sectors − 1) ×
// slots records are always kept. Integrity as in the journal: CRC, end mark; a record cut by a
// power cut (end mark erased) or a sector whose erase was cut is not damage; anything else is
// reported once (historyDamaged) and voided (programmed to zeros).
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { sectorOffset, historySector } from "../store/layout";
import { recordState, RECORD_ERASED, RECORD_VALID, RECORD_TORN } from "../store/record";
import { sharedRecordBuffer, SHARED_RECORD_BYTES } from "../store/config";

export const RING_MONTHLY = 0;
export const RING_DAILY = 1;
export const RING_PROGRESS = 2;
const RINGS = 3;
export const RECORD_MAGIC: u32 = 0x31484d41; // "AMH1"
const SLOT_VOID = 4;

/**
 * The record buffer every billing module shares (one slot): the configuration store's buffer,
 * free outside a configuration read or save (no billing work runs inside one).
 */
export const RECORD_CAPACITY: u32 = SHARED_RECORD_BYTES;
export const recordBuffer: usize = sharedRecordBuffer;
export let slotBytes: u32 = 0;
export let crcAt: u32 = 0;
export let historyDamaged = false;
/** Damaged records found at start-up (voided). */
export let historyDamagedRecords: u32 = 0;

// Per ring: first sector (index into the history area), sectors, newest seq, write position.
const firstSector = memory.data(4 * RINGS, 4);
const sectorCount = memory.data(4 * RINGS, 4);
const newestSeq = memory.data(4 * RINGS, 4);
const writeSector = memory.data(4 * RINGS, 4);
const writeSlot = memory.data(4 * RINGS, 4);

@inline function get(a: usize, r: i32): u32 { return load<u32>(a + (<usize>r << 2)); }
@inline function put(a: usize, r: i32, v: u32): void { store<u32>(a + (<usize>r << 2), v); }
@inline export function slotsPerSector(): u32 { return flashSectorBytes / slotBytes; }

function slotOffset(r: i32, s: u32, i: u32): u32 { return sectorOffset(historySector(get(firstSector, r) + s)) + i * slotBytes; }

/** Lay the rings out for records of `recordBytes`; false when they do not fit the history sectors. */
export function ringsLayout(recordBytes: u32, historySectors: u32): bool {
  slotBytes = (recordBytes + 31) & ~31;
  crcAt = recordBytes - 8;
  if (slotBytes > RECORD_CAPACITY || slotBytes > flashSectorBytes) return false;
  const slots = slotsPerSector();
  const monthly: u32 = (24 + slots - 1) / slots + 1, daily: u32 = (62 + slots - 1) / slots + 1;
  if (<u32>(monthly + daily + 2) > historySectors) return false;
  put(firstSector, RING_MONTHLY, 0); put(sectorCount, RING_MONTHLY, monthly);
  put(firstSector, RING_DAILY, monthly); put(sectorCount, RING_DAILY, daily);
  put(firstSector, RING_PROGRESS, monthly + daily); put(sectorCount, RING_PROGRESS, 2);
  return true;
}

function readSlot(r: i32, s: u32, i: u32): i32 {
  boardFlashRead(slotOffset(r, s, i), recordBuffer, slotBytes);
  let zero = true;
  for (let k: u32 = 0; k < slotBytes; k += 8) if (load<u64>(recordBuffer + k) != 0) { zero = false; break; }
  if (zero) return SLOT_VOID;
  const state = recordState(recordBuffer, slotBytes, crcAt);
  return state == RECORD_VALID && load<u32>(recordBuffer) != RECORD_MAGIC ? 3 : state;
}

/** A sector whose erase a power cut interrupted: erased slots, at most two unreadable, then written ones. */
function cutErase(r: i32, s: u32): bool {
  const n = slotsPerSector();
  let i: u32 = 0;
  while (i < n && readSlot(r, s, i) == RECORD_ERASED) i++;
  if (i == 0) return false;
  let edge = 0;
  while (i < n && edge < 2) { const st = readSlot(r, s, i); if (st == RECORD_VALID || st == SLOT_VOID) break; i++; edge++; }
  while (i < n) { const st = readSlot(r, s, i); if (st != RECORD_VALID && st != SLOT_VOID) return false; i++; }
  return true;
}

/** Start-up: the newest record and the append position; damage found is voided and flagged. */
export function ringRestore(r: i32): void {
  const n = slotsPerSector();
  const sectors = get(sectorCount, r);
  let best: u32 = 0, bestSector: u32 = 0;
  for (let s: u32 = 0; s < sectors; s++) {
    for (let i: u32 = 0; i < n; i++) {
      if (readSlot(r, s, i) != RECORD_VALID) continue;
      const seq = load<u32>(recordBuffer, 4);
      if (seq > best) { best = seq; bestSector = s; }
    }
  }
  put(newestSeq, r, best);
  put(writeSector, r, bestSector);
  // Append after the last written slot of the newest sector (a cut record there is skipped).
  let w: u32 = n;
  while (w > 0 && readSlot(r, bestSector, w - 1) == RECORD_ERASED) w--;
  put(writeSlot, r, w);
  for (let s: u32 = 0; s < sectors; s++) {
    // The sector after the newest one may be an interrupted erase: it is erased again before use.
    if (s == (bestSector + 1) % sectors && cutErase(r, s)) continue;
    for (let i: u32 = 0; i < n; i++) {
      const st = readSlot(r, s, i);
      if (st == RECORD_VALID || st == RECORD_ERASED || st == SLOT_VOID) continue;
      // A cut append: the last written slot of the newest sector, end mark erased.
      if (st == RECORD_TORN && s == bestSector && i + 1 == w) continue;
      historyDamaged = true;
      historyDamagedRecords++;
      memory.fill(recordBuffer, 0, slotBytes);
      boardFlashProgram(slotOffset(r, s, i), recordBuffer, slotBytes);
    }
  }
}

export function ringNewestSeq(r: i32): u32 { return get(newestSeq, r); }

/** Append the record built in recordBuffer (seq filled in here); false when flash refused it. */
export function ringAppend(r: i32): bool {
  let s = get(writeSector, r);
  let i = get(writeSlot, r);
  if (i >= slotsPerSector()) {
    s = (s + 1) % get(sectorCount, r);
    i = 0;
    if (boardFlashErase(historySector(get(firstSector, r) + s)) != 0) return false;
  }
  const seq = get(newestSeq, r) + 1;
  store<u32>(recordBuffer, RECORD_MAGIC);
  store<u32>(recordBuffer, seq, 4);
  store<u32>(recordBuffer + crcAt, 0);
  sealRecord();
  const ok = boardFlashProgram(slotOffset(r, s, i), recordBuffer, slotBytes) == 0;
  put(writeSector, r, s);
  put(writeSlot, r, i + 1); // a failed program may have left bits: never reuse the slot
  if (ok) put(newestSeq, r, seq);
  return ok;
}

import { crc32 } from "../frame/crc32";
function sealRecord(): void {
  store<u32>(recordBuffer + crcAt, crc32(recordBuffer, crcAt));
  memory.fill(recordBuffer + crcAt + 4, 0, slotBytes - crcAt - 4);
}

/** Read the i-th newest valid record of ring r into recordBuffer; false past the oldest. */
export function ringAt(r: i32, newestFirst: u32): bool {
  const n = slotsPerSector();
  const sectors = get(sectorCount, r);
  let s = get(writeSector, r);
  let i = <i32>get(writeSlot, r);
  let seen: u32 = 0;
  for (let k: u32 = 0; k < sectors * n; k++) {
    if (--i < 0) { s = (s + sectors - 1) % sectors; i = <i32>n - 1; }
    if (readSlot(r, s, <u32>i) != RECORD_VALID) continue;
    if (seen++ == newestFirst) return true;
  }
  return false;
}
