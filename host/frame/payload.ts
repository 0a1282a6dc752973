// The frame payload (docs/frames.md): status, event counter, register bitmap and the values,
// as varints. In suites 0 and 1 it follows the header in clear; in suite 2 it is encrypted.
import { decodeVarint, encodeVarint, VarintError } from "./varint.js";
import { FRAME_REGISTERS, FRAME_VALUE_SCALE, registerIdByName } from "./registers.js";

export class PayloadError extends Error {}

export interface Payload {
  status: number;
  event_counter: number;
  /** Register name -> value in Wh or L (one decimal): every register the frame carries, zeros included. */
  registers: Record<string, number>;
}

/** Parse `bytes[at, end)` as a payload, which must fill it exactly. */
export function parsePayload(bytes: Uint8Array, at: number, end: number): Payload {
  try {
    let status: number, eventCounter: number, bitmap: number;
    [status, at] = decodeVarint(bytes, at, end, "status");
    [eventCounter, at] = decodeVarint(bytes, at, end, "event counter");
    [bitmap, at] = decodeVarint(bytes, at, end, "register bitmap");
    if (status > 0xffffffff || eventCounter > 0xffffffff) throw new PayloadError("header field above 32 bits");
    if (bitmap >= 2 ** FRAME_REGISTERS.length) throw new PayloadError(`register bitmap names unknown register ids (0x${bitmap.toString(16)})`);
    const registers: Record<string, number> = {};
    for (const reg of FRAME_REGISTERS) {
      if (Math.floor(bitmap / 2 ** reg.id) % 2 === 0) continue;
      let raw: number;
      [raw, at] = decodeVarint(bytes, at, end, reg.name);
      registers[reg.name] = raw / FRAME_VALUE_SCALE;
    }
    if (at !== end) throw new PayloadError(`${end - at} unexpected byte(s) after the last register`);
    return { status, event_counter: eventCounter, registers };
  } catch (e) {
    if (e instanceof VarintError) throw new PayloadError(e.message);
    throw e;
  }
}

/**
 * Append a payload to `out`. Every register named in `registers` is carried, a zero too (a
 * register the board has is always in its frames, so a value reset to 0 reaches the gateway).
 * Values are truncated to 0.1.
 */
export function encodePayload(status: number, eventCounter: number, registers: Record<string, number>, out: number[]): void {
  const values: [number, number][] = [];
  for (const [name, value] of Object.entries(registers)) {
    const id = registerIdByName.get(name);
    if (id === undefined) throw new PayloadError(`unknown register '${name}'`);
    if (!(value >= 0)) throw new PayloadError(`register '${name}' must be a non-negative number, not ${value}`);
    values.push([id, Math.floor(value * FRAME_VALUE_SCALE + 1e-9)]);
  }
  values.sort((a, b) => a[0] - b[0]);
  encodeVarint(status, out);
  encodeVarint(eventCounter, out);
  encodeVarint(values.reduce((m, [id]) => m + 2 ** id, 0), out);
  for (const [, raw] of values) encodeVarint(raw, out);
}
