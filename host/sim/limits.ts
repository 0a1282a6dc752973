// The board's limits for a scenario (docs/storage.md, "Wear budget"): the journal's steps are
// sized for 120 % of each channel's rating, so the twin flags every channel a scenario drives
// harder (it still runs it: overload is a real condition a meter must survive, but the wear
// and loss figures of docs/storage.md no longer hold). Reported as `overload` in the report.
import type { Board, CtChannel, HeatChannel, PulseChannel, VoltageChannel } from "../board/board.js";
import type { Scenario } from "./scenario.js";

export const OVERLOAD_FACTOR = 1.2;

/** The highest RMS voltage the voltage input measures: half the ADC range, / √2. */
export function maxMainsVrms(board: Board): number | undefined {
  const v = board.channels.find((c) => c.kind === "voltage") as VoltageChannel | undefined;
  return v ? (board.adc.full_scale_mv / 2 / 1000) * v.volts_per_adc_volt / Math.SQRT2 : undefined;
}

export function pulseRatedKw(ch: PulseChannel): number {
  return ch.rated_kw ?? ch.wh_per_pulse * 3.6 * (1000 / (2 * ch.filter_ms)); // one pulse per two filter times
}

export function heatRatedM3h(ch: HeatChannel): number {
  return ch.rated_m3h ?? ch.litres_per_pulse * 3.6 / (2 * ch.filter_ms / 1000) / 1000;
}

export function heatRatedKw(ch: HeatChannel): number {
  return ch.rated_kw ?? heatRatedM3h(ch) * 100 * 1.163;
}

/** One line per channel the scenario drives above 120 % of its rating (empty: within limits). */
export function overloads(scenario: Scenario): string[] {
  const board = scenario.board;
  const out: string[] = [];
  const pct = (x: number) => `${Math.round(x * 100)} %`;
  const vmax = maxMainsVrms(board);
  if (scenario.mains && vmax !== undefined && scenario.mains.vrms > vmax) {
    out.push(`mains: ${scenario.mains.vrms} V is above the ${vmax.toFixed(0)} V the voltage input measures`);
  }
  for (const [name, spec] of scenario.ct) {
    const ch = board.channels.find((c) => c.name === name) as CtChannel;
    if (spec.irms > OVERLOAD_FACTOR * ch.rated_a) out.push(`${name}: ${spec.irms} A is ${pct(spec.irms / ch.rated_a)} of the rated ${ch.rated_a} A`);
  }
  for (const [name, spec] of scenario.pulse) {
    const ch = board.channels.find((c) => c.name === name) as PulseChannel;
    const kw = spec.hz * ch.wh_per_pulse * 3.6;
    const rated = pulseRatedKw(ch);
    if (kw > OVERLOAD_FACTOR * rated) out.push(`${name}: ${kw.toFixed(1)} kW is ${pct(kw / rated)} of the rated ${rated.toFixed(1)} kW`);
  }
  for (const [name, spec] of scenario.heat) {
    const ch = board.channels.find((c) => c.name === name) as HeatChannel;
    const flowRated = heatRatedM3h(ch);
    if (spec.flowM3h > OVERLOAD_FACTOR * flowRated) out.push(`${name}: ${spec.flowM3h} m³/h is ${pct(spec.flowM3h / flowRated)} of the rated ${flowRated} m³/h`);
    const kw = spec.flowM3h * Math.abs(spec.supplyC - spec.returnC) * 1.163;
    const rated = heatRatedKw(ch);
    if (kw > OVERLOAD_FACTOR * rated) out.push(`${name}: about ${kw.toFixed(1)} kW is ${pct(kw / rated)} of the rated ${rated.toFixed(1)} kW`);
  }
  return out;
}
