// The host frame codec against golden vectors built independently (tools/gen-frame-vectors.py),
// and its refusal of every corrupted, truncated or unknown frame.
import { test } from "node:test";
import assert from "node:assert/strict";
import zlib from "node:zlib";
import { decodeFrame, encodeFrame, hexToBytes, bytesToHex, FrameError, crc32 } from "../../host/frame/index.js";
import { readVectors } from "./support/cli.js";
import { Random } from "../../host/sim/random.js";

interface Vector { name: string; hex: string; decoded: { node: number; counter: number; status: number; event_counter: number; registers: Record<string, number> } }
const vectors = readVectors<{ valid: Vector[] }>("frames.json").valid;

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

test("frame sizes: the full esp32-devkitc report at 10 MWh and 20 years of counters", () => {
  const full = hexToBytes(vectors.find((v) => v.name === "devkitc-full-20-years")!.hex);
  const four = hexToBytes(vectors.find((v) => v.name === "four-registers-10mwh")!.hex);
  // CRC-32 (4 bytes) today; swapping it for the 8-byte MAC must keep 60 and 38 bytes.
  assert.ok(full.length + 4 <= 60, `full report ${full.length} bytes + 4 for the MAC exceeds 60`);
  assert.ok(four.length + 4 <= 38, `four-register report ${four.length} bytes + 4 for the MAC exceeds 38`);
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
  const v2 = hexToBytes(vectors[0].hex);
  v2[0] = 2;
  assert.throws(() => decodeFrame(v2), /unsupported frame version 2/);
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
  const seeds = vectors.map((v) => hexToBytes(v.hex));
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
      decodeFrame(data);
    } catch (e) {
      assert.ok(e instanceof FrameError, `non-FrameError escaped: ${e}`);
      rejected++;
    }
  }
  assert.ok(rejected > 99_000, `only ${rejected} rejected`);
});
