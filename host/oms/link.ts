// EN 13757-4 frame format A: the L-field counts every byte after it except the CRCs; the first
// block is 10 bytes, then blocks of 16 (the last shorter), each followed by a CRC-16/EN-13757
// (poly 0x3D65, init 0, xorout 0xFFFF, most significant byte first). Pure, no I/O.
import { FrameError } from "../frame/codec.js";

export const C_SND_NR = 0x44;

export function crc16En13757(bytes: Uint8Array, from = 0, to = bytes.length): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i] << 8;
    for (let b = 0; b < 8; b++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x3d65) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc ^ 0xffff;
}

/** Length on air with CRC blocks of a telegram whose L-field is `l`. */
export function lengthWithCrc(l: number): number {
  const plain = l + 1;
  return plain + 2 * (1 + Math.ceil(Math.max(0, plain - 10) / 16));
}

/**
 * The discriminator of the gateway input path: an OMS telegram's first byte is its L-field
 * (at least 10), the second the C-field SND-NR 0x44. A native frame starts with its version
 * byte (1), so the two never overlap; a truncated telegram still goes to the OMS decoder and is
 * refused for its length, not as a native frame of version L.
 */
export function isOmsTelegram(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] >= 10 && bytes[1] === C_SND_NR;
}

/** The telegram without its CRC blocks (checked), and whether it had them. */
export function stripCrcBlocks(bytes: Uint8Array): { plain: Uint8Array; withCrc: boolean } {
  if (bytes.length < 12) throw new FrameError(`OMS telegram too short: ${bytes.length} bytes`, "too_short");
  const l = bytes[0];
  if (bytes.length === l + 1) return { plain: bytes, withCrc: false };
  if (bytes.length !== lengthWithCrc(l)) {
    throw new FrameError(`OMS telegram of ${bytes.length} bytes does not match its L-field ${l} (${l + 1} without, ${lengthWithCrc(l)} with CRC blocks): truncated or padded`,
      bytes.length < l + 1 ? "too_short" : "malformed");
  }
  const plain = new Uint8Array(l + 1);
  let from = 0;
  let out = 0;
  for (let block = 0; out < plain.length; block++) {
    const size = block === 0 ? 10 : Math.min(16, plain.length - out);
    const stored = (bytes[from + size] << 8) | bytes[from + size + 1];
    const computed = crc16En13757(bytes, from, from + size);
    if (stored !== computed) throw new FrameError(`link-layer CRC mismatch in block ${block + 1}: corrupted on air`, "crc_mismatch");
    plain.set(bytes.subarray(from, from + size), out);
    out += size;
    from += size + 2;
  }
  return { plain, withCrc: true };
}

/** The telegram with CRC blocks added (the on-air form). */
export function addCrcBlocks(plain: Uint8Array): Uint8Array {
  const out = new Uint8Array(lengthWithCrc(plain[0]));
  let at = 0;
  for (let from = 0; from < plain.length;) {
    const size = from === 0 ? 10 : Math.min(16, plain.length - from);
    out.set(plain.subarray(from, from + size), at);
    const crc = crc16En13757(plain, from, from + size);
    out[at + size] = crc >> 8;
    out[at + size + 1] = crc & 0xff;
    at += size + 2;
    from += size;
  }
  return out;
}

export function manufacturerCode(m: number): string {
  return String.fromCharCode(((m >> 10) & 31) + 64, ((m >> 5) & 31) + 64, (m & 31) + 64);
}

/** The identification number (4 bytes BCD, least significant first) as a number; throws on a non-decimal digit. */
export function bcdId(bytes: Uint8Array, at: number): number {
  let value = 0;
  for (let i = 3; i >= 0; i--) {
    const b = bytes[at + i];
    if ((b >> 4) > 9 || (b & 15) > 9) throw new FrameError(`identification number is not BCD (byte ${b.toString(16).padStart(2, "0")})`);
    value = value * 100 + (b >> 4) * 10 + (b & 15);
  }
  return value;
}

export function idToBcd(node: number): Uint8Array {
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    out[i] = (node % 10) | (Math.floor(node / 10) % 10) << 4;
    node = Math.floor(node / 100);
  }
  return out;
}
