// The metrological log (WELMEC 7.2 "event logger", docs/console.md): every legally relevant
// event — calibration and protected settings, PIN, frame key, firmware identity, register
// resets, factory reset, store damage — in two sectors that are never erased while they hold a
// record not yet read out and acknowledged. Nothing else writes here (wrong PINs are counted in
// the lockout sectors, unprotected settings go to the ordinary event log only), so nothing can
// evict a record. When the log is nearly full, protected changes are refused until an unlocked
// installer reads it out (`metrolog`) and acknowledges it (`metrolog ack`, itself a record).
// A record: seq, event counter (the one frames carry), boot, uptime s, type, key, old, new, CRC.
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { crc32 } from "../frame/crc32";
import { sectorOffset, metrologSector } from "./layout";

export const METROLOG_RECORD_BYTES: u32 = 40;
const CRC_AT: u32 = 36;
/** Record type of an acknowledgement (new value: the last record it covers, itself included). */
export const EVENT_LOG_ACK: u16 = 20;
/** Records kept free for events that cannot be refused (firmware identity, store damage, the ack). */
export const METROLOG_RESERVE: u32 = 3;

const record = memory.data(<i32>METROLOG_RECORD_BYTES, 8);
let current: u32 = 0;
let writeSlot: u32 = 0;
let newestSeq: u32 = 0;
let ackedSeq: u32 = 0;
let otherNewestSeq: u32 = 0; // newest record in the other sector (0: none)
/** Events that found the log completely full (counted, shown by `metrolog`; RAM only). */
export let metrologOverflow: u32 = 0;
export let metrologDamaged = false;
let readOutSeq: u32 = 0; // newest record printed by a whole read-out since start-up

@inline function slots(): u32 { return flashSectorBytes / METROLOG_RECORD_BYTES; }
function slotOffset(s: u32, i: u32): u32 { return sectorOffset(metrologSector(s)) + i * METROLOG_RECORD_BYTES; }

/** 1 valid, 0 erased, 2 voided (all zero: damage already reported), -1 damaged; the record is in `record`. */
function readSlot(s: u32, i: u32): i32 {
  boardFlashRead(slotOffset(s, i), record, METROLOG_RECORD_BYTES);
  let erased = true;
  let zero = true;
  for (let k: u32 = 0; k < METROLOG_RECORD_BYTES; k += 4) {
    const w = load<u32>(record + k);
    if (w != 0xffffffff) erased = false;
    if (w != 0) zero = false;
  }
  if (erased) return 0;
  if (zero) return 2;
  return load<u32>(record + CRC_AT) == crc32(record, CRC_AT) ? 1 : -1;
}

let damagedSlots: u32 = 0;
let damagedSector: u32 = 0;
let damagedSlot: u32 = 0;

/** Newest sequence number in sector s (0: none); notes acknowledgements and damaged slots. */
function scan(s: u32): u32 {
  let newest: u32 = 0;
  for (let i: u32 = 0; i < slots(); i++) {
    const state = readSlot(s, i);
    if (state < 0) { damagedSlots++; damagedSector = s; damagedSlot = i; continue; }
    if (state != 1) continue;
    const seq = load<u32>(record);
    if (seq > newest) newest = seq;
    if (load<u16>(record, 16) == EVENT_LOG_ACK && <u32>load<i64>(record, 28) > ackedSeq) ackedSeq = <u32>load<i64>(record, 28);
  }
  return newest;
}

export function metrologRestore(): void {
  metrologDamaged = false;
  damagedSlots = 0;
  ackedSeq = 0;
  metrologOverflow = 0;
  readOutSeq = 0;
  const a = scan(0);
  const b = scan(1);
  current = b > a ? 1 : 0;
  newestSeq = b > a ? b : a;
  otherNewestSeq = b > a ? a : b;
  // Write after the last used slot of the newest sector (a damaged slot is never reused).
  writeSlot = slots();
  while (writeSlot > 0 && readSlot(current, writeSlot - 1) == 0) writeSlot--;
  // A bad record in the last used slot is a write cut by a power failure (it never counted);
  // a bad record anywhere else is damage, reported as such.
  const torn = damagedSlots == 1 && damagedSector == current && damagedSlot + 1 == writeSlot;
  metrologDamaged = damagedSlots > 0 && !torn;
  if (damagedSlots > 0) voidDamaged();
}

/** Program every damaged slot to zeros (bits only go 1 -> 0): reported once, never again. */
function voidDamaged(): void {
  for (let s: u32 = 0; s < 2; s++) {
    for (let i: u32 = 0; i < slots(); i++) {
      if (readSlot(s, i) >= 0) continue;
      memory.fill(record, 0, METROLOG_RECORD_BYTES);
      boardFlashProgram(slotOffset(s, i), record, METROLOG_RECORD_BYTES);
    }
  }
}

/** Records not yet acknowledged. */
export function metrologUnacked(): u32 { return newestSeq - ackedSeq; }
export function metrologNewestSeq(): u32 { return newestSeq; }
export function metrologCapacity(): u32 { return 2 * slots(); }

/** Records that can still be written without losing one that is not acknowledged. */
export function metrologFree(): u32 {
  const here = slots() - writeSlot;
  return otherNewestSeq <= ackedSeq ? here + slots() : here;
}

/** A protected change may go ahead (its record, and the reserve behind it, fit). */
export function metrologHasRoom(): bool { return metrologFree() > METROLOG_RESERVE; }

/** Append a record; false when the log is completely full (the event is then only counted). */
export function metrologAppend(type: u16, key: u16, oldValue: i64, newValue: i64, counter: u32, boot: u32, uptimeS: u32): bool {
  if (writeSlot >= slots()) {
    if (otherNewestSeq > ackedSeq) { metrologOverflow++; return false; }
    const other = current ^ 1;
    if (boardFlashErase(metrologSector(other)) != 0) { metrologOverflow++; return false; }
    otherNewestSeq = newestSeq;
    current = other;
    writeSlot = 0;
  }
  const seq = newestSeq + 1;
  store<u32>(record, seq);
  store<u32>(record, counter, 4);
  store<u32>(record, boot, 8);
  store<u32>(record, uptimeS, 12);
  store<u16>(record, type, 16);
  store<u16>(record, key, 18);
  store<i64>(record, oldValue, 20);
  store<i64>(record, type == EVENT_LOG_ACK ? <i64>seq : newValue, 28);
  store<u32>(record + CRC_AT, crc32(record, CRC_AT));
  const ok = boardFlashProgram(slotOffset(current, writeSlot), record, METROLOG_RECORD_BYTES) == 0;
  writeSlot++; // a failed program may have left bits: never reuse the slot
  if (!ok) { metrologOverflow++; return false; }
  newestSeq = seq;
  if (type == EVENT_LOG_ACK) ackedSeq = seq;
  return true;
}

/** The i-th newest valid record (a pointer to it, valid until the next call), or 0. */
export function metrologAt(newestFirstIndex: u32): usize {
  let seen: u32 = 0;
  for (let round = 0; round < 2; round++) {
    const s = round == 0 ? current : current ^ 1;
    for (let i = <i32>slots() - 1; i >= 0; i--) {
      if (readSlot(s, <u32>i) != 1) continue;
      if (seen++ == newestFirstIndex) return record;
    }
  }
  return 0;
}

/** A whole read-out has printed every record up to the newest. */
export function metrologMarkReadOut(): void { readOutSeq = newestSeq; }
/** Every record not acknowledged was printed by a whole read-out since it was written. */
export function metrologReadOut(): bool { return readOutSeq == newestSeq; }
