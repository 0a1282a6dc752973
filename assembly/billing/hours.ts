// Operating and error time, and the info-code register (docs/billing.md): current bits (the
// condition now) and latched bits (seen since the last billing date). Conditions come from the
// status flags and, per heat circuit, from its temperatures and flow: sensor swap suspected
// (return warmer than supply by 0.5 K for an hour), no flow (no flow pulse for 24 h while supply
// is 5 K above return), continuous flow (flow in every one of 24 whole hours: a leak).
import { statusFlags, statusSet, statusClear, STATUS_SENSOR_FAULT, STATUS_UNDER_VOLTAGE, STATUS_OVER_RANGE, STATUS_STORE_CORRUPT, STATUS_INFO_CODE } from "../status";
import { MAX_HEAT } from "../board/descriptor";
import { heatChannelPresent, heatVolumeMilliL, heatSupplyMilliC, heatReturnMilliC, heatReadingValid } from "../heat/meter";

export const INFO_SENSOR_SWAP: u32 = 1 << 0;
export const INFO_NO_FLOW: u32 = 1 << 1;
export const INFO_CONTINUOUS_FLOW: u32 = 1 << 2;
export const INFO_OVER_RANGE: u32 = 1 << 3;
export const INFO_VOLTAGE_ABSENT: u32 = 1 << 4;
export const INFO_STORE_DAMAGE: u32 = 1 << 5;
export const INFO_SENSOR_FAULT: u32 = 1 << 6;

const HOUR_US: i64 = 3_600_000_000;
const SWAP_US: i64 = HOUR_US;
const NO_FLOW_US: i64 = 24 * HOUR_US;
const LEAK_HOURS: i32 = 24;
const SWAP_MILLIK: i32 = 500;
const NO_FLOW_DT_MILLIK: i32 = 5000;

export let onSeconds: u32 = 0;
export let errorSeconds: u32 = 0;
export let infoCurrent: u32 = 0;
export let infoLatched: u32 = 0;
let onRemainderUs: i64 = 0;
let errorRemainderUs: i64 = 0;
let lastUs: i64 = -1;
// Per heat circuit: since when the return is warmer; last flow; consecutive hours with flow.
const swapSinceUs = memory.data(8 * MAX_HEAT, 8);
const lastFlowUs = memory.data(8 * MAX_HEAT, 8);
const lastVolume = memory.data(8 * MAX_HEAT, 8);
const hourMarkUs = memory.data(8 * MAX_HEAT, 8);
const hourMarkVolume = memory.data(8 * MAX_HEAT, 8);
const flowHours = memory.data(4 * MAX_HEAT, 4);
const circuitBits = memory.data(4 * MAX_HEAT, 4);

export function hoursInit(nowUs: i64): void {
  onRemainderUs = 0;
  errorRemainderUs = 0;
  lastUs = nowUs;
  infoCurrent = 0;
  for (let c = 0; c < MAX_HEAT; c++) {
    const o = <usize>c << 3;
    store<i64>(swapSinceUs + o, -1);
    store<i64>(lastFlowUs + o, nowUs);
    store<i64>(lastVolume + o, heatVolumeMilliL(c));
    store<i64>(hourMarkUs + o, nowUs);
    store<i64>(hourMarkVolume + o, heatVolumeMilliL(c));
    store<i32>(flowHours + (<usize>c << 2), 0);
    store<u32>(circuitBits + (<usize>c << 2), 0);
  }
}

/** Restored from the newest billing record at start-up. */
export function hoursRestore(on: u32, error: u32, latched: u32): void {
  onSeconds = on;
  errorSeconds = error;
  infoLatched = latched;
}

function circuit(c: i32, nowUs: i64): u32 {
  const o = <usize>c << 3;
  let bits = load<u32>(circuitBits + (<usize>c << 2)) & INFO_CONTINUOUS_FLOW;
  const volume = heatVolumeMilliL(c);
  if (volume != load<i64>(lastVolume + o)) { store<i64>(lastVolume + o, volume); store<i64>(lastFlowUs + o, nowUs); }
  if (heatReadingValid(c)) {
    const dt = heatSupplyMilliC(c) - heatReturnMilliC(c);
    if (dt < -SWAP_MILLIK) {
      if (load<i64>(swapSinceUs + o) < 0) store<i64>(swapSinceUs + o, nowUs);
      if (nowUs - load<i64>(swapSinceUs + o) >= SWAP_US) bits |= INFO_SENSOR_SWAP;
    } else {
      store<i64>(swapSinceUs + o, -1);
    }
    if (dt >= NO_FLOW_DT_MILLIK && nowUs - load<i64>(lastFlowUs + o) >= NO_FLOW_US) bits |= INFO_NO_FLOW;
  }
  // Whole hours of uptime: flow in every one of the last 24 is a leak (or a stuck valve).
  if (nowUs - load<i64>(hourMarkUs + o) >= HOUR_US) {
    const p = flowHours + (<usize>c << 2);
    const flowed = volume > load<i64>(hourMarkVolume + o);
    store<i32>(p, flowed ? load<i32>(p) + 1 : 0);
    store<i64>(hourMarkUs + o, load<i64>(hourMarkUs + o) + HOUR_US);
    store<i64>(hourMarkVolume + o, volume);
    bits = load<i32>(p) >= LEAK_HOURS ? bits | INFO_CONTINUOUS_FLOW : bits & ~INFO_CONTINUOUS_FLOW;
  }
  store<u32>(circuitBits + (<usize>c << 2), bits);
  return bits;
}

export function hoursTick(nowUs: i64): void {
  const dt = lastUs < 0 || nowUs < lastUs ? 0 : nowUs - lastUs;
  lastUs = nowUs;
  const flags = statusFlags();
  let bits: u32 = 0;
  if (flags & STATUS_OVER_RANGE) bits |= INFO_OVER_RANGE;
  if (flags & STATUS_UNDER_VOLTAGE) bits |= INFO_VOLTAGE_ABSENT;
  if (flags & STATUS_STORE_CORRUPT) bits |= INFO_STORE_DAMAGE;
  if (flags & STATUS_SENSOR_FAULT) bits |= INFO_SENSOR_FAULT;
  for (let c = 0; c < MAX_HEAT; c++) if (heatChannelPresent(c)) bits |= circuit(c, nowUs);
  infoCurrent = bits;
  infoLatched |= bits;
  if (bits != 0) statusSet(STATUS_INFO_CODE); else statusClear(STATUS_INFO_CODE);
  onRemainderUs += dt;
  onSeconds += <u32>(onRemainderUs / 1_000_000);
  onRemainderUs %= 1_000_000;
  if (flags & (STATUS_SENSOR_FAULT | STATUS_UNDER_VOLTAGE | STATUS_OVER_RANGE)) {
    errorRemainderUs += dt;
    errorSeconds += <u32>(errorRemainderUs / 1_000_000);
    errorRemainderUs %= 1_000_000;
  }
}

/** After the monthly record: the latched bits start again from the current ones. */
export function hoursNewPeriod(): void { infoLatched = infoCurrent; }
