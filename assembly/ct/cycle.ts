// Per-cycle evaluation (integers) and the once-a-second window evaluation (display values,
// starting threshold, registers). Energy is summed per whole mains cycle and registered per
// window of whole cycles: every sample counts exactly once, a partial cycle adds no ripple.
import {
  ctChannelCount, sampleRateHz, minCycleFrames, cycleFrames, cycleSumV, cycleSumVV, cycleSumNV, vPrev, vBeforeCycle,
  windowFrames, windowFramesDone, windowSumSqV, windowRampV2, previousWindowFrames, NO_MEAN, coefficientsDirty, coefficientHz, startThresholdPpm, frequencyTuned, setFrequencyTuned,
  crossHaveRef, crossCount, crossRefQ16, crossLastQ16,
  startVoltageCycle, noteCrossing, loseCrossings, restartCrossings, addVoltageWindow, closeVoltageWindow,
  cySumVI, cySumLag, cySumI, cySumII, chIPrev, chIBeforeCycle, chDelayVoltage, chCoefA, chCoefB,
  chOffsetFinePerFrame, chRatedMilliA, chIrmsOffsetMilliA, chPowerFactorMilli,
  wnEnergyFine, wnSumSqI, wnSumI, chPrevMeanQ16, outRealMilliW, outApparentMilliVA, outIrmsMilliA,
  getI32, setI32, getI64, setI64, retuneCoefficients,
} from "./state";
import { BOUNDARY_CROSSING } from "./sample";
import { updateCoefficients, voltsPerCode, ampsPerCode, finePerMilliWFrame } from "./calibration";
import { registerEnergy } from "./registers";

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
  addVoltageWindow(<i32>n, (n * <i64>cycleSumVV - sumV * sumV) / n, ramp2);
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
    const energyFine = (getI64(chCoefA, ch) * covVI + getI64(chCoefB, ch) * covLag) / n
      - getI64(chOffsetFinePerFrame, ch) * n;
    setI64(wnEnergyFine, ch, getI64(wnEnergyFine, ch) + energyFine);
    setI64(wnSumSqI, ch, getI64(wnSumSqI, ch) + (n * <i64>getI32(cySumII, ch) - sumI * sumI) / n);
    setI64(wnSumI, ch, getI64(wnSumI, ch) + sumI);
    setI32(cySumVI, ch, 0); setI32(cySumLag, ch, 0); setI32(cySumI, ch, 0); setI32(cySumII, ch, 0);
    setI32(chIBeforeCycle, ch, getI32(chIPrev, ch));
  }
  if (boundary == BOUNDARY_CROSSING) {
    noteCrossing(crossingQ16);
    // Tune the phase correction to the mains frequency after three crossings instead of
    // waiting for the first window (a 60 Hz supply would otherwise start on 50 Hz coefficients).
    if (!frequencyTuned && crossCount >= 2) {
      const hz = <f64>crossCount * <f64>sampleRateHz * 65536.0 / <f64>(crossLastQ16 - crossRefQ16);
      if (hz >= 40.0 && hz <= 70.0) retuneCoefficients(hz);
      setFrequencyTuned();
    }
  } else {
    loseCrossings();
  }
  // The next crossing is detected against this cycle's mean voltage (the tracked bias).
  const mean = sumV >= 0 ? (sumV + (n >> 1)) / n : -((-sumV + (n >> 1)) / n);
  startVoltageCycle(<i32>mean);
  // A window is the whole cycles reaching (sample rate − half the shortest cycle) frames: 50 cycles
  // at 50 Hz, 60 at 60 Hz, ending on the same crossing every second. (With "≥ sample rate" a crossing
  // that noise moves one frame earlier would add a cycle, and window ends would wander through the second.)
  if (windowFramesDone >= windowFrames - (minCycleFrames >> 1)) closeWindow();
  if (coefficientsDirty) updateCoefficients(coefficientHz);
}

/** Once a second: Vrms, frequency, and per channel P, S, PF, Irms, the starting threshold, registers. */
function closeWindow(): void {
  const frames = <f64>windowFramesDone;
  const vrmsMilliV = Math.sqrt(<f64>windowSumSqV / frames) * voltsPerCode() * 1000.0;
  let frequencyMilliHz: f64 = 0;
  if (crossHaveRef && crossCount > 0) {
    frequencyMilliHz = <f64>crossCount * <f64>sampleRateHz * 1000.0 * 65536.0 / <f64>(crossLastQ16 - crossRefQ16);
    restartCrossings();
    const hz = frequencyMilliHz / 1000.0;
    // Follow the mains frequency with the phase-correction coefficients (0.01 Hz steps).
    if (hz >= 40.0 && hz <= 70.0 && Math.abs(hz - coefficientHz) > 0.01) retuneCoefficients(hz);
  }
  // No voltage (no zero crossings in the window, e.g. the mains reference is off or below the
  // crossing hysteresis): what the clamps carry is not energy delivered at this point, and the
  // correlation of ADC noise with a current would creep. Nothing registers.
  const voltagePresent = frequencyMilliHz > 0;
  const milliWPerFine = 1.0 / (frames * finePerMilliWFrame());
  for (let ch = 0; ch < ctChannelCount; ch++) {
    const energyFine = getI64(wnEnergyFine, ch) - biasRampFine(ch);
    let realMilliW = <f64>energyFine * milliWPerFine;
    let irmsMilliA = Math.sqrt(<f64>getI64(wnSumSqI, ch) / frames) * ampsPerCode(ch) * 1000.0;
    const irmsOffset = <f64>getI32(chIrmsOffsetMilliA, ch);
    irmsMilliA = irmsMilliA > irmsOffset ? Math.sqrt(irmsMilliA * irmsMilliA - irmsOffset * irmsOffset) : 0.0;
    const apparentMilliVA = vrmsMilliV * irmsMilliA / 1000.0; // mV·mA = µVA
    // No-load creep: |P| below startThresholdPpm of Vrms × rated current registers nothing.
    const thresholdMilliW = vrmsMilliV / 1000.0 * <f64>getI32(chRatedMilliA, ch) / 1000.0 * <f64>startThresholdPpm / 1e6 * 1000.0;
    if (voltagePresent && Math.abs(realMilliW) >= thresholdMilliW && energyFine != 0) registerEnergy(ch, energyFine);
    else realMilliW = 0;
    setI64(outRealMilliW, ch, <i64>Math.round(realMilliW));
    setI64(outApparentMilliVA, ch, <i64>Math.round(apparentMilliVA));
    setI64(outIrmsMilliA, ch, <i64>Math.round(irmsMilliA));
    setI32(chPowerFactorMilli, ch, apparentMilliVA > 0 ? <i32>Math.round(1000.0 * realMilliW / apparentMilliVA) : 0);
    setI64(wnEnergyFine, ch, 0);
    setI64(wnSumSqI, ch, 0);
    setI64(wnSumI, ch, 0);
  }
  closeVoltageWindow(<i64>Math.round(vrmsMilliV), <i64>Math.round(frequencyMilliHz));
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
  const slopeCodesPerFrame = <f64>(meanQ16 - previousQ16) / 65536.0 / (0.5 * <f64>(frames + <i64>previousWindowFrames));
  const coefficient = <f64>(getI64(chCoefA, ch) + getI64(chCoefB, ch));
  return <i64>Math.round(coefficient * slopeCodesPerFrame * 0.5 * <f64>windowRampV2);
}
