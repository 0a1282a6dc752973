// Console commands (docs/console.md). Every command validates all of its input before it
// changes anything, and every error says what to do instead.
import { out, outByte, outLine, outBytes, outU64, outFixed, outText, outLineText, textEquals, textStarts, T, Text } from "./out";
import { lower } from "./parse";
import { quantity, quantityValue, refuseValue } from "./units";
import { MAX_PULSE, MAX_HEAT } from "../board/descriptor";
import { nodeId, reportIntervalS, setNodeId, setReportIntervalS, lockTimeoutS, setLockTimeoutS, LOCK_MIN_S, LOCK_MAX_S } from "../settings";
import { statusFlags, statusSet, STATUS_CONFIG_CHANGED } from "../status";
import { framesSent } from "../reporter";
import { boardTimeUs } from "../abi/board";
import { storeSaveConfig, storeActive } from "../store/index";
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
import { tokenCount, tp, tl, is, outToken } from "./tokens";
import { requireUnlockedWord, setPin, sessionStateText } from "./session";
import { setProfileKey, outFrameProfile, omsNodeIdAllowed } from "./profile-key";
import { isBillingConsoleKey, billingSetKey, billingConfigLines, billingHelpLines, clockStatusLine } from "./billing-keys";
import { outHelpSetLines, outConfigLines, outSetKey } from "./outputs";

export function saveCommand(): void {
  if (!storeActive()) {
    outLine("error: this board has no storage partition; settings last until power-off");
  } else if (storeSaveConfig()) {
    outLine("ok: settings saved");
  } else {
    outLine("error: flash write failed; settings are unchanged in flash (try save again)");
  }
}

export function helpSetKeys(): void {
  {
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
    billingHelpLines();
    outHelpSetLines();
    outLine("  (every ct, v and out key needs unlock; a value may carry its unit: 5s, 2.5Wh, 0.5 ms)");
  }
}

export function statusCommand(): void {
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
    outLineText(heatSensorFault(c) ? T(" W, sensor fault") : T(" W"));
  }
  ctStatusLines();
  clockStatusLine();
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

export function configCommand(): void {
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
    outPulseKey(ch, T("filter_ms"));
    out(" = ");
    outFixed(pulseFilterUs(ch), 3);
    outLine("");
    outPulseKey(ch, T("timeout_s"));
    out(" = ");
    outU64(pulseTimeoutUs(ch) / 1_000_000);
    outLine("");
  }
  for (let c = 0; c < MAX_HEAT; c++) {
    if (heatChannelPresent(c)) configHeat(c);
  }
  ctConfigLines();
  billingConfigLines();
  outConfigLines();
}

function outHeatKey(c: i32, name: Text): void {
  out("heat");
  outU64(c + 1);
  out(".");
  outText(name);
  out(" = ");
}

function configHeat(c: i32): void {
  outHeatKey(c, T("l_per_pulse"));
  outFixed(heatMillilitresPerPulse(c), 3);
  outLine("");
  outHeatKey(c, T("cutoff_k"));
  outFixed(heatCutoffMilliK(c), 3);
  outLine("");
  outHeatKey(c, T("dtmin_k"));
  outFixed(heatDtminMilliK(c), 3);
  outLine("");
  outHeatKey(c, T("pressure_bar"));
  outFixed(heatPressureKPa(c), 2);
  outLine("");
  outHeatKey(c, T("flow_sensor_pipe"));
  outLineText(heatFlowInSupply(c) ? T("supply (board)") : T("return (board)"));
}

function outPulseKey(ch: i32, name: Text): void {
  out("pulse");
  outU64(ch + 1);
  out(".");
  outText(name);
}

function showPulseEnergySetting(ch: i32): void {
  const den = pulsePerPulseDenominator(ch);
  if (den == 1) {
    outPulseKey(ch, T("wh_per_pulse"));
    out(" = ");
    outFixed(pulsePerPulseNumerator(ch), 6);
  } else {
    outPulseKey(ch, T("pulses_per_kwh"));
    out(" = ");
    outU64(den);
  }
}

/** Words the value took (with a unit word: 2); set checks nothing follows it. */
let valueWords = 1;

/**
 * Parse word 2 as a value with an optional unit, in [minScaled, max] (scaled by 10^decimals);
 * false after an error that names the key, the range and (for a wrong unit) the unit.
 */
function argument(decimals: i32, maxWhole: i64, minScaled: i64, description: Text, unit: Text): bool {
  valueWords = quantity(2, decimals, maxWhole, unit, false, false);
  if (valueWords > 0 && 2 + valueWords == tokenCount && quantityValue >= minScaled) return true;
  refuseValue(tp(1), tl(1), 2, description, unit, false);
  return false;
}

/** Keys anyone may change; every other key is legally relevant and needs an unlocked session. */
function unprotectedKey(): bool {
  if (is(1, T("report.interval_s"))) return true;
  const key = tp(1);
  const len = tl(1);
  return len == 16 && textStarts(key, len, T("pulse")) && textEquals(key + 6, len - 6, T(".timeout_s"));
}

/** The key is spelt like a key of `help set` (the channel may still be missing on this board). */
function knownKey(): bool {
  if (is(1, T("node.id")) || is(1, T("report.interval_s")) || is(1, T("console.lock_s")) || is(1, T("console.pin")) || is(1, T("frame.profile")) || isBillingConsoleKey()) return true;
  const key = tp(1);
  const len = tl(1);
  let at: u32 = 0;
  if (textStarts(key, len, T("v."))) at = 2;
  else if (len > 4 && (textStarts(key, len, T("ct")) || textStarts(key, len, T("heat")) || textStarts(key, len, T("pulse")))) {
    at = textStarts(key, len, T("ct")) ? 2 : textStarts(key, len, T("heat")) ? 4 : 5;
    const digit = <u32>load<u8>(key + at);
    if (digit < 0x31 || digit > 0x34 || at + 2 > len || load<u8>(key + at + 1) != 0x2e) return false;
    at += 2;
  } else {
    return false;
  }
  const name = key + at;
  const nameLen = len - at;
  const first = lower(load<u8>(key));
  if (first == 0x76 || first == 0x63) { // v., ctN.
    return textEquals(name, nameLen, T("gain")) || textEquals(name, nameLen, T("phase_deg")) || (first == 0x63 && textEquals(name, nameLen, T("offset_w")));
  }
  if (first == 0x68) {
    return textEquals(name, nameLen, T("l_per_pulse")) || textEquals(name, nameLen, T("cutoff_k")) || textEquals(name, nameLen, T("dtmin_k")) || textEquals(name, nameLen, T("pressure_bar"));
  }
  return textEquals(name, nameLen, T("wh_per_pulse")) || textEquals(name, nameLen, T("pulses_per_kwh")) || textEquals(name, nameLen, T("filter_ms")) || textEquals(name, nameLen, T("timeout_s"));
}

export function setCommand(): void {
  if (tokenCount != 3 && tokenCount != 4) {
    outLine("error: usage: set <key> <value> (try help set)");
    return;
  }
  if (textStarts(tp(1), tl(1), T("out"))) {
    if (!outSetKey()) return; // not legally relevant: needs the session, not room in the metrological log
  } else if (!knownKey()) {
    unknownKey();
    return;
  } else if (!setKnownKey()) {
    return;
  }
  statusSet(STATUS_CONFIG_CHANGED);
  outLine("ok");
}

/** A key of knownKey(); false after printing an error. */
function setKnownKey(): bool {
  if (!unprotectedKey() && !requireUnlockedWord(1)) return false;
  if (is(1, T("node.id"))) {
    if (!argument(0, 4294967294, 1, T("a whole number from 1 to 4294967294"), T("")) || !omsNodeIdAllowed(quantityValue)) return false;
    setNodeId(<u32>quantityValue);
  } else if (is(1, T("report.interval_s"))) {
    if (!argument(0, 3600, 1, T("a whole number of seconds from 1 to 3600"), T("s"))) return false;
    setReportIntervalS(<u32>quantityValue);
  } else if (is(1, T("console.lock_s"))) {
    if (!argument(0, LOCK_MAX_S, LOCK_MIN_S, T("a whole number of seconds from 30 to 86400"), T("s"))) return false;
    setLockTimeoutS(<u32>quantityValue);
  } else if (is(1, T("console.pin"))) {
    if (tokenCount != 3 || !setPin(tp(2), tl(2))) {
      if (tokenCount != 3) outLine("error: console.pin takes 4 to 8 digits; nothing was changed");
      return false;
    }
  } else if (is(1, T("frame.profile"))) {
    if (tokenCount != 3 || !setProfileKey()) {
      if (tokenCount != 3) outLine("error: frame.profile takes native, oms or both; nothing was changed");
      return false;
    }
  } else if (isBillingConsoleKey()) {
    return billingSetKey();
  } else if (isCtKey(tp(1), tl(1))) {
    return ctSetKey();
  } else {
    return textStarts(tp(1), tl(1), T("heat")) ? setHeatKey() : setPulseKey();
  }
  return true;
}

/** pulseN.<name>; false after printing an error. */
function setPulseKey(): bool {
  const key = tp(1);
  const keyLen = tl(1);
  const ch = keyLen > 7 ? <i32>load<u8>(key + 5) - 0x31 : -1;
  if (!textStarts(key, keyLen, T("pulse")) || ch < 0 || ch >= MAX_PULSE || load<u8>(key + 6) != 0x2e) {
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
  if (textEquals(name, nameLen, T("wh_per_pulse"))) {
    if (!argument(6, 1_000_000, 1, T("a number of Wh from 0.000001 to 1000000"), T("Wh"))) return false;
    pulseSetMicroWhPerPulse(ch, quantityValue);
  } else if (textEquals(name, nameLen, T("pulses_per_kwh"))) {
    if (!argument(0, 1_000_000, 1, T("a whole number from 1 to 1000000"), T(""))) return false;
    pulseSetPulsesPerKWh(ch, quantityValue);
  } else if (textEquals(name, nameLen, T("filter_ms"))) {
    if (!argument(3, 1000, 100, T("a number of ms from 0.1 to 1000"), T("ms"))) return false;
    pulseSetFilterUs(ch, quantityValue);
  } else if (textEquals(name, nameLen, T("timeout_s"))) {
    if (!argument(0, 86400, 1, T("a whole number of seconds from 1 to 86400"), T("s"))) return false;
    pulseSetTimeoutUs(ch, quantityValue * 1_000_000);
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
  if (textEquals(name, nameLen, T("l_per_pulse"))) {
    if (!argument(3, 1000, 1, T("a number of litres from 0.001 to 1000"), T("L"))) return false;
    heatSetMillilitresPerPulse(c, quantityValue);
  } else if (textEquals(name, nameLen, T("cutoff_k"))) {
    if (!argument(3, 5, 0, T("a number of kelvin from 0 to 5"), T("K"))) return false;
    heatSetCutoffMilliK(c, <i32>quantityValue);
  } else if (textEquals(name, nameLen, T("dtmin_k"))) {
    if (!argument(3, 20, 100, T("a number of kelvin from 0.1 to 20"), T("K"))) return false;
    heatSetDtminMilliK(c, <i32>quantityValue);
  } else if (textEquals(name, nameLen, T("pressure_bar"))) {
    // kPa = bar with two decimals; the IF97 tables cover 6..25 bar
    if (!argument(2, 25, HEAT_MIN_KPA, T("a number of bar from 6 to 25"), T("bar"))) return false;
    heatSetPressureKPa(c, <i32>quantityValue);
  } else {
    unknownKey();
    return false;
  }
  return true;
}

function unknownKey(): void {
  out("error: unknown key '");
  outToken(1);
  outLine("' (try help set)");
}
