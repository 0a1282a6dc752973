// Driving a CT unit through the twin for accuracy campaigns: the installer's wizard on a resistive
// load (`cal voltage`, `cal ctN phase`, `cal ctN power`, `save`), then metering runs on the same
// flash (the same unit). Returns what the registers gained; the caller compares that with its
// own reference (test/host/support/waveform-power.ts in the tests, the table script's own).
import path from "node:path";
import { parseScenario } from "../sim/scenario.js";
import { Twin } from "../sim/twin.js";
import { packageRoot } from "../paths.js";

export type Harmonic = [number, number, number];
export interface UnitMains { vrms: number; hz: number; harmonics?: Harmonic[] }
export interface UnitLoad { irms: number; phi_deg: number; harmonics?: Harmonic[] }

export interface CtUnit {
  /** Board file (a name in boards/ or a path from the package root). */
  board: string;
  label: string;
  /** The mains the unit is calibrated and rated at. */
  vrms: number; hz: number;
  /** Rated current of its clamps (A) and the resistive calibration load (A). */
  ratedA: number; calAmps: number;
  clamps: string[];
}

/** The wizard's units: esp32-devkitc and esp32c3-mini built with component tolerances. */
export const UNIT_A: CtUnit = {
  board: "test/boards/ct-tolerance-a.json", label: "esp32-devkitc unit A (tolerances), 230 V", vrms: 230, hz: 50, ratedA: 30, calAmps: 10, clamps: ["ct1", "ct2"],
};
export const UNIT_B: CtUnit = {
  board: "test/boards/ct-tolerance-b.json", label: "esp32c3-mini unit B (tolerances), 120 V 60 Hz", vrms: 120, hz: 60, ratedA: 40, calAmps: 20, clamps: ["ct1"],
};

function boardRef(board: string): string {
  return board.includes("/") ? path.resolve(packageRoot, board) : board;
}

function scenarioText(unit: CtUnit, seconds: number, seed: number, mains: UnitMains, ct: Record<string, UnitLoad>, console: string[] = []): string {
  return JSON.stringify({ format: "activemeter-scenario/1", board: boardRef(unit.board), seconds, seed, mains, ct, console });
}

/** The standard wizard at the unit's rated mains on a resistive load; returns its flash and transcript. */
export function calibrateUnit(unit: CtUnit, seed = 11): { flash: Uint8Array; transcript: string } {
  const watts = (unit.vrms * unit.calAmps).toFixed(3);
  const lines = ["unlock 0000", `cal voltage ${unit.vrms}`];
  for (const c of unit.clamps) lines.push(`cal ${c} phase`, `cal ${c} power ${watts}`);
  lines.push("save");
  const loads = Object.fromEntries(unit.clamps.map((c) => [c, { irms: unit.calAmps, phi_deg: 0 }]));
  const twin = new Twin(parseScenario(scenarioText(unit, 90, seed, { vrms: unit.vrms, hz: unit.hz }, loads, lines)));
  twin.runToEnd();
  if (twin.consoleBusy) throw new Error(`${unit.label}: the wizard did not finish:\n${twin.consoleText}`);
  twin.step();
  return { flash: twin.flash.data.slice(), transcript: twin.consoleText };
}

export interface MeterResult {
  /** Net registered energy (import − export) per clamp, Wh, over the covered span. */
  netWh: Record<string, number>;
  /** Seconds the registers gained over (whole 1 s windows). */
  seconds: number;
  status: number;
}

/**
 * Meters `loads` for `seconds` whole windows (the run lasts seconds + 0.5 s: the registers take
 * whole ≈ 1 s windows, docs/ct.md) on the unit's flash (calibrated) or a blank one (defaults).
 */
export function meterUnit(unit: CtUnit, flash: Uint8Array | undefined, mains: UnitMains, loads: Record<string, UnitLoad>, seconds: number, seed: number): MeterResult {
  const twin = new Twin(parseScenario(scenarioText(unit, seconds + 0.5, seed, mains, loads)), undefined, {}, flash ? { flashImage: flash } : {});
  const start = twin.registers();
  twin.runToEnd();
  const end = twin.registers();
  const netWh: Record<string, number> = {};
  for (const c of new Set([...unit.clamps, ...Object.keys(loads)])) {
    netWh[c] = end[`${c}.import_wh`] - end[`${c}.export_wh`] - (start[`${c}.import_wh`] - start[`${c}.export_wh`]);
  }
  return { netWh, seconds, status: twin.status() };
}

/** Seconds to meter at `percent` of rated: longer at low current, where the ADC noise averages out. */
export function runSeconds(percent: number): number {
  return percent < 2 ? 60 : percent < 10 ? 30 : 10;
}
