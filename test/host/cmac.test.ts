// AES-128 and AES-128-CMAC: the firmware's AssemblyScript implementation (through
// test/harness/cmac.ts) and the host's TypeScript one (host/crypto/cmac.ts), each against
// the published vectors typed into test/vectors/cmac-rfc4493.json, and both against a
// CMAC built here on node:crypto's AES for random messages.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import path from "node:path";
import crypto from "node:crypto";
import { compileHarness, projectRoot, type CompiledHarness } from "./support/asc-compile.js";
import { AesCmac, aes128EncryptBlock, aesSbox, cmac, cmac64, cmacSubkeys, verifyCmac64 } from "../../host/crypto/cmac.js";

interface Vectors {
  aes128: { name: string; key: string; plaintext: string; ciphertext: string }[];
  subkeys: { key: string; l: string; k1: string; k2: string };
  cmac: { name: string; key: string; message: string; tag: string }[];
}
const vectors: Vectors = JSON.parse(readFileSync(path.join(projectRoot, "test/vectors/cmac-rfc4493.json"), "utf8"));
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const toHex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Fixed-seed PRNG (mulberry32), so a failure reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
function randomBytes(next: () => number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(next() * 256);
  return out;
}

/** Reference CMAC from node:crypto's AES (CBC with a zero IV is CBC-MAC); the RFC steps are redone here. */
function referenceCmac(key: Uint8Array, message: Uint8Array): Uint8Array {
  const ecb = crypto.createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
  const l = ecb.update(Buffer.alloc(16));
  const dbl = (b: Uint8Array) => {
    const v = (BigInt("0x" + Buffer.from(b).toString("hex")) << 1n) ^ (b[0] & 0x80 ? 0x87n : 0n);
    return Buffer.from((v & ((1n << 128n) - 1n)).toString(16).padStart(32, "0"), "hex");
  };
  const k1 = dbl(l);
  const k2 = dbl(k1);
  const blocks = Math.max(1, Math.ceil(message.length / 16));
  const padded = Buffer.alloc(blocks * 16);
  padded.set(message);
  const complete = message.length > 0 && message.length % 16 === 0;
  if (!complete) padded[message.length] = 0x80;
  const subkey = complete ? k1 : k2;
  for (let i = 0; i < 16; i++) padded[(blocks - 1) * 16 + i] ^= subkey[i];
  const cbc = crypto.createCipheriv("aes-128-cbc", key, Buffer.alloc(16)).setAutoPadding(false);
  const out = cbc.update(padded);
  return Uint8Array.from(out.subarray(out.length - 16));
}

// Firmware harness, with the I/O buffer laid out as key | tag | message.
let h: CompiledHarness;
let io: number;
const KEY_OFFSET = 0;
const TAG_OFFSET = 16;
const BLOCK_OFFSET = 32;
const MSG_OFFSET = 64;
const bytes = (offset: number, n: number) => new Uint8Array(h.memory.buffer, io + offset, n);
function wasmLoadKey(key: Uint8Array): void {
  bytes(KEY_OFFSET, 16).set(key);
  h.exports.loadKey(io + KEY_OFFSET);
  bytes(KEY_OFFSET, 16).fill(0);
}
function wasmCmac(message: Uint8Array): Uint8Array {
  bytes(MSG_OFFSET, message.length).set(message);
  h.exports.compute(io + MSG_OFFSET, message.length, io + TAG_OFFSET);
  return bytes(TAG_OFFSET, 16).slice();
}
function wasmVerify8(message: Uint8Array, tag: Uint8Array): boolean {
  bytes(MSG_OFFSET, message.length).set(message);
  bytes(TAG_OFFSET, 8).set(tag);
  return h.exports.verify8(io + MSG_OFFSET, message.length, io + TAG_OFFSET) === 1;
}
function wasmEncrypt(key: Uint8Array, block: Uint8Array): Uint8Array {
  wasmLoadKey(key);
  bytes(BLOCK_OFFSET, 16).set(block);
  h.exports.encryptBlock(io + BLOCK_OFFSET, io + BLOCK_OFFSET);
  return bytes(BLOCK_OFFSET, 16).slice();
}

before(async () => {
  h = await compileHarness("test/harness/cmac.ts");
  io = h.exports.ioBufferPtr();
  assert.ok(h.exports.ioBufferBytes() >= MSG_OFFSET + 300);
});

test("the vector file holds the four RFC 4493 examples (lengths 0, 16, 40, 64)", () => {
  assert.deepEqual(vectors.cmac.map((v) => v.message.length / 2), [0, 16, 40, 64]);
});

test("S-box: firmware table equals the one computed from its GF(2^8) definition", () => {
  const firmware = new Uint8Array(h.memory.buffer, h.exports.sboxPtr(), 256);
  assert.equal(toHex(firmware), toHex(aesSbox()));
  // Spot values from FIPS-197 figure 7.
  assert.deepEqual([firmware[0x00], firmware[0x53], firmware[0xff]], [0x63, 0xed, 0x16]);
});

test("AES-128 known answers (FIPS-197 B, C.1; RFC 4493 L)", () => {
  for (const v of vectors.aes128) {
    assert.equal(toHex(aes128EncryptBlock(hex(v.key), hex(v.plaintext))), v.ciphertext, `host: ${v.name}`);
    assert.equal(toHex(wasmEncrypt(hex(v.key), hex(v.plaintext))), v.ciphertext, `firmware: ${v.name}`);
  }
});

test("CMAC subkeys K1, K2 (RFC 4493 section 4) on the host", () => {
  const s = cmacSubkeys(hex(vectors.subkeys.key));
  assert.equal(toHex(s.l), vectors.subkeys.l);
  assert.equal(toHex(s.k1), vectors.subkeys.k1);
  assert.equal(toHex(s.k2), vectors.subkeys.k2);
});

test("CMAC: RFC 4493 examples, host and firmware, full and 8-byte tags", () => {
  for (const v of vectors.cmac) {
    const key = hex(v.key);
    const message = hex(v.message);
    assert.equal(toHex(cmac(key, message)), v.tag, `host: ${v.name}`);
    assert.equal(toHex(cmac64(key, message)), v.tag.slice(0, 16), `host cmac64: ${v.name}`);
    assert.ok(verifyCmac64(key, message, hex(v.tag.slice(0, 16))), `host verify: ${v.name}`);
    assert.equal(toHex(referenceCmac(key, message)), v.tag, `node:crypto reference: ${v.name}`);
    wasmLoadKey(key);
    assert.equal(toHex(wasmCmac(message)), v.tag, `firmware: ${v.name}`);
    bytes(MSG_OFFSET, message.length).set(message);
    bytes(TAG_OFFSET, 16).fill(0xee);
    h.exports.compute8(io + MSG_OFFSET, message.length, io + TAG_OFFSET);
    assert.equal(toHex(bytes(TAG_OFFSET, 8)), v.tag.slice(0, 16), `firmware compute8: ${v.name}`);
    assert.equal(toHex(bytes(TAG_OFFSET + 8, 8)), "ee".repeat(8), "compute8 writes only 8 bytes");
    assert.ok(wasmVerify8(message, hex(v.tag.slice(0, 16))), `firmware verify8: ${v.name}`);
  }
});

test("400 random keys and messages (0..300 bytes): host, firmware and node:crypto agree", () => {
  const next = prng(0x5eed_c3ac);
  for (let n = 0; n < 400; n++) {
    const key = randomBytes(next, 16);
    const message = randomBytes(next, Math.floor(next() * 301));
    const expected = toHex(referenceCmac(key, message));
    assert.equal(toHex(cmac(key, message)), expected, `host, case ${n}, length ${message.length}`);
    wasmLoadKey(key);
    assert.equal(toHex(wasmCmac(message)), expected, `firmware, case ${n}, length ${message.length}`);
  }
});

test("every length 0..80 under one key: host, firmware and node:crypto agree (block-boundary cases)", () => {
  const key = hex(vectors.subkeys.key);
  const host = new AesCmac(key);
  wasmLoadKey(key);
  const message = randomBytes(prng(80), 80);
  for (let len = 0; len <= 80; len++) {
    const m = message.subarray(0, len);
    const expected = toHex(referenceCmac(key, m));
    assert.equal(toHex(host.mac(m)), expected, `host, length ${len}`);
    assert.equal(toHex(wasmCmac(m)), expected, `firmware, length ${len}`);
  }
});

test("verify8 rejects a tag or a message with any single bit flipped", () => {
  const next = prng(7);
  const key = randomBytes(next, 16);
  const message = randomBytes(next, 52);
  const tag = cmac64(key, message);
  const host = new AesCmac(key);
  wasmLoadKey(key);
  assert.ok(wasmVerify8(message, tag));
  assert.ok(host.verify64(message, tag));
  for (let bit = 0; bit < 64; bit++) {
    const bad = tag.slice();
    bad[bit >> 3] ^= 1 << (bit & 7);
    assert.equal(wasmVerify8(message, bad), false, `firmware accepted tag bit ${bit} flipped`);
    assert.equal(host.verify64(message, bad), false, `host accepted tag bit ${bit} flipped`);
  }
  for (let bit = 0; bit < message.length * 8; bit++) {
    const bad = message.slice();
    bad[bit >> 3] ^= 1 << (bit & 7);
    assert.equal(wasmVerify8(bad, tag), false, `firmware accepted message bit ${bit} flipped`);
  }
  assert.equal(wasmVerify8(message.subarray(0, 51), tag), false, "truncated message");
  assert.equal(host.verify64(message, tag.subarray(0, 7)), false, "short tag");
});

test("key slots: each slot keeps its own key; an empty slot never verifies and refuses to MAC", () => {
  const keyA = hex(vectors.subkeys.key);
  const keyB = randomBytes(prng(11), 16);
  const message = hex(vectors.cmac[2].message);
  h.exports.selectKeySlot(0);
  wasmLoadKey(keyA);
  h.exports.selectKeySlot(1);
  wasmLoadKey(keyB);
  assert.equal(toHex(wasmCmac(message)), toHex(cmac(keyB, message)));
  h.exports.selectKeySlot(0);
  assert.equal(toHex(wasmCmac(message)), vectors.cmac[2].tag);

  // A raw aesExpandKey (without cmacLoadKey) must still refresh the CMAC subkeys.
  h.exports.selectKeySlot(1);
  bytes(KEY_OFFSET, 16).set(keyA);
  h.exports.expandKey(io + KEY_OFFSET);
  assert.equal(toHex(wasmCmac(message)), vectors.cmac[2].tag);

  h.exports.forgetKey();
  assert.equal(h.exports.hasKey(), 0);
  assert.equal(wasmVerify8(message, hex(vectors.cmac[2].tag.slice(0, 16))), false);
  assert.throws(() => wasmCmac(message), /firmware panic/);
  assert.throws(() => h.exports.selectKeySlot(3), /firmware panic/); // slots 0, 1 and the ephemeral slot 2 (OMS)
  h.exports.selectKeySlot(0);
  assert.equal(h.exports.hasKey(), 1);
});

test("no key material is left in the firmware's scratch buffers after a MAC", () => {
  // The key schedule holds the key itself; every other buffer must not. Look for any
  // 16-byte window equal to the key or to a round key outside the schedule.
  const key = hex("000102030405060708090a0b0c0d0e0f");
  h.exports.selectKeySlot(0);
  wasmLoadKey(key);
  wasmCmac(randomBytes(prng(3), 52));
  const memory = new Uint8Array(h.memory.buffer);
  const keyHex = toHex(key);
  const lastRoundKey = "13111d7fe3944a17f307a78b4d2b30c5"; // FIPS-197 C.1 round[10].k_sch
  const found: number[] = [];
  for (let i = 0; i + 16 <= memory.length; i++) {
    const w = toHex(memory.subarray(i, i + 16));
    if (w === keyHex || w === lastRoundKey) found.push(i);
  }
  // Exactly one schedule holds them: key at its start, round key 10 at +160.
  assert.equal(found.length, 2, `key material at ${found.join(", ")}`);
  assert.equal(found[1] - found[0], 160);
});
