// Configuration store: two copies (sectors A and B), each one record: magic, sequence number,
// (key, value) pairs, the sequence number again, CRC, end mark. Saving overwrites the older copy,
// so a cut save leaves the other intact; start-up applies the newest valid copy whole, or
// nothing. A copy a power cut explains (erased, a cut program, a cut erase of the older copy) is
// not damage; any other unreadable copy is, and is reported (docs/storage.md).
import { boardFlashRead, boardFlashProgram, boardFlashErase } from "../abi/board";
import { crc32 } from "../frame/crc32";
import { bytesErased } from "./record";
import { sectorOffset, CONFIG_SECTOR_A } from "./layout";
import { authSetKey, authKeyVersion, MAX_KEY_VERSION } from "../frame/auth";
import { settingKeysEnd, settingExists, settingValue, settingValid, settingApply } from "./settings-table";

const MAGIC: u32 = 0x32434d41; // "AMC2"
const HEADER_BYTES: u32 = 12; // magic, seq, count, reserved
const PAIR_BYTES: u32 = 10;
const MAX_PAIRS: u32 = 96;
/** After the pairs: the sequence number again (u32), the CRC (u32), the end mark 0x00. */
const TRAILER_BYTES: u32 = 9;
const CAPACITY: u32 = HEADER_BYTES + MAX_PAIRS * PAIR_BYTES + TRAILER_BYTES;
const buffer = memory.data(<i32>CAPACITY, 8);
/**
 * The configuration's record buffer is only used inside configRestore/configSave/factory reset;
 * the billing history borrows it between them as its record buffer (assembly/billing/ring.ts),
 * so history costs no 1 KiB of static RAM of its own.
 */
export const sharedRecordBuffer: usize = buffer;
export const SHARED_RECORD_BYTES: u32 = CAPACITY;
/** Extra values kept with the settings: firmware identity (SHA-256) and boot count. */
export const IDENTITY_WORDS: i32 = 4;
const identity = memory.data(8 * 4);
const KEY_IDENTITY: u16 = 200;
/** The frame key set on the console (two words; never shown, never logged, never read back). */
const KEY_FRAME_KEY: u16 = 220;
/** The console key's version (docs/frames.md suite 2), stored with it. */
const KEY_FRAME_KEY_VERSION: u16 = 222;
/** The highest key version ever given on this meter: kept by factory-reset, so a version is never given twice. */
const KEY_FRAME_KEY_VERSION_MAX: u16 = 223;
/**
 * The frame-counter floor: no counter above it was ever used (docs/storage.md, "Frame counters").
 * Raised a block at a time before the journal reserves past it, into the older copy (then both
 * copies are at most one block apart). CONFIG_FLOOR_HELD: no counter may be sent (nothing proves
 * where they stopped) until a new key is set.
 */
const KEY_COUNTER_FLOOR: u16 = 224;
export const COUNTER_FLOOR_BLOCK: i64 = 131_072;
export const CONFIG_FLOOR_HELD: i64 = -1;
/** The console PIN (its digits' ASCII bytes; never shown, never logged). */
export const KEY_PIN: u16 = 230;
/** "0000": the documented default PIN of a meter whose PIN was never changed. */
export const DEFAULT_PIN: i64 = 0x30303030;
const frameKey = memory.data(16, 8);
const keyScratch = memory.data(16, 8);
let frameKeyStored = false;
let frameKeyVersion: u32 = 0;
let keyVersionMax: u32 = 0;
let pin: i64 = DEFAULT_PIN;

let seq: u32 = 0;
let newestCopy: u32 = 1;
/** Each copy's counter floor as read or last written (-2: the copy holds none, or is unreadable). */
let floorA: i64 = -2;
let floorB: i64 = -2;
/** The floor every record written from now on carries. */
let floorNow: i64 = 0;
export let configFound = false;
/** A copy was damaged (not explained by a power cut); see configLostAll. */
export let configDamaged = false;
/** Bit per copy (1 = A, 2 = B) found damaged at start-up. */
export let configDamagedCopies: u32 = 0;
/** No readable copy was left: the configuration was restored to the defaults. */
export let configRestoredDefaults = false;
/** A damaged copy may have been newer than the one applied: the previous save was restored. */
export let configRestoredPrevious = false;

export function storedIdentityWord(i: i32): i64 { return load<i64>(identity + (<usize>i << 3)); }
export function setStoredIdentityWord(i: i32, v: i64): void { store<i64>(identity + (<usize>i << 3), v); }

/** Read copy `c`; returns its sequence number, or -1 if it is not a valid record. */
function readCopy(c: u32): i64 {
  boardFlashRead(sectorOffset(CONFIG_SECTOR_A + c), buffer, CAPACITY);
  if (load<u32>(buffer) != MAGIC) return -1;
  const count = <u32>load<u16>(buffer, 8);
  if (count > MAX_PAIRS) return -1;
  const end = HEADER_BYTES + count * PAIR_BYTES;
  if (load<u32>(buffer + end + 4) != crc32(buffer, end + 4) || load<u8>(buffer + end + 8) == 0xff) return -1;
  if (load<u32>(buffer + end) != load<u32>(buffer, 4)) return -1;
  return <i64>load<u32>(buffer, 4);
}

/** The counter floor in the record at `buffer` (valid, `count` pairs), or -2 if it has none. */
function floorIn(count: u32): i64 {
  for (let i: u32 = 0; i < count; i++) {
    const at = buffer + HEADER_BYTES + i * PAIR_BYTES;
    if (load<u16>(at) == KEY_COUNTER_FLOOR) return load<i64>(at, 2);
  }
  return -2;
}

/**
 * An invalid copy `c` that a power cut explains, given the other copy's sequence number (-1 if
 * none): erased or an erase cut (first bytes erased); a program cut (its end mark still erased);
 * or the older copy (its trailing sequence number below the other's) cut while being erased.
 */
function explained(c: u32, otherSeq: i64): bool {
  boardFlashRead(sectorOffset(CONFIG_SECTOR_A + c), buffer, CAPACITY);
  if (bytesErased(buffer, 16)) return true;
  const count = <u32>load<u16>(buffer, 8);
  // An erase cut only sets bits, in the first bytes: the header's bits all still there, more set.
  const magic = load<u32>(buffer);
  if ((magic & MAGIC) == MAGIC && (magic != MAGIC || count > MAX_PAIRS || load<u16>(buffer, 10) != 0)) return true;
  if (count > MAX_PAIRS) return bytesErased(buffer + 10, 16); // cut before the count landed
  const end = HEADER_BYTES + count * PAIR_BYTES;
  if (load<u8>(buffer + end + 8) == 0xff) return true;
  return otherSeq >= 0 && <i64>load<u32>(buffer + end) < otherSeq;
}

/** Copy `c` (invalid) holds a trailing sequence number below `otherSeq`. */
function olderThan(c: u32, otherSeq: i64): bool {
  boardFlashRead(sectorOffset(CONFIG_SECTOR_A + c), buffer, CAPACITY);
  const count = <u32>load<u16>(buffer, 8);
  if (count > MAX_PAIRS) return false;
  return <i64>load<u32>(buffer + HEADER_BYTES + count * PAIR_BYTES) < otherSeq;
}

/** Start-up: apply the newest valid copy (defaults stay where it has no value). */
export function configRestore(): void {
  const a = readCopy(0);
  floorA = a >= 0 ? floorIn(<u32>load<u16>(buffer, 8)) : -2;
  const b = readCopy(1);
  floorB = b >= 0 ? floorIn(<u32>load<u16>(buffer, 8)) : -2;
  // Held if the newest copy says so (a release writes the floor into one copy, then the other).
  floorNow = (b > a ? floorB : floorA) == CONFIG_FLOOR_HELD ? CONFIG_FLOOR_HELD : max<i64>(floorA, floorB);
  configDamagedCopies = (a < 0 && !explained(0, b) ? 1 : 0) | (b < 0 && !explained(1, a) ? 2 : 0);
  configDamaged = configDamagedCopies != 0;
  configFound = a >= 0 || b >= 0;
  configRestoredDefaults = configDamaged && !configFound;
  // The damaged copy was the newer one unless its trailing sequence number says it is older.
  configRestoredPrevious = configFound && ((configDamagedCopies & 1) != 0 && !olderThan(0, b) || (configDamagedCopies & 2) != 0 && !olderThan(1, a));
  memory.fill(identity, 0, 32);
  memory.fill(frameKey, 0, 16);
  frameKeyStored = false;
  frameKeyVersion = 0;
  keyVersionMax = 0;
  pin = DEFAULT_PIN;
  seq = 0;
  if (!configFound) return;
  newestCopy = b > a ? 1 : 0;
  seq = <u32>(b > a ? b : a);
  readCopy(newestCopy);
  const count = <u32>load<u16>(buffer, 8);
  // Check everything first: a record is applied whole or not at all.
  for (let i: u32 = 0; i < count; i++) {
    const at = buffer + HEADER_BYTES + i * PAIR_BYTES;
    const key = load<u16>(at);
    if (settingExists(key) && !settingValid(key, load<i64>(at, 2))) {
      configDamaged = true;
      configDamagedCopies |= 1 << newestCopy;
      configRestoredDefaults = true;
      configFound = false;
      return;
    }
  }
  for (let i: u32 = 0; i < count; i++) {
    const at = buffer + HEADER_BYTES + i * PAIR_BYTES;
    const key = load<u16>(at);
    const v = load<i64>(at, 2);
    if (settingExists(key)) settingApply(key, v);
    else if (key >= KEY_IDENTITY && key < KEY_IDENTITY + <u16>IDENTITY_WORDS) setStoredIdentityWord(<i32>(key - KEY_IDENTITY), v);
    else if (key == KEY_PIN) pin = v;
    else if (key == KEY_FRAME_KEY_VERSION) frameKeyVersion = <u32>v;
    else if (key == KEY_FRAME_KEY_VERSION_MAX) keyVersionMax = <u32>v;
    else if (key == KEY_FRAME_KEY || key == KEY_FRAME_KEY + 1) {
      store<i64>(frameKey + (<usize>(key - KEY_FRAME_KEY) << 3), v);
      frameKeyStored = true;
    }
  }
  if (frameKeyStored) {
    memory.copy(keyScratch, frameKey, 16);
    // A key saved before key versions existed is version 1 (as a keyring entry without versions).
    if (frameKeyVersion == 0) frameKeyVersion = 1;
    if (keyVersionMax < frameKeyVersion) keyVersionMax = frameKeyVersion;
    authSetKey(keyScratch, frameKeyVersion); // wipes keyScratch
  }
}

function putPair(n: u32, key: u16, v: i64): u32 {
  const at = buffer + HEADER_BYTES + n * PAIR_BYTES;
  store<u16>(at, key);
  store<i64>(at, v, 2);
  return n + 1;
}

/** Both copies are gone although the store was in use (start-up knows from the journal): restored to defaults. */
export function configMarkLost(): void {
  configDamaged = true;
  configDamagedCopies = 3;
  configRestoredDefaults = true;
}

/** Write every setting to the older copy. */
export function configSave(): bool {
  let n: u32 = 0;
  for (let key: u16 = 1; key < settingKeysEnd(); key++) if (settingExists(key)) n = putPair(n, key, settingValue(key));
  for (let i = 0; i < IDENTITY_WORDS; i++) n = putPair(n, KEY_IDENTITY + <u16>i, storedIdentityWord(i));
  if (pin != DEFAULT_PIN) n = putPair(n, KEY_PIN, pin);
  if (frameKeyStored) {
    n = putPair(n, KEY_FRAME_KEY, load<i64>(frameKey));
    n = putPair(n, KEY_FRAME_KEY + 1, load<i64>(frameKey, 8));
    n = putPair(n, KEY_FRAME_KEY_VERSION, <i64>frameKeyVersion);
  }
  if (keyVersionMax != 0) n = putPair(n, KEY_FRAME_KEY_VERSION_MAX, <i64>keyVersionMax);
  return writeRecord(n);
}

/**
 * Rewrite the older copy with what the newest one holds (unsaved settings stay unsaved) and the
 * current floor and key version maximum; the settings in RAM only if no copy is readable now.
 */
function configRewrite(): bool {
  let count: u32 = 0;
  if (readCopy(newestCopy) >= 0) count = <u32>load<u16>(buffer, 8);
  else if (configFound) return configSave();
  let n: u32 = 0;
  for (let i: u32 = 0; i < count; i++) {
    const at = buffer + HEADER_BYTES + i * PAIR_BYTES;
    const key = load<u16>(at);
    if (key != KEY_COUNTER_FLOOR && key != KEY_FRAME_KEY_VERSION_MAX) n = putPair(n, key, load<i64>(at, 2));
  }
  if (keyVersionMax != 0) n = putPair(n, KEY_FRAME_KEY_VERSION_MAX, <i64>keyVersionMax);
  return writeRecord(n);
}

/**
 * Before frame counter `counter` is used: the floor of both copies covers it, the copies at most
 * one block apart (so either copy alone proves a bound: its floor + one block). Mostly nothing to do;
 * an erase of one configuration sector every COUNTER_FLOOR_BLOCK counters.
 */
export function configReserveCounter(counter: u32): bool {
  for (let i = 0; i < 3; i++) {
    const hi = max<i64>(floorA, floorB);
    const lo = min<i64>(floorA, floorB);
    if (floorNow == CONFIG_FLOOR_HELD) return false;
    if (<i64>counter <= hi && lo + COUNTER_FLOOR_BLOCK >= hi) return true;
    floorNow = <i64>counter <= hi ? hi : <i64>counter - 1 + COUNTER_FLOOR_BLOCK;
    if (!configRewrite()) return false;
  }
  return false;
}

/**
 * The highest frame counter the configuration proves unused above (-1: it proves nothing): the
 * higher floor when both copies hold one; one copy's floor + a block when only it does.
 */
export function configCounterBound(): i64 {
  if (floorA >= 0 && floorB >= 0) return max<i64>(floorA, floorB);
  const one = max<i64>(floorA, floorB);
  return one >= 0 ? one + COUNTER_FLOOR_BLOCK : -1;
}
/**
 * Start-up's proven counter start: every record written from now on carries at least it, so a
 * repaired copy never holds less than the lost one may have (one copy's floor can be a block low).
 */
export function configNoteCounterStart(start: i64): void {
  if (floorNow != CONFIG_FLOOR_HELD && start > floorNow) floorNow = start;
}
/** The configuration says counters are held (no bound was provable at an earlier start-up). */
export function configCountersHeld(): bool { return floorNow == CONFIG_FLOOR_HELD; }
/** The highest floor either copy holds (-2: none). */
export function configFloorHigh(): i64 { return max<i64>(floorA, floorB); }
/** Hold every counter (CONFIG_FLOOR_HELD) or set the floor, in both copies. */
export function configSetFloor(floor: i64): bool {
  floorNow = floor;
  return configRewrite() && configRewrite();
}

function writeRecord(count: u32): bool {
  const n = putPair(count, KEY_COUNTER_FLOOR, floorNow);
  store<u32>(buffer, MAGIC);
  store<u32>(buffer, seq + 1, 4);
  store<u16>(buffer, <u16>n, 8);
  store<u16>(buffer, 0, 10);
  const end = HEADER_BYTES + n * PAIR_BYTES;
  store<u32>(buffer + end, seq + 1);
  store<u32>(buffer + end + 4, crc32(buffer, end + 4));
  store<u8>(buffer + end + 8, 0);
  const target = newestCopy ^ 1;
  if (boardFlashErase(CONFIG_SECTOR_A + target) != 0) return false;
  if (target == 0) floorA = -2; else floorB = -2;
  if (boardFlashProgram(sectorOffset(CONFIG_SECTOR_A + target), buffer, end + TRAILER_BYTES) != 0) return false;
  if (target == 0) floorA = floorNow; else floorB = floorNow;
  newestCopy = target;
  configFound = true;
  seq++;
  return true;
}


export function configPin(): i64 { return pin; }
export function configSetPin(v: i64): void { pin = v; }

/**
 * The console's `key set`: load the key now, as the next key version (one above both the key in
 * use and every version given before), and keep both for `save` (the board's key then no longer
 * applies). Returns the version, or 0 (nothing changed, `ptr` wiped) when versions are exhausted.
 */
export function configSetFrameKey(ptr: usize): u32 {
  const current = authKeyVersion() > keyVersionMax ? authKeyVersion() : keyVersionMax;
  if (current == MAX_KEY_VERSION) {
    memory.fill(ptr, 0, 16);
    return 0;
  }
  // The version is in flash before the key is used: a cut before `save` never gives it again.
  keyVersionMax = current + 1;
  if (!configRewrite()) {
    memory.fill(ptr, 0, 16);
    return 0;
  }
  memory.copy(frameKey, ptr, 16);
  frameKeyStored = true;
  frameKeyVersion = keyVersionMax;
  authSetKey(ptr, frameKeyVersion); // wipes ptr
  return frameKeyVersion;
}
export function configHasFrameKey(): bool { return frameKeyStored; }

/**
 * Factory reset: a record with only the firmware identity goes into the older
 * copy, then the other copy is erased, so no old setting, PIN or key can come back; a cut in
 * between leaves the new record in charge. The caller restarts the firmware (defaults apply).
 */
export function configFactoryReset(): bool {
  memory.fill(frameKey, 0, 16);
  frameKeyStored = false;
  pin = DEFAULT_PIN;
  let n: u32 = 0;
  for (let i = 0; i < IDENTITY_WORDS; i++) n = putPair(n, KEY_IDENTITY + <u16>i, storedIdentityWord(i));
  if (keyVersionMax != 0) n = putPair(n, KEY_FRAME_KEY_VERSION_MAX, <i64>keyVersionMax);
  if (!writeRecord(n)) return false;
  // The other copy is erased: this one alone proves the floor (its floor + a block, docs/storage.md).
  if (newestCopy == 0) floorB = -2; else floorA = -2;
  return boardFlashErase(CONFIG_SECTOR_A + (newestCopy ^ 1)) == 0;
}
