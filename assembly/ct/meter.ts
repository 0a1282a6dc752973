// CT metering in the release firmware: configures the metering core (./index.ts) from the board
// descriptor at start-up, hands it the board's ADC blocks, and maps board channels ctN to the
// core's channels (ADC columns after the voltage column, in adc_input order, docs/board-abi.md).
import {
  KIND_VOLTAGE, KIND_CT, MAX_CT, channelPresent, channelParam, channelInput, channelFlags, curvePointCount, curvePoint,
  adcSampleRateHz, adcBits, adcFullScaleMilliV, adcBiasCode,
} from "../board/descriptor";
import {
  statusSet, statusClear, STATUS_CT_FAULT, STATUS_OVER_RANGE, STATUS_UNDER_VOLTAGE, STATUS_REVERSE_ENERGY,
} from "../status";
import {
  ctConfigure, ctConfigureChannel, ctConfigureFrontEnd, ctConfigureClamp, ctSetCurvePoint, ctWindowSequence,
  ctConditions, ctChannelConditions, ctProcessBlock, ctImportMicroWh, ctExportMicroWh, ctRealPowerMilliW,
  ctIrmsMilliA, ctPowerFactorMilli, ctVrmsMilliV, ctFrequencyMilliHz,
  ctSetGainMicro, ctGainMicro, ctSetPhaseMilliDeg, ctPhaseMilliDeg, ctSetPowerOffsetMilliW, ctPowerOffsetMilliW,
  ctSetVoltageGainMicro, ctVoltageGainMicro, ctSetVoltagePhaseMilliDeg, ctVoltagePhaseMilliDeg,
  ctRestoreRegisters, ctRestart,
} from "./index";

// descriptor parameters (docs/board-abi.md, "Channel record")
const V_VOLTS_PER_ADC_VOLT_MILLI = 0;
const V_PHASE_MILLIDEG = 1;
const CT_RATIO = 0;
const CT_BURDEN_MILLIOHM = 1;
const CT_RATED_MILLIA = 2;
const CT_PHASE_MILLIDEG = 3;
const V_RATE_MILLIHZ = 2;
const V_COLUMN_STEP_NS = 3;
const V_NOMINAL_MILLIV = 4;
const V_NOISE_MILLILSB = 5;
const V_CROSSTALK_PPM = 6;
const CT_MAX_MILLIA = 4;
const CT_FLAG_IMPORT_ONLY = 1;

/** A condition flag stays set until this many windows (≈ 1 min) passed without the condition. */
export const CONDITION_HOLD_WINDOWS: i32 = 60;

/** The core accepts samples: the board has a voltage reference and its parameters were accepted. */
let active = false;
/** u16 codes per ADC frame: the voltage column plus one per CT. */
let frameColumns: i32 = 0;
/** Core channel (ADC column − 1) of board channel ctN at index N − 1; −1 when absent. */
const coreChannel = memory.data(4 * MAX_CT, 4);
/** Board channels (bit N − 1) whose parameters were refused: not metered, ct_fault; the others run. */
let refusedChannels: i32 = 0;
// Events for the log, taken by the firmware's tick (the store starts after the meter, and the
// meter does not import the store): type, key, value. At most one per condition and the refusal.
export const CT_EVENT_FAULT: u16 = 17;      // parameters refused; value = refused clamps (bit N − 1)
export const CT_EVENT_CONDITION: u16 = 18;  // key = status bit set (7, 8, 9); value = detail
const MAX_EVENTS = 4;
const eventTypes = memory.data(4 * MAX_EVENTS, 4);
const eventKeys = memory.data(4 * MAX_EVENTS, 4);
const eventValues = memory.data(8 * MAX_EVENTS, 8);
let eventCount = 0;
function queueEvent(type: u16, key: u16, value: i64): void {
  if (eventCount >= MAX_EVENTS) return;
  store<i32>(eventTypes + (<usize>eventCount << 2), type);
  store<i32>(eventKeys + (<usize>eventCount << 2), key);
  store<i64>(eventValues + (<usize>eventCount << 3), value);
  eventCount++;
}
/** Events waiting for the log; read them with ctMeterEventType/Key/Value, then ctMeterEventsTaken. */
export function ctMeterEventCount(): i32 { return eventCount; }
export function ctMeterEventType(i: i32): u16 { return <u16>load<i32>(eventTypes + (<usize>i << 2)); }
export function ctMeterEventKey(i: i32): u16 { return <u16>load<i32>(eventKeys + (<usize>i << 2)); }
export function ctMeterEventValue(i: i32): i64 { return load<i64>(eventValues + (<usize>i << 3)); }
export function ctMeterEventsTaken(): void { eventCount = 0; }
let lastSequence: i32 = 0;
// Per condition (0 over-range, 1 under-voltage, 2 reverse energy): windows left before the flag clears.
let holdOverRange: i32 = 0;
let holdUnderVoltage: i32 = 0;
let holdReverse: i32 = 0;

@inline function core(n: i32): i32 { return n >= 0 && n < MAX_CT ? load<i32>(coreChannel + (<usize>n << 2)) : -1; }

/**
 * Start-up: configure the core from the descriptor. A board without a voltage reference has no
 * CT metering (nothing to do). Parameters the core refuses leave CT metering off, the registers
 * at 0 and the status flag `ct_fault` set; the rest of the firmware runs normally.
 */
export function ctMeterInit(): void {
  active = false;
  frameColumns = 0;
  refusedChannels = 0;
  eventCount = 0;
  lastSequence = 0;
  holdOverRange = 0; holdUnderVoltage = 0; holdReverse = 0;
  for (let n = 0; n < MAX_CT; n++) store<i32>(coreChannel + (<usize>n << 2), -1);
  let cts = 0;
  for (let n = 0; n < MAX_CT; n++) if (channelPresent(KIND_CT, n)) cts++;
  if (!channelPresent(KIND_VOLTAGE, 0)) {
    if (cts > 0) refuseAll(); // clamps without a voltage reference cannot meter
    return;
  }
  // Columns follow adc_input order; the core needs the voltage in column 0.
  const vInput = channelInput(KIND_VOLTAGE, 0);
  for (let n = 0; n < MAX_CT; n++) {
    if (!channelPresent(KIND_CT, n)) continue;
    const input = channelInput(KIND_CT, n);
    if (input <= vInput) { refuseAll(); return; }
    let column = 0;
    for (let m = 0; m < MAX_CT; m++) {
      if (channelPresent(KIND_CT, m) && channelInput(KIND_CT, m) < input) column++;
    }
    store<i32>(coreChannel + (<usize>n << 2), column);
  }
  if (ctConfigure(cts, <i32>adcSampleRateHz, <i32>adcBits, <i32>adcFullScaleMilliV, <i32>adcBiasCode,
    channelParam(KIND_VOLTAGE, 0, V_VOLTS_PER_ADC_VOLT_MILLI), channelParam(KIND_VOLTAGE, 0, V_PHASE_MILLIDEG)) != 0
    || ctConfigureFrontEnd(channelParam(KIND_VOLTAGE, 0, V_RATE_MILLIHZ), channelParam(KIND_VOLTAGE, 0, V_COLUMN_STEP_NS),
      channelParam(KIND_VOLTAGE, 0, V_NOMINAL_MILLIV), channelParam(KIND_VOLTAGE, 0, V_NOISE_MILLILSB),
      channelParam(KIND_VOLTAGE, 0, V_CROSSTALK_PPM)) != 0) {
    refuseAll();
    return;
  }
  // A clamp whose parameters are refused is left out (its column is still in every frame); the others meter.
  for (let n = 0; n < MAX_CT; n++) {
    const ch = core(n);
    if (ch < 0) continue;
    if (!configureClampFromDescriptor(n, ch)) {
      store<i32>(coreChannel + (<usize>n << 2), -1);
      ctConfigureChannel(ch, 1, 1000, 1000, 0); // harmless defaults for the unused column
      refusedChannels |= 1 << n;
    }
  }
  if (refusedChannels != 0) { statusSet(STATUS_CT_FAULT); queueEvent(CT_EVENT_FAULT, 0, <i64>refusedChannels); }
  frameColumns = 1 + cts;
  active = true;
}

function configureClampFromDescriptor(n: i32, ch: i32): bool {
  if (ctConfigureChannel(ch, channelParam(KIND_CT, n, CT_RATIO), channelParam(KIND_CT, n, CT_BURDEN_MILLIOHM),
    channelParam(KIND_CT, n, CT_RATED_MILLIA), channelParam(KIND_CT, n, CT_PHASE_MILLIDEG)) != 0) return false;
  if (ctConfigureClamp(ch, channelParam(KIND_CT, n, CT_MAX_MILLIA), (channelFlags(KIND_CT, n) & CT_FLAG_IMPORT_ONLY) != 0 ? 1 : 0) != 0) return false;
  for (let k = 0; k < curvePointCount(n); k++) {
    if (ctSetCurvePoint(ch, k, curvePoint(n, k, 0), curvePoint(n, k, 1), curvePoint(n, k, 2)) != 0) return false;
  }
  return true;
}

function refuseAll(): void {
  for (let n = 0; n < MAX_CT; n++) {
    if (channelPresent(KIND_CT, n)) refusedChannels |= 1 << n;
    store<i32>(coreChannel + (<usize>n << 2), -1);
  }
  statusSet(STATUS_CT_FAULT);
  queueEvent(CT_EVENT_FAULT, 0, <i64>refusedChannels);
}

/** Board channels (bit N − 1) refused at start-up. */
export function ctMeterRefusedChannels(): i32 { return refusedChannels; }

/** After each block: a closed window updates the condition flags (held ≈ 1 min) and logs each onset. */
function updateConditions(): void {
  const seq = ctWindowSequence();
  if (seq == lastSequence) return;
  lastSequence = seq;
  // The voltage's conditions, plus those of the clamps that are metered (a refused clamp's column
  // is still converted, but says nothing).
  let c = ctConditions();
  let channels: i64 = 0;
  for (let n = 0; n < MAX_CT; n++) {
    const ch = core(n);
    if (ch < 0) continue;
    const cc = ctChannelConditions(ch);
    c |= cc;
    channels |= <i64>cc << (8 * n);
  }
  holdOverRange = condition(c & 1, holdOverRange, STATUS_OVER_RANGE, 7, channels);
  holdUnderVoltage = condition(c & 2, holdUnderVoltage, STATUS_UNDER_VOLTAGE, 8, <i64>ctVrmsMilliV());
  holdReverse = condition(c & 4, holdReverse, STATUS_REVERSE_ENERGY, 9, channels);
}

function condition(now: i32, hold: i32, flag: u32, bit: u16, detail: i64): i32 {
  if (now != 0) {
    if (hold == 0) { statusSet(flag); queueEvent(CT_EVENT_CONDITION, bit, detail); }
    return CONDITION_HOLD_WINDOWS;
  }
  if (hold > 1) return hold - 1;
  if (hold == 1) statusClear(flag);
  return 0;
}

/** CT metering runs (fw_adc_block accepts samples). */
export function ctMeterActive(): bool { return active; }
/** Windows closed since configure (≈ one a second): the registers were updated. */
export function ctMeterWindows(): i32 { return active ? ctWindowSequence() : 0; }
/** u16 codes per ADC frame (0 when CT metering is off). */
export function ctMeterColumns(): i32 { return frameColumns; }
/** `frames` interleaved frames at `ptr`; the caller has checked them against the buffer. */
export function ctMeterBlock(ptr: usize, frames: i32): void {
  if (!active) return;
  ctProcessBlock(ptr, frames);
  updateConditions();
}
/** The stream had a gap (fw_adc_gap): drop the unfinished cycle and window, keep the registers. */
export function ctMeterGap(): void { if (active) ctRestart(); }


// ---- per board channel (n = N − 1 of ctN) -------------------------------------------------
export function ctMeterChannelPresent(n: i32): bool { return active && core(n) >= 0; }
export function ctMeterImportMicroWh(n: i32): i64 { const c = core(n); return c >= 0 ? ctImportMicroWh(c) : 0; }
export function ctMeterExportMicroWh(n: i32): i64 { const c = core(n); return c >= 0 ? ctExportMicroWh(c) : 0; }
export function ctMeterPowerMilliW(n: i32): i64 { const c = core(n); return c >= 0 ? ctRealPowerMilliW(c) : 0; }
export function ctMeterIrmsMilliA(n: i32): i64 { const c = core(n); return c >= 0 ? ctIrmsMilliA(c) : 0; }
export function ctMeterPowerFactorMilli(n: i32): i64 { const c = core(n); return c >= 0 ? <i64>ctPowerFactorMilli(c) : 0; }
export function ctMeterVrmsMilliV(): i64 { return active ? ctVrmsMilliV() : 0; }
export function ctMeterFrequencyMilliHz(): i64 { return active ? ctFrequencyMilliHz() : 0; }

// ---- calibration (console keys ctN.gain, ctN.phase_deg, ctN.offset_w, v.gain, v.phase_deg) ------
// Setters return 0, −1 out of range, −2 no such channel; changes apply at the next mains cycle.
export function ctMeterSetGainMicro(n: i32, micro: i32): i32 { const c = core(n); return c >= 0 ? ctSetGainMicro(c, micro) : -2; }
export function ctMeterGainMicro(n: i32): i32 { const c = core(n); return c >= 0 ? ctGainMicro(c) : 0; }
export function ctMeterSetPhaseMilliDeg(n: i32, m: i32): i32 { const c = core(n); return c >= 0 ? ctSetPhaseMilliDeg(c, m) : -2; }
export function ctMeterPhaseMilliDeg(n: i32): i32 { const c = core(n); return c >= 0 ? ctPhaseMilliDeg(c) : 0; }
export function ctMeterSetOffsetMilliW(n: i32, m: i32): i32 { const c = core(n); return c >= 0 ? ctSetPowerOffsetMilliW(c, m) : -2; }
export function ctMeterOffsetMilliW(n: i32): i32 { const c = core(n); return c >= 0 ? ctPowerOffsetMilliW(c) : 0; }
export function ctMeterSetVoltageGainMicro(micro: i32): i32 { return active ? ctSetVoltageGainMicro(micro) : -2; }
export function ctMeterVoltageGainMicro(): i32 { return active ? ctVoltageGainMicro() : 0; }
export function ctMeterSetVoltagePhaseMilliDeg(m: i32): i32 { return active ? ctSetVoltagePhaseMilliDeg(m) : -2; }
export function ctMeterVoltagePhaseMilliDeg(): i32 { return active ? ctVoltagePhaseMilliDeg() : 0; }

/** Start-up: persisted register values back (assembly/store), by channel number index. */
export function ctMeterRestore(n: i32, importMicroWh: i64, exportMicroWh: i64): void {
  const c = core(n);
  if (c >= 0) ctRestoreRegisters(c, importMicroWh, exportMicroWh);
}
