// Event log: every change of a legally relevant parameter, every new firmware identity and
// every register reset, with a counter that never goes back (WELMEC 7.2). Two sectors used as a
// ring of 40-byte records (counter, boot, uptime, type, key, old and new value, CRC, end mark);
// the newest record's counter survives in at least one sector and in every journal base record.
// A record cut by power loss (end mark still erased) or a sector whose erase was cut is not
// damage; any other unreadable record is reported once and then voided (programmed to zeros).
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { flashSectorBytes } from "../board/descriptor";
import { crc32 } from "../frame/crc32";
import { sectorOffset, EVENT_SECTOR_0 } from "./layout";
import { recordState, RECORD_ERASED, RECORD_VALID, RECORD_TORN } from "./record";

export const EVENT_CONFIG_CHANGE: u16 = 1;
export const EVENT_FIRMWARE_IDENTITY: u16 = 2;
export const EVENT_REGISTER_RESET: u16 = 3;
export const EVENT_KEY_SET: u16 = 4;
export const EVENT_STORE_CORRUPT: u16 = 5;
export const EVENT_UNLOCK_REFUSED: u16 = 6; // a wrong console PIN; new value = wrong PINs in a row
export const EVENT_FACTORY_RESET: u16 = 7; // settings, PIN and console key back to the defaults
/** The configuration was unreadable: every setting back to its default (key: damaged copies). */
export const EVENT_CONFIG_DEFAULTS: u16 = 8;
/** The newest configuration copy was unreadable: the previous save applies (key: damaged copies). */
export const EVENT_CONFIG_PREVIOUS: u16 = 9;
export const EVENT_ADC_GAP: u16 = 16; // the board lost ADC frames (fw_adc_gap); new value = frames lost since the last such event
// 17 and 18 are CT metering's (assembly/ct/meter.ts: CT_EVENT_FAULT, CT_EVENT_CONDITION; docs/ct.md).

const RECORD_BYTES: u32 = 40;
const CRC_AT: u32 = 32;
const record = memory.data(<i32>RECORD_BYTES, 8);

export let eventCounter: u32 = 0;
export let eventsDamaged = false;
let writeSector: u32 = 0; // 0 or 1
let writeSlot: u32 = 0;

function slots(): u32 { return flashSectorBytes / RECORD_BYTES; }
function slotOffset(sector: u32, slot: u32): u32 { return sectorOffset(EVENT_SECTOR_0 + sector) + slot * RECORD_BYTES; }

const SLOT_VOID: i32 = 4; // a damaged record already reported: all zeros

/** State of a slot (RECORD_* or SLOT_VOID); a valid record is left in `record`. */
function readSlot(sector: u32, slot: u32): i32 {
  boardFlashRead(slotOffset(sector, slot), record, RECORD_BYTES);
  let zero = true;
  for (let i: u32 = 0; i < RECORD_BYTES; i += 4) if (load<u32>(record + i) != 0) { zero = false; break; }
  return zero ? SLOT_VOID : recordState(record, RECORD_BYTES, CRC_AT);
}

/** Whether the slots of `sector` form a pattern a power cut explains (docs/storage.md). */
function sectorExplained(sector: u32): bool {
  const n = slots();
  let i: u32 = 0;
  // Appending: written records, at most one cut record, then erased slots.
  while (i < n && isWritten(readSlot(sector, i))) i++;
  let j = i;
  if (j < n && readSlot(sector, j) == RECORD_TORN) j++;
  while (j < n && readSlot(sector, j) == RECORD_ERASED) j++;
  if (j == n) return true;
  // A cut erase: erased slots first, up to two slots at the edge, then old records.
  i = 0;
  while (i < n && readSlot(sector, i) == RECORD_ERASED) i++;
  if (i == 0) return false;
  let edge = 0;
  while (i < n && !isWritten(readSlot(sector, i)) && edge < 2) { i++; edge++; }
  while (i < n && isWritten(readSlot(sector, i))) i++;
  return i == n;
}

@inline function isWritten(state: i32): bool { return state == RECORD_VALID || state == SLOT_VOID; }

/** Start-up: the highest counter and where the next record goes. `floor` is the journal's copy. */
export function eventsRestore(floor: u32): void {
  eventCounter = floor;
  eventsDamaged = false;
  let newestSector: i32 = -1;
  let newest: u32 = 0;
  for (let s: u32 = 0; s < 2; s++) {
    for (let i: u32 = 0; i < slots(); i++) {
      if (readSlot(s, i) != RECORD_VALID) continue;
      const counter = load<u32>(record);
      if (newestSector < 0 || counter > newest) { newest = counter; newestSector = <i32>s; }
    }
    if (!sectorExplained(s)) eventsDamaged = true;
  }
  if (newestSector >= 0 && newest > eventCounter) eventCounter = newest;
  // The log always keeps its newest record: one below the journal's copy of the counter was lost.
  if (newest < floor) eventsDamaged = true;
  writeSector = newestSector < 0 ? 0 : <u32>newestSector;
  writeSlot = firstFree(writeSector);
}

/** After the damage was reported: void every damaged record, so it is reported once. */
export function eventsVoidDamaged(): void {
  for (let s: u32 = 0; s < 2; s++) {
    if (sectorExplained(s)) continue;
    for (let i: u32 = 0; i < slots(); i++) {
      const state = readSlot(s, i);
      if (state == RECORD_VALID || state == RECORD_ERASED || state == SLOT_VOID) continue;
      if (s == writeSector && i >= writeSlot) continue; // beyond the append point: the next records go there
      memory.fill(record, 0, RECORD_BYTES);
      boardFlashProgram(slotOffset(s, i), record, RECORD_BYTES);
    }
  }
}

/** The slot after the last written one (records are appended, never placed in a gap). */
function firstFree(sector: u32): u32 {
  let last: i32 = -1;
  for (let i: u32 = 0; i < slots(); i++) if (readSlot(sector, i) != RECORD_ERASED) last = <i32>i;
  return <u32>(last + 1);
}

/** Append an event; returns its counter. */
export function eventRecord(type: u16, key: u16, oldValue: i64, newValue: i64, boot: u32, uptimeS: u32): u32 {
  while (writeSlot < slots() && readSlot(writeSector, writeSlot) != RECORD_ERASED) writeSlot++;
  if (writeSlot >= slots()) {
    writeSector ^= 1;
    boardFlashErase(EVENT_SECTOR_0 + writeSector);
    writeSlot = 0;
  }
  eventCounter++;
  store<u32>(record, eventCounter);
  store<u32>(record, boot, 4);
  store<u32>(record, uptimeS, 8);
  store<u16>(record, type, 12);
  store<u16>(record, key, 14);
  store<i64>(record, oldValue, 16);
  store<i64>(record, newValue, 24);
  store<u32>(record + CRC_AT, crc32(record, CRC_AT));
  store<u32>(record, 0, 36); // padding and the end mark: a complete record never ends in 0xFF
  boardFlashProgram(slotOffset(writeSector, writeSlot), record, RECORD_BYTES);
  writeSlot++;
  return eventCounter;
}

/** Read the i-th newest valid event into the record buffer; false past the oldest. */
export function eventAt(newestFirstIndex: u32): usize {
  let seen: u32 = 0;
  for (let round = 0; round < 2; round++) {
    const s = round == 0 ? writeSector : writeSector ^ 1;
    for (let i = <i32>slots() - 1; i >= 0; i--) {
      if (readSlot(s, <u32>i) != RECORD_VALID) continue;
      if (seen++ == newestFirstIndex) return record;
    }
  }
  return 0;
}
