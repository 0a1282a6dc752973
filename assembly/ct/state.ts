// Static state of the CT metering core: globals for the shared voltage path and one small
// array per field for the CT channels (memory.data, never `new`), so the whole core lives
// in a fixed, countable number of bytes.

export const MAX_CT_CHANNELS: i32 = 4;

/** Energy below 1 µWh is carried in units of 2^-FINE_BITS µWh ("fine units"). */
export const FINE_BITS: i32 = 32;
export const FINE_MASK: i64 = (<i64>1 << FINE_BITS) - 1;

// ---- configuration (set by ctConfigure) ----------------------------------------------
export let configured = false;
export let ctChannelCount: i32 = 0;
export let sampleRateHz: i32 = 4000;
export let adcBits: i32 = 12;
export let fullScaleMilliV: i32 = 3100;
export let biasCode: i32 = 2048;
export let voltsPerAdcVoltMilli: i32 = 300000;
export let frameStrideBytes: usize = 4;
export let minCycleFrames: i32 = 53;   // shortest accepted mains cycle (75 Hz)
export let maxCycleFrames: i32 = 100;  // a cycle is closed by force after this (40 Hz, no voltage)
export let windowFrames: i32 = 4000;   // evaluation window: whole cycles, about 1 s
export let hysteresisCodes: i32 = 64;  // the voltage must fall this far below zero to re-arm

// ---- front end (board descriptor, docs/board-abi.md; 0 = not given) ---------------------------
/** The real frame rate (mHz): energy scale, frequency and phase use it; frame counts use sampleRateHz. */
export let sampleRateMilliHz: i64 = 4000000;
/** Sequential conversion: CT column k (1-based after the voltage) is sampled k × this (ns) late. */
export let columnStepNs: i32 = 0;
/** Nominal mains voltage (mV): under-voltage below 80 %, no energy below 10 %. */
export let nominalMilliV: i32 = 230000;
/** ADC noise per conversion, 1/1000 LSB rms: removed in quadrature from Irms and Vrms. */
export let noiseMilliLsb: i32 = 0;
/** Crosstalk from the previous conversion, ppm of its centred input. */
export let crosstalkPpm: i32 = 0;
export function setFrontEnd(rateMilliHz: i64, stepNs: i32, nominalMv: i32, noise: i32, crosstalk: i32): void {
  sampleRateMilliHz = rateMilliHz; columnStepNs = stepNs; nominalMilliV = nominalMv; noiseMilliLsb = noise; crosstalkPpm = crosstalk;
  coefficientsDirty = true;
}

// ---- conditions of the last window (bits; the firmware turns them into status flags) ------------
export const COND_OVER_RANGE: i32 = 1;     // a sample at the ADC limits, or Irms above the clamp's maximum
export const COND_UNDER_VOLTAGE: i32 = 2;  // Vrms below 80 % of nominal, or no voltage
export const COND_REVERSE: i32 = 4;        // an import-only channel registered export
export const COND_NO_VOLTAGE: i32 = 8;     // below 10 % of nominal or no crossings: nothing registers
export let windowConditions: i32 = 0;
export let windowCycles: i32 = 0;          // cycles in the window in progress
export let windowPeakVV: i32 = 0;          // largest centred voltage code² this window
export function setWindowConditions(c: i32): void { windowConditions = c; }
export function countWindowCycle(peakVV: i32): void { windowCycles++; if (peakVV > windowPeakVV) windowPeakVV = peakVV; }
export function resetWindowExtras(): void { windowCycles = 0; windowPeakVV = 0; }

// ---- voltage calibration -----------------------------------------------------------------
export let voltageBoardPhaseMilliDeg: i32 = 0;
export let voltagePhaseMilliDeg: i32 = 0;
export let voltageGainMicro: i32 = 1000000;
/** Starting threshold: |P| below this fraction (ppm) of Vrms × rated current registers nothing. */
export let startThresholdPpm: i32 = 1000;
/** Calibration changed: new coefficients take effect at the next cycle boundary. */
export let coefficientsDirty = true;
/** Mains frequency (mHz) the phase-correction coefficients were computed for. */
export let coefficientMilliHz: i32 = 50000;

export function setConfig(channels: i32, rateHz: i32, bits: i32, fullScale: i32, bias: i32, voltsMilli: i32): void {
  ctChannelCount = channels; sampleRateHz = rateHz; adcBits = bits; fullScaleMilliV = fullScale;
  biasCode = bias; voltsPerAdcVoltMilli = voltsMilli;
  frameStrideBytes = <usize>(channels + 1) << 1;
  minCycleFrames = rateHz / 75;
  maxCycleFrames = rateHz / 40;
  windowFrames = rateHz;
  hysteresisCodes = 1 << (bits - 6);
  configured = true;
}
export function setVoltageBoardPhase(milliDeg: i32): void { voltageBoardPhaseMilliDeg = milliDeg; voltagePhaseMilliDeg = milliDeg; }
export function setVoltagePhase(milliDeg: i32): void { voltagePhaseMilliDeg = milliDeg; coefficientsDirty = true; }
export function setVoltageGain(gainMicro: i32): void { voltageGainMicro = gainMicro; coefficientsDirty = true; }
export function setStartThreshold(ppm: i32): void { startThresholdPpm = ppm; }
export function markCoefficients(milliHz: i32): void { coefficientMilliHz = milliHz; coefficientsDirty = false; }
export function markDirty(): void { coefficientsDirty = true; }
/** The mains frequency moved: recompute the phase coefficients for `milliHz` at the next boundary. */
export function retuneCoefficients(milliHz: i32): void { coefficientMilliHz = milliHz; coefficientsDirty = true; }

// ---- voltage path, current cycle ------------------------------------------------------------
// Codes are centred on the nominal bias; the true (drifting) bias is removed per cycle.
export let cycleFrames: i32 = 0;
export let cycleSumV: i32 = 0;
export let cycleSumVV: i32 = 0;
export let cycleSumNV: i32 = 0;     // Σ n·v[n], n = index in the cycle: for the bias-slope correction
export let vPrev: i32 = 0;          // last voltage sample seen (centred code)
export let vBeforeCycle: i32 = 0;   // voltage sample just before this cycle's first one
export let armed = false;           // voltage went below zero − hysteresis since the last crossing
export let cyclePeakVV: i32 = 0;    // largest centred voltage code² this cycle (clipping)
export let zeroCode: i32 = 0;       // previous cycle's mean voltage: the crossing reference

/** Frames processed since configuration. */
export let framesTotal: i64 = 0;
/** Frames covered by closed windows: the span the registers account for. */
export let framesMetered: i64 = 0;

// Zero-crossing times in 1/65536 frame, for the frequency.
export let crossRefQ16: i64 = 0;
export let crossLastQ16: i64 = 0;
export let crossCount: i32 = 0;     // crossings after crossRefQ16
export let crossHaveRef = false;

// ---- voltage path, current window -------------------------------------------------------------
export let windowFramesDone: i32 = 0;
export let windowSumSqV: i64 = 0;   // Σ over cycles of mean-removed v², code²·frames
export let windowRampV2: i64 = 0;   // Σ over cycles of 2·Σ (n − (N−1)/2)·v[n]: how a bias ramp leaks into P
export let previousWindowFrames: i32 = 0;
export let windowSequence: i32 = 0;
export let vrmsMilliV: i64 = 0;
export let frequencyMilliHz: i64 = 0;

export function saveVoltageCycle(frames: i32, sumV: i32, sumVV: i32, sumNV: i32, prev: i32, isArmed: bool, peakVV: i32): void {
  cycleFrames = frames; cycleSumV = sumV; cycleSumVV = sumVV; cycleSumNV = sumNV; vPrev = prev; armed = isArmed; cyclePeakVV = peakVV;
}
export function startVoltageCycle(zero: i32): void {
  cycleFrames = 0; cycleSumV = 0; cycleSumVV = 0; cycleSumNV = 0; vBeforeCycle = vPrev; zeroCode = zero; cyclePeakVV = 0;
}
export function addFrames(n: i32): void { framesTotal += n; }
export function noteCrossing(tQ16: i64): void {
  if (crossHaveRef) { crossCount++; crossLastQ16 = tQ16; }
  else { crossRefQ16 = tQ16; crossLastQ16 = tQ16; crossCount = 0; crossHaveRef = true; }
}
export function loseCrossings(): void { crossHaveRef = false; crossCount = 0; frequencyTuned = false; }
/** The coefficients were tuned to a measured frequency since the voltage (re)appeared. */
export let frequencyTuned = false;
export function setFrequencyTuned(): void { frequencyTuned = true; }
export function restartCrossings(): void { crossRefQ16 = crossLastQ16; crossCount = 0; }
export function addVoltageWindow(frames: i32, sumSq: i64, ramp2: i64): void {
  windowFramesDone += frames; windowSumSqV += sumSq; windowRampV2 += ramp2;
}
export function closeVoltageWindow(vrms: i64, freq: i64): void {
  framesMetered += windowFramesDone; previousWindowFrames = windowFramesDone;
  windowFramesDone = 0; windowSumSqV = 0; windowRampV2 = 0; vrmsMilliV = vrms; frequencyMilliHz = freq; windowSequence++;
  windowCycles = 0; windowPeakVV = 0;
}

/** After a gap in the samples: drop the partial cycle and window, keep registers and calibration. */
export function restartVoltageState(): void {
  const sequence = windowSequence;
  resetVoltageState();
  windowSequence = sequence;
}

export function resetVoltageState(): void {
  cycleFrames = 0; cycleSumV = 0; cycleSumVV = 0; cycleSumNV = 0; vPrev = 0; vBeforeCycle = 0; armed = false; zeroCode = 0;
  cyclePeakVV = 0; windowCycles = 0; windowPeakVV = 0; windowConditions = 0;
  framesTotal = 0; framesMetered = 0;
  crossRefQ16 = 0; crossLastQ16 = 0; crossCount = 0; crossHaveRef = false;
  windowFramesDone = 0; windowSumSqV = 0; windowRampV2 = 0; previousWindowFrames = 0; windowSequence = 0; vrmsMilliV = 0; frequencyMilliHz = 0;
  coefficientsDirty = true; coefficientMilliHz = 50000; frequencyTuned = false;
}

// ---- per-CT-channel fields: one array of MAX_CT_CHANNELS entries each ----------------------------
// i32 fields
export const chRatio = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chBurdenMilliOhm = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chRatedMilliA = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chBoardPhaseMilliDeg = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chPhaseMilliDeg = memory.data(4 * MAX_CT_CHANNELS, 4);     // calibration: CT lead to remove
export const chGainMicro = memory.data(4 * MAX_CT_CHANNELS, 4);         // calibration: 1 000 000 = ×1
export const chPowerOffsetMilliW = memory.data(4 * MAX_CT_CHANNELS, 4); // calibration: subtracted from P
export const chIrmsOffsetMilliA = memory.data(4 * MAX_CT_CHANNELS, 4);  // calibration: removed in quadrature
export const chDelayVoltage = memory.data(4 * MAX_CT_CHANNELS, 4);      // 1: correction delays the voltage
export const chPowerFactorMilli = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chMaxMilliA = memory.data(4 * MAX_CT_CHANNELS, 4);         // clamp maximum (0: none): over-range above
export const chImportOnly = memory.data(4 * MAX_CT_CHANNELS, 4);        // 1: export raises the reverse condition
export const chCurveCount = memory.data(4 * MAX_CT_CHANNELS, 4);        // error-curve points (0: none)
export const chCurveLeadMilliDeg = memory.data(4 * MAX_CT_CHANNELS, 4); // curve lead in the coefficients now
export const chCurveRatioPpm = memory.data(4 * MAX_CT_CHANNELS, 4);     // curve ratio error in the coefficients now
export const chPendingWindows = memory.data(4 * MAX_CT_CHANNELS, 4);    // creep: windows accumulated below the fast threshold
export const chConditions = memory.data(4 * MAX_CT_CHANNELS, 4);        // COND_* of the last window
export const cyPeakII = memory.data(4 * MAX_CT_CHANNELS, 4);            // largest centred current code² this window
/** Curve points: per channel MAX_CURVE_POINTS × (current mA, ratio error ppm, extra lead m°). */
export const MAX_CURVE_POINTS: i32 = 6;
export const chCurvePoints = memory.data(4 * 3 * MAX_CURVE_POINTS * MAX_CT_CHANNELS, 4);
// per-cycle sums (i32: bounded by maxCycleFrames, checked in ctConfigure)
export const cySumVI = memory.data(4 * MAX_CT_CHANNELS, 4);   // Σ v[n]·i[n]
export const cySumLag = memory.data(4 * MAX_CT_CHANNELS, 4);  // Σ v[n]·i[n−1] or Σ v[n−1]·i[n]
export const cySumI = memory.data(4 * MAX_CT_CHANNELS, 4);
export const cySumII = memory.data(4 * MAX_CT_CHANNELS, 4);
export const chIPrev = memory.data(4 * MAX_CT_CHANNELS, 4);         // last current sample
export const chIBeforeCycle = memory.data(4 * MAX_CT_CHANNELS, 4);  // current sample before this cycle
// i64 fields
export const chCoefA = memory.data(8 * MAX_CT_CHANNELS, 8);   // fine units per (frames·code²) on Σ v[n]i[n]
export const chCoefB = memory.data(8 * MAX_CT_CHANNELS, 8);   // same, on the lagged sum
export const chOffsetFinePerFrame = memory.data(8 * MAX_CT_CHANNELS, 8);
export const chXtalkQ16 = memory.data(8 * MAX_CT_CHANNELS, 8);      // crosstalk correction, fine units per code²·frame × 65536
export const chPendingFine = memory.data(8 * MAX_CT_CHANNELS, 8);   // creep: energy of the windows accumulated
// Window sums of the per-cycle covariances / N: a window's energy can be re-weighed with new coefficients.
export const wnCovVI = memory.data(8 * MAX_CT_CHANNELS, 8);
export const wnCovLag = memory.data(8 * MAX_CT_CHANNELS, 8);
export const wnCovPrevious = memory.data(8 * MAX_CT_CHANNELS, 8);
export const wnEnergyFine = memory.data(8 * MAX_CT_CHANNELS, 8);
export const wnSumSqI = memory.data(8 * MAX_CT_CHANNELS, 8);
export const wnSumI = memory.data(8 * MAX_CT_CHANNELS, 8);          // Σ i over the window: its mean bias
export const chPrevMeanQ16 = memory.data(8 * MAX_CT_CHANNELS, 8);  // previous window's mean bias, 1/65536 code
export const NO_MEAN: i64 = i64.MIN_VALUE;
export const regImportMicroWh = memory.data(8 * MAX_CT_CHANNELS, 8);
export const regExportMicroWh = memory.data(8 * MAX_CT_CHANNELS, 8);
export const regImportFine = memory.data(8 * MAX_CT_CHANNELS, 8);  // remainder below 1 µWh
export const regExportFine = memory.data(8 * MAX_CT_CHANNELS, 8);
export const outRealMilliW = memory.data(8 * MAX_CT_CHANNELS, 8);
export const outApparentMilliVA = memory.data(8 * MAX_CT_CHANNELS, 8);
export const outIrmsMilliA = memory.data(8 * MAX_CT_CHANNELS, 8);

// @ts-ignore: decorator
@inline export function getI32(field: usize, ch: i32): i32 { return load<i32>(field + (<usize>ch << 2)); }
// @ts-ignore: decorator
@inline export function setI32(field: usize, ch: i32, value: i32): void { store<i32>(field + (<usize>ch << 2), value); }
// @ts-ignore: decorator
@inline export function getI64(field: usize, ch: i32): i64 { return load<i64>(field + (<usize>ch << 3)); }
// @ts-ignore: decorator
@inline export function setI64(field: usize, ch: i32, value: i64): void { store<i64>(field + (<usize>ch << 3), value); }

/** Bytes of per-channel static state (the globals above add a few hundred more). */
export const CHANNEL_STATE_BYTES: i32 = (24 * 4 + 3 * MAX_CURVE_POINTS * 4 + 19 * 8) * MAX_CT_CHANNELS;

export function resetChannelMeasurement(ch: i32): void {
  setI32(cySumVI, ch, 0); setI32(cySumLag, ch, 0); setI32(cySumI, ch, 0); setI32(cySumII, ch, 0);
  setI32(chIPrev, ch, 0); setI32(chIBeforeCycle, ch, 0); setI32(chPowerFactorMilli, ch, 0);
  setI32(cyPeakII, ch, 0); setI32(chPendingWindows, ch, 0); setI64(chPendingFine, ch, 0); setI32(chConditions, ch, 0);
  setI64(wnCovVI, ch, 0); setI64(wnCovLag, ch, 0); setI64(wnCovPrevious, ch, 0);
  setI64(wnEnergyFine, ch, 0); setI64(wnSumSqI, ch, 0); setI64(wnSumI, ch, 0); setI64(chPrevMeanQ16, ch, NO_MEAN);
  setI64(outRealMilliW, ch, 0); setI64(outApparentMilliVA, ch, 0); setI64(outIrmsMilliA, ch, 0);
}
