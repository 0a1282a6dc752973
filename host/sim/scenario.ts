// Scenario files, version 1 (docs/scenarios.md): parsing and validation. Every refusal names
// the field and says what is expected, so a test rig author can fix the file at once.
import fs from "node:fs";
import { loadBoard, channelsOfKind, BoardError } from "../board/board.js";
import type { Board } from "../board/board.js";

export const SCENARIO_FORMAT = "activemeter-scenario/1";

export interface Harmonic { order: number; amplitude: number; phaseDeg: number }
export interface MainsSpec { vrms: number; hz: number; harmonics: Harmonic[] }
/** Piecewise-linear real power at PF 1 over time: [[t_s, W], …] (> 0 import, < 0 export, e.g. PV). */
export type PowerProfile = [number, number][];
export interface CtSpec { irms: number; phiDeg: number; harmonics: Harmonic[]; noiseA: number; profileW?: PowerProfile }
/** An output's load: `loadW` watts (resistive) through `clamps` while the firmware has the output on. */
export interface OutputLoad { loadW: number; clamps: string[] }
/** A load step: from `atS` on, the pulse train runs at `value` Hz. */
export interface LoadStep { atS: number; value: number }
export interface PulseSpec { hz: number; onMs: number; bounceMs: number; startS: number; stopS: number; ghostProb: number; steps?: LoadStep[] }
export interface HeatSpec { flowM3h: number; supplyC: number; returnC: number; startS: number; stopS: number; litresPerPulse?: number }
export interface Outage { atS: number; offS: number }

export interface Scenario {
  board: Board;
  boardName: string;
  seconds: number;
  seed: number;
  console: string[];
  mains?: MainsSpec;
  ct: Map<string, CtSpec>;
  pulse: Map<string, PulseSpec>;
  heat: Map<string, HeatSpec>;
  outages: Outage[];
  /** Closed loop: each output's load follows fw_output_state (docs/scenarios.md). */
  outputs: Map<string, OutputLoad>;
  /** UTC second at t = 0 (the board's RTC); undefined: the board has no clock (time_unknown). */
  startUtc?: number;
  /** Main-loop step, µs (default 10 ms; longer steps skip idle time in long runs). */
  stepUs?: number;
}

export class ScenarioError extends Error {}

type Json = Record<string, unknown>;

const TOP_FIELDS = ["$schema", "format", "description", "board", "seconds", "seed", "console", "mains", "ct", "pulse", "heat", "outages", "outputs", "start_utc", "step_ms"];

/** `steps`: [[at_s, value], …] in ascending time within the run. */
function loadSteps(v: unknown, where: string, seconds: number, max: number): LoadStep[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`'${where}' must be a list of [at_s, value]`);
  let last = -1;
  return v.map((step, i) => {
    if (!Array.isArray(step) || step.length !== 2 || step.some((x) => typeof x !== "number" || !Number.isFinite(x))) fail(`'${where}[${i}]' must be [at_s, value] numbers`);
    const [atS, value] = step as number[];
    if (atS <= last || atS < 0 || atS > seconds) fail(`'${where}[${i}]' at_s must be ascending, from 0 to the scenario's seconds, not ${atS}`);
    if (value < 0 || value > max) fail(`'${where}[${i}]' value must be from 0 to ${max}, not ${value}`);
    last = atS;
    return { atS, value };
  });
}

function fail(message: string): never {
  throw new ScenarioError(message);
}

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function onlyFields(obj: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(`unknown field '${where}${key}' (allowed: ${allowed.filter((k) => k !== "$schema").join(", ")})`);
  }
}

function number(obj: Json, key: string, where: string, opts: { min?: number; max?: number; above?: number; integer?: boolean; fallback?: number }): number {
  const v = obj[key];
  if (v === undefined) {
    if (opts.fallback !== undefined) return opts.fallback;
    fail(`missing field '${where}${key}'`);
  }
  if (typeof v !== "number" || !Number.isFinite(v)) fail(`'${where}${key}' must be a number, not ${JSON.stringify(v)}`);
  if (opts.integer && !Number.isInteger(v)) fail(`'${where}${key}' must be a whole number, not ${v}`);
  if (opts.above !== undefined && !(v > opts.above)) fail(`'${where}${key}' must be greater than ${opts.above}, not ${v}`);
  if (opts.min !== undefined && v < opts.min) fail(`'${where}${key}' must be at least ${opts.min}, not ${v}`);
  if (opts.max !== undefined && v > opts.max) fail(`'${where}${key}' must be at most ${opts.max}, not ${v}`);
  return v;
}

function harmonics(v: unknown, where: string): Harmonic[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) fail(`'${where}' must be a list of [order, amplitude, phase_deg]`);
  return v.map((h, i) => {
    if (!Array.isArray(h) || h.length !== 3 || h.some((x) => typeof x !== "number" || !Number.isFinite(x))) {
      fail(`'${where}[${i}]' must be [order, amplitude, phase_deg] numbers`);
    }
    const [order, amplitude, phaseDeg] = h as number[];
    if (!Number.isInteger(order) || order < 2 || order > 50) fail(`'${where}[${i}]' order must be a whole number from 2 to 50, not ${order}`);
    if (amplitude < 0 || amplitude > 1) fail(`'${where}[${i}]' amplitude must be from 0 to 1 (relative to the fundamental), not ${amplitude}`);
    return { order, amplitude, phaseDeg };
  });
}

function profile(v: unknown, where: string): PowerProfile | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length === 0) fail(`'${where}' must be a non-empty list of [t_s, watts]`);
  return v.map((p, i) => {
    if (!Array.isArray(p) || p.length !== 2 || p.some((x) => typeof x !== "number" || !Number.isFinite(x))) fail(`'${where}[${i}]' must be [t_s, watts] numbers`);
    const [t, w] = p as number[];
    if (t < 0 || (i > 0 && t <= (v[i - 1] as number[])[0])) fail(`'${where}[${i}]' time must be at least 0 and after the point before it`);
    if (Math.abs(w) > 200_000) fail(`'${where}[${i}]' power must be within +/-200000 W, not ${w}`);
    return [t, w] as [number, number];
  });
}

/** The profile's power at time t (s): linear between points, the end values outside them. */
export function profileAt(p: PowerProfile, t: number): number {
  if (t <= p[0][0]) return p[0][1];
  for (let k = 1; k < p.length; k++) {
    if (t <= p[k][0]) return p[k - 1][1] + (p[k][1] - p[k - 1][1]) * (t - p[k - 1][0]) / (p[k][0] - p[k - 1][0]);
  }
  return p[p.length - 1][1];
}

function channelMap<T>(v: unknown, field: string, board: Board, kind: "ct" | "pulse" | "heat", parse: (obj: Json, where: string) => T): Map<string, T> {
  const out = new Map<string, T>();
  if (v === undefined) return out;
  if (!isObject(v)) fail(`'${field}' must be an object of channels`);
  const known = channelsOfKind(board, kind).map((c) => c.name);
  for (const [name, spec] of Object.entries(v)) {
    if (!known.includes(name)) {
      fail(`unknown channel '${field}.${name}' on board ${board.name} (its ${kind} channels: ${known.join(", ") || "none"})`);
    }
    if (!isObject(spec)) fail(`'${field}.${name}' must be an object`);
    out.set(name, parse(spec, `${field}.${name}.`));
  }
  return out;
}

/** Parse scenario JSON text; `source` names the file in messages. */
export function parseScenario(text: string, source = "scenario"): Scenario {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    fail(`${source} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isObject(data)) fail(`${source} must hold a JSON object`);
  onlyFields(data, TOP_FIELDS, "");
  if (data.format !== SCENARIO_FORMAT) fail(`'format' must be "${SCENARIO_FORMAT}", not ${JSON.stringify(data.format)}`);
  if (typeof data.board !== "string") fail(`'board' must name a board (a file in boards/)`);
  let board: Board;
  try {
    board = loadBoard(data.board);
  } catch (e) {
    if (e instanceof BoardError) fail(e.message);
    throw e;
  }
  const seconds = number(data, "seconds", "", { above: 0, max: 10 * 365 * 86400 });
  const seed = number(data, "seed", "", { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true, fallback: 0 });
  const consoleLines = data.console ?? [];
  if (!Array.isArray(consoleLines) || consoleLines.some((l) => typeof l !== "string")) fail(`'console' must be a list of strings`);

  let mains: MainsSpec | undefined;
  if (data.mains !== undefined) {
    if (!isObject(data.mains)) fail(`'mains' must be an object`);
    onlyFields(data.mains, ["vrms", "hz", "harmonics"], "mains.");
    mains = {
      vrms: number(data.mains, "vrms", "mains.", { min: 0, max: 500 }),
      hz: number(data.mains, "hz", "mains.", { min: 40, max: 70 }),
      harmonics: harmonics(data.mains.harmonics, "mains.harmonics"),
    };
  }

  const ct = channelMap(data.ct, "ct", board, "ct", (o, w) => {
    onlyFields(o, ["irms", "phi_deg", "harmonics", "noise_a", "profile_w"], w);
    return {
      profileW: profile(o.profile_w, `${w}profile_w`),
      irms: number(o, "irms", w, { min: 0, max: 1000, fallback: o.profile_w === undefined ? undefined : 0 }),
      phiDeg: number(o, "phi_deg", w, { min: -360, max: 360, fallback: 0 }),
      harmonics: harmonics(o.harmonics, `${w}harmonics`),
      noiseA: number(o, "noise_a", w, { min: 0, max: 100, fallback: 0 }),
    };
  });

  const pulse = channelMap(data.pulse, "pulse", board, "pulse", (o, w) => {
    onlyFields(o, ["hz", "on_ms", "bounce_ms", "start_s", "stop_s", "ghost_prob", "steps"], w);
    const hz = number(o, "hz", w, { above: 0, max: 1000 });
    const periodMs = 1000 / hz;
    const onMs = number(o, "on_ms", w, { above: 0, fallback: Math.min(50, periodMs / 2) });
    if (onMs >= periodMs) fail(`'${w}on_ms' (${onMs}) must be shorter than the pulse period (${periodMs.toFixed(3)} ms at ${hz} Hz)`);
    const bounceMs = number(o, "bounce_ms", w, { min: 0, fallback: 0 });
    if (bounceMs > 0 && bounceMs >= Math.min(onMs, periodMs - onMs)) {
      fail(`'${w}bounce_ms' (${bounceMs}) must be shorter than the on time and the off time of the pulse`);
    }
    const startS = number(o, "start_s", w, { min: 0, fallback: 0 });
    const stopS = number(o, "stop_s", w, { min: 0, fallback: seconds });
    if (stopS < startS) fail(`'${w}stop_s' (${stopS}) must not be before start_s (${startS})`);
    const steps = loadSteps(o.steps, `${w}steps`, seconds, 1000);
    for (const st of steps) {
      if (st.value > 0 && onMs >= 1000 / st.value) fail(`'${w}steps' rate ${st.value} Hz: the on time ${onMs} ms must be shorter than its period`);
      if (st.atS <= startS) fail(`'${w}steps' at_s ${st.atS} must be after start_s (${startS})`);
    }
    return { hz, onMs, bounceMs, startS, stopS, ghostProb: number(o, "ghost_prob", w, { min: 0, max: 1, fallback: 0 }), steps };
  });

  const heat = channelMap(data.heat, "heat", board, "heat", (o, w) => {
    onlyFields(o, ["flow_m3h", "supply_c", "return_c", "start_s", "stop_s", "l_per_pulse"], w);
    const startS = number(o, "start_s", w, { min: 0, fallback: 0 });
    return {
      flowM3h: number(o, "flow_m3h", w, { min: 0, max: 1000 }),
      supplyC: number(o, "supply_c", w, { min: -50, max: 250 }),
      returnC: number(o, "return_c", w, { min: -50, max: 250 }),
      startS,
      stopS: number(o, "stop_s", w, { min: startS, fallback: seconds }),
      litresPerPulse: o.l_per_pulse === undefined ? undefined : number(o, "l_per_pulse", w, { above: 0, max: 1000 }),
    };
  });

  const outagesRaw = data.outages ?? [];
  if (!Array.isArray(outagesRaw)) fail(`'outages' must be a list of {at_s, off_s}`);
  const outages = outagesRaw.map((o, i) => {
    if (!isObject(o)) fail(`'outages[${i}]' must be an object {at_s, off_s}`);
    onlyFields(o, ["at_s", "off_s"], `outages[${i}].`);
    return { atS: number(o, "at_s", `outages[${i}].`, { min: 0 }), offS: number(o, "off_s", `outages[${i}].`, { above: 0 }) };
  });

  const outputs = new Map<string, OutputLoad>();
  if (data.outputs !== undefined) {
    if (!isObject(data.outputs)) fail(`'outputs' must be an object of the board's outputs`);
    const known = board.outputs ?? [];
    for (const [name, spec] of Object.entries(data.outputs)) {
      const o = known.find((x) => x.name === name);
      if (!o) fail(`unknown output 'outputs.${name}' on board ${board.name} (its outputs: ${known.map((x) => x.name).join(", ") || "none"})`);
      if (!isObject(spec)) fail(`'outputs.${name}' must be an object {load_w, clamps}`);
      onlyFields(spec, ["load_w", "clamps"], `outputs.${name}.`);
      const clamps = spec.clamps ?? [o.clamp, ...(o.load_clamp ? [o.load_clamp] : [])];
      const cts = channelsOfKind(board, "ct").map((c) => c.name);
      if (!Array.isArray(clamps) || clamps.some((c) => typeof c !== "string" || !cts.includes(c))) {
        fail(`'outputs.${name}.clamps' must list CT channels of board ${board.name} (${cts.join(", ")})`);
      }
      outputs.set(name, { loadW: number(spec, "load_w", `outputs.${name}.`, { min: 0, max: 100_000 }), clamps: clamps as string[] });
    }
  }

  const startUtc = data.start_utc === undefined ? undefined : parseUtc(data.start_utc);
  const stepMs = number(data, "step_ms", "", { min: 10, max: 3_600_000, integer: true, fallback: 10 });
  if (stepMs !== 10 && (mains !== undefined || ct.size > 0)) fail(`'step_ms' above 10 needs a scenario without 'mains' and 'ct' (CT sampling runs in 10 ms blocks)`);
  return { board, boardName: data.board, seconds, seed, console: consoleLines as string[], mains, ct, pulse, heat, outages, outputs, startUtc, stepUs: stepMs * 1000 };
}

/** `start_utc`: an ISO 8601 UTC time ("2026-03-28T00:00:00Z") or UTC seconds since 1970. */
function parseUtc(v: unknown): number {
  let s: number;
  if (typeof v === "number") s = v;
  else if (typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?Z$/.test(v)) s = Date.parse(v) / 1000;
  else fail(`'start_utc' must be an ISO 8601 UTC time like "2026-03-28T00:00:00Z" or UTC seconds, not ${JSON.stringify(v)}`);
  if (!Number.isInteger(s) || s < 1_577_836_800 || s > 4_291_747_200) fail(`'start_utc' must be a whole second from 2020 to 2105, not ${JSON.stringify(v)}`);
  return s;
}

export function readScenario(file: string): Scenario {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    fail(`cannot read scenario ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseScenario(text, file);
}
