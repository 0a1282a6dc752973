// An independent reader of the configuration copies' counter floor (docs/storage.md, format
// AMC2, key 224): for each copy, its sequence number and floor if the record is complete.
import { crc32 } from "../../../host/frame/crc32.js";

const MAGIC = 0x32434d41; // "AMC2"
export const KEY_COUNTER_FLOOR = 224;
export const COUNTER_FLOOR_BLOCK = 131_072;

export interface CopyFloor { seq: number; floor: number | null; floorAt: number | null }

/** Copy 0 (sector 0) and copy 1 (sector 1): null when the copy is not a complete record. */
export function readFloors(image: Uint8Array, sectorBytes: number): (CopyFloor | null)[] {
  const view = new DataView(image.buffer, image.byteOffset, image.byteLength);
  return [0, 1].map((c) => {
    const at = c * sectorBytes;
    if (view.getUint32(at, true) !== MAGIC) return null;
    const count = view.getUint16(at + 8, true);
    const end = at + 12 + 10 * count;
    if (count > 96 || view.getUint32(end + 4, true) !== crc32(image, at, end + 4) || image[end + 8] === 0xff) return null;
    if (view.getUint32(end, true) !== view.getUint32(at + 4, true)) return null;
    let floor: number | null = null;
    let floorAt: number | null = null;
    for (let i = 0; i < count; i++) {
      if (view.getUint16(at + 12 + 10 * i, true) !== KEY_COUNTER_FLOOR) continue;
      floor = Number(view.getBigInt64(at + 14 + 10 * i, true));
      floorAt = at + 12 + 10 * i;
    }
    return { seq: view.getUint32(at + 4, true), floor, floorAt };
  });
}

/** The bound docs/storage.md promises: both copies: the higher floor; one copy: its floor + a block. */
export function floorBound(image: Uint8Array, sectorBytes: number): number | null {
  const f = readFloors(image, sectorBytes).map((c) => (c && c.floor !== null && c.floor >= 0 ? c.floor : null));
  if (f[0] !== null && f[1] !== null) return Math.max(f[0], f[1]);
  const one = f[0] ?? f[1];
  return one === null ? null : one + COUNTER_FLOOR_BLOCK;
}
