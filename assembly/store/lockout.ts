// The console's PIN lockout, kept in flash so that neither `reboot` nor a power cut undoes it
// (docs/console.md, "Lockout"). Two sectors used alternately; each holds a header (magic,
// sequence, wrong PINs in a row carried over, wrong PINs in total before it, CRC), a pair-coded
// tally of attempts (one step each: no erase per attempt) and append-only "right PIN" marks
// (the tally count at that moment, and its complement). An attempt is counted BEFORE the PIN is
// compared and a right one is marked after, so cutting the power at the answer never saves an
// attacker an attempt (a cut mark only costs the installer one). A full sector rolls: the other one is
// erased and gets a new header first, so a cut during the roll leaves the old one in charge.
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { crc32 } from "../frame/crc32";
import { sectorOffset, lockoutSector } from "./layout";
import { tallyCount, tallyAdvance, tallyCapacity } from "./tally";

const MAGIC: u32 = 0x314c4d41; // "AML1"
const HEADER_BYTES: u32 = 32;
const MARK_BYTES: u32 = 8;
const header = memory.data(<i32>HEADER_BYTES, 8);

let current: u32 = 0; // 0 or 1
let seq: u32 = 0;
let carriedInARow: u32 = 0;
let totalBefore: u32 = 0;
let tally: i32 = 0; // attempts recorded in the current sector
let marks: u32 = 0; // right-PIN mark slots used in the current sector
let validMarks: u32 = 0; // of which complete (each a right PIN)
let lastMark: i32 = -1; // tally count at the newest mark
let usable = false;
/** The lockout sectors held something that is not a valid record at start-up. */
export let lockoutDamaged = false;
/** A lockout header was found at start-up (the store was in use before). */
export let lockoutFound = false;

@inline function markArea(): u32 { return flashSectorBytes / 2; }
@inline function tallyBytes(): u32 { return markArea() - HEADER_BYTES; }
@inline function markSlots(): u32 { return (flashSectorBytes - markArea()) / MARK_BYTES; }
function base(s: u32): u32 { return sectorOffset(lockoutSector(s)); }

/** Read and check sector s's header; its sequence number or -1 (erased: -2). */
function readHeader(s: u32): i64 {
  boardFlashRead(base(s), header, HEADER_BYTES);
  if (load<u32>(header) == 0xffffffff && load<u32>(header, 4) == 0xffffffff) return -2;
  if (load<u32>(header) != MAGIC || load<u32>(header, 16) != crc32(header, 16)) return -1;
  return <i64>load<u32>(header, 4);
}

function writeHeader(s: u32, newSeq: u32, inARow: u32, total: u32): bool {
  if (boardFlashErase(lockoutSector(s)) != 0) return false;
  memory.fill(header, 0xff, HEADER_BYTES);
  store<u32>(header, MAGIC);
  store<u32>(header, newSeq, 4);
  store<u32>(header, inARow, 8);
  store<u32>(header, total, 12);
  store<u32>(header, crc32(header, 16), 16);
  if (boardFlashProgram(base(s), header, HEADER_BYTES) != 0) return false;
  current = s;
  seq = newSeq;
  carriedInARow = inARow;
  totalBefore = total;
  tally = 0;
  marks = 0;
  validMarks = 0;
  lastMark = -1;
  return true;
}

/** Start-up: the newest valid sector, its tally and its marks. */
export function lockoutRestore(): void {
  const a = readHeader(0);
  const b = readHeader(1);
  lockoutDamaged = a == -1 || b == -1;
  lockoutFound = a >= 0 || b >= 0;
  usable = true;
  if (a < 0 && b < 0) {
    // Never written (or both damaged: then count as one step short of the delay, the safe side).
    if (!writeHeader(0, 1, lockoutDamaged ? LOCKOUT_FREE_ATTEMPTS : 0, 0)) usable = false;
    if (b == -1) boardFlashErase(lockoutSector(1)); // reported once
    return;
  }
  current = b > a ? 1 : 0;
  // A damaged header in the sector not in use: reported once (lockoutDamaged), then erased.
  if ((current == 0 ? b : a) == -1) boardFlashErase(lockoutSector(current ^ 1));
  readHeader(current);
  seq = load<u32>(header, 4);
  carriedInARow = load<u32>(header, 8);
  totalBefore = load<u32>(header, 12);
  tally = tallyCount(base(current) + HEADER_BYTES, tallyBytes());
  marks = 0;
  validMarks = 0;
  lastMark = -1;
  for (; marks < markSlots(); marks++) {
    boardFlashRead(base(current) + markArea() + marks * MARK_BYTES, header, MARK_BYTES);
    const v = load<u32>(header);
    const check = load<u32>(header, 4);
    if (v == 0xffffffff && check == 0xffffffff) break;
    if (check == ~v && <i32>v <= tally) { lastMark = <i32>v; validMarks++; } // a torn mark does not count
  }
}

/** Wrong PINs typed in a row (since the last right one), across reboots and power cuts. */
export function lockoutInARow(): u32 {
  return lastMark < 0 ? carriedInARow + <u32>tally : <u32>(tally - lastMark);
}

/** Wrong PINs since the store was created (the one "security noise" figure the logs show). */
export function lockoutTotal(): u32 { return totalBefore + <u32>tally - validMarks; }

/** An attempt, before its PIN is compared: one tally step (a roll when the field is full). */
export function lockoutRecordAttempt(): bool {
  if (!usable) { tally++; return false; } // no storage partition: RAM only (docs/console.md)
  if (tally + 1 > tallyCapacity(tallyBytes()) && !writeHeader(current ^ 1, seq + 1, lockoutInARow(), lockoutTotal())) return false;
  if (!tallyAdvance(base(current) + HEADER_BYTES, tally, 1)) return false;
  tally++;
  return true;
}

/** The attempt just counted had the right PIN: wrong PINs in a row back to 0 (a mark). */
export function lockoutRecordSuccess(): void {
  if (!usable) { lastMark = tally; validMarks++; return; }
  if (marks >= markSlots()) {
    writeHeader(current ^ 1, seq + 1, 0, lockoutTotal() - 1); // the last attempt was not wrong
    return;
  }
  store<u32>(header, <u32>tally);
  store<u32>(header, ~<u32>tally, 4);
  if (boardFlashProgram(base(current) + markArea() + marks * MARK_BYTES, header, MARK_BYTES) == 0) { lastMark = tally; validMarks++; }
  marks++;
}

/** Wrong PINs allowed before the first wait. */
export const LOCKOUT_FREE_ATTEMPTS: u32 = 3;
/** The first wait; each further wrong PIN doubles it, up to LOCKOUT_MAX_WAIT_S. */
export const LOCKOUT_FIRST_WAIT_S: u32 = 60;
export const LOCKOUT_MAX_WAIT_S: u32 = 3600;

/** Seconds `unlock` refuses after `inARow` wrong PINs in a row (0: no wait). */
export function lockoutWaitS(inARow: u32): u32 {
  if (inARow < LOCKOUT_FREE_ATTEMPTS) return 0;
  const doublings = inARow - LOCKOUT_FREE_ATTEMPTS;
  if (doublings >= 6) return LOCKOUT_MAX_WAIT_S; // 60 s · 2^6 > 3600 s
  return min(LOCKOUT_FIRST_WAIT_S << doublings, LOCKOUT_MAX_WAIT_S);
}
