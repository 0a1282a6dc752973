// Console commands (docs/console.md). Every command validates all of its input before it
// changes anything, and every error says what to do instead.
import { out, outByte, outLine, outBytes, outU64, outFixed, outFlush } from "./out";
import { tokenEquals, tokenStartsWith, parseFixed, parsedValue } from "./parse";
import { MAX_PULSE, MAX_HEAT } from "../board/descriptor";
import { nodeId, reportIntervalS, setNodeId, setReportIntervalS } from "../settings";
import { statusFlags, statusSet, STATUS_CONFIG_CHANGED } from "../status";
import { framesSent } from "../reporter";
import { boardTimeUs } from "../abi/board";
import { storeRecordChanges, storeSaveConfig, storeActive } from "../store/index";
import {
  pulseChannelPresent, pulseCountOf, pulseEnergyMicroWh, pulsePowerMilliW,
  pulsePerPulseNumerator, pulsePerPulseDenominator, pulseSetMicroWhPerPulse, pulseSetPulsesPerKWh,
  pulseFilterUs, pulseSetFilterUs, pulseTimeoutUs, pulseSetTimeoutUs,
} from "../pulse/meter";
import {
  heatChannelPresent, heatEnergyHeatMicroWh, heatEnergyCoolMicroWh, heatVolumeMilliL, heatPowerMilliW,
  heatSensorFault, heatCutoffMilliK, heatSetCutoffMilliK, heatDtminMilliK, heatSetDtminMilliK,
  heatPressureKPa, heatSetPressureKPa, heatMillilitresPerPulse, heatSetMillilitresPerPulse, heatFlowInSupply,
} from "../heat/meter";
import { HEAT_MIN_KPA } from "../heat/coefficient";
import { ctHelpSetLines, ctStatusLines, ctConfigLines, isCtKey, ctSetKey } from "./ct-keys";
import { tokenize, tokenCount, tp, tl, is } from "./tokens";
import { sessionTouch, sessionUnlocked, unlockCommand, lockCommand, setPin, lockTimeoutS, setLockTimeoutS, LOCK_MIN_S, LOCK_MAX_S, sessionStateText } from "./session";
import { idCommand, rebootCommand, logCommand, keyCommand, zeroCommand, factoryResetCommand } from "./admin";
import { calCommand } from "./cal";
import { commandHelp } from "./help";
import { setProfileKey, outFrameProfile, omsNodeIdAllowed } from "./profile-key";

export function reportLineTooLong(limit: u32): void {
  out("error: line too long (at most ");
  outU64(limit);
  outLine(" characters); nothing was changed");
}

export function runCommand(ptr: usize, len: u32): void {
  sessionTouch(boardTimeUs());
  if (!tokenize(ptr, len)) {
    outLine("error: too many words (try help)");
  } else if (tokenCount == 0) {
    return;
  } else if (is(0, "help")) {
    help();
  } else if (is(0, "id")) {
    if (noArguments(1)) idCommand();
  } else if (is(0, "status")) {
    if (noArguments(1)) status();
  } else if (is(0, "config")) {
    if (noArguments(1)) config();
  } else if (is(0, "set")) {
    set();
  } else if (is(0, "save")) {
    if (noArguments(1)) save();
  } else if (is(0, "reboot")) {
    if (noArguments(1)) rebootCommand();
  } else if (is(0, "log")) {
    logCommand();
  } else if (is(0, "unlock")) {
    unlockCommand();
  } else if (is(0, "lock")) {
    if (noArguments(1)) lockCommand();
  } else if (is(0, "key")) {
    keyCommand();
  } else if (is(0, "zero")) {
    zeroCommand();
  } else if (is(0, "factory-reset")) {
    factoryResetCommand();
  } else if (is(0, "cal")) {
    calCommand();
  } else {
    out("error: unknown command '");
    outBytes(tp(0), tl(0));
    outLine("' (try help)");
  }
  storeRecordChanges(); // every change of a setting goes into the event log
  outFlush();
}

function save(): void {
  if (!storeActive()) {
    outLine("error: this board has no storage partition; settings last until power-off");
  } else if (storeSaveConfig()) {
    outLine("ok: settings saved");
  } else {
    outLine("error: flash write failed; settings are unchanged in flash (try save again)");
  }
}

function noArguments(expected: i32): bool {
  if (tokenCount == expected) return true;
  out("error: ");
  outBytes(tp(0), tl(0));
  outLine(" takes no arguments (try help)");
  return false;
}

function help(): void {
  if (tokenCount == 1) {
    outLine("commands (* = needs unlock):");
    outLine("  help [command]     this list, or details of one command");
    outLine("  id                 firmware and ABI version, node id, software identity (SHA-256)");
    outLine("  status             live values per channel, frames sent, lock state");
    outLine("  config             current settings");
    outLine("  set <key> <value>  change a setting (see help set)");
    outLine("  save               write the settings to flash (they apply at once, save keeps them)");
    outLine("  unlock <pin>, lock open or close the protected session");
    outLine("  cal ...            calibration wizard (see help cal) *");
    outLine("  zero <register>    reset a cumulative register (logged) *");
    outLine("  key set <hex>      load a new frame key, write-only *");
    outLine("  log [count]        the event log, newest first");
    outLine("  reboot             restart the meter (unsaved settings are lost)");
    outLine("  factory-reset      settings, PIN and key to defaults; registers kept *");
    return;
  }
  if (tokenCount != 2) {
    outLine("error: usage: help [command]");
  } else if (is(1, "set")) {
    outLine("set <key> <value>: keys and ranges (* = needs unlock):");
    outLine("  node.id *            1 .. 4294967294");
    outLine("  report.interval_s    1 .. 3600 s between frames");
    outLine("  frame.profile *      native, oms or both (OMS telegrams need node.id <= 99999999)");
    outLine("  console.lock_s *     30 .. 86400 s without a command before the session locks");
    outLine("  console.pin *        4 .. 8 digits (never shown)");
    outLine("  pulseN.wh_per_pulse * 0.000001 .. 1000000 Wh");
    outLine("  pulseN.pulses_per_kwh * 1 .. 1000000 (alternative to wh_per_pulse)");
    outLine("  pulseN.filter_ms *   0.1 .. 1000 ms the input must be steady to count");
    outLine("  pulseN.timeout_s     1 .. 86400 s without pulses before power reads 0");
    outLine("  heatN.l_per_pulse *  0.001 .. 1000 L per flow pulse");
    outLine("  heatN.cutoff_k *     0 .. 5 K: smaller |supply - return| counts no energy");
    outLine("  heatN.dtmin_k *      0.1 .. 20 K declared minimum temperature difference");
    outLine("  heatN.pressure_bar * 6 .. 25 bar nominal pressure of the circuit");
    ctHelpSetLines();
    outLine("  (every ct and v key needs unlock)");
  } else {
    commandHelp(tp(1), tl(1));
  }
}

function status(): void {
  const now = boardTimeUs();
  for (let ch = 0; ch < MAX_PULSE; ch++) {
    if (!pulseChannelPresent(ch)) continue;
    out("pulse");
    outU64(ch + 1);
    out(": count ");
    outU64(pulseCountOf(ch));
    out(", energy ");
    outFixed(pulseEnergyMicroWh(ch), 6);
    out(" Wh, power ");
    outFixed(pulsePowerMilliW(ch, now), 3);
    outLine(" W");
  }
  for (let c = 0; c < MAX_HEAT; c++) {
    if (!heatChannelPresent(c)) continue;
    out("heat");
    outU64(c + 1);
    out(": heat ");
    outFixed(heatEnergyHeatMicroWh(c), 6);
    out(" Wh, cool ");
    outFixed(heatEnergyCoolMicroWh(c), 6);
    out(" Wh, volume ");
    outFixed(heatVolumeMilliL(c), 3);
    out(" L, power ");
    outSignedFixed(heatPowerMilliW(c, now), 3);
    outLine(heatSensorFault(c) ? " W, sensor fault" : " W");
  }
  ctStatusLines();
  out("frames sent ");
  outU64(framesSent);
  out(", status flags 0x");
  outHex(statusFlags());
  out(", console ");
  sessionStateText();
  outLine("");
}

function outSignedFixed(v: i64, decimals: i32): void {
  if (v < 0) outByte(0x2d);
  outFixed(v < 0 ? -v : v, decimals);
}

function outHex(v: u32): void {
  for (let shift = 12; shift >= 0; shift -= 4) {
    const d = (v >> shift) & 0xf;
    outByte(d < 10 ? 0x30 + d : 0x57 + d);
  }
}

function config(): void {
  out("node.id = ");
  outU64(nodeId);
  outLine("");
  out("report.interval_s = ");
  outU64(reportIntervalS);
  outLine("");
  outFrameProfile();
  out("console.lock_s = ");
  outU64(lockTimeoutS);
  outLine("");
  for (let ch = 0; ch < MAX_PULSE; ch++) {
    if (!pulseChannelPresent(ch)) continue;
    showPulseEnergySetting(ch);
    outLine("");
    outPulseKey(ch, "filter_ms");
    out(" = ");
    outFixed(pulseFilterUs(ch), 3);
    outLine("");
    outPulseKey(ch, "timeout_s");
    out(" = ");
    outU64(pulseTimeoutUs(ch) / 1_000_000);
    outLine("");
  }
  for (let c = 0; c < MAX_HEAT; c++) {
    if (heatChannelPresent(c)) configHeat(c);
  }
  ctConfigLines();
}

function outHeatKey(c: i32, name: string): void {
  out("heat");
  outU64(c + 1);
  out(".");
  out(name);
  out(" = ");
}

function configHeat(c: i32): void {
  outHeatKey(c, "l_per_pulse");
  outFixed(heatMillilitresPerPulse(c), 3);
  outLine("");
  outHeatKey(c, "cutoff_k");
  outFixed(heatCutoffMilliK(c), 3);
  outLine("");
  outHeatKey(c, "dtmin_k");
  outFixed(heatDtminMilliK(c), 3);
  outLine("");
  outHeatKey(c, "pressure_bar");
  outFixed(heatPressureKPa(c), 2);
  outLine("");
  outHeatKey(c, "flow_sensor_pipe");
  outLine(heatFlowInSupply(c) ? "supply (board)" : "return (board)");
}

function outPulseKey(ch: i32, name: string): void {
  out("pulse");
  outU64(ch + 1);
  out(".");
  out(name);
}

function showPulseEnergySetting(ch: i32): void {
  const den = pulsePerPulseDenominator(ch);
  if (den == 1) {
    outPulseKey(ch, "wh_per_pulse");
    out(" = ");
    outFixed(pulsePerPulseNumerator(ch), 6);
  } else {
    outPulseKey(ch, "pulses_per_kwh");
    out(" = ");
    outU64(den);
  }
}

function rangeError(unitAndRange: string): void {
  out("error: ");
  outBytes(tp(1), tl(1));
  out(" takes ");
  out(unitAndRange);
  out(", not '");
  outBytes(tp(2), tl(2));
  outLine("'; nothing was changed");
}

/** Parse argument 2 as a fixed-point number in [min, max] (both scaled); false after an error. */
function argument(decimals: i32, maxWhole: i64, minScaled: i64, description: string): bool {
  if (parseFixed(tp(2), tl(2), decimals, maxWhole) && parsedValue >= minScaled) return true;
  rangeError(description);
  return false;
}

/** Keys anyone may change; every other key is legally relevant and needs an unlocked session. */
function unprotectedKey(): bool {
  if (is(1, "report.interval_s")) return true;
  const key = tp(1);
  const len = tl(1);
  return len == 16 && tokenStartsWith(key, len, "pulse") && tokenEquals(key + 6, len - 6, ".timeout_s");
}

/** The key is spelt like a key of `help set` (the channel may still be missing on this board). */
function knownKey(): bool {
  if (is(1, "node.id") || is(1, "report.interval_s") || is(1, "console.lock_s") || is(1, "console.pin") || is(1, "frame.profile")) return true;
  const key = tp(1);
  const len = tl(1);
  let at: u32 = 0;
  if (tokenStartsWith(key, len, "v.")) at = 2;
  else if (len > 4 && (tokenStartsWith(key, len, "ct") || tokenStartsWith(key, len, "heat") || tokenStartsWith(key, len, "pulse"))) {
    at = tokenStartsWith(key, len, "ct") ? 2 : tokenStartsWith(key, len, "heat") ? 4 : 5;
    const digit = <u32>load<u8>(key + at);
    if (digit < 0x31 || digit > 0x34 || at + 2 > len || load<u8>(key + at + 1) != 0x2e) return false;
    at += 2;
  } else {
    return false;
  }
  const name = key + at;
  const nameLen = len - at;
  const first = <u32>load<u8>(key);
  if (first == 0x76 || first == 0x63) { // v., ctN.
    return tokenEquals(name, nameLen, "gain") || tokenEquals(name, nameLen, "phase_deg") || (first == 0x63 && tokenEquals(name, nameLen, "offset_w"));
  }
  if (first == 0x68) {
    return tokenEquals(name, nameLen, "l_per_pulse") || tokenEquals(name, nameLen, "cutoff_k") || tokenEquals(name, nameLen, "dtmin_k") || tokenEquals(name, nameLen, "pressure_bar");
  }
  return tokenEquals(name, nameLen, "wh_per_pulse") || tokenEquals(name, nameLen, "pulses_per_kwh") || tokenEquals(name, nameLen, "filter_ms") || tokenEquals(name, nameLen, "timeout_s");
}

function set(): void {
  if (tokenCount != 3) {
    outLine("error: usage: set <key> <value> (try help set)");
    return;
  }
  if (!knownKey()) {
    unknownKey();
    return;
  }
  if (!unprotectedKey() && !sessionUnlocked()) {
    out("error: ");
    outBytes(tp(1), tl(1));
    outLine(" is protected: unlock first (unlock <pin>, see help unlock); nothing was changed");
    return;
  }
  if (is(1, "node.id")) {
    if (!argument(0, 4294967294, 1, "a whole number from 1 to 4294967294") || !omsNodeIdAllowed(parsedValue)) return;
    setNodeId(<u32>parsedValue);
  } else if (is(1, "report.interval_s")) {
    if (!argument(0, 3600, 1, "a whole number of seconds from 1 to 3600")) return;
    setReportIntervalS(<u32>parsedValue);
  } else if (is(1, "console.lock_s")) {
    if (!argument(0, LOCK_MAX_S, LOCK_MIN_S, "a whole number of seconds from 30 to 86400")) return;
    setLockTimeoutS(<u32>parsedValue);
  } else if (is(1, "console.pin")) {
    if (!setPin(tp(2), tl(2))) return;
  } else if (is(1, "frame.profile")) {
    if (!setProfileKey()) return;
  } else if (isCtKey(tp(1), tl(1))) {
    if (!ctSetKey(tp(1), tl(1), tp(2), tl(2))) return;
  } else if (tokenStartsWith(tp(1), tl(1), "heat") ? !setHeatKey() : !setPulseKey()) {
    return;
  }
  statusSet(STATUS_CONFIG_CHANGED);
  outLine("ok");
}

/** pulseN.<name>; false after printing an error. */
function setPulseKey(): bool {
  const key = tp(1);
  const keyLen = tl(1);
  const ch = keyLen > 7 ? <i32>load<u8>(key + 5) - 0x31 : -1;
  if (!tokenStartsWith(key, keyLen, "pulse") || ch < 0 || ch >= MAX_PULSE || load<u8>(key + 6) != 0x2e) {
    unknownKey();
    return false;
  }
  if (!pulseChannelPresent(ch)) {
    out("error: this board has no input ");
    outBytes(key, 6);
    outLine(" (see config)");
    return false;
  }
  const name = key + 7;
  const nameLen = keyLen - 7;
  if (tokenEquals(name, nameLen, "wh_per_pulse")) {
    if (!argument(6, 1_000_000, 1, "a number of Wh from 0.000001 to 1000000")) return false;
    pulseSetMicroWhPerPulse(ch, parsedValue);
  } else if (tokenEquals(name, nameLen, "pulses_per_kwh")) {
    if (!argument(0, 1_000_000, 1, "a whole number from 1 to 1000000")) return false;
    pulseSetPulsesPerKWh(ch, parsedValue);
  } else if (tokenEquals(name, nameLen, "filter_ms")) {
    if (!argument(3, 1000, 100, "a number of ms from 0.1 to 1000")) return false;
    pulseSetFilterUs(ch, parsedValue);
  } else if (tokenEquals(name, nameLen, "timeout_s")) {
    if (!argument(0, 86400, 1, "a whole number of seconds from 1 to 86400")) return false;
    pulseSetTimeoutUs(ch, parsedValue * 1_000_000);
  } else {
    unknownKey();
    return false;
  }
  return true;
}

/** heatN.<name>; false after printing an error. */
function setHeatKey(): bool {
  const key = tp(1);
  const keyLen = tl(1);
  const c = keyLen > 6 ? <i32>load<u8>(key + 4) - 0x31 : -1;
  if (c < 0 || c >= MAX_HEAT || load<u8>(key + 5) != 0x2e) {
    unknownKey();
    return false;
  }
  if (!heatChannelPresent(c)) {
    out("error: this board has no heat circuit ");
    outBytes(key, 5);
    outLine(" (see config)");
    return false;
  }
  const name = key + 6;
  const nameLen = keyLen - 6;
  if (tokenEquals(name, nameLen, "l_per_pulse")) {
    if (!argument(3, 1000, 1, "a number of litres from 0.001 to 1000")) return false;
    heatSetMillilitresPerPulse(c, parsedValue);
  } else if (tokenEquals(name, nameLen, "cutoff_k")) {
    if (!argument(3, 5, 0, "a number of kelvin from 0 to 5")) return false;
    heatSetCutoffMilliK(c, <i32>parsedValue);
  } else if (tokenEquals(name, nameLen, "dtmin_k")) {
    if (!argument(3, 20, 100, "a number of kelvin from 0.1 to 20")) return false;
    heatSetDtminMilliK(c, <i32>parsedValue);
  } else if (tokenEquals(name, nameLen, "pressure_bar")) {
    // kPa = bar with two decimals; the IF97 tables cover 6..25 bar
    if (!argument(2, 25, HEAT_MIN_KPA, "a number of bar from 6 to 25")) return false;
    heatSetPressureKPa(c, <i32>parsedValue);
  } else {
    unknownKey();
    return false;
  }
  return true;
}

function unknownKey(): void {
  out("error: unknown key '");
  outBytes(tp(1), tl(1));
  outLine("' (try help set)");
}
