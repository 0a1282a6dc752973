// Per-sample path: integer adds and multiply-adds only, i32 sums per mains cycle.
// A block is cut into segments at voltage zero crossings. One pass per segment reads each
// frame's voltage (crossing detection, Σv, Σv², Σn·v) and the first CT column together; every
// further CT column takes its own pass over the segment. Sums live in locals during a pass and
// in memory between segments.
import {
  MAX_CT_CHANNELS, frameStrideBytes, biasCode, minCycleFrames, maxCycleFrames, hysteresisCodes, ctChannelCount, chDelayVoltage,
  cycleFrames, cycleSumV, cycleSumVV, cycleSumNV, vPrev, armed, zeroCode, cyclePeakVV, saveVoltageCycle,
  cySumVI, cySumLag, cySumI, cySumII, cyPeakII, chIPrev, getI32, setI32,
} from "./state";

export const BOUNDARY_NONE: i32 = 0;
export const BOUNDARY_CROSSING: i32 = 1; // rising zero crossing of the voltage
export const BOUNDARY_FORCED: i32 = 2;   // no crossing within maxCycleFrames (no voltage)

/**
 * Sample blocks end at or below this address (the firmware's ADC buffer ends far below it:
 * test/host/firmware-module.test.ts). The passes bound their end pointer by it, so the C translation sees that every load of a frame is inside the memory
 * and drops the per-load bounds check; an even stride and buffer address drop the alignment test.
 */
export const SAMPLES_END_LIMIT: usize = 0xFFE0;

/** Set by scanSegment: why the segment ended, and the crossing time (1/65536 frame). */
export let segmentBoundary: i32 = BOUNDARY_NONE;
export let crossingQ16: i64 = 0;

// @ts-ignore: decorator
@inline function evenStride(): usize { return frameStrideBytes & ~(<usize>1); }
// @ts-ignore: decorator
@inline function passEnd(ptr: usize, frame: i32, stride: usize): usize {
  return min(ptr + (<usize>frame) * stride, SAMPLES_END_LIMIT);
}

/**
 * From frame `from`, until the cycle ends or the block does: the voltage column and CT channel 0
 * (if any). Returns the index of the first frame not consumed (a crossing frame starts the next
 * cycle). `firstFrameIndex` is the absolute index of frame `from`, for the crossing time.
 */
export function scanSegment(ptr: usize, from: i32, frames: i32, firstFrameIndex: i64): i32 {
  const stride = evenStride();
  const bias = biasCode;
  const zero = zeroCode;
  const armBelow = zero - hysteresisCodes; // hysteresis: noise near zero cannot re-trigger
  const count0 = cycleFrames;
  // Frames this cycle may still take before it is closed by force (maxCycleFrames).
  let room = maxCycleFrames - count0;
  if (room < 1) room = 1;
  const stop = frames - from > room ? from + room : frames;
  let sumVV = cycleSumVV, prev = vPrev, isArmed = armed, peak = cyclePeakVV;
  // Σv of this segment and Σ of its running values: Σn·v follows from the two at the end
  // (two adds a frame instead of a multiply, an add and a count; exact in wrapping i32).
  let segV: i32 = 0, segRun: i32 = 0;
  const clamp = ctChannelCount > 0;
  const delayVoltage = clamp && getI32(chDelayVoltage, 0) != 0;
  let sumVI = getI32(cySumVI, 0), sumLag = getI32(cySumLag, 0), sumI = getI32(cySumI, 0), sumII = getI32(cySumII, 0);
  let iLast = getI32(chIPrev, 0), peakII = getI32(cyPeakII, 0);
  const start = ptr + (<usize>from) * stride;
  const end = passEnd(ptr, stop, stride);
  let p = start;
  segmentBoundary = BOUNDARY_NONE;
  while (p < end) {
    const v = <i32>load<u16>(p) - bias;
    if (v >= zero) {
      if (isArmed) {
        isArmed = false;
        const taken = <i32>((p - start) / stride);
        if (count0 + taken >= minCycleFrames) { // harmonics cannot split a cycle
          // Interpolate where the line prev→v crossed zero, for a sub-frame frequency.
          // (v − zero < 2¹² and v > prev here: exact in i32)
          const frac = ((v - zero) << 16) / (v - prev);
          crossingQ16 = ((firstFrameIndex + <i64>taken) << 16) - <i64>frac;
          segmentBoundary = BOUNDARY_CROSSING;
          break;
        }
      }
    } else if (v < armBelow) {
      isArmed = true;
    }
    segV += v;
    segRun += segV;
    const vv = v * v;
    sumVV += vv;
    if (vv > peak) peak = vv; // clipping / over-range: one compare
    // Channel 0. Without a clamp this reads the next frame's voltage (still inside the memory:
    // end < SAMPLES_END_LIMIT) and the sums are not kept: no branch per frame.
    const i = <i32>load<u16>(p, 2) - bias;
    sumVI += v * i;
    // Lagged product: v[n]·i[n−1] when the correction delays the current, v[n−1]·i[n] when it
    // delays the voltage.
    if (!delayVoltage) sumLag += v * iLast; else sumLag += prev * i;
    sumI += i;
    const ii = i * i;
    sumII += ii;
    if (ii > peakII) peakII = ii;
    iLast = i;
    prev = v;
    p += stride;
  }
  const taken = <i32>((p - start) / stride);
  const count = count0 + taken;
  if (segmentBoundary == BOUNDARY_NONE && count >= maxCycleFrames) segmentBoundary = BOUNDARY_FORCED;
  // Σ_{k<taken} (count0 + k)·v_k = count·segV − segRun
  saveVoltageCycle(count, cycleSumV + segV, sumVV, cycleSumNV + count * segV - segRun, prev, isArmed, peak);
  if (clamp) saveChannel(0, sumVI, sumLag, sumI, sumII, iLast, peakII);
  return from + taken;
}

function saveChannel(ch: i32, sumVI: i32, sumLag: i32, sumI: i32, sumII: i32, iLast: i32, peak: i32): void {
  setI32(cySumVI, ch, sumVI); setI32(cySumLag, ch, sumLag);
  setI32(cySumI, ch, sumI); setI32(cySumII, ch, sumII); setI32(chIPrev, ch, iLast); setI32(cyPeakII, ch, peak);
}

/** CT channels after the first, frames [from, to) of the segment; `vBefore` the voltage before `from`. */
export function accumulateOtherChannels(ptr: usize, from: i32, to: i32, vBefore: i32): void {
  for (let ch = 1; ch < ctChannelCount; ch++) accumulateChannel(ptr, ch, from, to, vBefore);
}

/** CT column `ch`, frames [from, to): the sums scanSegment makes for channel 0. */
function accumulateChannel(ptr: usize, ch: i32, from: i32, to: i32, vBefore: i32): void {
  const stride = evenStride();
  const bias = biasCode;
  const column = (<usize>((ch & (MAX_CT_CHANNELS - 1)) + 1)) << 1; // 2…8: the translation sees it stays in bounds
  const delayVoltage = getI32(chDelayVoltage, ch) != 0;
  let sumVI = getI32(cySumVI, ch), sumLag = getI32(cySumLag, ch);
  let sumI = getI32(cySumI, ch), sumII = getI32(cySumII, ch), iLast = getI32(chIPrev, ch), peak = getI32(cyPeakII, ch);
  let vLast = vBefore;
  let p = ptr + (<usize>from) * stride;
  const end = passEnd(ptr, to, stride);
  while (p < end) {
    const v = <i32>load<u16>(p) - bias;
    const i = <i32>load<u16>(p + column) - bias;
    sumVI += v * i;
    if (!delayVoltage) sumLag += v * iLast; else sumLag += vLast * i;
    sumI += i;
    const ii = i * i;
    sumII += ii;
    if (ii > peak) peak = ii;
    iLast = i;
    vLast = v;
    p += stride;
  }
  saveChannel(ch, sumVI, sumLag, sumI, sumII, iLast, peak);
}
