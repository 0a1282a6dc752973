// CT metering in the release firmware: configures the metering core (./index.ts) from the board
// descriptor at start-up, hands it the board's ADC blocks, and maps board channels ctN to the
// core's channels (ADC columns after the voltage column, in adc_input order, docs/board-abi.md).
import {
  KIND_VOLTAGE, KIND_CT, MAX_CT, channelPresent, channelParam, channelInput,
  adcSampleRateHz, adcBits, adcFullScaleMilliV, adcBiasCode,
} from "../board/descriptor";
import { statusSet, STATUS_CT_FAULT } from "../status";
import {
  ctConfigure, ctConfigureChannel, ctProcessBlock, ctImportMicroWh, ctExportMicroWh, ctRealPowerMilliW,
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

/** The core accepts samples: the board has a voltage reference and its parameters were accepted. */
let active = false;
/** u16 codes per ADC frame: the voltage column plus one per CT. */
let frameColumns: i32 = 0;
/** Core channel (ADC column − 1) of board channel ctN at index N − 1; −1 when absent. */
const coreChannel = memory.data(4 * MAX_CT, 4);

@inline function core(n: i32): i32 { return n >= 0 && n < MAX_CT ? load<i32>(coreChannel + (<usize>n << 2)) : -1; }

/**
 * Start-up: configure the core from the descriptor. A board without a voltage reference has no
 * CT metering (nothing to do). Parameters the core refuses leave CT metering off, the registers
 * at 0 and the status flag `ct_fault` set; the rest of the firmware runs normally.
 */
export function ctMeterInit(): void {
  active = false;
  frameColumns = 0;
  for (let n = 0; n < MAX_CT; n++) store<i32>(coreChannel + (<usize>n << 2), -1);
  let cts = 0;
  for (let n = 0; n < MAX_CT; n++) if (channelPresent(KIND_CT, n)) cts++;
  if (!channelPresent(KIND_VOLTAGE, 0)) {
    if (cts > 0) statusSet(STATUS_CT_FAULT); // clamps without a voltage reference cannot meter
    return;
  }
  // Columns follow adc_input order; the core needs the voltage in column 0.
  const vInput = channelInput(KIND_VOLTAGE, 0);
  for (let n = 0; n < MAX_CT; n++) {
    if (!channelPresent(KIND_CT, n)) continue;
    const input = channelInput(KIND_CT, n);
    if (input <= vInput) { statusSet(STATUS_CT_FAULT); return; }
    let column = 0;
    for (let m = 0; m < MAX_CT; m++) {
      if (channelPresent(KIND_CT, m) && channelInput(KIND_CT, m) < input) column++;
    }
    store<i32>(coreChannel + (<usize>n << 2), column);
  }
  if (ctConfigure(cts, <i32>adcSampleRateHz, <i32>adcBits, <i32>adcFullScaleMilliV, <i32>adcBiasCode,
    channelParam(KIND_VOLTAGE, 0, V_VOLTS_PER_ADC_VOLT_MILLI), channelParam(KIND_VOLTAGE, 0, V_PHASE_MILLIDEG)) != 0) {
    refuse();
    return;
  }
  for (let n = 0; n < MAX_CT; n++) {
    const ch = core(n);
    if (ch < 0) continue;
    if (ctConfigureChannel(ch, channelParam(KIND_CT, n, CT_RATIO), channelParam(KIND_CT, n, CT_BURDEN_MILLIOHM),
      channelParam(KIND_CT, n, CT_RATED_MILLIA), channelParam(KIND_CT, n, CT_PHASE_MILLIDEG)) != 0) {
      refuse();
      return;
    }
  }
  frameColumns = 1 + cts;
  active = true;
}

function refuse(): void {
  for (let n = 0; n < MAX_CT; n++) store<i32>(coreChannel + (<usize>n << 2), -1);
  statusSet(STATUS_CT_FAULT);
}

/** CT metering runs (fw_adc_block accepts samples). */
export function ctMeterActive(): bool { return active; }
/** u16 codes per ADC frame (0 when CT metering is off). */
export function ctMeterColumns(): i32 { return frameColumns; }
/** `frames` interleaved frames at `ptr`; the caller has checked them against the buffer. */
export function ctMeterBlock(ptr: usize, frames: i32): void { if (active) ctProcessBlock(ptr, frames); }
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
