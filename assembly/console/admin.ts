// Console commands around the meter rather than a channel: id, log, reboot, key set, zero,
// factory-reset (docs/console.md). The protected ones check the session first.
import { out, outByte, outLine, outU64, outFixed, outBytes, outFlush, outText, outLineText, T, Text } from "./out";
import { tp, tl, tokenCount, is, outToken } from "./tokens";
import { requireUnlocked, requireSession } from "./session";
import { ABI_VERSION, FIRMWARE_VERSION } from "../abi/version";
import { scratchBuffer } from "../abi/buffers";
import { nodeId } from "../settings";
import { firmwareIdentity, identityKnown, IDENTITY_BYTES } from "../identity";
import { eventAt, eventCounter, EVENT_CONFIG_CHANGE, EVENT_FIRMWARE_IDENTITY, EVENT_REGISTER_RESET, EVENT_KEY_SET,
  EVENT_STORE_CORRUPT, EVENT_UNLOCK_REFUSED, EVENT_FACTORY_RESET, EVENT_CONFIG_DEFAULTS, EVENT_CONFIG_PREVIOUS } from "../store/events";
import { storeActive, storeRecordLegal, storeZeroRegister, storeFactoryReset, storePowerFail, storeAcknowledgeLog, storeSetFrameKey } from "../store/index";
import { metrologAt, metrologUnacked, metrologNewestSeq, metrologCapacity, metrologFree, metrologOverflow, metrologMarkReadOut, metrologReadOut,
  EVENT_LOG_ACK } from "../store/metrolog";
import { lockoutTotal, lockoutInARow } from "../store/lockout";
import { CT_EVENT_FAULT, CT_EVENT_CONDITION } from "../ct/meter";
import { KEY_PIN } from "../store/config";
import {
  KEY_NODE_ID, KEY_REPORT_INTERVAL_S, KEY_LOCK_S, KEY_FRAME_PROFILE, KEY_V_GAIN, KEY_V_PHASE, PULSE_FIRST, HEAT_FIRST, CT_FIRST,
} from "../store/settings-table";
import { registerName, registerDecimals, persistentRegisterCount, persistentRegisterId } from "../registers";
import { statusSet, STATUS_CONFIG_CHANGED } from "../status";
import { billingLogCommand, outLocalTime } from "./billing-log";
import { EVENT_CLOCK_STEP } from "../clock/clock";
import { OUT_FIRST } from "../store/settings-table";
import { outParamKey } from "./outputs";
import { EVENT_OUTPUT_OVERRIDE, EVENT_DEMAND_RESPONSE } from "../outputs/control";
import { EVENT_OUTPUT_DAY_LOST } from "../outputs/day";

/** The firmware asks the board for a reset (after `reboot` or `factory-reset`); fw_reset_pending. */
export let resetRequested = false;

export function outHexByte(b: u32): void {
  const hi = (b >> 4) & 0xf;
  const lo = b & 0xf;
  outByte(hi < 10 ? 0x30 + hi : 0x57 + hi);
  outByte(lo < 10 ? 0x30 + lo : 0x57 + lo);
}

export function idCommand(): void {
  out("activemeter firmware ");
  out(FIRMWARE_VERSION);
  out(", ABI ");
  outU64(ABI_VERSION);
  out(", node ");
  outU64(nodeId);
  outLine("");
  out("software identity (SHA-256 of the firmware module): ");
  if (!identityKnown) {
    outLine("not given by the board");
    return;
  }
  for (let i: u32 = 0; i < IDENTITY_BYTES; i++) outHexByte(load<u8>(firmwareIdentity + i));
  outLine("");
}

export function rebootCommand(): void {
  outLine("ok: rebooting (settings not saved are lost)");
  outFlush();
  storePowerFail(); // a controlled restart: every register committed exactly, nothing lost
  resetRequested = true;
}

// ---- log ---------------------------------------------------------------------------------------
const LOG_DEFAULT: u32 = 10;
const LOG_MAX: u32 = 250;

/** Word 1 as a count of records from 1 to LOG_MAX (the default when absent); 0 after an error. */
function logCount(what: Text): u32 {
  if (tokenCount == 1) return LOG_DEFAULT;
  let n: u32 = 0;
  const len = tl(1);
  let ok = tokenCount == 2 && len > 0 && len <= 3;
  for (let i: u32 = 0; ok && i < len; i++) {
    const c = <u32>load<u8>(tp(1) + i);
    if (c < 0x30 || c > 0x39) ok = false;
    else n = n * 10 + c - 0x30;
  }
  if (ok && n > 0 && n <= LOG_MAX) return n;
  out("error: ");
  outText(what);
  out(" takes a number of events from 1 to 250, not '");
  outToken(1);
  outLine("' (try help)");
  return 0;
}

export function logCommand(): void {
  if (tokenCount >= 2 && billingLogCommand()) return;
  const count = logCount(T("log"));
  if (count == 0) return;
  if (!storeActive()) {
    outLine("error: this board has no storage partition, so no event log");
    return;
  }
  out("event log, newest first (");
  outU64(eventCounter);
  outLine(" events since manufacture):");
  let shown: u32 = 0;
  for (; shown < count; shown++) {
    const r = eventAt(shown);
    if (r == 0) break;
    logLine(load<u32>(r), load<u32>(r, 4), load<u32>(r, 8), load<u16>(r, 12), load<u16>(r, 14), load<i64>(r, 16), load<i64>(r, 24));
  }
  if (shown == 0) outLine("(empty)");
}

function wrongPinLine(): void {
  out("wrong PINs: ");
  outU64(lockoutTotal());
  out(" since manufacture, ");
  outU64(lockoutInARow());
  outLine(" in a row (counted, not logged one by one)");
}

/**
 * `metrolog`: every record, oldest acknowledged ones included (a whole read-out, which
 * `metrolog ack` needs); `metrolog N`: the newest N; `metrolog ack` (unlocked): acknowledge.
 */
export function metrologCommand(): void {
  if (!storeActive()) {
    outLine("error: this board has no storage partition, so no metrological log");
    return;
  }
  if (tokenCount == 2 && is(1, T("ack"))) { metrologAck(); return; }
  const whole = tokenCount == 1;
  const count = whole ? metrologCapacity() : logCount(T("metrolog"));
  if (count == 0) return;
  out("metrological log, newest first (");
  outU64(metrologNewestSeq());
  out(" records, ");
  outU64(metrologUnacked());
  out(" not acknowledged, room for ");
  outU64(metrologFree());
  outLine("):");
  let shown: u32 = 0;
  for (; shown < count; shown++) {
    const r = metrologAt(shown);
    if (r == 0) break;
    out("[");
    outU64(load<u32>(r));
    out("] ");
    logLine(load<u32>(r, 4), load<u32>(r, 8), load<u32>(r, 12), load<u16>(r, 16), load<u16>(r, 18), load<i64>(r, 20), load<i64>(r, 28));
  }
  if (shown == 0) outLine("(empty)");
  if (metrologOverflow > 0) {
    out("events not recorded because the log was full: ");
    outU64(metrologOverflow);
    outLine("");
  }
  wrongPinLine();
  if (whole) {
    metrologMarkReadOut();
    outLine("end of the metrological log (read out; metrolog ack acknowledges it)");
  }
}

function metrologAck(): void {
  if (!requireSession(T("metrolog ack"))) return;
  if (!metrologReadOut()) {
    outLine("error: read the whole log out first (metrolog, without a count), then metrolog ack; nothing was acknowledged");
    return;
  }
  storeAcknowledgeLog();
  out("ok: metrological log acknowledged up to record ");
  outU64(metrologNewestSeq());
  outLine(" (the acknowledgement is recorded)");
}

function logLine(counter: u32, boot: u32, upS: u32, type: u16, key: u16, oldV: i64, newV: i64): void {
  out("#");
  outU64(counter);
  out(" boot ");
  outU64(boot);
  out(" up ");
  outU64(upS);
  out(" s: ");
  if (type == EVENT_CONFIG_CHANGE) {
    out("setting ");
    if (key == KEY_PIN) { outLine("console.pin changed (not shown)"); return; }
    const decimals = settingName(key);
    out(" ");
    outFixed(oldV, decimals);
    out(" -> ");
    outFixed(newV, decimals);
    outLine("");
  } else if (type == EVENT_REGISTER_RESET) {
    out("register reset ");
    const len = registerName(<i32>key, scratchBuffer);
    if (len > 0) outBytes(scratchBuffer, len); else outU64(key);
    out(" ");
    outFixed(oldV, registerDecimals(<i32>key));
    out(" -> ");
    outFixed(newV, registerDecimals(<i32>key));
    outLine("");
  } else if (type == EVENT_FIRMWARE_IDENTITY) {
    out("new firmware identity ");
    for (let i = 0; i < 8; i++) outHexByte(<u32>((<u64>newV >> (<u64>i << 3)) & 0xff));
    outLine("...");
  } else if (type == EVENT_KEY_SET) {
    out("frame key set on the console (not shown)");
    if (newV > 0) { out(", key version "); outU64(<u64>newV); }
    outLine("");
  } else if (type == EVENT_STORE_CORRUPT) {
    out("store damage found at start-up (");
    outText((key & 1) != 0 ? T("config ") : T(""));
    outText((key & 2) != 0 ? T("journal ") : T(""));
    outText((key & 4) != 0 ? T("events ") : T(""));
    outText((key & (1 << 14)) != 0 ? T("lockout ") : T(""));
    outText((key & (1 << 15)) != 0 ? T("metrolog ") : T(""));
    outText((key & (1 << 12)) != 0 ? T("billing-history ") : T(""));
    outText((key & (1 << 11)) != 0 ? T("downlink-counter ") : T(""));
    out(")");
    // Journal detail (docs/storage.md): what start-up could not prove.
    outText((key & (2 << 3)) != 0 ? T(", newest journal sector unreadable: older one used") : T(""));
    outText((key & (32 << 3)) != 0 ? T(", journal unreadable: registers from zero") : T(""));
    outText(oldV != 0 ? T(", registers may be low") : T(", no register value lost"));
    outText((key & (128 << 3)) != 0 ? T(", journal behind the counter floor: sectors lost") : T(""));
    if ((key & (1 << 13)) != 0) { outLine(", frame counters held: nothing proves where they stopped; key set releases them"); return; }
    out(", frame counters continue at ");
    outU64(<u64>newV);
    outLine("");
  } else if (type == EVENT_CONFIG_DEFAULTS) {
    outLine("configuration restored to defaults (unreadable: settings, PIN and console key lost)");
  } else if (type == EVENT_CONFIG_PREVIOUS) {
    outLine("configuration restored to the previous save (the newest copy was unreadable)");
  } else if (type == EVENT_UNLOCK_REFUSED) {
    out("unlock refused: wrong PIN (");
    outU64(<u64>newV);
    outLine(" in a row)");
  } else if (type == EVENT_FACTORY_RESET) {
    outLine("factory reset: settings, PIN and console key to defaults");
  } else if (type == EVENT_LOG_ACK) {
    out("metrological log read out and acknowledged up to record ");
    outU64(<u64>newV);
    outLine("");
  } else if (type == EVENT_CLOCK_STEP) {
    out("clock stepped from ");
    outLocalTime(oldV);
    out(" to ");
    outLocalTime(newV);
    outLine("");
  } else if (type == CT_EVENT_FAULT) {
    out("ct_fault: board parameters refused for");
    for (let n = 0; n < 4; n++) if ((newV >> n) & 1) { out(" ct"); outU64(n + 1); }
    outLine(" (not metered; the rest runs)");
  } else if (type == EVENT_OUTPUT_OVERRIDE) {
    out("out");
    outU64(key);
    const m = newV & 0xff;
    outText(m == 0 ? T(" manual off") : m == 1 ? T(" manual on") : T(" back to auto"));
    if (m != 2 && (newV >> 8) > 0) { out(" until up "); outU64(<u64>(newV >> 8)); out(" s"); }
    outLine("");
  } else if (type == EVENT_DEMAND_RESPONSE) {
    outText(key == 0 ? T("demand response normal") : key == 1 ? T("demand response reduce") : T("demand response shed"));
    if (newV > 0) { out(" until up "); outU64(<u64>newV); out(" s"); }
    outLine("");
  } else if (type == EVENT_OUTPUT_DAY_LOST) {
    outLine("output on-times of today unreadable in flash: daily limits count as used until the day ends");
  } else if (type == CT_EVENT_CONDITION) {
    outLineText(key == 7 ? T("over_range set") : key == 8 ? T("under_voltage set") : T("reverse_energy set"));
  } else {
    out("type ");
    outU64(type);
    out(" key ");
    outU64(key);
    outLine("");
  }
}

/** Print the console name of setting `key`; returns its decimals. */
function settingName(key: u16): i32 {
  if (key == KEY_NODE_ID) { out("node.id"); return 0; }
  if (key == KEY_REPORT_INTERVAL_S) { out("report.interval_s"); return 0; }
  if (key == KEY_LOCK_S) { out("console.lock_s"); return 0; }
  if (key == KEY_FRAME_PROFILE) { out("frame.profile"); return 0; } // 1 native, 2 oms, 3 both
  if (key == KEY_V_GAIN) { out("v.gain"); return 6; }
  if (key == KEY_V_PHASE) { out("v.phase_deg"); return 3; }
  if (key >= OUT_FIRST) { outParamKey((key - OUT_FIRST) >> 3, (key - OUT_FIRST) & 7); return 0; }
  if (key >= CT_FIRST) {
    const f = (key - CT_FIRST) & 3;
    out("ct");
    outU64(((key - CT_FIRST) >> 2) + 1);
    outText(f == 0 ? T(".gain") : f == 1 ? T(".phase_deg") : T(".offset_w"));
    return f == 0 ? 6 : 3;
  }
  if (key >= HEAT_FIRST) {
    const f = (key - HEAT_FIRST) & 3;
    out("heat");
    outU64(((key - HEAT_FIRST) >> 2) + 1);
    outText(f == 0 ? T(".cutoff_k") : f == 1 ? T(".dtmin_k") : f == 2 ? T(".pressure_bar") : T(".l_per_pulse"));
    return f == 2 ? 2 : 3;
  }
  if (key >= PULSE_FIRST) {
    const f = (key - PULSE_FIRST) & 3;
    out("pulse");
    outU64(((key - PULSE_FIRST) >> 2) + 1);
    // energy per pulse = wh_per_pulse / divisor (pulses_per_kwh N is 1000 Wh / N)
    outText(f == 0 ? T(".wh_per_pulse") : f == 1 ? T(".divisor") : f == 2 ? T(".filter_ms") : T(".timeout_s"));
    return f == 0 ? 6 : f == 1 ? 0 : f == 2 ? 3 : 6;
  }
  out("key ");
  outU64(key);
  return 0;
}

// ---- key set -------------------------------------------------------------------------------------
function hexDigit(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x57);
  if (c >= 0x41 && c <= 0x46) return <i32>(c - 0x37);
  return -1;
}

/** `key set <32 hex digits>`: the key is never echoed back, printed or logged. */
export function keyCommand(): void {
  if (tokenCount != 3 || !is(1, T("set"))) {
    outLine("error: usage: key set <32 hex digits> (try help key)");
    return;
  }
  if (!requireUnlocked(T("key set"))) return;
  const hex = tp(2);
  if (tl(2) != 32) {
    outLine("error: key set takes exactly 32 hex digits (16 bytes); nothing was changed");
    return;
  }
  for (let i: u32 = 0; i < 32; i++) {
    if (hexDigit(<u32>load<u8>(hex + i)) < 0) {
      outLine("error: key set takes hex digits 0-9, a-f only; nothing was changed");
      return;
    }
  }
  for (let i: u32 = 0; i < 16; i++) {
    store<u8>(scratchBuffer + i, <u8>((hexDigit(<u32>load<u8>(hex + 2 * i)) << 4) | hexDigit(<u32>load<u8>(hex + 2 * i + 1))));
  }
  memory.fill(hex, 0x2a, 32); // no copy of the digits stays in the line buffer
  const version = storeSetFrameKey(scratchBuffer); // loads it and wipes the scratch
  if (version == 0) {
    outLine("error: every key version is used up; nothing was changed (factory-reset does not free them)");
    return;
  }
  storeRecordLegal(EVENT_KEY_SET, 0, 0, <i64>version);
  statusSet(STATUS_CONFIG_CHANGED);
  out("ok: key version ");
  outU64(version);
  outLine(" loaded; frames are sealed with it from now on (add it to the gateway's keyring under this version); save keeps it across power cuts");
}

// ---- zero ------------------------------------------------------------------------------------------
export function zeroCommand(): void {
  if (tokenCount != 2) {
    outLine("error: usage: zero <register> (try help zero)");
    return;
  }
  let id = -1;
  for (let i = 0; i < persistentRegisterCount(); i++) {
    const candidate = persistentRegisterId(i);
    const len = registerName(candidate, scratchBuffer);
    if (len != tl(1)) continue;
    let same = true;
    for (let k: u32 = 0; k < len; k++) if (load<u8>(scratchBuffer + k) != load<u8>(tp(1) + k)) { same = false; break; }
    if (same) { id = candidate; break; }
  }
  if (id < 0) {
    out("error: '");
    outToken(1);
    outLine("' is not a cumulative register of this board (ctN.import_wh, ctN.export_wh, pulseN.wh, pulseN.count, heatN.heat_wh, heatN.cool_wh, heatN.volume_l; see status)");
    return;
  }
  if (!requireUnlocked(T("zero"))) return;
  if (!storeZeroRegister(id)) {
    outLine("error: the register is 0 now, but the flash write failed: the old value may come back after a power cut (try zero again)");
    return;
  }
  outToken(1);
  outLine(" = 0 (logged; committed to flash)");
}

// ---- factory-reset --------------------------------------------------------------------------------
export function factoryResetCommand(): void {
  if (tokenCount != 1) {
    outLine("error: factory-reset takes no arguments (try help factory-reset)");
    return;
  }
  if (!requireUnlocked(T("factory-reset"))) return;
  if (!storeActive()) {
    outLine("error: this board has no storage partition: reboot restores the defaults");
    return;
  }
  if (!storeFactoryReset()) {
    outLine("error: flash write failed; try factory-reset again");
    return;
  }
  outLine("ok: settings, PIN and console key erased (logged); registers kept; rebooting with the defaults");
  outFlush();
  storePowerFail();
  resetRequested = true;
}
