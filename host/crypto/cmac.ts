// AES-128-CMAC (RFC 4493 / NIST SP 800-38B) in plain TypeScript, on the block cipher of aes128.ts.
// Tag comparison (verify64) is constant-time.
import { AES_BLOCK_BYTES, AES_KEY_BYTES, aes128EncryptBlock, aesSbox, expandKey, encryptBlock } from "./aes128.js";

export { AES_BLOCK_BYTES, AES_KEY_BYTES, aes128EncryptBlock, aesSbox };
export const CMAC_TAG_BYTES = 16;
/** Tag length carried in frames: the CMAC truncated to its first 8 bytes. */
export const CMAC64_TAG_BYTES = 8;

/** Multiply by x in GF(2^128) (RFC 4493 2.3). */
function gfDouble(block: Uint8Array): Uint8Array {
  const out = new Uint8Array(AES_BLOCK_BYTES);
  for (let i = 0; i < 15; i++) out[i] = ((block[i] << 1) | (block[i + 1] >> 7)) & 0xff;
  out[15] = ((block[15] << 1) & 0xff) ^ (0x87 & -(block[0] >> 7));
  return out;
}

/**
 * AES-128-CMAC with the key schedule and subkeys computed once: use one per key when
 * verifying many frames (the gateway's keyring).
 */
export class AesCmac {
  readonly #schedule: Uint32Array;
  readonly #k1: Uint8Array;
  readonly #k2: Uint8Array;
  readonly #chain = new Uint8Array(AES_BLOCK_BYTES);

  constructor(key: Uint8Array) {
    this.#schedule = expandKey(key);
    const l = new Uint8Array(AES_BLOCK_BYTES);
    encryptBlock(this.#schedule, l, 0, l, 0);
    this.#k1 = gfDouble(l);
    this.#k2 = gfDouble(this.#k1);
  }

  /** The full 16-byte tag. */
  mac(message: Uint8Array): Uint8Array {
    const x = this.#chain;
    x.fill(0);
    const len = message.length;
    const lastComplete = len !== 0 && len % 16 === 0;
    const headBytes = lastComplete ? len - 16 : len - (len % 16);
    const tailBytes = len - headBytes;
    for (let offset = 0; offset < headBytes; offset += 16) {
      for (let i = 0; i < 16; i++) x[i] ^= message[offset + i];
      encryptBlock(this.#schedule, x, 0, x, 0);
    }
    const subkey = lastComplete ? this.#k1 : this.#k2;
    for (let i = 0; i < 16; i++) {
      const m = i < tailBytes ? message[headBytes + i] : i === tailBytes ? 0x80 : 0;
      x[i] ^= m ^ subkey[i];
    }
    const tag = new Uint8Array(CMAC_TAG_BYTES);
    encryptBlock(this.#schedule, x, 0, tag, 0);
    return tag;
  }

  /** The 8-byte frame tag. */
  mac64(message: Uint8Array): Uint8Array {
    return this.mac(message).slice(0, CMAC64_TAG_BYTES);
  }

  /** Constant-time check of an 8-byte frame tag; false for a tag of any other length. */
  verify64(message: Uint8Array, tag: Uint8Array): boolean {
    if (tag.length !== CMAC64_TAG_BYTES) return false;
    const expected = this.mac(message);
    let difference = 0;
    for (let i = 0; i < CMAC64_TAG_BYTES; i++) difference |= expected[i] ^ tag[i];
    return difference === 0;
  }
}

/** RFC 4493 subkeys, for tests. */
export function cmacSubkeys(key: Uint8Array): { l: Uint8Array; k1: Uint8Array; k2: Uint8Array } {
  const l = aes128EncryptBlock(key, new Uint8Array(AES_BLOCK_BYTES));
  const k1 = gfDouble(l);
  return { l, k1, k2: gfDouble(k1) };
}

/** AES-128-CMAC of `message` under a 16-byte `key`: the full 16-byte tag. */
export function cmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new AesCmac(key).mac(message);
}

/** AES-128-CMAC truncated to 8 bytes, as carried in frames. */
export function cmac64(key: Uint8Array, message: Uint8Array): Uint8Array {
  return new AesCmac(key).mac64(message);
}

/** Constant-time check of an 8-byte frame tag. */
export function verifyCmac64(key: Uint8Array, message: Uint8Array, tag: Uint8Array): boolean {
  return new AesCmac(key).verify64(message, tag);
}
