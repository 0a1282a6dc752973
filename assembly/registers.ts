// Register table: every value the firmware exposes by id, to the board (twin, tests) and to
// frames. Ids are global and stable across boards (docs/frames.md lists them); a register
// exists on a board when its channel does. Values are integers with a fixed number of decimals.
import { KIND_CT, KIND_PULSE, KIND_HEAT, channelPresent } from "./board/descriptor";
import { pulseCountOf, pulseEnergyMicroWh, pulsePowerMilliW } from "./pulse/meter";
import { heatEnergyHeatMicroWh, heatEnergyCoolMicroWh, heatVolumeMilliL, heatPowerMilliW } from "./heat/meter";
import { boardTimeUs } from "./abi/board";

/** Ids below this travel in frames (cumulative billing registers). */
export const FRAME_REGISTER_COUNT: i32 = 18;
export const REGISTER_COUNT: i32 = 32;

// id ranges
const CT_ENERGY_FIRST = 0; // ctN.import_wh, ctN.export_wh  (N = 1..4)
const PULSE_WH_FIRST = 8; // pulseN.wh
const HEAT_FIRST = 12; // heatN.heat_wh, heatN.cool_wh, heatN.volume_l (N = 1..2)
const PULSE_COUNT_FIRST = 18; // pulseN.count
const PULSE_POWER_FIRST = 22; // pulseN.power_w
const CT_POWER_FIRST = 26; // ctN.power_w
const HEAT_POWER_FIRST = 30; // heatN.power_w

function kindOf(id: i32): u8 {
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
  return id - HEAT_POWER_FIRST;
}

function suffixOf(id: i32): string {
  if (id < PULSE_WH_FIRST) return (id & 1) == 0 ? "import_wh" : "export_wh";
  if (id < HEAT_FIRST) return "wh";
  if (id < PULSE_COUNT_FIRST) {
    const r = (id - HEAT_FIRST) % 3;
    return r == 0 ? "heat_wh" : r == 1 ? "cool_wh" : "volume_l";
  }
  if (id < PULSE_POWER_FIRST) return "count";
  return "power_w";
}

function prefixOf(kind: u8): string {
  return kind == KIND_CT ? "ct" : kind == KIND_PULSE ? "pulse" : "heat";
}

export function registerExists(id: i32): bool {
  return id >= 0 && id < REGISTER_COUNT && channelPresent(kindOf(id), channelOf(id));
}

/** Decimal places of the integer value: µWh (6) for energy, mL (3) for volume, mW (3) for power. */
export function registerDecimals(id: i32): i32 {
  if (id < HEAT_FIRST) return 6;
  if (id < PULSE_COUNT_FIRST) return (id - HEAT_FIRST) % 3 == 2 ? 3 : 6;
  if (id < PULSE_POWER_FIRST) return 0;
  return 3;
}

/** The register's value as an integer with `registerDecimals(id)` decimals; 0 if absent. */
export function registerValue(id: i32): i64 {
  if (!registerExists(id)) return 0;
  const ch = channelOf(id);
  if (id >= PULSE_WH_FIRST && id < HEAT_FIRST) return pulseEnergyMicroWh(ch);
  if (id >= PULSE_COUNT_FIRST && id < PULSE_POWER_FIRST) return pulseCountOf(ch);
  if (id >= PULSE_POWER_FIRST && id < CT_POWER_FIRST) return pulsePowerMilliW(ch, boardTimeUs());
  if (id >= HEAT_FIRST && id < PULSE_COUNT_FIRST) {
    const r = (id - HEAT_FIRST) % 3;
    return r == 0 ? heatEnergyHeatMicroWh(ch) : r == 1 ? heatEnergyCoolMicroWh(ch) : heatVolumeMilliL(ch);
  }
  if (id >= HEAT_POWER_FIRST) return heatPowerMilliW(ch, boardTimeUs());
  return 0; // CT metering is not in this firmware version yet.
}

/** Write the register's name ("pulse1.wh") as ASCII at `out`; returns its length (0 if absent). */
export function registerName(id: i32, out: usize): u32 {
  if (!registerExists(id)) return 0;
  let n: u32 = 0;
  n = writeAscii(prefixOf(kindOf(id)), out, n);
  store<u8>(out + n++, <u8>(0x31 + channelOf(id)));
  store<u8>(out + n++, 0x2e);
  return writeAscii(suffixOf(id), out, n);
}

function writeAscii(s: string, out: usize, at: u32): u32 {
  for (let i = 0; i < s.length; i++) store<u8>(out + at++, <u8>s.charCodeAt(i));
  return at;
}
