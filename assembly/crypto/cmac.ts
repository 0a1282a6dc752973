// AES-128-CMAC (RFC 4493 / NIST SP 800-38B), and its 8-byte truncation used by frames
// (like OMS mode 7). Allocation-free, static buffers only; see aes128.ts for the key
// slots and the rule that no key or key-derived value is ever handed back.

import {
  AES_KEY_SLOT_COUNT, aesActiveKeySlot, aesClearKeySlot, aesEncryptBlock, aesExpandKey, aesKeyGeneration,
} from "./aes128";
import { panicUnless } from "../abi/panic";

/** ASCII "CMAC key slot empty" (panic message). */
const NO_KEY = memory.data<u8>([0x43, 0x4d, 0x41, 0x43, 0x20, 0x6b, 0x65, 0x79, 0x20, 0x73, 0x6c, 0x6f, 0x74, 0x20, 0x65, 0x6d, 0x70, 0x74, 0x79]);
const NO_KEY_BYTES: u32 = 19;

export const CMAC_TAG_BYTES: u32 = 16;
/** Tag length carried in frames. */
export const CMAC_FRAME_TAG_BYTES: u32 = 8;

// Secret: per slot K1 || K2 (32 bytes), derived from the key.
const subkeys = memory.data(32 * AES_KEY_SLOT_COUNT, 16);
// Per slot, the aes128 key generation the subkeys were derived from (0: none yet).
const subkeyGenerations = memory.data(4 * AES_KEY_SLOT_COUNT, 4);
// CBC-MAC chaining value, wiped after every MAC.
const chain = memory.data(16, 16);
// Full tag for the truncating functions, wiped after use.
const fullTag = memory.data(16, 16);

/** dst = src * x in GF(2^128) (RFC 4493 2.3), branch-free on the secret top bit; dst may equal src. */
function gfDouble(src: usize, dst: usize): void {
  const reduce = 0x87 & (0 - (<u32>load<u8>(src) >> 7));
  for (let i: usize = 0; i < 15; i++) {
    store<u8>(dst + i, (<u32>load<u8>(src + i) << 1) | (<u32>load<u8>(src + i + 1) >> 7));
  }
  store<u8>(dst + 15, (<u32>load<u8>(src + 15) << 1) ^ reduce);
}

/** K1 for the active slot (K2 follows it), derived once per loaded key. */
function activeSubkeys(): usize {
  const slot = <usize>aesActiveKeySlot();
  const generation = aesKeyGeneration();
  const k1 = subkeys + (slot << 5);
  if (load<u32>(subkeyGenerations + (slot << 2)) != generation) {
    // L = AES-K(0^128); K1 = L * x; K2 = K1 * x.
    store<u64>(k1, 0); store<u64>(k1 + 8, 0);
    aesEncryptBlock(k1, k1);
    gfDouble(k1, k1);
    gfDouble(k1, k1 + 16);
    store<u32>(subkeyGenerations + (slot << 2), generation);
  }
  return k1;
}

/** Load a 16-byte key into the active slot (aes128 key schedule plus CMAC subkeys). */
export function cmacLoadKey(keyPtr: usize): void {
  aesExpandKey(keyPtr);
  activeSubkeys();
}

/** Wipe the active slot's key schedule and subkeys. */
export function cmacForgetKey(): void {
  const slot = <usize>aesActiveKeySlot();
  aesClearKeySlot();
  const k1 = subkeys + (slot << 5);
  for (let i: usize = 0; i < 32; i += 8) store<u64>(k1 + i, 0);
  store<u32>(subkeyGenerations + (slot << 2), 0);
}

/** True if the active slot holds a key. */
export function cmacHasKey(): bool {
  return aesKeyGeneration() != 0;
}

/**
 * Full 16-byte AES-CMAC of `len` bytes at `msgPtr` into `outPtr`, with the active slot's
 * key. `outPtr` must not overlap the message. Panics if no key is loaded.
 */
export function cmacCompute(msgPtr: usize, len: u32, outPtr: usize): void {
  panicUnless(aesKeyGeneration() != 0, NO_KEY, NO_KEY_BYTES);
  const k1 = activeSubkeys();
  // The last block is "complete" only for a non-empty multiple of 16 bytes (then K1),
  // otherwise it is padded with 0x80 00.. (then K2); an empty message is one padded block.
  const lastComplete = len != 0 && (len & 15) == 0;
  const headBytes = <usize>(lastComplete ? len - 16 : len & ~15);
  const tailBytes = <usize>len - headBytes;
  const lastSubkey = lastComplete ? k1 : k1 + 16;
  store<u64>(chain, 0); store<u64>(chain + 8, 0);
  for (let offset: usize = 0; offset < headBytes; offset += 16) {
    for (let i: usize = 0; i < 16; i++) {
      store<u8>(chain + i, <u32>load<u8>(chain + i) ^ <u32>load<u8>(msgPtr + offset + i));
    }
    aesEncryptBlock(chain, chain);
  }
  for (let i: usize = 0; i < 16; i++) {
    const m: u32 = i < tailBytes ? <u32>load<u8>(msgPtr + headBytes + i) : (i == tailBytes ? 0x80 : 0);
    store<u8>(chain + i, <u32>load<u8>(chain + i) ^ m ^ <u32>load<u8>(lastSubkey + i));
  }
  aesEncryptBlock(chain, outPtr);
  store<u64>(chain, 0); store<u64>(chain + 8, 0);
}

/** The first 8 bytes of the CMAC into `outPtr` (the frame tag; only 8 bytes are written). */
export function cmacCompute8(msgPtr: usize, len: u32, outPtr: usize): void {
  cmacCompute(msgPtr, len, fullTag);
  store<u64>(outPtr, load<u64>(fullTag), 0, 1);
  store<u64>(fullTag, 0); store<u64>(fullTag + 8, 0);
}

/**
 * True if the 8 bytes at `tagPtr` equal the first 8 bytes of the message's CMAC. The
 * comparison takes the same time wherever the bytes differ. False if no key is loaded.
 */
export function cmacVerify8(msgPtr: usize, len: u32, tagPtr: usize): bool {
  if (aesKeyGeneration() == 0) return false;
  cmacCompute(msgPtr, len, fullTag);
  let difference: u32 = 0;
  for (let i: usize = 0; i < <usize>CMAC_FRAME_TAG_BYTES; i++) {
    difference |= <u32>load<u8>(fullTag + i) ^ <u32>load<u8>(tagPtr + i);
  }
  store<u64>(fullTag, 0); store<u64>(fullTag + 8, 0);
  return difference == 0;
}

