// The store: configuration (two copies), register journal and event log in the board's
// flash, behind a few calls for start-up, ticks, frames, the console and power loss.
import { storeUsable } from "./layout";
import { configFactoryReset } from "./config";
import { registersRestore, registerValue } from "../registers";
import { EVENT_REGISTER_RESET, EVENT_FACTORY_RESET } from "./events";
import { configRestore, configSave, configDamaged, configDamagedCopies, configRestoredDefaults, configRestoredPrevious, storedIdentityWord, setStoredIdentityWord, IDENTITY_WORDS,
  configFound, configMarkLost, configNoteCounterStart, configCounterBound, configCountersHeld, configFloorHigh, configSetFloor, configReserveCounter, configSetFrameKey, CONFIG_FLOOR_HELD, COUNTER_FLOOR_BLOCK } from "./config";
import { journalTick, journalCommit, journalResetCommit, journalReserveFrameCounter, journalPersisted, frameCounterCeiling, journalEventCounter,
  journalCountBoot, bootCount, journalRollNow, journalRaiseFrameFloor, journalCheckSoon, journalCheckAll, journalSetFrameStart, CEILING_HELD } from "./journal";
import { journalRestore, journalDamage, journalLostMask, journalBlank, journalCounterBound, journalCountersHeld, journalNoteDamage, JD_UNREADABLE, JD_BEHIND_FLOOR, JD_FRAME, JD_FELL_BACK } from "./journal-restore";
import { eventsRestore, eventRecord, eventCounter, eventsDamaged, eventsVoidDamaged, EVENT_CONFIG_CHANGE, EVENT_FIRMWARE_IDENTITY, EVENT_STORE_CORRUPT,
  EVENT_CONFIG_DEFAULTS, EVENT_CONFIG_PREVIOUS } from "./events";
import { settingKeysEnd, settingExists, settingValue, settingLegallyRelevant, SETTING_KEYS_MAX } from "./settings-table";
import { metrologRestore, metrologAppend, metrologDamaged, metrologNewestSeq, EVENT_LOG_ACK } from "./metrolog";
import { lockoutRestore, lockoutDamaged, lockoutFound } from "./lockout";
import { CT_EVENT_FAULT } from "../ct/meter";
import { statusSet, statusClear, STATUS_VOLATILE, STATUS_STORE_CORRUPT } from "../status";
import { boardTimeUs } from "../abi/board";

let active = false;
const shadow = memory.data(8 * <i32>SETTING_KEYS_MAX); // settings as last recorded, to log every change

export function storeActive(): bool { return active; }

function snapshotSettings(): void {
  for (let key: u16 = 1; key < settingKeysEnd() && key < SETTING_KEYS_MAX; key++) if (settingExists(key)) store<i64>(shadow + (<usize>key << 3), settingValue(key));
}

/** An event with this start-up's number and the uptime, the event log's notion of time. */
function logEvent(type: u16, key: u16, oldValue: i64, newValue: i64): u32 {
  return eventRecord(type, key, oldValue, newValue, bootCount(), <u32>(boardTimeUs() / 1_000_000));
}

/** A legally relevant event: the event log (its counter travels in frames) and the metrological log. */
function legalEvent(type: u16, key: u16, oldValue: i64, newValue: i64): void {
  const counter = logEvent(type, key, oldValue, newValue);
  metrologAppend(type, key, oldValue, newValue, counter, bootCount(), <u32>(boardTimeUs() / 1_000_000));
}

/**
 * Store-damage event key: which area (1 configuration, 2 journal, 4 event log), journal detail
 * << 3; the console's lockout and metrological log sectors (assembly/store/lockout.ts,
 * metrolog.ts) add DAMAGE_LOCKOUT and DAMAGE_METROLOG, above the journal detail.
 */
export const DAMAGE_CONFIG: u16 = 1;
export const DAMAGE_JOURNAL: u16 = 2;
export const DAMAGE_EVENTS: u16 = 4;
export const DAMAGE_JOURNAL_DETAIL_SHIFT: u16 = 3;
/** No store region proves where frame counters stopped: none is sent until a new key is set. */
export const DAMAGE_COUNTERS_HELD: u16 = 1 << 13;
export const DAMAGE_LOCKOUT: u16 = 1 << 14;
export const DAMAGE_METROLOG: u16 = 1 << 15;

/** The identity before the damage is unknown: the next one is no "new firmware identity". */
let identityLost = false;
/** No frame may be sent: nothing proves where the counters stopped (docs/storage.md). */
let countersHeld = false;
/** After `key set` released held counters: the reporter continues from here. */
let counterRestart: u32 = 0;
/** Where counters continue after a release: above the most 20 years of service can use (3.15 G, docs/storage.md). */
export const COUNTER_RELEASE_START: u32 = 0xc0000000;

/**
 * The first frame counter this start-up may use, from what the store proves (-1: nothing, hold):
 * the journal's exact ceiling when it is clean and not behind the configuration's floor, else
 * the higher of the journal's and the configuration's bounds.
 */
function counterStart(): i64 {
  if (journalCountersHeld || configCountersHeld()) return -1;
  if ((journalDamage & (JD_UNREADABLE | JD_FELL_BACK | JD_FRAME | JD_BEHIND_FLOOR)) == 0) return journalCounterBound;
  // A lost journal, or one that lost sectors, proves nothing; a damaged frame field its field's end.
  const journal = (journalDamage & (JD_UNREADABLE | JD_FELL_BACK | JD_BEHIND_FLOOR)) != 0 ? -1 : journalCounterBound;
  return max<i64>(journal, configCounterBound());
}

/** Start-up, after every module has its defaults: restore what flash holds. */
export function storeInit(): void {
  active = storeUsable();
  if (!active) { statusSet(STATUS_VOLATILE); return; }
  statusClear(STATUS_VOLATILE);
  const now = boardTimeUs();
  configRestore();
  journalRestore(now);
  eventsRestore(journalEventCounter);
  lockoutRestore();
  metrologRestore();
  snapshotSettings();
  journalCountBoot(now, eventCounter);
  counterRestart = 0;
  let damage: u32 = 0;
  // An erased journal beside written regions is a lost journal (it is written first), not a new store.
  const otherRegionsUsed = configFound || configDamaged || eventCounter > 0 || eventsDamaged || metrologNewestSeq() > 0 || metrologDamaged || lockoutFound || lockoutDamaged;
  if (journalBlank && otherRegionsUsed) damage |= JD_UNREADABLE;
  // No configuration although counters were reserved (the floor is written first) or the journal is lost: it was lost too.
  if (!configFound && !configDamaged && (((damage | journalDamage) & JD_UNREADABLE) != 0 || journalCounterBound > 0)) configMarkLost();
  identityLost = configRestoredDefaults;
  // The journal far behind the configuration's floor lost its newest sectors. (A floor is raised
  // to the next counter + a block before the journal's step: a cut between leaves it a block and
  // a few counters ahead, so only more than two blocks is damage.)
  if (((damage | journalDamage) & JD_UNREADABLE) == 0 && journalCounterBound >= 0 && configFloorHigh() - 2 * COUNTER_FLOOR_BLOCK > journalCounterBound) damage |= JD_BEHIND_FLOOR;
  journalNoteDamage(damage);
  const start = counterStart();
  countersHeld = start < 0;
  configNoteCounterStart(start);
  const heldBefore = journalCountersHeld && configCountersHeld();
  if (countersHeld) statusSet(STATUS_STORE_CORRUPT); // until a new key releases them
  if (!configDamaged && journalDamage == 0 && !eventsDamaged && !lockoutDamaged && !metrologDamaged && (!countersHeld || heldBefore)) return;
  // Damage, not a power cut: say what was lost, then leave clean records behind.
  statusSet(STATUS_STORE_CORRUPT);
  if (countersHeld) {
    // Nothing proves where the counters stopped: hold them, in both regions, until a new key.
    if (!journalCountersHeld) journalSetFrameStart(CEILING_HELD, now, eventCounter);
    if (!configCountersHeld()) configSetFloor(CONFIG_FLOOR_HELD);
  } else if (journalDamage != 0) {
    // No counter that could have been sent is used again; a clean sector carries the new start.
    journalRaiseFrameFloor(<u32>start);
    journalRollNow(now, eventCounter);
  }
  // Calibration and settings lost or older: legally relevant, like any store damage.
  if (configRestoredDefaults) legalEvent(EVENT_CONFIG_DEFAULTS, <u16>configDamagedCopies, 0, 0);
  else if (configRestoredPrevious) legalEvent(EVENT_CONFIG_PREVIOUS, <u16>configDamagedCopies, 0, 0);
  const key = (configDamaged && !configRestoredDefaults && !configRestoredPrevious ? DAMAGE_CONFIG : 0) | (journalDamage != 0 ? DAMAGE_JOURNAL : 0)
    | (eventsDamaged ? DAMAGE_EVENTS : 0) | <u16>(journalDamage << DAMAGE_JOURNAL_DETAIL_SHIFT)
    | (countersHeld ? DAMAGE_COUNTERS_HELD : 0) | (lockoutDamaged ? DAMAGE_LOCKOUT : 0) | (metrologDamaged ? DAMAGE_METROLOG : 0);
  // old: registers whose value may be below what was persisted; new: the first frame counter now (0: held).
  if (key != 0) legalEvent(EVENT_STORE_CORRUPT, key, journalLostMask, countersHeld ? 0 : <i64>frameCounterCeiling() + 1);
  if (eventsDamaged) eventsVoidDamaged();
  if (configDamaged) {
    configSave(); // into the damaged (older) copy
    if (configRestoredDefaults) configSave(); // and the other one: both readable again
  }
}

export function storeTick(nowUs: i64): void {
  if (active) journalTick(nowUs, eventCounter);
}

/** After a console command: record every setting that changed, with old and new value. */
export function storeRecordChanges(): void {
  if (!active) return;
  journalCheckSoon(); // a new energy per pulse or step: look at the registers now
  for (let key: u16 = 1; key < settingKeysEnd() && key < SETTING_KEYS_MAX; key++) {
    if (!settingExists(key)) continue;
    const old = load<i64>(shadow + (<usize>key << 3));
    const now = settingValue(key);
    if (old == now) continue;
    if (settingLegallyRelevant(key)) legalEvent(EVENT_CONFIG_CHANGE, key, old, now);
    else logEvent(EVENT_CONFIG_CHANGE, key, old, now);
    store<i64>(shadow + (<usize>key << 3), now);
  }
}

export function storeSaveConfig(): bool { return active && configSave(); }

/** A legally relevant event of the console (key set, PIN change): both logs. */
export function storeRecordLegal(type: u16, key: u16, oldValue: i64, newValue: i64): void {
  if (active) legalEvent(type, key, oldValue, newValue);
}

/** An event of the metering core at start-up (assembly/ct/meter.ts): a ct_fault is legally relevant. */
export function storeRecordEvent(type: u16, key: u16, oldValue: i64, newValue: i64): void {
  if (!active) return;
  if (type == CT_EVENT_FAULT) legalEvent(type, key, oldValue, newValue);
  else logEvent(type, key, oldValue, newValue);
}

/** `metrolog ack`: the acknowledgement is itself a record of both logs. */
export function storeAcknowledgeLog(): void {
  if (active) legalEvent(EVENT_LOG_ACK, 0, 0, 0);
}

/**
 * The console's `zero <register>`: the register goes to 0, the reset is logged, and the journal
 * commits every register exactly at once (a new base record), so the reset survives a power cut.
 * This is the only way a persisted register and the values in frames go down.
 */
export function storeZeroRegister(id: i32): bool {
  const old = registerValue(id);
  registersRestore(id, 0);
  if (!active) return true;
  legalEvent(EVENT_REGISTER_RESET, <u16>id, old, 0);
  return journalResetCommit(boardTimeUs(), eventCounter);
}

/** The console's `factory-reset`: logged, then the configuration copies hold no settings. */
export function storeFactoryReset(): bool {
  if (!active) return false;
  legalEvent(EVENT_FACTORY_RESET, 0, 0, 0);
  return configFactoryReset();
}

/** The board says power is about to fail (or `reboot`): every register exactly into a commit slot, no erase. */
export function storePowerFail(): bool { return active && journalCommit(boardTimeUs(), eventCounter); }

/** The firmware's SHA-256 from the board: a new identity is an event. */
export function storeIdentity(ptr: usize): void {
  let changed = false;
  for (let i = 0; i < IDENTITY_WORDS; i++) if (load<i64>(ptr + (<usize>i << 3)) != storedIdentityWord(i)) changed = true;
  if (!changed || !active) return;
  // After the configuration was restored to defaults the old identity is unknown: no false "new identity".
  if (!identityLost) legalEvent(EVENT_FIRMWARE_IDENTITY, 0, storedIdentityWord(0), load<i64>(ptr));
  identityLost = false;
  for (let i = 0; i < IDENTITY_WORDS; i++) setStoredIdentityWord(i, load<i64>(ptr + (<usize>i << 3)));
  configSave();
}

export function storeEventCounter(): u32 { return active ? eventCounter : 0; }

/** The persisted value of a journalled register (what frames carry), or -1. */
export function storePersistedValue(id: i32): i64 {
  return active ? journalPersisted(id) : -1;
}

/** The first frame counter after start-up: past everything reserved before the cut. */
export function storeFrameCounterStart(): u32 { return active ? frameCounterCeiling() : 0; }

/** Before a frame: persist whole steps of every register (frames carry persisted values), reserve its counter. */
export function storeReserveFrameCounter(counter: u32, nowUs: i64): bool {
  if (!active) return true;
  if (countersHeld) return false;
  journalCheckAll(nowUs, eventCounter);
  // The configuration's floor first (a block at a time), then the journal's reservation.
  return configReserveCounter(counter) && journalReserveFrameCounter(counter, nowUs, eventCounter);
}

/** Once, after held counters were released: the counter to continue from (0: no restart). */
export function storeFrameCounterRestart(): u32 {
  const restart = counterRestart;
  counterRestart = 0;
  return restart;
}
export function storeCountersHeld(): bool { return countersHeld; }

/**
 * The console's `key set`: the key and its version (never given twice, kept in flash before use).
 * A new key also releases held counters: its nonces are new whatever the counter, and counters
 * continue from COUNTER_RELEASE_START, above anything 20 years of service reach (docs/storage.md).
 */
export function storeSetFrameKey(ptr: usize): u32 {
  const version = configSetFrameKey(ptr);
  if (version == 0 || !countersHeld || !active) return version;
  if (!configSetFloor(COUNTER_RELEASE_START) || !journalSetFrameStart(COUNTER_RELEASE_START, boardTimeUs(), eventCounter)) return version;
  countersHeld = false;
  counterRestart = COUNTER_RELEASE_START;
  return version;
}

