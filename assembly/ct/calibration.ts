// Configuration and calibration: board parameters in, integer coefficients out.
// f64 appears only here and in the once-a-second window evaluation, never per sample.
import {
  MAX_CT_CHANNELS, FINE_BITS, configured, ctChannelCount, sampleRateHz, adcBits, fullScaleMilliV,
  biasCode, voltsPerAdcVoltMilli, voltagePhaseMilliDeg, voltageGainMicro, maxCycleFrames,
  setConfig, setVoltageBoardPhase, setVoltagePhase, setVoltageGain, setStartThreshold, markCoefficients,
  markDirty, resetVoltageState, resetChannelMeasurement,
  chRatio, chBurdenMilliOhm, chRatedMilliA, chBoardPhaseMilliDeg, chPhaseMilliDeg, chGainMicro,
  chPowerOffsetMilliW, chIrmsOffsetMilliA, chDelayVoltage, chCoefA, chCoefB, chOffsetFinePerFrame,
  regImportMicroWh, regExportMicroWh, regImportFine, regExportFine, getI32, setI32, setI64,
} from "./state";

export const CT_OK: i32 = 0;
export const CT_ERR_RANGE: i32 = -1;     // a parameter outside what the core supports
export const CT_ERR_CHANNEL: i32 = -2;   // no such CT channel
export const CT_ERR_OVERFLOW: i32 = -3;  // this combination could overflow the integer sums

/** Largest phase correction accepted (degrees, net of voltage and CT). */
const MAX_PHASE_MILLIDEG: i32 = 10000;
const FINE_PER_MICROWH: f64 = <f64>(<i64>1 << FINE_BITS);

// ---- unit conversions (f64, used when coefficients or display values are computed) ----------
/** ADC input volts per code: code 2^bits − 1 ≈ full scale. */
function adcVoltsPerCode(): f64 { return <f64>fullScaleMilliV / 1000.0 / <f64>((1 << adcBits) - 1); }
/** Mains volts per centred voltage code, calibrated. */
export function voltsPerCode(): f64 {
  return adcVoltsPerCode() * <f64>voltsPerAdcVoltMilli / 1000.0 * <f64>voltageGainMicro / 1e6;
}
/** Primary amps per centred current code of channel `ch`, calibrated. */
export function ampsPerCode(ch: i32): f64 {
  return adcVoltsPerCode() / (<f64>getI32(chBurdenMilliOhm, ch) / 1000.0) * <f64>getI32(chRatio, ch)
    * <f64>getI32(chGainMicro, ch) / 1e6;
}
/** Fine energy units (2^-32 µWh) in one milliwatt held for one frame. */
export function finePerMilliWFrame(): f64 {
  return 1e-3 / <f64>sampleRateHz / 3600.0 * 1e6 * FINE_PER_MICROWH;
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
  setVoltageBoardPhase(voltagePhaseMilliDeg);
  setVoltageGain(1000000);
  setStartThreshold(1000);
  resetVoltageState();
  for (let ch = 0; ch < MAX_CT_CHANNELS; ch++) {
    setI32(chRatio, ch, 1); setI32(chBurdenMilliOhm, ch, 1000); setI32(chRatedMilliA, ch, 1000);
    setI32(chBoardPhaseMilliDeg, ch, 0); setI32(chPhaseMilliDeg, ch, 0); setI32(chGainMicro, ch, 1000000);
    setI32(chPowerOffsetMilliW, ch, 0); setI32(chIrmsOffsetMilliA, ch, 0);
    setI64(regImportMicroWh, ch, 0); setI64(regExportMicroWh, ch, 0);
    setI64(regImportFine, ch, 0); setI64(regExportFine, ch, 0);
    resetChannelMeasurement(ch);
  }
  return updateCoefficients(50.0);
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
  return updateCoefficients(50.0);
}

// ---- calibration setters (the console calls these; changes apply at the next cycle boundary) --------
function validChannel(ch: i32): bool { return configured && ch >= 0 && ch < ctChannelCount; }

export function setChannelGain(ch: i32, gainMicro: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  if (gainMicro < 500000 || gainMicro > 2000000) return CT_ERR_RANGE;
  setI32(chGainMicro, ch, gainMicro); markDirty();
  return CT_OK;
}
export function setChannelPhase(ch: i32, phaseMilliDeg: i32): i32 {
  if (!validChannel(ch)) return CT_ERR_CHANNEL;
  const net = phaseMilliDeg - voltagePhaseMilliDeg;
  if (net < -MAX_PHASE_MILLIDEG || net > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  setI32(chPhaseMilliDeg, ch, phaseMilliDeg); markDirty();
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
  setVoltageGain(gainMicro);
  return CT_OK;
}
export function setVoltagePhaseMilliDeg(phaseMilliDeg: i32): i32 {
  if (!configured) return CT_ERR_CHANNEL;
  for (let ch = 0; ch < ctChannelCount; ch++) {
    const net = getI32(chPhaseMilliDeg, ch) - phaseMilliDeg;
    if (net < -MAX_PHASE_MILLIDEG || net > MAX_PHASE_MILLIDEG) return CT_ERR_RANGE;
  }
  setVoltagePhase(phaseMilliDeg);
  return CT_OK;
}
export function setStartThresholdPpm(ppm: i32): i32 {
  if (ppm < 0 || ppm > 100000) return CT_ERR_RANGE;
  setStartThreshold(ppm);
  return CT_OK;
}

// ---- coefficients ------------------------------------------------------------------------------------
/**
 * Phase correction as an exact two-tap fractional delay at the mains fundamental, folded
 * together with the energy scale into two integers per channel:
 *   corrected Σ v·i = a·Σ v[n]i[n] + b·Σ (lagged pair),  a = sin(ωT − δ)/sin ωT,  b = sin δ / sin ωT,
 * which delays the current (CT lead δ > 0) or the voltage (δ < 0) by δ at frequency `hz`
 * with unity gain; A = a·K, B = b·K with K = fine units per code²·frame.
 * Called at configuration and at cycle boundaries when calibration or frequency changed.
 */
export function updateCoefficients(hz: f64): i32 {
  const omegaT = 2.0 * Math.PI * hz / <f64>sampleRateHz;
  const sinOmegaT = Math.sin(omegaT);
  const span = <f64>max(biasCode, (1 << adcBits) - 1 - biasCode);
  const worstCov = <f64>maxCycleFrames * <f64>maxCycleFrames * span * span; // |N·Σvi − ΣvΣi| bound
  const fineLimit = 4.0e18; // below 2^62: A·C0 + B·CL fits in i64
  let status = CT_OK;
  for (let ch = 0; ch < ctChannelCount; ch++) {
    const netMilliDeg = getI32(chPhaseMilliDeg, ch) - voltagePhaseMilliDeg;
    const delta = <f64>abs(netMilliDeg) / 1000.0 * Math.PI / 180.0;
    const a = Math.sin(omegaT - delta) / sinOmegaT;
    const b = Math.sin(delta) / sinOmegaT;
    const k = voltsPerCode() * ampsPerCode(ch) / <f64>sampleRateHz / 3600.0 * 1e6 * FINE_PER_MICROWH;
    if ((Math.abs(a) + Math.abs(b)) * k * worstCov >= fineLimit) status = CT_ERR_OVERFLOW;
    setI32(chDelayVoltage, ch, netMilliDeg < 0 ? 1 : 0);
    setI64(chCoefA, ch, <i64>Math.round(a * k));
    setI64(chCoefB, ch, <i64>Math.round(b * k));
    setI64(chOffsetFinePerFrame, ch, <i64>Math.round(<f64>getI32(chPowerOffsetMilliW, ch) * finePerMilliWFrame()));
  }
  markCoefficients(hz);
  return status;
}
