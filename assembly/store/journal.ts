// Register journal (format AMJ3): a ring of sectors, each holding a base record (every journalled
// register's exact value, written twice), commit slots (exact values at a power-fail warning or a
// reboot, programmed into free space: no erase) and three copies of pair-coded tally fields that
// add whole steps without erasing. Start-up (journal-restore.ts) reads it back and tells torn
// programs from damage. Format, loss and wear arithmetic: docs/storage.md.
import { boardFlashProgram, boardFlashErase } from "../abi/board";
import { tallyAdvance, tallyCapacity } from "./tally";
import { recordSeal, flashErased } from "./record";
import { journalSectors, sectorOffset, JOURNAL_FIRST_SECTOR } from "./layout";
import {
  BASE_MAGIC, COMMIT_MAGIC, MAX_ENTRIES, ENTRIES_OFFSET, ENTRY_BYTES, FRAME_FIELD_BYTES, BOOT_FIELD_BYTES, COPIES,
  baseCrcAt, commitCrcAt, journalGeometry, geoBase, geoCommit, geoCommitSlots, geoFine, geoCoarse,
  baseCopyAt, commitAt, frameFieldAt, bootFieldAt, coarseFieldAt, fineFieldAt, markAt, MARK_BYTES,
} from "./journal-format";
import { coarseStepFor } from "./journal-steps";
import { persistentRegisterCount, persistentRegisterId, registerValue } from "../registers";
import { getI32, setI32, getI64, setI64 } from "../util/mem";
import { flashSectorBytes } from "../board/descriptor";

export { MAX_ENTRIES };
/** Frame counters reserved per tally step of the frame-counter field. */
export const FRAME_COUNTER_BLOCK: u32 = 64;
/** Every journalled register is looked at least this often (one register per slot, round robin). */
export const CHECK_ROUND_US: i64 = 250_000;
/** Steps one tally program may add (a cut can leave the copies this far apart). */
export const MAX_ADVANCE_STEPS: i32 = 32;

export const recordBuffer = memory.data(512, 8);

// Per entry (journalled register): id, base value, steps, field counts, newest commit value.
export const entryId = memory.data(4 * MAX_ENTRIES);
export const baseValue = memory.data(8 * MAX_ENTRIES);
export const coarseStep = memory.data(8 * MAX_ENTRIES);
export const fineStep = memory.data(8 * MAX_ENTRIES);
export const coarseCount = memory.data(4 * MAX_ENTRIES);
export const fineCount = memory.data(4 * MAX_ENTRIES);
export const commitValue = memory.data(8 * MAX_ENTRIES);
const lastPersistUs = memory.data(8 * MAX_ENTRIES);

/** Journal state, set by roll and by journal-restore.ts (through journalSetState). */
let entries: i32 = 0;
let currentSector: u32 = 0; // index within the journal ring
let currentSeq: u32 = 0;
let nextErased = false;
let frameBase: u32 = 0;
let frameSteps: i32 = 0;
/** After a doubt: no counter at or below this is used again. */
let frameFloor: u32 = 0;
let bootBase: u32 = 0;
let bootSteps: i32 = 0;
let nextCommitSlot: u32 = 0;
/** The current sector holds a valid base: mark it superseded after the next roll. */
let currentReadable = false;
let nextCheckUs: i64 = 0;
let checkIndex: i32 = 0;

/** Settings (defaults: 10 Wh / 10 L / 10 pulses at least, a tenth of that fine, 5 minutes). */
export let stepWh: i64 = 10;
export let persistIntervalUs: i64 = 300_000_000;
/** Event counter as last written in a base record or commit (the event log keeps its own copy). */
export let journalEventCounter: u32 = 0;

export function journalEntries(): i32 { return entries; }
export function journalSetState(n: i32, sector: u32, seq: u32, frame: u32, frameCount: i32, boot: u32, bootCountSteps: i32, events: u32, commitSlot: u32): void {
  entries = n;
  currentSector = sector;
  currentSeq = seq;
  frameBase = frame;
  frameSteps = frameCount;
  bootBase = boot;
  bootSteps = bootCountSteps;
  journalEventCounter = events;
  nextCommitSlot = commitSlot;
  nextErased = false;
  currentReadable = true;
  nextCheckUs = 0;
  checkIndex = 0;
  for (let e = 0; e < n; e++) setI64(lastPersistUs, e, 0);
}
/** Raise the floor under the next frame counter (start-up after a doubt). */
export function journalRaiseFrameFloor(floor: u32): void { if (floor > frameFloor) frameFloor = floor; }
export function journalResetFloor(): void { frameFloor = 0; }
/** Base ceiling of a journal whose counters are held (no frame may be sent): docs/storage.md. */
export const CEILING_HELD: u32 = 0xffffffff;
/** Counters continue from `start` (or are held: CEILING_HELD), persisted at once by a roll. */
export function journalSetFrameStart(start: u32, nowUs: i64, eventCounter: u32): bool {
  frameBase = start;
  frameSteps = 0;
  frameFloor = 0;
  return roll(nowUs, eventCounter);
}

function tallyValue(e: i32): i64 {
  return getI64(baseValue, e) + <i64>getI32(coarseCount, e) * getI64(coarseStep, e) + <i64>getI32(fineCount, e) * getI64(fineStep, e);
}
/** Persisted value: tallies, or the newest commit if higher (both never exceed the truth). */
export function entryValue(e: i32): i64 { return max<i64>(tallyValue(e), getI64(commitValue, e)); }

/** Start-ups since the store was created (event log records carry it). */
export function bootCount(): u32 { return bootBase + <u32>bootSteps; }

/** The highest frame counter that may be used without a new reservation. */
export function frameCounterCeiling(): u32 {
  const c = frameBase + <u32>frameSteps * FRAME_COUNTER_BLOCK;
  return c > frameFloor ? c : frameFloor;
}
/** Frame counters one sector's frame field can reserve. */
export function frameFieldCounters(): u32 { return <u32>tallyCapacity(FRAME_FIELD_BYTES) * FRAME_COUNTER_BLOCK; }

function sectorAt(s: u32): u32 { return sectorOffset(JOURNAL_FIRST_SECTOR + s); }

/** Write a new base record (twice) with every register's exact value into the next sector. */
function roll(nowUs: i64, eventCounter: u32): bool {
  const sectors = journalSectors();
  const next = (currentSector + 1) % sectors;
  // Erased ahead, or still blank (a new device): no erase needed.
  if (!nextErased && !flashErased(sectorAt(next), flashSectorBytes)) boardFlashErase(JOURNAL_FIRST_SECTOR + next);
  nextErased = false;
  const ceiling = frameCounterCeiling();
  const boot = bootCount();
  const b = recordBuffer;
  memory.fill(b, 0, geoBase);
  store<u32>(b, BASE_MAGIC);
  store<u32>(b, currentSeq + 1, 4);
  store<u32>(b, ceiling, 8);
  store<u32>(b, eventCounter, 12);
  store<u16>(b, <u16>entries, 16);
  store<u32>(b, boot, 20);
  const capacity = tallyCapacity(geoCoarse);
  for (let e = 0; e < entries; e++) {
    const at = b + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    const id = getI32(entryId, e);
    // Steps follow the current settings (energy per pulse, step) at every roll.
    const coarse = coarseStepFor(id, stepWh, capacity, sectors);
    store<u8>(at, <u8>id);
    store<i64>(at, registerValue(id), 4);
    store<u32>(at, <u32>coarse, 12);
    store<u32>(at, <u32>max<i64>(coarse / 10, 1), 16);
  }
  recordSeal(b, geoBase, baseCrcAt(entries));
  for (let copy: u32 = 0; copy < 2; copy++) {
    if (boardFlashProgram(sectorAt(next) + baseCopyAt(copy), b, geoBase) != 0) return false;
  }
  if (currentReadable) {
    memory.fill(b, 0, MARK_BYTES);
    boardFlashProgram(sectorAt(currentSector) + markAt(), b, MARK_BYTES);
  }
  currentReadable = true;
  currentSector = next;
  currentSeq++;
  frameBase = ceiling;
  frameSteps = 0;
  frameFloor = 0;
  bootBase = boot;
  bootSteps = 0;
  nextCommitSlot = 0;
  journalEventCounter = eventCounter;
  for (let e = 0; e < entries; e++) {
    const at = b + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    setI64(baseValue, e, load<i64>(at, 4));
    setI64(coarseStep, e, <i64>load<u32>(at, 12));
    setI64(fineStep, e, <i64>load<u32>(at, 16));
    setI32(coarseCount, e, 0);
    setI32(fineCount, e, 0);
    setI64(commitValue, e, -1);
    setI64(lastPersistUs, e, nowUs);
  }
  return true;
}

/** A fresh journal (empty or unreadable flash): the board's registers from their current values. */
export function journalStartFresh(nowUs: i64, eventCounter: u32, frameStart: u32): bool {
  entries = 0;
  const n = persistentRegisterCount();
  for (let i = 0; i < n && entries < MAX_ENTRIES; i++) setI32(entryId, entries++, persistentRegisterId(i));
  if (!journalGeometry(entries)) return false;
  currentSector = journalSectors() - 1;
  currentSeq = 0;
  currentReadable = false;
  frameBase = frameStart;
  frameSteps = 0;
  bootBase = 0;
  bootSteps = 0;
  return roll(nowUs, eventCounter);
}

/** A new base record now (after damage was found at start-up: a clean sector, the floor persisted). */
export function journalRollNow(nowUs: i64, eventCounter: u32): bool { return roll(nowUs, eventCounter); }

/**
 * Periodic work, cheap when nothing is due: one register is looked at per slot of
 * CHECK_ROUND_US / entries (so each at least every 250 ms); the next sector is erased ahead once.
 */
export function journalTick(nowUs: i64, eventCounter: u32): void {
  if (nowUs < nextCheckUs) return;
  const slotUs = CHECK_ROUND_US / <i64>max(entries, 1);
  nextCheckUs = nextCheckUs + slotUs > nowUs ? nextCheckUs + slotUs : nowUs + slotUs;
  if (!nextErased) {
    const next = (currentSector + 1) % journalSectors();
    // Erase only when needed: a restart must not wear the sector that is already blank.
    if (!flashErased(sectorAt(next), flashSectorBytes)) boardFlashErase(JOURNAL_FIRST_SECTOR + next);
    nextErased = true;
    return;
  }
  if (entries == 0) return;
  if (checkIndex >= entries) checkIndex = 0;
  checkEntry(checkIndex++, nowUs, eventCounter);
}

/** Persist whole steps of every register now: before a frame, so it carries what the flash holds. */
export function journalCheckAll(nowUs: i64, eventCounter: u32): void {
  for (let e = 0; e < entries; e++) checkEntry(e, nowUs, eventCounter);
}

/** Look at every register now (the next ticks would); used after settings change. */
export function journalCheckSoon(): void { nextCheckUs = 0; }

function checkEntry(e: i32, nowUs: i64, eventCounter: u32): void {
  const now = registerValue(getI32(entryId, e));
  if (now - entryValue(e) <= 0) {
    setI64(lastPersistUs, e, nowUs);
    return;
  }
  // Steps count from the tallies, so they stay within one step of the truth whatever a commit held.
  const over = now - tallyValue(e);
  const coarse = getI64(coarseStep, e);
  const fine = getI64(fineStep, e);
  if (over >= coarse) {
    advance(e, true, <i32>min<i64>(over / coarse, MAX_ADVANCE_STEPS), nowUs, eventCounter);
  } else if (nowUs - getI64(lastPersistUs, e) >= persistIntervalUs && now - entryValue(e) >= fine) {
    advance(e, false, <i32>min<i64>(over / fine, MAX_ADVANCE_STEPS), nowUs, eventCounter);
  }
}

/** Add `steps` to an entry's coarse or fine field (all copies), rolling to a new sector when it is full. */
function advance(e: i32, coarse: bool, steps: i32, nowUs: i64, eventCounter: u32): bool {
  const counts = coarse ? coarseCount : fineCount;
  const used = getI32(counts, e);
  if (used + steps > tallyCapacity(coarse ? geoCoarse : geoFine)) return roll(nowUs, eventCounter);
  for (let c: u32 = 0; c < COPIES; c++) {
    const at = sectorAt(currentSector) + (coarse ? coarseFieldAt(c, e) : fineFieldAt(c, e));
    if (!tallyAdvance(at, used, steps)) return false;
  }
  setI32(counts, e, used + steps);
  setI64(lastPersistUs, e, nowUs);
  return true;
}

/** Count this start-up: one pair in the boot field (a roll when it is full), no erase. */
export function journalCountBoot(nowUs: i64, eventCounter: u32): void {
  if (bootSteps + 1 > tallyCapacity(BOOT_FIELD_BYTES) && !roll(nowUs, eventCounter)) return;
  for (let c: u32 = 0; c < COPIES; c++) if (!tallyAdvance(sectorAt(currentSector) + bootFieldAt(c), bootSteps, 1)) return;
  bootSteps++;
}

/** Make sure frame counter `counter` is reserved in flash before a frame uses it. */
export function journalReserveFrameCounter(counter: u32, nowUs: i64, eventCounter: u32): bool {
  if (frameBase == CEILING_HELD) return false;
  while (counter > frameCounterCeiling()) {
    if (frameSteps + 1 > tallyCapacity(FRAME_FIELD_BYTES) || frameFloor > frameBase + <u32>frameSteps * FRAME_COUNTER_BLOCK) {
      if (!roll(nowUs, eventCounter)) return false;
      continue;
    }
    for (let c: u32 = 0; c < COPIES; c++) if (!tallyAdvance(sectorAt(currentSector) + frameFieldAt(c), frameSteps, 1)) return false;
    frameSteps++;
  }
  return true;
}

/**
 * Imminent power loss or a reboot: every register's exact value into the next free commit slot
 * of the current sector (no erase); a roll only when the slots are used up.
 */
export function journalCommit(nowUs: i64, eventCounter: u32): bool {
  if (nextCommitSlot >= geoCommitSlots) return roll(nowUs, eventCounter);
  const b = recordBuffer;
  memory.fill(b, 0, geoCommit);
  store<u32>(b, COMMIT_MAGIC);
  store<u32>(b, eventCounter, 4);
  for (let e = 0; e < entries; e++) store<i64>(b + 8 + (<usize>e << 3), registerValue(getI32(entryId, e)));
  recordSeal(b, geoCommit, commitCrcAt(entries));
  const at = sectorAt(currentSector) + commitAt(nextCommitSlot);
  nextCommitSlot++; // a failed or cut program leaves the slot used, never rewritten
  if (boardFlashProgram(at, b, geoCommit) != 0) return false;
  for (let e = 0; e < entries; e++) setI64(commitValue, e, max<i64>(getI64(commitValue, e), load<i64>(b + 8 + (<usize>e << 3))));
  if (eventCounter > journalEventCounter) journalEventCounter = eventCounter;
  return true;
}

/** A register reset (console `zero`): a new base record, the only way a value goes down. */
export function journalResetCommit(nowUs: i64, eventCounter: u32): bool {
  return roll(nowUs, eventCounter);
}

/** The persisted value of register `id` (what frames report), or -1 if it is not journalled. */
export function journalPersisted(id: i32): i64 {
  for (let e = 0; e < entries; e++) if (getI32(entryId, e) == id) return entryValue(e);
  return -1;
}
