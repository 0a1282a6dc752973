// AES-128 block encryption (FIPS-197), encrypt direction only: CMAC never decrypts.
//
// Allocation-free: every buffer is a static `memory.data` region, so the release module
// stays inside its single page without `memory.grow`. Byte-oriented on purpose; a frame
// is a handful of blocks every few seconds, so readability beats speed here.
//
// Key schedules live in a small number of slots (AES_KEY_SLOT_COUNT); every function
// works on the active slot (aesSelectKeySlot). No function in this module, or in
// cmac.ts, ever copies a key, a round key or a key-derived value out to the caller:
// keys go in through aesExpandKey/cmacLoadKey and only ciphertexts and MACs come out.
// (The linear memory itself is visible to the board, which is trusted; nothing in the
// firmware may export a pointer to `keySchedules`.)
//
// Timing: the S-box lookups are indexed by secret bytes. On the ESP32-C3 the tables sit
// in internal SRAM without a data cache, so the lookups take constant time; on hosts with
// caches this code is not hardened against cache-timing attacks.
import { panicUnless } from "../abi/panic";

/** ASCII "AES key slot empty" (panic message). */
const SLOT_EMPTY = memory.data<u8>([0x41, 0x45, 0x53, 0x20, 0x6b, 0x65, 0x79, 0x20, 0x73, 0x6c, 0x6f, 0x74, 0x20, 0x65, 0x6d, 0x70, 0x74, 0x79]);
const SLOT_EMPTY_BYTES: u32 = 18;

/** ASCII "AES key slot out of range" (panic message). */
const SLOT_RANGE = memory.data<u8>([0x41, 0x45, 0x53, 0x20, 0x6b, 0x65, 0x79, 0x20, 0x73, 0x6c, 0x6f, 0x74, 0x20, 0x6f, 0x75, 0x74, 0x20, 0x6f, 0x66, 0x20, 0x72, 0x61, 0x6e, 0x67, 0x65]);
const SLOT_RANGE_BYTES: u32 = 25;

export const AES_BLOCK_BYTES: u32 = 16;
export const AES_KEY_BYTES: u32 = 16;
export const AES_ROUNDS: u32 = 10;
/** Expanded key: AES_ROUNDS + 1 round keys of 16 bytes. */
export const AES_SCHEDULE_BYTES: u32 = 176;
/**
 * Slots (frame/auth.ts, docs/frames.md suite 2): 0 the node key (also OMS's master key K),
 * 1 the derived CTR key K_enc, 2 the derived CMAC key K_mac; the last one holds per-message
 * keys (OMS Kenc/Kmac, assembly/oms/security.ts), wiped after each use.
 */
export const AES_KEY_SLOT_COUNT: u32 = 4;
/** The last slot holds per-message keys (OMS Kenc/Kmac, assembly/oms/security.ts), wiped after each use. */
export const AES_EPHEMERAL_SLOT: u32 = AES_KEY_SLOT_COUNT - 1;

/** The forward S-box (FIPS-197 figure 7); public data, exported for the harness. */
export const AES_SBOX: usize = memory.data<u8>([
  0x63, 0x7c, 0x77, 0x7b, 0xf2, 0x6b, 0x6f, 0xc5, 0x30, 0x01, 0x67, 0x2b, 0xfe, 0xd7, 0xab, 0x76,
  0xca, 0x82, 0xc9, 0x7d, 0xfa, 0x59, 0x47, 0xf0, 0xad, 0xd4, 0xa2, 0xaf, 0x9c, 0xa4, 0x72, 0xc0,
  0xb7, 0xfd, 0x93, 0x26, 0x36, 0x3f, 0xf7, 0xcc, 0x34, 0xa5, 0xe5, 0xf1, 0x71, 0xd8, 0x31, 0x15,
  0x04, 0xc7, 0x23, 0xc3, 0x18, 0x96, 0x05, 0x9a, 0x07, 0x12, 0x80, 0xe2, 0xeb, 0x27, 0xb2, 0x75,
  0x09, 0x83, 0x2c, 0x1a, 0x1b, 0x6e, 0x5a, 0xa0, 0x52, 0x3b, 0xd6, 0xb3, 0x29, 0xe3, 0x2f, 0x84,
  0x53, 0xd1, 0x00, 0xed, 0x20, 0xfc, 0xb1, 0x5b, 0x6a, 0xcb, 0xbe, 0x39, 0x4a, 0x4c, 0x58, 0xcf,
  0xd0, 0xef, 0xaa, 0xfb, 0x43, 0x4d, 0x33, 0x85, 0x45, 0xf9, 0x02, 0x7f, 0x50, 0x3c, 0x9f, 0xa8,
  0x51, 0xa3, 0x40, 0x8f, 0x92, 0x9d, 0x38, 0xf5, 0xbc, 0xb6, 0xda, 0x21, 0x10, 0xff, 0xf3, 0xd2,
  0xcd, 0x0c, 0x13, 0xec, 0x5f, 0x97, 0x44, 0x17, 0xc4, 0xa7, 0x7e, 0x3d, 0x64, 0x5d, 0x19, 0x73,
  0x60, 0x81, 0x4f, 0xdc, 0x22, 0x2a, 0x90, 0x88, 0x46, 0xee, 0xb8, 0x14, 0xde, 0x5e, 0x0b, 0xdb,
  0xe0, 0x32, 0x3a, 0x0a, 0x49, 0x06, 0x24, 0x5c, 0xc2, 0xd3, 0xac, 0x62, 0x91, 0x95, 0xe4, 0x79,
  0xe7, 0xc8, 0x37, 0x6d, 0x8d, 0xd5, 0x4e, 0xa9, 0x6c, 0x56, 0xf4, 0xea, 0x65, 0x7a, 0xae, 0x08,
  0xba, 0x78, 0x25, 0x2e, 0x1c, 0xa6, 0xb4, 0xc6, 0xe8, 0xdd, 0x74, 0x1f, 0x4b, 0xbd, 0x8b, 0x8a,
  0x70, 0x3e, 0xb5, 0x66, 0x48, 0x03, 0xf6, 0x0e, 0x61, 0x35, 0x57, 0xb9, 0x86, 0xc1, 0x1d, 0x9e,
  0xe1, 0xf8, 0x98, 0x11, 0x69, 0xd9, 0x8e, 0x94, 0x9b, 0x1e, 0x87, 0xe9, 0xce, 0x55, 0x28, 0xdf,
  0x8c, 0xa1, 0x89, 0x0d, 0xbf, 0xe6, 0x42, 0x68, 0x41, 0x99, 0x2d, 0x0f, 0xb0, 0x54, 0xbb, 0x16,
]);

// Secret: never hand out a pointer into these.
const keySchedules = memory.data(AES_SCHEDULE_BYTES * AES_KEY_SLOT_COUNT, 16);
// Per slot, the generation of the key it holds; 0 means empty. Lets cmac.ts notice a new key.
const slotGenerations = memory.data(4 * AES_KEY_SLOT_COUNT, 4);
// Two state buffers, ping-ponged between rounds and wiped after every block: a round
// state next to its ciphertext would give away the last round key, hence the key.
const stateA = memory.data(16, 16);
const stateB = memory.data(16, 16);

let activeSlot: u32 = 0;
let lastGeneration: u32 = 0;

// @ts-ignore: decorator
@inline function sbox(x: u32): u32 {
  return <u32>load<u8>(AES_SBOX + <usize>x);
}

/** Multiply by x in GF(2^8) mod x^8 + x^4 + x^3 + x + 1, without a data-dependent branch. */
// @ts-ignore: decorator
@inline export function xtime(x: u32): u32 {
  return ((x << 1) ^ (0x1b & (0 - (x >> 7)))) & 0xff;
}

// @ts-ignore: decorator
@inline function activeSchedule(): usize {
  return keySchedules + <usize>activeSlot * <usize>AES_SCHEDULE_BYTES;
}

/** Make `slot` (0 .. AES_KEY_SLOT_COUNT-1) the one used by every other function here and in cmac.ts. */
export function aesSelectKeySlot(slot: u32): void {
  panicUnless(slot < AES_KEY_SLOT_COUNT, SLOT_RANGE, SLOT_RANGE_BYTES);
  activeSlot = slot;
}

export function aesActiveKeySlot(): u32 {
  return activeSlot;
}

/** Generation of the key in the active slot: 0 if empty, otherwise changes with every aesExpandKey. */
export function aesKeyGeneration(): u32 {
  return load<u32>(slotGenerations + (<usize>activeSlot << 2));
}

/**
 * Expand the 16-byte key at `keyPtr` into the active slot (FIPS-197 5.2). The caller
 * should wipe its own copy of the key afterwards; the key cannot be read back.
 */
export function aesExpandKey(keyPtr: usize): void {
  const rk = activeSchedule();
  for (let i: usize = 0; i < 16; i++) store<u8>(rk + i, load<u8>(keyPtr + i));
  let rcon: u32 = 1;
  for (let i: usize = 16; i < <usize>AES_SCHEDULE_BYTES; i += 4) {
    let t0 = <u32>load<u8>(rk + i - 4);
    let t1 = <u32>load<u8>(rk + i - 3);
    let t2 = <u32>load<u8>(rk + i - 2);
    let t3 = <u32>load<u8>(rk + i - 1);
    if ((i & 15) == 0) {
      // First word of a round key: RotWord, SubWord, then the round constant.
      const r0 = sbox(t1) ^ rcon;
      const r1 = sbox(t2);
      const r2 = sbox(t3);
      const r3 = sbox(t0);
      t0 = r0; t1 = r1; t2 = r2; t3 = r3;
      rcon = xtime(rcon);
    }
    store<u8>(rk + i, <u32>load<u8>(rk + i - 16) ^ t0);
    store<u8>(rk + i + 1, <u32>load<u8>(rk + i - 15) ^ t1);
    store<u8>(rk + i + 2, <u32>load<u8>(rk + i - 14) ^ t2);
    store<u8>(rk + i + 3, <u32>load<u8>(rk + i - 13) ^ t3);
  }
  lastGeneration++;
  if (lastGeneration == 0) lastGeneration = 1; // 0 is reserved for "empty"
  store<u32>(slotGenerations + (<usize>activeSlot << 2), lastGeneration);
}

/** Wipe the active slot; encrypting with it afterwards is a programming error (panic). */
export function aesClearKeySlot(): void {
  const rk = activeSchedule();
  for (let i: usize = 0; i < <usize>AES_SCHEDULE_BYTES; i += 8) store<u64>(rk + i, 0);
  store<u32>(slotGenerations + (<usize>activeSlot << 2), 0);
}

/**
 * Encrypt the 16-byte block at `inPtr` into `outPtr` with the active slot's key.
 * `inPtr == outPtr` is allowed. Panics if the active slot is empty: an all-zero schedule
 * would give "MACs" that anyone can compute.
 */
export function aesEncryptBlock(inPtr: usize, outPtr: usize): void {
  panicUnless(aesKeyGeneration() != 0, SLOT_EMPTY, SLOT_EMPTY_BYTES);
  const rk = activeSchedule();
  for (let i: usize = 0; i < 16; i++) {
    store<u8>(stateA + i, <u32>load<u8>(inPtr + i) ^ <u32>load<u8>(rk + i));
  }
  let src = stateA;
  let dst = stateB;
  for (let round: usize = 1; round < <usize>AES_ROUNDS; round++) {
    const roundKey = rk + (round << 4);
    // State byte (row r, column c) sits at 4c + r. SubBytes + ShiftRows: row r of
    // column c comes from column c + r, i.e. byte (4c + 5r) mod 16. Then MixColumns.
    for (let c: usize = 0; c < 16; c += 4) {
      const a0 = sbox(load<u8>(src + c));
      const a1 = sbox(load<u8>(src + ((c + 5) & 15)));
      const a2 = sbox(load<u8>(src + ((c + 10) & 15)));
      const a3 = sbox(load<u8>(src + ((c + 15) & 15)));
      const all = a0 ^ a1 ^ a2 ^ a3;
      store<u8>(dst + c, a0 ^ all ^ xtime(a0 ^ a1) ^ <u32>load<u8>(roundKey + c));
      store<u8>(dst + c + 1, a1 ^ all ^ xtime(a1 ^ a2) ^ <u32>load<u8>(roundKey + c + 1));
      store<u8>(dst + c + 2, a2 ^ all ^ xtime(a2 ^ a3) ^ <u32>load<u8>(roundKey + c + 2));
      store<u8>(dst + c + 3, a3 ^ all ^ xtime(a3 ^ a0) ^ <u32>load<u8>(roundKey + c + 3));
    }
    const t = src; src = dst; dst = t;
  }
  // Final round: no MixColumns.
  const lastKey = rk + (<usize>AES_ROUNDS << 4);
  for (let c: usize = 0; c < 16; c += 4) {
    store<u8>(outPtr + c, sbox(load<u8>(src + c)) ^ <u32>load<u8>(lastKey + c));
    store<u8>(outPtr + c + 1, sbox(load<u8>(src + ((c + 5) & 15))) ^ <u32>load<u8>(lastKey + c + 1));
    store<u8>(outPtr + c + 2, sbox(load<u8>(src + ((c + 10) & 15))) ^ <u32>load<u8>(lastKey + c + 2));
    store<u8>(outPtr + c + 3, sbox(load<u8>(src + ((c + 15) & 15))) ^ <u32>load<u8>(lastKey + c + 3));
  }
  store<u64>(stateA, 0); store<u64>(stateA + 8, 0);
  store<u64>(stateB, 0); store<u64>(stateB + 8, 0);
}
