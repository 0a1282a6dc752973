// Board definitions (boards/<name>.json): loading, validation against board.schema.json,
// and packing into the binary descriptor the firmware reads at start-up.
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { boardsDir } from "../paths.js";

export interface AdcAsBuilt { crosstalk_ppm?: number; gain_error_percent?: number; spikes_per_s?: number; mains_pickup_lsb?: number }
export interface AdcSpec {
  bits: number; full_scale_mv: number; bias_code: number; sample_rate_hz: number; noise_lsb_rms: number;
  /** The rate the shell's ADC clock really produces (absent: sample_rate_hz). */
  frame_rate_hz?: number;
  /** Sequential conversion: column k sampled k × this after the voltage column. */
  column_step_us?: number;
  attenuation_db?: number;
  crosstalk_ppm?: number;
  /** Simulation only: the twin's ideal front end. */
  ideal?: boolean;
  as_built?: AdcAsBuilt;
}
/** [primary A, ratio error %, extra phase lead °]: deviations from ratio and phase_deg. */
export type ErrorCurve = [number, number, number][];
export interface ClampModel { model: string; max_a?: number; source?: string; error_curve?: ErrorCurve }
/** The components of one particular unit (tolerances): the twin's signals use them, the firmware gets the nominal values. */
export interface VoltageAsBuilt { volts_per_adc_volt?: number; phase_deg?: number }
export interface CtAsBuilt { ratio?: number; burden_ohm?: number; phase_deg?: number; error_curve?: ErrorCurve }
export interface VoltageChannel {
  name: "v"; kind: "voltage"; adc_input: number; volts_per_adc_volt: number; phase_deg: number; nominal_v?: number; as_built?: VoltageAsBuilt;
}
export interface CtChannel {
  name: string; kind: "ct"; adc_input: number; ratio: number; burden_ohm: number; rated_a: number; phase_deg: number;
  direction?: "bidirectional" | "import_only"; clamp?: ClampModel; as_built?: CtAsBuilt;
}
/** `rated_kw`: the most the connected meter delivers (absent: what the input filter lets through). */
export interface PulseChannel { name: string; kind: "pulse"; gpio: number; filter_ms: number; wh_per_pulse: number; rated_kw?: number }
export interface HeatChannel {
  name: string; kind: "heat"; flow_gpio: number; litres_per_pulse: number; flow_sensor_pipe: "supply" | "return";
  nominal_pressure_bar: number; temperature_sensor: string; filter_ms: number;
  /** Rated (maximum) power and flow of the circuit (absent: derived from the flow input's filter). */
  rated_kw?: number; rated_m3h?: number;
}
export type Channel = VoltageChannel | CtChannel | PulseChannel | HeatChannel;
/** A digital output (relay or SSR) the firmware switches by its rule (docs/active-house.md). */
export interface OutputSpec { name: string; kind: "relay" | "ssr"; gpio: number; clamp: string; load_clamp?: string; description?: string }
export interface Board {
  name: string; chip: string; description?: string; adc: AdcSpec;
  flash: { sector_bytes: number; sectors: number };
  report_interval_s: number; node_id: number; channels: Channel[];
  /** Up to 4 digital outputs (out1..out4). */
  outputs?: OutputSpec[];
  /** A supply monitor warns this long before the supply collapses (absent or 0: no warning). */
  supply_monitor_holdup_ms?: number;
}

export class BoardError extends Error {}

const schema = JSON.parse(fs.readFileSync(path.join(boardsDir, "board.schema.json"), "utf8"));
const validate = new Ajv({ allErrors: false, strict: false }).compile(schema);

function describe(error: ErrorObject): string {
  const where = error.instancePath.replace(/^\//, "").replace(/\/(\d+)/g, "[$1]").replace(/\//g, ".") || "(top level)";
  if (error.keyword === "additionalProperties") {
    const field = (error.params as { additionalProperty: string }).additionalProperty;
    return `unknown field '${where === "(top level)" ? field : `${where}.${field}`}'`;
  }
  if (error.keyword === "required") {
    return `missing field '${where === "(top level)" ? "" : where + "."}${(error.params as { missingProperty: string }).missingProperty}'`;
  }
  return `field '${where}' ${error.message}`;
}

/** Validate a parsed board object; throws BoardError naming the first offending field. */
export function checkBoard(data: unknown, source: string): Board {
  if (!validate(data)) throw new BoardError(`${source}: ${describe(validate.errors![0])}`);
  const board = data as Board;
  const names = new Set<string>();
  for (const ch of board.channels) {
    if (names.has(ch.name)) throw new BoardError(`${source}: channel '${ch.name}' is defined twice`);
    names.add(ch.name);
  }
  const adcInputs = new Set<number>();
  for (const ch of board.channels) {
    if (ch.kind !== "voltage" && ch.kind !== "ct") continue;
    if (adcInputs.has(ch.adc_input)) throw new BoardError(`${source}: channel '${ch.name}' uses adc_input ${ch.adc_input} twice`);
    adcInputs.add(ch.adc_input);
  }
  // The firmware's own limits (assembly/ct/calibration.ts), so a board the schema accepts is never refused later.
  const adc = board.adc;
  if (adc.frame_rate_hz !== undefined && Math.abs(adc.frame_rate_hz / adc.sample_rate_hz - 1) > 0.05) {
    throw new BoardError(`${source}: adc.frame_rate_hz ${adc.frame_rate_hz} is more than 5 % from sample_rate_hz ${adc.sample_rate_hz} (a clock divider's rounding, not another rate)`);
  }
  const columns = board.channels.filter((c) => c.kind === "voltage" || c.kind === "ct").length;
  const rate = adc.frame_rate_hz ?? adc.sample_rate_hz;
  if (adc.column_step_us !== undefined && adc.column_step_us * columns > 1e6 / rate + 1e-9) {
    throw new BoardError(`${source}: adc.column_step_us ${adc.column_step_us} × ${columns} columns does not fit in one frame (${(1e6 / rate).toFixed(3)} µs)`);
  }
  for (const ch of board.channels) {
    if (ch.kind !== "ct") continue;
    for (const curve of [ch.clamp?.error_curve, ch.as_built?.error_curve]) {
      if (curve && curve.some((p, i) => i > 0 && p[0] <= curve[i - 1][0])) {
        throw new BoardError(`${source}: channel '${ch.name}': error_curve currents must ascend`);
      }
    }
  }
  const outNames = new Set<string>();
  for (const o of board.outputs ?? []) {
    if (outNames.has(o.name)) throw new BoardError(`${source}: output '${o.name}' is defined twice`);
    outNames.add(o.name);
    for (const c of [o.clamp, o.load_clamp]) {
      if (c !== undefined && !board.channels.some((ch) => ch.kind === "ct" && ch.name === c)) {
        throw new BoardError(`${source}: output '${o.name}': '${c}' is not a CT channel of this board`);
      }
    }
    if (o.load_clamp === o.clamp) throw new BoardError(`${source}: output '${o.name}': load_clamp must be another clamp than clamp (the rule watches the grid, the load clamp the load)`);
  }
  if (board.channels.some((c) => c.kind === "ct") && !names.has("v")) {
    throw new BoardError(`${source}: CT channels need a voltage reference channel 'v'`);
  }
  return board;
}

export function listBoards(): string[] {
  return fs.readdirSync(boardsDir).filter((f) => f.endsWith(".json") && f !== "board.schema.json").map((f) => f.slice(0, -5)).sort();
}

/** Load a board by name (boards/<name>.json) or by path to a JSON file. */
export function loadBoard(nameOrPath: string): Board {
  const isPath = nameOrPath.includes("/") || nameOrPath.endsWith(".json");
  if (!isPath && !/^[a-z0-9][a-z0-9-]*$/.test(nameOrPath)) throw new BoardError(`invalid board name '${nameOrPath}'`);
  const file = isPath ? nameOrPath : path.join(boardsDir, `${nameOrPath}.json`);
  if (!fs.existsSync(file)) {
    throw new BoardError(`unknown board '${nameOrPath}' (known boards: ${listBoards().join(", ")})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new BoardError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  return checkBoard(data, path.basename(file));
}

export function channelsOfKind<K extends Channel["kind"]>(board: Board, kind: K): Extract<Channel, { kind: K }>[] {
  return board.channels.filter((c) => c.kind === kind) as Extract<Channel, { kind: K }>[];
}

/** Channel number N of "pulseN", "ctN", "heatN" (1 for "v"). */
export function channelNumber(name: string): number {
  const m = /(\d+)$/.exec(name);
  return m ? Number(m[1]) : 1;
}

const KIND_CODE = { voltage: 1, ct: 2, pulse: 3, heat: 4 } as const;
const KIND_CT_CURVE = 5;
/** One record with every output: 4 bytes each (gpio, flags: bit 0 SSR, bit 7 present, clamp N, load clamp N). */
const KIND_OUTPUTS = 6;
/** Points of a CT error curve per descriptor record (docs/board-abi.md). */
const CURVE_POINTS_PER_RECORD = 2;
export const DESCRIPTOR_ABI_VERSION = 1;
const HEADER_BYTES = 36;
const RECORD_BYTES = 32;
/** fw_board_capacity (docs/board-abi.md). */
const DESCRIPTOR_CAPACITY = 512;

/** Pack the board into the descriptor layout of docs/board-abi.md. */
export function packDescriptor(board: Board, overrides: { nodeId?: number } = {}): Uint8Array {
  // CT error curves travel as extra records (kind 5) after the channels, two points each.
  const curves: { number: number; first: number; points: ErrorCurve }[] = [];
  // The twin's ideal front end has none of the realistic fields (docs/ct.md).
  const realistic = !board.adc.ideal;
  for (const ch of board.channels) {
    if (!realistic || ch.kind !== "ct" || !ch.clamp?.error_curve) continue;
    const curve = ch.clamp.error_curve;
    for (let first = 0; first < curve.length; first += CURVE_POINTS_PER_RECORD) {
      curves.push({ number: channelNumber(ch.name), first, points: curve.slice(first, first + CURVE_POINTS_PER_RECORD) });
    }
  }
  const outputs = board.outputs ?? [];
  const records = board.channels.length + curves.length + (outputs.length > 0 ? 1 : 0);
  if (HEADER_BYTES + RECORD_BYTES * records > DESCRIPTOR_CAPACITY) {
    throw new BoardError(`board ${board.name}: the descriptor needs ${HEADER_BYTES + RECORD_BYTES * records} bytes, the firmware takes ${DESCRIPTOR_CAPACITY} (fewer error_curve points)`);
  }
  const bytes = new Uint8Array(HEADER_BYTES + RECORD_BYTES * records);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x44424d41, true);
  view.setUint16(4, DESCRIPTOR_ABI_VERSION, true);
  view.setUint16(6, records, true);
  view.setUint32(8, overrides.nodeId ?? board.node_id, true);
  view.setUint32(12, board.report_interval_s, true);
  view.setUint32(16, board.adc.sample_rate_hz, true);
  view.setUint16(20, board.adc.bits, true);
  view.setUint16(22, board.adc.bias_code, true);
  view.setUint32(24, board.adc.full_scale_mv, true);
  view.setUint32(28, board.flash.sector_bytes, true);
  view.setUint32(32, board.flash.sectors, true);
  board.channels.forEach((ch, i) => {
    const at = HEADER_BYTES + i * RECORD_BYTES;
    const params: number[] = [];
    let input = 0;
    let flags = 0;
    switch (ch.kind) {
      case "voltage": {
        input = ch.adc_input;
        const adc = board.adc;
        params.push(Math.round(ch.volts_per_adc_volt * 1000), Math.round(ch.phase_deg * 1000),
          realistic ? Math.round((adc.frame_rate_hz ?? 0) * 1000) : 0, realistic ? Math.round((adc.column_step_us ?? 0) * 1000) : 0,
          Math.round((ch.nominal_v ?? 0) * 1000), Math.round(adc.noise_lsb_rms * 1000), realistic ? Math.round(adc.crosstalk_ppm ?? 0) : 0);
        break;
      }
      case "ct":
        input = ch.adc_input;
        flags = ch.direction === "import_only" ? 1 : 0;
        params.push(ch.ratio, Math.round(ch.burden_ohm * 1000), Math.round(ch.rated_a * 1000), Math.round(ch.phase_deg * 1000),
          Math.round((ch.clamp?.max_a ?? 0) * 1000));
        break;
      case "pulse":
        input = ch.gpio;
        params.push(Math.round(ch.filter_ms * 1000), Math.round(ch.wh_per_pulse * 1e6), Math.round((ch.rated_kw ?? 0) * 1000));
        break;
      case "heat":
        input = ch.flow_gpio;
        flags = ch.flow_sensor_pipe === "supply" ? 1 : 0;
        params.push(Math.round(ch.litres_per_pulse * 1000), Math.round(ch.nominal_pressure_bar * 100), Math.round(ch.filter_ms * 1000),
          Math.round((ch.rated_kw ?? 0) * 1000), Math.round((ch.rated_m3h ?? 0) * 1000));
        break;
    }
    view.setUint8(at, KIND_CODE[ch.kind]);
    view.setUint8(at + 1, channelNumber(ch.name));
    view.setUint8(at + 2, input);
    view.setUint8(at + 3, flags);
    params.forEach((p, k) => view.setInt32(at + 4 + 4 * k, p, true));
  });
  curves.forEach((c, i) => {
    const at = HEADER_BYTES + (board.channels.length + i) * RECORD_BYTES;
    view.setUint8(at, KIND_CT_CURVE);
    view.setUint8(at + 1, c.number);
    view.setUint8(at + 2, c.first);
    view.setUint8(at + 3, c.points.length);
    c.points.forEach(([amps, ratioPercent, leadDeg], k) => {
      view.setInt32(at + 4 + 12 * k, Math.round(amps * 1000), true);
      view.setInt32(at + 8 + 12 * k, Math.round(ratioPercent * 10000), true);
      view.setInt32(at + 12 + 12 * k, Math.round(leadDeg * 1000), true);
    });
  });
  if (outputs.length > 0) {
    const at = HEADER_BYTES + (records - 1) * RECORD_BYTES;
    view.setUint8(at, KIND_OUTPUTS);
    view.setUint8(at + 1, 1);
    for (const o of outputs) {
      const e = at + 4 + 4 * (channelNumber(o.name) - 1);
      view.setUint8(e, o.gpio);
      view.setUint8(e + 1, 0x80 | (o.kind === "ssr" ? 1 : 0));
      view.setUint8(e + 2, channelNumber(o.clamp));
      view.setUint8(e + 3, o.load_clamp ? channelNumber(o.load_clamp) : 0);
    }
  }
  return bytes;
}
