// Downlink commands, gateway to node (docs/frames.md, "Downlink"): a demand-response level, an
// output override or a time sync, authenticated with CMAC-64 under K_dl (a key derived from the
// node key with its own KDF label, so no uplink tag is ever a downlink tag) and numbered by a
// downlink counter the node persists. Pure codec: no I/O, no clock.
import { FrameKey } from "./frame-keys.js";
import type { KeyLookup } from "./keyring.js";
import { encodeVarint, decodeVarint, VarintError } from "./varint.js";

export const DOWNLINK_VERSION = 1;
/** The second byte: no uplink suite (0, 1, 2), so neither side ever takes one for the other. */
export const DOWNLINK_TYPE = 0x82;
export const DOWNLINK_TAG_BYTES = 8;
/** The node takes at most this many bytes (its fw_scratch_ptr buffer). */
export const MAX_DOWNLINK_BYTES = 64;
export const MAX_VALID_S = 604_800;
export const MIN_TIME_SYNC_UTC_S = 1_577_836_800;
const MAX_U32 = 0xffffffff;
const MAX_UTC_S = 2 ** 40;

export const DOWNLINK_COMMANDS = { demand: 1, override: 2, time_sync: 3 } as const;
/** Wire values = the outputs' control API (assembly/outputs/rules.ts: DR_*, MODE_*). */
export const DEMAND_LEVELS = ["normal", "reduce", "shed"] as const;
export const OUTPUT_MODES = ["off", "on", "auto"] as const;
export type DemandLevel = (typeof DEMAND_LEVELS)[number];
export type OutputMode = (typeof OUTPUT_MODES)[number];

/** fw_downlink's results (docs/board-abi.md), by code. */
export const DOWNLINK_RESULTS = ["accepted", "bad_mac", "replay", "expired", "malformed", "unknown_command", "not_applicable", "store_failed"] as const;
export type DownlinkResult = (typeof DOWNLINK_RESULTS)[number];

export function downlinkResultName(code: number): string {
  return DOWNLINK_RESULTS[code] ?? (code === -1 ? "not_started" : code === -5 ? "too_long" : `code ${code}`);
}

export type DownlinkCommand =
  | { command: "demand"; level: DemandLevel }
  | { command: "override"; output: number; mode: OutputMode }
  | { command: "time_sync" };

export type DownlinkFields = DownlinkCommand & {
  node: number;
  key_version: number;
  counter: number;
  /** The gateway's UTC seconds when it sealed the command (0: no clock; the time of a time sync). */
  sent_utc_s: number;
  /** Seconds the command stays in force from `sent_utc_s` (1 … 604 800). */
  valid_s: number;
};

export class DownlinkError extends Error {
  constructor(readonly reason: "malformed" | "bad_mac" | "unknown_node" | "unknown_command", message: string) {
    super(message);
  }
}

function checkInt(value: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(value) || value < min || value > max) throw new RangeError(`${what} must be an integer from ${min} to ${max}, not ${value}`);
}

/** The bytes before the tag. Throws RangeError for a field out of range. */
export function downlinkBody(fields: DownlinkFields): Uint8Array {
  checkInt(fields.node, 1, MAX_U32 - 1, "node id");
  checkInt(fields.key_version, 1, MAX_U32, "key version");
  checkInt(fields.counter, 1, MAX_U32, "downlink counter");
  checkInt(fields.valid_s, 0, MAX_VALID_S, "valid_s"); // 0: the node refuses it as expired
  checkInt(fields.sent_utc_s, fields.command === "time_sync" ? MIN_TIME_SYNC_UTC_S : 0, MAX_UTC_S, "sent_utc_s");
  const out: number[] = [DOWNLINK_VERSION, DOWNLINK_TYPE];
  encodeVarint(fields.node, out);
  encodeVarint(fields.key_version, out);
  encodeVarint(fields.counter, out);
  out.push(DOWNLINK_COMMANDS[fields.command]);
  encodeVarint(fields.sent_utc_s, out);
  encodeVarint(fields.valid_s, out);
  if (fields.command === "demand") {
    const level = DEMAND_LEVELS.indexOf(fields.level);
    if (level < 0) throw new RangeError(`demand level must be one of ${DEMAND_LEVELS.join(", ")}, not ${fields.level}`);
    out.push(level);
  } else if (fields.command === "override") {
    checkInt(fields.output, 1, 4, "output");
    const mode = OUTPUT_MODES.indexOf(fields.mode);
    if (mode < 0) throw new RangeError(`output mode must be one of ${OUTPUT_MODES.join(", ")}, not ${fields.mode}`);
    out.push(fields.output, mode);
  }
  return Uint8Array.from(out);
}

/** A sealed downlink for the node key (or its FrameKey) of `fields.key_version`. */
export function encodeDownlink(fields: DownlinkFields, key: Uint8Array | FrameKey): Uint8Array {
  const frameKey = key instanceof FrameKey ? key : new FrameKey(fields.node, fields.key_version, key);
  if (frameKey.node !== fields.node || frameKey.version !== fields.key_version) throw new RangeError("the key is not the node's key of that version");
  const body = downlinkBody(fields);
  const out = new Uint8Array(body.length + DOWNLINK_TAG_BYTES);
  out.set(body);
  out.set(frameKey.downlink().mac64(body), body.length);
  return out;
}

/** Verify and decode a downlink with the keyring (what a node does, for tests, logs and `decode`). */
export function decodeDownlink(bytes: Uint8Array, keys: KeyLookup): DownlinkFields {
  if (bytes.length < 16 || bytes.length > MAX_DOWNLINK_BYTES) throw new DownlinkError("malformed", `a downlink is 16 to ${MAX_DOWNLINK_BYTES} bytes, not ${bytes.length}`);
  if (bytes[0] !== DOWNLINK_VERSION || bytes[1] !== DOWNLINK_TYPE) throw new DownlinkError("malformed", "not a downlink (version 1, type 0x82)");
  const end = bytes.length - DOWNLINK_TAG_BYTES;
  let at = 2;
  const read = (what: string, max: number): number => {
    let value: number;
    try {
      [value, at] = decodeVarint(bytes, at, end, what);
    } catch (e) {
      if (e instanceof VarintError) throw new DownlinkError("malformed", e.message);
      throw e;
    }
    if (value > max) throw new DownlinkError("malformed", `${what} ${value} is above ${max}`);
    return value;
  };
  const node = read("node id", MAX_U32);
  const keyVersion = read("key version", MAX_U32);
  const counter = read("downlink counter", MAX_U32);
  const key = keys.keyFor(node, keyVersion);
  if (!key) throw new DownlinkError("unknown_node", `no key of version ${keyVersion} for node ${node}`);
  if (!key.downlink().verify64(bytes.subarray(0, end), bytes.subarray(end))) throw new DownlinkError("bad_mac", "downlink MAC does not match");
  if (at >= end) throw new DownlinkError("malformed", "no command");
  const code = bytes[at++];
  const name = (Object.keys(DOWNLINK_COMMANDS) as (keyof typeof DOWNLINK_COMMANDS)[]).find((k) => DOWNLINK_COMMANDS[k] === code);
  if (!name) throw new DownlinkError("unknown_command", `unknown downlink command ${code}`);
  const sent = read("sent_utc_s", MAX_UTC_S);
  const valid = read("valid_s", MAX_VALID_S);
  const base = { node, key_version: keyVersion, counter, sent_utc_s: sent, valid_s: valid };
  let fields: DownlinkFields;
  if (name === "demand") fields = { ...base, command: name, level: DEMAND_LEVELS[read("level", 2)] };
  else if (name === "override") {
    const output = read("output", 4);
    if (output === 0) throw new DownlinkError("malformed", "outputs are numbered 1 to 4");
    fields = { ...base, command: name, output, mode: OUTPUT_MODES[read("mode", 2)] };
  } else {
    if (sent < MIN_TIME_SYNC_UTC_S) throw new DownlinkError("malformed", "a time sync needs the gateway's UTC time");
    fields = { ...base, command: name };
  }
  if (at !== end) throw new DownlinkError("malformed", "trailing bytes after the command");
  return fields;
}

/** True when the bytes look like a downlink (what a gateway refuses as an uplink). */
export function isDownlink(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === DOWNLINK_VERSION && bytes[1] === DOWNLINK_TYPE;
}
