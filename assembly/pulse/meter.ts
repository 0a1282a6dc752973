// Pulse metering: counts accepted rising edges, integrates energy exactly in integers and
// derives power from the interval between pulses.
import { getI64, setI64 } from "../util/mem";
import { MAX_PULSE, KIND_PULSE, channelPresent, channelParam } from "../board/descriptor";
import {
  ACTION_RISE, EVENT_REFUSED, filterReset, filterSettle, filterEvent, filterSetTime, filterTimeUs,
  filterLastEdgeUs, acceptedStartUs, filterPendingSinceUs, filterAcceptedLevel,
} from "./filter";

const PARAM_FILTER_US: i32 = 0;
const PARAM_MICRO_WH_PER_PULSE: i32 = 1;

export const DEFAULT_TIMEOUT_S: i64 = 300;
const MICRO_WH_PER_KWH: i64 = 1_000_000_000;

const pulseCount = memory.data(8 * MAX_PULSE);
const energyMicroWh = memory.data(8 * MAX_PULSE);
// Energy per pulse as a fraction numerator/denominator µWh, so 1/800 kWh or 1/375 kWh stay
// exact: the remainder of every division is carried to the next pulse.
const perPulseNumerator = memory.data(8 * MAX_PULSE);
const perPulseDenominator = memory.data(8 * MAX_PULSE);
const energyRemainder = memory.data(8 * MAX_PULSE);
const lastPulseUs = memory.data(8 * MAX_PULSE);
const lastIntervalUs = memory.data(8 * MAX_PULSE);
const timeoutUs = memory.data(8 * MAX_PULSE);

export function pulseChannelPresent(ch: i32): bool {
  return channelPresent(KIND_PULSE, ch);
}

/** Start-up: defaults from the board descriptor, registers at zero. */
export function pulseInit(): void {
  for (let ch = 0; ch < MAX_PULSE; ch++) {
    filterReset(ch, <i64>channelParam(KIND_PULSE, ch, PARAM_FILTER_US));
    setI64(pulseCount, ch, 0);
    setI64(energyMicroWh, ch, 0);
    setI64(energyRemainder, ch, 0);
    setI64(perPulseNumerator, ch, <i64>channelParam(KIND_PULSE, ch, PARAM_MICRO_WH_PER_PULSE));
    setI64(perPulseDenominator, ch, 1);
    setI64(lastPulseUs, ch, -1);
    setI64(lastIntervalUs, ch, 0);
    setI64(timeoutUs, ch, DEFAULT_TIMEOUT_S * 1_000_000);
  }
}

function countPulse(ch: i32, edgeUs: i64): void {
  setI64(pulseCount, ch, getI64(pulseCount, ch) + 1);
  const den = getI64(perPulseDenominator, ch);
  const acc = getI64(energyRemainder, ch) + getI64(perPulseNumerator, ch);
  setI64(energyMicroWh, ch, getI64(energyMicroWh, ch) + acc / den);
  setI64(energyRemainder, ch, acc % den);
  const previous = getI64(lastPulseUs, ch);
  setI64(lastIntervalUs, ch, previous < 0 ? 0 : edgeUs - previous);
  setI64(lastPulseUs, ch, edgeUs);
}

function settle(ch: i32, nowUs: i64): void {
  if (filterSettle(ch, nowUs) == ACTION_RISE) countPulse(ch, acceptedStartUs);
}

/**
 * One event from the board: an edge, or (`powerUpLevel`) the level read at power-up, which is
 * only taken before any other event. False if refused (dropped; nothing else changes).
 */
export function pulseEdge(ch: i32, timeUs: i64, level: i32, powerUpLevel: bool): bool {
  const action = pulseChannelPresent(ch) ? filterEvent(ch, timeUs, level, powerUpLevel) : EVENT_REFUSED;
  if (action == EVENT_REFUSED) return false;
  if (action == ACTION_RISE) countPulse(ch, acceptedStartUs);
  return true;
}

/** Time has passed with no edge: accept levels that are now steady long enough. */
export function pulseAdvance(nowUs: i64): void {
  for (let ch = 0; ch < MAX_PULSE; ch++) {
    if (pulseChannelPresent(ch) && nowUs >= filterLastEdgeUs(ch)) settle(ch, nowUs);
  }
}

export function pulseCountOf(ch: i32): i64 { return getI64(pulseCount, ch); }
export function pulseEnergyMicroWh(ch: i32): i64 { return getI64(energyMicroWh, ch); }

/**
 * Power in mW from the last interval between pulses, each pulse stamped at the first edge of
 * its rise (contact bounce after it does not move the stamp). When no pulse has come for longer than
 * that interval, the elapsed time bounds the power from above, so it decays smoothly; after
 * the timeout it is zero. A single pulse after start-up gives no interval and no power.
 */
export function pulsePowerMilliW(ch: i32, nowUs: i64): i64 {
  const last = getI64(lastPulseUs, ch);
  const interval = getI64(lastIntervalUs, ch);
  if (last < 0 || interval <= 0) return 0;
  // A rise already seen but still being filtered is the next pulse: the elapsed-time bound stops
  // at its first edge, so the power does not dip for the filter time on a steady train.
  const pending = filterPendingSinceUs(ch);
  const since = (pending > last && filterAcceptedLevel(ch) == 0 ? pending : nowUs) - last;
  if (nowUs - last >= getI64(timeoutUs, ch)) return 0;
  const span = since > interval ? since : interval;
  // P[mW] = E[µWh] · 3.6e6 / Δt[µs]; E per pulse is num/den µWh.
  return getI64(perPulseNumerator, ch) * 3_600_000 / (getI64(perPulseDenominator, ch) * span);
}

// Configuration (changed through the console). Each setter assumes a validated value.
export function pulseSetMicroWhPerPulse(ch: i32, microWh: i64): void {
  pulseSetFraction(ch, microWh, 1);
}
export function pulseSetPulsesPerKWh(ch: i32, pulses: i64): void {
  pulseSetFraction(ch, MICRO_WH_PER_KWH, pulses);
}
export function pulsePerPulseNumerator(ch: i32): i64 { return getI64(perPulseNumerator, ch); }
export function pulsePerPulseDenominator(ch: i32): i64 { return getI64(perPulseDenominator, ch); }
export function pulseSetFilterUs(ch: i32, us: i64): void { filterSetTime(ch, us); }
export function pulseFilterUs(ch: i32): i64 { return filterTimeUs(ch); }
export function pulseSetTimeoutUs(ch: i32, us: i64): void { setI64(timeoutUs, ch, us); }
export function pulseTimeoutUs(ch: i32): i64 { return getI64(timeoutUs, ch); }

/** Start-up: persisted values back (assembly/store). The power interval starts afresh. */
export function pulseRestoreEnergy(ch: i32, microWh: i64): void { setI64(energyMicroWh, ch, microWh); }
export function pulseRestoreCount(ch: i32, count: i64): void { setI64(pulseCount, ch, count); }

/** Energy per pulse as numerator/denominator µWh (configuration store). */
export function pulseSetFraction(ch: i32, numerator: i64, denominator: i64): void {
  setI64(perPulseNumerator, ch, numerator);
  setI64(perPulseDenominator, ch, denominator);
  // The remainder counts 1/denominator µWh: with a new fraction it means nothing (< 1 µWh lost).
  setI64(energyRemainder, ch, 0);
}
