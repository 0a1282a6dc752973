// AES-128 block encryption (FIPS-197) in plain TypeScript: no node: imports, so the frame codec
// runs in a browser as well as in the gateway. Independent of the firmware's AssemblyScript
// implementation on purpose: here the S-box is computed from its definition (inverse in
// GF(2^8) plus the affine map) and rounds use 32-bit T-tables; both are checked against the
// same published vectors. CMAC (cmac.ts), CTR (ctr.ts) and the KDF (kdf.ts) build on it.
//
// Timing: table lookups indexed by secret bytes are not hardened against cache-timing
// attacks on shared hosts.

export const AES_BLOCK_BYTES = 16;
export const AES_KEY_BYTES = 16;

const SBOX = new Uint8Array(256);
// T0[a] is the MixColumns column for S-box output s = SBOX[a] in row 0: (2s, s, s, 3s),
// big-endian; T1..T3 are its byte rotations for rows 1..3.
const T0 = new Uint32Array(256);
const T1 = new Uint32Array(256);
const T2 = new Uint32Array(256);
const T3 = new Uint32Array(256);

export function xtime(x: number): number {
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
export function expandKey(key: Uint8Array): Uint32Array {
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
export function encryptBlock(w: Uint32Array, input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
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

/** An AES-128 key schedule, expanded once: for CTR mode and CMAC with the same key many times. */
export class Aes128 {
  readonly #schedule: Uint32Array;

  constructor(key: Uint8Array) {
    this.#schedule = expandKey(key);
  }

  /** Encrypt 16 bytes of `input` at `inOffset` into `output` at `outOffset` (may alias). */
  encrypt(input: Uint8Array, inOffset: number, output: Uint8Array, outOffset: number): void {
    encryptBlock(this.#schedule, input, inOffset, output, outOffset);
  }
}
