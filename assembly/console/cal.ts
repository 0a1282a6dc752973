// Calibration wizard (docs/console.md): `cal voltage <volts>`, `cal ctN phase`, `cal ctN power <watts>`.
// A measurement spans many ADC blocks: the command starts it, the console stays busy (no
// prompt; Ctrl-C cancels), and calPoll — after every ADC block and every tick — counts the CT
// core's ≈ 1 s windows of whole mains cycles (ctWindowSequence). The first window after a
// start or a change is skipped (it may hold cycles of the old calibration). The result is applied
// at once, printed with the value before, logged, and kept by `save`.
import { out, outLine, outU64, outFixed, outFlush, outPrompt, outText, textStarts, T, Text } from "./out";
import { tp, tl, tokenCount, is, outToken } from "./tokens";
import { quantity, quantityValue, refuseValue } from "./units";
import { requireUnlocked } from "./session";
import { boardTimeUs } from "../abi/board";
import { MAX_CT } from "../board/descriptor";
import { ctWindowSequence } from "../ct/index";
import { phaseResidualMilliDeg } from "../ct/calibration";
import { divRound } from "../util/divide";
import {
  ctMeterActive, ctMeterChannelPresent, ctMeterPowerMilliW, ctMeterVrmsMilliV, ctMeterFrequencyMilliHz, ctMeterPowerFactorMilli,
  ctMeterGainMicro, ctMeterSetGainMicro, ctMeterPhaseMilliDeg, ctMeterSetPhaseMilliDeg, ctMeterOffsetMilliW,
  ctMeterVoltageGainMicro, ctMeterSetVoltageGainMicro, ctMeterVoltagePhaseMilliDeg,
} from "../ct/meter";
import { storeRecordChanges } from "../store/index";
import { MIN_RESISTIVE_PF_MILLI, MAX_SPREAD_PPM } from "./cal-rules";
import { statusSet, STATUS_CONFIG_CHANGED } from "../status";

/** Windows (≈ 1 s, 50 mains cycles at 50 Hz) averaged by `cal voltage` and `cal ctN power`. */
export const CAL_WINDOWS: i32 = 5;
/** Windows averaged at each of the two phase settings of `cal ctN phase`. */
export const CAL_PHASE_WINDOWS: i32 = 10;
/** Phase step either side of the present setting, m° (smaller near the ±10° limit). */
const PHASE_STEP_MDEG: i32 = 8000;
const MIN_PHASE_STEP_MDEG: i32 = 2000;
/** A load below this cannot be measured precisely enough. */
const MIN_LOAD_MW: i64 = 100_000;
/** Give up when no window closes for this long (no samples, or no mains). */
const STALL_US: i64 = 3_000_000;

const IDLE = 0;
const VOLTAGE = 1;
const POWER = 2;
const PHASE_PLUS = 3;
const PHASE_MINUS = 4;

let state = IDLE;
let channel = 0;
let targetMilli: i64 = 0;
let before: i32 = 0;
let stepMilliDeg: i32 = 0;
let seqSeen: i32 = 0;
let skip = 0;
let windowsLeft = 0;
let sum: i64 = 0;
let plusSum: i64 = 0; // real power summed over the PHASE_PLUS windows (mW)
let pfSum: i64 = 0;
let minPower: i64 = 0;
let maxPower: i64 = 0;
let lastWindowUs: i64 = 0;

export function calBusy(): bool { return state != IDLE; }

function begin(s: i32, windows: i32): void {
  state = s;
  seqSeen = ctWindowSequence();
  skip = 1;
  windowsLeft = windows;
  sum = 0;
  pfSum = 0;
  minPower = i64.MAX_VALUE;
  maxPower = i64.MIN_VALUE;
  lastWindowUs = boardTimeUs();
}

function outCt(): void { out("ct"); outU64(channel + 1); }

/** `cal …` typed on the console. Starts a measurement (the console is then busy) or prints an error. */
export function calCommand(): void {
  if (tokenCount < 2) {
    outLine("error: usage: cal voltage <volts> | cal ctN power <watts> | cal ctN phase (try help cal)");
    return;
  }
  if (!ctMeterActive()) {
    outLine("error: CT metering is off on this board (no voltage reference, or status ct_fault); nothing was changed");
    return;
  }
  if (is(1, T("voltage"))) {
    const words = quantity(2, 3, 500, T("V"), false, false);
    if (words == 0 || 2 + words != tokenCount || quantityValue < 50_000) {
      refuseValue(tp(0), tl(0), 2, T("voltage <volts>: the true mains voltage from 50 to 500 V (230, 230V or 230 V)"), T("V"), false);
      return;
    }
    if (!requireUnlocked(T("cal"))) return;
    targetMilli = quantityValue;
    before = ctMeterVoltageGainMicro();
    begin(VOLTAGE, CAL_WINDOWS);
    out("v: measuring over ");
    outU64(CAL_WINDOWS);
    outLine(" s of whole mains cycles; Ctrl-C cancels");
    return;
  }
  const key = tp(1);
  const n = tl(1) == 3 && textStarts(key, 3, T("ct")) ? <i32>load<u8>(key + 2) - 0x31 : -1;
  if (n < 0 || n >= MAX_CT) {
    out("error: cal takes voltage or a clamp ctN, not '");
    outToken(1);
    outLine("' (try help cal)");
    return;
  }
  if (!ctMeterChannelPresent(n)) {
    out("error: this board has no clamp ");
    outToken(1);
    outLine(" (see config)");
    return;
  }
  channel = n;
  if (is(2, T("power"))) {
    const words = quantity(3, 3, 100_000, T("W"), true, false);
    if (words == 0 || 3 + words != tokenCount || quantityValue < 10_000) {
      refuseValue(tp(0), tl(0), 3, T("ctN power <watts>: the known resistive load from 10 to 100000 W (2310, 2310W, 2310 W or 2.31kW)"), T("W"), true);
      return;
    }
    if (!requireUnlocked(T("cal"))) return;
    targetMilli = quantityValue;
    before = ctMeterGainMicro(n);
    begin(POWER, CAL_WINDOWS);
    outCt();
    out(": measuring over ");
    outU64(CAL_WINDOWS);
    outLine(" s of whole mains cycles; Ctrl-C cancels");
    return;
  }
  if (is(2, T("phase")) && tokenCount == 3) {
    if (!requireUnlocked(T("cal"))) return;
    before = ctMeterPhaseMilliDeg(n);
    stepMilliDeg = min(PHASE_STEP_MDEG, 10_000 - (before < 0 ? -before : before)); // each setting within ±10°
    if (stepMilliDeg < MIN_PHASE_STEP_MDEG || ctMeterSetPhaseMilliDeg(n, before + stepMilliDeg) != 0) {
      ctMeterSetPhaseMilliDeg(n, before);
      out("error: ");
      outCt();
      outLine(".phase_deg is too close to the +/-10 deg limit to measure around it: set it nearer 0 first; nothing was changed");
      state = IDLE;
      return;
    }
    begin(PHASE_PLUS, CAL_PHASE_WINDOWS);
    outCt();
    out(": measuring at phase_deg +/- ");
    outFixed(stepMilliDeg, 3);
    out(" over 2 x ");
    outU64(CAL_PHASE_WINDOWS);
    outLine(" s; keep the resistive load on; Ctrl-C cancels");
    return;
  }
  outLine("error: usage: cal ctN power <watts> | cal ctN phase (try help cal)");
}

/** Ctrl-C while measuring: the setting goes back to its value before; nothing is changed. */
export function calCancel(): void {
  if (state == PHASE_PLUS || state == PHASE_MINUS) ctMeterSetPhaseMilliDeg(channel, before);
  state = IDLE;
  outLine("cancelled; nothing was changed");
}

function fail(message: Text): void {
  if (state == PHASE_PLUS || state == PHASE_MINUS) ctMeterSetPhaseMilliDeg(channel, before);
  state = IDLE;
  out("error: ");
  outText(message);
  outLine("; nothing was changed");
  finish();
}

function finish(): void {
  storeRecordChanges();
  outPrompt();
  outFlush();
}

/** After every ADC block and every tick: count closed windows, finish a stage when enough were seen. */
export function calPoll(): void {
  if (state == IDLE) return;
  const now = boardTimeUs();
  const seq = ctWindowSequence();
  if (seq == seqSeen) {
    if (now - lastWindowUs > STALL_US) fail(T("no measurement: no mains cycles are being metered (no ADC samples or no mains voltage)"));
    return;
  }
  seqSeen = seq;
  lastWindowUs = now;
  if (ctMeterFrequencyMilliHz() == 0) { fail(T("no mains voltage at the voltage reference")); return; }
  if (skip > 0) { skip--; return; }
  const value = state == VOLTAGE ? ctMeterVrmsMilliV() : ctMeterPowerMilliW(channel);
  sum += value;
  if (value < minPower) minPower = value;
  if (value > maxPower) maxPower = value;
  if (state == POWER) {
    const pf = ctMeterPowerFactorMilli(channel);
    pfSum += pf < 0 ? -pf : pf;
  }
  if (--windowsLeft > 0) return;
  if (state == VOLTAGE) finishVoltage();
  else if (state == POWER) finishPower();
  else if (state == PHASE_PLUS) {
    plusSum = sum;
    if (ctMeterSetPhaseMilliDeg(channel, before - stepMilliDeg) != 0) { fail(T("phase step refused")); return; }
    begin(PHASE_MINUS, CAL_PHASE_WINDOWS);
  } else finishPhase();
}

function applied(): void {
  statusSet(STATUS_CONFIG_CHANGED);
  state = IDLE;
  outLine("; save to keep it");
  finish();
}

/**
 * A new gain (ppm) num / den, rounded; 0 (which every gain setter refuses) when den is 0 or the
 * quotient is beyond an i32: a reading next to zero must be refused, never wrapped into range.
 */
export function gainOf(num: i64, den: i64): i32 {
  if (den == 0) return 0;
  const gain = divRound(num, den);
  return gain > <i64>i32.MAX_VALUE || gain < <i64>i32.MIN_VALUE ? 0 : <i32>gain;
}

function finishVoltage(): void {
  // gain = before · true / measured, measured = sum / CAL_WINDOWS (mV): integers, rounded once
  const gain = sum > 0 ? gainOf(<i64>before * targetMilli * CAL_WINDOWS, sum) : 0;
  if (sum <= 0 || ctMeterSetVoltageGainMicro(gain) != 0) { fail(T("the voltage gain would leave 0.5 .. 2 (is the voltage reference wired?)")); return; }
  out("v.gain ");
  outFixed(before, 6);
  out(" -> ");
  outFixed(gain, 6);
  out(" (measured ");
  outFixed(divRound(sum, CAL_WINDOWS), 3);
  out(" V, true ");
  outFixed(targetMilli, 3);
  out(" V)");
  applied();
}

function finishPower(): void {
  // measured = sum / CAL_WINDOWS (mW, signed); compared and scaled as sums, in integers
  const magnitudeSum = sum < 0 ? -sum : sum;
  if (magnitudeSum < MIN_LOAD_MW * CAL_WINDOWS) { fail(T("no load on the clamp (under 100 W): connect the known resistive load")); return; }
  // A gain is only right from a resistive load: with PF < 0.98 the real power is not V*I.
  const pfMilli = pfSum / CAL_WINDOWS;
  if (pfMilli < MIN_RESISTIVE_PF_MILLI) { refusePf(pfMilli); return; }
  const spread = maxPower - minPower;
  if (spread * 1000000 * CAL_WINDOWS > <i64>MAX_SPREAD_PPM * magnitudeSum) { refuseUnstable(spread); return; }
  // P = gain·raw − offset (sign of the flow): scale the part the gain acts on.
  const offset = <i64>ctMeterOffsetMilliW(channel);
  const signedTarget = sum < 0 ? -targetMilli : targetMilli;
  const gain = gainOf(<i64>before * (signedTarget + offset) * CAL_WINDOWS, sum + offset * CAL_WINDOWS);
  if (ctMeterSetGainMicro(channel, gain) != 0) { fail(T("the gain would leave 0.5 .. 2 (wrong clamp or wrong load?)")); return; }
  outCt();
  out(".gain ");
  outFixed(before, 6);
  out(" -> ");
  outFixed(gain, 6);
  out(" (measured ");
  outFixed(divRound(magnitudeSum, CAL_WINDOWS), 3);
  outText(sum < 0 ? T(" W export") : T(" W"));
  out(", load ");
  outFixed(targetMilli, 3);
  out(" W)");
  applied();
}

function refusePf(pfMilli: i64): void {
  state = IDLE;
  out("error: ");
  outCt();
  out(": the load's measured power factor is ");
  outFixed(pfMilli, 3);
  outLine(", under 0.980: power calibration needs a resistive load (kettle, heater); nothing was changed");
  finish();
}

function refuseUnstable(spreadMilliW: i64): void {
  state = IDLE;
  out("error: ");
  outCt();
  out(": the load was not steady (power varied by ");
  outFixed(spreadMilliW, 3);
  outLine(" W between windows, over 1 %): keep a steady resistive load on; nothing was changed");
  finish();
}

function finishPhase(): void {
  const total = plusSum + sum; // P+ and P− summed over CAL_PHASE_WINDOWS windows each
  if ((total < 0 ? -total : total) < 2 * MIN_LOAD_MW * CAL_PHASE_WINDOWS) { fail(T("no load on the clamp (under 100 W): connect a resistive load")); return; }
  // P(φ) = A·cos(e − (φ − before)) with e the uncorrected lead: (P+ − P−)/(P+ + P−) = tan e · tan Δ.
  const phase = before + phaseResidualMilliDeg(plusSum, sum, stepMilliDeg); // no f64 (assembly/ct/calibration.ts)
  if (ctMeterSetPhaseMilliDeg(channel, phase) != 0) { fail(T("the correction would leave +/-10 deg (is the load resistive?)")); return; }
  outCt();
  out(".phase_deg ");
  outFixed(before, 3);
  out(" -> ");
  outFixed(phase, 3);
  out(" (P ");
  outFixed(divRound(plusSum, CAL_PHASE_WINDOWS), 3);
  out(" / ");
  outFixed(divRound(sum, CAL_PHASE_WINDOWS), 3);
  out(" W at ");
  outFixed(stepMilliDeg, 3);
  out(" deg either side; PF 1 load assumed)");
  applied();
}
