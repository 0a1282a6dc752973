// Register table: every value the firmware exposes by id, to the board (twin, tests) and to
// frames. Ids are global and stable across boards (docs/frames.md lists them); a register
// exists on a board when its channel does. Values are integers with a fixed number of decimals.
import { KIND_VOLTAGE, KIND_CT, KIND_PULSE, KIND_HEAT, channelPresent } from "./board/descriptor";
import { pulseCountOf, pulseEnergyMicroWh, pulsePowerMilliW } from "./pulse/meter";
import { heatEnergyHeatMicroWh, heatEnergyCoolMicroWh, heatVolumeMilliL, heatPowerMilliW } from "./heat/meter";
import {
  ctMeterImportMicroWh, ctMeterExportMicroWh, ctMeterPowerMilliW, ctMeterVrmsMilliV, ctMeterFrequencyMilliHz,
  ctMeterIrmsMilliA, ctMeterPowerFactorMilli, ctMeterRestore,
} from "./ct/meter";
import { boardTimeUs } from "./abi/board";
import { pulseRestoreEnergy, pulseRestoreCount } from "./pulse/meter";
import { heatRestore } from "./heat/meter";
import { outputPresent, outputIsOn, outputSwitches, outputOnTotalS, outputDivertedMicroWh } from "./outputs/rules";
import { downlinkRegister, downlinkRegisterName, DOWNLINK_REGISTER_FIRST, DOWNLINK_REGISTER_END } from "./downlink/stats";

/** Ids below this travel in frames (cumulative billing registers). */
export const FRAME_REGISTER_COUNT: i32 = 18;
/** 42..57 the outputs', 58..61 the downlink's (assembly/downlink/stats.ts). */
export const REGISTER_COUNT: i32 = DOWNLINK_REGISTER_END;

// id ranges
const CT_ENERGY_FIRST = 0; // ctN.import_wh, ctN.export_wh  (N = 1..4)
const PULSE_WH_FIRST = 8; // pulseN.wh
const HEAT_FIRST = 12; // heatN.heat_wh, heatN.cool_wh, heatN.volume_l (N = 1..2)
const PULSE_COUNT_FIRST = 18; // pulseN.count
const PULSE_POWER_FIRST = 22; // pulseN.power_w
const CT_POWER_FIRST = 26; // ctN.power_w
const HEAT_POWER_FIRST = 30; // heatN.power_w
const VOLTAGE_FIRST = 32; // v.vrms_v, v.hz (live readings of the CT metering)
const CT_IRMS_FIRST = 34; // ctN.irms_a
const CT_PF_FIRST = 38; // ctN.pf (signed: negative while exporting)
const OUT_FIRST = 42; // outN.state, outN.switches, outN.on_s, outN.diverted_wh: 4 ids per field (N = 1..4), since start-up

function kindOf(id: i32): u8 {
  if (id >= CT_IRMS_FIRST) return KIND_CT;
  if (id >= VOLTAGE_FIRST) return KIND_VOLTAGE;
  if (id >= HEAT_POWER_FIRST) return KIND_HEAT;
  if (id < PULSE_WH_FIRST) return KIND_CT;
  if (id < HEAT_FIRST) return KIND_PULSE;
  if (id < PULSE_COUNT_FIRST) return KIND_HEAT;
  if (id < CT_POWER_FIRST) return KIND_PULSE;
  return KIND_CT;
}

/** Channel index (0-based) of a register. */
function channelOf(id: i32): i32 {
  if (id < PULSE_WH_FIRST) return (id - CT_ENERGY_FIRST) >> 1;
  if (id < HEAT_FIRST) return id - PULSE_WH_FIRST;
  if (id < PULSE_COUNT_FIRST) return (id - HEAT_FIRST) / 3;
  if (id < PULSE_POWER_FIRST) return id - PULSE_COUNT_FIRST;
  if (id < CT_POWER_FIRST) return id - PULSE_POWER_FIRST;
  if (id < HEAT_POWER_FIRST) return id - CT_POWER_FIRST;
  if (id < VOLTAGE_FIRST) return id - HEAT_POWER_FIRST;
  if (id < CT_IRMS_FIRST) return 0;
  if (id < CT_PF_FIRST) return id - CT_IRMS_FIRST;
  return id - CT_PF_FIRST;
}

function suffixOf(id: i32): string {
  if (id < PULSE_WH_FIRST) return (id & 1) == 0 ? "import_wh" : "export_wh";
  if (id < HEAT_FIRST) return "wh";
  if (id < PULSE_COUNT_FIRST) {
    const r = (id - HEAT_FIRST) % 3;
    return r == 0 ? "heat_wh" : r == 1 ? "cool_wh" : "volume_l";
  }
  if (id < PULSE_POWER_FIRST) return "count";
  if (id < VOLTAGE_FIRST) return "power_w";
  if (id < CT_IRMS_FIRST) return id == VOLTAGE_FIRST ? "vrms_v" : "hz";
  return id < CT_PF_FIRST ? "irms_a" : "pf";
}

function prefixOf(kind: u8): string {
  return kind == KIND_CT ? "ct" : kind == KIND_PULSE ? "pulse" : kind == KIND_VOLTAGE ? "v" : "heat";
}

/** Output registers: field (0 state, 1 switches, 2 on_s, 3 diverted_wh) and output of an id ≥ OUT_FIRST. */
@inline function outField(id: i32): i32 { return (id - OUT_FIRST) >> 2; }
@inline function outIndex(id: i32): i32 { return (id - OUT_FIRST) & 3; }

export function registerExists(id: i32): bool {
  if (id >= DOWNLINK_REGISTER_FIRST) return id < DOWNLINK_REGISTER_END;
  if (id >= OUT_FIRST) return outputPresent(outIndex(id));
  return id >= 0 && id < REGISTER_COUNT && channelPresent(kindOf(id), channelOf(id));
}

/** Decimal places of the integer value: µWh (6) for energy, mL (3) for volume, mW, mV, mHz, mA, PF × 1000 (3). */
export function registerDecimals(id: i32): i32 {
  if (id >= DOWNLINK_REGISTER_FIRST) return 0;
  if (id >= OUT_FIRST) return outField(id) == 3 ? 6 : 0;
  if (id < HEAT_FIRST) return 6;
  if (id < PULSE_COUNT_FIRST) return (id - HEAT_FIRST) % 3 == 2 ? 3 : 6;
  if (id < PULSE_POWER_FIRST) return 0;
  return 3;
}

/** The register's value as an integer with `registerDecimals(id)` decimals; 0 if absent. */
export function registerValue(id: i32): i64 {
  if (!registerExists(id)) return 0;
  if (id >= DOWNLINK_REGISTER_FIRST) return downlinkRegister(id);
  if (id >= OUT_FIRST) {
    const f = outField(id);
    const i = outIndex(id);
    return f == 0 ? (outputIsOn(i) ? 1 : 0) : f == 1 ? outputSwitches(i) : f == 2 ? outputOnTotalS(i) : outputDivertedMicroWh(i);
  }
  const ch = channelOf(id);
  if (id >= PULSE_WH_FIRST && id < HEAT_FIRST) return pulseEnergyMicroWh(ch);
  if (id >= PULSE_COUNT_FIRST && id < PULSE_POWER_FIRST) return pulseCountOf(ch);
  if (id >= PULSE_POWER_FIRST && id < CT_POWER_FIRST) return pulsePowerMilliW(ch, boardTimeUs());
  if (id >= HEAT_FIRST && id < PULSE_COUNT_FIRST) {
    const r = (id - HEAT_FIRST) % 3;
    return r == 0 ? heatEnergyHeatMicroWh(ch) : r == 1 ? heatEnergyCoolMicroWh(ch) : heatVolumeMilliL(ch);
  }
  if (id >= CT_PF_FIRST) return ctMeterPowerFactorMilli(ch);
  if (id >= CT_IRMS_FIRST) return ctMeterIrmsMilliA(ch);
  if (id >= VOLTAGE_FIRST) return id == VOLTAGE_FIRST ? ctMeterVrmsMilliV() : ctMeterFrequencyMilliHz();
  if (id >= HEAT_POWER_FIRST) return heatPowerMilliW(ch, boardTimeUs());
  if (id >= CT_POWER_FIRST) return ctMeterPowerMilliW(ch);
  return (id & 1) == 0 ? ctMeterImportMicroWh(ch) : ctMeterExportMicroWh(ch); // ctN.import_wh, ctN.export_wh
}

/** Write the register's name ("pulse1.wh") as ASCII at `out`; returns its length (0 if absent). */
export function registerName(id: i32, out: usize): u32 {
  if (!registerExists(id)) return 0;
  if (id >= DOWNLINK_REGISTER_FIRST) return downlinkRegisterName(id, out);
  if (id >= OUT_FIRST) {
    store<u8>(out + 3, <u8>(0x31 + outIndex(id)));
    store<u8>(out + 4, 0x2e);
    const f = outField(id);
    return writeAscii(f == 0 ? "state" : f == 1 ? "switches" : f == 2 ? "on_s" : "diverted_wh", out, writeAscii("out", out, 0) + 2);
  }
  let n: u32 = 0;
  const kind = kindOf(id);
  n = writeAscii(prefixOf(kind), out, n);
  if (kind != KIND_VOLTAGE) store<u8>(out + n++, <u8>(0x31 + channelOf(id))); // "v" has no number
  store<u8>(out + n++, 0x2e);
  return writeAscii(suffixOf(id), out, n);
}

function writeAscii(s: string, out: usize, at: u32): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(out + at++, <u8>s.charCodeAt(i));
  return at;
}

// Persistence (assembly/store/journal.ts): which registers are journalled, their unit class,
// and how a restored value goes back into its module.
export const UNIT_ENERGY: i32 = 0;
export const UNIT_VOLUME: i32 = 1;
export const UNIT_COUNT: i32 = 2;
/** Cumulative registers: the frame registers and the pulse counts. */
const PERSISTENT_END = PULSE_POWER_FIRST;

export function persistentRegisterCount(): i32 {
  let n = 0;
  for (let id = 0; id < PERSISTENT_END; id++) if (registerExists(id)) n++;
  return n;
}

/** The i-th persistent register that exists on this board. */
export function persistentRegisterId(i: i32): i32 {
  for (let id = 0; id < PERSISTENT_END; id++) {
    if (registerExists(id) && i-- == 0) return id;
  }
  return -1;
}

export function registerUnitClass(id: i32): i32 {
  if (id >= HEAT_FIRST && id < PULSE_COUNT_FIRST && (id - HEAT_FIRST) % 3 == 2) return UNIT_VOLUME;
  if (id >= PULSE_COUNT_FIRST && id < PULSE_POWER_FIRST) return UNIT_COUNT;
  return UNIT_ENERGY;
}

/** Put a persisted value back at start-up (before any metering). */
export function registersRestore(id: i32, value: i64): void {
  if (!registerExists(id) || id >= PERSISTENT_END || value < 0) return;
  const ch = channelOf(id);
  if (id < PULSE_WH_FIRST) {
    if ((id & 1) == 0) ctMeterRestore(ch, value, ctMeterExportMicroWh(ch));
    else ctMeterRestore(ch, ctMeterImportMicroWh(ch), value);
  } else if (id < HEAT_FIRST) {
    pulseRestoreEnergy(ch, value);
  } else if (id < PULSE_COUNT_FIRST) {
    heatRestore(ch, (id - HEAT_FIRST) % 3, value);
  } else {
    pulseRestoreCount(ch, value);
  }
}
