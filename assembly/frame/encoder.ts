// Frame format version 1 (docs/frames.md): header, register bitmap, absolute register
// values as varints in frame units, integrity trailer.
import { writeVarint } from "./varint";
import { crc32 } from "./crc32";
import { authHasKey, authSign, MAC_BYTES } from "./auth";
import { FRAME_REGISTER_COUNT, registerExists, registerValue, registerDecimals } from "../registers";
import { storePersistedValue } from "../store/index";

export const FRAME_VERSION: u8 = 1;
export const SUITE_CRC32: u8 = 0;
export const SUITE_CMAC64: u8 = 1;
/** Frame units keep one decimal: 0.1 Wh, 0.1 L (10 MWh fits a 4-byte varint). */
const FRAME_DECIMALS: i32 = 1;
export const FRAME_CAPACITY: u32 = 160;
export const frameBuffer: usize = memory.data(<i32>FRAME_CAPACITY, 8);
/** This frame's values, computed once per register. */
const frameValues = memory.data(8 * FRAME_REGISTER_COUNT, 8);

/**
 * Value in frame units: the persisted value (so frames never go back after a power cut; the
 * live value where nothing persists), truncated, so a frame never shows more than was measured.
 */
export function frameValue(id: i32): u64 {
  if (!registerExists(id)) return 0;
  const persisted = storePersistedValue(id);
  let v = persisted >= 0 ? persisted : registerValue(id);
  for (let d = registerDecimals(id); d > FRAME_DECIMALS; d--) v /= 10;
  return v < 0 ? 0 : <u64>v;
}

/** Encode a frame into `frameBuffer`; returns its length. */
export function encodeFrame(nodeId: u32, counter: u32, status: u32, eventCounter: u32): u32 {
  let n: u32 = 0;
  store<u8>(frameBuffer + n++, FRAME_VERSION);
  const authenticated = authHasKey();
  store<u8>(frameBuffer + n++, authenticated ? SUITE_CMAC64 : SUITE_CRC32);
  n += writeVarint(frameBuffer + n, nodeId);
  n += writeVarint(frameBuffer + n, counter);
  n += writeVarint(frameBuffer + n, status);
  n += writeVarint(frameBuffer + n, eventCounter);
  let bitmap: u64 = 0;
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    const v = frameValue(id);
    store<u64>(frameValues + (<usize>id << 3), v);
    if (v != 0) bitmap |= (<u64>1) << id;
  }
  n += writeVarint(frameBuffer + n, bitmap);
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if ((bitmap >> id) & 1) n += writeVarint(frameBuffer + n, load<u64>(frameValues + (<usize>id << 3)));
  }
  if (authenticated) {
    authSign(frameBuffer, n);
    return n + MAC_BYTES;
  }
  store<u32>(frameBuffer + n, crc32(frameBuffer, n));
  return n + 4;
}
