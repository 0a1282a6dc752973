// Frame format version 1 (docs/frames.md): a pure codec, bytes in, object out, and back.
// No I/O and no clock, so gateways, the CLI, the twin and browsers can all use it.
import { crc32 } from "./crc32.js";
import { decodeVarint, encodeVarint, VarintError } from "./varint.js";
import { FRAME_REGISTERS, FRAME_VALUE_SCALE, registerIdByName } from "./registers.js";
import type { KeyLookup } from "./keyring.js";
import { AesCmac } from "../crypto/cmac.js";

export const FRAME_VERSION = 1;
export const SUITE_CRC32 = 0;
export const SUITE_CMAC64 = 1;
export const SUITE_NAMES: Record<number, string> = { 0: "crc32", 1: "aes128-cmac64" };
const HEADER_BYTES = 2;
const TRAILER_BYTES: Record<number, number> = { 0: 4, 1: 8 };
/** The smallest frame: header, five one-byte varints, CRC. */
export const MIN_FRAME_BYTES = HEADER_BYTES + 5 + 4;
export const MAX_FRAME_BYTES = 250;

export const STATUS_FLAGS: Record<number, string> = {
  0: "input_rejected",
  1: "volatile_registers",
  2: "config_changed",
  3: "sensor_fault",
  4: "store_corrupt",
  5: "unauthenticated",
  6: "ct_fault",
  7: "over_range",
  8: "under_voltage",
  9: "reverse_energy",
  10: "adc_gap",
};

export interface Frame {
  version: number;
  suite: string;
  /** True when the MAC was verified with the node's key (suite 1). */
  authenticated: boolean;
  node: number;
  counter: number;
  status: number;
  status_flags: string[];
  event_counter: number;
  /** Register name -> value in Wh or L (one decimal), only registers that are not zero. */
  registers: Record<string, number>;
}

/** Why a frame was refused, for counting (gateways) without parsing messages. */
export type FrameRejection = "too_short" | "too_long" | "bad_version" | "bad_suite" | "crc_mismatch" | "mac_mismatch"
  | "unknown_node" | "unauthenticated" | "malformed" | "bad_hex";

export class FrameError extends Error {
  constructor(message: string, readonly reason: FrameRejection = "malformed") {
    super(message);
  }
}

export function statusNames(status: number): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 31; bit++) {
    if (status & (1 << bit)) names.push(STATUS_FLAGS[bit] ?? `bit${bit}`);
  }
  return names;
}

export interface DecodeOptions {
  /** Keys for authenticated frames (suite 1); without them such frames are refused. */
  keys?: KeyLookup;
  /** Refuse frames that carry only a CRC (suite 0). Gateways metering for real set this. */
  requireAuthentication?: boolean;
}

function hex32(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

/** Check the trailer (CRC or MAC); returns the end of the frame body. */
function checkTrailer(bytes: Uint8Array, suite: number, options: DecodeOptions): number {
  const end = bytes.length - TRAILER_BYTES[suite];
  if (suite === SUITE_CRC32) {
    if (options.requireAuthentication) throw new FrameError("unauthenticated frame (suite 0, CRC only) refused: this gateway requires AES-CMAC", "unauthenticated");
    const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true);
    const computed = crc32(bytes, 0, end);
    if (stored !== computed) throw new FrameError(`CRC mismatch: frame says ${hex32(stored)}, content gives ${hex32(computed)} (corrupted or truncated frame)`, "crc_mismatch");
    return end;
  }
  let node: number;
  try {
    [node] = decodeVarint(bytes, HEADER_BYTES, end, "node id");
  } catch (e) {
    throw new FrameError((e as Error).message);
  }
  const engine = options.keys?.cmacFor(node);
  if (!engine) throw new FrameError(`no key for node ${node}: add it to the keyring (--keys FILE)`, "unknown_node");
  if (!engine.verify64(bytes.subarray(0, end), bytes.subarray(end))) {
    throw new FrameError(`MAC mismatch for node ${node}: forged, corrupted, or signed with another key`, "mac_mismatch");
  }
  return end;
}

/** Decode one frame; throws FrameError saying exactly what is wrong. */
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): Frame {
  if (bytes.length < MIN_FRAME_BYTES) throw new FrameError(`frame too short: ${bytes.length} bytes, at least ${MIN_FRAME_BYTES} needed`, "too_short");
  if (bytes.length > MAX_FRAME_BYTES) throw new FrameError(`frame too long: ${bytes.length} bytes, at most ${MAX_FRAME_BYTES}`, "too_long");
  if (bytes[0] !== FRAME_VERSION) throw new FrameError(`unsupported frame version ${bytes[0]} (this decoder reads version ${FRAME_VERSION})`, "bad_version");
  const suite = bytes[1];
  if (TRAILER_BYTES[suite] === undefined) throw new FrameError(`unknown authentication suite ${suite}`, "bad_suite");
  const end = checkTrailer(bytes, suite, options);
  try {
    let at = HEADER_BYTES;
    let node: number, counter: number, status: number, eventCounter: number, bitmap: number;
    [node, at] = decodeVarint(bytes, at, end, "node id");
    [counter, at] = decodeVarint(bytes, at, end, "frame counter");
    [status, at] = decodeVarint(bytes, at, end, "status");
    [eventCounter, at] = decodeVarint(bytes, at, end, "event counter");
    [bitmap, at] = decodeVarint(bytes, at, end, "register bitmap");
    if (node > 0xffffffff || counter > 0xffffffff || status > 0xffffffff || eventCounter > 0xffffffff) {
      throw new FrameError("header field above 32 bits");
    }
    if (bitmap >= 2 ** FRAME_REGISTERS.length) throw new FrameError(`register bitmap names unknown register ids (0x${bitmap.toString(16)})`);
    const registers: Record<string, number> = {};
    for (const reg of FRAME_REGISTERS) {
      if (Math.floor(bitmap / 2 ** reg.id) % 2 === 0) continue;
      let raw: number;
      [raw, at] = decodeVarint(bytes, at, end, reg.name);
      registers[reg.name] = raw / FRAME_VALUE_SCALE;
    }
    if (at !== end) throw new FrameError(`${end - at} unexpected byte(s) after the last register`);
    return {
      version: FRAME_VERSION, suite: SUITE_NAMES[suite], authenticated: suite === SUITE_CMAC64, node, counter, status,
      status_flags: statusNames(status), event_counter: eventCounter, registers,
    };
  } catch (e) {
    if (e instanceof VarintError) throw new FrameError(e.message);
    throw e;
  }
}

export interface FrameFields {
  node: number; counter: number; status?: number; event_counter?: number;
  /** Register name -> value in Wh or L; truncated to 0.1. Zero values are left out. */
  registers: Record<string, number>;
}

/** Encode a frame: with a 16-byte `key`, authenticated (suite 1); without, CRC-32 (suite 0). */
export function encodeFrame(fields: FrameFields, key?: Uint8Array): Uint8Array {
  const out: number[] = [FRAME_VERSION, key ? SUITE_CMAC64 : SUITE_CRC32];
  const values: [number, number][] = [];
  for (const [name, value] of Object.entries(fields.registers)) {
    const id = registerIdByName.get(name);
    if (id === undefined) throw new FrameError(`unknown register '${name}'`);
    if (!(value >= 0)) throw new FrameError(`register '${name}' must be a non-negative number, not ${value}`);
    const raw = Math.floor(value * FRAME_VALUE_SCALE + 1e-9);
    if (raw > 0) values.push([id, raw]);
  }
  values.sort((a, b) => a[0] - b[0]);
  encodeVarint(fields.node, out);
  encodeVarint(fields.counter, out);
  encodeVarint(fields.status ?? 0, out);
  encodeVarint(fields.event_counter ?? 0, out);
  encodeVarint(values.reduce((m, [id]) => m + 2 ** id, 0), out);
  for (const [, raw] of values) encodeVarint(raw, out);
  const bytes = new Uint8Array(out.length + (key ? 8 : 4));
  bytes.set(out);
  if (key) bytes.set(new AesCmac(key).mac64(bytes.subarray(0, out.length)), out.length);
  else new DataView(bytes.buffer).setUint32(out.length, crc32(bytes, 0, out.length), true);
  return bytes;
}

/** Parse hex text ("01 00 81…" or "0100…"); throws FrameError on anything but hex digits. */
export function hexToBytes(text: string): Uint8Array {
  const clean = text.replace(/[\s:]/g, "").replace(/^0x/i, "");
  if (clean.length === 0) throw new FrameError("empty frame", "bad_hex");
  if (!/^[0-9a-fA-F]*$/.test(clean)) throw new FrameError(`not hexadecimal: '${text.length > 40 ? text.slice(0, 40) + "…" : text}'`, "bad_hex");
  if (clean.length % 2 !== 0) throw new FrameError(`odd number of hex digits (${clean.length})`, "bad_hex");
  const bytes = new Uint8Array(clean.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(clean.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

export function bytesToHex(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i++) text += HEX[bytes[i]];
  return text;
}
