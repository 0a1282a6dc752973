// Per-cycle evaluation and the once-a-second window evaluation (display values,
// starting threshold, registers). Energy is summed per whole mains cycle and registered per
// window of whole cycles: every sample counts exactly once, a partial cycle adds no ripple.
import {
  ctChannelCount, minCycleFrames, cycleFrames, cycleSumV, cycleSumVV, cycleSumNV, vPrev, vBeforeCycle,
  windowFrames, windowFramesDone, windowSumSqV, windowRampV2, previousWindowFrames, NO_MEAN, coefficientsDirty, coefficientMilliHz, startThresholdPpm, sampleRateMilliHz, frequencyTuned, setFrequencyTuned,
  crossHaveRef, crossCount, crossRefQ16, crossLastQ16,
  startVoltageCycle, noteCrossing, loseCrossings, restartCrossings, addVoltageWindow, closeVoltageWindow,
  cySumVI, cySumLag, cySumI, cySumII, chIPrev, chIBeforeCycle, chDelayVoltage, chCoefA, chCoefB,
  chOffsetFinePerFrame, chRatedMilliA, chIrmsOffsetMilliA, chPowerFactorMilli,
  chXtalkQ16, cyPeakII, chMaxMilliA, chImportOnly, chPendingFine, chPendingWindows, chConditions,
  cyclePeakVV, countWindowCycle, windowCycles, windowPeakVV, setWindowConditions, nominalMilliV, noiseMilliLsb,
  biasCode, adcBits, wnCovVI, wnCovLag, wnCovPrevious, COND_OVER_RANGE, COND_UNDER_VOLTAGE, COND_REVERSE, COND_NO_VOLTAGE,
  wnEnergyFine, wnSumSqI, wnSumI, chPrevMeanQ16, outRealMilliW, outApparentMilliVA, outIrmsMilliA,
  getI32, setI32, getI64, setI64, retuneCoefficients,
} from "./state";
import { BOUNDARY_CROSSING } from "./sample";
import { updateCoefficients, voltsPerCode, ampsPerCode, finePerMilliWFrame, followCurve } from "./calibration";
import { Scaled, sInt, sRatio, sMul, sDiv, sMulInt, sDivInt, sSub, sAbs, sLess, sRound, sSqrt, sTimesPow2 } from "../util/scaled";
import { registerEnergy } from "./registers";
import { divSmall, divRound } from "../util/divide";

/** Ends the current cycle: folds its sums into the window, then starts the next cycle. */
export function closeCycle(boundary: i32, crossingQ16: i64): void {
  const n = <i64>cycleFrames;
  if (n == 0) return;
  const sumV = <i64>cycleSumV;
  // Offset removal by the cycle's own mean: N·Σxy − Σx·Σy = N²·covariance, exact in integers,
  // no filter state, no lag and no step error however the bias wanders between cycles.
  // Within a cycle a bias ramp of d codes/frame on a current leaves d·(n − (N−1)/2), which adds
  // d·Σ (n − (N−1)/2)·v[n] to Σ v·i: keep that voltage sum to take the ramp out per window.
  const ramp2 = 2 * <i64>cycleSumNV - sumV * (n - 1);
  const covVV = n * <i64>cycleSumVV - sumV * sumV;
  addVoltageWindow(<i32>n, divSmall(covVV, n), ramp2);
  countWindowCycle(cyclePeakVV);
  // Crosstalk: each conversion carries a little of the previous column (the voltage before ct1).
  let covPrevious = covVV;
  for (let ch = 0; ch < ctChannelCount; ch++) {
    const sumI = <i64>getI32(cySumI, ch);
    const covVI = n * <i64>getI32(cySumVI, ch) - sumV * sumI;
    let covLag: i64;
    if (getI32(chDelayVoltage, ch)) {
      const sumVLag = sumV - <i64>vPrev + <i64>vBeforeCycle; // Σ v[n−1] over the cycle
      covLag = n * <i64>getI32(cySumLag, ch) - sumVLag * sumI;
    } else {
      const sumILag = sumI - <i64>getI32(chIPrev, ch) + <i64>getI32(chIBeforeCycle, ch); // Σ i[n−1]
      covLag = n * <i64>getI32(cySumLag, ch) - sumV * sumILag;
    }
    const previousPerFrame = divSmall(covPrevious, n);
    const energyFine = divSmall(getI64(chCoefA, ch) * covVI + getI64(chCoefB, ch) * covLag, n)
      - getI64(chOffsetFinePerFrame, ch) * n - ((getI64(chXtalkQ16, ch) * previousPerFrame) >> 16);
    setI64(wnEnergyFine, ch, getI64(wnEnergyFine, ch) + energyFine);
    setI64(wnCovVI, ch, getI64(wnCovVI, ch) + divSmall(covVI, n));
    setI64(wnCovLag, ch, getI64(wnCovLag, ch) + divSmall(covLag, n));
    setI64(wnCovPrevious, ch, getI64(wnCovPrevious, ch) + previousPerFrame);
    covPrevious = covVI;
    setI64(wnSumSqI, ch, getI64(wnSumSqI, ch) + divSmall(n * <i64>getI32(cySumII, ch) - sumI * sumI, n));
    setI64(wnSumI, ch, getI64(wnSumI, ch) + sumI);
    setI32(cySumVI, ch, 0); setI32(cySumLag, ch, 0); setI32(cySumI, ch, 0); setI32(cySumII, ch, 0);
    setI32(chIBeforeCycle, ch, getI32(chIPrev, ch));
  }
  if (boundary == BOUNDARY_CROSSING) {
    noteCrossing(crossingQ16);
    // Tune the phase correction to the mains frequency after three crossings instead of
    // waiting for the first window (a 60 Hz supply would otherwise start on 50 Hz coefficients).
    if (!frequencyTuned && crossCount >= 2) {
      const milliHz = crossingMilliHz();
      if (tunable(milliHz)) retuneCoefficients(<i32>milliHz);
      setFrequencyTuned();
    }
  } else {
    loseCrossings();
  }
  // The next crossing is detected against this cycle's mean voltage (the tracked bias).
  const mean = sumV >= 0 ? divSmall(sumV + (n >> 1), n) : -divSmall(-sumV + (n >> 1), n);
  startVoltageCycle(<i32>mean);
  // A window is the whole cycles reaching (sample rate − half the shortest cycle) frames: 50 cycles
  // at 50 Hz, 60 at 60 Hz, ending on the same crossing every second. (With "≥ sample rate" a crossing
  // that noise moves one frame earlier would add a cycle, and window ends would wander through the second.)
  if (windowFramesDone >= windowFrames - (minCycleFrames >> 1)) closeWindow();
  if (coefficientsDirty) updateCoefficients(coefficientMilliHz);
}

/** Windows a load below the fast threshold is accumulated before the creep decision (≈ 10 s). */
export const CREEP_WINDOWS: i32 = 10;
/** A window with |P| at least this many times the starting threshold registers at once. */
const FAST_FACTOR: i64 = 4;

/** The mains frequency over the crossings seen (mHz, rounded): crossings · rate / frames between them. */
function crossingMilliHz(): i64 {
  const framesQ16 = crossLastQ16 - crossRefQ16;
  if (framesQ16 <= 0) return 0;
  return divRound((<i64>crossCount * sampleRateMilliHz) << 16, framesQ16); // ≤ 75 · 2.1·10^7 · 2^16: fits
}
/** The coefficients' frequency follows the mains between 40 and 70 Hz. */
@inline function tunable(milliHz: i64): bool { return milliHz >= 40000 && milliHz <= 70000; }

/** √(mean square − noise variance) of a window's centred codes, 0 when the noise exceeds it. */
function rmsCodes(sumSq: i64, frames: i64, noiseVar: Scaled): Scaled {
  const meanSq = sSub(sRatio(sumSq, frames), noiseVar);
  return meanSq > 0 ? sSqrt(meanSq) : 0;
}

/** Irms of channel `ch` (mA) from its rms codes, its offset taken out in quadrature. */
function irmsOf(ch: i32, rms: Scaled): Scaled {
  const irms = sMulInt(sMul(rms, ampsPerCode(ch)), 1000);
  const offset = sInt(getI32(chIrmsOffsetMilliA, ch));
  return sLess(offset, irms) ? sSqrt(sSub(sMul(irms, irms), sMul(offset, offset))) : 0;
}

/**
 * Once a second: Vrms, frequency, and per channel P, S, PF, Irms (ADC noise removed in
 * quadrature), the error curve at this current, the conditions (over-range, under-voltage,
 * reverse energy) and the creep decision:
 * - |P| ≥ 4 × threshold (threshold = startThresholdPpm × Vrms × rated current): registers at once,
 *   with whatever was accumulated before;
 * - below: the windows' energy accumulates; after CREEP_WINDOWS windows it registers if its mean
 *   |P| reaches the threshold, else it is dropped (noise and crosstalk average out over 10 s).
 * Integers and scaled integers only (../util/scaled.ts): no f64 on a core without an FPU.
 */
function closeWindow(): void {
  const frames = <i64>windowFramesDone;
  // Mean removal per cycle keeps (N − 1)/N of the noise variance (N = frames per cycle).
  const kept = windowCycles > 0 ? sRatio(frames - <i64>windowCycles, frames) : sInt(1);
  const noiseVar = sMul(sRatio(<i64>noiseMilliLsb * <i64>noiseMilliLsb, 1000000), kept); // codes²
  const vrmsMilliV = sMulInt(sMul(rmsCodes(windowSumSqV, frames, noiseVar), voltsPerCode()), 1000);
  let frequencyMilliHz: i64 = 0;
  if (crossHaveRef && crossCount > 0) {
    frequencyMilliHz = crossingMilliHz();
    restartCrossings();
    // Follow the mains frequency with the phase-correction coefficients (0.01 Hz steps).
    const off = frequencyMilliHz - <i64>coefficientMilliHz;
    if (tunable(frequencyMilliHz) && (off > 10 || off < -10)) retuneCoefficients(<i32>frequencyMilliHz);
  }
  // No voltage (no zero crossings in the window, or below 10 % of nominal): what the clamps carry
  // is not energy delivered at this point, and noise correlated with a current would creep.
  const voltagePresent = frequencyMilliHz > 0 && !sLess(sMulInt(vrmsMilliV, 10), sInt(nominalMilliV));
  let conditions = 0;
  if (!voltagePresent) conditions |= COND_NO_VOLTAGE | COND_UNDER_VOLTAGE;
  else if (sLess(sMulInt(vrmsMilliV, 10), sInt(<i64>nominalMilliV * 8))) conditions |= COND_UNDER_VOLTAGE;
  // A centred code as far from the bias as the nearer ADC limit: the shell clipped (docs/board-abi.md).
  const limit = <i64>min(biasCode, (1 << adcBits) - 1 - biasCode);
  const clipSq = <i32>(limit * limit);
  if (windowPeakVV >= clipSq) conditions |= COND_OVER_RANGE;
  const milliWPerFine = sDiv(sInt(1), sMulInt(finePerMilliWFrame(), frames));
  for (let ch = 0; ch < ctChannelCount; ch++) {
    let flags = conditions;
    let energyFine = getI64(wnEnergyFine, ch) - biasRampFine(ch);
    const rmsI = rmsCodes(getI64(wnSumSqI, ch), frames, noiseVar);
    let irmsMilliA = irmsOf(ch, rmsI);
    if (getI32(cyPeakII, ch) >= clipSq) flags |= COND_OVER_RANGE;
    const maxMilliA = getI32(chMaxMilliA, ch);
    if (maxMilliA > 0 && sLess(sInt(maxMilliA), irmsMilliA)) flags |= COND_OVER_RANGE;
    setI32(cyPeakII, ch, 0);
    // The clamp's error at this window's current: new coefficients re-weigh this window too, so a
    // step in current is corrected from its first window on (the sums are the window's own).
    const oldA = getI64(chCoefA, ch), oldB = getI64(chCoefB, ch), oldX = getI64(chXtalkQ16, ch), oldDelay = getI32(chDelayVoltage, ch);
    if (followCurve(ch, sRound(irmsMilliA)) && oldDelay == getI32(chDelayVoltage, ch)) {
      energyFine += (getI64(chCoefA, ch) - oldA) * getI64(wnCovVI, ch) + (getI64(chCoefB, ch) - oldB) * getI64(wnCovLag, ch)
        - (((getI64(chXtalkQ16, ch) - oldX) * getI64(wnCovPrevious, ch)) >> 16);
      irmsMilliA = irmsOf(ch, rmsI);
    }
    setI64(wnCovVI, ch, 0); setI64(wnCovLag, ch, 0); setI64(wnCovPrevious, ch, 0);
    let realMilliW = sMul(sInt(energyFine), milliWPerFine);
    const apparentMilliVA = sDivInt(sMul(vrmsMilliV, irmsMilliA), 1000); // mV·mA = µVA
    // Vrms · rated current · ppm: mV · mA · 10^-6 / 10^3 = mW
    const thresholdMilliW = sMul(vrmsMilliV, sRatio(<i64>getI32(chRatedMilliA, ch) * <i64>startThresholdPpm, 1000000000));
    let registered: i64 = 0;
    if (!voltagePresent) {
      setI64(chPendingFine, ch, 0); setI32(chPendingWindows, ch, 0);
    } else if (!sLess(sAbs(realMilliW), sMulInt(thresholdMilliW, FAST_FACTOR))) {
      registered = energyFine + getI64(chPendingFine, ch);
      setI64(chPendingFine, ch, 0); setI32(chPendingWindows, ch, 0);
    } else {
      const pending = getI64(chPendingFine, ch) + energyFine;
      const windows = getI32(chPendingWindows, ch) + 1;
      if (windows >= CREEP_WINDOWS) {
        const meanMilliW = sDivInt(sMul(sInt(pending), milliWPerFine), windows);
        if (!sLess(sAbs(meanMilliW), thresholdMilliW)) registered = pending;
        setI64(chPendingFine, ch, 0); setI32(chPendingWindows, ch, 0);
      } else {
        setI64(chPendingFine, ch, pending); setI32(chPendingWindows, ch, windows);
      }
    }
    if (registered != 0) {
      registerEnergy(ch, registered);
      if (registered < 0 && getI32(chImportOnly, ch)) flags |= COND_REVERSE;
    }
    if (!voltagePresent || sLess(sAbs(realMilliW), thresholdMilliW)) realMilliW = 0;
    setI32(chConditions, ch, flags);
    setI64(outRealMilliW, ch, sRound(realMilliW));
    setI64(outApparentMilliVA, ch, sRound(apparentMilliVA));
    setI64(outIrmsMilliA, ch, sRound(irmsMilliA));
    setI32(chPowerFactorMilli, ch, apparentMilliVA > 0 ? <i32>sRound(sDiv(sMulInt(realMilliW, 1000), apparentMilliVA)) : 0);
    setI64(wnEnergyFine, ch, 0);
    setI64(wnSumSqI, ch, 0);
    setI64(wnSumI, ch, 0);
  }
  setWindowConditions(conditions);
  closeVoltageWindow(sRound(vrmsMilliV), frequencyMilliHz);
}

/**
 * Energy (fine units) that a drifting current bias added to this window: the bias slope comes
 * from the mean current code of this window and the previous one (about 1 s apart, so it is
 * nearly free of noise), times the voltage's ramp sum. Zero for the first window.
 */
function biasRampFine(ch: i32): i64 {
  const frames = <i64>windowFramesDone;
  const meanQ16 = (getI64(wnSumI, ch) << 16) / frames;
  const previousQ16 = getI64(chPrevMeanQ16, ch);
  setI64(chPrevMeanQ16, ch, meanQ16);
  if (previousQ16 == NO_MEAN || previousWindowFrames == 0) return 0;
  // slope (codes/frame) = Δmean / (½ (frames + previous frames)); energy = (A + B) · slope · ½ · ramp sum
  //   = (A + B) · Δmean · ramp sum / (frames + previous frames)
  const rampTimesMeanStepQ16 = sMul(sInt(meanQ16 - previousQ16), sRatio(windowRampV2, frames + <i64>previousWindowFrames));
  return sRound(sTimesPow2(sMulInt(rampTimesMeanStepQ16, getI64(chCoefA, ch) + getI64(chCoefB, ch)), -16));
}
