// Journal start-up: find the newest sector whose base record (either copy) is valid, read its
// three tally copies and commit slots, and say what was damaged. Torn programs and torn erases
// (what a power cut leaves) are told apart from damage: only damage is reported. Rules and the
// loss bound with damage: docs/storage.md ("Start-up and damage").
import { boardFlashRead, boardFlashProgram } from "../abi/board";
import { tallyCount, tallyDamaged, tallyAdvance } from "./tally";
import { recordState, flashErased, bytesErased, RECORD_VALID, RECORD_ERASED, RECORD_TORN, RECORD_DAMAGED } from "./record";
import { journalSectors, sectorOffset, JOURNAL_FIRST_SECTOR } from "./layout";
import {
  BASE_MAGIC, COMMIT_MAGIC, MAX_ENTRIES, ENTRIES_OFFSET, ENTRY_BYTES, FRAME_FIELD_BYTES, BOOT_FIELD_BYTES,
  baseBytes, baseCrcAt, commitCrcAt, journalGeometry, geoBase, geoCommit, geoCommitSlots, geoCopyStride, geoFine, geoCoarse,
  baseCopyAt, commitAt, frameFieldAt, bootFieldAt, coarseFieldAt, fineFieldAt, markAt, MARK_BYTES,
} from "./journal-format";
import {
  recordBuffer, entryId, baseValue, coarseStep, fineStep, coarseCount, fineCount, commitValue, entryValue,
  journalSetState, journalStartFresh, journalResetFloor, frameFieldCounters, MAX_ADVANCE_STEPS, FRAME_COUNTER_BLOCK, CEILING_HELD,
} from "./journal";
import { persistentRegisterCount, persistentRegisterId, registersRestore } from "../registers";
import { getI32, setI32, setI64 } from "../util/mem";

/** What start-up found (bits of `journalDamage`, the key of the store-damage event). */
export const JD_BASE_COPY: u32 = 1; // one copy of the base record damaged (the other one used: nothing lost)
export const JD_FELL_BACK: u32 = 2; // the newest sector is unreadable: an older one was used (registers lower)
export const JD_TALLY: u32 = 4; // a tally copy damaged (the other two agree: nothing lost)
export const JD_FRAME: u32 = 8; // the frame-counter field is damaged: counters jumped
export const JD_COMMIT: u32 = 16; // a commit slot damaged (the tallies, or an older commit, used)
export const JD_UNREADABLE: u32 = 32; // no readable journal in written flash: registers from zero
export const JD_BOOT: u32 = 64; // the boot field is damaged (the boot count may be low)
export const JD_BEHIND_FLOOR: u32 = 128; // the journal's counters lie below the configuration's floor: sectors lost
export let journalDamage: u32 = 0;
/** No base record anywhere and every sector erased or cut: a new store, unless other regions hold data. */
export let journalBlank = false;
/** The highest frame counter the journal proves unused above (-1: it proves none). */
export let journalCounterBound: i64 = -1;
/** The newest base says counters are held (CEILING_HELD). */
export let journalCountersHeld = false;
/** Bit per register id whose value may be below what was persisted before the damage. */
export let journalLostMask: i64 = 0;

const peek = memory.data(32, 8);
let countA: i32 = 0;
let countB: i32 = 0;
let countC: i32 = 0;
let copiesRegular = true;
let twoAgree = true;
let commitNext: u32 = 0;

function sectorAt(s: u32): u32 { return sectorOffset(JOURNAL_FIRST_SECTOR + s); }

/** Read a valid base record of sector `s` into recordBuffer: 0 copy A, 1 copy B, -1 none. */
function readBase(s: u32): i32 {
  const at = sectorAt(s);
  boardFlashRead(at, peek, 32);
  if (load<u32>(peek) == BASE_MAGIC && <i32>load<u16>(peek, 16) <= MAX_ENTRIES && validBaseAt(at, <i32>load<u16>(peek, 16))) return 0;
  let lastSize: u32 = 0;
  for (let n = 1; n <= MAX_ENTRIES; n++) {
    const size = baseBytes(n);
    if (size == lastSize) continue;
    lastSize = size;
    boardFlashRead(at + size, peek, 32);
    if (load<u32>(peek) != BASE_MAGIC) continue;
    const stored = <i32>load<u16>(peek, 16);
    if (baseBytes(stored) == size && stored <= MAX_ENTRIES && validBaseAt(at + size, stored)) return 1;
  }
  return -1;
}

function validBaseAt(at: u32, n: i32): bool {
  const size = baseBytes(n);
  boardFlashRead(at, recordBuffer, size);
  return recordState(recordBuffer, size, baseCrcAt(n)) == RECORD_VALID;
}

/** A sector without a valid base that a power cut explains: erased, a torn erase, or a torn roll. */
function explained(s: u32, n: i32): bool {
  const at = sectorAt(s);
  boardFlashRead(at, peek, 32);
  if (bytesErased(peek, 32)) return true; // erased, or an erase cut after its first bytes
  // A roll programs copy A, then copy B: copy B still erased means the roll was cut.
  return flashErased(at + baseBytes(n), baseBytes(n));
}

/** Sector `s` carries its superseded mark (at least half its bytes zero: a cut mark may be shorter). */
function superseded(s: u32): bool {
  boardFlashRead(sectorAt(s) + markAt(), peek, MARK_BYTES);
  let zeros = 0;
  for (let i: u32 = 0; i < MARK_BYTES; i++) if (load<u8>(peek + i) == 0) zeros++;
  return zeros >= <i32>(MARK_BYTES / 2);
}

/** Counts of the three copies of a tally field of `bytes` bytes whose copy 0 is at `at`. */
function count3(at: u32, bytes: u32, spread: i32): void {
  countA = tallyCount(at, bytes);
  let damaged = tallyDamaged;
  countB = tallyCount(at + geoCopyStride, bytes);
  damaged = damaged || tallyDamaged;
  countC = tallyCount(at + 2 * geoCopyStride, bytes);
  damaged = damaged || tallyDamaged;
  // Copies are programmed 0, 1, 2 in turn: a cut leaves A ≥ B ≥ C, at most one program apart.
  copiesRegular = !damaged && countA >= countB && countB >= countC && countA - countC <= spread;
  twoAgree = countA == countB || countB == countC || countA == countC;
}

/**
 * A cut can leave later copies behind the count start-up takes: complete them to `count`, so
 * the next step (programmed from `count` in every copy) leaves no gap in any copy.
 */
function completeCopies(at: u32, count: i32): void {
  if (!copiesRegular) return; // damage: the sector is replaced at start-up
  if (countB < count) tallyAdvance(at + geoCopyStride, countB, count - countB);
  if (countC < count) tallyAdvance(at + 2 * geoCopyStride, countC, count - countC);
  if (countA < count) tallyAdvance(at, countA, count - countA);
}

function median3(): i32 {
  return max(min(countA, countB), min(max(countA, countB), countC));
}

function allRegistersMask(): i64 {
  let mask: i64 = 0;
  const n = persistentRegisterCount();
  for (let i = 0; i < n; i++) mask |= (<i64>1) << persistentRegisterId(i);
  return mask;
}

/** Start-up: restore the registers from the newest state the flash proves. */
export function journalRestore(nowUs: i64): void {
  journalDamage = 0;
  journalLostMask = 0;
  journalBlank = false;
  journalCounterBound = -1;
  journalCountersHeld = false;
  journalResetFloor();
  const sectors = journalSectors();
  let best: i32 = -1;
  let bestSeq: u32 = 0;
  for (let s: u32 = 0; s < sectors; s++) {
    if (readBase(s) < 0) continue;
    const seq = load<u32>(recordBuffer, 4);
    if (best < 0 || seq > bestSeq) { best = <i32>s; bestSeq = seq; }
  }
  const boardEntries = min(persistentRegisterCount(), MAX_ENTRIES);
  if (best < 0) {
    for (let s: u32 = 0; s < sectors; s++) {
      if (!explained(s, boardEntries)) { journalDamage |= JD_UNREADABLE; journalLostMask = allRegistersMask(); break; }
    }
    journalBlank = journalDamage == 0;
    if (journalBlank) journalCounterBound = 0;
    journalStartFresh(nowUs, 0, 0);
    return;
  }
  const copy = readBase(<u32>best);
  const n = <i32>load<u16>(recordBuffer, 16);
  if (!journalGeometry(n)) { journalDamage |= JD_UNREADABLE; journalStartFresh(nowUs, 0, 0); return; }
  const sector = <u32>best;
  const frameBase = load<u32>(recordBuffer, 8);
  let events = load<u32>(recordBuffer, 12);
  const bootBase = load<u32>(recordBuffer, 20);
  for (let e = 0; e < n; e++) {
    const at = recordBuffer + ENTRIES_OFFSET + <usize>e * ENTRY_BYTES;
    setI32(entryId, e, <i32>load<u8>(at));
    setI64(baseValue, e, load<i64>(at, 4));
    setI64(coarseStep, e, <i64>load<u32>(at, 12));
    setI64(fineStep, e, <i64>load<u32>(at, 16));
  }
  checkOtherCopy(sector, copy, n);
  // The sector after the newest one: erased, older, or cut; anything else may have been newer.
  const next = (sector + 1) % sectors;
  const fellBack = readBase(next) < 0 && !explained(next, n) || superseded(sector);
  if (fellBack) {
    journalDamage |= JD_FELL_BACK;
    journalLostMask = allRegistersMask();
  }

  const at = sectorAt(sector);
  count3(at + frameFieldAt(0), FRAME_FIELD_BYTES, 1);
  const frameSteps = max(countA, max(countB, countC));
  // What the journal proves: its ceiling, or after frame-field damage the end of this sector's
  // field; nothing after a fall-back (the lost sector's base may have jumped anywhere).
  journalCountersHeld = frameBase == CEILING_HELD;
  journalCounterBound = <i64>frameBase + <i64>frameSteps * FRAME_COUNTER_BLOCK;
  if (!copiesRegular) { journalDamage |= JD_FRAME; journalCounterBound = <i64>frameBase + <i64>frameFieldCounters(); }
  if (fellBack) journalCounterBound = -1;
  completeCopies(at + frameFieldAt(0), frameSteps);
  count3(at + bootFieldAt(0), BOOT_FIELD_BYTES, 1);
  const bootSteps = max(countA, max(countB, countC));
  if (!copiesRegular) journalDamage |= JD_BOOT;
  completeCopies(at + bootFieldAt(0), bootSteps);
  for (let e = 0; e < n; e++) {
    count3(at + coarseFieldAt(0, e), geoCoarse, MAX_ADVANCE_STEPS);
    setI32(coarseCount, e, median3());
    tallyVerdict(e);
    completeCopies(at + coarseFieldAt(0, e), median3());
    count3(at + fineFieldAt(0, e), geoFine, MAX_ADVANCE_STEPS);
    setI32(fineCount, e, median3());
    tallyVerdict(e);
    completeCopies(at + fineFieldAt(0, e), median3());
    setI64(commitValue, e, -1);
  }
  const commitSlot = readCommits(at, n);
  if (commitSlot >= 0 && load<u32>(recordBuffer, 4) > events) events = load<u32>(recordBuffer, 4);
  journalSetState(n, sector, bestSeq, frameBase, frameSteps, bootBase, bootSteps, events, commitNext);
  for (let e = 0; e < n; e++) registersRestore(getI32(entryId, e), entryValue(e));
}

/** Start-up found more (assembly/store/index.ts): a lost journal or one behind the floor loses every register. */
export function journalNoteDamage(bits: u32): void {
  if (bits == 0) return;
  journalDamage |= bits;
  journalLostMask = allRegistersMask();
}

function tallyVerdict(e: i32): void {
  if (copiesRegular) return;
  journalDamage |= JD_TALLY;
  if (!twoAgree) journalLostMask |= (<i64>1) << getI32(entryId, e);
}

/** The base copy not used: a copy B cut during its roll is completed; damage is reported. */
function checkOtherCopy(sector: u32, used: i32, n: i32): void {
  if (used == 1) { journalDamage |= JD_BASE_COPY; return; } // copy A is written first: it was damaged
  const size = baseBytes(n);
  const other = memory.data(512, 8);
  boardFlashRead(sectorAt(sector) + size, other, size);
  const state = recordState(other, size, baseCrcAt(n));
  if (state == RECORD_VALID) return;
  if (state == RECORD_ERASED || state == RECORD_TORN) {
    boardFlashProgram(sectorAt(sector) + size, recordBuffer, size); // same bytes: completes the cut program
    return;
  }
  journalDamage |= JD_BASE_COPY;
}

/**
 * Commit slots: the newest valid one's values go into commitValue (its event counter left at
 * recordBuffer + 4); returns its index or -1. Sets commitNext, the first slot never written.
 */
function readCommits(at: u32, n: i32): i32 {
  let newest: i32 = -1;
  let lastWritten: i32 = -1;
  let tornAt: i32 = -1;
  let damagedAfterNewest = false;
  for (let slot: u32 = 0; slot < geoCommitSlots; slot++) {
    boardFlashRead(at + commitAt(slot), recordBuffer, geoCommit);
    let state = recordState(recordBuffer, geoCommit, commitCrcAt(n));
    if (state == RECORD_VALID && load<u32>(recordBuffer) != COMMIT_MAGIC) state = RECORD_DAMAGED;
    if (state == RECORD_ERASED) continue;
    lastWritten = <i32>slot;
    if (state == RECORD_VALID) {
      newest = <i32>slot;
      damagedAfterNewest = false;
      for (let e = 0; e < n; e++) setI64(commitValue, e, load<i64>(recordBuffer + 8 + (<usize>e << 3)));
      continue;
    }
    if (state == RECORD_TORN && tornAt < 0) { tornAt = <i32>slot; continue; }
    journalDamage |= JD_COMMIT;
    damagedAfterNewest = true;
  }
  // A cut commit is the last one written; one in the middle, or a damaged one, is damage.
  if (tornAt >= 0 && tornAt != lastWritten) { journalDamage |= JD_COMMIT; if (tornAt > newest) damagedAfterNewest = true; }
  if (damagedAfterNewest) journalLostMask |= allRegistersMask();
  commitNext = <u32>(lastWritten + 1);
  if (newest >= 0) {
    boardFlashRead(at + commitAt(<u32>newest), recordBuffer, geoCommit);
  }
  return newest;
}
