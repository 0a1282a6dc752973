// The payload of a billing frame (frame version 2, docs/frames.md "Billing frames"): one
// billing record of the node's flash history (docs/billing.md), as varints.
import { decodeVarint, VarintError } from "./varint.js";
import { FRAME_REGISTERS, FRAME_VALUE_SCALE } from "./registers.js";
import { PayloadError } from "./payload.js";

export const BILLING_FRAME_VERSION = 2;
export const RECORD_KINDS: Record<number, "monthly" | "daily"> = { 1: "monthly", 2: "daily" };
export const RECORD_FLAGS: Record<number, string> = { 0: "late", 1: "clock_step", 2: "first" };
/** Info-code bits of meter.info (docs/billing.md). */
export const INFO_CODES: Record<number, string> = {
  0: "sensor_swap", 1: "no_flow", 2: "continuous_flow", 3: "over_range", 4: "voltage_absent", 5: "store_damage", 6: "sensor_fault",
};

export interface PeakValue {
  /** Hourly average: W for energy registers, L/h for volume registers. */
  peak: number;
  /** Start of that hour, ISO 8601 UTC (absent when the month had no complete hour yet). */
  peak_at?: string;
  /** Mean of the top hours on distinct days (W or L/h). */
  mean: number;
}

export interface BillingRecord {
  kind: "monthly" | "daily";
  seq: number;
  /** The boundary (billing date or day) the record closes, ISO 8601 UTC. */
  at: string;
  taken: string;
  flags: string[];
  /** Register values at the boundary (Wh, L; one decimal). */
  registers: Record<string, number>;
  /** Per register name (ctN.import_wh, pulseN.wh, heatN.heat_wh, heatN.volume_l): the month's peak. */
  peaks: Record<string, PeakValue>;
  operating_s: number;
  error_s: number;
  info_current: string[];
  info_latched: string[];
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace(".000Z", "Z");
const names = (bits: number, table: Record<number, string>) => Object.keys(table).map(Number).filter((b) => (bits >>> b) & 1).map((b) => table[b]);

export function parseBillingPayload(bytes: Uint8Array, at: number, end: number): { status: number; event_counter: number; billing: BillingRecord } {
  try {
    const next = (what: string) => { let v: number; [v, at] = decodeVarint(bytes, at, end, what); return v; };
    const status = next("status");
    const eventCounter = next("event counter");
    const kind = RECORD_KINDS[next("record kind")];
    if (!kind) throw new PayloadError("unknown billing record kind");
    const seq = next("record seq");
    const boundary = next("boundary");
    const taken = next("taken");
    const flags = next("flags");
    const bitmap = next("register bitmap");
    if (bitmap >= 2 ** FRAME_REGISTERS.length) throw new PayloadError(`register bitmap names unknown register ids (0x${bitmap.toString(16)})`);
    const registers: Record<string, number> = {};
    for (const reg of FRAME_REGISTERS) if (Math.floor(bitmap / 2 ** reg.id) % 2 === 1) registers[reg.name] = next(reg.name) / FRAME_VALUE_SCALE;
    const channels = next("channel count");
    const peaks: Record<string, PeakValue> = {};
    for (let i = 0; i < channels; i++) {
      const id = next("channel register id");
      const reg = FRAME_REGISTERS[id];
      if (!reg) throw new PayloadError(`peak of unknown register id ${id}`);
      const peak = next("peak") / 1000;
      const peakAt = next("peak time");
      const mean = next("peak mean") / 1000;
      peaks[reg.name] = { peak, ...(peakAt > 0 ? { peak_at: iso(peakAt) } : {}), mean };
    }
    const operating = next("operating s");
    const error = next("error s");
    const info = next("info code");
    if (at !== end) throw new PayloadError(`${end - at} unexpected byte(s) after the billing record`);
    return {
      status, event_counter: eventCounter,
      billing: { kind, seq, at: iso(boundary), taken: iso(taken), flags: names(flags, RECORD_FLAGS), registers, peaks, operating_s: operating, error_s: error,
        info_current: names(info & 0xffff, INFO_CODES), info_latched: names(Math.floor(info / 65536), INFO_CODES) },
    };
  } catch (e) {
    if (e instanceof VarintError) throw new PayloadError(e.message);
    throw e;
  }
}
