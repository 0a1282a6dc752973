// Frame format version 1 (docs/frames.md): a pure codec, bytes in, object out, and back.
// No I/O and no clock, so gateways, the CLI, the twin and browsers can all use it.
//   suite 0: header | payload | CRC-32                          (no key: anyone can forge it)
//   suite 1: header | payload | CMAC-64 with the node key        (old nodes: signed, in clear)
//   suite 2: header | key version | AES-CTR(payload) | CMAC-64   (the default: derived keys)
import { crc32 } from "./crc32.js";
import { decodeVarint, encodeVarint, VarintError } from "./varint.js";
import { parsePayload, encodePayload, PayloadError } from "./payload.js";
import type { KeyLookup } from "./keyring.js";
import { FrameKey, frameNonce } from "./frame-keys.js";
import { aes128Ctr } from "../crypto/ctr.js";
import { parseBillingPayload, BILLING_FRAME_VERSION } from "./billing-payload.js";
import type { BillingRecord } from "./billing-payload.js";

export const FRAME_VERSION = 1;
export const SUITE_CRC32 = 0;
export const SUITE_CMAC64 = 1;
export const SUITE_CTR_CMAC64 = 2;
export const SUITE_NAMES: Record<number, string> = { 0: "crc32", 1: "aes128-cmac64", 2: "aes128-ctr-cmac64" };
const HEADER_BYTES = 2;
const TRAILER_BYTES: Record<number, number> = { 0: 4, 1: 8, 2: 8 };
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
  11: "time_unknown",
  12: "info_code",
  13: "output_override",
  14: "demand_response",
};

/** What a frame says before its payload: readable without a key (and unverified until checked). */
export interface FrameHeader {
  version: number;
  suite: string;
  node: number;
  /** Suite 2 only: which of the node's keys sealed the frame. */
  key_version?: number;
  counter: number;
  /** True for suite 2: the payload cannot be read without the key. */
  encrypted: boolean;
}

export interface Frame extends FrameHeader {
  /** True when the MAC was verified with the node's key (suites 1 and 2). */
  authenticated: boolean;
  status: number;
  status_flags: string[];
  event_counter: number;
  /** Register name -> value in Wh or L (one decimal), every register the frame carries (none in a billing frame). */
  registers: Record<string, number>;
  /** A billing frame (version 2): one record of the node's billing history. */
  billing?: BillingRecord;
}

/** Why a frame was refused, for counting (gateways) without parsing messages. */
export type FrameRejection = "too_short" | "too_long" | "bad_version" | "bad_suite" | "crc_mismatch" | "mac_mismatch"
  | "unknown_node" | "unknown_key_version" | "unauthenticated" | "malformed" | "bad_hex";

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
  /** Keys for authenticated frames (suites 1, 2); without them such frames are refused. */
  keys?: KeyLookup;
  /**
   * Refuse frames that carry only a CRC (suite 0). Gateways metering for real set this. Suite 0
   * is refused anyway for a node that has a key in `keys` (a downgrade), whatever this says.
   */
  requireAuthentication?: boolean;
}

function hex32(n: number): string {
  return "0x" + n.toString(16).padStart(8, "0");
}

function varint(bytes: Uint8Array, at: number, end: number, what: string): [number, number] {
  try {
    return decodeVarint(bytes, at, end, what);
  } catch (e) {
    if (e instanceof VarintError) throw new FrameError(e.message);
    throw e;
  }
}

/** Length, version and suite checks every frame passes first; returns the suite. */
function checkEnvelope(bytes: Uint8Array): number {
  if (bytes.length < MIN_FRAME_BYTES) throw new FrameError(`frame too short: ${bytes.length} bytes, at least ${MIN_FRAME_BYTES} needed`, "too_short");
  if (bytes.length > MAX_FRAME_BYTES) throw new FrameError(`frame too long: ${bytes.length} bytes, at most ${MAX_FRAME_BYTES}`, "too_long");
  if (bytes[0] !== FRAME_VERSION && bytes[0] !== BILLING_FRAME_VERSION) throw new FrameError(`unsupported frame version ${bytes[0]} (this decoder reads versions ${FRAME_VERSION} and ${BILLING_FRAME_VERSION})`, "bad_version");
  const suite = bytes[1];
  if (TRAILER_BYTES[suite] === undefined) throw new FrameError(`unknown authentication suite ${suite}`, "bad_suite");
  return suite;
}

/** The header fields and where the payload starts (unverified). */
function parseHeader(bytes: Uint8Array, suite: number, end: number): FrameHeader & { payloadAt: number } {
  let at = HEADER_BYTES;
  let node: number, counter: number, keyVersion: number | undefined;
  [node, at] = varint(bytes, at, end, "node id");
  if (suite === SUITE_CTR_CMAC64) [keyVersion, at] = varint(bytes, at, end, "key version");
  [counter, at] = varint(bytes, at, end, "frame counter");
  if (node > 0xffffffff || counter > 0xffffffff || (keyVersion ?? 0) > 0xffffffff) throw new FrameError("header field above 32 bits");
  if (keyVersion === 0) throw new FrameError("key version 0 (reserved for 'no key')");
  const header: FrameHeader & { payloadAt: number } = { version: bytes[0], suite: SUITE_NAMES[suite], node, counter, encrypted: suite === SUITE_CTR_CMAC64, payloadAt: at };
  if (keyVersion !== undefined) header.key_version = keyVersion;
  return header;
}

/** The header of a frame, read without any key: nothing in it is verified. Throws FrameError if unreadable. */
export function decodeFrameHeader(bytes: Uint8Array): FrameHeader {
  const suite = checkEnvelope(bytes);
  const { payloadAt: _, ...header } = parseHeader(bytes, suite, bytes.length - TRAILER_BYTES[suite]);
  return header;
}

/** Decode one frame; throws FrameError saying exactly what is wrong. The MAC is checked before anything is trusted. */
export function decodeFrame(bytes: Uint8Array, options: DecodeOptions = {}): Frame {
  const suite = checkEnvelope(bytes);
  const end = bytes.length - TRAILER_BYTES[suite];
  const header = parseHeader(bytes, suite, end);
  const { node } = header;
  let payloadBytes = bytes;
  let payloadAt = header.payloadAt;
  let payloadEnd = end;
  if (suite === SUITE_CRC32) {
    if (options.keys?.hasKey(node)) throw new FrameError(`unauthenticated frame (suite 0, CRC only) refused: node ${node} has a key, so only authenticated frames are accepted from it`, "unauthenticated");
    if (options.requireAuthentication) throw new FrameError("unauthenticated frame (suite 0, CRC only) refused: this gateway requires authenticated frames", "unauthenticated");
    const stored = new DataView(bytes.buffer, bytes.byteOffset + end, 4).getUint32(0, true);
    const computed = crc32(bytes, 0, end);
    if (stored !== computed) throw new FrameError(`CRC mismatch: frame says ${hex32(stored)}, content gives ${hex32(computed)} (corrupted or truncated frame)`, "crc_mismatch");
  } else if (suite === SUITE_CMAC64) {
    const keys = options.keys?.keysOf(node) ?? [];
    if (keys.length === 0) throw new FrameError(`no key for node ${node}: add it to the keyring (--keys FILE)`, "unknown_node");
    // Suite 1 frames name no key version: any of the node's keys may have signed it.
    const body = bytes.subarray(0, end);
    const tag = bytes.subarray(end);
    if (!keys.some((k) => k.suite1().verify64(body, tag))) {
      throw new FrameError(`MAC mismatch for node ${node}: forged, corrupted, or signed with another key`, "mac_mismatch");
    }
  } else {
    const version = header.key_version!;
    const key = options.keys?.keyFor(node, version);
    if (!key) {
      if (options.keys?.hasKey(node)) {
        const held = options.keys.keysOf(node).map((k) => k.version).join(", ");
        throw new FrameError(`no key version ${version} for node ${node} (the keyring has version${held.includes(",") ? "s" : ""} ${held}): add it to the keyring`, "unknown_key_version");
      }
      throw new FrameError(`no key for node ${node}: add it to the keyring (--keys FILE)`, "unknown_node");
    }
    const { enc, mac } = key.suite2();
    if (!mac.verify64(bytes.subarray(0, end), bytes.subarray(end))) {
      throw new FrameError(`MAC mismatch for node ${node} key version ${version}: forged, corrupted, or sealed with another key`, "mac_mismatch");
    }
    payloadBytes = aes128Ctr(enc, frameNonce(node, version, header.counter), bytes.subarray(header.payloadAt, end));
    payloadAt = 0;
    payloadEnd = payloadBytes.length;
  }
  let payload;
  let billing: BillingRecord | undefined;
  try {
    if (header.version === BILLING_FRAME_VERSION) {
      const b = parseBillingPayload(payloadBytes, payloadAt, payloadEnd);
      payload = { status: b.status, event_counter: b.event_counter, registers: {} };
      billing = b.billing;
    } else {
      payload = parsePayload(payloadBytes, payloadAt, payloadEnd);
    }
  } catch (e) {
    if (e instanceof PayloadError) throw new FrameError(e.message);
    throw e;
  }
  const frame: Frame = {
    version: header.version, suite: header.suite, node, counter: header.counter, encrypted: header.encrypted,
    authenticated: suite !== SUITE_CRC32, status: payload.status, status_flags: statusNames(payload.status),
    event_counter: payload.event_counter, registers: payload.registers,
  };
  if (header.key_version !== undefined) frame.key_version = header.key_version;
  if (billing) frame.billing = billing;
  return frame;
}

export interface FrameFields {
  node: number; counter: number; status?: number; event_counter?: number;
  /** Register name -> value in Wh or L; truncated to 0.1. Every register named is carried, zeros too. */
  registers: Record<string, number>;
}

export interface EncodeOptions {
  /** With a key: 2 (default) or 1 (an old node). Without a key always 0. */
  suite?: 1 | 2;
  /** Suite 2 key version when `key` is raw bytes (default 1); a FrameKey carries its own. */
  keyVersion?: number;
}

/** Encode a frame: with a key, suite 2 (or 1 if asked); without one, CRC-32 (suite 0). */
export function encodeFrame(fields: FrameFields, key?: Uint8Array | FrameKey, options: EncodeOptions = {}): Uint8Array {
  const suite = key ? options.suite ?? SUITE_CTR_CMAC64 : SUITE_CRC32;
  const out: number[] = [FRAME_VERSION, suite];
  const payload: number[] = [];
  try {
    encodeVarint(fields.node, out);
    const frameKey = key instanceof FrameKey ? key : key ? new FrameKey(fields.node, options.keyVersion ?? 1, key) : undefined;
    if (suite === SUITE_CTR_CMAC64) encodeVarint(frameKey!.version, out);
    encodeVarint(fields.counter, out);
    encodePayload(fields.status ?? 0, fields.event_counter ?? 0, fields.registers, payload);
    if (suite === SUITE_CTR_CMAC64) {
      if (frameKey!.node !== fields.node) throw new FrameError(`key of node ${frameKey!.node} cannot seal a frame of node ${fields.node}`);
      const { enc, mac } = frameKey!.suite2();
      const bytes = new Uint8Array(out.length + payload.length + 8);
      bytes.set(out);
      bytes.set(aes128Ctr(enc, frameNonce(fields.node, frameKey!.version, fields.counter), Uint8Array.from(payload)), out.length);
      bytes.set(mac.mac64(bytes.subarray(0, out.length + payload.length)), out.length + payload.length);
      return bytes;
    }
    out.push(...payload);
    const bytes = new Uint8Array(out.length + TRAILER_BYTES[suite]);
    bytes.set(out);
    if (suite === SUITE_CMAC64) bytes.set(frameKey!.suite1().mac64(bytes.subarray(0, out.length)), out.length);
    else new DataView(bytes.buffer).setUint32(out.length, crc32(bytes, 0, out.length), true);
    return bytes;
  } catch (e) {
    if (e instanceof VarintError || e instanceof PayloadError) throw new FrameError(e.message);
    throw e;
  }
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
