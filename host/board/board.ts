// Board definitions (boards/<name>.json): loading, validation against board.schema.json,
// and packing into the binary descriptor the firmware reads at start-up.
import fs from "node:fs";
import path from "node:path";
import { Ajv } from "ajv";
import type { ErrorObject } from "ajv";
import { boardsDir } from "../paths.js";

export interface AdcSpec { bits: number; full_scale_mv: number; bias_code: number; sample_rate_hz: number; noise_lsb_rms: number }
/** The components of one particular unit (tolerances): the twin's signals use them, the firmware gets the nominal values. */
export interface VoltageAsBuilt { volts_per_adc_volt?: number; phase_deg?: number }
export interface CtAsBuilt { ratio?: number; burden_ohm?: number; phase_deg?: number }
export interface VoltageChannel { name: "v"; kind: "voltage"; adc_input: number; volts_per_adc_volt: number; phase_deg: number; as_built?: VoltageAsBuilt }
export interface CtChannel { name: string; kind: "ct"; adc_input: number; ratio: number; burden_ohm: number; rated_a: number; phase_deg: number; as_built?: CtAsBuilt }
/** `rated_kw`: the most the connected meter delivers (absent: what the input filter lets through). */
export interface PulseChannel { name: string; kind: "pulse"; gpio: number; filter_ms: number; wh_per_pulse: number; rated_kw?: number }
export interface HeatChannel {
  name: string; kind: "heat"; flow_gpio: number; litres_per_pulse: number; flow_sensor_pipe: "supply" | "return";
  nominal_pressure_bar: number; temperature_sensor: string; filter_ms: number;
  /** Rated (maximum) power and flow of the circuit (absent: derived from the flow input's filter). */
  rated_kw?: number; rated_m3h?: number;
}
export type Channel = VoltageChannel | CtChannel | PulseChannel | HeatChannel;
export interface Board {
  name: string; chip: string; description?: string; adc: AdcSpec;
  flash: { sector_bytes: number; sectors: number };
  report_interval_s: number; node_id: number; channels: Channel[];
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
export const DESCRIPTOR_ABI_VERSION = 1;
const HEADER_BYTES = 36;
const RECORD_BYTES = 32;

/** Pack the board into the descriptor layout of docs/board-abi.md. */
export function packDescriptor(board: Board, overrides: { nodeId?: number } = {}): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + RECORD_BYTES * board.channels.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, 0x44424d41, true);
  view.setUint16(4, DESCRIPTOR_ABI_VERSION, true);
  view.setUint16(6, board.channels.length, true);
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
      case "voltage":
        input = ch.adc_input;
        params.push(Math.round(ch.volts_per_adc_volt * 1000), Math.round(ch.phase_deg * 1000));
        break;
      case "ct":
        input = ch.adc_input;
        params.push(ch.ratio, Math.round(ch.burden_ohm * 1000), Math.round(ch.rated_a * 1000), Math.round(ch.phase_deg * 1000));
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
  return bytes;
}
