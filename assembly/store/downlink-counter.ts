// The downlink counter's high-water mark in flash (docs/storage.md, "Downlink counter"): the
// highest counter of an accepted downlink command, so that no command is accepted twice, across
// reboots and power cuts. Two sectors used alternately (like the PIN lockout). Each holds two
// copies of a header (magic "AMD1", sequence, base counter, CRC, end mark) and three pair-coded
// tally copies: the mark is base + the largest count of the three (one damaged copy loses
// nothing; a cut between copies leaves the larger count, the safe side). A command one above
// the last costs one step (three 1-byte programs, no erase); a jump of more than MAX_STEPS, or a
// full field, rolls to the other sector (erased first, the header is the commit point).
// Refused downlinks never write: only a command with a valid MAC can wear this flash.
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { sectorOffset, downlinkSector } from "./layout";
import { recordState, recordSeal, RECORD_VALID, RECORD_DAMAGED } from "./record";
import { tallyCount, tallyAdvance, tallyCapacity, tallyDamaged } from "./tally";

const MAGIC: u32 = 0x31444d41; // "AMD1"
const HEADER_BYTES: u32 = 32;
const CRC_AT: u32 = 12;
const COPIES: i32 = 3;
/** Largest jump recorded as tally steps (tallyAdvance programs at most 64 bytes); beyond: a roll. */
const MAX_STEPS: i32 = 240;
const header = memory.data(<i32>HEADER_BYTES, 8);
const counts = memory.data(4 * COPIES, 4);

let usable = false;
let current: i32 = -1; // sector in use (0 or 1), -1: none written yet
let seq: u32 = 0;
let base: u32 = 0;
let mark: u32 = 0;
/** The selected downlink sector held damage at start-up (reported once, then rolled away). */
export let downlinkCounterDamaged = false;

function sectorBase(s: i32): u32 { return sectorOffset(downlinkSector(<u32>s)); }
function copyBytes(): u32 { return ((flashSectorBytes - 2 * HEADER_BYTES) / <u32>COPIES) & ~7; }
function copyAt(s: i32, c: i32): u32 { return sectorBase(s) + 2 * HEADER_BYTES + <u32>c * copyBytes(); }

/** State of header copy `c` of sector `s`; a valid one is left in `header`. */
function readHeader(s: i32, c: u32): i32 {
  boardFlashRead(sectorBase(s) + c * HEADER_BYTES, header, HEADER_BYTES);
  const state = recordState(header, HEADER_BYTES, CRC_AT);
  if (state == RECORD_VALID && load<u32>(header) != MAGIC) return RECORD_DAMAGED;
  return state;
}

/** Sequence number of sector `s` (from either header copy), or -1; `damaged` when a copy is. */
function sectorSeq(s: i32): i64 {
  const a = readHeader(s, 0);
  if (a == RECORD_VALID) return <i64>load<u32>(header, 4);
  const b = readHeader(s, 1);
  return b == RECORD_VALID ? <i64>load<u32>(header, 4) : -1;
}

/** Start-up: the newest sector, its base and its tallies. */
export function downlinkCounterRestore(usableStore: bool): void {
  usable = usableStore;
  downlinkCounterDamaged = false;
  current = -1;
  base = 0;
  mark = 0;
  if (!usable) return;
  const a = sectorSeq(0);
  const b = sectorSeq(1);
  if (a < 0 && b < 0) {
    // Nothing valid: never written (erased or a first roll cut), else damage (the mark is lost).
    for (let s = 0; s < 2; s++) for (let c: u32 = 0; c < 2; c++) if (readHeader(s, c) == RECORD_DAMAGED) downlinkCounterDamaged = true;
    return;
  }
  current = b > a ? 1 : 0;
  // One damaged header copy of the sector in use is damage; the other sector is only ever older
  // (or a roll's erase cut): it is erased before its next use anyway.
  if (readHeader(current, 0) == RECORD_DAMAGED || readHeader(current, 1) == RECORD_DAMAGED) downlinkCounterDamaged = true;
  seq = <u32>(current == 1 ? b : a);
  if (readHeader(current, 0) != RECORD_VALID) readHeader(current, 1);
  base = load<u32>(header, 8);
  let most: i32 = 0;
  for (let c = 0; c < COPIES; c++) {
    const n = tallyCount(copyAt(current, c), copyBytes());
    if (tallyDamaged) downlinkCounterDamaged = true;
    store<i32>(counts + (<usize>c << 2), n);
    if (n > most) most = n;
  }
  mark = base + <u32>most;
}

/** The highest counter accepted (0: none), persisted. */
export function downlinkCounterMark(): u32 { return mark; }

/** A fresh sector with `newBase` as its mark: erase, then both header copies. */
function roll(newBase: u32): bool {
  const next = current < 0 ? 0 : current ^ 1;
  if (boardFlashErase(downlinkSector(<u32>next)) != 0) return false;
  memory.fill(header, 0, HEADER_BYTES);
  store<u32>(header, MAGIC);
  store<u32>(header, seq + 1, 4);
  store<u32>(header, newBase, 8);
  recordSeal(header, HEADER_BYTES, CRC_AT);
  if (boardFlashProgram(sectorBase(next), header, HEADER_BYTES) != 0) return false;
  boardFlashProgram(sectorBase(next) + HEADER_BYTES, header, HEADER_BYTES); // the spare copy
  current = next;
  seq++;
  base = newBase;
  for (let c = 0; c < COPIES; c++) store<i32>(counts + (<usize>c << 2), 0);
  return true;
}

/**
 * Persist `counter` (above the mark) as the new mark before the command is acted on. False when
 * the flash cannot hold it (no store, a failed program): the command must then be refused.
 */
export function downlinkCounterAdvance(counter: u32): bool {
  if (!usable || counter <= mark) return false;
  const target = <i64>counter - <i64>base;
  let least: i32 = i32.MAX_VALUE; // a copy left behind by a cut catches up in the same program
  for (let c = 0; c < COPIES; c++) least = min(least, load<i32>(counts + (<usize>c << 2)));
  if (current < 0 || downlinkCounterDamaged || target - <i64>least > <i64>MAX_STEPS || target > <i64>tallyCapacity(copyBytes())) {
    if (!roll(counter)) return false;
    downlinkCounterDamaged = false; // the damaged sector is behind us
  } else {
    for (let c = 0; c < COPIES; c++) {
      const have = load<i32>(counts + (<usize>c << 2));
      if (<i64>have < target && !tallyAdvance(copyAt(current, c), have, <i32>target - have)) return false;
      store<i32>(counts + (<usize>c << 2), <i32>target);
    }
  }
  mark = counter;
  return true;
}
