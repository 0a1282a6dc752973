// Per-sample path: integer adds and multiply-adds only, i32 sums per mains cycle.
// A block is cut into segments at voltage zero crossings; each segment is one scan of the
// voltage column (crossing detection, Σv, Σv²) and then one tight loop per CT column.
import {
  frameStrideBytes, biasCode, minCycleFrames, maxCycleFrames, hysteresisCodes,
  cycleFrames, cycleSumV, cycleSumVV, cycleSumNV, vPrev, armed, zeroCode, cyclePeakVV, saveVoltageCycle,
  cySumVI, cySumLag, cySumI, cySumII, cyPeakII, chIPrev, getI32, setI32,
} from "./state";

export const BOUNDARY_NONE: i32 = 0;
export const BOUNDARY_CROSSING: i32 = 1; // rising zero crossing of the voltage
export const BOUNDARY_FORCED: i32 = 2;   // no crossing within maxCycleFrames (no voltage)

/** Set by scanVoltage: why the segment ended, and the crossing time (1/65536 frame). */
export let segmentBoundary: i32 = BOUNDARY_NONE;
export let crossingQ16: i64 = 0;

/**
 * Accumulates the voltage column from frame `from` until the cycle ends or the block does;
 * returns the index of the first frame not consumed (a crossing frame starts the next cycle).
 * `firstFrameIndex` is the absolute index of frame `from`, for the crossing time.
 */
export function scanVoltage(ptr: usize, from: i32, frames: i32, firstFrameIndex: i64): i32 {
  const stride = frameStrideBytes;
  const bias = biasCode;
  const zero = zeroCode;
  const armBelow = zero - hysteresisCodes; // hysteresis: noise near zero cannot re-trigger
  const minLen = minCycleFrames;           // harmonics cannot split a cycle
  const maxLen = maxCycleFrames;
  let count = cycleFrames, sumV = cycleSumV, sumVV = cycleSumVV, sumNV = cycleSumNV, prev = vPrev, isArmed = armed, peak = cyclePeakVV;
  let p = ptr + (<usize>from) * stride;
  let n = from;
  segmentBoundary = BOUNDARY_NONE;
  while (n < frames) {
    const v = <i32>load<u16>(p) - bias;
    if (v >= zero) {
      if (isArmed) {
        isArmed = false;
        if (count >= minLen) {
          // Interpolate where the line prev→v crossed zero, for a sub-frame frequency.
          const frac = ((<i64>(v - zero)) << 16) / <i64>(v - prev);
          crossingQ16 = ((firstFrameIndex + <i64>(n - from)) << 16) - frac;
          segmentBoundary = BOUNDARY_CROSSING;
          break;
        }
      }
    } else if (v < armBelow) {
      isArmed = true;
    }
    sumV += v;
    const vv = v * v;
    sumVV += vv;
    if (vv > peak) peak = vv; // clipping / over-range: one compare
    sumNV += count * v;
    count++;
    prev = v;
    n++;
    p += stride;
    if (count >= maxLen) { segmentBoundary = BOUNDARY_FORCED; break; }
  }
  saveVoltageCycle(count, sumV, sumVV, sumNV, prev, isArmed, peak);
  return n;
}

/** CT column `ch`, frames [from, to): lagged product v[n]·i[n−1] (the correction delays the current). */
export function accumulateDelayCurrent(ptr: usize, ch: i32, from: i32, to: i32): void {
  const stride = frameStrideBytes;
  const bias = biasCode;
  const column = (<usize>(ch + 1)) << 1;
  let sumVI = getI32(cySumVI, ch), sumLag = getI32(cySumLag, ch);
  let sumI = getI32(cySumI, ch), sumII = getI32(cySumII, ch), iLast = getI32(chIPrev, ch), peak = getI32(cyPeakII, ch);
  let p = ptr + (<usize>from) * stride;
  const end = ptr + (<usize>to) * stride;
  while (p < end) {
    const v = <i32>load<u16>(p) - bias;
    const i = <i32>load<u16>(p + column) - bias;
    sumVI += v * i;
    sumLag += v * iLast;
    sumI += i;
    const ii = i * i;
    sumII += ii;
    if (ii > peak) peak = ii;
    iLast = i;
    p += stride;
  }
  setI32(cySumVI, ch, sumVI); setI32(cySumLag, ch, sumLag);
  setI32(cySumI, ch, sumI); setI32(cySumII, ch, sumII); setI32(chIPrev, ch, iLast); setI32(cyPeakII, ch, peak);
}

/** CT column `ch`, frames [from, to): lagged product v[n−1]·i[n] (the correction delays the voltage). */
export function accumulateDelayVoltage(ptr: usize, ch: i32, from: i32, to: i32, vBefore: i32): void {
  const stride = frameStrideBytes;
  const bias = biasCode;
  const column = (<usize>(ch + 1)) << 1;
  let sumVI = getI32(cySumVI, ch), sumLag = getI32(cySumLag, ch);
  let sumI = getI32(cySumI, ch), sumII = getI32(cySumII, ch), iLast = 0, peak = getI32(cyPeakII, ch);
  let vLast = vBefore;
  let p = ptr + (<usize>from) * stride;
  const end = ptr + (<usize>to) * stride;
  while (p < end) {
    const v = <i32>load<u16>(p) - bias;
    const i = <i32>load<u16>(p + column) - bias;
    sumVI += v * i;
    sumLag += vLast * i;
    sumI += i;
    const ii = i * i;
    sumII += ii;
    if (ii > peak) peak = ii;
    iLast = i;
    vLast = v;
    p += stride;
  }
  setI32(cySumVI, ch, sumVI); setI32(cySumLag, ch, sumLag);
  setI32(cySumI, ch, sumI); setI32(cySumII, ch, sumII); setI32(cyPeakII, ch, peak);
  if (to > from) setI32(chIPrev, ch, iLast);
}
