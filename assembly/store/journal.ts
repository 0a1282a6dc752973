// Register journal: a ring of sectors, each holding one base record (every persistent
// register's exact value, a sequence number and a CRC) followed by pair-coded tally fields
// that add whole steps to each register without erasing. Start-up takes the newest sector whose
// base record is valid; a torn base or a torn erase leaves the previous sector in charge.
// Format and the loss and wear arithmetic: docs/storage.md.
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { crc32 } from "../frame/crc32";
import { getI32, setI32, getI64, setI64 } from "../util/mem";
import { tallyCount, tallyAdvance, tallyCapacity, tallyDamaged } from "./tally";
import { journalSectors, sectorOffset, JOURNAL_FIRST_SECTOR } from "./layout";
import { persistentRegisterCount, persistentRegisterId, registerValue, registersRestore, registerUnitClass, UNIT_ENERGY, UNIT_VOLUME } from "../registers";

const MAGIC: u32 = 0x314a4d41; // "AMJ1"
const HEADER_BYTES: u32 = 512;
const ENTRY_BYTES: u32 = 20;
const ENTRIES_OFFSET: u32 = 24;
const CRC_OFFSET: u32 = HEADER_BYTES - 4;
const FRAME_FIELD_BYTES: u32 = 64;
/** Boots are counted here, not in the configuration copies, so a start-up never erases. */
const BOOT_FIELD_BYTES: u32 = 32;
export const MAX_ENTRIES: i32 = 22;
/** Frame counters reserved per tally step of the frame-counter field. */
export const FRAME_COUNTER_BLOCK: u32 = 64;

const header = memory.data(<i32>HEADER_BYTES, 8);

// Per entry (tallied register): id, base value, steps, field counts. The persisted value is
// derived from them (entryValue), never kept separately.
const entryId = memory.data(4 * MAX_ENTRIES);
const baseValue = memory.data(8 * MAX_ENTRIES);
const coarseStep = memory.data(8 * MAX_ENTRIES);
const fineStep = memory.data(8 * MAX_ENTRIES);
const coarseCount = memory.data(4 * MAX_ENTRIES);
const fineCount = memory.data(4 * MAX_ENTRIES);
const lastPersistUs = memory.data(8 * MAX_ENTRIES);
let entries: i32 = 0;

let currentSector: u32 = 0; // index within the journal ring
let currentSeq: u32 = 0;
let nextErased = false;
let frameBase: u32 = 0;
let frameSteps: i32 = 0;
let bootBase: u32 = 0;
let bootSteps: i32 = 0;

/** Settings (defaults: 10 Wh / 10 L / 10 pulses coarse, a tenth of that fine, 5 minutes). */
export let stepWh: i64 = 10;
export let persistIntervalUs: i64 = 300_000_000;
/** Event counter as last written in a base record (the event log keeps its own copy). */
export let journalEventCounter: u32 = 0;
export let journalDamaged = false;

function fieldBytes(): u32 {
  const perEntry = (flashSectorBytes - HEADER_BYTES - FRAME_FIELD_BYTES - BOOT_FIELD_BYTES) / <u32>max(entries, 1);
  return perEntry & ~1;
}
@inline function fineBytes(): u32 { return (fieldBytes() >> 2) & ~1; }
@inline function coarseBytes(): u32 { return fieldBytes() - fineBytes(); }
function frameFieldOffset(): u32 { return sectorOffset(JOURNAL_FIRST_SECTOR + currentSector) + HEADER_BYTES; }
function bootFieldOffset(): u32 { return frameFieldOffset() + FRAME_FIELD_BYTES; }
function coarseOffset(e: i32): u32 { return bootFieldOffset() + BOOT_FIELD_BYTES + <u32>e * fieldBytes(); }
function fineOffset(e: i32): u32 { return coarseOffset(e) + coarseBytes(); }

function coarseStepFor(id: i32): i64 {
  const unit = registerUnitClass(id);
  if (unit == UNIT_ENERGY) return stepWh * 1_000_000; // µWh
  if (unit == UNIT_VOLUME) return stepWh * 1_000; // mL: 10 L by default
  return stepWh; // counts
}

function entryValue(e: i32): i64 {
  return getI64(baseValue, e) + <i64>getI32(coarseCount, e) * getI64(coarseStep, e) + <i64>getI32(fineCount, e) * getI64(fineStep, e);
}

/** Start-ups since the store was created (event log records carry it). */
export function bootCount(): u32 {
  return bootBase + <u32>bootSteps;
}

/** The highest frame counter that may be used without a new reservation. */
export function frameCounterCeiling(): u32 {
  return frameBase + <u32>frameSteps * FRAME_COUNTER_BLOCK;
}

/** Read and check the base record of journal sector `s` into `header`. */
function readBase(s: u32): bool {
  boardFlashRead(sectorOffset(JOURNAL_FIRST_SECTOR + s), header, HEADER_BYTES);
  if (load<u32>(header) != MAGIC) return false;
  if (load<u32>(header + CRC_OFFSET) != crc32(header, CRC_OFFSET)) return false;
  const n = <i32>load<u16>(header, 16);
  return n >= 0 && n <= MAX_ENTRIES;
}

/** Start-up: find the newest valid sector and restore the registers from it. */
export function journalRestore(): void {
  const sectors = journalSectors();
  let best: i32 = -1;
  let bestSeq: u32 = 0;
  let anyWritten = false;
  for (let s: u32 = 0; s < sectors; s++) {
    if (readBase(s)) {
      const seq = load<u32>(header, 4);
      if (best < 0 || seq > bestSeq) { best = <i32>s; bestSeq = seq; }
    } else if (load<u32>(header) != 0xffffffff) {
      anyWritten = true; // torn or damaged: noted, the newest valid sector still wins
    }
  }
  journalDamaged = false;
  if (best < 0) {
    journalDamaged = anyWritten;
    currentSector = sectors - 1;
    currentSeq = 0;
    journalStartFresh(0);
    return;
  }
  currentSector = <u32>best;
  readBase(currentSector);
  currentSeq = bestSeq;
  frameBase = load<u32>(header, 8);
  journalEventCounter = load<u32>(header, 12);
  entries = <i32>load<u16>(header, 16);
  bootBase = load<u32>(header, 20);
  for (let e = 0; e < entries; e++) {
    const at = header + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    setI32(entryId, e, <i32>load<u8>(at));
    setI64(baseValue, e, load<i64>(at, 4));
    setI64(coarseStep, e, <i64>load<u32>(at, 12));
    setI64(fineStep, e, <i64>load<u32>(at, 16));
  }
  frameSteps = tallyCount(frameFieldOffset(), FRAME_FIELD_BYTES);
  if (tallyDamaged) journalDamaged = true;
  bootSteps = tallyCount(bootFieldOffset(), BOOT_FIELD_BYTES);
  if (tallyDamaged) journalDamaged = true;
  for (let e = 0; e < entries; e++) {
    setI32(coarseCount, e, tallyCount(coarseOffset(e), coarseBytes()));
    if (tallyDamaged) journalDamaged = true;
    setI32(fineCount, e, tallyCount(fineOffset(e), fineBytes()));
    if (tallyDamaged) journalDamaged = true;
    setI64(lastPersistUs, e, 0);
    registersRestore(getI32(entryId, e), entryValue(e));
  }
  nextErased = false;
}

/** Write a new base record with every register's exact value into the next sector. */
function roll(nowUs: i64, eventCounter: u32): bool {
  const next = (currentSector + 1) % journalSectors();
  // Erased ahead, or still blank (a new device): no erase needed.
  if (!nextErased && !sectorBlank(JOURNAL_FIRST_SECTOR + next)) boardFlashErase(JOURNAL_FIRST_SECTOR + next);
  nextErased = false;
  const ceiling = frameCounterCeiling();
  memory.fill(header, 0xff, HEADER_BYTES);
  store<u32>(header, MAGIC);
  store<u32>(header, currentSeq + 1, 4);
  store<u32>(header, ceiling, 8);
  store<u32>(header, eventCounter, 12);
  store<u16>(header, <u16>entries, 16);
  store<u16>(header, 0, 18);
  store<u32>(header, bootCount(), 20);
  for (let e = 0; e < entries; e++) {
    const at = header + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    const id = getI32(entryId, e);
    store<u8>(at, <u8>id);
    store<u8>(at, 0, 1);
    store<u16>(at, 0, 2);
    store<i64>(at, registerValue(id), 4);
    store<u32>(at, <u32>getI64(coarseStep, e), 12);
    store<u32>(at, <u32>getI64(fineStep, e), 16);
  }
  store<u32>(header + CRC_OFFSET, crc32(header, CRC_OFFSET));
  if (boardFlashProgram(sectorOffset(JOURNAL_FIRST_SECTOR + next), header, HEADER_BYTES) != 0) return false;
  currentSector = next;
  currentSeq++;
  frameBase = ceiling;
  frameSteps = 0;
  bootBase = bootCount();
  bootSteps = 0;
  journalEventCounter = eventCounter;
  for (let e = 0; e < entries; e++) {
    const at = header + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    setI64(baseValue, e, load<i64>(at, 4));
    setI32(coarseCount, e, 0);
    setI32(fineCount, e, 0);
    setI64(lastPersistUs, e, nowUs);
  }
  return true;
}

/** A fresh journal (empty or unreadable flash): the board's registers from their current values. */
function journalStartFresh(eventCounter: u32): void {
  entries = 0;
  const n = persistentRegisterCount();
  for (let i = 0; i < n && entries < MAX_ENTRIES; i++) {
    const id = persistentRegisterId(i);
    setI32(entryId, entries, id);
    const coarse = coarseStepFor(id);
    setI64(coarseStep, entries, coarse);
    setI64(fineStep, entries, max<i64>(coarse / 10, 1));
    entries++;
  }
  frameBase = 0;
  frameSteps = 0;
  bootBase = 0;
  bootSteps = 0;
  roll(0, eventCounter);
}

/** Periodic work: persist whole steps, pre-erase the next sector. */
export function journalTick(nowUs: i64, eventCounter: u32): void {
  for (let e = 0; e < entries; e++) {
    const unpersisted = registerValue(getI32(entryId, e)) - entryValue(e);
    if (unpersisted <= 0) {
      setI64(lastPersistUs, e, nowUs);
      continue;
    }
    const coarse = getI64(coarseStep, e);
    const fine = getI64(fineStep, e);
    if (unpersisted >= coarse) {
      if (!advance(e, true, <i32>min<i64>(unpersisted / coarse, 200), nowUs, eventCounter)) return;
    } else if (nowUs - getI64(lastPersistUs, e) >= persistIntervalUs && unpersisted >= fine) {
      if (!advance(e, false, <i32>(unpersisted / fine), nowUs, eventCounter)) return;
    }
  }
  if (!nextErased) {
    const next = JOURNAL_FIRST_SECTOR + (currentSector + 1) % journalSectors();
    // Erase only when needed: a restart must not wear the sector that is already blank.
    if (!sectorBlank(next)) {
      boardFlashErase(next);
    }
    nextErased = true;
  }
}

function sectorBlank(sector: u32): bool {
  for (let at: u32 = 0; at < flashSectorBytes; at += HEADER_BYTES) {
    boardFlashRead(sectorOffset(sector) + at, header, HEADER_BYTES);
    for (let i: u32 = 0; i < HEADER_BYTES; i += 8) if (load<u64>(header + i) != u64.MAX_VALUE) return false;
  }
  return true;
}

/** Add `steps` to an entry's coarse or fine field, rolling to a new sector when it is full. */
function advance(e: i32, coarse: bool, steps: i32, nowUs: i64, eventCounter: u32): bool {
  const counts = coarse ? coarseCount : fineCount;
  const used = getI32(counts, e);
  if (used + steps > tallyCapacity(coarse ? coarseBytes() : fineBytes())) return roll(nowUs, eventCounter);
  if (!tallyAdvance(coarse ? coarseOffset(e) : fineOffset(e), used, steps)) return false;
  setI32(counts, e, used + steps);
  setI64(lastPersistUs, e, nowUs);
  return true;
}

/** Count this start-up: one pair in the boot field (a roll when it is full), no erase. */
export function journalCountBoot(nowUs: i64, eventCounter: u32): void {
  if (bootSteps + 1 > tallyCapacity(BOOT_FIELD_BYTES) && !roll(nowUs, eventCounter)) return;
  if (tallyAdvance(bootFieldOffset(), bootSteps, 1)) bootSteps++;
}

/** Make sure frame counter `counter` is reserved in flash before a frame uses it. */
export function journalReserveFrameCounter(counter: u32, nowUs: i64, eventCounter: u32): bool {
  while (counter > frameCounterCeiling()) {
    if (frameSteps + 1 > tallyCapacity(FRAME_FIELD_BYTES)) {
      if (!roll(nowUs, eventCounter)) return false;
      continue;
    }
    if (!tallyAdvance(frameFieldOffset(), frameSteps, 1)) return false;
    frameSteps++;
  }
  return true;
}

/** Imminent power loss, or a register reset: everything exact, now. */
export function journalCommit(nowUs: i64, eventCounter: u32): bool {
  return roll(nowUs, eventCounter);
}

/** The persisted value of register `id` (what frames report), or -1 if it is not journalled. */
export function journalPersisted(id: i32): i64 {
  for (let e = 0; e < entries; e++) if (getI32(entryId, e) == id) return entryValue(e);
  return -1;
}
