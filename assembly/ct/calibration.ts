// Configuration and calibration: board parameters in, integer coefficients out.
// No f64 (the ESP32-C3 has no FPU): ratios are binary scaled integers (../util/scaled.ts).
import {
  MAX_CT_CHANNELS, FINE_BITS, configured, ctChannelCount, sampleRateHz, adcBits, fullScaleMilliV,
  biasCode, voltsPerAdcVoltMilli, voltagePhaseMilliDeg, voltageGainMicro, maxCycleFrames,
  sampleRateMilliHz, columnStepNs, crosstalkPpm, coefficientMilliHz, setFrontEnd,
  chMaxMilliA, chImportOnly, chCurveCount, chCurvePoints, chCurveLeadMilliDeg, chCurveRatioPpm, chXtalkQ16, MAX_CURVE_POINTS,
  setConfig, setVoltageBoardPhase, setVoltagePhase, setVoltageGain, setStartThreshold, markCoefficients,
  markDirty, resetVoltageState, resetChannelMeasurement,
  chRatio, chBurdenMilliOhm, chRatedMilliA, chBoardPhaseMilliDeg, chPhaseMilliDeg, chGainMicro,
  chPowerOffsetMilliW, chIrmsOffsetMilliA, chDelayVoltage, chCoefA, chCoefB, chOffsetFinePerFrame,
  regImportMicroWh, regExportMicroWh, regImportFine, regExportFine, getI32, setI32, setI64,
} from "./state";
import {
  Scaled, sInt, sRatio, sMul, sDiv, sMulInt, sDivInt, sAdd, sSub, sNeg, sAbs, sLess, sRound, sSqrt, sTimesPow2,
} from "../util/scaled";
import { divRound } from "../util/divide";

export const CT_OK: i32 = 0;
export const CT_ERR_RANGE: i32 = -1;     // a parameter outside what the core supports
export const CT_ERR_CHANNEL: i32 = -2;   // no such CT channel
export const CT_ERR_OVERFLOW: i32 = -3;  // this combination could overflow the integer sums

/** Largest phase setting accepted for the voltage path and for each CT (schema and console: ±10°). */
export const MAX_PHASE_MILLIDEG: i32 = 10000;
/** Largest total correction (CT − voltage + column delay + error curve) the two-tap delay applies. */
const MAX_TOTAL_MILLIDEG: i32 = 30000;
const PI: Scaled = sRatio(3141592653589793, 1000000000000000);

// ---- unit conversions (used when coefficients or display values are computed) ----------------
/** ADC input volts per code: code 2^bits − 1 ≈ full scale. */
function adcVoltsPerCode(): Scaled { return sRatio(fullScaleMilliV, 1000 * ((1 << adcBits) - 1)); }
/** Mains volts per centred voltage code, calibrated. */
export function voltsPerCode(): Scaled {
  return sMul(adcVoltsPerCode(), sMul(sRatio(voltsPerAdcVoltMilli, 1000), sRatio(voltageGainMicro, 1000000)));
}
/** Primary amps per centred current code of channel `ch`, calibrated, with the error curve's ratio at this current. */
export function ampsPerCode(ch: i32): Scaled {
  // (ADC volts per code) / (burden Ω) · ratio · gain / (1 + curve ratio error)
  const volts = sDiv(adcVoltsPerCode(), sRatio(getI32(chBurdenMilliOhm, ch), 1000));
  return sMul(sMulInt(volts, getI32(chRatio, ch)), sRatio(getI32(chGainMicro, ch), 1000000 + <i64>getI32(chCurveRatioPpm, ch)));
}
/** Fine energy units (2^-32 µWh) in one milliwatt held for one frame: 10^6 · 2^32 / (3600 · mHz rate). */
export function finePerMilliWFrame(): Scaled {
  return sTimesPow2(sRatio(1000000, 3600 * sampleRateMilliHz), FINE_BITS);
}

// ---- configuration ---------------------------------------------------------------------------------
/**
 * Whole-core configuration from the board file; clears all state and registers.
 * Returns CT_OK or a negative CT_ERR_*.
 */
export function configureCore(ctChannels: i32, rateHz: i32, bits: i32, fullScaleMv: i32, bias: i32,
  voltsPerAdcVoltMilli: i32, voltagePhaseMilliDeg: i32): i32 {
  if (ctChannels < 0 || ctChannels > MAX_CT_CHANNELS) return CT_ERR_RANGE;
  if (bits < 8 || bits > 12 || bias < 0 || bias >= (1 << bits)) return CT_ERR_RANGE;
  if (rateHz < 1000 || rateHz > 20000 || fullScaleMv <= 0 || voltsPerAdcVoltMilli <= 0) return CT_ERR_RANGE;
  if (voltagePhaseMilliDeg < -MAX_PHASE_MILLIDEG || voltagePhaseMilliDeg > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  // Per-cycle sums are i32: maxCycleFrames · (largest |centred code|)² must stay below 2^31.
  const span = max(bias, (1 << bits) - 1 - bias);
  if (<i64>(rateHz / 40) * <i64>span * <i64>span >= (<i64>1 << 31)) return CT_ERR_OVERFLOW;
  setConfig(ctChannels, rateHz, bits, fullScaleMv, bias, voltsPerAdcVoltMilli);
  setFrontEnd(<i64>rateHz * 1000, 0, 230000, 0, 0);
  setVoltageBoardPhase(voltagePhaseMilliDeg);
  setVoltageGain(1000000);
  setStartThreshold(1000);
  resetVoltageState();
  for (let ch = 0; ch < MAX_CT_CHANNELS; ch++) {
    setI32(chRatio, ch, 1); setI32(chBurdenMilliOhm, ch, 1000); setI32(chRatedMilliA, ch, 1000);
    setI32(chBoardPhaseMilliDeg, ch, 0); setI32(chPhaseMilliDeg, ch, 0); setI32(chGainMicro, ch, 1000000);
    setI32(chPowerOffsetMilliW, ch, 0); setI32(chIrmsOffsetMilliA, ch, 0);
    setI32(chMaxMilliA, ch, 0); setI32(chImportOnly, ch, 0); setI32(chCurveCount, ch, 0);
    setI32(chCurveLeadMilliDeg, ch, 0); setI32(chCurveRatioPpm, ch, 0);
    setI64(regImportMicroWh, ch, 0); setI64(regExportMicroWh, ch, 0);
    setI64(regImportFine, ch, 0); setI64(regExportFine, ch, 0);
    resetChannelMeasurement(ch);
  }
  return updateCoefficients(50000);
}

/** One CT channel from the board file; calibration returns to the board defaults. */
export function configureChannel(ch: i32, ratio: i32, burdenMilliOhm: i32, ratedMilliA: i32, phaseMilliDeg: i32): i32 {
  if (!configured || ch < 0 || ch >= ctChannelCount) return CT_ERR_CHANNEL;
  if (ratio <= 0 || burdenMilliOhm <= 0 || ratedMilliA <= 0) return CT_ERR_RANGE;
  if (phaseMilliDeg < -MAX_PHASE_MILLIDEG || phaseMilliDeg > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  setI32(chRatio, ch, ratio); setI32(chBurdenMilliOhm, ch, burdenMilliOhm); setI32(chRatedMilliA, ch, ratedMilliA);
  setI32(chBoardPhaseMilliDeg, ch, phaseMilliDeg); setI32(chPhaseMilliDeg, ch, phaseMilliDeg);
  setI32(chGainMicro, ch, 1000000); setI32(chPowerOffsetMilliW, ch, 0); setI32(chIrmsOffsetMilliA, ch, 0);
  resetChannelMeasurement(ch);
  return updateCoefficients(50000);
}

/**
 * The board's front end (issue 17): real frame rate (mHz; 0 = the nominal rate), sequential
 * conversion step between columns (ns), nominal mains voltage (mV; 0 = 230 V), ADC noise
 * (1/1000 LSB rms) and crosstalk from the previous conversion (ppm). After ctConfigure.
 */
export function configureFrontEnd(rateMilliHz: i32, stepNs: i32, nominalMv: i32, noiseMilliLsb: i32, crosstalk: i32): i32 {
  if (!configured) return CT_ERR_CHANNEL;
  const nominalRate = <i64>sampleRateHz * 1000;
  const rate: i64 = rateMilliHz == 0 ? nominalRate : <i64>rateMilliHz;
  // The real rate may differ from the nominal one by a clock divider's rounding, not more than 5 %.
  if (rate * 20 < nominalRate * 19 || rate * 20 > nominalRate * 21) return CT_ERR_RANGE;
  if (stepNs < 0 || <i64>stepNs * <i64>(ctChannelCount + 1) * rate > 1_000_000_000_000) return CT_ERR_RANGE; // within a frame
  if (nominalMv < 0 || nominalMv > 500000 || noiseMilliLsb < 0 || noiseMilliLsb > 100000) return CT_ERR_RANGE;
  if (crosstalk < -10000 || crosstalk > 10000) return CT_ERR_RANGE;
  setFrontEnd(rate, stepNs, nominalMv == 0 ? 230000 : nominalMv, noiseMilliLsb, crosstalk);
  return updateCoefficients(coefficientMilliHz);
}

/** Clamp `ch`: maximum primary current (mA, 0 = none: over-range above it) and import-only installation. */
export function configureClamp(ch: i32, maxMilliA: i32, importOnly: bool): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (maxMilliA < 0) return CT_ERR_RANGE;
  setI32(chMaxMilliA, ch, maxMilliA); setI32(chImportOnly, ch, importOnly ? 1 : 0);
  return CT_OK;
}

/**
 * Point `index` of clamp `ch`'s error curve: at `milliA` primary current the secondary reads
 * `ratioPpm` high and leads by `leadMilliDeg` more than the channel's phase setting. Points are
 * set in order (index 0 clears the curve), currents strictly ascending.
 */
export function setCurvePoint(ch: i32, index: i32, milliA: i32, ratioPpm: i32, leadMilliDeg: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (index < 0 || index >= MAX_CURVE_POINTS || index > getI32(chCurveCount, ch) || milliA <= 0) return CT_ERR_RANGE;
  if (ratioPpm < -200000 || ratioPpm > 200000 || leadMilliDeg < -MAX_PHASE_MILLIDEG || leadMilliDeg > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  if (index > 0 && milliA <= curveField(ch, index - 1, 0)) return CT_ERR_RANGE;
  const at = (ch * MAX_CURVE_POINTS + index) * 3;
  setI32(chCurvePoints, at, milliA); setI32(chCurvePoints, at + 1, ratioPpm); setI32(chCurvePoints, at + 2, leadMilliDeg);
  setI32(chCurveCount, ch, index + 1);
  return CT_OK;
}
function curveField(ch: i32, k: i32, field: i32): i32 { return getI32(chCurvePoints, (ch * MAX_CURVE_POINTS + k) * 3 + field); }

/**
 * The error curve at primary current `milliA` (linear between points, constant beyond the ends):
 * field 1 ratio error ppm, field 2 extra lead m°. 0 without a curve.
 */
export function curveAt(ch: i32, milliA: i64, field: i32): i32 {
  const n = getI32(chCurveCount, ch);
  if (n == 0) return 0;
  if (milliA <= <i64>curveField(ch, 0, 0)) return curveField(ch, 0, field);
  for (let k = 1; k < n; k++) {
    const x1 = <i64>curveField(ch, k, 0);
    if (milliA <= x1) {
      const x0 = <i64>curveField(ch, k - 1, 0);
      const y0 = <i64>curveField(ch, k - 1, field);
      // |Δy| ≤ 4·10^5, Δx < 2^31: the product fits; rounded to the nearest unit.
      return <i32>(y0 + divRound((<i64>curveField(ch, k, field) - y0) * (milliA - x0), x1 - x0));
    }
  }
  return curveField(ch, n - 1, field);
}


/**
 * At a window's end (a cycle boundary), from the channel's Irms: the curve's ratio and lead at
 * that current. When they moved noticeably the channel's coefficients are recomputed at once;
 * returns true then (the caller re-weighs the window's energy with them).
 */
export function followCurve(ch: i32, irmsMilliA: i64): bool {
  if (getI32(chCurveCount, ch) == 0) return false;
  const ratio = curveAt(ch, irmsMilliA, 1);
  const lead = curveAt(ch, irmsMilliA, 2);
  if (abs(ratio - getI32(chCurveRatioPpm, ch)) < 20 && abs(lead - getI32(chCurveLeadMilliDeg, ch)) < 5) return false;
  setI32(chCurveRatioPpm, ch, ratio); setI32(chCurveLeadMilliDeg, ch, lead);
  updateChannelCoefficients(ch, coefficientMilliHz);
  return true;
}

// ---- calibration setters (the console calls these; changes apply at the next cycle boundary) --------
function validChannel(ch: i32): bool { return configured && ch >= 0 && ch < ctChannelCount; }

export function setChannelGain(ch: i32, gainMicro: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (gainMicro < 500000 || gainMicro > 2000000) return CT_ERR_RANGE;
  const old = getI32(chGainMicro, ch);
  setI32(chGainMicro, ch, gainMicro);
  if (!coefficientsFit()) { setI32(chGainMicro, ch, old); return CT_ERR_OVERFLOW; }
  markDirty();
  return CT_OK;
}
export function setChannelPhase(ch: i32, phaseMilliDeg: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (phaseMilliDeg < -MAX_PHASE_MILLIDEG || phaseMilliDeg > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  const old = getI32(chPhaseMilliDeg, ch);
  setI32(chPhaseMilliDeg, ch, phaseMilliDeg);
  if (!coefficientsFit()) { setI32(chPhaseMilliDeg, ch, old); return CT_ERR_OVERFLOW; }
  markDirty();
  return CT_OK;
}
export function setChannelPowerOffset(ch: i32, offsetMilliW: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  setI32(chPowerOffsetMilliW, ch, offsetMilliW); markDirty();
  return CT_OK;
}
export function setChannelIrmsOffset(ch: i32, offsetMilliA: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (offsetMilliA < 0) return CT_ERR_RANGE;
  setI32(chIrmsOffsetMilliA, ch, offsetMilliA);
  return CT_OK;
}
export function setVoltageGainMicro(gainMicro: i32): i32 {
  if (!configured) return CT_ERR_CHANNEL;
  if (gainMicro < 500000 || gainMicro > 2000000) return CT_ERR_RANGE;
  const old = voltageGainMicro;
  setVoltageGain(gainMicro);
  if (!coefficientsFit()) { setVoltageGain(old); return CT_ERR_OVERFLOW; }
  return CT_OK;
}
export function setVoltagePhaseMilliDeg(phaseMilliDeg: i32): i32 {
  if (!configured) return CT_ERR_CHANNEL;
  if (phaseMilliDeg < -MAX_PHASE_MILLIDEG || phaseMilliDeg > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  const old = voltagePhaseMilliDeg;
  setVoltagePhase(phaseMilliDeg);
  if (!coefficientsFit()) { setVoltagePhase(old); return CT_ERR_OVERFLOW; }
  return CT_OK;
}
export function setStartThresholdPpm(ppm: i32): i32 {
  if (ppm < 0 || ppm > 100000) return CT_ERR_RANGE;
  setStartThreshold(ppm);
  return CT_OK;
}

// ---- coefficients ------------------------------------------------------------------------------------
/** Total lead to correct on channel `ch` at `milliHz`, m°: CT − voltage + sequential column delay + error curve. */
function totalLeadMilliDeg(ch: i32, milliHz: i32): Scaled {
  // 360° · f · (ch + 1) · step: m° = 360 · mHz · (ch + 1) · ns / 10^9 (< 2^53 for every accepted setting)
  const column = sRatio(360 * <i64>milliHz * <i64>(ch + 1) * <i64>columnStepNs, 1000000000);
  const lead = sAdd(sInt(getI32(chPhaseMilliDeg, ch) - voltagePhaseMilliDeg + getI32(chCurveLeadMilliDeg, ch)), column);
  const limit = sInt(MAX_TOTAL_MILLIDEG);
  return sLess(limit, lead) ? limit : sLess(lead, sNeg(limit)) ? sNeg(limit) : lead;
}

/** Fine units per code²·frame of channel `ch` (the energy scale before the phase correction). */
function energyScale(ch: i32): Scaled {
  // W per code² = V/code · A/code; one milliwatt-frame is finePerMilliWFrame fine units.
  return sMul(sMul(voltsPerCode(), ampsPerCode(ch)), sMulInt(finePerMilliWFrame(), 1000));
}

/** Bound on |N·Σvi − ΣvΣi| per cycle, and the i64 headroom for A·C0 + B·CL. */
function worstCovariance(): Scaled {
  const span = <i64>max(biasCode, (1 << adcBits) - 1 - biasCode);
  return sInt(<i64>maxCycleFrames * <i64>maxCycleFrames * span * span); // ≤ 500² · 4096²
}
const FINE_LIMIT: Scaled = sInt(4_000_000_000_000_000_000); // below 2^62

/** The two taps a, b of channel `ch` at `milliHz` (into tapA, tapB). */
let tapA: Scaled = 0;
let tapB: Scaled = 0;
function taps(ch: i32, milliHz: i32): void {
  const omegaT = sMul(sTimesPow2(PI, 1), sRatio(milliHz, sampleRateMilliHz)); // 2π f / rate
  const sinOmegaT = sinRad(omegaT);
  const delta = sMul(sAbs(totalLeadMilliDeg(ch, milliHz)), sDivInt(PI, 180000)); // m° → rad
  tapA = sDiv(sinRad(sSub(omegaT, delta)), sinOmegaT);
  tapB = sDiv(sinRad(delta), sinOmegaT);
}

/** (|a| + |b|) · K · worst covariance would reach the i64 sums' limit. */
function overflows(k: Scaled): bool {
  return !sLess(sMul(sMul(sAdd(sAbs(tapA), sAbs(tapB)), k), worstCovariance()), FINE_LIMIT);
}

/** Every channel's coefficients would fit the i64 sums at the present frequency (the setters' check). */
function coefficientsFit(): bool {
  for (let ch = 0; ch < ctChannelCount; ch++) {
    taps(ch, coefficientMilliHz);
    if (overflows(energyScale(ch))) return false;
  }
  return true;
}

/**
 * Phase correction as an exact two-tap fractional delay at the mains fundamental, folded
 * together with the energy scale into two integers per channel:
 *   corrected Σ v·i = a·Σ v[n]i[n] + b·Σ (lagged pair),  a = sin(ωT − δ)/sin ωT,  b = sin δ / sin ωT,
 * which delays the current (lead δ > 0) or the voltage (δ < 0) by δ at frequency `milliHz` with
 * unity gain; A = a·K, B = b·K with K = fine units per code²·frame. δ includes the sequential
 * column delay and the error curve at the last window's current. The crosstalk correction
 * c·(A + B) (Q16) takes out what the previous conversion leaked into this one. Called at
 * configuration and at cycle boundaries when calibration, current or frequency changed.
 */
export function updateCoefficients(milliHz: i32): i32 {
  let status = CT_OK;
  for (let ch = 0; ch < ctChannelCount; ch++) if (updateChannelCoefficients(ch, milliHz) != CT_OK) status = CT_ERR_OVERFLOW;
  markCoefficients(milliHz);
  return status;
}

/** Channel `ch`'s coefficients at `milliHz` (see updateCoefficients); CT_ERR_OVERFLOW if they could overflow. */
export function updateChannelCoefficients(ch: i32, milliHz: i32): i32 {
  taps(ch, milliHz);
  const k = energyScale(ch);
  const status = overflows(k) ? CT_ERR_OVERFLOW : CT_OK;
  setI32(chDelayVoltage, ch, totalLeadMilliDeg(ch, milliHz) < 0 ? 1 : 0);
  setI64(chCoefA, ch, sRound(sMul(tapA, k)));
  setI64(chCoefB, ch, sRound(sMul(tapB, k)));
  setI64(chXtalkQ16, ch, sRound(sMul(sMul(sRatio(<i64>crosstalkPpm << 16, 1000000), sAdd(tapA, tapB)), k)));
  setI64(chOffsetFinePerFrame, ch, sRound(sMulInt(finePerMilliWFrame(), getI32(chPowerOffsetMilliW, ch))));
  return status;
}

// ---- trigonometry in scaled integers (no libm, no f64) ---------------------------------------------
/** sin x for any x: reduced to [−π/2, π/2], then an odd Taylor polynomial to x¹⁷ (series error < 3e-13;
 * the scaled operations' rounding, ~2e-9 relative, dominates). */
export function sinRad(x: Scaled): Scaled {
  const twoPi = sTimesPow2(PI, 1), halfPi = sTimesPow2(PI, -1);
  x = sSub(x, sMulInt(twoPi, sRound(sDiv(x, twoPi)))); // [−π, π]
  if (sLess(halfPi, x)) x = sSub(PI, x);
  else if (sLess(x, sNeg(halfPi))) x = sSub(sNeg(PI), x);
  const x2 = sMul(x, x);
  let term = x, sum = x;
  for (let n = 1; n <= 8; n++) {
    term = sNeg(sDivInt(sMul(term, x2), (2 * n) * (2 * n + 1)));
    sum = sAdd(sum, term);
  }
  return sum;
}
export function cosRad(x: Scaled): Scaled { return sinRad(sAdd(x, sTimesPow2(PI, -1))); }

/** atan x: three argument halvings (atan x = 2·atan(x / (1 + √(1 + x²)))), then Taylor. */
export function atanRad(x: Scaled): Scaled {
  const one = sInt(1);
  for (let i = 0; i < 3; i++) x = sDiv(x, sAdd(one, sSqrt(sAdd(one, sMul(x, x)))));
  const x2 = sMul(x, x);
  let power = x, sum = x;
  for (let n = 1; n <= 9; n++) {
    power = sNeg(sMul(power, x2));
    sum = sAdd(sum, sDivInt(power, 2 * n + 1));
  }
  return sTimesPow2(sum, 3);
}

/**
 * The wizard's phase step (`cal ctN phase`): with the real power summed over equally many
 * windows at the phase setting ± `stepMilliDeg` on a resistive load (P+, P−), the lead still
 * uncorrected is e = atan((P+ − P−) / ((P+ + P−)·tan Δ)) (from P(φ) = A·cos(e − (φ − before))). m°.
 */
export function phaseResidualMilliDeg(plusSum: i64, minusSum: i64, stepMilliDeg: i32): i32 {
  const step = sMul(sInt(stepMilliDeg), sDivInt(PI, 180000));
  const tanStep = sDiv(sinRad(step), cosRad(step));
  const e = atanRad(sDiv(sInt(plusSum - minusSum), sMul(sInt(plusSum + minusSum), tanStep)));
  return <i32>sRound(sDiv(sMulInt(e, 180000), PI));
}
