// Heat circuits (EN 1434 calculator): each accepted flow pulse adds its volume, and the energy
// k(Θf, Θr)·ΔΘ·ΔV at the latest temperature pair, to heat (supply warmer) or cool (return
// warmer). Energy is summed in nJ with the remainder carried, so registers have no bias.
// Allocation-free: every table lives in static data. See docs/heat.md.
import { getI32, setI32, getI64, setI64 } from "../util/mem";
import { MAX_HEAT, KIND_HEAT, channelPresent, channelParam, channelFlags } from "../board/descriptor";
import {
  ACTION_RISE, EVENT_REFUSED, FLOW_FILTER_FIRST, filterReset, filterEvent, filterSettle,
  filterLastEdgeUs, acceptedEdgeUs,
} from "../pulse/filter";
import { DEFAULT_TIMEOUT_S } from "../pulse/meter";
import { heatEnergyNanoJ, temperatureValid, HEAT_MIN_KPA, HEAT_MAX_KPA, NANO_J_PER_MICRO_WH } from "./coefficient";
import { statusSet, statusClear, STATUS_SENSOR_FAULT } from "../status";
import { boardTimeUs } from "../abi/board";

/** Pulse-event input number of heat1's flow input (docs/board-abi.md); heat2 is the next one. */
export const FLOW_INPUT_FIRST: i32 = 8;

/** Default cut-off: |ΔΘ| below 0.2 K counts volume but no energy (sensor-pair noise at zero flow of heat). */
export const DEFAULT_CUTOFF_MILLIK: i32 = 200;
/** Default declared ΔΘmin of the accuracy class (EN 1434: the smallest ΔΘ the class limits hold for). */
export const DEFAULT_DTMIN_MILLIK: i32 = 3000;

const PARAM_MILLILITRES_PER_PULSE: i32 = 0;
const PARAM_PRESSURE_KPA: i32 = 1;
const PARAM_FILTER_US: i32 = 2;
const FLAG_FLOW_IN_SUPPLY: i32 = 1;

// What the circuit knows about its temperature pair.
const READING_NONE: i32 = 0; // nothing received since start-up: volume only, no fault raised
const READING_VALID: i32 = 1;
const READING_FAULT: i32 = 2; // open/shorted sensor or out of 2..150 °C: volume only, flag raised
/** A pair older than this is stale (the sensor front end stopped reporting): treated as a fault. */
export const STALE_READING_US: i64 = 30_000_000;

const volumeMilliL = memory.data(8 * MAX_HEAT);
const heatMicroWh = memory.data(8 * MAX_HEAT);
const coolMicroWh = memory.data(8 * MAX_HEAT);
const heatRemainderNanoJ = memory.data(8 * MAX_HEAT);
const coolRemainderNanoJ = memory.data(8 * MAX_HEAT);
const lastPulseUs = memory.data(8 * MAX_HEAT);
const lastIntervalUs = memory.data(8 * MAX_HEAT);
const lastPulseNanoJ = memory.data(8 * MAX_HEAT); // signed: < 0 cooling
const millilitresPerPulse = memory.data(8 * MAX_HEAT);
const supplyMilliC = memory.data(4 * MAX_HEAT);
const returnMilliC = memory.data(4 * MAX_HEAT);
const reading = memory.data(4 * MAX_HEAT);
const readingUs = memory.data(8 * MAX_HEAT);
const pressureKPa = memory.data(4 * MAX_HEAT);
const cutoffMilliK = memory.data(4 * MAX_HEAT);
const dtminMilliK = memory.data(4 * MAX_HEAT);

// The tick's fast path: no reading turns stale before staleDueUs (i64.MAX_VALUE: none is valid).
let staleDueUs: i64 = i64.MAX_VALUE;
/** Earliest time heatAdvance may find a stale reading. */
export function heatStaleDueUs(): i64 { return staleDueUs; }

export function heatChannelPresent(c: i32): bool {
  return channelPresent(KIND_HEAT, c);
}

/** Start-up: defaults from the board descriptor, registers at zero. */
export function heatInit(): void {
  for (let c = 0; c < MAX_HEAT; c++) {
    filterReset(FLOW_FILTER_FIRST + c, <i64>channelParam(KIND_HEAT, c, PARAM_FILTER_US));
    setI64(volumeMilliL, c, 0);
    setI64(heatMicroWh, c, 0);
    setI64(coolMicroWh, c, 0);
    setI64(heatRemainderNanoJ, c, 0);
    setI64(coolRemainderNanoJ, c, 0);
    setI64(lastPulseUs, c, -1);
    setI64(lastIntervalUs, c, 0);
    setI64(lastPulseNanoJ, c, 0);
    setI64(millilitresPerPulse, c, <i64>channelParam(KIND_HEAT, c, PARAM_MILLILITRES_PER_PULSE));
    setI32(reading, c, READING_NONE);
    // The tables cover 6..25 bar; the board schema refuses others, this only guards a raw descriptor.
    // (Outside that span k moves by < 0.03 % at heating temperatures, so clamping is the safe fallback.)
    const kPa = channelParam(KIND_HEAT, c, PARAM_PRESSURE_KPA);
    setI32(pressureKPa, c, kPa < HEAT_MIN_KPA ? HEAT_MIN_KPA : kPa > HEAT_MAX_KPA ? HEAT_MAX_KPA : kPa);
    setI32(cutoffMilliK, c, DEFAULT_CUTOFF_MILLIK);
    setI32(dtminMilliK, c, DEFAULT_DTMIN_MILLIK);
  }
  staleDueUs = i64.MAX_VALUE;
  statusClear(STATUS_SENSOR_FAULT);
}

// Whole µWh into the register, the rest stays in nJ for the next pulse.
function addEnergy(register: usize, remainder: usize, c: i32, nanoJ: i64): void {
  const acc = getI64(remainder, c) + nanoJ;
  setI64(register, c, getI64(register, c) + acc / NANO_J_PER_MICRO_WH);
  setI64(remainder, c, acc % NANO_J_PER_MICRO_WH);
}

function countFlowPulse(c: i32, edgeUs: i64): void {
  const mL = getI64(millilitresPerPulse, c);
  setI64(volumeMilliL, c, getI64(volumeMilliL, c) + mL);
  let nanoJ: i64 = 0;
  if (getI32(reading, c) == READING_VALID) {
    const s = getI32(supplyMilliC, c);
    const r = getI32(returnMilliC, c);
    const dMilliK = s > r ? s - r : r - s;
    if (dMilliK >= getI32(cutoffMilliK, c)) {
      nanoJ = heatEnergyNanoJ(s, r, mL, heatFlowInSupply(c), getI32(pressureKPa, c));
    }
  }
  if (nanoJ > 0) addEnergy(heatMicroWh, heatRemainderNanoJ, c, nanoJ);
  else if (nanoJ < 0) addEnergy(coolMicroWh, coolRemainderNanoJ, c, -nanoJ);
  const previous = getI64(lastPulseUs, c);
  setI64(lastIntervalUs, c, previous < 0 ? 0 : edgeUs - previous);
  setI64(lastPulseUs, c, edgeUs);
  setI64(lastPulseNanoJ, c, nanoJ);
}

/** An edge (or power-up level) of circuit `c`'s flow input; false if refused. */
export function heatFlowEdge(c: i32, timeUs: i64, level: i32, powerUpLevel: bool): bool {
  const action = heatChannelPresent(c) ? filterEvent(FLOW_FILTER_FIRST + c, timeUs, level, powerUpLevel) : EVENT_REFUSED;
  if (action == EVENT_REFUSED) return false;
  if (action == ACTION_RISE) countFlowPulse(c, acceptedEdgeUs);
  return true;
}

/** Time has passed with no edge: accept flow levels that are now steady long enough. */
export function heatAdvance(nowUs: i64): void {
  let staleDue = i64.MAX_VALUE;
  for (let c = 0; c < MAX_HEAT; c++) {
    // Never meter with an old pair: a silent sensor front end is a fault, not the last value.
    if (getI32(reading, c) == READING_VALID) {
      if (nowUs - getI64(readingUs, c) > STALE_READING_US) {
        setI32(reading, c, READING_FAULT);
        refreshFaultFlag();
      } else {
        staleDue = min(staleDue, getI64(readingUs, c) + STALE_READING_US + 1);
      }
    }
    const slot = FLOW_FILTER_FIRST + c;
    if (heatChannelPresent(c) && nowUs >= filterLastEdgeUs(slot) && filterSettle(slot, nowUs) == ACTION_RISE) {
      countFlowPulse(c, acceptedEdgeUs);
    }
  }
  staleDueUs = staleDue;
}

/**
 * A temperature pair for circuit `c` (m°C). An impossible reading is kept as a fault: energy
 * stops (volume still counts) and STATUS_SENSOR_FAULT is up while any circuit is in fault.
 * False (nothing changed) if the board has no such circuit.
 */
export function heatTemperatures(c: i32, supply: i32, ret: i32): bool {
  if (!heatChannelPresent(c)) return false;
  setI32(supplyMilliC, c, supply);
  setI32(returnMilliC, c, ret);
  setI32(reading, c, temperatureValid(supply) && temperatureValid(ret) ? READING_VALID : READING_FAULT);
  const now = boardTimeUs();
  setI64(readingUs, c, now);
  staleDueUs = min(staleDueUs, now + STALE_READING_US + 1); // (early for a fault: harmless)
  refreshFaultFlag();
  return true;
}

/** STATUS_SENSOR_FAULT is up while any circuit is in fault. */
function refreshFaultFlag(): void {
  let fault = false;
  for (let i = 0; i < MAX_HEAT; i++) fault = fault || getI32(reading, i) == READING_FAULT;
  if (fault) statusSet(STATUS_SENSOR_FAULT);
  else statusClear(STATUS_SENSOR_FAULT);
}

export function heatEnergyHeatMicroWh(c: i32): i64 { return getI64(heatMicroWh, c); }
export function heatEnergyCoolMicroWh(c: i32): i64 { return getI64(coolMicroWh, c); }
export function heatVolumeMilliL(c: i32): i64 { return getI64(volumeMilliL, c); }
export function heatSensorFault(c: i32): bool { return getI32(reading, c) == READING_FAULT; }

/**
 * Thermal power in mW from the last flow pulse's energy over the interval before it (< 0 when
 * cooling); decays like pulse power when pulses stop and is 0 after the timeout (300 s).
 */
export function heatPowerMilliW(c: i32, nowUs: i64): i64 {
  const last = getI64(lastPulseUs, c);
  const interval = getI64(lastIntervalUs, c);
  if (last < 0 || interval <= 0) return 0;
  const since = nowUs - last;
  if (since >= DEFAULT_TIMEOUT_S * 1_000_000) return 0;
  // nJ / µs = mW
  return getI64(lastPulseNanoJ, c) / (since > interval ? since : interval);
}

// Configuration (changed through the console). Each setter assumes a validated value.
export function heatSetCutoffMilliK(c: i32, mK: i32): void { setI32(cutoffMilliK, c, mK); }
export function heatCutoffMilliK(c: i32): i32 { return getI32(cutoffMilliK, c); }
export function heatSetDtminMilliK(c: i32, mK: i32): void { setI32(dtminMilliK, c, mK); }
export function heatDtminMilliK(c: i32): i32 { return getI32(dtminMilliK, c); }
export function heatSetPressureKPa(c: i32, kPa: i32): void { setI32(pressureKPa, c, kPa); }
export function heatPressureKPa(c: i32): i32 { return getI32(pressureKPa, c); }
export function heatSetMillilitresPerPulse(c: i32, mL: i64): void { setI64(millilitresPerPulse, c, mL); }
export function heatMillilitresPerPulse(c: i32): i64 { return getI64(millilitresPerPulse, c); }
export function heatFlowInSupply(c: i32): bool { return (channelFlags(KIND_HEAT, c) & FLAG_FLOW_IN_SUPPLY) != 0; }

/** Start-up: a persisted value back (assembly/store). `which`: 0 heat, 1 cooling, 2 volume. */
export function heatRestore(c: i32, which: i32, value: i64): void {
  setI64(which == 0 ? heatMicroWh : which == 1 ? coolMicroWh : volumeMilliL, c, value);
}

// Live readings for OMS telegrams (assembly/oms/records.ts).
/** The latest supply / return temperature in m°C; valid only while heatReadingValid(c). */
export function heatSupplyMilliC(c: i32): i32 { return getI32(supplyMilliC, c); }
export function heatReturnMilliC(c: i32): i32 { return getI32(returnMilliC, c); }
export function heatReadingValid(c: i32): bool { return getI32(reading, c) == READING_VALID; }
/** Flow in mL/h from the last pulse interval, decaying like heatPowerMilliW; 0 after the timeout. */
export function heatFlowMilliLPerH(c: i32, nowUs: i64): i64 {
  const last = getI64(lastPulseUs, c);
  const interval = getI64(lastIntervalUs, c);
  if (last < 0 || interval <= 0) return 0;
  const since = nowUs - last;
  if (since >= DEFAULT_TIMEOUT_S * 1_000_000) return 0;
  return getI64(millilitresPerPulse, c) * 3_600_000_000 / (since > interval ? since : interval);
}
