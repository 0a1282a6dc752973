// The host frame codec against golden vectors built independently (tools/gen-frame-vectors.py),
// and its refusal of every corrupted, truncated or unknown frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { decodeFrame, encodeFrame, hexToBytes, bytesToHex, FrameError, crc32, Keyring, TestKeys, testKey } from "../../host/frame/index.js";
import { readVectors } from "./support/cli.js";
import { Random } from "../../host/sim/random.js";

interface Vector { name: string; hex: string; key: string | null; decoded: { node: number; counter: number; status: number; event_counter: number; registers: Record<string, number> } }
const file = readVectors<{ valid: Vector[]; authenticated: Vector[] }>("frames.json");
const vectors = file.valid;
const authVectors = file.authenticated;
const fromHex = (hex: string) => Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));

/** A keyring holding exactly the keys the vectors were made with. */
function vectorKeys(): Keyring {
  const ring = new Keyring();
  for (const v of authVectors) ring.set(v.decoded.node, fromHex(v.key!));
  return ring;
}

test("CRC-32 matches the catalogued check value and node's zlib.crc32", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  const random = new Random(3);
  for (let n = 0; n < 200; n++) {
    const data = new Uint8Array(random.int(0, 300)).map(() => random.int(0, 255));
    assert.equal(crc32(data), zlib.crc32(data));
  }
});

for (const v of vectors) {
  test(`golden frame '${v.name}' decodes to its definition and encodes back byte for byte`, () => {
    const frame = decodeFrame(hexToBytes(v.hex));
    assert.equal(frame.node, v.decoded.node);
    assert.equal(frame.counter, v.decoded.counter);
    assert.equal(frame.status, v.decoded.status);
    assert.equal(frame.event_counter, v.decoded.event_counter);
    assert.deepEqual(frame.registers, v.decoded.registers);
    assert.equal(bytesToHex(encodeFrame({ ...v.decoded })), v.hex);
  });
}

for (const v of authVectors) {
  test(`authenticated golden frame '${v.name}' verifies with its key and encodes back byte for byte`, () => {
    const frame = decodeFrame(hexToBytes(v.hex), { keys: vectorKeys(), requireAuthentication: true });
    assert.equal(frame.authenticated, true);
    assert.equal(frame.suite, "aes128-cmac64");
    assert.equal(frame.counter, v.decoded.counter);
    assert.deepEqual(frame.registers, v.decoded.registers);
    assert.equal(bytesToHex(encodeFrame({ ...v.decoded }, fromHex(v.key!), { suite: 1 })), v.hex);
  });
}

test("the documented test key is what the vectors used", () => {
  const v = authVectors.find((x) => x.name === "auth-pv-test-key")!;
  assert.equal(bytesToHex(testKey(4097)), v.key);
  assert.equal(decodeFrame(hexToBytes(v.hex), { keys: new TestKeys() }).authenticated, true);
});

test("frame sizes with the MAC: full esp32-devkitc report <= 60 bytes, four registers <= 38", () => {
  const full = hexToBytes(authVectors.find((v) => v.name === "auth-devkitc-full-20-years")!.hex);
  const four = hexToBytes(authVectors.find((v) => v.name === "auth-four-registers-10mwh")!.hex);
  assert.ok(full.length <= 60, `full report is ${full.length} bytes`);
  assert.ok(four.length <= 38, `four-register report is ${four.length} bytes`);
});

test("authenticated frames: wrong key, missing key, any bit flip and a CRC-only frame under requireAuthentication are refused", () => {
  const keys = vectorKeys();
  for (const v of authVectors) {
    const bytes = hexToBytes(v.hex);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      assert.throws(() => decodeFrame(copy, { keys }), FrameError, `${v.name} bit ${bit}`);
    }
  }
  const own = hexToBytes(authVectors.find((v) => v.name === "auth-own-key")!.hex);
  assert.throws(() => decodeFrame(own, { keys: new TestKeys() }), /MAC mismatch for node 77/);
  assert.throws(() => decodeFrame(own), /no key for node 77/);
  assert.throws(() => decodeFrame(hexToBytes(vectors[1].hex), { requireAuthentication: true }), /unauthenticated frame/);
  // A forger who recomputes a CRC cannot pass as suite 1, nor as suite 0 under requireAuthentication.
  const forged = encodeFrame({ node: 4097, counter: 99, registers: { "pulse1.wh": 1 } });
  assert.throws(() => decodeFrame(forged, { keys, requireAuthentication: true }), FrameError);
});

test("keyring files: clear errors for malformed entries", () => {
  assert.throws(() => Keyring.parse("[]"), /line 1: the keyring must be an object/);
  assert.throws(() => Keyring.parse('{"keys": {"x": "00"}}'), /line 1: "x" is not a node id/);
  assert.throws(() => Keyring.parse('{"keys": {"5": "00"}}'), /line 1: the key of node 5 must be a string of 32 hex digits \(16 bytes\), got 2 characters/);
  assert.throws(() => Keyring.parse('{"keys": {}, "extra": 1}'), /unknown entry "extra"/);
  assert.equal(Keyring.parse('{"keys": {"5": "000102030405060708090a0b0c0d0e0f"}}').size, 1);
});

test("every single-bit flip of every golden frame is rejected", () => {
  for (const v of vectors) {
    const bytes = hexToBytes(v.hex);
    for (let bit = 0; bit < bytes.length * 8; bit++) {
      const copy = bytes.slice();
      copy[bit >> 3] ^= 1 << (bit & 7);
      assert.throws(() => decodeFrame(copy), FrameError, `${v.name} bit ${bit}`);
    }
  }
});

test("every truncation and extension of a golden frame is rejected with a reason", () => {
  const bytes = hexToBytes(vectors[2].hex);
  for (let len = 0; len < bytes.length; len++) {
    assert.throws(() => decodeFrame(bytes.subarray(0, len)), FrameError);
  }
  const longer = new Uint8Array(bytes.length + 1);
  longer.set(bytes);
  assert.throws(() => decodeFrame(longer), FrameError);
});

test("clear messages for the usual mistakes", () => {
  assert.throws(() => decodeFrame(new Uint8Array(3)), /too short/);
  const v3 = hexToBytes(vectors[0].hex);
  v3[0] = 3; // version 2 is the billing frame (docs/frames.md)
  assert.throws(() => decodeFrame(v3), /unsupported frame version 3 \(this decoder reads versions 1 and 2\)/);
  const crcBad = hexToBytes(vectors[1].hex);
  crcBad[crcBad.length - 1] ^= 0xff;
  assert.throws(() => decodeFrame(crcBad), /CRC mismatch/);
  assert.throws(() => hexToBytes("zz"), /not hexadecimal/);
  assert.throws(() => hexToBytes("abc"), /odd number/);
  // A frame with a valid CRC but an unknown register bit must still be refused.
  const unknownBit = Uint8Array.from([1, 0, 1, 1, 0, 0, 0x80, 0x80, 0x80, 0x02, 5]);
  const framed = new Uint8Array(unknownBit.length + 4);
  framed.set(unknownBit);
  new DataView(framed.buffer).setUint32(unknownBit.length, zlib.crc32(unknownBit), true);
  assert.throws(() => decodeFrame(framed), /unknown register/);
});

test("random and mutated input never escapes as anything but FrameError (100 000 cases)", () => {
  const random = new Random(11);
  const seeds = [...vectors, ...authVectors].map((v) => hexToBytes(v.hex));
  const keys = vectorKeys();
  let rejected = 0;
  for (let n = 0; n < 100_000; n++) {
    let data: Uint8Array;
    if (n % 2 === 0) {
      data = new Uint8Array(random.int(0, 80)).map(() => random.int(0, 255));
    } else {
      data = seeds[n % seeds.length].slice();
      const flips = random.int(1, 4);
      for (let f = 0; f < flips && data.length > 0; f++) data[random.int(0, data.length - 1)] = random.int(0, 255);
    }
    try {
      decodeFrame(data, { keys });
    } catch (e) {
      assert.ok(e instanceof FrameError, `non-FrameError escaped: ${e}`);
      rejected++;
    }
  }
  assert.ok(rejected > 99_000, `only ${rejected} rejected`);
});
