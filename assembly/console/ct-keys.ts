// Console lines of CT metering (docs/console.md): live values for `status`, calibration for
// `config`, and the `set` keys ctN.gain, ctN.phase_deg, ctN.offset_w, v.gain, v.phase_deg.
// Calibration changes reach the metering core at once and take effect at the next mains cycle.
import { out, outLine, outBytes, outU64, outFixed, outText, textEquals, textStarts, T } from "./out";
import { lower } from "./parse";
import { tp, tl, tokenCount, outToken } from "./tokens";
import { quantity, quantityValue, refuseValue } from "./units";
import { MAX_CT, KIND_CT, KIND_VOLTAGE, channelPresent } from "../board/descriptor";
import {
  ctMeterActive, ctMeterChannelPresent, ctMeterImportMicroWh, ctMeterExportMicroWh, ctMeterPowerMilliW,
  ctMeterIrmsMilliA, ctMeterPowerFactorMilli, ctMeterVrmsMilliV, ctMeterFrequencyMilliHz,
  ctMeterSetGainMicro, ctMeterGainMicro, ctMeterSetPhaseMilliDeg, ctMeterPhaseMilliDeg,
  ctMeterSetOffsetMilliW, ctMeterOffsetMilliW, ctMeterSetVoltageGainMicro, ctMeterVoltageGainMicro,
  ctMeterSetVoltagePhaseMilliDeg, ctMeterVoltagePhaseMilliDeg, ctMeterRefusedChannels,
} from "../ct/meter";
import { statusFlags, STATUS_OVER_RANGE, STATUS_UNDER_VOLTAGE, STATUS_REVERSE_ENERGY } from "../status";

export function ctHelpSetLines(): void {
  outLine("  ctN.gain             0.5 .. 2 current gain factor (1 = the board's CT data)");
  outLine("  ctN.phase_deg        -10 .. 10 degrees CT phase lead to correct (default: the board's)");
  outLine("  ctN.offset_w         -1000 .. 1000 W subtracted from the real power (crosstalk)");
  outLine("  v.gain               0.5 .. 2 voltage gain factor");
  outLine("  v.phase_deg          -10 .. 10 degrees voltage-path phase lead (default: the board's)");
}

function boardHasCt(): bool {
  for (let n = 0; n < MAX_CT; n++) if (channelPresent(KIND_CT, n)) return true;
  return false;
}

function outCt(n: i32): void {
  out("ct");
  outU64(n + 1);
}

export function ctStatusLines(): void {
  if (!ctMeterActive()) {
    if (boardHasCt()) outLine("ct: metering off (ct_fault: the board's ADC or CT parameters were refused)");
    return;
  }
  out("v: ");
  outFixed(ctMeterVrmsMilliV(), 3);
  out(" V, ");
  outFixed(ctMeterFrequencyMilliHz(), 3);
  outLine(" Hz");
  const flags = statusFlags();
  if (flags & (STATUS_OVER_RANGE | STATUS_UNDER_VOLTAGE | STATUS_REVERSE_ENERGY)) {
    out("ct flags:");
    if (flags & STATUS_OVER_RANGE) out(" over_range");
    if (flags & STATUS_UNDER_VOLTAGE) out(" under_voltage");
    if (flags & STATUS_REVERSE_ENERGY) out(" reverse_energy");
    outLine("");
  }
  for (let n = 0; n < MAX_CT; n++) {
    if (ctMeterRefusedChannels() & (1 << n)) { outCt(n); outLine(": not metered (ct_fault: its board parameters were refused)"); }
  }
  for (let n = 0; n < MAX_CT; n++) {
    if (!ctMeterChannelPresent(n)) continue;
    outCt(n);
    out(": import ");
    outFixed(ctMeterImportMicroWh(n), 6);
    out(" Wh, export ");
    outFixed(ctMeterExportMicroWh(n), 6);
    out(" Wh, power ");
    outFixed(ctMeterPowerMilliW(n), 3);
    out(" W, ");
    outFixed(ctMeterIrmsMilliA(n), 3);
    out(" A, PF ");
    outFixed(ctMeterPowerFactorMilli(n), 3);
    outLine("");
  }
}

export function ctConfigLines(): void {
  if (!ctMeterActive()) return;
  out("v.gain = ");
  outFixed(ctMeterVoltageGainMicro(), 6);
  outLine("");
  out("v.phase_deg = ");
  outFixed(ctMeterVoltagePhaseMilliDeg(), 3);
  outLine("");
  for (let n = 0; n < MAX_CT; n++) {
    if (!ctMeterChannelPresent(n)) continue;
    outCt(n);
    out(".gain = ");
    outFixed(ctMeterGainMicro(n), 6);
    outLine("");
    outCt(n);
    out(".phase_deg = ");
    outFixed(ctMeterPhaseMilliDeg(n), 3);
    outLine("");
    outCt(n);
    out(".offset_w = ");
    outFixed(ctMeterOffsetMilliW(n), 3);
    outLine("");
  }
}

/** A key this module answers for: "v.<name>" or "ctN.<name>". */
export function isCtKey(key: usize, keyLen: u32): bool {
  return textStarts(key, keyLen, T("v.")) || (keyLen > 4 && textStarts(key, keyLen, T("ct")) && load<u8>(key + 3) == 0x2e);
}

const GAIN_TEXT = T("a factor from 0.5 to 2 (up to 6 decimals)");
const PHASE_TEXT = T("a number of degrees from -10 to 10");

function unknownCtKey(): void {
  out("error: unknown key '");
  outToken(1);
  outLine("' (try help set)");
}

/** `set` of a CT key (isCtKey), words 1 and 2 (and a unit word); false after printing an error (nothing changed). */
export function ctSetKey(): bool {
  const key = tp(1);
  const keyLen = tl(1);
  const voltage = lower(load<u8>(key)) == 0x76; // "v."
  const n = voltage ? 0 : <i32>load<u8>(key + 2) - 0x31;
  if (!voltage && (n < 0 || n >= MAX_CT)) { unknownCtKey(); return false; }
  const name = key + (voltage ? 2 : 4);
  const nameLen = keyLen - (voltage ? 2 : 4);
  const gain = textEquals(name, nameLen, T("gain"));
  const phase = textEquals(name, nameLen, T("phase_deg"));
  const offset = !voltage && textEquals(name, nameLen, T("offset_w"));
  if (!gain && !phase && !offset) { unknownCtKey(); return false; }
  if (voltage ? !channelPresent(KIND_VOLTAGE, 0) : !channelPresent(KIND_CT, n)) {
    out("error: this board has no ");
    outText(voltage ? T("voltage reference v") : T("clamp "));
    if (!voltage) outBytes(key, 3);
    outLine(" (see config)");
    return false;
  }
  if (!ctMeterActive()) {
    outLine("error: CT metering is off on this board (status ct_fault); nothing was changed");
    return false;
  }
  let result: i32 = -1;
  const words = gain ? quantity(2, 6, 2, T(""), false, false) : phase ? quantity(2, 3, 10, T("deg"), false, true) : quantity(2, 3, 1000, T("W"), false, true);
  if (words > 0 && 2 + words == tokenCount) {
    const v = <i32>quantityValue;
    if (gain) {
      if (v >= 500000) result = voltage ? ctMeterSetVoltageGainMicro(v) : ctMeterSetGainMicro(n, v);
    } else if (phase) {
      result = voltage ? ctMeterSetVoltagePhaseMilliDeg(v) : ctMeterSetPhaseMilliDeg(n, v);
    } else {
      result = ctMeterSetOffsetMilliW(n, v);
    }
  }
  if (result != 0) {
    if (gain) refuseValue(key, keyLen, 2, GAIN_TEXT, T(""), false);
    else if (phase) refuseValue(key, keyLen, 2, PHASE_TEXT, T("deg"), false);
    else refuseValue(key, keyLen, 2, T("a number of W from -1000 to 1000 (up to 3 decimals)"), T("W"), false);
  }
  return result == 0;
}
