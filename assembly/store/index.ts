// The store: configuration (two copies), register journal and event log in the board's
// flash, behind a few calls for start-up, ticks, frames, the console and power loss.
import { storeUsable } from "./layout";
import { configFactoryReset } from "./config";
import { registersRestore, registerValue } from "../registers";
import { EVENT_REGISTER_RESET, EVENT_FACTORY_RESET } from "./events";
import { configRestore, configSave, configDamaged, configDamagedCopies, configRestoredDefaults, configRestoredPrevious, storedIdentityWord, setStoredIdentityWord, IDENTITY_WORDS } from "./config";
import { journalTick, journalCommit, journalResetCommit, journalReserveFrameCounter, journalPersisted, frameCounterCeiling, journalEventCounter,
  journalCountBoot, bootCount, journalRollNow, journalRaiseFrameFloor, journalCheckSoon, journalCheckAll, frameFieldCounters } from "./journal";
import { journalRestore, journalDamage, journalLostMask } from "./journal-restore";
import { eventsRestore, eventRecord, eventCounter, eventsDamaged, eventsVoidDamaged, EVENT_CONFIG_CHANGE, EVENT_FIRMWARE_IDENTITY, EVENT_STORE_CORRUPT,
  EVENT_CONFIG_DEFAULTS, EVENT_CONFIG_PREVIOUS } from "./events";
import { settingKeysEnd, settingExists, settingValue, settingLegallyRelevant, SETTING_KEYS_MAX } from "./settings-table";
import { metrologRestore, metrologAppend, metrologDamaged, EVENT_LOG_ACK } from "./metrolog";
import { lockoutRestore, lockoutDamaged } from "./lockout";
import { downlinkCounterRestore, downlinkCounterDamaged } from "./downlink-counter";
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
/** The downlink counter's sectors (assembly/store/downlink-counter.ts). */
export const DAMAGE_DOWNLINK: u16 = 1 << 13;
export const DAMAGE_LOCKOUT: u16 = 1 << 14;
export const DAMAGE_METROLOG: u16 = 1 << 15;

/** The identity before the damage is unknown: the next one is no "new firmware identity". */
let identityLost = false;

/** Start-up, after every module has its defaults: restore what flash holds. */
export function storeInit(): void {
  active = storeUsable();
  downlinkCounterRestore(active);
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
  identityLost = configRestoredDefaults;
  if (!configDamaged && journalDamage == 0 && !eventsDamaged && !lockoutDamaged && !metrologDamaged && !downlinkCounterDamaged) return;
  // Damage, not a power cut: say what was lost, then leave clean records behind.
  statusSet(STATUS_STORE_CORRUPT);
  const startBefore = frameCounterCeiling();
  // No counter that could have been sent is used again: skip the rest of this sector's reservations.
  if (configDamaged || journalDamage != 0) {
    journalRaiseFrameFloor(startBefore + frameFieldCounters());
    journalRollNow(now, eventCounter);
  }
  // Calibration and settings lost or older: legally relevant, like any store damage.
  if (configRestoredDefaults) legalEvent(EVENT_CONFIG_DEFAULTS, <u16>configDamagedCopies, 0, 0);
  else if (configRestoredPrevious) legalEvent(EVENT_CONFIG_PREVIOUS, <u16>configDamagedCopies, 0, 0);
  const key = (configDamaged && !configRestoredDefaults && !configRestoredPrevious ? DAMAGE_CONFIG : 0) | (journalDamage != 0 ? DAMAGE_JOURNAL : 0)
    | (eventsDamaged ? DAMAGE_EVENTS : 0) | <u16>(journalDamage << DAMAGE_JOURNAL_DETAIL_SHIFT)
    | (lockoutDamaged ? DAMAGE_LOCKOUT : 0) | (metrologDamaged ? DAMAGE_METROLOG : 0) | (downlinkCounterDamaged ? DAMAGE_DOWNLINK : 0);
  // old: registers whose value may be below what was persisted; new: the first frame counter now.
  if (key != 0) legalEvent(EVENT_STORE_CORRUPT, key, journalLostMask, <i64>frameCounterCeiling() + 1);
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
  journalCheckAll(nowUs, eventCounter);
  return journalReserveFrameCounter(counter, nowUs, eventCounter);
}

