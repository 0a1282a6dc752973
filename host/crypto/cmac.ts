// AES-128-CMAC (RFC 4493) in plain TypeScript: no node: imports, so the frame decoder can
// run in a browser as well as in the gateway. Independent of the firmware's AssemblyScript
// implementation on purpose: here the S-box is computed from its definition (inverse in
// GF(2^8) plus the affine map) and AES uses 32-bit T-tables; both are checked against the
// same published vectors.
//
// Timing: table lookups indexed by secret bytes are not hardened against cache-timing
// attacks on shared hosts. Tag comparison (verify64) is constant-time.

export const AES_BLOCK_BYTES = 16;
export const AES_KEY_BYTES = 16;
export const CMAC_TAG_BYTES = 16;
/** Tag length carried in frames: the CMAC truncated to its first 8 bytes. */
export const CMAC64_TAG_BYTES = 8;

const SBOX = new Uint8Array(256);
// T0[a] is the MixColumns column for S-box output s = SBOX[a] in row 0: (2s, s, s, 3s),
// big-endian; T1..T3 are its byte rotations for rows 1..3.
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

function xtime(x: number): number {
  return ((x << 1) ^ ((x >> 7) * 0x1b)) & 0xff;
}

(function buildTables(): void {
  // exp/log tables over generator 3 give multiplicative inverses.
  const exp = new Uint8Array(256);
  const log = new Uint8Array(256);
  let x = 1;
  for (let i = 0; i < 255; i++) {
    exp[i] = x;
    log[x] = i;
    x ^= xtime(x);
  }
  const rotl8 = (v: number, n: number) => ((v << n) | (v >> (8 - n))) & 0xff;
  for (let a = 0; a < 256; a++) {
    const inv = a === 0 ? 0 : exp[(255 - log[a]) % 255];
    const s = inv ^ rotl8(inv, 1) ^ rotl8(inv, 2) ^ rotl8(inv, 3) ^ rotl8(inv, 4) ^ 0x63;
    SBOX[a] = s;
    const s2 = xtime(s);
    const t = ((s2 << 24) | (s << 16) | (s << 8) | (s2 ^ s)) >>> 0;
    T0[a] = t;
    T1[a] = ((t >>> 8) | (t << 24)) >>> 0;
    T2[a] = ((t >>> 16) | (t << 16)) >>> 0;
    T3[a] = ((t >>> 24) | (t << 8)) >>> 0;
  }
})();

/** A copy of the S-box, for tests. */
export function aesSbox(): Uint8Array {
  return SBOX.slice();
}

function subWord(w: number): number {
  return ((SBOX[w >>> 24] << 24) | (SBOX[(w >>> 16) & 0xff] << 16) | (SBOX[(w >>> 8) & 0xff] << 8) | SBOX[w & 0xff]) >>> 0;
}

/** FIPS-197 5.2: 44 big-endian round-key words. */
function expandKey(key: Uint8Array): Uint32Array {
  if (key.length !== AES_KEY_BYTES) throw new RangeError(`AES-128 key must be 16 bytes, got ${key.length}`);
  const w = new Uint32Array(44);
  for (let i = 0; i < 4; i++) {
    w[i] = ((key[4 * i] << 24) | (key[4 * i + 1] << 16) | (key[4 * i + 2] << 8) | key[4 * i + 3]) >>> 0;
  }
  let rcon = 1;
  for (let i = 4; i < 44; i++) {
    let t = w[i - 1];
    if (i % 4 === 0) {
      t = (subWord(((t << 8) | (t >>> 24)) >>> 0) ^ (rcon << 24)) >>> 0;
      rcon = xtime(rcon);
    }
    w[i] = (w[i - 4] ^ t) >>> 0;
  }
  return w;
}

/** Encrypt 16 bytes of `input` at `inOffset` into `output` at `outOffset` (may alias). */
function encryptBlock(w: Uint32Array, input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
  const word = (o: number) => (input[o] << 24) | (input[o + 1] << 16) | (input[o + 2] << 8) | input[o + 3];
  let s0 = word(inOffset) ^ w[0];
  let s1 = word(inOffset + 4) ^ w[1];
  let s2 = word(inOffset + 8) ^ w[2];
  let s3 = word(inOffset + 12) ^ w[3];
  for (let round = 1; round < 10; round++) {
    const k = round * 4;
    // Column c takes row r from column c + r (ShiftRows), through the T-tables (SubBytes + MixColumns).
    const t0 = T0[s0 >>> 24] ^ T1[(s1 >>> 16) & 0xff] ^ T2[(s2 >>> 8) & 0xff] ^ T3[s3 & 0xff] ^ w[k];
    const t1 = T0[s1 >>> 24] ^ T1[(s2 >>> 16) & 0xff] ^ T2[(s3 >>> 8) & 0xff] ^ T3[s0 & 0xff] ^ w[k + 1];
    const t2 = T0[s2 >>> 24] ^ T1[(s3 >>> 16) & 0xff] ^ T2[(s0 >>> 8) & 0xff] ^ T3[s1 & 0xff] ^ w[k + 2];
    const t3 = T0[s3 >>> 24] ^ T1[(s0 >>> 16) & 0xff] ^ T2[(s1 >>> 8) & 0xff] ^ T3[s2 & 0xff] ^ w[k + 3];
    s0 = t0; s1 = t1; s2 = t2; s3 = t3;
  }
  const last = (a: number, b: number, c: number, d: number, k: number, o: number) => {
    output[o] = SBOX[a >>> 24] ^ (k >>> 24);
    output[o + 1] = SBOX[(b >>> 16) & 0xff] ^ ((k >>> 16) & 0xff);
    output[o + 2] = SBOX[(c >>> 8) & 0xff] ^ ((k >>> 8) & 0xff);
    output[o + 3] = SBOX[d & 0xff] ^ (k & 0xff);
  };
  last(s0, s1, s2, s3, w[40], outOffset);
  last(s1, s2, s3, s0, w[41], outOffset + 4);
  last(s2, s3, s0, s1, w[42], outOffset + 8);
  last(s3, s0, s1, s2, w[43], outOffset + 12);
}

/** One AES-128 block (FIPS-197), for tests and tools. */
export function aes128EncryptBlock(key: Uint8Array, block: Uint8Array): Uint8Array {
  if (block.length !== AES_BLOCK_BYTES) throw new RangeError(`AES block must be 16 bytes, got ${block.length}`);
  const out = new Uint8Array(AES_BLOCK_BYTES);
  encryptBlock(expandKey(key), block, 0, out, 0);
  return out;
}

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
