// The scenario's optional `downlinks` list (docs/scenarios.md): commands the twin's radio
// receives at given times, sealed with the twin's node key, or raw bytes (for forged, replayed or
// damaged commands). Parsing and validation only; the twin seals and delivers them.
import { DEMAND_LEVELS, OUTPUT_MODES, MAX_VALID_S, MIN_TIME_SYNC_UTC_S, MAX_DOWNLINK_BYTES } from "../frame/downlink.js";
import type { DownlinkCommand } from "../frame/downlink.js";

export interface ScenarioDownlink {
  atS: number;
  /** Raw bytes as received (`hex`), delivered as they are. */
  bytes?: Uint8Array;
  /** Or a command the twin seals with its key: counter (default: one above the previous), times. */
  command?: DownlinkCommand & { counter?: number; sent_utc_s: number; valid_s: number };
}

type Json = Record<string, unknown>;

/** Set by parseDownlinks: the scenario parser's refusal (a ScenarioError naming the field). */
let fail: (message: string) => never = (m) => { throw new Error(m); };

const FIELDS: Record<string, string[]> = {
  demand: ["level"], override: ["output", "mode"], time_sync: ["utc_s"],
};

function int(o: Json, key: string, w: string, min: number, max: number, fallback?: number): number {
  const v = o[key];
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) fail(`'${w}${key}' must be a whole number from ${min} to ${max}, not ${JSON.stringify(v)}`);
  return v;
}

function oneOf<T extends string>(o: Json, key: string, w: string, values: readonly T[]): T {
  const v = o[key];
  if (typeof v !== "string" || !values.includes(v as T)) fail(`'${w}${key}' must be one of ${values.join(", ")}, not ${JSON.stringify(v)}`);
  return v as T;
}

export function parseDownlinks(raw: unknown, seconds: number, refuse: (message: string) => never): ScenarioDownlink[] {
  fail = refuse;
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) fail(`'downlinks' must be a list of {at_s, command, …} or {at_s, hex}`);
  let last = -1;
  return raw.map((o, i): ScenarioDownlink => {
    const w = `downlinks[${i}].`;
    if (typeof o !== "object" || o === null || Array.isArray(o)) fail(`'downlinks[${i}]' must be an object`);
    const d = o as Json;
    const atS = d.at_s;
    if (typeof atS !== "number" || !Number.isFinite(atS) || atS < 0 || atS > seconds) fail(`'${w}at_s' must be a time from 0 to ${seconds} s, not ${JSON.stringify(atS)}`);
    if (atS < last) fail(`'${w}at_s' must not be before the previous downlink's (${last} s)`);
    last = atS;
    if (d.hex !== undefined) {
      for (const k of Object.keys(d)) if (k !== "at_s" && k !== "hex") fail(`unknown field '${w}${k}' (a raw downlink has at_s and hex only)`);
      if (typeof d.hex !== "string" || !/^([0-9a-fA-F]{2}){1,64}$/.test(d.hex)) fail(`'${w}hex' must be 1 to ${MAX_DOWNLINK_BYTES} bytes in hex`);
      return { atS, bytes: Uint8Array.from(Buffer.from(d.hex, "hex")) };
    }
    const command = oneOf(d, "command", w, ["demand", "override", "time_sync"] as const);
    const allowed = ["at_s", "command", "counter", "valid_s", "sent_utc_s", ...FIELDS[command]];
    for (const k of Object.keys(d)) if (!allowed.includes(k)) fail(`unknown field '${w}${k}' (allowed for ${command}: ${allowed.join(", ")})`);
    const counter = d.counter === undefined ? undefined : int(d, "counter", w, 1, 0xffffffff);
    const validS = int(d, "valid_s", w, 0, MAX_VALID_S, command === "time_sync" ? 60 : undefined);
    if (command === "time_sync") {
      if (d.sent_utc_s !== undefined) fail(`'${w}sent_utc_s' is utc_s for a time sync`);
      const utc = int(d, "utc_s", w, MIN_TIME_SYNC_UTC_S, 2 ** 40);
      return { atS, command: { command, counter, sent_utc_s: utc, valid_s: validS } };
    }
    const sent = int(d, "sent_utc_s", w, 0, 2 ** 40, 0);
    if (command === "demand") return { atS, command: { command, level: oneOf(d, "level", w, DEMAND_LEVELS), counter, sent_utc_s: sent, valid_s: validS } };
    return { atS, command: { command, output: int(d, "output", w, 1, 4), mode: oneOf(d, "mode", w, OUTPUT_MODES), counter, sent_utc_s: sent, valid_s: validS } };
  });
}
