// CT metering core (issue 3): public API as flat functions. Units are in the names.
// Data flow: ctProcessBlock → sample.ts (integer sums per cycle, one pass per segment) → cycle.ts (per cycle:
// phase-corrected energy; per ~1 s window: P, S, PF, Irms, Vrms, f, starting threshold)
// → registers.ts (import/export µWh with carried remainders).
import {
  MAX_CT_CHANNELS, configured, ctChannelCount, framesTotal, framesMetered, vPrev, vrmsMilliV, frequencyMilliHz,
  windowSequence, voltageGainMicro, voltagePhaseMilliDeg, startThresholdPpm, addFrames,
  chGainMicro, chPhaseMilliDeg, chPowerOffsetMilliW, chIrmsOffsetMilliA, chPowerFactorMilli,
  regImportMicroWh, regExportMicroWh, outRealMilliW, outApparentMilliVA, outIrmsMilliA, getI32, getI64,
  CHANNEL_STATE_BYTES, restartVoltageState, resetChannelMeasurement, windowConditions, chConditions,
  chCurveLeadMilliDeg, chCurveRatioPpm,
} from "./state";
import { scanSegment, accumulateOtherChannels, segmentBoundary, crossingQ16, BOUNDARY_NONE } from "./sample";
import { closeCycle } from "./cycle";
import {
  CT_OK, CT_ERR_CHANNEL, configureCore, configureChannel, setChannelGain, setChannelPhase,
  setChannelPowerOffset, setChannelIrmsOffset, setVoltageGainMicro, setVoltagePhaseMilliDeg, setStartThresholdPpm,
  configureFrontEnd, configureClamp, setCurvePoint,
} from "./calibration";
import { restoreRegisters } from "./registers";

export { MAX_CT_CHANNELS };

// ---- configuration ----------------------------------------------------------------------------------
/**
 * Configures the core from the board file and clears all state and registers.
 * ctChannels: CT columns after the voltage column (0–4); sampleRateHz: per-channel frame rate;
 * adcBits (8–12); fullScaleMilliV: input at code 2^bits − 1; biasCode: nominal mid-scale code;
 * voltsPerAdcVoltMilli: mains volts per ADC volt × 1000; voltagePhaseMilliDeg: the voltage path's lead.
 * Returns 0 or a negative error (−1 range, −3 possible overflow).
 */
export function ctConfigure(ctChannels: i32, sampleRateHz: i32, adcBits: i32, fullScaleMilliV: i32, biasCode: i32,
  voltsPerAdcVoltMilli: i32, voltagePhaseMilliDeg: i32): i32 {
  return configureCore(ctChannels, sampleRateHz, adcBits, fullScaleMilliV, biasCode, voltsPerAdcVoltMilli, voltagePhaseMilliDeg);
}

/** CT channel `ch` (0-based): turns ratio, burden (mΩ), rated current (mA), CT phase lead (m°). Resets its calibration. */
export function ctConfigureChannel(ch: i32, ratio: i32, burdenMilliOhm: i32, ratedMilliA: i32, phaseMilliDeg: i32): i32 {
  return configureChannel(ch, ratio, burdenMilliOhm, ratedMilliA, phaseMilliDeg);
}

/**
 * The board's front end (after ctConfigure): real frame rate mHz (0 = nominal), sequential column
 * step ns, nominal mains mV (0 = 230 V), ADC noise 1/1000 LSB rms, crosstalk ppm (docs/board-abi.md).
 */
export function ctConfigureFrontEnd(rateMilliHz: i32, columnStepNs: i32, nominalMilliV: i32, noiseMilliLsb: i32, crosstalkPpm: i32): i32 {
  return configureFrontEnd(rateMilliHz, columnStepNs, nominalMilliV, noiseMilliLsb, crosstalkPpm);
}
/** Clamp of channel `ch`: maximum primary current (mA, 0 none) and import-only installation (1). */
export function ctConfigureClamp(ch: i32, maxMilliA: i32, importOnly: i32): i32 { return configureClamp(ch, maxMilliA, importOnly != 0); }
/** Error-curve point `index` (in order, 0 restarts the curve): current mA, ratio error ppm, extra lead m°. */
export function ctSetCurvePoint(ch: i32, index: i32, milliA: i32, ratioPpm: i32, leadMilliDeg: i32): i32 {
  return setCurvePoint(ch, index, milliA, ratioPpm, leadMilliDeg);
}

// ---- samples ---------------------------------------------------------------------------------------------
/** One block of `frames` interleaved u16 frames [v, ct1, …] at `samplesPtr`, contiguous with the previous block. */
export function ctProcessBlock(samplesPtr: usize, frames: i32): void {
  if (!configured) return;
  // (the caller's buffer ends below SAMPLES_END_LIMIT, where the sample passes stop)
  let pos = 0;
  while (pos < frames) {
    const vBefore = vPrev;
    const end = scanSegment(samplesPtr, pos, frames, framesTotal);
    if (ctChannelCount > 1) accumulateOtherChannels(samplesPtr, pos, end, vBefore);
    addFrames(end - pos);
    if (segmentBoundary != BOUNDARY_NONE) closeCycle(segmentBoundary, crossingQ16);
    pos = end;
  }
}

/**
 * The sample stream had a gap (power loss, ADC restart): drop the unfinished cycle and window
 * (at most ~1 s of unregistered energy), keep registers and calibration. Frame counters restart.
 */
export function ctRestart(): void {
  restartVoltageState();
  for (let ch = 0; ch < MAX_CT_CHANNELS; ch++) resetChannelMeasurement(ch);
}

// ---- readings (updated once per window, about every second) ----------------------------------------
function validChannel(ch: i32): bool { return ch >= 0 && ch < ctChannelCount; }

/** Imported energy register of channel `ch`, µWh. */
export function ctImportMicroWh(ch: i32): i64 { return validChannel(ch) ? getI64(regImportMicroWh, ch) : 0; }
/** Exported energy register of channel `ch`, µWh. */
export function ctExportMicroWh(ch: i32): i64 { return validChannel(ch) ? getI64(regExportMicroWh, ch) : 0; }
/** Real power over the last window, mW (> 0 import, < 0 export; 0 below the starting threshold). */
export function ctRealPowerMilliW(ch: i32): i64 { return validChannel(ch) ? getI64(outRealMilliW, ch) : 0; }
/** Apparent power Vrms·Irms over the last window, mVA. */
export function ctApparentPowerMilliVA(ch: i32): i64 { return validChannel(ch) ? getI64(outApparentMilliVA, ch) : 0; }
/** RMS current over the last window, mA (Irms offset removed in quadrature). */
export function ctIrmsMilliA(ch: i32): i64 { return validChannel(ch) ? getI64(outIrmsMilliA, ch) : 0; }
/** Signed power factor P/S × 1000 over the last window (negative when exporting). */
export function ctPowerFactorMilli(ch: i32): i32 { return validChannel(ch) ? getI32(chPowerFactorMilli, ch) : 0; }
/** RMS mains voltage over the last window, mV. */
export function ctVrmsMilliV(): i64 { return vrmsMilliV; }
/** Mains frequency over the last window from voltage zero crossings, mHz (0 without voltage). */
export function ctFrequencyMilliHz(): i64 { return frequencyMilliHz; }
/** The voltage's conditions in the last window (bit 0 over-range, 1 under-voltage, 3 no voltage); the clamps' are per channel. */
export function ctConditions(): i32 { return windowConditions; }
/** Conditions of channel `ch` in the last window (its over-range, 2 reverse energy, and the voltage's). */
export function ctChannelConditions(ch: i32): i32 { return validChannel(ch) ? getI32(chConditions, ch) : 0; }
/** The error curve's lead (m°) and ratio error (ppm) applied at the last window's current. */
export function ctCurveLeadMilliDeg(ch: i32): i32 { return validChannel(ch) ? getI32(chCurveLeadMilliDeg, ch) : 0; }
export function ctCurveRatioPpm(ch: i32): i32 { return validChannel(ch) ? getI32(chCurveRatioPpm, ch) : 0; }
/** Count of closed windows: changes when the readings and registers above were updated. */
export function ctWindowSequence(): i32 { return windowSequence; }
/** Frames processed since ctConfigure. */
export function ctFramesProcessed(): i64 { return framesTotal; }
/** Frames covered by the registers (closed windows); the rest is still being measured. */
export function ctFramesMetered(): i64 { return framesMetered; }

// ---- calibration (the console's configuration; applied at the next mains-cycle boundary) -------------
/** Current gain of channel `ch` in millionths (1 000 000 = board default), 0.5–2.0. */
export function ctSetGainMicro(ch: i32, gainMicro: i32): i32 { return setChannelGain(ch, gainMicro); }
export function ctGainMicro(ch: i32): i32 { return validChannel(ch) ? getI32(chGainMicro, ch) : 0; }
/** CT phase lead to correct, m° (default: the board's phase_deg); net of the voltage lead within ±10°. */
export function ctSetPhaseMilliDeg(ch: i32, phaseMilliDeg: i32): i32 { return setChannelPhase(ch, phaseMilliDeg); }
export function ctPhaseMilliDeg(ch: i32): i32 { return validChannel(ch) ? getI32(chPhaseMilliDeg, ch) : 0; }
/** Power offset subtracted from the channel's real power, mW (crosstalk, default 0). */
export function ctSetPowerOffsetMilliW(ch: i32, offsetMilliW: i32): i32 { return setChannelPowerOffset(ch, offsetMilliW); }
export function ctPowerOffsetMilliW(ch: i32): i32 { return validChannel(ch) ? getI32(chPowerOffsetMilliW, ch) : 0; }
/** Irms noise floor removed in quadrature from the reading, mA (default 0; energy is unaffected). */
export function ctSetIrmsOffsetMilliA(ch: i32, offsetMilliA: i32): i32 { return setChannelIrmsOffset(ch, offsetMilliA); }
export function ctIrmsOffsetMilliA(ch: i32): i32 { return validChannel(ch) ? getI32(chIrmsOffsetMilliA, ch) : 0; }
/** Voltage gain in millionths (1 000 000 = board default). Scales every channel's energy. */
export function ctSetVoltageGainMicro(gainMicro: i32): i32 { return setVoltageGainMicro(gainMicro); }
export function ctVoltageGainMicro(): i32 { return voltageGainMicro; }
/** Voltage-path phase lead, m° (default: the board's voltage phase_deg). */
export function ctSetVoltagePhaseMilliDeg(phaseMilliDeg: i32): i32 { return setVoltagePhaseMilliDeg(phaseMilliDeg); }
export function ctVoltagePhaseMilliDeg(): i32 { return voltagePhaseMilliDeg; }
/** Starting threshold, ppm of Vrms × rated current (default 1000 = 0.1 %). */
export function ctSetStartThresholdPpm(ppm: i32): i32 { return setStartThresholdPpm(ppm); }
export function ctStartThresholdPpm(): i32 { return startThresholdPpm; }

// ---- persistence ---------------------------------------------------------------------------------------
/** Restores saved registers of channel `ch` (µWh); the sub-µWh remainders restart at zero. */
export function ctRestoreRegisters(ch: i32, importMicroWh: i64, exportMicroWh: i64): i32 {
  if (!configured || !validChannel(ch) || importMicroWh < 0 || exportMicroWh < 0) return CT_ERR_CHANNEL;
  restoreRegisters(ch, importMicroWh, exportMicroWh);
  return CT_OK;
}

/** Bytes of per-channel static state (for the memory budget). */
export function ctChannelStateBytes(): i32 { return CHANNEL_STATE_BYTES; }
