// Frame format version 1 (docs/frames.md): header, payload (status, event counter, register
// bitmap, absolute register values as varints in frame units), integrity trailer. With a key
// every frame is suite 2 (payload encrypted, CMAC-64 over header and ciphertext); without one
// suite 0 (CRC-32). Every frame register the board has is carried, a zero too, so a register
// reset to 0 (console `zero`) reaches the gateway as 0.
import { writeVarint } from "./varint";
import { crc32 } from "./crc32";
import { authHasKey, authKeyVersion, authSeal } from "./auth";
import { FRAME_REGISTER_COUNT, registerExists, registerValue, registerDecimals } from "../registers";
import { storePersistedValue } from "../store/index";

export const FRAME_VERSION: u8 = 1;
export const SUITE_CRC32: u8 = 0;
/** Suite 1 (CMAC with the node key, payload in clear) is only decoded now, never sent. */
export const SUITE_CMAC64: u8 = 1;
export const SUITE_CTR_CMAC64: u8 = 2;
/** Frame units keep one decimal: 0.1 Wh, 0.1 L (10 MWh fits a 4-byte varint). */
const FRAME_DECIMALS: i32 = 1;
/** The longest frame any transport carries (docs/frames.md "Transports"). */
export const FRAME_CAPACITY: u32 = 250;
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

/**
 * The header every frame version shares (version, suite, node, key version, counter) and the
 * payload's first two fields (status, event counter), written into `frameBuffer`; returns the
 * length so far. The payload begins at `framePayloadAt`.
 */
export function frameStart(version: u8, nodeId: u32, counter: u32, status: u32, eventCounter: u32): u32 {
  let n: u32 = 0;
  store<u8>(frameBuffer + n++, version);
  const sealed = authHasKey();
  store<u8>(frameBuffer + n++, sealed ? SUITE_CTR_CMAC64 : SUITE_CRC32);
  n += writeVarint(frameBuffer + n, nodeId);
  if (sealed) n += writeVarint(frameBuffer + n, authKeyVersion());
  n += writeVarint(frameBuffer + n, counter);
  framePayloadAt = n;
  n += writeVarint(frameBuffer + n, status);
  n += writeVarint(frameBuffer + n, eventCounter);
  return n;
}
export let framePayloadAt: u32 = 0;

/** Seal (suite 2) or checksum (suite 0) the frame of `n` bytes; returns its full length. */
export function frameFinish(n: u32, nodeId: u32, counter: u32): u32 {
  if (authHasKey()) return authSeal(frameBuffer, framePayloadAt, n, nodeId, counter);
  store<u32>(frameBuffer + n, crc32(frameBuffer, n));
  return n + 4;
}

/** Encode a frame into `frameBuffer`; returns its length. */
export function encodeFrame(nodeId: u32, counter: u32, status: u32, eventCounter: u32): u32 {
  let n = frameStart(FRAME_VERSION, nodeId, counter, status, eventCounter);
  let bitmap: u64 = 0;
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if (!registerExists(id)) continue;
    store<u64>(frameValues + (<usize>id << 3), frameValue(id));
    bitmap |= (<u64>1) << id;
  }
  n += writeVarint(frameBuffer + n, bitmap);
  for (let id = 0; id < FRAME_REGISTER_COUNT; id++) {
    if ((bitmap >> id) & 1) n += writeVarint(frameBuffer + n, load<u64>(frameValues + (<usize>id << 3)));
  }
  return frameFinish(n, nodeId, counter);
}
